// System: every change the installer makes to a host, behind one small interface (like leveldb's Env), so
// the verbs are tested on a hand-written fake (tests/unit/installer_fake_system.h) and run for real through
// RealSystem(). Paths are absolute host paths; the verbs prefix them with --root themselves (Layout).
//
// Every mutating call reports whether it changed anything, which is how a verb proves idempotence: a
// second run with the same answers makes no change. Errors are Result/Status with a message naming the
// path or the command; nothing here logs or prints. Single-threaded use.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "installer/preflight.h"
#include "supervisor/common/result.h"

namespace clawhive::installer {

struct ExecResult {
  int exit_code = 0;  // 0..255; 128+N when killed by signal N
  std::string out;    // stdout (at most 1 MiB kept)
};

class System : public Host {
 public:
  // Runs argv without a shell, stdin from /dev/null, stderr passed through (so systemctl's own messages
  // reach the admin). An error only when it could not run at all; a non-zero exit is an ExecResult.
  virtual Result<ExecResult> Exec(const std::vector<std::string>& argv) = 0;
  // Writes `content` with `mode` (temp file, fsync, rename; parents made 0755). false = the file already
  // had exactly this content and mode, and nothing was written.
  virtual Result<bool> WriteFile(const std::string& path, const std::string& content, mode_t mode) = 0;
  // Appends to an existing file or device (e.g. /dev/console); never creates one.
  virtual Status AppendFile(const std::string& path, const std::string& text) = 0;
  // Makes the directory (parents 0755) and sets `mode`. false = it existed with that mode.
  virtual Result<bool> MakeDir(const std::string& path, mode_t mode) = 0;
  // Sets the group of `path` to `gid` (owner stays). false = it already had that group.
  virtual Result<bool> SetGroup(const std::string& path, gid_t gid) = 0;
  // Removes a file, a symlink or a whole tree (without following symlinks). false = nothing was there.
  virtual Result<bool> Remove(const std::string& path) = 0;
  // Names in a directory (not . and ..); empty when it does not exist.
  virtual std::vector<std::string> List(const std::string& dir) = 0;
  // Is this host booted with systemd (sd_booted)? false in a chroot or an image build.
  virtual bool Booted() = 0;
  virtual int64_t NowMs() = 0;
  // 32 random bytes from the kernel's CSPRNG.
  virtual std::string RandomBytes(size_t n) = 0;
};

// The real machine. Stateless; one shared instance.
System& RealSystem();

}  // namespace clawhive::installer
