#include "supervisor/vault/key_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <system_error>

#include "supervisor/common/publish_file.h"
#include "supervisor/common/subprocess.h"
#include "supervisor/common/unique_fd.h"

namespace clawhive::vault {
namespace {

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string Octal(mode_t mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

using Fd = UniqueFd;

std::string TempPath(const std::string& key_dir, uint32_t version, bool sealed = false) {
  return key_dir + "/.kek-" + std::to_string(version) + (sealed ? ".cred.tmp" : ".key.tmp");
}

constexpr size_t kMaxCredBytes = 64 * 1024;  // a sealed 32-byte key is ~1-2 KiB of base64

std::string CredName(uint32_t version) { return "--name=clawhive-kek-" + std::to_string(version); }

CommandRunner& CredsRunner() {
  static CommandRunner runner = RunCommand;
  return runner;
}

Status SyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Error::Unavailable("cannot open key directory " + dir + ": " + ErrnoText(errno));
  if (::fsync(fd.get()) != 0) return Error::Unavailable("cannot fsync key directory " + dir + ": " + ErrnoText(errno));
  return Status::Ok();
}

// The permission rules shared by files and the directory, on a stat result.
Status CheckStat(const struct stat& st, const std::string& path, const char* what, const char* wanted) {
  const uid_t me = ::geteuid();
  if (st.st_uid != me)
    return Error::Unavailable(std::string(what) + " " + path + " is owned by uid " + std::to_string(st.st_uid) +
                              ", not by this process's uid " + std::to_string(me) + "; refusing to use it");
  if ((st.st_mode & 077) != 0)
    return Error::Unavailable(std::string(what) + " " + path + " has mode " + Octal(st.st_mode) +
                              ", open to group or others; it must be " + wanted + " (chmod " + wanted + " " + path +
                              ")");
  return Status::Ok();
}

// Parses "kek-<n><suffix>" (n a canonical decimal 1..2^32-1); 0 when the name is something else.
uint32_t VersionOf(const std::string& name, std::string_view kSuffix) {
  constexpr std::string_view kPrefix = "kek-";
  if (name.size() <= kPrefix.size() + kSuffix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0 ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return 0;
  std::string digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() > 10 || digits[0] == '0') return 0;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v > UINT32_MAX ? 0 : static_cast<uint32_t>(v);
}

struct CloseDir {
  void operator()(DIR* d) const noexcept { ::closedir(d); }
};

// Calls fn(name) for every directory entry.
template <typename Fn>
Status ForEachEntry(const std::string& dir, Fn fn) {
  std::unique_ptr<DIR, CloseDir> d(::opendir(dir.c_str()));
  if (!d) return Error::Unavailable("cannot list key directory " + dir + ": " + ErrnoText(errno));
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) return Error::Unavailable("cannot list key directory " + dir + ": " + ErrnoText(errno));
      return Status::Ok();
    }
    if (Status s = fn(std::string(e->d_name)); !s) return s;
  }
}

// Makes a complete, fsynced temporary the KEK file `path` (never replacing one) and syncs the dir.
Status Publish(const std::string& key_dir, const std::string& temp, const std::string& path) {
  if (Status s = PublishNewFile(temp, path, "KEK file"); !s) return s;
  return SyncDir(key_dir);
}

std::string RunnerFailure(const Error& e) {
  if (e.code == ErrorCode::kNotFound)
    return e.message + "; install systemd-creds (systemd >= 250) or set vault.seal_kek: false";
  return e.message;
}

