// Helpers shared by the unit tests of everything that keeps an SQLite file (store, vault, identity,
// audit, meter): a private temporary directory, failure text and code of a Result, and a raw connection
// for looking at or tampering with rows behind a component's back. Header-only; not part of the
// supervisor library.
#pragma once

#include <sqlite3.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <utility>

#include "supervisor/common/result.h"
#include "supervisor/common/sqlite.h"
#include "unit/temp_dir.h"

namespace clawhive::sqlite_test {

// A private directory, removed with everything in it (the one all unit tests use).
using TempDir = testing::TempDir;

// The failure text of a Result or Status ("" when ok). Boost evaluates message arguments even when the
// check passes, so error() must not be called unguarded there.
template <typename R>
std::string Why(const R& r) {
  return r.ok() ? std::string() : r.error().message;
}

// The error code of a failed Result or Status; nullopt when it unexpectedly succeeded.
template <typename R>
std::optional<ErrorCode> Code(const R& r) {
  return r.ok() ? std::nullopt : std::optional<ErrorCode>(r.error().code);
}

// A bare connection to `path`, creating the file if missing: no identity check, no migration, no
// symlink refusal (tests use it to make foreign and old files, and to tamper with ours).
inline sqlite::DbHandle RawOpen(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  sqlite::DbHandle db(raw);
  BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, "cannot open " << path << ": " << sqlite3_errstr(rc));
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

// `sql` stepped to its first row (which must exist).
inline sqlite::Statement MustFirstRow(sqlite3* db, const std::string& sql) {
  Result<sqlite::Statement> stmt = sqlite::Statement::Prepare(db, sql);
  BOOST_REQUIRE_MESSAGE(stmt.ok(), sql << ": " << Why(stmt));
  Result<bool> row = stmt->Step();
  BOOST_REQUIRE_MESSAGE(row.ok() && *row, sql << ": no row " << Why(row));
  return std::move(stmt).value();
}

// Column 0 of the first row of `sql` as a BLOB (nullopt for NULL).
inline std::optional<std::string> MustBlob(sqlite3* db, const std::string& sql) {
  sqlite::Statement stmt = MustFirstRow(db, sql);
  if (stmt.IsNull(0)) return std::nullopt;
  return stmt.ColumnBlob(0);
}

// Column 0 of the first row of `sql` as text.
inline std::string MustText(sqlite3* db, const std::string& sql) { return MustFirstRow(db, sql).ColumnText(0); }

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

}  // namespace clawhive::sqlite_test
