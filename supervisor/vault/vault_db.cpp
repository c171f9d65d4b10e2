#include "supervisor/vault/vault_db.h"

#include <iterator>

namespace clawhive::vault {
namespace {

// Versions are uint32_t in the API; the CHECKs keep stored numbers inside that range. Ciphertexts are
// erased by setting them (and their dk_version) to NULL; secure_delete zeroes the freed bytes in the file.
constexpr sqlite::Migration kMigrations[] = {
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

static_assert(sqlite::NumberedConsecutively(kMigrations), "vault migrations must be numbered 1, 2, 3, ... without gaps");

}  // namespace

std::span<const sqlite::Migration> VaultMigrations() { return kMigrations; }

Result<sqlite::DbHandle> OpenVaultDatabase(const std::string& path, bool check_modes, bool create, bool write) {
  // A reader leaves schema changes (and the journal mode of a new file) to the owner.
  const sqlite::OpenMode mode =
      !write ? sqlite::OpenMode::kReadOnly : create ? sqlite::OpenMode::kCreate : sqlite::OpenMode::kReadWrite;
  return sqlite::OpenDatabase(path, {.what = "vault database",
                                     .application_id = kVaultApplicationId,
                                     .migrations = kMigrations,
                                     .mode = mode,
                                     .synchronous = "FULL",
                                     .settings = "PRAGMA secure_delete = ON",
                                     .owner_only = check_modes,
                                     .quick_check = true});
}

}  // namespace clawhive::vault
