// TenantDir: root's only way into a tenant's state directory, <tenants_dir>/<id> (WorkspacePath). The
// tenant's agent owns everything below that directory and may plant anything there: symlinks (to
// /var/lib/clawhive/api-token, or a symlinked `workspace` directory), hard links to files elsewhere on the
// same file system, FIFOs that would block an open, device nodes, sparse files of many gigabytes, trees
// nested without end. The directory itself cannot be swapped: its parent, tenants_dir, is root's.
//
// So the base is opened once with O_DIRECTORY|O_NOFOLLOW and everything beneath it is reached from that
// descriptor one component at a time with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
// RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV) and O_NOFOLLOW|O_NONBLOCK: no symlink is ever followed (not even
// one inside the tree), no mount point is crossed, no open waits on a FIFO. The rules per operation:
//   ReadFile  — only a regular file with one link, at most `max_bytes` (checked on fstat and again while
//               reading); anything else is refused, and its content is never read.
//   WriteFile — a temp file made with O_CREAT|O_EXCL in the directory's descriptor, written, given its
//               owner and mode through the descriptor, fsync'd and renamed over the name in that same
//               directory. Whatever entry had the name (a symlink, a FIFO, a hard link to a file
//               elsewhere) is replaced as an entry; what it pointed to is never opened. The directories on
//               the way must be real directories (a symlinked `workspace` is refused).
//   MakeDir   — mkdirat in the parent's descriptor, then owner and mode set on the new directory's own
//               descriptor; an existing real directory is left as it is.
//   RemoveTree— depth first through directory descriptors; symlinks, FIFOs and devices are unlinked as
//               entries (never followed or opened), mount points are left in place and reported; a tree
//               nested deeper than kMaxRemoveDepth goes in several passes.
// Refusals are ErrorCode::kConflict (kTooLarge for size, kNotFound for a missing path) with a message that
// names the path relative to the base and what was found ("workspace/USER.md is a symlink; refused"). A
// message never contains a symlink's target or any content.
//
// Why a class of its own rather than more PosixHost code: it is the one place the rules live, tested
// against a real file system (tenant_dir_test.cpp). Callers reach it through Host's tenant-file methods
// (supervisor/core/host.h), because every caller and every test world already holds a Host; FakeHost
// stands in for it in the tests of GatewayPreparer and Supervisor.
//
// Ownership: a TenantDir owns the descriptor of its base (closed when it dies); move-only. Thread rules:
// none of its own (no shared state); the supervisor uses it on its loop thread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "supervisor/common/result.h"
#include "supervisor/common/unique_fd.h"

namespace clawhive {

// Who a file or directory made in a tenant's tree belongs to, and its mode (umask plays no part).
struct FileOwnership {
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t mode = 0600;
};

class TenantDir {
 public:
  // Opens the base directory `base` (an absolute path without ".."). kNotFound if it does not exist;
  // kConflict if it is a symlink or not a directory.
  static Result<TenantDir> Open(const std::string& base);
  // Opens it, making it first when missing (missing parents 0755 root, as tenants_dir is), with `owner`
  // applied to the base only if it was made here.
  static Result<TenantDir> OpenOrCreate(const std::string& base, const FileOwnership& owner);
  // Removes `base` and everything below it, never following a symlink and never entering a mount point
  // (what is left for that reason is an error naming it). Ok if `base` does not exist.
  static Status RemoveTree(const std::string& base);

  // The content of the regular file `rel` (a plain relative path: no "", ".", ".." or leading "/").
  Result<std::string> ReadFile(const std::string& rel, size_t max_bytes) const;
  // Replaces `rel` atomically with `content`, owned and moded as `owner` says.
  Status WriteFile(const std::string& rel, const std::string& content, const FileOwnership& owner) const;
  // Makes directory `rel` and any missing directories on the way to it, each with `owner`; directories
  // that exist are left alone.
  Status MakeDir(const std::string& rel, const FileOwnership& owner) const;

  const std::string& base() const { return base_; }

  // How deep one pass of RemoveTree goes (it holds one descriptor per level); a deeper subtree is moved
  // up into the base (a rename within the tenant's file system) and removed in a further pass.
  static constexpr int kMaxRemoveDepth = 128;

 private:
  TenantDir(UniqueFd fd, std::string base) : fd_(std::move(fd)), base_(std::move(base)) {}

  UniqueFd fd_;
  std::string base_;
};

}  // namespace clawhive
