#include "supervisor/common/sqlite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <optional>
#include <system_error>

#include <sqlite3.h>

#include "supervisor/common/unique_fd.h"

namespace clawhive::sqlite {

void CloseDb::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
void FinalizeStmt::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

Error ErrorFrom(sqlite3* db, int rc, std::string_view context) {
  // sqlite3_errmsg describes the connection's most recent failure; without a connection (open ran out
  // of memory) only the generic text for the code is available.
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
      return Error::Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return Error::Conflict(std::move(message));
    case SQLITE_TOOBIG:
      return {ErrorCode::kTooLarge, std::move(message)};
    default:
      return Error::Internal(std::move(message));
  }
}

Status Exec(sqlite3* db, std::string_view sql) {
  // sqlite3_exec needs a NUL-terminated string.
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // the same text is still available from sqlite3_errmsg
  if (rc != SQLITE_OK) return ErrorFrom(db, rc, "sqlite");
  return Status::Ok();
}

Result<CachedStatement> StatementCache::Get(const char* sql) {
  for (auto& [key, stmt] : entries_) {
    if (key != sql) continue;
    stmt->Reset();
    return CachedStatement(stmt.get());
  }
  Result<Statement> fresh = Statement::Prepare(db_, sql);
  if (!fresh) return fresh.error();
  entries_.emplace_back(sql, std::make_unique<Statement>(std::move(*fresh)));
  return CachedStatement(entries_.back().second.get());
}

namespace {

Error Prefixed(const Error& e, const std::string& prefix) { return {e.code, prefix + e.message}; }

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Is the file ours, or new and empty? Only reads.
Status CheckIdentity(sqlite3* db, const std::string& where, const DatabaseSpec& spec, int latest, bool* fresh) {
  Result<Identity> ident = ReadIdentity(db, where);
  if (!ident) return ident.error();
  *fresh = ident->fresh();
  if (*fresh) return Status::Ok();
  if (ident->application_id != spec.application_id)
    return Error::Conflict(where + " is an SQLite database but not a Clawhive " + spec.what + "; refusing to use it");
  if (ident->user_version > latest)
    return Error::Conflict(where + " has schema " + std::to_string(ident->user_version) + ", newer than this program (" +
                           std::to_string(latest) + "); upgrade Clawhive");
  if (ident->user_version < 0)
    return Error::Internal(where + " has an invalid schema version " + std::to_string(ident->user_version));
  if (!spec.quick_check) return Status::Ok();
  // Find damage now, with a clear message, rather than in the middle of some later write.
  Result<std::string> check = QueryText(db, "PRAGMA quick_check(1)");
  if (!check) return Prefixed(check.error(), where + " is damaged: ");
  if (*check != "ok") {
    std::string detail = *check;  // SQLite's report spans lines; an error message should not
    for (char& c : detail) c = (c == '\n' || c == '\r') ? ' ' : c;
    return Error::Internal(where + " is damaged (" + detail + "); restore it from a backup or move it aside");
  }
  return Status::Ok();
}

Result<DbHandle> ConnectTo(const std::string& path, const std::string& where, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  // No SQLITE_OPEN_URI: the path is a plain file name. NOMUTEX: callers serialise use of a connection.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOFOLLOW,
                           nullptr);
  DbHandle db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) return ErrorFrom(db.get(), rc, "cannot open " + where);
  if (Status s = Exec(db.get(), "PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms)); !s)
    return Prefixed(s.error(), "cannot open " + where + ": ");
  return db;
}

}  // namespace

Result<DbHandle> Connect(const std::string& path, int busy_timeout_ms) {
  return ConnectTo(path, "database " + path, busy_timeout_ms);
}

