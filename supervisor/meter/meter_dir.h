// The meter database's directory (paths.meter_dir, default /var/lib/clawhive-meter): owned by the
// proxy's system user (clawhive-proxy) and 0700, so the proxy keeps its books without any view of the
// supervisor's state directory (the vault, the KEKs). The supervisor (root) prepares it at start; the
// proxy unit's StateDirectory= does the same from its side.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "supervisor/common/replace_file.h"
#include "supervisor/common/result.h"

namespace clawhive::meter {

inline constexpr const char* kProxyUser = "clawhive-proxy";  // units/clawhive.sysusers
inline constexpr const char* kMeterDbName = "meter.db";

using Owner = FileOwner;  // supervisor/common/replace_file.h

// The system user's uid and primary gid; nullopt when there is no such user.
std::optional<Owner> LookupUser(const std::string& name);

// Makes `dir` (0700, missing parents 0755) if it is missing, refuses anything there that is not a real
// directory (a symlink included), and sets it 0700 and, when `owner` is known, gives it to `owner`
// (never following a symlink). Returns whether it was made. The proxy's directories are made this way:
// the meter directory here and the provider-key export's (core/provider_key_export.h).
Result<bool> EnsureOwnedDir(const std::string& dir, const std::optional<Owner>& owner);

struct MeterDirOutcome {
  bool created = false;  // the directory was made
  bool moved = false;    // an older version's <state_dir>/meter.db was moved in
};

// Makes `meter_dir` (0700, parents 0755) if missing and gives it to `owner` (when known; left as it is
// otherwise). Upgrade from a version that kept meter.db in `state_dir`: when <state_dir>/meter.db exists
// and <meter_dir>/meter.db does not, the database is taken out of WAL mode (which SQLite allows only when
// no other process has it open, else kUnavailable saying to stop clawhive-proxy; its -wal is folded into
// it), given to `owner` and renamed into `meter_dir`; across mounts (systemd bind-mounts the supervisor's
// StateDirectory= into its namespace) it is copied into a temp file there, fsynced, renamed into place,
// and the old file removed. A crash at any point leaves a database in one place or the other, never
// half of one. Symlinks are neither followed nor moved.
Result<MeterDirOutcome> PrepareMeterDir(const std::string& state_dir, const std::string& meter_dir,
                                        const std::optional<Owner>& owner);

}  // namespace clawhive::meter
