#include "supervisor/audit/audit_log.h"

#include <sqlite3.h>

namespace clawhive::audit {

namespace {

constexpr int64_t kPruneEvery = 1000;  // appends between prunes

// The audit log's schema (append-only rows; the index serves per-tenant paging).
constexpr sqlite::Migration kMigrations[] = {
    {1, R"sql(
PRAGMA application_id = 1128808789;
CREATE TABLE entries (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms   INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  role    TEXT NOT NULL,
  tenant  TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  address TEXT NOT NULL,
  status  INTEGER NOT NULL,
  result  TEXT NOT NULL
) STRICT;
CREATE INDEX entries_by_tenant ON entries (tenant, id);
)sql"},
};

std::string CsvCell(const std::string& s) {
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    v.insert(v.begin(), '\'');
  bool quote = v.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, int64_t keep) {
  if (keep < 1) return Error::Invalid("audit log must keep at least one entry");
  // NORMAL in WAL: an entry survives a crash of the supervisor; a power cut may lose the last ones.
  Result<sqlite::DbHandle> db = sqlite::OpenDatabase(
      path, {.what = "audit log", .application_id = kAuditApplicationId, .migrations = kMigrations, .synchronous = "NORMAL"});
  if (!db) return db.error();
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(*db), keep));
}

AuditLog::~AuditLog() = default;

Result<int64_t> AuditLog::Append(const AuditEntry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = statements_.Get(
      "INSERT INTO entries (at_ms, actor, role, tenant, action, target, address, status, result) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!st) return st.error();
  Status s = sqlite::Binder(**st).Int(e.at_ms).Text(e.actor).Text(e.role).Text(e.tenant).Text(e.action).Text(e.target)
                 .Text(e.address).Int(e.status).Text(e.result).status();
  if (!s) return s.error();
  if (Status r = (*st)->Run(); !r) return r.error();
  int64_t id = sqlite3_last_insert_rowid(db_.get());
  if (++appends_ % kPruneEvery == 0) {
    Result<sqlite::CachedStatement> prune = statements_.Get("DELETE FROM entries WHERE id <= ?1");
    if (prune && (*prune)->BindInt64(1, id - keep_)) (void)(*prune)->Run();
  }
  return id;
}

Result<std::vector<AuditEntry>> AuditLog::Query(const AuditQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return Error::Invalid("limit must be between 1 and 1000");
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT id, at_ms, actor, role, tenant, action, target, address, status, result FROM entries "
      "WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR tenant = ?2) ORDER BY id DESC LIMIT ?3");
  if (!st) return st.error();
  if (Status s = sqlite::Binder(**st).Int(q.before_id).Text(q.tenant).Int(static_cast<int64_t>(q.limit)).status(); !s)
    return s.error();
  std::vector<AuditEntry> out;
  Status read = (*st)->ForEachRow([&](const sqlite::Statement& r) {
    out.push_back({r.ColumnInt64(0), r.ColumnInt64(1), r.ColumnText(2), r.ColumnText(3), r.ColumnText(4), r.ColumnText(5),
                   r.ColumnText(6), r.ColumnText(7), static_cast<int>(r.ColumnInt64(8)), r.ColumnText(9)});
  });
  if (!read) return read.error();
  return out;
}

std::string ToCsv(const std::vector<AuditEntry>& entries) {
  std::string out = "id,time_ms,actor,role,tenant,action,target,address,status,result\r\n";
  for (const AuditEntry& e : entries) {
    out += std::to_string(e.id) + "," + std::to_string(e.at_ms) + "," + CsvCell(e.actor) + "," + CsvCell(e.role) +
           "," + CsvCell(e.tenant) + "," + CsvCell(e.action) + "," + CsvCell(e.target) + "," + CsvCell(e.address) +
           "," + std::to_string(e.status) + "," + CsvCell(e.result) + "\r\n";
  }
  return out;
}

}  // namespace clawhive::audit