Status CreateSealedKekFile(const std::string& key_dir, uint32_t version, const Key& key) {
  const std::string path = SealedKekPath(key_dir, version);
  const std::string plain = KekPath(key_dir, version);
  struct stat st {};
  if (::lstat(plain.c_str(), &st) == 0)
    return Error::Exists("KEK version " + std::to_string(version) + " already has the KEK file " + plain);
  const std::string temp = TempPath(key_dir, version, true);
  if (::unlink(temp.c_str()) != 0 && errno != ENOENT)
    return Error::Unavailable("cannot remove stale " + temp + ": " + ErrnoText(errno));
  // The key goes on stdin; argv holds only names and paths.
  std::string out;
  Status ran = CredsRunner()(
      {"systemd-creds", "encrypt", CredName(version), "--with-key=auto", "-", temp},
      std::string_view(reinterpret_cast<const char*>(key.data()), Key::size()), out);
  OPENSSL_cleanse(out.data(), out.size());
  auto fail = [&](const std::string& message) -> Status {
    ::unlink(temp.c_str());
    return Error::Unavailable(message);
  };
  if (!ran) return fail("cannot seal KEK file " + path + " with systemd-creds: " + RunnerFailure(ran.error()));
  Fd fd(::open(temp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0)
    return fail("systemd-creds did not write " + temp + " for KEK file " + path + ": " + ErrnoText(errno));
  if (::fstat(fd.get(), &st) != 0) return fail("cannot stat " + temp + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode) || st.st_size <= 0 || static_cast<size_t>(st.st_size) > kMaxCredBytes)
    return fail("systemd-creds wrote no usable credential to " + temp + " for KEK file " + path);
  if (::fchmod(fd.get(), 0600) != 0) return fail("cannot set mode 0600 on " + temp + ": " + ErrnoText(errno));
  if (::fsync(fd.get()) != 0) return fail("cannot fsync " + temp + ": " + ErrnoText(errno));
  if (fd.Close() != 0) return fail("cannot close " + temp + ": " + ErrnoText(errno));
  return Publish(key_dir, temp, path);
}

// Reads the sealed file (open: ENOENT is reported to the caller) and decrypts it via systemd-creds, the
// credential on stdin so what is decrypted is exactly the file whose owner and mode were checked.
Result<Key> LoadSealedKekFile(int fd, const std::string& path, uint32_t version, bool check_modes) {
  const std::string what = "sealed KEK file " + path + " (KEK version " + std::to_string(version) + ")";
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error::Unavailable("cannot stat " + what + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) return Error::Unavailable(what + " is not a regular file");
  if (check_modes) {
    if (Status s = CheckStat(st, path, "KEK file", "0600"); !s) return s.error();
  }
  if (st.st_size <= 0 || static_cast<size_t>(st.st_size) > kMaxCredBytes)
    return Error::Unavailable(what + " is " + std::to_string(st.st_size) + " bytes, not a sealed key");
  std::string cred(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < cred.size()) {
    ssize_t n = ::read(fd, cred.data() + got, cred.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Unavailable("cannot read " + what + ": " + ErrnoText(errno));
    if (n == 0) return Error::Unavailable(what + " shrank while being read");
    got += static_cast<size_t>(n);
  }
  std::string out;
  Status ran = CredsRunner()({"systemd-creds", "decrypt", CredName(version), "-", "-"}, cred, out);
  if (!ran) {
    OPENSSL_cleanse(out.data(), out.size());
    return Error::Unavailable("cannot unseal " + what + " with systemd-creds: " + RunnerFailure(ran.error()));
  }
  if (out.size() != Key::size()) {
    const size_t size = out.size();
    OPENSSL_cleanse(out.data(), out.size());
    return Error::Unavailable(what + " unseals to " + std::to_string(size) + " bytes, expected " +
                              std::to_string(Key::size()));
  }
  Key key;
  std::copy(out.begin(), out.end(), key.data());
  OPENSSL_cleanse(out.data(), out.size());
  return key;
}

}  // namespace

Status RunCommand(const std::vector<std::string>& argv, std::string_view input, std::string& output) {
  constexpr size_t kMaxOutput = 64 * 1024, kMaxStderr = 4096;
  output.clear();
  Result<SubprocessResult> r = RunSubprocess({.argv = argv,
                                              .stdin_data = input,
                                              .stdout_limit = kMaxOutput,
                                              .stderr_limit = kMaxStderr,
                                              .timeout = std::chrono::seconds(60),
                                              .wipe = true});
  if (!r) return r.error();
  const std::string name = argv[0] + (argv.size() > 1 ? " " + argv[1] : std::string());
  auto failed = [&](const std::string& why) -> Status {
    OPENSSL_cleanse(r->out.data(), r->out.size());
    return Error::Unavailable(why);
  };
  if (r->timed_out) return failed(name + " did not finish within 60 s and was killed");
  if (r->signal != 0) return failed(name + " was killed by signal " + std::to_string(r->signal));
  if (!r->Succeeded()) {
    const std::string err = r->ErrLine();
    return failed(name + " failed (exit status " + std::to_string(r->exit_code) + "): " +
                  (err.empty() ? "(no message)" : err));
  }
  if (r->out_truncated) return failed(name + " wrote more than " + std::to_string(kMaxOutput) + " bytes");
  output = std::move(r->out);  // the buffer itself moves: no copy of the bytes is left behind
  return Status::Ok();
}

