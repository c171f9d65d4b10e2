// Host: the supervisor's touchpoints with the OS other than systemd: accounts, files, the clock of the
// wall, kernel OOM counters, and the kernel's small stat files (cgroupfs, /proc) usage figures come from. PosixHost is the real one; tests use FakeHost (tests/unit/fake_host.h).
// Called on the event-loop thread and the worker (core/worker.h: accounts, tenant file removal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "supervisor/common/result.h"
#include "supervisor/tenant/tenant_dir.h"

namespace clawhive {

class Host {
 public:
  virtual ~Host() = default;

  // Creates the static system user `name` with `uid` (and a group of the same name with gid = uid), no
  // login shell, home `home` (not created). Succeeds if it already exists with that uid; kConflict if it
  // exists with another uid or the uid (or gid) belongs to someone else.
  virtual Status EnsureUser(const std::string& name, uint32_t uid, const std::string& home) = 0;
  virtual Status RemoveUser(const std::string& name) = 0;  // ok if absent

  // Writes a file atomically (ReplaceFile: private temp file + fsync + rename + directory fsync),
  // creating parent directories (0755).
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

  // ---- A tenant's state directory: hostile ground ----
  // Every touch root makes below <tenants_dir>/<id> goes through these, never through the plain-path
  // methods above: the tenant owns that tree and may plant symlinks, hard links, FIFOs, devices and huge
  // files in it. `base` is the tenant's directory (WorkspacePath; its parent is root's), `rel` a plain
  // relative path below it. PosixHost delegates to TenantDir (supervisor/tenant/tenant_dir.h, which
  // states the rules and the refusals); they are Host methods so callers and their tests keep one seam.
  //
  // Makes `rel` ("" = the base itself) and every missing directory on the way, the base included, with
  // `owner`; existing real directories are left alone; a symlink or non-directory on the way is refused.
  virtual Status MakeTenantDir(const std::string& base, const std::string& rel, const FileOwnership& owner) = 0;
  // Replaces `rel` atomically (temp file + fsync + rename in the same directory) with `owner`.
  virtual Status WriteTenantFile(const std::string& base, const std::string& rel, const std::string& content,
                                 const FileOwnership& owner) = 0;
  // A regular, singly linked file of at most `max_bytes`; kNotFound if `rel` (or `base`) does not exist.
  virtual Result<std::string> ReadTenantFile(const std::string& base, const std::string& rel, size_t max_bytes) = 0;
  // Removes `base` and everything below it without following a symlink or crossing a mount; ok if absent.
  virtual Status RemoveTenantTree(const std::string& base) = 0;

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
