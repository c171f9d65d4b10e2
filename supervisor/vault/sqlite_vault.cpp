#include "supervisor/vault/sqlite_vault.h"

#include <sqlite3.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <limits>

#include "supervisor/tenant/tenant.h"
#include "supervisor/vault/key_file.h"
#include "supervisor/vault/vault_db.h"

namespace clawhive {

Result<std::unique_ptr<Vault>> Vault::Open(const VaultOptions& options) { return vault::SqliteVault::Open(options); }

namespace vault {

using sqlite::Binder;
using sqlite::Statement;

namespace {

constexpr size_t kMaxValueSize = 64 * 1024;
constexpr size_t kMaxNameSize = 128;
constexpr int64_t kMaxVersion = std::numeric_limits<uint32_t>::max();

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// ---- associated data ----------------------------------------------------------------------------------
// Tenant ids and secret names cannot contain '|', so each string names exactly one (place, version).

std::string SecretAad(const std::string& tenant, const std::string& name, uint32_t version) {
  return "clawhive-secret|v1|" + tenant + "|" + name + "|" + std::to_string(version);
}

std::string DataKeyAad(const std::string& tenant, uint32_t dk_version, uint32_t kek_version) {
  return "clawhive-dk|v1|" + tenant + "|" + std::to_string(dk_version) + "|" + std::to_string(kek_version);
}

std::string KekCheckAad(uint32_t kek_version) { return "clawhive-kek|v1|" + std::to_string(kek_version); }

// ---- names for messages ---------------------------------------------------------------------------------

std::string Scope(const std::string& tenant) {
  return tenant == kPlatformScope ? std::string("the platform scope") : "tenant '" + tenant + "'";
}

std::string SecretName(const std::string& tenant, const std::string& name) {
  return "secret '" + name + "' of " + Scope(tenant);
}

std::string SecretVersion(const std::string& tenant, const std::string& name, uint32_t version) {
  return "secret '" + name + "' version " + std::to_string(version) + " of " + Scope(tenant);
}

std::string DataKeyName(const std::string& tenant, uint32_t version) {
  return "data key version " + std::to_string(version) + " of " + Scope(tenant);
}

Error Prefixed(const Error& e, const std::string& prefix) { return {e.code, prefix + e.message}; }

// ---- input checks ---------------------------------------------------------------------------------------
// Messages describe what is wrong without echoing the input (a value pasted into the wrong field must
// not end up in a log).

Status ValidateScope(const std::string& tenant) {
  if (tenant == kPlatformScope) return Status::Ok();
  return ValidateTenantId(tenant);
}

std::string Describe(unsigned char c) {
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static const char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0xf];
}

Status ValidateName(const std::string& name) {
  if (name.empty()) return Error::Invalid("secret name is empty; it must match [A-Z_][A-Z0-9_]{0,127}");
  if (name.size() > kMaxNameSize)
    return Error::Invalid("secret name is " + std::to_string(name.size()) + " characters long; at most " +
                          std::to_string(kMaxNameSize));
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool ok = (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return Error::Invalid("secret name must match [A-Z_][A-Z0-9_]{0,127} (uppercase letters, digits and '_', "
                            "not starting with a digit); character " +
                            std::to_string(i + 1) + " is " + Describe(c));
  }
  return Status::Ok();
}

Status ValidateValue(std::string_view value) {
  if (value.empty()) return Error::Invalid("secret value is empty; it must be 1 byte to 64 KiB");
  if (value.size() > kMaxValueSize)
    return Error{ErrorCode::kTooLarge, "secret value is " + std::to_string(value.size()) + " bytes; at most " +
                                           std::to_string(kMaxValueSize) + " (64 KiB)"};
  if (value.find('\0') != std::string_view::npos)
    return Error::Invalid("secret value contains a NUL byte; values are delivered through an environment file, "
                          "which cannot hold one");
  if (value.find_first_of("\r\n") != std::string_view::npos)
    return Error::Invalid("secret value contains a line break (\\n or \\r); values are delivered through an "
                          "environment file and must be a single line");
  return Status::Ok();
}


// A stored version number, or 0 when it is NULL or outside 1..2^32-1 (the CHECKs make that impossible
// unless the file was edited).
uint32_t VersionAt(const Statement& s, int column) {
  if (s.IsNull(column)) return 0;
  int64_t v = s.ColumnInt64(column);
  return v >= 1 && v <= kMaxVersion ? static_cast<uint32_t>(v) : 0;
}

// A failure that retrying cannot fix (damaged or missing row, wrong or missing key): a rotation skips
// the item, leaving it under its old key, instead of stopping. Anything else (an unavailable database,
// a KEK file with the wrong mode) stops the job, which the next Open() or rotation resumes.
bool IsDataError(const Error& e) {
  return e.code == ErrorCode::kInternal || e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kNotFound;
}

std::string Plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A row of "SELECT id, kind, target, state, done, total FROM rotations".
RotationInfo ReadRotation(const Statement& s) {
  auto count = [&](int column) { return static_cast<uint64_t>(std::max<int64_t>(0, s.ColumnInt64(column))); };
  return {s.ColumnInt64(0), s.ColumnText(1), s.ColumnText(2), s.ColumnText(3), count(4), count(5)};
}

}  // namespace

Status SqliteVault::JobOutcome::Skip(const Error& e) {
  if (!IsDataError(e)) return e;
  if (first_problem.empty()) first_problem = e.message;
  ++skipped;
  return Status::Ok();
}

void SqliteVault::JobOutcome::Add(const JobOutcome& other) {
  if (first_problem.empty()) first_problem = other.first_problem;
  skipped += other.skipped;
}

// ---- transactions ---------------------------------------------------------------------------------------

// BEGIN (read: one snapshot) or BEGIN IMMEDIATE (write).
Result<SqliteVault::Tx> SqliteVault::Begin(bool write) {
  Result<Tx> tx = Tx::Begin(db_.get(), write ? sqlite::TxLock::kImmediate : sqlite::TxLock::kDeferred);
  if (!tx) return Prefixed(tx.error(), "vault database: ");
  return tx;
}

// ---- opening --------------------------------------------------------------------------------------------

SqliteVault::SqliteVault(VaultOptions options, sqlite::DbHandle db)
    : options_(std::move(options)), db_(std::move(db)), statements_(db_.get()) {}

SqliteVault::~SqliteVault() = default;

Result<std::unique_ptr<Vault>> SqliteVault::Open(const VaultOptions& options) {
  if (options.rotation_batch == 0) return Error::Invalid("vault rotation_batch must be at least 1");
  if (options.key_dir.empty()) return Error::Invalid("vault key directory is empty");
  // A reader (resume_rotations = false) writes nothing at all: no file, no row, no migration.
  const bool writer = options.resume_rotations;
  const bool create = options.create && writer;
  if (Status s = PrepareKeyDir(options.key_dir, options.check_modes, create); !s) return s.error();
  Result<sqlite::DbHandle> db = OpenVaultDatabase(options.db_path, options.check_modes, create, writer);
  if (!db) return db.error();
  std::unique_ptr<SqliteVault> vault(new SqliteVault(options, std::move(*db)));

  if (create) {
    if (Status s = vault->Bootstrap(); !s) return s.error();
  }
  // A reader may race a rotation that just retired the KEK it read as current: then read again.
  for (int attempt = 0;; ++attempt) {
    Result<uint32_t> current = vault->StoredKekVersion();
    if (!current) return current.error();
    vault->kek_version_ = *current;
    Result<const Key*> kek = vault->Kek(*current);
    if (kek) break;
    if (attempt > 0 || kek.error().code != ErrorCode::kNotFound) return kek.error();
    Result<uint32_t> again = vault->StoredKekVersion();
    if (!again || *again == *current) return kek.error();
  }
  if (!writer) return std::unique_ptr<Vault>(std::move(vault));

  if (Status s = RemoveStaleTemporaries(options.key_dir, 60); !s) return s.error();
  // Damaged rows a resumed rotation had to skip stay under their old key; they are reported by every
  // read of those secrets and in the job's done/total, and must not keep the rest of the vault closed.
  if (Result<JobOutcome> resumed = vault->ResumeJobs(); !resumed) return resumed.error();
  if (Status s = vault->RemoveUnusedKeks(); !s) return s.error();
  return std::unique_ptr<Vault>(std::move(vault));
}

Status SqliteVault::Writable() const {
  if (options_.resume_rotations) return Status::Ok();
  return Error::Conflict("the vault is open read-only (resume_rotations = false); it cannot change anything");
}

// What every change to one secret checks first, in this order.
Status SqliteVault::CheckChange(const std::string& tenant, const std::string& name) const {
  if (Status s = Writable(); !s) return s;
  if (Status s = ValidateScope(tenant); !s) return s;
  return ValidateName(name);
}

// First use: KEK version 1 (or the next free number when a crash left files behind) and the meta row,
// under the write lock so two processes opening a new vault at once agree on one KEK.
Status SqliteVault::Bootstrap() {
  Result<int64_t> has_meta = sqlite::QueryInt64(db_.get(), "SELECT count(*) FROM meta");
  if (!has_meta) return has_meta.error();
  if (*has_meta != 0) return Status::Ok();
  Result<Tx> tx = Begin(true);
  if (!tx) return tx.error();
  has_meta = sqlite::QueryInt64(db_.get(), "SELECT count(*) FROM meta");
  if (!has_meta) return has_meta.error();
  if (*has_meta != 0) return tx->commit();  // another process got here first

  Result<std::vector<uint32_t>> files = ListKekFiles(options_.key_dir);
  if (!files) return files.error();
  if (!files->empty() && files->back() == kMaxVersion) return Error::Internal("no KEK version number left");
  const uint32_t version = files->empty() ? 1 : files->back() + 1;
  Result<Key> key = RandomKey();
  if (!key) return key.error();
  Result<std::string> check = Seal(*key, "", KekCheckAad(version));
  if (!check) return check.error();
  if (Status s = CreateKekFile(options_.key_dir, version, *key, options_.seal_kek); !s) return s;

  Result<Query> meta = statements_.Get("INSERT INTO meta (id, kek_version) VALUES (1, ?1)");
  if (!meta) return meta.error();
  if (Status s = Binder(**meta).Int(version).status(); !s) return s;
  if (Status s = (*meta)->Run(); !s) return s;
  Result<Query> kek = statements_.Get("INSERT INTO keks (version, check_blob, created_at) VALUES (?1, ?2, ?3)");
  if (!kek) return kek.error();
  if (Status s = Binder(**kek).Int(version).Blob(*check).Int(Now()).status(); !s) return s;
  if (Status s = (*kek)->Run(); !s) return s;
  if (Status s = tx->commit(); !s) return s;
  keks_.emplace(version, std::move(*key));
  return Status::Ok();
}

Result<uint32_t> SqliteVault::StoredKekVersion() {
  Result<Query> q = statements_.Get("SELECT kek_version FROM meta WHERE id = 1");
  if (!q) return q.error();
  Result<bool> row = (*q)->Step();
  if (!row) return row.error();
  if (!*row)
    return Error::NotFound("vault database " + options_.db_path + " has no KEK yet (it was never opened to write)");
  uint32_t v = VersionAt(**q, 0);
  if (v == 0) return Error::Internal("vault database has an invalid current KEK version");
  return v;
}

// Loads a KEK file once and checks it against the check value recorded when it was created, so a wrong
// or replaced file is named as such instead of surfacing as a pile of failed data keys.
Result<const Key*> SqliteVault::Kek(uint32_t version) {
  if (auto it = keks_.find(version); it != keks_.end()) return &it->second;
  Result<Query> q = statements_.Get("SELECT check_blob FROM keks WHERE version = ?1");
  if (!q) return q.error();
  if (Status s = (*q)->BindInt64(1, version); !s) return s.error();
  Result<bool> row = (*q)->Step();
  if (!row) return row.error();
  if (!*row) return Error::Internal("KEK version " + std::to_string(version) + " is not known to the vault database");
  const std::string check = (*q)->ColumnBlob(0);
  Result<Key> key = LoadKekFile(options_.key_dir, version, options_.check_modes);
  if (!key) return key.error();
  unsigned char none[1];
  if (Status s = Unseal(*key, check, KekCheckAad(version), none, 0); !s) {
    const std::string path = ExistingKekPath(options_.key_dir, version);
    if (s.error().code == ErrorCode::kInternal)
      return Error::Internal("KEK file " + path + " does not hold KEK version " + std::to_string(version) +
                             " of this vault (its check value does not authenticate): wrong or replaced key file");
    return Error::Internal("the check value of KEK version " + std::to_string(version) +
                           " in the vault database is damaged: " + s.error().message);
  }
  return &keks_.emplace(version, std::move(*key)).first->second;
}

Result<const Key*> SqliteVault::DataKey(const std::string& tenant, uint32_t version, DataKeyCache& cache) {
  auto id = std::make_pair(tenant, version);
  if (auto it = cache.find(id); it != cache.end()) return &it->second;
  Result<Query> q = statements_.Get("SELECT kek_version, wrapped FROM data_keys WHERE tenant = ?1 AND version = ?2");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(tenant).Int(version).status(); !s) return s.error();
  Result<bool> row = (*q)->Step();
  if (!row) return row.error();
  if (!*row) return Error::Internal(DataKeyName(tenant, version) + " is missing from the vault database");
  Result<Key> key = UnwrapDataKey(tenant, version, VersionAt(**q, 0), (*q)->ColumnBlob(1));
  if (!key) return key.error();
  return &cache.emplace(std::move(id), std::move(*key)).first->second;
}

