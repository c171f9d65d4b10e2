// The API bearer token file: read it if it is there, create it if not.
//
// An existing file must be a regular file (not a symlink) owned by the current effective uid with mode
// 0600; anything else is refused, not repaired, because it means someone else may know the token. A
// missing file is created with 32 bytes from RAND_bytes, hex-encoded (64 chars), mode 0600, by writing
// a temporary file and link()ing it into place, so readers never see a partial token and two racing
// creators end up with the same one. Missing directories are created with mode 0700; an existing
// directory must belong to the current uid or root and must not be writable by group or others.
// Error messages never contain the token.
#pragma once

#include <string>

#include "supervisor/common/result.h"

namespace clawhive {

Result<std::string> LoadOrCreateToken(const std::string& path);

}  // namespace clawhive
