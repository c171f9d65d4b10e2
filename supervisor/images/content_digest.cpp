#include "supervisor/images/content_digest.h"
#include "supervisor/common/unique_fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace clawhive::images {
namespace {

struct Entry {
  std::string path;  // relative, '/'-separated
  char type = 0;     // 'F', 'L', 'D'
  uint32_t mode = 0;
  uint64_t size = 0;
  std::string target;  // symlinks
};

struct EvpFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Evp = std::unique_ptr<EVP_MD_CTX, EvpFree>;

Evp NewSha256() {
  Evp ctx(EVP_MD_CTX_new());
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) ctx.reset();
  return ctx;
}

std::string FinishHex(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, md, &len) != 1) return "";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Error Errno(const std::string& what) {
  int e = errno;
  if (e == ENOENT) return Error::NotFound(what + ": " + strerror(e));
  return Error::Unavailable(what + ": " + strerror(e));
}

using Fd = UniqueFd;

Result<std::string> HashFd(int fd, const std::string& what) {
  Evp ctx = NewSha256();
  if (!ctx) return Error::Internal("cannot initialise sha256");
  std::vector<unsigned char> buf(1 << 18);
  for (;;) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("reading " + what);
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
  }
  return FinishHex(ctx.get());
}

// Target components: any number of leading "..", then names ("." is skipped). A ".." after a name could
// step out of the tree through another symlink even when the text alone stays inside, so it is refused;
// with ".." only in front, each link resolves inside whatever its components point to.
Status CheckSymlinkTarget(const std::string& path, const std::string& target) {
  auto refuse = [&](const std::string& why) {
    return Error::Invalid("symlink " + path + " -> " + target + ": " + why);
  };
  if (target.empty()) return refuse("empty target");
  if (target[0] == '/') return refuse("absolute target (an image must be self-contained)");
  size_t depth = static_cast<size_t>(std::count(path.begin(), path.end(), '/'));  // dirs above the link
  bool named = false;
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string::npos) end = target.size();
    std::string part = target.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (named) return refuse("'..' after a name");
      if (depth == 0) return refuse("leads outside the image");
      --depth;
      continue;
    }
    named = true;
  }
  return Status::Ok();
}

Status CheckName(const std::string& path) {
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return Error::Invalid("path with a control character (newline, NUL, ...): " + path.substr(0, 200));
  return Status::Ok();
}

struct Walk {
  std::string root;
  std::vector<Entry> entries;
  std::map<std::pair<dev_t, ino_t>, std::pair<nlink_t, uint64_t>> links;  // multi-link files: (nlink, seen)
  std::map<std::pair<dev_t, ino_t>, std::string> link_names;