Result<Key> SqliteVault::UnwrapDataKey(const std::string& tenant, uint32_t version, uint32_t kek_version,
                                       const std::string& wrapped) {
  if (kek_version == 0) return Error::Internal(DataKeyName(tenant, version) + " names no valid KEK version");
  Result<const Key*> kek = Kek(kek_version);
  if (!kek) return Prefixed(kek.error(), "cannot unwrap " + DataKeyName(tenant, version) + ": ");
  Result<Key> key = UnwrapKey(**kek, wrapped, DataKeyAad(tenant, version, kek_version));
  if (!key) {
    std::string why = key.error().message;
    if (key.error().code == ErrorCode::kInternal && why == "authentication failed")
      why += " (the row was altered or copied from another tenant or version)";
    return Error::Internal("cannot unwrap " + DataKeyName(tenant, version) + " with KEK version " +
                           std::to_string(kek_version) + ": " + why);
  }
  return key;
}

// The tenant's newest data key, created (wrapped by the current KEK) when the tenant has none. Must run
// inside a write transaction.
Result<std::pair<uint32_t, const Key*>> SqliteVault::NewestDataKey(const std::string& tenant, DataKeyCache& cache) {
  {
    Result<Query> q = statements_.Get("SELECT max(version) FROM data_keys WHERE tenant = ?1");
    if (!q) return q.error();
    if (Status s = (*q)->BindText(1, tenant); !s) return s.error();
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    if (*row && !(*q)->IsNull(0)) {
      const uint32_t version = VersionAt(**q, 0);
      if (version == 0) return Error::Internal(Scope(tenant) + " has an invalid data key version");
      Result<const Key*> key = DataKey(tenant, version, cache);
      if (!key) return key.error();
      return std::make_pair(version, *key);
    }
  }
  // Re-read rather than trust kek_version_: another process may have rotated the KEK since we opened.
  Result<uint32_t> kek_version = StoredKekVersion();
  if (!kek_version) return kek_version.error();
  Result<const Key*> kek = Kek(*kek_version);
  if (!kek) return kek.error();
  Result<Key> key = RandomKey();
  if (!key) return key.error();
  Result<std::string> wrapped = WrapKey(**kek, *key, DataKeyAad(tenant, 1, *kek_version));
  if (!wrapped) return wrapped.error();
  Result<Query> insert =
      statements_.Get("INSERT INTO data_keys (tenant, version, kek_version, wrapped, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert) return insert.error();
  if (Status s = Binder(**insert).Text(tenant).Int(1).Int(*kek_version).Blob(*wrapped).Int(Now()).status(); !s)
    return s.error();
  if (Status s = (*insert)->Run(); !s) return s.error();
  const Key* stored = &cache.insert_or_assign(std::make_pair(tenant, 1u), std::move(*key)).first->second;
  return std::make_pair(1u, stored);
}

// Columns first_column.. of `row`: state, dk_version, ciphertext.
Result<SecretValue> SqliteVault::DecryptRow(const std::string& tenant, const std::string& name, uint32_t version,
                                            const Statement& row, int first_column, DataKeyCache& cache) {
  const std::string what = SecretVersion(tenant, name, version);
  const std::string state = row.ColumnText(first_column);
  if (row.IsNull(first_column + 2))
    return Error::Internal(what + " (" + state + ") has no ciphertext: the row is damaged");
  const uint32_t dk_version = VersionAt(row, first_column + 1);
  if (dk_version == 0) return Error::Internal(what + " (" + state + ") names no valid data key: the row is damaged");
  const std::string ciphertext = row.ColumnBlob(first_column + 2);
  Result<const Key*> key = DataKey(tenant, dk_version, cache);
  if (!key) return Prefixed(key.error(), "cannot decrypt " + what + ": ");
  Result<SecretValue> value = OpenValue(**key, ciphertext, SecretAad(tenant, name, version));
  if (!value) {
    std::string why = value.error().message;
    if (value.error().code == ErrorCode::kInternal && why == "authentication failed")
      why += " (the ciphertext was altered, or copied from another tenant, secret or version)";
    return Error::Internal("cannot decrypt " + what + " with data key version " + std::to_string(dk_version) + ": " +
                           why);
  }
  return value;
}

// ---- secrets --------------------------------------------------------------------------------------------

Result<SecretInfo> SqliteVault::Put(const std::string& tenant, const std::string& name, SecretValue value) {
  if (Status s = CheckChange(tenant, name); !s) return s.error();
  if (Status s = ValidateValue(value.view()); !s) return Prefixed(s.error(), SecretName(tenant, name) + ": ");
  {
    Result<Tx> tx = Begin(true);
    if (!tx) return tx.error();
    DataKeyCache cache;
    Result<std::pair<uint32_t, const Key*>> dk = NewestDataKey(tenant, cache);
    if (!dk) return dk.error();

    uint32_t next = 1;
    bool has_current = false;
    {
      Result<Query> q = statements_.Get(
          "SELECT max(version), count(*) FILTER (WHERE state = 'current') FROM secrets WHERE tenant = ?1 AND name = ?2");
      if (!q) return q.error();
      if (Status s = Binder(**q).Text(tenant).Text(name).status(); !s) return s.error();
      Result<bool> row = (*q)->Step();
      if (!row) return row.error();
      if (*row && !(*q)->IsNull(0)) {
        const int64_t newest = (*q)->ColumnInt64(0);
        if (newest >= kMaxVersion) return Error::Conflict(SecretName(tenant, name) + " has no version number left");
        next = static_cast<uint32_t>(newest + 1);
        has_current = (*q)->ColumnInt64(1) > 0;
      }
    }
    // One staged version at a time: a newer value replaces it (it never ran, so it is simply failed).
    Result<Query> fail = statements_.Get(
        "UPDATE secrets SET state = 'failed', ciphertext = NULL, dk_version = NULL"
        " WHERE tenant = ?1 AND name = ?2 AND state = 'staged'");
    if (!fail) return fail.error();
    if (Status s = Binder(**fail).Text(tenant).Text(name).status(); !s) return s.error();
    if (Status s = (*fail)->Run(); !s) return s.error();

    Result<std::string> sealed = Seal(*dk->second, value.view(), SecretAad(tenant, name, next));
    if (!sealed) return Prefixed(sealed.error(), "cannot encrypt " + SecretVersion(tenant, name, next) + ": ");
    Result<Query> insert = statements_.Get(
        "INSERT INTO secrets (tenant, name, version, state, dk_version, ciphertext, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert) return insert.error();
    Status bound = Binder(**insert)
                       .Text(tenant)
                       .Text(name)
                       .Int(next)
                       .Text(has_current ? "staged" : "current")
                       .Int(dk->first)
                       .Blob(*sealed)
                       .Int(Now())
                       .status();
    if (!bound) return bound.error();
    if (Status s = (*insert)->Run(); !s) return s.error();
    if (Status s = tx->commit(); !s) return Prefixed(s.error(), "cannot store " + SecretName(tenant, name) + ": ");
  }
  Result<std::optional<SecretInfo>> info = ReadInfo(tenant, name);
  if (!info) return info.error();
  if (!info->has_value()) return Error::Internal(SecretName(tenant, name) + " vanished right after it was stored");
  return std::move(**info);
}

// Inside a write transaction: the version exists and is staged; `verb` says what was refused.
Status SqliteVault::RequireStaged(const std::string& tenant, const std::string& name, uint32_t version,
                                  const char* verb) {
  Result<Query> q = statements_.Get("SELECT state FROM secrets WHERE tenant = ?1 AND name = ?2 AND version = ?3");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(tenant).Text(name).Int(version).status(); !s) return s;
  Result<bool> row = (*q)->Step();
  if (!row) return row.error();
  if (!*row) return Error::NotFound(SecretName(tenant, name) + " has no version " + std::to_string(version));
  const std::string state = (*q)->ColumnText(0);
  if (state != "staged")
    return Error::Conflict(SecretVersion(tenant, name, version) + " is " + state + "; only a staged version can be " + verb);
  return Status::Ok();
}

Status SqliteVault::Promote(const std::string& tenant, const std::string& name, uint32_t version) {
  if (Status s = CheckChange(tenant, name); !s) return s;
  Result<Tx> tx = Begin(true);
  if (!tx) return tx.error();
  if (Status s = RequireStaged(tenant, name, version, "promoted"); !s) return s;
  // In this order, for the one-current / one-staged unique indexes.
  const char* demote[] = {
      "UPDATE secrets SET state = 'retired', ciphertext = NULL, dk_version = NULL"
      " WHERE tenant = ?1 AND name = ?2 AND state = 'previous'",
      "UPDATE secrets SET state = 'previous' WHERE tenant = ?1 AND name = ?2 AND state = 'current'",
  };
  for (const char* sql : demote) {
    Result<Query> q = statements_.Get(sql);
    if (!q) return q.error();
    if (Status s = Binder(**q).Text(tenant).Text(name).status(); !s) return s;
    if (Status s = (*q)->Run(); !s) return s;
  }
  Result<Query> q = statements_.Get("UPDATE secrets SET state = 'current' WHERE tenant = ?1 AND name = ?2 AND version = ?3");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(tenant).Text(name).Int(version).status(); !s) return s;
  if (Status s = (*q)->Run(); !s) return s;
  return tx->commit();
}

