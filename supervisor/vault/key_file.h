// KEK files: <key_dir>/kek-<version>.key, exactly 32 raw key bytes, mode 0600, in a 0700 directory.
//
// Creation is atomic and durable: the bytes go to a temporary file (O_EXCL, 0600) which is fsynced and
// then hard-linked to its final name (which fails rather than replace an existing key), and the
// directory is fsynced. So a KEK file either does not exist or is complete and on disk. Loading checks
// (when asked to) that the file and its directory belong to the current user and are not open to group
// or others; every message names the path. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/vault/crypto.h"

namespace clawhive::vault {

std::string KekPath(const std::string& key_dir, uint32_t version);

// Creates the directory (0700) if it does not exist and `create` is set (its parent must exist; without
// `create` a missing directory is kNotFound). With check_modes, refuses a directory that is not ours or
// has any group/other permission bit set.
Status PrepareKeyDir(const std::string& key_dir, bool check_modes, bool create = true);

// With check_modes, refuses a file (any kind: KEK, database) not owned by us or open to group/other.
// `what` starts the message, e.g. "KEK file" or "vault database".
Status CheckOwnerOnly(const std::string& path, const char* what);

// Writes KEK `version` durably (see above). kAlreadyExists if that version's file is already there.
Status CreateKekFile(const std::string& key_dir, uint32_t version, const Key& key);

// Reads KEK `version`. kNotFound when the file is missing, kUnavailable when it is not a regular file,
// has the wrong size or (with check_modes) a loose mode or another owner.
Result<Key> LoadKekFile(const std::string& key_dir, uint32_t version, bool check_modes);

// Versions of the KEK files present (kek-<n>.key), ascending. Other names are ignored.
Result<std::vector<uint32_t>> ListKekFiles(const std::string& key_dir);

// Unlinks a KEK file (absent is fine) and fsyncs the directory.
Status RemoveKekFile(const std::string& key_dir, uint32_t version);

// Removes temporary files a crash left behind in CreateKekFile (never referenced) once they are at
// least `min_age_seconds` old, so a creation under way in another process is not disturbed.
Status RemoveStaleTemporaries(const std::string& key_dir, int64_t min_age_seconds);

}  // namespace clawhive::vault