Status CheckOwnerOnlyFiles(const std::string& path, const std::string& what) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path + suffix;
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0) {
      if (errno == ENOENT && *suffix != '\0') continue;  // side files come and go with connections
      return Error::Unavailable("cannot stat " + what + " " + file + ": " + ErrnoText(errno));
    }
    if (!S_ISREG(st.st_mode)) return Error::Conflict(what + " " + file + " is not a regular file; refusing to use it");
    if (st.st_uid != ::geteuid())
      return Error::Unavailable(what + " " + file + " is owned by uid " + std::to_string(st.st_uid) +
                                ", not by this process's uid " + std::to_string(::geteuid()) + "; refusing to use it");
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return Error::Unavailable(what + " " + file + " has mode " + mode +
                                ", open to group or others; it must be 0600 (chmod 0600 " + file + ")");
    }
  }
  return Status::Ok();
}

Result<DbHandle> OpenDatabase(const std::string& path, const DatabaseSpec& spec) {
  if (path.empty()) return Error::Invalid(spec.what + " path is empty");
  const bool in_memory = path == ":memory:";
  const std::string where = spec.what + " " + path;
  if (in_memory && spec.mode != OpenMode::kCreate) return Error::Invalid(where + ": only kCreate works in memory");
  if (!in_memory) {
    // Said here in words; SQLITE_OPEN_NOFOLLOW alone only reports "unable to open database file".
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      return Error::Conflict(where + " is a symbolic link; refusing to use it");
    if (spec.mode == OpenMode::kCreate) {
      if (Status s = CreateOwnerOnly(path); !s) return s.error();
    } else if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
      return Error::NotFound(where + " does not exist");
    }
    if (spec.owner_only) {
      if (Status s = CheckOwnerOnlyFiles(path, spec.what); !s) return s.error();
    }
  }
  Result<DbHandle> db = ConnectTo(path, where, spec.busy_timeout_ms);
  if (!db) return db.error();
  if (spec.settings != nullptr) {
    if (Status s = Exec(db->get(), spec.settings); !s) return Prefixed(s.error(), "cannot open " + where + ": ");
  }
  const int latest = spec.migrations.empty() ? 0 : spec.migrations.back().number;
  bool fresh = false;
  if (Status s = CheckIdentity(db->get(), where, spec, latest, &fresh); !s) return s.error();
  if (fresh && spec.mode != OpenMode::kCreate) return Error::NotFound(where + " is empty: it was never created");
  if (spec.mode == OpenMode::kReadOnly) {
    // A reader leaves schema changes (and the journal mode) to the owner.
    Result<int64_t> version = QueryInt64(db->get(), "PRAGMA user_version");
    if (!version) return Prefixed(version.error(), "cannot read " + where + ": ");
    if (*version != latest)
      return Error::Unavailable(where + " has schema " + std::to_string(*version) + ", not " + std::to_string(latest) +
                                "; its owner migrates it when it starts");
  } else if (!in_memory) {
    Result<std::string> mode = QueryText(db->get(), "PRAGMA journal_mode = WAL");
    if (!mode) return Prefixed(mode.error(), "cannot switch " + where + " to WAL mode: ");
    if (*mode != "wal")
      return Error::Unavailable("cannot switch " + where + " to WAL mode (journal mode stays '" + *mode + "')");
  }
  if (Status s = Exec(db->get(), std::string("PRAGMA synchronous = ") + spec.synchronous); !s)
    return Prefixed(s.error(), "cannot open " + where + ": ");
  if (spec.mode == OpenMode::kReadOnly) return db;
  Result<int> version = ApplyMigrations(db->get(), spec.migrations);
  if (!version) return Prefixed(version.error(), "cannot migrate " + where + ": ");
  if (*version != latest)  // a newer program migrated it meanwhile
    return Error::Conflict(where + " has schema " + std::to_string(*version) + ", newer than this program (" +
                           std::to_string(latest) + "); upgrade Clawhive");
  return db;
}

// ---- migrations --------------------------------------------------------------------------------------

