// Vault: per-tenant secrets encrypted at rest (envelope encryption, OpenSSL 3 EVP AES-256-GCM).
//
// Keys: a key-encryption key (KEK) per KEK version, 32 random bytes in a root-only file
// <key_dir>/kek-<version>.key (0600, dir 0700); a data key per tenant (and per data-key version),
// stored wrapped by a KEK; every secret version encrypted with its tenant's data key. The GCM associated
// data binds (tenant, secret name, secret version) — and (tenant, data-key version) for wrapped data
// keys — so a ciphertext copied to another tenant, name or version fails to decrypt.
//
// Storage: its own SQLite file (WAL, 0600, numbered migrations) apart from the supervisor's state.
// Rotations (KEK re-wrap, tenant data-key re-encrypt) are recorded as resumable jobs and done in small
// transactions; killing the process at any point leaves every secret decryptable and Open() resumes.
//
// Values cross this interface only as SecretValue, which wipes its buffer (OPENSSL_cleanse) when it
// dies. No method returns or logs a value except Deliverable() (for the root-only delivery helper) and
// ProviderKey()/ProviderKeys() (for the provider-key export to the metering proxy). Error messages name the tenant/secret, never a value.
// Not thread-safe: one owner (the supervisor's loop thread, or the one-shot delivery helper).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive {

// A plaintext secret value; wiped when destroyed. Move-only.
class SecretValue {
 public:
  SecretValue() = default;
  explicit SecretValue(std::string v) : v_(std::move(v)) {}
  SecretValue(SecretValue&& o) noexcept;
  SecretValue& operator=(SecretValue&& o) noexcept;
  SecretValue(const SecretValue&) = delete;
  SecretValue& operator=(const SecretValue&) = delete;
  ~SecretValue();
  std::string_view view() const { return v_; }
  size_t size() const { return v_.size(); }

 private:
  void Wipe();
  std::string v_;
};

// Scope of a secret. Tenant secrets are delivered to that tenant's agent (as environment variable
// `name`); platform secrets (e.g. model provider keys) are never delivered to any agent.
inline constexpr const char* kPlatformScope = "_platform";

struct SecretVersionInfo {
  uint32_t version = 0;
  int64_t created_at = 0;        // unix seconds
  std::string state;             // "current", "staged", "previous", "retired", "failed"
};

struct SecretInfo {
  std::string tenant;            // tenant id, or kPlatformScope
  std::string name;              // [A-Z_][A-Z0-9_]{0,127}
  uint32_t current_version = 0;  // delivered version; 0 = none yet
  int64_t created_at = 0;        // first version
  int64_t rotated_at = 0;        // newest version
  std::vector<SecretVersionInfo> versions;  // newest first; retired ones keep metadata only
};

struct RotationInfo {
  int64_t id = 0;
  std::string kind;              // "kek" or "data-key"
  std::string target;            // "" for kek, tenant id for data-key
  std::string state;             // "running", "done"
  uint64_t done = 0, total = 0;  // items re-wrapped / re-encrypted so far
};

struct VaultOptions {
  std::string db_path;           // e.g. /var/lib/clawhive/vault.db
  std::string key_dir;           // e.g. /var/lib/clawhive/keys
  size_t rotation_batch = 256;   // items per transaction during rotations
  bool check_modes = true;       // refuse KEK files / DB / key dir looser than 0600/0700 or not ours
  bool resume_rotations = true;  // false for read-only users (the delivery helper): never write
  bool create = true;            // false: a missing DB or KEK is an error instead of being created
  bool seal_kek = false;         // new KEK versions sealed with systemd-creds (kek-<n>.cred); either kind loads
};

class Vault {
 public:
  // Opens (creating the DB and KEK version 1 on first use), checks file modes, and finishes any
  // rotation a crash interrupted.
  static Result<std::unique_ptr<Vault>> Open(const VaultOptions& options);
  virtual ~Vault() = default;

  // Stores a new version of a secret. The first version becomes current at once; later ones are
  // "staged" until Promote() (after the agent is healthy on it) or Discard().
  virtual Result<SecretInfo> Put(const std::string& tenant, const std::string& name, SecretValue value) = 0;
  // Makes a staged version current; the previous current becomes "previous" (still decryptable, so a
  // rollback is possible) and older previous versions are retired (ciphertext erased).
  virtual Status Promote(const std::string& tenant, const std::string& name, uint32_t version) = 0;
  // Marks a staged version failed and erases its ciphertext; the current version stays.
  virtual Status Discard(const std::string& tenant, const std::string& name, uint32_t version) = 0;
  // Erases the ciphertext of "previous" versions (after a successful rotation settled).
  virtual Status RetirePrevious(const std::string& tenant, const std::string& name) = 0;
  virtual Status Delete(const std::string& tenant, const std::string& name) = 0;
  virtual Status DeleteTenant(const std::string& tenant) = 0;  // all secrets and data keys

  virtual Result<SecretInfo> Get(const std::string& tenant, const std::string& name) = 0;  // metadata only
  virtual Result<std::vector<SecretInfo>> List(const std::string& tenant) = 0;             // metadata only

  // For the delivery helper: (name, value) of every secret of the tenant at the version to deliver:
  // the staged version where `staged` is true and one exists, else the current one.
  virtual Result<std::vector<std::pair<std::string, SecretValue>>> Deliverable(const std::string& tenant,
                                                                               bool staged) = 0;
  // The current value of a platform secret.
  virtual Result<SecretValue> ProviderKey(const std::string& name) = 0;
  // (name, current value) of every platform secret, for the supervisor's provider-key export to the
  // metering proxy (core/provider_key_export.h); never any tenant's secret.
  virtual Result<std::vector<std::pair<std::string, SecretValue>>> ProviderKeys() = 0;

  // Re-wraps every data key under a new KEK version (online). Returns when done.
  virtual Result<RotationInfo> RotateKek() = 0;
  // Re-encrypts every secret version of a tenant under a new data key. Returns when done.
  virtual Result<RotationInfo> RotateDataKey(const std::string& tenant) = 0;
  virtual Result<std::vector<RotationInfo>> Rotations(size_t limit) = 0;
  virtual uint32_t kek_version() const = 0;
};

}  // namespace clawhive
