#include "installer/system.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "supervisor/common/subprocess.h"

namespace clawhive::installer {
namespace {

class Real : public System {
 public:
  Result<std::string> ReadFile(const std::string& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::NotFound(path + ": cannot open");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool Exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<std::string> Run(const std::vector<std::string>& argv) override {
    Result<ExecResult> r = Exec(argv);
    if (!r) return r.error();
    if (r->exit_code != 0)
      return Error::Unavailable(argv[0] + ": failed (exit " + std::to_string(r->exit_code) + ")");
    return std::move(r->out);
  }

  Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    if (argv.empty()) return Error::Invalid("empty command");
    Result<SubprocessResult> r = RunSubprocess({.argv = argv, .stderr_mode = OutputMode::kInherit});
    if (!r && r.error().code == ErrorCode::kNotFound)
      return Error::Unavailable(argv[0] + ": cannot run (not installed?)");
    if (!r) return Error::Unavailable(argv[0] + ": " + r.error().message);
    return ExecResult{r->ShellStatus(), std::move(r->out)};
  }

  Result<uint64_t> FreeBytes(const std::string& path) override {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) return Error::Unavailable(path + ": " + std::strerror(errno));
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }

  std::string Architecture() override {
    struct utsname u {};
    if (::uname(&u) != 0) return "unknown";
    return u.machine;
  }

  uint64_t OnlineCpus() override {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<uint64_t>(n) : 0;
  }

  Result<bool> PortFree(uint16_t port) override {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::Unavailable(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    int err = errno;
    ::close(fd);
    if (rc == 0) return true;
    if (err == EADDRINUSE) return false;
    if (err == EACCES) return true;  // a privileged port as non-root: the installer runs as root
    return Error::Unavailable(std::string("bind 127.0.0.1:") + std::to_string(port) + ": " + std::strerror(err));
  }

  Result<bool> WriteFile(const std::string& path, const std::string& content, mode_t mode) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == mode) {
      Result<std::string> old = ReadFile(path);
      if (old && *old == content) return false;
    }
    if (Status s = MakeParents(path); !s) return s.error();
    std::string tmp = path + ".clawhive-tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return Errno("creating " + tmp);
    ::fchmod(fd, mode);  // the umask must neither widen nor narrow what the caller asked for
    // Keep the group an earlier SetGroup gave the file (a rewrite must not reset it to root).
    if (::lstat(path.c_str(), &st) == 0) (void)::fchown(fd, st.st_uid, st.st_gid);
    size_t off = 0;
    while (off < content.size()) {
      ssize_t n = ::write(fd, content.data() + off, content.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error e = Errno("writing " + tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;
      }
      off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
      ::unlink(tmp.c_str());
      return Errno("flushing " + tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      Error e = Errno("renaming " + tmp);
      ::unlink(tmp.c_str());
      return e;
    }
    return true;
  }

  Status AppendFile(const std::string& path, const std::string& text) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return Errno("opening " + path);
    ssize_t n = ::write(fd, text.data(), text.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(text.size())) return Errno("writing " + path);
    return Status::Ok();
  }

  Result<bool> MakeDir(const std::string& path, mode_t mode) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return Error::Conflict(path + ": exists and is not a directory");
      if ((st.st_mode & 07777) == mode) return false;
      if (::chmod(path.c_str(), mode) != 0) return Errno("chmod " + path);
      return true;
    }
    if (Status s = MakeParents(path + "/x"); !s) return s.error();
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return Errno("mkdir " + path);
    if (::chmod(path.c_str(), mode) != 0) return Errno("chmod " + path);
    return true;
  }

  Result<bool> SetGroup(const std::string& path, gid_t gid) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return Errno("stat " + path);
    if (st.st_gid == gid) return false;
    if (::lchown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) return Errno("chgrp " + path);
    // chown clears set-id bits on some file systems; our modes have none, but keep the mode as it was.
    ::chmod(path.c_str(), st.st_mode & 07777);
    return true;
  }

  Result<bool> Remove(const std::string& path) override {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return false;
    std::filesystem::remove_all(path, ec);  // does not follow symlinks
    if (ec) return Error::Unavailable("removing " + path + ": " + ec.message());
    return true;
  }

  std::vector<std::string> List(const std::string& dir) override {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
      names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  bool Booted() override { return sd_booted() > 0; }

  int64_t NowMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  std::string RandomBytes(size_t n) override {
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::getrandom(out.data() + got, n - got, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) std::abort();  // no entropy source at all: nothing safe to do
      got += static_cast<size_t>(r);
    }
    return out;
  }

 private:
  static Error Errno(const std::string& what) { return Error::Unavailable(what + ": " + std::strerror(errno)); }

  static Status MakeParents(const std::string& path) {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (parent.empty() || std::filesystem::is_directory(parent, ec)) return Status::Ok();
    std::filesystem::create_directories(parent, ec);
    if (ec) return Error::Unavailable("creating " + parent.string() + ": " + ec.message());
    return Status::Ok();
  }
};

}  // namespace

System& RealSystem() {
  static Real real;
  return real;
}

}  // namespace clawhive::installer