Status SqliteVault::Discard(const std::string& tenant, const std::string& name, uint32_t version) {
  if (Status s = CheckChange(tenant, name); !s) return s;
  Result<Tx> tx = Begin(true);
  if (!tx) return tx.error();
  if (Status s = RequireStaged(tenant, name, version, "discarded"); !s) return s;
  Result<Query> q = statements_.Get(
      "UPDATE secrets SET state = 'failed', ciphertext = NULL, dk_version = NULL"
      " WHERE tenant = ?1 AND name = ?2 AND version = ?3");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(tenant).Text(name).Int(version).status(); !s) return s;
  if (Status s = (*q)->Run(); !s) return s;
  return tx->commit();
}

Status SqliteVault::RetirePrevious(const std::string& tenant, const std::string& name) {
  if (Status s = CheckChange(tenant, name); !s) return s;
  Result<Tx> tx = Begin(true);
  if (!tx) return tx.error();
  {
    Result<Query> q = statements_.Get("SELECT count(*) FROM secrets WHERE tenant = ?1 AND name = ?2");
    if (!q) return q.error();
    if (Status s = Binder(**q).Text(tenant).Text(name).status(); !s) return s;
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    if (!*row || (*q)->ColumnInt64(0) == 0) return Error::NotFound("no " + SecretName(tenant, name));
  }
  Result<Query> q = statements_.Get(
      "UPDATE secrets SET state = 'retired', ciphertext = NULL, dk_version = NULL"
      " WHERE tenant = ?1 AND name = ?2 AND state = 'previous'");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(tenant).Text(name).status(); !s) return s;
  if (Status s = (*q)->Run(); !s) return s;
  return tx->commit();
}