namespace {

Result<int64_t> UserVersion(sqlite3* db) { return QueryInt64(db, "PRAGMA user_version"); }

// One migration in its own transaction; a no-op when another connection has applied it meanwhile.
Status ApplyOne(sqlite3* db, const Migration& m) {
  const std::string prefix = "schema migration " + std::to_string(m.number) + " failed: ";
  Result<Transaction> tx = Transaction::Begin(db);
  if (!tx) return Prefixed(tx.error(), prefix);
  Result<int64_t> version = UserVersion(db);
  if (!version) return Prefixed(version.error(), prefix);
  if (*version >= m.number) return tx->commit();  // someone else got here first
  if (Status s = Exec(db, m.sql); !s) return Prefixed(s.error(), prefix);
  if (Status s = Exec(db, "PRAGMA user_version = " + std::to_string(m.number)); !s) return Prefixed(s.error(), prefix);
  if (Status s = tx->commit(); !s) return Prefixed(s.error(), prefix);
  return Status::Ok();
}

}  // namespace

Result<int> ApplyMigrations(sqlite3* db, std::span<const Migration> migrations) {
  if (!NumberedConsecutively(migrations)) return Error::Internal("schema migrations are not numbered consecutively");
  Result<int64_t> current = UserVersion(db);
  if (!current) return current.error();
  for (const Migration& m : migrations) {
    if (m.number <= *current) continue;
    if (Status s = ApplyOne(db, m); !s) return s.error();
  }
  Result<int64_t> final_version = UserVersion(db);
  if (!final_version) return final_version.error();
  return static_cast<int>(*final_version);
}

// ---- transactions ------------------------------------------------------------------------------------

Result<Transaction> Transaction::Begin(sqlite3* db, TxLock lock) {
  if (sqlite3_get_autocommit(db) == 0) return Error::Conflict("a transaction is already open (transactions do not nest)");
  if (Status s = Exec(db, lock == TxLock::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"); !s)
    return Prefixed(s.error(), "cannot begin: ");
  return Transaction(db);
}

Transaction::~Transaction() {
  // SQLite itself may already have rolled back after an I/O error; ROLLBACK would then only fail.
  if (!done_ && sqlite3_get_autocommit(db_) == 0) (void)Exec(db_, "ROLLBACK");
}

Status Transaction::commit() {
  if (done_) return Error::Internal("transaction already committed or moved from");
  if (sqlite3_get_autocommit(db_) != 0) {
    done_ = true;
    return Error::Unavailable("cannot commit: the database rolled the transaction back after an earlier error");
  }
  if (Status s = Exec(db_, "COMMIT"); !s) return s;
  done_ = true;
  return Status::Ok();
}

Status InTransaction(sqlite3* db, const std::function<Status()>& body, TxLock lock) {
  Result<Transaction> tx = Transaction::Begin(db, lock);
  if (!tx) return tx.error();
  if (Status s = body(); !s) return s;
  return tx->commit();
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  if (sql.size() > static_cast<size_t>(INT_MAX)) return Error::Internal("sqlite: statement too long");
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), 0, &raw, nullptr);
  StmtHandle stmt(raw);
  if (rc != SQLITE_OK) return ErrorFrom(db, rc, "sqlite: prepare");
  if (!stmt) return Error::Internal("sqlite: prepare: empty statement");
  return Statement(db, std::move(stmt));
}

Status Statement::BindInt64(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "sqlite: bind");
  return Status::Ok();
}

Status Statement::BindDouble(int index, double value) {
  int rc = sqlite3_bind_double(stmt_.get(), index, value);
  if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "sqlite: bind");
  return Status::Ok();
}

Status Statement::BindText(int index, std::string_view value) {
  // data() of an empty view may be null, which SQLite would bind as NULL rather than ''.
  const char* data = value.empty() ? "" : value.data();
  int rc = sqlite3_bind_text64(stmt_.get(), index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "sqlite: bind");
  return Status::Ok();
}

Status Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "sqlite: bind");
  return Status::Ok();
}

Status Statement::BindBlob(int index, std::string_view bytes) {
  // As in BindText: a null data() would bind NULL instead of an empty BLOB.
  const char* data = bytes.empty() ? "" : bytes.data();
  int rc = sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "sqlite: bind");
  return Status::Ok();
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorFrom(db_, rc, "sqlite");  // the next Step() resets the statement by itself
}

