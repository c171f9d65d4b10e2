// Helpers shared by the vault's unit tests (header-only; not part of the supervisor library).
#pragma once

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/store/sqlite.h"
#include "supervisor/vault/vault.h"

namespace clawhive::vault_test {

// A private directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "clawhive-vault-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The failure text of a Result or Status ("" when ok).
template <typename R>
std::string Why(const R& r) {
  return r.ok() ? std::string() : r.error().message;
}

template <typename R>
std::optional<ErrorCode> Code(const R& r) {
  return r.ok() ? std::nullopt : std::optional<ErrorCode>(r.error().code);
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline VaultOptions OptionsIn(const TempDir& dir, size_t batch = 256) {
  VaultOptions o;
  o.db_path = dir.File("vault.db");
  o.key_dir = dir.File("keys");
  o.rotation_batch = batch;
  o.check_modes = true;
  return o;
}

inline std::unique_ptr<Vault> MustOpen(const VaultOptions& options) {
  Result<std::unique_ptr<Vault>> v = Vault::Open(options);
  BOOST_REQUIRE_MESSAGE(v.ok(), "Vault::Open failed: " << Why(v));
  return std::move(v).value();
}

inline SecretInfo MustPut(Vault& v, const std::string& tenant, const std::string& name, const std::string& value) {
  Result<SecretInfo> info = v.Put(tenant, name, SecretValue(value));
  BOOST_REQUIRE_MESSAGE(info.ok(), "Put " << tenant << "/" << name << " failed: " << Why(info));
  return std::move(info).value();
}

// Deliverable() as plain strings, for comparisons.
inline std::vector<std::pair<std::string, std::string>> Plain(
    const Result<std::vector<std::pair<std::string, SecretValue>>>& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!r.ok()) return out;
  for (const auto& [name, value] : r.value()) out.emplace_back(name, std::string(value.view()));
  return out;
}

// A raw connection to the vault file, for looking at or tampering with rows behind the vault's back.
inline sqlite::DbHandle RawOpen(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  sqlite::DbHandle db(raw);
  BOOST_REQUIRE_EQUAL(rc, SQLITE_OK);
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

inline void MustExec(sqlite3* db, const std::string& sql) {
  Status s = sqlite::Exec(db, sql);
  BOOST_REQUIRE_MESSAGE(s.ok(), sql << ": " << Why(s));
}

inline int64_t MustInt(sqlite3* db, const std::string& sql) {
  Result<int64_t> v = sqlite::QueryInt64(db, sql);
  BOOST_REQUIRE_MESSAGE(v.ok(), sql << ": " << Why(v));
  return *v;
}

// Column 0 of the first row of `sql` as a BLOB (nullopt for NULL).
inline std::optional<std::string> MustBlob(sqlite3* db, const std::string& sql) {
  Result<sqlite::Statement> stmt = sqlite::Statement::Prepare(db, sql);
  BOOST_REQUIRE_MESSAGE(stmt.ok(), sql << ": " << Why(stmt));
  Result<bool> row = stmt->Step();
  BOOST_REQUIRE_MESSAGE(row.ok() && *row, sql << ": no row " << Why(row));
  if (stmt->IsNull(0)) return std::nullopt;
  return stmt->ColumnBlob(0);
}

// Runs `sql` with ?1 bound to `blob`.
inline void MustExecBlob(sqlite3* db, const std::string& sql, const std::string& blob) {
  Result<sqlite::Statement> stmt = sqlite::Statement::Prepare(db, sql);
  BOOST_REQUIRE_MESSAGE(stmt.ok(), sql << ": " << Why(stmt));
  BOOST_REQUIRE(stmt->BindBlob(1, blob).ok());
  Status s = stmt->Run();
  BOOST_REQUIRE_MESSAGE(s.ok(), sql << ": " << Why(s));
}

inline mode_t ModeOf(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

}  // namespace clawhive::vault_test