Status SqliteVault::Delete(const std::string& tenant, const std::string& name) {
  if (Status s = CheckChange(tenant, name); !s) return s;
  Result<Query> q = statements_.Get("DELETE FROM secrets WHERE tenant = ?1 AND name = ?2");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(tenant).Text(name).status(); !s) return s;
  if (Status s = (*q)->Run(); !s) return s;
  if (sqlite3_changes64(db_.get()) == 0) return Error::NotFound("no " + SecretName(tenant, name));
  return Status::Ok();
}

// Succeeds for a tenant without secrets too: deleting a tenant must not depend on whether it had any.
Status SqliteVault::DeleteTenant(const std::string& tenant) {
  if (Status s = Writable(); !s) return s;
  if (Status s = ValidateScope(tenant); !s) return s;
  Result<Tx> tx = Begin(true);
  if (!tx) return tx.error();
  for (const char* sql : {"DELETE FROM secrets WHERE tenant = ?1", "DELETE FROM data_keys WHERE tenant = ?1"}) {
    Result<Query> q = statements_.Get(sql);
    if (!q) return q.error();
    if (Status s = (*q)->BindText(1, tenant); !s) return s;
    if (Status s = (*q)->Run(); !s) return s;
  }
  // A data-key rotation of the tenant that another process left running has nothing left to do.
  Result<Query> jobs = statements_.Get(
      "UPDATE rotations SET state = 'done', finished_at = ?2 WHERE state = 'running' AND kind = 'data-key'"
      " AND target = ?1");
  if (!jobs) return jobs.error();
  if (Status s = Binder(**jobs).Text(tenant).Int(Now()).status(); !s) return s;
  if (Status s = (*jobs)->Run(); !s) return s;
  return tx->commit();
}

