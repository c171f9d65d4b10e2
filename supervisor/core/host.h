// Host: the supervisor's touchpoints with the OS other than systemd: accounts, files, the clock of the
// wall, kernel OOM counters, and the kernel's small stat files (cgroupfs, /proc) usage figures come from. PosixHost is the real one; tests use FakeHost (tests/unit/fake_host.h).
// Called on the event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "supervisor/common/result.h"

namespace clawhive {

class Host {
 public:
  virtual ~Host() = default;

  // Creates the static system user `name` with `uid` (and a group of the same name with gid = uid), no
  // login shell, home `home` (not created). Succeeds if it already exists with that uid; kConflict if it
  // exists with another uid or the uid (or gid) belongs to someone else.
  virtual Status EnsureUser(const std::string& name, uint32_t uid, const std::string& home) = 0;
  virtual Status RemoveUser(const std::string& name) = 0;  // ok if absent

  // Writes a file atomically (temp file + fsync + rename), creating parent directories (0755).
  virtual Status WriteFile(const std::string& path, const std::string& content, uint32_t mode) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;  // ok if absent
  // Creates a directory (and missing parents) and sets its mode; ok if it exists.
  virtual Status MakeDir(const std::string& path, uint32_t mode) = 0;
  // Removes a directory tree; ok if absent. Refuses paths that are not absolute or contain "..".
  virtual Status RemoveTree(const std::string& path) = 0;
  // Gives a file or directory (not following symlinks) to uid:gid.
  virtual Status Chown(const std::string& path, uint32_t uid, uint32_t gid) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Reads a small file whole, such as a cgroup counter or /proc/stat: one open, read to the end, close;
  // at most kMaxReadBytes (more is kTooLarge). kNotFound if it does not exist, kUnavailable on other
  // failures. Cheap enough to call thousands of times per sampling interval.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  static constexpr size_t kMaxReadBytes = 1 << 20;

  virtual int64_t WallMs() = 0;  // unix time in ms

  // Whether the kernel may hand out `port` as a client socket's local port (inside
  // net.ipv4.ip_local_port_range and not in ip_local_reserved_ports). An agent listening there can
  // fail with "address in use" whenever a client took it first.
  virtual bool IsEphemeralPort(uint16_t port) = 0;
  // Whether something on this host already listens on 127.0.0.1:port (a bind would fail).
  virtual bool PortInUse(uint16_t port) = 0;

  // A counter that rises when the cgroup (path as systemd's ControlGroup property gives it) runs out of
  // memory: OOM kills on cgroup v2, limit hits (memory.failcnt) on a v1 memory controller. Used only
  // where systemd cannot report "oom-kill" itself, together with a SIGKILL death; nullopt if unknown.
  virtual std::optional<uint64_t> OomKills(const std::string& control_group) = 0;
};

}  // namespace clawhive
