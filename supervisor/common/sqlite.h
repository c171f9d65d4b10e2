// The appliance's one SQLite layer: RAII handles, one opener for our database files, one transaction
// object, prepared statements and a statement cache, numbered migrations. The store, the vault, the
// identity store, the audit log and the meter ledger all use it.
//
// Each C handle is owned once by a std::unique_ptr with a stateless deleter, and every failure comes
// back as an Error carrying sqlite3_errmsg. Not thread-safe (same rules as the connection it wraps).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"

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

// ---- schema migrations ----------------------------------------------------------------------------
// A database's schema is a fixed list numbered 1, 2, 3, ... without gaps; a migration, once released, is
// never edited, only followed by a new one. The applied number is kept in PRAGMA user_version; migration
// 1 of each database also sets its PRAGMA application_id.
struct Migration {
  int number;
  const char* sql;  // one or more statements
};

// For a static_assert next to each list.
constexpr bool NumberedConsecutively(std::span<const Migration> migrations) {
  int expected = 1;
  for (const Migration& m : migrations) {
    if (m.number != expected++) return false;
  }
  return true;
}

// Applies every migration numbered above the database's current PRAGMA user_version, each inside its
// own BEGIN IMMEDIATE transaction together with the user_version bump (re-reading the version under the
// lock, so a concurrent opener that already migrated is not repeated; a failure leaves the previous
// version intact). Returns the resulting version. The connection must not be inside a transaction.
Result<int> ApplyMigrations(sqlite3* db, std::span<const Migration> migrations);

// ---- opening --------------------------------------------------------------------------------------

enum class OpenMode {
  kCreate,     // a missing file is created 0600 (CreateOwnerOnly) and becomes a new database
  kReadWrite,  // the file must exist and be initialised (kNotFound otherwise); pending migrations run
  kReadOnly,   // as kReadWrite, but nothing is written: no migration, no journal-mode switch, and a
               // schema other than the latest is kUnavailable (the owner migrates it)
};

// What OpenDatabase needs to know about one kind of database file.
struct DatabaseSpec {
  std::string what;  // names the file in messages: "vault database"
  int32_t application_id = 0;
  std::span<const Migration> migrations;
  OpenMode mode = OpenMode::kCreate;
  const char* synchronous = "NORMAL";  // NORMAL or FULL
  int busy_timeout_ms = 5000;
  const char* settings = nullptr;  // further connection PRAGMAs: "PRAGMA foreign_keys = ON"
  bool owner_only = false;         // the file and its -wal/-shm must be ours and not open to group/other
  bool quick_check = false;        // an existing file is checked for damage (PRAGMA quick_check)
};

// Opens one of our own database files: symlinks refused (kConflict, naming the path), checked to be ours
// by PRAGMA application_id (or fresh), refused when its schema is newer than `spec.migrations`, busy
// timeout, WAL with the given synchronous level, migrated. ":memory:" opens a private in-memory database
// (kCreate only; no WAL).
Result<DbHandle> OpenDatabase(const std::string& path, const DatabaseSpec& spec);

// A bare connection: read-write, symlinks refused, extended result codes, busy timeout; nothing is
// checked or changed in the file. For a second connection to a file OpenDatabase has opened (the
// meter's checkpointer) and for tests that look behind a component's back.
Result<DbHandle> Connect(const std::string& path, int busy_timeout_ms = 5000);

// The file and, where they exist, its -wal and -shm files are regular files owned by this process's
// user with no group/other permission bits. kUnavailable naming the path and its mode otherwise.
Status CheckOwnerOnlyFiles(const std::string& path, const std::string& what);

// ---- transactions ---------------------------------------------------------------------------------

enum class TxLock {
  kDeferred,   // BEGIN: a read snapshot from the first read (a reader's consistent view)
  kImmediate,  // BEGIN IMMEDIATE: the write lock now, so the transaction's reads see what it writes over
};

// An open transaction, rolled back when destroyed unless commit() succeeded. Transactions do not nest:
// Begin() on a connection already inside one is kConflict. Must not outlive its connection.
class Transaction {
 public:
  static Result<Transaction> Begin(sqlite3* db, TxLock lock = TxLock::kImmediate);
  Transaction(Transaction&& other) noexcept : db_(other.db_), done_(other.done_) { other.done_ = true; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  // On failure the transaction stays open: commit() may be retried, and the destructor rolls back. After
  // SQLite itself rolled back (an I/O error) it is kUnavailable.
  Status commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  bool done_ = false;
};

// Runs `body` inside a Transaction; commits when it succeeds, rolls back when it (or the commit) fails.
Status InTransaction(sqlite3* db, const std::function<Status()>& body, TxLock lock = TxLock::kImmediate);

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
  // Run(), then `if_unchanged` when the statement changed no row (sqlite3_changes64): "no such user".
  Status RunChanging(Error if_unchanged);
  // Steps through the remaining rows, calling on_row(const Statement&) for each to read its columns.
  // Stops at the first failure: of a step, or an Error from on_row when it returns a Status.
  template <typename F>
  Status ForEachRow(F&& on_row);
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

// A statement borrowed from a StatementCache; reset when the borrow ends, so a half-read SELECT never
// keeps its read transaction (and snapshot) open past its use.
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

template <typename F>
Status Statement::ForEachRow(F&& on_row) {
  for (;;) {
    Result<bool> row = Step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
    const Statement& current = *this;
    if constexpr (std::is_same_v<std::invoke_result_t<F&, const Statement&>, Status>) {
      if (Status s = on_row(current); !s) return s;
    } else {
      on_row(current);
    }
  }
}

// Prepared statements kept for reuse on one connection (preparing costs more than running a small
// statement). Get() lends the statement (bindings are kept: bind every parameter) until the borrow ends;
// the cache must outlive it, and be destroyed before its connection closes (declare it after the
// DbHandle). `sql` is the key by address: pass string literals or strings that live as long as the
// cache. Not thread-safe (like the connection it belongs to).
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  Result<CachedStatement> Get(const char* sql);
  size_t size() const { return entries_.size(); }  // statements prepared so far

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
