#include "supervisor/store/migrations.h"

#include <sqlite3.h>

#include <string>

#include "supervisor/store/sqlite.h"

namespace clawhive::schema {
namespace {

// STRICT tables (SQLite >= 3.37) make the column types binding: a text in an INTEGER column is an
// error, not a silent conversion. Numbers are signed 64-bit in SQLite; the CHECKs keep them within the
// C++ types they are read back into.
constexpr Migration kMigrations[] = {
    {1, R"sql(
PRAGMA application_id = 1129072726;

CREATE TABLE tenants (
  id                TEXT NOT NULL PRIMARY KEY,
  display_name      TEXT NOT NULL DEFAULT '',
  memory_high       INTEGER NOT NULL DEFAULT 0   CHECK (memory_high >= 0),        -- bytes, 0 = no limit
  memory_max        INTEGER NOT NULL DEFAULT 0   CHECK (memory_max >= 0),         -- bytes, 0 = no limit
  cpu_weight        INTEGER NOT NULL DEFAULT 100 CHECK (cpu_weight >= 0),
  cpu_quota_percent INTEGER NOT NULL DEFAULT 0   CHECK (cpu_quota_percent >= 0),  -- 0 = unlimited
  tasks_max         INTEGER NOT NULL DEFAULT 0   CHECK (tasks_max >= 0),          -- 0 = unlimited
  agent_exec        TEXT NOT NULL,
  agent_args        TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  agent_env         TEXT NOT NULL DEFAULT '[]',  -- JSON array of [name, value] pairs, in order
  health_path       TEXT NOT NULL DEFAULT '/healthz',
  port              INTEGER NOT NULL UNIQUE CHECK (port BETWEEN 0 AND 65535),
  uid               INTEGER NOT NULL UNIQUE CHECK (uid BETWEEN 0 AND 4294967295),
  desired           TEXT NOT NULL DEFAULT 'running' CHECK (desired IN ('running', 'stopped')),
  quarantined       INTEGER NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1)),
  created_at        INTEGER NOT NULL,  -- unix seconds
  updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE incidents (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  at_ms           INTEGER NOT NULL,  -- unix milliseconds
  cause           TEXT NOT NULL,
  detail          TEXT NOT NULL DEFAULT '',
  action          TEXT NOT NULL DEFAULT '',
  healthy_after_s REAL               -- NULL until the tenant is healthy again
) STRICT;

-- Serves per-tenant listing (newest first; the rowid tie-break comes with the index) and the
-- ON DELETE CASCADE lookup.
CREATE INDEX incidents_by_tenant_time ON incidents (tenant, at_ms);
)sql"},
    // Issue 7: tenants on a real OpenClaw runtime image, its pin, and the tenant's OpenClaw settings.
    {2, R"sql(
ALTER TABLE tenants ADD COLUMN runtime TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN runtime_pinned INTEGER NOT NULL DEFAULT 0 CHECK (runtime_pinned IN (0, 1));
ALTER TABLE tenants ADD COLUMN openclaw TEXT NOT NULL DEFAULT '{}';  -- EncodeOpenClawSettings
-- Fleet updates (supervisor/openclaw/fleet.h): one row per update, its steps as a JSON document.
CREATE TABLE fleet_updates (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL,
  state  TEXT NOT NULL CHECK (state IN ('running', 'done', 'stopped', 'interrupted')),
  doc    TEXT NOT NULL
) STRICT;
)sql"},
};

constexpr bool NumberedConsecutively() {
  int expected = 1;
  for (const Migration& m : kMigrations) {
    if (m.number != expected++) return false;
  }
  return true;
}
static_assert(NumberedConsecutively(), "migrations must be numbered 1, 2, 3, ... without gaps");

Result<int64_t> UserVersion(sqlite3* db) { return sqlite::QueryInt64(db, "PRAGMA user_version"); }

// One migration in its own transaction; a no-op when another connection has applied it meanwhile.
Status ApplyOne(sqlite3* db, const Migration& m) {
  const std::string prefix = "schema migration " + std::to_string(m.number) + " failed: ";
  if (Status s = sqlite::Exec(db, "BEGIN IMMEDIATE"); !s) return Error{s.error().code, prefix + s.error().message};
  auto fail = [&](const Error& e) -> Status {
    // A failed statement may already have rolled back (e.g. disk full); ROLLBACK then just reports that.
    if (!sqlite3_get_autocommit(db)) (void)sqlite::Exec(db, "ROLLBACK");
    return Error{e.code, prefix + e.message};
  };
  Result<int64_t> version = UserVersion(db);
  if (!version) return fail(version.error());
  if (*version >= m.number) return sqlite::Exec(db, "COMMIT");  // someone else got here first
  if (Status s = sqlite::Exec(db, m.sql); !s) return fail(s.error());
  if (Status s = sqlite::Exec(db, "PRAGMA user_version = " + std::to_string(m.number)); !s) return fail(s.error());
  if (Status s = sqlite::Exec(db, "COMMIT"); !s) return fail(s.error());
  return Status::Ok();
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return std::size(kMigrations) == 0 ? 0 : kMigrations[std::size(kMigrations) - 1].number; }

Result<int> ApplyMigrations(sqlite3* db, std::span<const Migration> migrations) {
  int expected = 1;
  for (const Migration& m : migrations) {
    if (m.number != expected++) return Error::Internal("schema migrations are not numbered consecutively");
  }
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

}  // namespace clawhive::schema
