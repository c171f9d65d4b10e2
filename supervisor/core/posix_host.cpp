#include "supervisor/core/posix_host.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <vector>

#include "supervisor/common/replace_file.h"
#include "supervisor/common/subprocess.h"

namespace clawhive {
namespace {

Error Errno(const std::string& what) { return Error::Unavailable(what + ": " + strerror(errno)); }

Status MakeParents(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Error::Unavailable("creating parent directories of " + path + ": " + ec.message());
  return Status::Ok();
}

std::optional<uint64_t> ReadCounter(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string k;
  uint64_t v;
  while (in >> k >> v)
    if (k == key) return v;
  return std::nullopt;
}

}  // namespace

Status RunProgram(const std::vector<std::string>& argv) {
  Result<SubprocessResult> r = RunSubprocess({.argv = argv,
                                              .stdout_mode = OutputMode::kDiscard,
                                              .stderr_limit = 4096,
                                              .timeout = std::chrono::minutes(2)});
  if (!r) return Error::Unavailable(r.error().message);
  if (r->Succeeded()) return Status::Ok();
  return Error::Unavailable(argv[0] + " failed (" + r->Describe() + "): " + r->ErrLine());
}

namespace {

// getpwnam() and friends return a static buffer: the account lookups run on the worker thread while
// other threads may look up accounts too, so only the reentrant forms are used.
struct Account {
  std::optional<uint32_t> id;
  std::string name;
};

Account UserNamed(const std::string& name) {
  passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) return {};
  return {found->pw_uid, found->pw_name};
}

Account UserWithId(uint32_t uid) {
  passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return {};
  return {found->pw_uid, found->pw_name};
}

Account GroupWithId(uint32_t gid) {
  group gr, *found = nullptr;
  std::vector<char> buf(16384);
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) != 0 || !found) return {};
  return {found->gr_gid, found->gr_name};
}

}  // namespace

Status PosixHost::EnsureUser(const std::string& name, uint32_t uid, const std::string& home) {
  if (Account user = UserNamed(name); user.id) {
    if (*user.id == uid) return Status::Ok();
    return Error::Conflict("user " + name + " exists with uid " + std::to_string(*user.id));
  }
  if (Account other = UserWithId(uid); other.id)
    return Error::Conflict("uid " + std::to_string(uid) + " already belongs to " + other.name);
  if (Account group = GroupWithId(uid); group.id)
    return Error::Conflict("gid " + std::to_string(uid) + " already belongs to group " + group.name);
  // The group gets gid = uid. Left to itself, useradd --system takes group ids from SYS_GID_MIN..MAX
  // (101-999 on Debian), which run out after ~900 tenants; the -K overrides pin both ids (and spare the
  // "uid greater than SYS_UID_MAX" warning).
  std::string id = std::to_string(uid);
  return RunProgram({"/usr/sbin/useradd", "--system", "--uid", id, "--user-group",
                     "-K", "SYS_UID_MIN=" + id, "-K", "SYS_UID_MAX=" + id,
                     "-K", "SYS_GID_MIN=" + id, "-K", "SYS_GID_MAX=" + id,
                     "--no-create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin",
                     "--comment", "Clawhive tenant", name});
}

Status PosixHost::RemoveUser(const std::string& name) {
  if (!UserNamed(name).id) return Status::Ok();
  return RunProgram({"/usr/sbin/userdel", "--force", name});
}

Status PosixHost::WriteFile(const std::string& path, const std::string& content, uint32_t mode) {
  if (Status s = MakeParents(path); !s) return s;
  const std::filesystem::path p(path);
  return ReplaceFile(p.parent_path().string(), p.filename().string(), mode, std::nullopt, content);
}

Status PosixHost::RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("removing " + path);
  return Status::Ok();
}

Status PosixHost::MakeDir(const std::string& path, uint32_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error::Unavailable("creating " + path + ": " + ec.message());
  if (chmod(path.c_str(), mode) != 0) return Errno("chmod " + path);
  return Status::Ok();
}