  Status Dir(int dirfd, const std::string& prefix, int depth) {
    if (depth > kMaxDepth) return Error::Invalid("directories nested deeper than " + std::to_string(kMaxDepth) + ": " + prefix);
    int dup_fd = dup(dirfd);
    if (dup_fd < 0) return Errno("dup");
    DIR* d = fdopendir(dup_fd);
    if (!d) {
      close(dup_fd);
      return Errno("opening " + root + "/" + prefix);
    }
    std::unique_ptr<DIR, int (*)(DIR*)> guard(d, closedir);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
      errno = 0;
    }
    if (errno != 0) return Errno("reading " + root + "/" + prefix);
    for (const std::string& name : names) {
      std::string path = prefix.empty() ? name : prefix + "/" + name;
      if (Status s = CheckName(path); !s) return s;
      if (depth == 0 && name == "manifest.json") {
        struct stat st;
        if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Errno("stat " + path);
        if (!S_ISREG(st.st_mode)) return Error::Invalid("manifest.json is not a regular file");
        continue;
      }
      if (Status s = One(dirfd, name, path, depth); !s) return s;
    }
    return Status::Ok();
  }

  Status One(int dirfd, const std::string& name, const std::string& path, int depth) {
    struct stat st;
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Errno("stat " + path);
    Entry e;
    e.path = path;
    if (!S_ISLNK(st.st_mode) && (st.st_mode & 07000) != 0)
      return Error::Invalid(path + " has the setuid, setgid or sticky bit");
    if (S_ISREG(st.st_mode)) {
      e.type = 'F';
      e.mode = NormalizedMode(false, st.st_mode);
      e.size = static_cast<uint64_t>(st.st_size);
      if (st.st_nlink > 1) {
        auto key = std::make_pair(st.st_dev, st.st_ino);
        auto& slot = links[key];
        slot.first = st.st_nlink;
        ++slot.second;
        link_names.emplace(key, path);
      }
    } else if (S_ISDIR(st.st_mode)) {
      e.type = 'D';
      e.mode = NormalizedMode(true, st.st_mode);
      int fd = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return Errno("opening " + path);
      Fd sub(fd);
      entries.push_back(std::move(e));
      return Dir(sub.get(), path, depth + 1);
    } else if (S_ISLNK(st.st_mode)) {
      e.type = 'L';
      std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
      ssize_t n = readlinkat(dirfd, name.c_str(), target.data(), target.size());
      if (n < 0) return Errno("reading link " + path);
      if (static_cast<size_t>(n) >= target.size()) return Error::Unavailable("symlink " + path + " changed while read");
      target.resize(static_cast<size_t>(n));
      if (Status s = CheckName(target); !s) return Error::Invalid("symlink " + path + " has a target with a control character");
      if (Status s = CheckSymlinkTarget(path, target); !s) return s;
      e.target = std::move(target);
    } else {
      const char* kind = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device file"
                         : S_ISFIFO(st.st_mode)                     ? "a FIFO"
                         : S_ISSOCK(st.st_mode)                     ? "a socket"
                                                                    : "of an unknown type";
      return Error::Invalid(path + " is " + kind + "; an image holds only files, directories and symlinks");
    }
    entries.push_back(std::move(e));
    return Status::Ok();
  }
};

}  // namespace

uint32_t NormalizedMode(bool is_dir, uint32_t mode) {
  if (is_dir) return 0555;
  return (mode & 0111) != 0 ? 0555 : 0444;
}

Result<std::string> Sha256File(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Errno("opening " + path);
  Fd guard(fd);
  return HashFd(fd, path);
}

Result<TreeDigest> DigestTree(const std::string& root) {
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("opening " + root);
  Fd root_fd(fd);
  Walk walk;
  walk.root = root;
  if (Status s = walk.Dir(root_fd.get(), "", 0); !s) return s.error();
  for (const auto& [key, slot] : walk.links)
    if (slot.second != slot.first)
      return Error::Invalid(walk.link_names[key] + " is a hard link to a file outside the image (" +
                            std::to_string(slot.first) + " links, " + std::to_string(slot.second) + " inside)");
  std::sort(walk.entries.begin(), walk.entries.end(),
            [](const Entry& a, const Entry& b) { return a.path < b.path; });  // std::string: byte-wise

  Evp ctx = NewSha256();
  if (!ctx) return Error::Internal("cannot initialise sha256");
  TreeDigest out;
  std::string record;
  char mode[8];
  for (const Entry& e : walk.entries) {
    record.assign(1, e.type);
    record += ' ';
    record += e.path;
    record += '\0';
    if (e.type == 'L') {
      record += e.target;
      ++out.symlinks;
    } else {
      snprintf(mode, sizeof mode, "%04o", e.mode);
      record += mode;
      if (e.type == 'D') {
        ++out.dirs;
      } else {
        int f = openat(root_fd.get(), e.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (f < 0) return Errno("opening " + e.path);
        Fd file(f);
        struct stat st;
        if (fstat(f, &st) != 0) return Errno("stat " + e.path);
        if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != e.size)
          return Error::Unavailable(e.path + " changed while the image was being read");
        Result<std::string> sum = HashFd(f, e.path);
        if (!sum) return sum.error();
        record += '\0';
        record += std::to_string(e.size);
        record += '\0';
        record += *sum;
        ++out.files;
        out.bytes += e.size;
      }
    }
    record += '\n';
    EVP_DigestUpdate(ctx.get(), record.data(), record.size());
  }
  out.sha256 = FinishHex(ctx.get());
  if (out.sha256.empty()) return Error::Internal("sha256 failed");
  return out;
}

}  // namespace clawhive::images
