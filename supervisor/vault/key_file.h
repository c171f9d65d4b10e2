// KEK files: <key_dir>/kek-<version>.key, exactly 32 raw key bytes, mode 0600, in a 0700 directory; or,
// sealed with systemd-creds, <key_dir>/kek-<version>.cred (mode 0600): the output of
// `systemd-creds encrypt --name=clawhive-kek-<version> --with-key=auto - <file>` fed the 32 bytes on stdin.
// A version has one file or the other, never both; loading takes whichever exists, so a vault may hold
// plain and sealed versions side by side (a KEK rotation with sealing on converts it).
//
// Creation is atomic and durable: the bytes go to a temporary file (O_EXCL, 0600) which is fsynced and
// then hard-linked to its final name (which fails rather than replace an existing key), and the
// directory is fsynced. So a KEK file either does not exist or is complete and on disk. Loading checks
// (when asked to) that the file and its directory belong to the current user and are not open to group
// or others; every message names the path. The key bytes never appear on a command line or in a
// plaintext temporary file when sealing. Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/vault/crypto.h"

namespace clawhive::vault {

std::string KekPath(const std::string& key_dir, uint32_t version);        // kek-<n>.key (plain)
std::string SealedKekPath(const std::string& key_dir, uint32_t version);  // kek-<n>.cred (systemd-creds)
// The file that holds KEK `version`: the sealed one if it exists, else the plain one (existing or not).
std::string ExistingKekPath(const std::string& key_dir, uint32_t version);

// Runs argv through RunSubprocess (argv[0] looked up on PATH; no shell; a wiping run) with `input` on its
// stdin and puts what it wrote on stdout (at most 64 KiB) into `output` (which the caller wipes: it may
// hold key bytes). kNotFound when the program is not installed; kUnavailable when it cannot be started,
// fails (the message holds its stderr), is killed or takes longer than 60 s.
using CommandRunner =
    std::function<Status(const std::vector<std::string>& argv, std::string_view input, std::string& output)>;
Status RunCommand(const std::vector<std::string>& argv, std::string_view input, std::string& output);
// Replaces, for the whole process, the runner through which the functions below call systemd-creds
// (RunCommand by default) and returns the previous one. Tests only: unit tests must never run the real
// systemd-creds (with --with-key=auto it creates the host key /var/lib/systemd/credential.secret).
CommandRunner SetCredsRunnerForTesting(CommandRunner runner);

// Creates the directory (0700) if it does not exist and `create` is set (its parent must exist; without
// `create` a missing directory is kNotFound). With check_modes, refuses a directory that is not ours or
// has any group/other permission bit set.
Status PrepareKeyDir(const std::string& key_dir, bool check_modes, bool create = true);

// With check_modes, refuses a file (any kind: KEK, database) not owned by us or open to group/other.
// `what` starts the message, e.g. "KEK file" or "vault database".
Status CheckOwnerOnly(const std::string& path, const char* what);

// Writes KEK `version` durably (see above), plain or (`sealed`) through systemd-creds. kAlreadyExists
// if that version has a file of either kind already.
Status CreateKekFile(const std::string& key_dir, uint32_t version, const Key& key, bool sealed = false);

// Reads KEK `version` from kek-<n>.cred (through `systemd-creds decrypt`) if that exists, else from
// kek-<n>.key. kNotFound when neither exists, kUnavailable when it is not a regular file, has the wrong
// size, (with check_modes) a loose mode or another owner, or systemd-creds is missing or fails.
Result<Key> LoadKekFile(const std::string& key_dir, uint32_t version, bool check_modes);

// Versions of the KEK files present (kek-<n>.key or kek-<n>.cred), ascending, each once. Other names
// are ignored.
Result<std::vector<uint32_t>> ListKekFiles(const std::string& key_dir);

// Unlinks KEK `version`'s file, plain or sealed (absent is fine), and fsyncs the directory.
Status RemoveKekFile(const std::string& key_dir, uint32_t version);

// Removes temporary files a crash left behind in CreateKekFile (never referenced) once they are at
// least `min_age_seconds` old, so a creation under way in another process is not disturbed.
Status RemoveStaleTemporaries(const std::string& key_dir, int64_t min_age_seconds);

}  // namespace clawhive::vault
