// ReplaceFile: replaces a file atomically with a new one whose owner and mode are set before its first
// byte, so what it holds never sits in a file someone else could open. For files root writes for
// another account (the proxy's provider-key export and meter database). No state; any thread.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive {

// The account a file is given to.
struct FileOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

// The new file's bytes, piece by piece: an empty piece ends the file. A piece stays valid until the
// next call.
using FilePieces = std::function<Result<std::string_view>()>;

// Replaces dir/name: a temporary ".<name>.XXXXXX" in `dir`, given to `owner` (when set) and `mode`, then
// filled from `pieces`, fsynced, closed and renamed over dir/name; then `dir` is fsynced (best effort).
// A failure (kUnavailable naming the temporary, or the Error `pieces` returned) leaves the previous file
// (or none) and no temporary.
Status ReplaceFile(const std::string& dir, const std::string& name, mode_t mode,
                   const std::optional<FileOwner>& owner, const FilePieces& pieces);
Status ReplaceFile(const std::string& dir, const std::string& name, mode_t mode,
                   const std::optional<FileOwner>& owner, std::string_view content);

}  // namespace clawhive
