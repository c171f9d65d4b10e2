// SqliteVault: the Vault on one SQLite file (vault_db.h) plus KEK files in a key directory (key_file.h).
//
// Rotation protocol (crash-safe because every row names the key that encrypts it):
//   KEK:      keks row reserving version k+1 (commit) -> KEK file written durably -> job row (commit)
//             -> data keys re-wrapped in transactions of `rotation_batch` rows (each row's kek_version
//             says which KEK wraps it) -> current KEK version and job state 'done' (one commit) -> KEK
//             files of recorded versions no row references any more are deleted.
//   data key: new data key row + job row (one commit) -> the tenant's secret versions that still have
//             ciphertext re-encrypted in batches (each row's dk_version says which data key) -> old data
//             keys no ciphertext references deleted, job 'done' (one commit).
// A row that cannot be decrypted (damaged) is skipped, not lost: it stays under its old key, which is
// therefore kept; the rotation finishes for everything else and reports the skipped rows.
//
// Not thread-safe (see vault.h). Several processes may open the same vault: writes serialize on
// SQLite's write lock, each batch re-reads its rows under that lock, and reads run in one snapshot.
// Opened with resume_rotations = false (the delivery helper) it writes nothing: no resume, no cleanup,
// no migration, and every changing method fails with kConflict.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/common/sqlite.h"
#include "supervisor/vault/crypto.h"
#include "supervisor/vault/vault.h"

namespace clawhive::vault {

class SqliteVault final : public Vault {
 public:
  static Result<std::unique_ptr<Vault>> Open(const VaultOptions& options);
  ~SqliteVault() override;

  Result<SecretInfo> Put(const std::string& tenant, const std::string& name, SecretValue value) override;
  Status Promote(const std::string& tenant, const std::string& name, uint32_t version) override;
  Status Discard(const std::string& tenant, const std::string& name, uint32_t version) override;
  Status RetirePrevious(const std::string& tenant, const std::string& name) override;
  Status Delete(const std::string& tenant, const std::string& name) override;
  Status DeleteTenant(const std::string& tenant) override;
  Result<SecretInfo> Get(const std::string& tenant, const std::string& name) override;
  Result<std::vector<SecretInfo>> List(const std::string& tenant) override;
  Result<std::vector<std::pair<std::string, SecretValue>>> Deliverable(const std::string& tenant,
                                                                       bool staged) override;
  Result<SecretValue> ProviderKey(const std::string& name) override;
  Result<std::vector<std::pair<std::string, SecretValue>>> ProviderKeys() override;
  Result<RotationInfo> RotateKek() override;
  Result<RotationInfo> RotateDataKey(const std::string& tenant) override;
  Result<std::vector<RotationInfo>> Rotations(size_t limit) override;
  uint32_t kek_version() const override { return kek_version_; }

 private:
  using Tx = sqlite::Transaction;
  using Query = sqlite::CachedStatement;
  // Unwrapped data keys of one call, by (tenant, data-key version); wiped when the call returns.
  using DataKeyCache = std::map<std::pair<std::string, uint32_t>, Key>;
  // Outcome of running a rotation job: rows that could not be processed (damaged) and why.
  struct JobOutcome {
    uint64_t skipped = 0;
    std::string first_problem;
    // Counts a damaged item (a data error) as skipped; any other error (the disk went away, say) is
    // returned, which stops the job for a later resume.
    Status Skip(const Error& e);
    void Add(const JobOutcome& other);
  };
  // What one batch of a rotation job did: rows its cursor read (0: the job is through), rows it moved.
  struct Batch {
    size_t read = 0;
    uint64_t moved = 0;
  };

  SqliteVault(VaultOptions options, sqlite::DbHandle db);

  Status Writable() const;  // refuses changes when opened with resume_rotations = false
  Status CheckChange(const std::string& tenant, const std::string& name) const;  // Writable, scope, name
  Status RequireStaged(const std::string& tenant, const std::string& name, uint32_t version, const char* verb);
  Result<Tx> Begin(bool write);

  Status Bootstrap();
  Result<uint32_t> StoredKekVersion();
  Result<const Key*> Kek(uint32_t version);
  Result<const Key*> DataKey(const std::string& tenant, uint32_t version, DataKeyCache& cache);
  Result<Key> UnwrapDataKey(const std::string& tenant, uint32_t version, uint32_t kek_version,
                            const std::string& wrapped);
  Result<std::pair<uint32_t, const Key*>> NewestDataKey(const std::string& tenant, DataKeyCache& cache);
  Result<SecretValue> DecryptRow(const std::string& tenant, const std::string& name, uint32_t version,
                                 const sqlite::Statement& row, int first_column, DataKeyCache& cache);
  Result<std::vector<std::pair<std::string, SecretValue>>> DeliverableOnce(const std::string& tenant, bool staged);
  Result<SecretValue> ProviderKeyOnce(const std::string& name);
  Result<std::optional<SecretInfo>> ReadInfo(const std::string& tenant, const std::string& name);

  Result<JobOutcome> ResumeJobs();
  Status RunBatches(int64_t id, const std::function<Result<Batch>()>& batch);
  int64_t BatchLimit() const;
  Status MarkJobDone(int64_t id);
  Result<JobOutcome> RunKekJob(int64_t id, uint32_t to);
  Result<JobOutcome> RunDataKeyJob(int64_t id, const std::string& tenant, uint32_t to);
  Result<RotationInfo> Rotation(int64_t id);
  Result<RotationInfo> Finished(int64_t id, const JobOutcome& outcome);
  Status RemoveUnusedKeks();

  VaultOptions options_;
  sqlite::DbHandle db_;
  uint32_t kek_version_ = 0;
  std::map<uint32_t, Key> keks_;  // loaded and verified KEKs
  // Declared after db_: the statements are finalized before the connection closes (close_v2 would
  // otherwise keep it alive as a zombie).
  sqlite::StatementCache statements_;
};

}  // namespace clawhive::vault