Status Statement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row) return row.error();
    if (!*row) return Status::Ok();
  }
}

Status Statement::RunChanging(Error if_unchanged) {
  if (Status s = Run(); !s) return s;
  if (sqlite3_changes64(db_) == 0) return if_unchanged;
  return Status::Ok();
}

void Statement::Reset() { sqlite3_reset(stmt_.get()); }

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

int64_t Statement::ColumnInt64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_.get(), column); }

std::string Statement::ColumnText(int column) const {
  // Text first, then its length (the documented order; bytes may change the representation).
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  if (text == nullptr || size <= 0) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::ColumnBlob(int column) const {
  // Blob first, then its length (as for text).
  const void* blob = sqlite3_column_blob(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  if (blob == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(blob), static_cast<size_t>(size));
}

namespace {

Result<Statement> FirstRow(sqlite3* db, std::string_view sql) {
  Result<Statement> stmt = Statement::Prepare(db, sql);
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return Error::Internal("sqlite: '" + std::string(sql) + "' returned no row");
  return stmt;
}

}  // namespace

Result<int64_t> QueryInt64(sqlite3* db, std::string_view sql) {
  Result<Statement> stmt = FirstRow(db, sql);
  if (!stmt) return stmt.error();
  return stmt->ColumnInt64(0);
}

Result<std::string> QueryText(sqlite3* db, std::string_view sql) {
  Result<Statement> stmt = FirstRow(db, sql);
  if (!stmt) return stmt.error();
  return stmt->ColumnText(0);
}

Result<Identity> ReadIdentity(sqlite3* db, const std::string& where) {
  Identity id;
  const std::pair<const char*, int64_t*> reads[] = {{"PRAGMA application_id", &id.application_id},
                                                    {"PRAGMA user_version", &id.user_version},
                                                    {"SELECT count(*) FROM sqlite_schema", &id.objects}};
  // One read transaction, so the three come from one snapshot: two processes open a fresh file at once
  // (the supervisor and the proxy share the meter database), and reads split around the other's first
  // migration saw "user_version 1, application_id 0" and refused a database that was ours.
  std::optional<Transaction> tx;
  if (sqlite3_get_autocommit(db) != 0) {
    Result<Transaction> begun = Transaction::Begin(db, TxLock::kDeferred);
    if (!begun) return Prefixed(begun.error(), "cannot read " + where + ": ");
    tx.emplace(std::move(*begun));
  }
  for (const auto& [sql, out] : reads) {
    Result<int64_t> v = QueryInt64(db, sql);
    if (!v) return Prefixed(v.error(), "cannot read " + where + ": ");
    *out = *v;
  }
  if (tx) (void)tx->commit();  // a read: nothing to lose when ending it fails
  return id;
}

Status CreateOwnerOnly(const std::string& path) {
  auto os_error = [&](const std::string& what, int err) {
    return Error::Unavailable(what + " " + path + ": " + std::error_code(err, std::generic_category()).message());
  };
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();
    return os_error("cannot create database file", errno);
  }
  UniqueFd file(fd);
  if (::fchmod(fd, 0600) != 0) return os_error("cannot set mode 0600 on", errno);
  // Root making a file in a directory another user owns (the meter database in clawhive-proxy's
  // directory): the file is that user's, or its owner could not open it. SQLite then gives the -wal and
  // -shm files it makes as root the database file's owner.
  if (::geteuid() == 0) {
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return os_error("cannot stat the directory of", errno);
    if (st.st_uid != 0 && ::fchown(fd, st.st_uid, st.st_gid) != 0) {
      int err = errno;
      ::unlink(path.c_str());  // not left behind as root's: the next attempt makes it again
      return os_error("cannot give the directory's owner", err);
    }
  }
  return Status::Ok();
}

}  // namespace clawhive::sqlite
