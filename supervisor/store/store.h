// Store: the supervisor's durable state in one SQLite file (WAL mode) under the state dir.
//
// Schema changes are numbered migrations applied in order at Open(); the applied number is kept in
// PRAGMA user_version. Writes that belong together go through a Transaction, which rolls back unless
// commit() is called. Not thread-safe: the supervisor's event-loop thread is its only user.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/common/sqlite.h"
#include "supervisor/tenant/incident.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

class Store {
 public:
  // Opens (creating if needed, mode 0600) and migrates. ":memory:" works for tests.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();

  // BEGIN IMMEDIATE; rolled back unless commit() is called. kConflict inside another transaction.
  Result<sqlite::Transaction> Begin();
  int schema_version() const;

  Result<std::vector<Tenant>> ListTenants();
  Result<std::optional<Tenant>> GetTenant(const std::string& id);
  Status InsertTenant(const Tenant& t);   // kAlreadyExists if the id is taken
  Status UpdateTenant(const Tenant& t);   // kNotFound if absent
  Status DeleteTenant(const std::string& id);  // also deletes its incidents; kNotFound if absent

  // Lowest free uid in [lo, hi] not used by any tenant; kUnavailable when the range is full.
  Result<uint32_t> FreeUid(uint32_t lo, uint32_t hi);
  // Lowest port base + k*step (k >= 0, < 65536) not used by any tenant.
  Result<uint16_t> FreePort(uint16_t base, uint16_t step);

  Result<int64_t> AddIncident(const Incident& incident);  // returns the new id
  Status SetIncidentHealthy(int64_t incident_id, double healthy_after_s);
  // Newest first; tenant empty = all tenants.
  Result<std::vector<Incident>> ListIncidents(const std::string& tenant, size_t limit);

  // Fleet updates, stored as documents the fleet owns (supervisor/openclaw/fleet.h). id 0 inserts and
  // returns the new id; another id replaces that row.
  Result<int64_t> SaveFleetUpdate(int64_t id, const std::string& target, const std::string& state,
                                  const std::string& doc);
  Result<std::vector<std::string>> FleetUpdateDocs(size_t limit);  // newest first
  // The target of the newest update that finished ("done"); "" when none has.
  Result<std::string> FleetTarget();
  // Updates left "running" by a crash become "interrupted"; returns how many.
  Result<int64_t> InterruptFleetUpdates();

 private:
  Store(sqlite::DbHandle db, int schema_version);
  struct Impl;  // private helpers, defined in store.cpp
  sqlite::DbHandle db_;
  int schema_version_;
};

}  // namespace clawhive