CommandRunner SetCredsRunnerForTesting(CommandRunner runner) {
  CommandRunner previous = std::move(CredsRunner());
  CredsRunner() = std::move(runner);
  return previous;
}

std::string SealedKekPath(const std::string& key_dir, uint32_t version) {
  return key_dir + "/kek-" + std::to_string(version) + ".cred";
}

std::string ExistingKekPath(const std::string& key_dir, uint32_t version) {
  std::string sealed = SealedKekPath(key_dir, version);
  struct stat st {};
  return ::lstat(sealed.c_str(), &st) == 0 ? sealed : KekPath(key_dir, version);
}

std::string KekPath(const std::string& key_dir, uint32_t version) {
  return key_dir + "/kek-" + std::to_string(version) + ".key";
}

Status PrepareKeyDir(const std::string& key_dir, bool check_modes, bool create) {
  if (key_dir.empty()) return Error::Invalid("key directory is empty");
  if (!create) {
    if (::access(key_dir.c_str(), F_OK) != 0 && errno == ENOENT)
      return Error::NotFound("key directory " + key_dir + " does not exist");
  } else if (::mkdir(key_dir.c_str(), 0700) == 0) {
    // The umask may have taken bits off 0700; it can never have added any, but set it exactly anyway.
    if (::chmod(key_dir.c_str(), 0700) != 0)
      return Error::Unavailable("cannot set mode 0700 on key directory " + key_dir + ": " + ErrnoText(errno));
    // Make the new directory's entry durable before any key file is written into it.
    std::string parent = key_dir.find('/') == std::string::npos ? "." : key_dir.substr(0, key_dir.rfind('/'));
    if (parent.empty()) parent = "/";
    if (Status s = SyncDir(parent); !s) return s;
  } else if (errno != EEXIST) {
    return Error::Unavailable("cannot create key directory " + key_dir + ": " + ErrnoText(errno));
  }
  struct stat st {};
  if (::stat(key_dir.c_str(), &st) != 0)
    return Error::Unavailable("cannot stat key directory " + key_dir + ": " + ErrnoText(errno));
  if (!S_ISDIR(st.st_mode)) return Error::Unavailable("key directory " + key_dir + " is not a directory");
  if (check_modes) return CheckStat(st, key_dir, "key directory", "0700");
  return Status::Ok();
}

Status CheckOwnerOnly(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error::Unavailable(std::string("cannot stat ") + what + " " + path + ": " + ErrnoText(errno));
  return CheckStat(st, path, what, "0600");
}

