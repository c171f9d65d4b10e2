#include "supervisor/store/migrations.h"

#include <iterator>

namespace clawhive::schema {
namespace {

// STRICT tables (SQLite >= 3.37) make the column types binding: a text in an INTEGER column is an
// error, not a silent conversion. Numbers are signed 64-bit in SQLite; the CHECKs keep them within the
// C++ types they are read back into.
constexpr sqlite::Migration kMigrations[] = {
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

static_assert(sqlite::NumberedConsecutively(kMigrations), "migrations must be numbered 1, 2, 3, ... without gaps");

}  // namespace

std::span<const sqlite::Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return std::size(kMigrations) == 0 ? 0 : kMigrations[std::size(kMigrations) - 1].number; }

}  // namespace clawhive::schema
