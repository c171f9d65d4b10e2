// AuditLog: every state change made through the API (and every refused attempt at one), in its own
// SQLite file: who, what, which tenant, when, from which address, and how it ended.
//
// Written by the API's dispatcher, the one place every request passes (supervisor/api/api_server.h),
// never by handlers. Rows are append-only; the oldest are pruned past `keep` rows so the file stays
// bounded on an appliance nobody watches. The file is 0600, WAL, application_id "CHAU".
//
// Thread-safe: one connection behind a mutex (appends are ~50 µs; the API's threads share it).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/common/sqlite.h"

namespace clawhive::audit {

inline constexpr int32_t kAuditApplicationId = 0x43484155;  // "CHAU"

struct AuditEntry {
  int64_t id = 0;        // assigned by Append
  int64_t at_ms = 0;     // unix ms
  std::string actor;     // user name, "token:<name>", or "" when unauthenticated
  std::string role;      // "operator", "tenant-admin", "tenant-viewer", or ""
  std::string tenant;    // the tenant acted on, "" for platform actions
  std::string action;    // "<METHOD> <route pattern>", e.g. "POST /v1/tenants/{id}/restart"
  std::string target;    // the request path as sent (without the query)
  std::string address;   // peer address
  int status = 0;        // HTTP status answered
  std::string result;    // "ok", "denied" (401/403/404 by authorization), "failed" (any other error)
};

struct AuditQuery {
  size_t limit = 100;       // 1..1000
  int64_t before_id = 0;    // > 0: only entries with a smaller id (paging backwards)
  std::string tenant;       // non-empty: only this tenant's entries
};

class AuditLog {
 public:
  // Creates the file (0600) if missing, checks it is ours, applies migrations.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path, int64_t keep = 200000);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  Result<int64_t> Append(const AuditEntry& entry);
  // Newest first.
  Result<std::vector<AuditEntry>> Query(const AuditQuery& query);

 private:
  AuditLog(sqlite::DbHandle db, int64_t keep) : db_(std::move(db)), statements_(db_.get()), keep_(keep) {}
  std::mutex mu_;
  sqlite::DbHandle db_;                // guarded by mu_
  sqlite::StatementCache statements_;  // guarded by mu_; statements of db_
  int64_t keep_;
  int64_t appends_ = 0;  // guarded by mu_
};

// Renderings for export. CSV: RFC 4180 with a header row; a cell starting with = + - @ (or a tab/CR) is
// prefixed with a single quote so a spreadsheet never runs it as a formula.
std::string ToCsv(const std::vector<AuditEntry>& entries);

}  // namespace clawhive::audit
