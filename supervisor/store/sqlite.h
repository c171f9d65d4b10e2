// Thin RAII layer over the SQLite3 C API: each C handle is owned once by a std::unique_ptr with a
// stateless deleter, and every failure comes back as an Error carrying sqlite3_errmsg.
//
// The store and the vault use this. Not thread-safe (same rules as the connection it wraps).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/store/migrations.h"

struct sqlite3;
struct sqlite3_stmt;

namespace clawhive::sqlite {

struct CloseDb {
  void operator()(sqlite3* db) const noexcept;  // sqlite3_close_v2
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* stmt) const noexcept;  // sqlite3_finalize
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

// An Error for SQLite result code `rc` (extended codes welcome): "<context>: <sqlite3_errmsg(db)>".
// Busy/locked/I/O/full -> kUnavailable, constraint -> kConflict, too big -> kTooLarge, else kInternal.
Error ErrorFrom(sqlite3* db, int rc, std::string_view context);

// Runs one or more statements that return no rows we care about (sqlite3_exec).
Status Exec(sqlite3* db, std::string_view sql);

// Opens one of our own database files: created 0600 if missing (CreateOwnerOnly), no symlinks, checked to
// be ours by PRAGMA application_id (or fresh), refused when its schema is newer than `migrations`, WAL
// with the given synchronous level, migrated. `what` names the file in messages ("audit log").
struct OwnedDatabase {
  std::string what;
  int32_t application_id = 0;
  std::span<const schema::Migration> migrations;
  const char* synchronous = "NORMAL";  // NORMAL or FULL
  int busy_timeout_ms = 5000;
};
Result<DbHandle> OpenOwnedDatabase(const std::string& path, const OwnedDatabase& spec);

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when `body` (or the commit) fails. Does not
// nest: the connection must not be inside a transaction.
Status InTransaction(sqlite3* db, const std::function<Status()>& body);

// A prepared statement. Bind indexes are 1-based, column indexes 0-based (as in SQLite).
class Statement {
 public:
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  Status BindInt64(int index, int64_t value);
  Status BindDouble(int index, double value);
  Status BindText(int index, std::string_view value);  // copied; may contain any bytes
  Status BindNull(int index);
  Status BindBlob(int index, std::string_view bytes);  // copied; an empty view binds a zero-length BLOB

  // Advances: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps to completion, ignoring any rows (for INSERT/UPDATE/DELETE).
  Status Run();
  // Back to the start with the bindings kept (sqlite3_reset).
  void Reset();

  bool IsNull(int column) const;
  int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;  // "" for NULL
  std::string ColumnBlob(int column) const;  // the bytes as stored; "" for NULL (check IsNull)

  sqlite3* db() const { return db_; }

 private:
  Statement(sqlite3* db, StmtHandle stmt) : db_(db), stmt_(std::move(stmt)) {}
  sqlite3* db_;
  StmtHandle stmt_;
};

// Prepared statements kept for reuse on one connection (preparing costs more than running a small
// statement). Get() lends the statement (bindings are kept: bind every parameter) until the borrow ends;
// the cache must outlive it. `sql` is the key by address: pass string literals. Not thread-safe (like the
// connection it belongs to).
// A statement borrowed from the cache; reset when the borrow ends, so a half-read SELECT never keeps
// its read transaction (and snapshot) open past its use.
class CachedStatement {
 public:
  explicit CachedStatement(Statement* s) : s_(s) {}
  CachedStatement(CachedStatement&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  CachedStatement& operator=(CachedStatement&&) = delete;
  ~CachedStatement() {
    if (s_ != nullptr) s_->Reset();
  }
  Statement* operator->() const { return s_; }
  Statement& operator*() const { return *s_; }

 private:
  Statement* s_;
};

class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  Result<CachedStatement> Get(const char* sql);

 private:
  sqlite3* db_;
  std::vector<std::pair<const char*, std::unique_ptr<Statement>>> entries_;
};


// Runs `sql` and returns column 0 of its first row (no row at all is kInternal). For PRAGMAs and counts.
Result<int64_t> QueryInt64(sqlite3* db, std::string_view sql);
Result<std::string> QueryText(sqlite3* db, std::string_view sql);

// What a database file says about itself, read without changing it. `where` names it in errors.
struct Identity {
  int64_t application_id = 0;
  int64_t user_version = 0;
  int64_t objects = 0;  // rows of sqlite_schema
  bool fresh() const { return application_id == 0 && user_version == 0 && objects == 0; }
};
Result<Identity> ReadIdentity(sqlite3* db, const std::string& where);

// Creates `path` owner-only (0600, whatever the umask) before SQLite opens it: SQLite would create it
// 0644 minus the umask, and the -wal/-shm files it adds later copy the database file's mode. An existing
// file is left as it is (callers check modes where they must). Symlinks are refused. When root makes
// the file in a directory owned by another user, the file goes to that directory's owner and group
// before anyone opens it (SQLite then gives root-made -wal/-shm files the same owner).
Status CreateOwnerOnly(const std::string& path);

// Binds parameters ?1, ?2, ... in order, keeping the first failure:
//   Binder(stmt).Text(id).Int(port).status()
class Binder {
 public:
  explicit Binder(Statement& stmt) : stmt_(stmt) {}
  Binder& Int(int64_t v) { return Add(stmt_.BindInt64(next_, v)); }
  Binder& Text(std::string_view v) { return Add(stmt_.BindText(next_, v)); }
  Binder& Blob(std::string_view v) { return Add(stmt_.BindBlob(next_, v)); }
  Status status() const { return status_; }

 private:
  Binder& Add(Status s) {
    if (status_ && !s) status_ = std::move(s);
    ++next_;
    return *this;
  }
  Statement& stmt_;
  int next_ = 1;
  Status status_;
};

}  // namespace clawhive::sqlite