Result<std::optional<SecretInfo>> SqliteVault::ReadInfo(const std::string& tenant, const std::string& name) {
  Result<Query> q = statements_.Get(
      "SELECT version, state, created_at FROM secrets WHERE tenant = ?1 AND name = ?2 ORDER BY version DESC");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(tenant).Text(name).status(); !s) return s.error();
  std::optional<SecretInfo> info;
  for (;;) {
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    if (!*row) break;
    if (!info) {
      info.emplace();
      info->tenant = tenant;
      info->name = name;
      info->rotated_at = (*q)->ColumnInt64(2);
    }
    SecretVersionInfo v;
    v.version = VersionAt(**q, 0);
    v.state = (*q)->ColumnText(1);
    v.created_at = (*q)->ColumnInt64(2);
    if (v.state == "current") info->current_version = v.version;
    info->created_at = v.created_at;  // the oldest row comes last
    info->versions.push_back(std::move(v));
  }
  return info;
}

Result<SecretInfo> SqliteVault::Get(const std::string& tenant, const std::string& name) {
  if (Status s = ValidateScope(tenant); !s) return s.error();
  if (Status s = ValidateName(name); !s) return s.error();
  Result<std::optional<SecretInfo>> info = ReadInfo(tenant, name);
  if (!info) return info.error();
  if (!info->has_value()) return Error::NotFound("no " + SecretName(tenant, name));
  return std::move(**info);
}

Result<std::vector<SecretInfo>> SqliteVault::List(const std::string& tenant) {
  if (Status s = ValidateScope(tenant); !s) return s.error();
  Result<Query> q = statements_.Get(
      "SELECT name, version, state, created_at FROM secrets WHERE tenant = ?1 ORDER BY name, version DESC");
  if (!q) return q.error();
  if (Status s = (*q)->BindText(1, tenant); !s) return s.error();
  std::vector<SecretInfo> out;
  for (;;) {
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    if (!*row) return out;
    std::string name = (*q)->ColumnText(0);
    if (out.empty() || out.back().name != name) {
      SecretInfo info;
      info.tenant = tenant;
      info.name = std::move(name);
      info.rotated_at = (*q)->ColumnInt64(3);
      out.push_back(std::move(info));
    }
    SecretInfo& info = out.back();
    SecretVersionInfo v;
    v.version = VersionAt(**q, 1);
    v.state = (*q)->ColumnText(2);
    v.created_at = (*q)->ColumnInt64(3);
    if (v.state == "current") info.current_version = v.version;
    info.created_at = v.created_at;
    info.versions.push_back(std::move(v));
  }
}

// A reader in another process than the one rotating can lose a race: its snapshot names a KEK whose file
// the rotation deleted just after its last data key moved off it. A missing file (kNotFound; a missing
// row is kInternal) gets one more try, on a fresh snapshot that names the new KEK.
Result<std::vector<std::pair<std::string, SecretValue>>> SqliteVault::Deliverable(const std::string& tenant,
                                                                                  bool staged) {
  if (tenant == kPlatformScope) return Error::Invalid("platform secrets are never delivered to an agent");
  if (Status s = ValidateTenantId(tenant); !s) return s.error();
  Result<std::vector<std::pair<std::string, SecretValue>>> got = DeliverableOnce(tenant, staged);
  if (!got.ok() && got.error().code == ErrorCode::kNotFound) got = DeliverableOnce(tenant, staged);
  return got;
}

Result<SecretValue> SqliteVault::ProviderKey(const std::string& name) {
  if (Status s = ValidateName(name); !s) return s.error();
  Result<SecretValue> got = ProviderKeyOnce(name);
  if (!got.ok() && got.error().code == ErrorCode::kNotFound) got = ProviderKeyOnce(name);  // as above
  return got;
}

Result<std::vector<std::pair<std::string, SecretValue>>> SqliteVault::ProviderKeys() {
  // Platform secrets have no staged versions: the current ones, read like a tenant's delivery.
  Result<std::vector<std::pair<std::string, SecretValue>>> got = DeliverableOnce(kPlatformScope, false);
  if (!got.ok() && got.error().code == ErrorCode::kNotFound) got = DeliverableOnce(kPlatformScope, false);  // as above
  return got;
}

Result<std::vector<std::pair<std::string, SecretValue>>> SqliteVault::DeliverableOnce(const std::string& tenant,
                                                                                      bool staged) {
  // One read transaction: a snapshot, so a rotation committing in another process between our reads
  // cannot pull a data key away from under a row we already read.
  Result<Tx> tx = Begin(false);
  if (!tx) return tx.error();
  // Per name the staged row (if any) comes first: it is always newer than the current one.
  Result<Query> q = statements_.Get(
      "SELECT name, version, state, dk_version, ciphertext FROM secrets"
      " WHERE tenant = ?1 AND state IN ('current', 'staged') ORDER BY name, version DESC");
  if (!q) return q.error();
  if (Status s = (*q)->BindText(1, tenant); !s) return s.error();
  DataKeyCache cache;
  std::vector<std::pair<std::string, SecretValue>> out;
  std::string last;
  for (;;) {
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    if (!*row) break;
    std::string name = (*q)->ColumnText(0);
    if (!out.empty() && name == last) continue;  // already delivering this secret's newer row
    const std::string state = (*q)->ColumnText(2);
    if (state == "staged" && !staged) continue;  // the current row follows
    Result<SecretValue> value = DecryptRow(tenant, name, VersionAt(**q, 1), **q, 2, cache);
    if (!value) return value.error();
    last = name;
    out.emplace_back(std::move(name), std::move(*value));
  }
  if (Status s = tx->commit(); !s) return s.error();
  return out;
}

Result<SecretValue> SqliteVault::ProviderKeyOnce(const std::string& name) {
  Result<Tx> tx = Begin(false);
  if (!tx) return tx.error();
  Result<Query> q = statements_.Get(
      "SELECT version, state, dk_version, ciphertext FROM secrets"
      " WHERE tenant = ?1 AND name = ?2 AND state = 'current'");
  if (!q) return q.error();
  if (Status s = Binder(**q).Text(kPlatformScope).Text(name).status(); !s) return s.error();
  Result<bool> row = (*q)->Step();
  if (!row) return row.error();
  if (!*row) return Error::NotFound("no platform secret '" + name + "' with a current version");
  DataKeyCache cache;
  Result<SecretValue> value = DecryptRow(kPlatformScope, name, VersionAt(**q, 0), **q, 1, cache);
  if (!value) return value.error();
  if (Status s = tx->commit(); !s) return s.error();
  return value;
}

// ---- rotations ------------------------------------------------------------------------------------------

