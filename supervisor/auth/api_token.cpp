#include "supervisor/auth/api_token.h"
#include "supervisor/common/publish_file.h"
#include "supervisor/common/unique_fd.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace clawhive {
namespace {

constexpr size_t kTokenBytes = 32;
constexpr size_t kMaxTokenFile = 4096;
constexpr size_t kMinTokenChars = 16;

std::string Errno(int err) { return std::strerror(err); }

std::string Octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

using Fd = UniqueFd;

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Result<std::string> ReadToken(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return Error::NotFound("token file " + path + " does not exist");
    if (err == ELOOP) return Error::Invalid("token file " + path + " is a symbolic link; refusing to use it");
    return Error::Unavailable("cannot open token file " + path + ": " + Errno(err));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Error::Unavailable("cannot stat token file " + path + ": " + Errno(errno));
  if (!S_ISREG(st.st_mode)) return Error::Invalid("token file " + path + " is not a regular file");
  if (st.st_uid != ::geteuid())
    return Error::Invalid("token file " + path + " must be owned by uid " + std::to_string(::geteuid()) +
                          " (it is owned by uid " + std::to_string(st.st_uid) + ")");
  if ((st.st_mode & 07777) != 0600)
    return Error::Invalid("token file " + path + " must have mode 0600 (it has " + Octal(st.st_mode) + ")");
  std::string text;
  char buf[1024];
  while (text.size() <= kMaxTokenFile) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Unavailable("cannot read token file " + path + ": " + Errno(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  if (text.size() > kMaxTokenFile) return Error::Invalid("token file " + path + " is too large");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
    text.pop_back();
  if (text.size() < kMinTokenChars)
    return Error::Invalid("token in " + path + " is shorter than " + std::to_string(kMinTokenChars) + " characters");
  for (unsigned char c : text)
    if (c < 0x21 || c > 0x7E)
      return Error::Invalid("token in " + path + " must be printable ASCII without spaces");
  return text;
}

// Creates `dir` and missing parents with mode 0700, or checks an existing one.
Status EnsureDirectory(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Error::Unavailable("cannot stat " + dir + ": " + Errno(errno));
    std::string parent = DirName(dir);
    if (parent != dir)
      if (Status s = EnsureDirectory(parent); !s) return s;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return Error::Unavailable("cannot create directory " + dir + ": " + Errno(errno));
    if (::chmod(dir.c_str(), 0700) != 0)  // mkdir's mode is cut by the umask
      return Error::Unavailable("cannot chmod directory " + dir + ": " + Errno(errno));
    return Status::Ok();
  }
  if (!S_ISDIR(st.st_mode)) return Error::Invalid(dir + " is not a directory");
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return Error::Invalid("directory " + dir + " must be owned by uid " + std::to_string(::geteuid()) + " or root");
  if ((st.st_mode & 022) != 0)
    return Error::Invalid("directory " + dir + " must not be writable by group or others (it has mode " +
                          Octal(st.st_mode) + ")");
  return Status::Ok();
}

std::string Hex(const unsigned char* data, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Unavailable(Errno(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Creates the token file. kAlreadyExists when another process created it first.
Result<std::string> CreateToken(const std::string& path) {
  const std::string dir = DirName(path);
  if (Status s = EnsureDirectory(dir); !s) return s.error();

  unsigned char raw[kTokenBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) return Error::Unavailable("RAND_bytes failed to produce a token");
  std::string token = Hex(raw, sizeof raw);
  OPENSSL_cleanse(raw, sizeof raw);

  std::string tmp = path + ".tmp.XXXXXX";
  std::vector<char> tmpl(tmp.begin(), tmp.end());
  tmpl.push_back('\0');
  Fd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (fd.get() < 0) return Error::Unavailable("cannot create a temporary file in " + dir + ": " + Errno(errno));
  tmp = tmpl.data();
  auto fail = [&](const std::string& what, int err) -> Error {
    ::unlink(tmp.c_str());
    return Error::Unavailable(what + " " + tmp + ": " + Errno(err));
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail("cannot chmod", errno);
  if (Status s = WriteAll(fd.get(), token + "\n"); !s) return fail("cannot write", errno);
  if (::fsync(fd.get()) != 0) return fail("cannot fsync", errno);
  if (::close(fd.release()) != 0) return fail("cannot close", errno);
  // First creator wins: nobody overwrites a token in use.
  if (Status s = PublishNewFile(tmp, path, "token file"); !s) return s.error();
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());  // best effort: the token works even if this is lost
  return token;
}

}  // namespace

Result<std::string> LoadOrCreateToken(const std::string& path) {
  if (path.empty() || path.back() == '/') return Error::Invalid("token path must name a file");
  for (int attempt = 0; attempt < 3; ++attempt) {
    Result<std::string> read = ReadToken(path);
    if (read || read.error().code != ErrorCode::kNotFound) return read;
    Result<std::string> created = CreateToken(path);
    if (created || created.error().code != ErrorCode::kAlreadyExists) return created;
  }
  return Error::Unavailable("token file " + path + " keeps appearing and disappearing");
}

}  // namespace clawhive
