#include "supervisor/vault/vault_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "supervisor/vault/key_file.h"

namespace clawhive::vault {
namespace {

// Versions are uint32_t in the API; the CHECKs keep stored numbers inside that range. Ciphertexts are
// erased by setting them (and their dk_version) to NULL; secure_delete zeroes the freed bytes in the file.
constexpr schema::Migration kMigrations[] = {
    {1, R"sql(
PRAGMA application_id = 1128814156;

-- One row: the KEK version that wraps new data keys (and that every data key is under when no KEK
-- rotation is running).
CREATE TABLE meta (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  kek_version INTEGER NOT NULL CHECK (kek_version BETWEEN 1 AND 4294967295)
) STRICT;

-- Known KEK versions. check_blob = nonce || GCM(kek, '', aad 'clawhive-kek|v1|<version>') || tag: it
-- tells a wrong or replaced key file apart from damaged rows.
CREATE TABLE keks (
  version    INTEGER PRIMARY KEY CHECK (version BETWEEN 1 AND 4294967295),
  check_blob BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- Data keys, per tenant (or '_platform') and data-key version. wrapped = nonce || GCM(kek, key,
-- aad 'clawhive-dk|v1|<tenant>|<version>|<kek_version>') || tag.
CREATE TABLE data_keys (
  tenant      TEXT NOT NULL,
  version     INTEGER NOT NULL CHECK (version BETWEEN 1 AND 4294967295),
  kek_version INTEGER NOT NULL CHECK (kek_version BETWEEN 1 AND 4294967295),
  wrapped     BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (tenant, version)
) STRICT, WITHOUT ROWID;
CREATE INDEX data_keys_by_kek ON data_keys (kek_version);

-- Secret versions. ciphertext = nonce || GCM(data key dk_version, value,
-- aad 'clawhive-secret|v1|<tenant>|<name>|<version>') || tag; ciphertext and dk_version are NULL once
-- erased (retired, failed), the metadata stays.
CREATE TABLE secrets (
  tenant     TEXT NOT NULL,
  name       TEXT NOT NULL,
  version    INTEGER NOT NULL CHECK (version BETWEEN 1 AND 4294967295),
  state      TEXT NOT NULL CHECK (state IN ('current', 'staged', 'previous', 'retired', 'failed')),
  dk_version INTEGER CHECK (dk_version BETWEEN 1 AND 4294967295),
  ciphertext BLOB,
  created_at INTEGER NOT NULL,  -- unix seconds
  PRIMARY KEY (tenant, name, version)
) STRICT;
CREATE UNIQUE INDEX secrets_one_current ON secrets (tenant, name) WHERE state = 'current';
CREATE UNIQUE INDEX secrets_one_staged ON secrets (tenant, name) WHERE state = 'staged';
-- The data-key rotation's work list: a tenant's rows still under an older data key.
CREATE INDEX secrets_by_data_key ON secrets (tenant, dk_version) WHERE ciphertext IS NOT NULL;

-- Rotation jobs. A 'running' row is resumed by the next Open(); at most one runs at a time.
CREATE TABLE rotations (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT NOT NULL CHECK (kind IN ('kek', 'data-key')),
  target       TEXT NOT NULL DEFAULT '',  -- '' for kek, the tenant for data-key
  from_version INTEGER NOT NULL,
  to_version   INTEGER NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
  done         INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0),
  total        INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER
) STRICT;
CREATE UNIQUE INDEX rotations_one_running ON rotations (state) WHERE state = 'running';
)sql"},
};

constexpr bool NumberedConsecutively() {
  int expected = 1;
  for (const schema::Migration& m : kMigrations) {
    if (m.number != expected++) return false;
  }
  return true;
}
static_assert(NumberedConsecutively(), "vault migrations must be numbered 1, 2, 3, ... without gaps");

constexpr int LatestVersion() { return kMigrations[std::size(kMigrations) - 1].number; }

Error Prefixed(const Error& e, const std::string& prefix) { return {e.code, prefix + e.message}; }


// Looks at the file without changing it; *fresh: a new, empty file.
Status CheckIdentity(sqlite3* db, const std::string& where, bool* fresh) {
  Result<sqlite::Identity> ident = sqlite::ReadIdentity(db, where);
  if (!ident) return ident.error();
  const int64_t* app_id = &ident->application_id;
  const int64_t* version = &ident->user_version;
  *fresh = ident->fresh();
  if (*fresh) return Status::Ok();
  if (*app_id != kVaultApplicationId)
    return Error::Conflict(where + " is an SQLite database but not a Clawhive vault; refusing to use it");
  if (*version > LatestVersion())
    return Error::Conflict(where + " has schema " + std::to_string(*version) + ", newer than this supervisor (" +
                           std::to_string(LatestVersion()) + "); upgrade the supervisor");
  Result<std::string> check = sqlite::QueryText(db, "PRAGMA quick_check(1)");
  if (!check) return Prefixed(check.error(), where + " is damaged: ");
  if (*check != "ok") {
    std::string detail = *check;
    for (char& c : detail) c = (c == '\n' || c == '\r') ? ' ' : c;
    return Error::Internal(where + " is damaged (" + detail + "); restore it from a backup");
  }
  return Status::Ok();
}

}  // namespace

std::span<const schema::Migration> VaultMigrations() { return kMigrations; }

Result<sqlite::DbHandle> OpenVaultDatabase(const std::string& path, bool check_modes, bool create, bool write) {
  if (path.empty()) return Error::Invalid("vault database path is empty");
  const std::string where = "vault database " + path;
  if (create) {
    if (Status s = sqlite::CreateOwnerOnly(path); !s) return s.error();
  } else if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    return Error::NotFound(where + " does not exist");
  }
  if (check_modes) {
    if (Status s = CheckOwnerOnly(path, "vault database"); !s) return s.error();
    for (const char* suffix : {"-wal", "-shm"}) {
      const std::string side = path + suffix;
      if (::access(side.c_str(), F_OK) == 0) {
        if (Status s = CheckOwnerOnly(side, "vault database file"); !s) return s.error();
      }
    }
  }

  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOFOLLOW,
                           nullptr);
  sqlite::DbHandle db(raw);
  if (rc != SQLITE_OK) return sqlite::ErrorFrom(db.get(), rc, "cannot open " + where);
  sqlite3_extended_result_codes(db.get(), 1);
  if (Status s = sqlite::Exec(db.get(), "PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON"); !s)
    return Prefixed(s.error(), "cannot open " + where + ": ");
  bool fresh = false;
  if (Status s = CheckIdentity(db.get(), where, &fresh); !s) return s.error();
  if (fresh && !create) return Error::NotFound(where + " is empty: no vault was created there yet");
  if (!write) {
    // A reader leaves schema changes (and the journal mode of a new file) to the owner.
    Result<int64_t> version = sqlite::QueryInt64(db.get(), "PRAGMA user_version");
    if (!version) return Prefixed(version.error(), "cannot read " + where + ": ");
    if (*version != LatestVersion())
      return Error::Unavailable(where + " has schema " + std::to_string(*version) + ", not " +
                                std::to_string(LatestVersion()) + "; the supervisor migrates it when it starts");
    if (Status s = sqlite::Exec(db.get(), "PRAGMA synchronous = FULL"); !s)
      return Prefixed(s.error(), "cannot open " + where + ": ");
    return db;
  }

  Result<std::string> mode = sqlite::QueryText(db.get(), "PRAGMA journal_mode = WAL");
  if (!mode) return Prefixed(mode.error(), "cannot switch " + where + " to WAL mode: ");
  if (*mode != "wal")
    return Error::Unavailable("cannot switch " + where + " to WAL mode (journal mode stays '" + *mode + "')");
  if (Status s = sqlite::Exec(db.get(), "PRAGMA synchronous = FULL"); !s)
    return Prefixed(s.error(), "cannot open " + where + ": ");

  Result<int> version = schema::ApplyMigrations(db.get(), kMigrations);
  if (!version) return Prefixed(version.error(), "cannot migrate " + where + ": ");
  if (*version != LatestVersion())
    return Error::Conflict(where + " has schema " + std::to_string(*version) + ", newer than this supervisor (" +
                           std::to_string(LatestVersion()) + "); upgrade the supervisor");
  return db;
}

}  // namespace clawhive::vault