Status PosixHost::Chown(const std::string& path, uint32_t uid, uint32_t gid) {
  if (lchown(path.c_str(), uid, gid) != 0) return Errno("chown " + path);
  return Status::Ok();
}

Status PosixHost::RemoveTree(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.find("..") != std::string::npos || path == "/")
    return Error::Invalid("refusing to remove " + path);
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Error::Unavailable("removing " + path + ": " + ec.message());
  return Status::Ok();
}

bool PosixHost::Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

Result<std::string> PosixHost::ReadFile(const std::string& path) {
  // Plain syscalls, no iostream: the usage sampler reads a few thousand of these per interval.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Error::NotFound(path + " does not exist");
    return Errno("opening " + path);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      // A cgroup removed between open and read reports ENODEV: gone, as if it never was.
      Error e = errno == ENODEV ? Error::NotFound(path + " is gone") : Errno("reading " + path);
      close(fd);
      return e;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > kMaxReadBytes) {
      close(fd);
      return Error{ErrorCode::kTooLarge, path + " is larger than " + std::to_string(kMaxReadBytes) + " bytes"};
    }
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

Status PosixHost::MakeTenantDir(const std::string& base, const std::string& rel, const FileOwnership& owner) {
  Result<TenantDir> dir = TenantDir::OpenOrCreate(base, owner);
  if (!dir) return dir.error();
  return rel.empty() ? Status::Ok() : dir->MakeDir(rel, owner);
}

Status PosixHost::WriteTenantFile(const std::string& base, const std::string& rel, const std::string& content,
                                  const FileOwnership& owner) {
  Result<TenantDir> dir = TenantDir::Open(base);
  if (!dir) return dir.error();
  return dir->WriteFile(rel, content, owner);
}

Result<std::string> PosixHost::ReadTenantFile(const std::string& base, const std::string& rel, size_t max_bytes) {
  Result<TenantDir> dir = TenantDir::Open(base);
  if (!dir) return dir.error();
  return dir->ReadFile(rel, max_bytes);
}

Status PosixHost::RemoveTenantTree(const std::string& base) { return TenantDir::RemoveTree(base); }

int64_t PosixHost::WallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool PosixHost::PortInUse(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  // SO_REUSEADDR as the agents set it: a TIME_WAIT leftover does not count as in use.
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool busy = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == EADDRINUSE;
  close(fd);
  return busy;
}

bool PosixHost::IsEphemeralPort(uint16_t port) {
  unsigned lo = 32768, hi = 60999;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> lo >> hi;
  if (port < lo || port > hi) return false;
  // Reserved ports: "8080,9000-9100".
  std::ifstream reserved("/proc/sys/net/ipv4/ip_local_reserved_ports");
  std::string list;
  std::getline(reserved, list);
  std::stringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    unsigned a = 0, b = 0;
    int n = std::sscanf(item.c_str(), "%u-%u", &a, &b);
    if (n == 1) b = a;
    if (n >= 1 && port >= a && port <= b) return false;
  }
  return true;
}

std::optional<uint64_t> PosixHost::OomKills(const std::string& control_group) {
  if (control_group.empty()) return std::nullopt;
  // cgroup v2: memory.events counts OOM kills below the cgroup. cgroup v1 keeps its oom_kill counter in
  // the victim's own memcg, which systemd removes with the dead unit, so there we count how often the
  // tenant slice hit its limit (memory.failcnt); the caller requires a SIGKILL death as well.
  if (auto v = ReadCounter("/sys/fs/cgroup" + control_group + "/memory.events", "oom_kill")) return v;
  std::ifstream in("/sys/fs/cgroup/memory" + control_group + "/memory.failcnt");
  uint64_t failcnt;
  if (in >> failcnt) return failcnt;
  return std::nullopt;
}

}  // namespace clawhive