Status CreateKekFile(const std::string& key_dir, uint32_t version, const Key& key, bool sealed) {
  if (sealed) return CreateSealedKekFile(key_dir, version, key);
  const std::string path = KekPath(key_dir, version);
  {
    const std::string other = SealedKekPath(key_dir, version);
    struct stat st {};
    if (::lstat(other.c_str(), &st) == 0)
      return Error::Exists("KEK version " + std::to_string(version) + " already has the KEK file " + other);
  }
  const std::string temp = TempPath(key_dir, version);
  // A temporary of this name is debris from a crash in this very function: never referenced.
  if (::unlink(temp.c_str()) != 0 && errno != ENOENT)
    return Error::Unavailable("cannot remove stale " + temp + ": " + ErrnoText(errno));
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Error::Unavailable("cannot create " + temp + ": " + ErrnoText(errno));
  auto fail = [&](const std::string& message) -> Status {
    ::unlink(temp.c_str());
    return Error::Unavailable(message);
  };
  if (::fchmod(fd.get(), 0600) != 0) return fail("cannot set mode 0600 on " + temp + ": " + ErrnoText(errno));
  size_t written = 0;
  while (written < Key::size()) {
    ssize_t n = ::write(fd.get(), key.data() + written, Key::size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write " + temp + ": " + ErrnoText(n < 0 ? errno : EIO));
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot fsync " + temp + ": " + ErrnoText(errno));
  if (fd.Close() != 0) return fail("cannot close " + temp + ": " + ErrnoText(errno));
  return Publish(key_dir, temp, path);
}

Result<Key> LoadKekFile(const std::string& key_dir, uint32_t version, bool check_modes) {
  {
    const std::string sealed = SealedKekPath(key_dir, version);
    Fd fd(::open(sealed.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() >= 0) return LoadSealedKekFile(fd.get(), sealed, version, check_modes);
    if (errno == ELOOP)
      return Error::Unavailable("sealed KEK file " + sealed + " is a symbolic link; refusing to follow it");
    if (errno != ENOENT)
      return Error::Unavailable("cannot open sealed KEK file " + sealed + ": " + ErrnoText(errno));
  }
  const std::string path = KekPath(key_dir, version);
  const std::string what = "KEK file " + path + " (KEK version " + std::to_string(version) + ")";
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return Error::NotFound(what + " is missing");
    if (err == ELOOP) return Error::Unavailable(what + " is a symbolic link; refusing to follow it");
    return Error::Unavailable("cannot open " + what + ": " + ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::Unavailable("cannot stat " + what + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) return Error::Unavailable(what + " is not a regular file");
  if (check_modes) {
    if (Status s = CheckStat(st, path, "KEK file", "0600"); !s) return s.error();
  }
  if (st.st_size != static_cast<off_t>(Key::size()))
    return Error::Unavailable(what + " is " + std::to_string(st.st_size) + " bytes, expected " +
                              std::to_string(Key::size()));
  Key key;
  size_t got = 0;
  while (got < Key::size()) {
    ssize_t n = ::read(fd.get(), key.data() + got, Key::size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Unavailable("cannot read " + what + ": " + ErrnoText(errno));
    if (n == 0) return Error::Unavailable(what + " is shorter than " + std::to_string(Key::size()) + " bytes");
    got += static_cast<size_t>(n);
  }
  return key;
}

Result<std::vector<uint32_t>> ListKekFiles(const std::string& key_dir) {
  std::vector<uint32_t> versions;
  Status s = ForEachEntry(key_dir, [&](const std::string& name) -> Status {
    if (uint32_t v = VersionOf(name, ".key"); v != 0) versions.push_back(v);
    if (uint32_t v = VersionOf(name, ".cred"); v != 0) versions.push_back(v);
    return Status::Ok();
  });
  if (!s) return s.error();
  std::sort(versions.begin(), versions.end());
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
  return versions;
}

Status RemoveKekFile(const std::string& key_dir, uint32_t version) {
  bool removed = false;
  for (const std::string& path : {SealedKekPath(key_dir, version), KekPath(key_dir, version)}) {
    if (::unlink(path.c_str()) == 0) {
      removed = true;
    } else if (errno != ENOENT) {
      return Error::Unavailable("cannot remove KEK file " + path + ": " + ErrnoText(errno));
    }
  }
  return removed ? SyncDir(key_dir) : Status::Ok();
}

Status RemoveStaleTemporaries(const std::string& key_dir, int64_t min_age_seconds) {
  std::vector<std::string> stale;
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  Status s = ForEachEntry(key_dir, [&](const std::string& name) -> Status {
    constexpr std::string_view kPrefix = ".kek-";
    for (std::string_view kSuffix : {std::string_view(".key.tmp"), std::string_view(".cred.tmp")}) {
      if (name.size() > kPrefix.size() + kSuffix.size() && name.compare(0, kPrefix.size(), kPrefix) == 0 &&
          name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0)
        stale.push_back(key_dir + "/" + name);
    }
    return Status::Ok();
  });
  if (!s) return s;
  for (const std::string& path : stale) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || now - static_cast<int64_t>(st.st_mtime) < min_age_seconds) continue;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return Error::Unavailable("cannot remove stale " + path + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

}  // namespace clawhive::vault