// Three commits: reserve the version (its keks row), write the file durably, record the job. A crash
// after the first or second leaves a known, unused version (and maybe its file) that a later cleanup
// removes once the current KEK is past it; never a row that needs a file that is not on disk.
Result<RotationInfo> SqliteVault::RotateKek() {
  if (Status s = Writable(); !s) return s.error();
  if (Result<JobOutcome> earlier = ResumeJobs(); !earlier) return earlier.error();
  Result<Key> key = RandomKey();
  if (!key) return key.error();
  uint32_t from = 0, to = 0;
  {
    // Under the write lock, so two processes rotating at once cannot pick the same number.
    Result<Tx> tx = Begin(true);
    if (!tx) return tx.error();
    Result<uint32_t> current = StoredKekVersion();
    if (!current) return current.error();
    from = *current;
    Result<std::vector<uint32_t>> files = ListKekFiles(options_.key_dir);
    if (!files) return files.error();
    Result<int64_t> newest_known = sqlite::QueryInt64(db_.get(), "SELECT coalesce(max(version), 0) FROM keks");
    if (!newest_known) return newest_known.error();
    // Past every number in use or left behind, by this vault or by a file it does not know: a key file
    // is never reused or replaced.
    int64_t newest = std::max<int64_t>(from, *newest_known);
    if (!files->empty()) newest = std::max<int64_t>(newest, files->back());
    if (newest >= kMaxVersion) return Error::Internal("no KEK version number left");
    to = static_cast<uint32_t>(newest + 1);
    Result<std::string> check = Seal(*key, "", KekCheckAad(to));
    if (!check) return check.error();
    Result<Query> kek = statements_.Get("INSERT INTO keks (version, check_blob, created_at) VALUES (?1, ?2, ?3)");
    if (!kek) return kek.error();
    if (Status s = Binder(**kek).Int(to).Blob(*check).Int(Now()).status(); !s) return s.error();
    if (Status s = (*kek)->Run(); !s) return s.error();
    if (Status s = tx->commit(); !s) return s.error();
  }
  // Durable before any row can refer to it.
  if (Status s = CreateKekFile(options_.key_dir, to, *key, options_.seal_kek); !s) return s.error();
  keks_.insert_or_assign(to, std::move(*key));
  int64_t id = 0;
  {
    Result<Tx> tx = Begin(true);
    if (!tx) return tx.error();
    Result<uint32_t> current = StoredKekVersion();
    if (!current) return current.error();
    if (*current != from)
      return Error::Conflict("the KEK was rotated by another process meanwhile; try again");
    Result<Query> job = statements_.Get(
        "INSERT INTO rotations (kind, target, from_version, to_version, state, done, total, started_at)"
        " VALUES ('kek', '', ?1, ?2, 'running', 0, (SELECT count(*) FROM data_keys WHERE kek_version <> ?2), ?3)");
    if (!job) return job.error();
    if (Status s = Binder(**job).Int(from).Int(to).Int(Now()).status(); !s) return s.error();
    if (Status s = (*job)->Run(); !s) {
      if (s.error().code == ErrorCode::kConflict)
        return Error::Conflict("another rotation is running (in another process); try again when it is done");
      return s.error();
    }
    id = sqlite3_last_insert_rowid(db_.get());
    if (Status s = tx->commit(); !s) return s.error();
  }
  Result<JobOutcome> outcome = RunKekJob(id, to);
  if (!outcome) return outcome.error();
  return Finished(id, *outcome);
}

