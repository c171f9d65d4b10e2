#include "supervisor/store/sqlite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <sqlite3.h>

#include <climits>

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

Result<DbHandle> OpenOwnedDatabase(const std::string& path, const OwnedDatabase& spec) {
  const std::string where = spec.what + " " + path;
  auto prefixed = [&](const Error& e, const std::string& p) { return Error{e.code, p + e.message}; };
  if (Status s = CreateOwnerOnly(path); !s) return s.error();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOFOLLOW,
                           nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) return ErrorFrom(db.get(), rc, "cannot open " + where);
  if (Status s = Exec(db.get(), "PRAGMA busy_timeout = " + std::to_string(spec.busy_timeout_ms)); !s)
    return prefixed(s.error(), "cannot open " + where + ": ");
  Result<Identity> ident = ReadIdentity(db.get(), where);
  if (!ident) return ident.error();
  const int latest = spec.migrations.empty() ? 0 : spec.migrations.back().number;
  if (!ident->fresh()) {
    if (ident->application_id != spec.application_id)
      return Error::Conflict(where + " is an SQLite database but not a Clawhive " + spec.what + "; refusing to use it");
    if (ident->user_version > latest)
      return Error::Conflict(where + " has schema " + std::to_string(ident->user_version) +
                             ", newer than this program; upgrade it");
  }
  Result<std::string> mode = QueryText(db.get(), "PRAGMA journal_mode = WAL");
  if (!mode || *mode != "wal") return Error::Unavailable("cannot switch " + where + " to WAL mode");
  if (Status s = Exec(db.get(), std::string("PRAGMA synchronous = ") + spec.synchronous); !s)
    return prefixed(s.error(), where + ": ");
  Result<int> version = schema::ApplyMigrations(db.get(), spec.migrations);
  if (!version) return prefixed(version.error(), "cannot migrate " + where + ": ");
  return db;
}

Status InTransaction(sqlite3* db, const std::function<Status()>& body) {
  if (Status s = Exec(db, "BEGIN IMMEDIATE"); !s) return s;
  Status s = body();
  if (s) s = Exec(db, "COMMIT");
  if (!s && sqlite3_get_autocommit(db) == 0) (void)Exec(db, "ROLLBACK");
  return s;
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
  const bool own_txn = sqlite3_get_autocommit(db) != 0;
  if (own_txn) {
    if (Status s = Exec(db, "BEGIN"); !s) return Error{s.error().code, "cannot read " + where + ": " + s.error().message};
  }
  for (const auto& [sql, out] : reads) {
    Result<int64_t> v = QueryInt64(db, sql);
    if (!v) {
      if (own_txn) (void)Exec(db, "ROLLBACK");
      return Error{v.error().code, "cannot read " + where + ": " + v.error().message};
    }
    *out = *v;
  }
  if (own_txn) (void)Exec(db, "COMMIT");
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