Result<RotationInfo> SqliteVault::RotateDataKey(const std::string& tenant) {
  if (Status s = Writable(); !s) return s.error();
  if (Status s = ValidateScope(tenant); !s) return s.error();
  if (Result<JobOutcome> earlier = ResumeJobs(); !earlier) return earlier.error();
  int64_t id = 0;
  uint32_t to = 0;
  {
    Result<Tx> tx = Begin(true);
    if (!tx) return tx.error();
    Result<Query> q = statements_.Get("SELECT max(version) FROM data_keys WHERE tenant = ?1");
    if (!q) return q.error();
    if (Status s = (*q)->BindText(1, tenant); !s) return s.error();
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    if (!*row || (*q)->IsNull(0)) return Error::NotFound(Scope(tenant) + " has no data key (no secret stored yet)");
    const uint32_t from = VersionAt(**q, 0);
    if (from == 0 || from == kMaxVersion) return Error::Internal(Scope(tenant) + " has an invalid data key version");
    to = from + 1;

    Result<uint32_t> kek_version = StoredKekVersion();
    if (!kek_version) return kek_version.error();
    Result<const Key*> kek = Kek(*kek_version);
    if (!kek) return kek.error();
    Result<Key> key = RandomKey();
    if (!key) return key.error();
    Result<std::string> wrapped = WrapKey(**kek, *key, DataKeyAad(tenant, to, *kek_version));
    if (!wrapped) return wrapped.error();
    Result<Query> insert = statements_.Get(
        "INSERT INTO data_keys (tenant, version, kek_version, wrapped, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return insert.error();
    if (Status s = Binder(**insert).Text(tenant).Int(to).Int(*kek_version).Blob(*wrapped).Int(Now()).status(); !s)
      return s.error();
    if (Status s = (*insert)->Run(); !s) return s.error();
    Result<Query> job = statements_.Get(
        "INSERT INTO rotations (kind, target, from_version, to_version, state, done, total, started_at)"
        " VALUES ('data-key', ?1, ?2, ?3, 'running', 0, (SELECT count(*) FROM secrets WHERE tenant = ?1"
        " AND ciphertext IS NOT NULL AND dk_version IS NOT ?3), ?4)");
    if (!job) return job.error();
    if (Status s = Binder(**job).Text(tenant).Int(from).Int(to).Int(Now()).status(); !s) return s.error();
    if (Status s = (*job)->Run(); !s) {
      if (s.error().code == ErrorCode::kConflict)
        return Error::Conflict("another rotation is running (in another process); try again when it is done");
      return s.error();
    }
    id = sqlite3_last_insert_rowid(db_.get());
    if (Status s = tx->commit(); !s) return s.error();
  }
  Result<JobOutcome> outcome = RunDataKeyJob(id, tenant, to);
  if (!outcome) return outcome.error();
  return Finished(id, *outcome);
}

Result<RotationInfo> SqliteVault::Finished(int64_t id, const JobOutcome& outcome) {
  Result<RotationInfo> info = Rotation(id);
  if (!info) return info.error();
  if (outcome.skipped == 0) return info;
  return Error::Internal("rotation " + std::to_string(id) + " (" + info->kind + ") finished, but " +
                         Plural(outcome.skipped, "item", "items") +
                         " could not be decrypted and stay under their old key, which is kept; first: " +
                         outcome.first_problem);
}

Result<SqliteVault::JobOutcome> SqliteVault::ResumeJobs() {
  struct Job {
    int64_t id;
    std::string kind, target;
    uint32_t to;
  };
  std::vector<Job> jobs;
  {
    Result<Query> q = statements_.Get("SELECT id, kind, target, to_version FROM rotations WHERE state = 'running' ORDER BY id");
    if (!q) return q.error();
    for (;;) {
      Result<bool> row = (*q)->Step();
      if (!row) return row.error();
      if (!*row) break;
      jobs.push_back({(*q)->ColumnInt64(0), (*q)->ColumnText(1), (*q)->ColumnText(2), VersionAt(**q, 3)});
    }
  }
  JobOutcome total;
  for (const Job& job : jobs) {
    if (job.to == 0) return Error::Internal("rotation " + std::to_string(job.id) + " has an invalid target version");
    Result<JobOutcome> outcome =
        job.kind == "kek" ? RunKekJob(job.id, job.to) : RunDataKeyJob(job.id, job.target, job.to);
    if (!outcome) return Prefixed(outcome.error(), "cannot resume rotation " + std::to_string(job.id) + ": ");
    total.Add(*outcome);
  }
  return total;
}

// The mechanism both rotation jobs share: batch after batch, each in its own write transaction (so other
// processes interleave, and a crash loses at most one batch), until a batch's cursor reads no rows. Each
// batch adds the rows it moved to the job's done count in the same commit that moved them. A batch that
// reads nothing leaves its (empty) transaction to roll back.
Status SqliteVault::RunBatches(int64_t id, const std::function<Result<Batch>()>& batch) {
  for (;;) {
    Result<Tx> tx = Begin(true);
    if (!tx) return tx.error();
    Result<Batch> done = batch();
    if (!done) return done.error();
    if (done->read == 0) return Status::Ok();
    Result<Query> progress = statements_.Get("UPDATE rotations SET done = done + ?2 WHERE id = ?1");
    if (!progress) return progress.error();
    if (Status s = Binder(**progress).Int(id).Int(static_cast<int64_t>(done->moved)).status(); !s) return s;
    if (Status s = (*progress)->Run(); !s) return s;
    if (Status s = tx->commit(); !s) return s;
  }
}

// Rows per batch, as bound to a cursor's LIMIT.
int64_t SqliteVault::BatchLimit() const {
  return static_cast<int64_t>(std::min<size_t>(options_.rotation_batch, INT32_MAX));
}

// Inside the job's last write transaction.
Status SqliteVault::MarkJobDone(int64_t id) {
  Result<Query> job = statements_.Get("UPDATE rotations SET state = 'done', finished_at = ?2 WHERE id = ?1");
  if (!job) return job.error();
  if (Status s = Binder(**job).Int(id).Int(Now()).status(); !s) return s;
  return (*job)->Run();
}

// Re-wraps, batch by batch, every data key not yet under KEK `to`. Walks the primary key with a cursor,
// so a skipped (damaged) row is passed once rather than found again by every batch.
Result<SqliteVault::JobOutcome> SqliteVault::RunKekJob(int64_t id, uint32_t to) {
  Result<const Key*> new_kek = Kek(to);
  if (!new_kek) return new_kek.error();
  JobOutcome outcome;
  std::string cursor_tenant;
  int64_t cursor_version = 0;
  Status batches = RunBatches(id, [&]() -> Result<Batch> {
    struct Row {
      std::string tenant;
      uint32_t version, kek_version;
      std::string wrapped;
    };
    std::vector<Row> rows;
    {
      // '+' keeps the planner on the primary key (the cursor) instead of the kek_version index.
      Result<Query> q = statements_.Get(
          "SELECT tenant, version, kek_version, wrapped FROM data_keys"
          " WHERE +kek_version <> ?1 AND (tenant, version) > (?2, ?3) ORDER BY tenant, version LIMIT ?4");
      if (!q) return q.error();
      Status bound = Binder(**q).Int(to).Text(cursor_tenant).Int(cursor_version).Int(BatchLimit()).status();
      if (!bound) return bound.error();
      Status read = (*q)->ForEachRow([&](const Statement& s) {
        rows.push_back({s.ColumnText(0), VersionAt(s, 1), VersionAt(s, 2), s.ColumnBlob(3)});
      });
      if (!read) return read.error();
    }
    if (rows.empty()) return Batch{};
    cursor_tenant = rows.back().tenant;
    cursor_version = rows.back().version;

    Result<Query> update =
        statements_.Get("UPDATE data_keys SET kek_version = ?1, wrapped = ?2 WHERE tenant = ?3 AND version = ?4");
    if (!update) return update.error();
    uint64_t moved = 0;
    for (const Row& r : rows) {
      Result<Key> key = UnwrapDataKey(r.tenant, r.version, r.kek_version, r.wrapped);
      if (!key) {
        if (Status s = outcome.Skip(key.error()); !s) return s.error();
        continue;
      }
      Result<std::string> wrapped = WrapKey(**new_kek, *key, DataKeyAad(r.tenant, r.version, to));
      if (!wrapped) return wrapped.error();
      (*update)->Reset();
      Status bound = Binder(**update).Int(to).Blob(*wrapped).Text(r.tenant).Int(r.version).status();
      if (!bound) return bound.error();
      if (Status s = (*update)->Run(); !s) return s.error();
      ++moved;
    }
    return Batch{rows.size(), moved};
  });
  if (!batches) return batches.error();

  {
    Result<Tx> tx = Begin(true);
    if (!tx) return tx.error();
    Result<Query> meta = statements_.Get("UPDATE meta SET kek_version = ?1 WHERE id = 1");
    if (!meta) return meta.error();
    if (Status s = (*meta)->BindInt64(1, to); !s) return s.error();
    if (Status s = (*meta)->Run(); !s) return s.error();
    if (Status s = MarkJobDone(id); !s) return s.error();
    if (Status s = tx->commit(); !s) return s.error();
  }
  kek_version_ = to;
  if (Status s = RemoveUnusedKeks(); !s) return s.error();
  return outcome;
}

// Re-encrypts, batch by batch, every secret version of `tenant` that has ciphertext under an older data
// key, then drops the data keys no ciphertext needs any more.
Result<SqliteVault::JobOutcome> SqliteVault::RunDataKeyJob(int64_t id, const std::string& tenant, uint32_t to) {
  JobOutcome outcome;
  bool proceed = true;
  {
    // The new data key must be usable before anything moves to it. Gone: the tenant was deleted (by
    // another process) meanwhile, nothing is left to do. Damaged: nothing can move to it; every row
    // stays under the key it is under (and is reported), rather than the job never finishing.
    Result<Query> q = statements_.Get("SELECT count(*) FROM data_keys WHERE tenant = ?1 AND version = ?2");
    if (!q) return q.error();
    if (Status s = Binder(**q).Text(tenant).Int(to).status(); !s) return s.error();
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    proceed = *row && (*q)->ColumnInt64(0) != 0;
  }
  if (proceed) {
    DataKeyCache probe;
    Result<const Key*> key = DataKey(tenant, to, probe);
    if (!key) {
      if (!IsDataError(key.error())) return key.error();
      Result<Query> q = statements_.Get(
          "SELECT count(*) FROM secrets WHERE tenant = ?1 AND ciphertext IS NOT NULL AND dk_version IS NOT ?2");
      if (!q) return q.error();
      if (Status s = Binder(**q).Text(tenant).Int(to).status(); !s) return s.error();
      Result<bool> row = (*q)->Step();
      if (!row) return row.error();
      outcome.skipped = *row ? static_cast<uint64_t>(std::max<int64_t>(0, (*q)->ColumnInt64(0))) : 0;
      outcome.first_problem = key.error().message;
      proceed = false;
    }
  }
  std::string cursor_name;
  int64_t cursor_version = 0;
  Status batches = Status::Ok();
  if (proceed) batches = RunBatches(id, [&]() -> Result<Batch> {
    DataKeyCache cache;
    Result<const Key*> new_key = DataKey(tenant, to, cache);
    if (!new_key) return new_key.error();
    struct Sealed {
      std::string name;
      uint32_t version;
      std::string ciphertext;
    };
    std::vector<Sealed> updates;
    size_t seen = 0;
    {
      Result<Query> q = statements_.Get(
          "SELECT name, version, state, dk_version, ciphertext FROM secrets"
          " WHERE tenant = ?1 AND ciphertext IS NOT NULL AND +dk_version IS NOT ?2 AND (name, version) > (?3, ?4)"
          " ORDER BY name, version LIMIT ?5");
      if (!q) return q.error();
      Status bound =
          Binder(**q).Text(tenant).Int(to).Text(cursor_name).Int(cursor_version).Int(BatchLimit()).status();
      if (!bound) return bound.error();
      Status read = (*q)->ForEachRow([&](const Statement& s) -> Status {
        ++seen;
        std::string name = s.ColumnText(0);
        const uint32_t version = VersionAt(s, 1);
        cursor_name = name;
        cursor_version = version;
        Result<SecretValue> value = DecryptRow(tenant, name, version, s, 2, cache);
        if (!value) return outcome.Skip(value.error());
        Result<std::string> sealed = Seal(**new_key, value->view(), SecretAad(tenant, name, version));
        if (!sealed) return sealed.error();
        updates.push_back({std::move(name), version, std::move(*sealed)});
        return Status::Ok();
      });
      if (!read) return read.error();
    }
    if (seen == 0) return Batch{};
    Result<Query> update =
        statements_.Get("UPDATE secrets SET dk_version = ?1, ciphertext = ?2 WHERE tenant = ?3 AND name = ?4 AND version = ?5");
    if (!update) return update.error();
    for (const Sealed& u : updates) {
      (*update)->Reset();
      Status b = Binder(**update).Int(to).Blob(u.ciphertext).Text(tenant).Text(u.name).Int(u.version).status();
      if (!b) return b.error();
      if (Status s = (*update)->Run(); !s) return s.error();
    }
    return Batch{seen, updates.size()};
  });
  if (!batches) return batches.error();

  Result<Tx> tx = Begin(true);
  if (!tx) return tx.error();
  Result<Query> drop = statements_.Get(
      "DELETE FROM data_keys WHERE tenant = ?1 AND version <> ?2 AND NOT EXISTS (SELECT 1 FROM secrets s"
      " WHERE s.tenant = data_keys.tenant AND s.dk_version = data_keys.version AND s.ciphertext IS NOT NULL)");
  if (!drop) return drop.error();
  if (Status s = Binder(**drop).Text(tenant).Int(to).status(); !s) return s.error();
  if (Status s = (*drop)->Run(); !s) return s.error();
  if (Status s = MarkJobDone(id); !s) return s.error();
  if (Status s = tx->commit(); !s) return s.error();
  return outcome;
}

// Deletes KEK files (and their keks rows) older than the current KEK that no data key refers to. Under
// the write lock, so no other process can start using one meanwhile. Runs only after the commit that
// moved the last data key off a KEK (synchronous=FULL: that commit is on disk).
Status SqliteVault::RemoveUnusedKeks() {
  Result<Tx> tx = Begin(true);
  if (!tx) return tx.error();
  Result<uint32_t> current = StoredKekVersion();
  if (!current) return current.error();
  // Only versions this vault recorded: a key file it has no row for may belong to another copy of the
  // database (a backup, say), and is left alone.
  std::vector<uint32_t> unused;
  {
    Result<Query> q = statements_.Get(
        "SELECT version FROM keks k WHERE version < ?1"
        " AND NOT EXISTS (SELECT 1 FROM data_keys d WHERE d.kek_version = k.version)"
        " AND NOT EXISTS (SELECT 1 FROM rotations r WHERE r.state = 'running' AND r.kind = 'kek'"
        " AND r.to_version = k.version)");
    if (!q) return q.error();
    if (Status s = (*q)->BindInt64(1, *current); !s) return s;
    for (;;) {
      Result<bool> row = (*q)->Step();
      if (!row) return row.error();
      if (!*row) break;
      if (uint32_t v = VersionAt(**q, 0); v != 0) unused.push_back(v);
    }
  }
  for (uint32_t v : unused) {
    if (Status s = RemoveKekFile(options_.key_dir, v); !s) return s;
    Result<Query> forget = statements_.Get("DELETE FROM keks WHERE version = ?1");
    if (!forget) return forget.error();
    if (Status s = (*forget)->BindInt64(1, v); !s) return s;
    if (Status s = (*forget)->Run(); !s) return s;
    keks_.erase(v);
  }
  return tx->commit();
}

Result<RotationInfo> SqliteVault::Rotation(int64_t id) {
  Result<Query> q = statements_.Get("SELECT id, kind, target, state, done, total FROM rotations WHERE id = ?1");
  if (!q) return q.error();
  if (Status s = (*q)->BindInt64(1, id); !s) return s.error();
  Result<bool> row = (*q)->Step();
  if (!row) return row.error();
  if (!*row) return Error::NotFound("no rotation " + std::to_string(id));
  return ReadRotation(**q);
}

Result<std::vector<RotationInfo>> SqliteVault::Rotations(size_t limit) {
  Result<Query> q = statements_.Get("SELECT id, kind, target, state, done, total FROM rotations ORDER BY id DESC LIMIT ?1");
  if (!q) return q.error();
  const int64_t max_rows = limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())
                               ? std::numeric_limits<int64_t>::max()
                               : static_cast<int64_t>(limit);
  if (Status s = (*q)->BindInt64(1, max_rows); !s) return s.error();
  std::vector<RotationInfo> out;
  for (;;) {
    Result<bool> row = (*q)->Step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(ReadRotation(**q));
  }
}

}  // namespace vault
}  // namespace clawhive
