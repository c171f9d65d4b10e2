#include "supervisor/store/store.h"

#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "supervisor/common/json.h"
#include "supervisor/store/migrations.h"

namespace clawhive {

using sqlite::Binder;
using sqlite::Statement;

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// ---- JSON columns (agent_args, agent_env) ---------------------------------------------------------
// Compact JSON as Poco::JSON wrote it before (["a","b"], [["NAME","value"]]), so rows written by earlier
// versions read back and new rows look the same (only the rare \u escapes of control characters differ
// in the case of their hex digits).

// Invalid UTF-8 cannot be stored as JSON text (the writer would replace it), so such a value is refused
// up front rather than stored as something that comes back different.
Status CheckJsonSafe(const std::string& value, const std::string& what) {
  for (size_t i = 0; i < value.size();) {
    char32_t cp;
    size_t len = static_cast<unsigned char>(value[i]) < 0x80 ? 1 : DecodeUtf8(value, i, &cp);
    if (len == 0) return Error::Invalid(what + " is not valid UTF-8 text");
    i += len;
  }
  return Status::Ok();
}

Result<std::string> EncodeArgs(const std::vector<std::string>& args) {
  JsonValue array = JsonValue::Array();
  for (size_t i = 0; i < args.size(); ++i) {
    if (Status s = CheckJsonSafe(args[i], "agent argument " + std::to_string(i)); !s) return s.error();
    array.Push(JsonValue::String(args[i]));
  }
  return array.Serialize();
}

// An array of [name, value] pairs rather than an object: keeps the order and any repeated names.
Result<std::string> EncodeEnv(const std::vector<std::pair<std::string, std::string>>& env) {
  JsonValue array = JsonValue::Array();
  for (const auto& [name, value] : env) {
    if (Status s = CheckJsonSafe(name, "agent environment name"); !s) return s.error();
    if (Status s = CheckJsonSafe(value, "agent environment value of " + name); !s) return s.error();
    JsonValue pair = JsonValue::Array();
    pair.Push(JsonValue::String(name));
    pair.Push(JsonValue::String(value));
    array.Push(std::move(pair));
  }
  return array.Serialize();
}

// A column's array; stored rows may hold many arguments, so the reader's value cap is lifted.
Result<JsonValue> ParseArray(const std::string& json) {
  Result<JsonValue> value = ParseJson(json, {.max_depth = 4, .max_values = std::numeric_limits<size_t>::max()});
  if (!value) return value.error();
  if (!value->is_array()) return Error::Invalid(std::string("not a JSON array but ") + value->kind_name());
  return value;
}

Result<std::vector<std::string>> DecodeArgs(const std::string& json) {
  Result<JsonValue> array = ParseArray(json);
  if (!array) return array.error();
  std::vector<std::string> args;
  args.reserve(array->items().size());
  for (const JsonValue& v : array->items()) {
    if (!v.is_string()) return Error::Invalid("element " + std::to_string(args.size()) + " is not a string");
    args.push_back(v.string());
  }
  return args;
}

Result<std::vector<std::pair<std::string, std::string>>> DecodeEnv(const std::string& json) {
  Result<JsonValue> array = ParseArray(json);
  if (!array) return array.error();
  std::vector<std::pair<std::string, std::string>> env;
  env.reserve(array->items().size());
  for (const JsonValue& pair : array->items()) {
    if (!pair.is_array() || pair.items().size() != 2 || !pair.items()[0].is_string() || !pair.items()[1].is_string())
      return Error::Invalid("element " + std::to_string(env.size()) + " is not a [name, value] pair of strings");
    env.emplace_back(pair.items()[0].string(), pair.items()[1].string());
  }
  return env;
}

// ---- tenant rows ------------------------------------------------------------------------------------

// Column order shared by the SELECTs, the INSERT and ReadTenant; the bind index of a column is its
// position + 1.
constexpr const char* kTenantColumns =
    "id, display_name, memory_high, memory_max, cpu_weight, cpu_quota_percent, tasks_max, agent_exec, "
    "agent_args, agent_env, health_path, port, uid, desired, quarantined, created_at, updated_at, runtime, "
    "runtime_pinned, openclaw";

// A tenant converted to what the columns hold, checked before any SQL runs.
struct TenantRow {
  int64_t memory_high, memory_max, cpu_weight, cpu_quota_percent, tasks_max;
  std::string args_json, env_json;
};

Result<int64_t> Storable(uint64_t value, const char* field) {
  if (value > static_cast<uint64_t>(kInt64Max))
    return Error::Invalid(std::string(field) + " " + std::to_string(value) + " is too large (at most " +
                          std::to_string(kInt64Max) + ")");
  return static_cast<int64_t>(value);
}

Result<TenantRow> Encode(const Tenant& t) {
  TenantRow row{};
  const std::pair<uint64_t, int64_t*> numbers[] = {{t.resources.memory_high, &row.memory_high},
                                                   {t.resources.memory_max, &row.memory_max},
                                                   {t.resources.cpu_weight, &row.cpu_weight},
                                                   {t.resources.cpu_quota_percent, &row.cpu_quota_percent},
                                                   {t.resources.tasks_max, &row.tasks_max}};
  const char* names[] = {"memory_high", "memory_max", "cpu_weight", "cpu_quota_percent", "tasks_max"};
  for (size_t i = 0; i < std::size(numbers); ++i) {
    Result<int64_t> v = Storable(numbers[i].first, names[i]);
    if (!v) return v.error();
    *numbers[i].second = *v;
  }
  Result<std::string> args = EncodeArgs(t.agent.args);
  if (!args) return args.error();
  Result<std::string> env = EncodeEnv(t.agent.env);
  if (!env) return env.error();
  row.args_json = std::move(*args);
  row.env_json = std::move(*env);
  return row;
}

Status BindTenant(Statement& stmt, const Tenant& t, const TenantRow& row) {
  return Binder(stmt)
      .Text(t.id)
      .Text(t.display_name)
      .Int(row.memory_high)
      .Int(row.memory_max)
      .Int(row.cpu_weight)
      .Int(row.cpu_quota_percent)
      .Int(row.tasks_max)
      .Text(t.agent.exec)
      .Text(row.args_json)
      .Text(row.env_json)
      .Text(t.agent.health_path)
      .Int(t.port)
      .Int(t.uid)
      .Text(ToString(t.desired))
      .Int(t.quarantined ? 1 : 0)
      .Int(t.created_at)
      .Int(t.updated_at)
      .Text(t.runtime)
      .Int(t.runtime_pinned ? 1 : 0)
      .Text(EncodeOpenClawSettings(t.openclaw))
      .status();
}

// Reads a row of kTenantColumns. The schema's CHECKs should make every range failure impossible; if one
// shows up anyway the row is reported as damaged instead of being wrapped into a wrong value.
Result<Tenant> ReadTenant(const Statement& s) {
  Tenant t;
  t.id = s.ColumnText(0);
  std::string problem;
  auto number = [&](int col, const char* name, int64_t hi) -> int64_t {
    int64_t v = s.ColumnInt64(col);
    if (problem.empty() && (s.IsNull(col) || v < 0 || v > hi))
      problem = std::string(name) + " is out of range (" + s.ColumnText(col) + ")";
    return v;
  };
  t.display_name = s.ColumnText(1);
  t.resources.memory_high = static_cast<uint64_t>(number(2, "memory_high", kInt64Max));
  t.resources.memory_max = static_cast<uint64_t>(number(3, "memory_max", kInt64Max));
  t.resources.cpu_weight = static_cast<uint64_t>(number(4, "cpu_weight", kInt64Max));
  t.resources.cpu_quota_percent = static_cast<uint64_t>(number(5, "cpu_quota_percent", kInt64Max));
  t.resources.tasks_max = static_cast<uint64_t>(number(6, "tasks_max", kInt64Max));
  t.agent.exec = s.ColumnText(7);
  auto bad_json = [&](const char* what, const std::string& why) {
    if (problem.empty()) problem = std::string(what) + " (" + why + ")";
  };
  if (Result<std::vector<std::string>> args = DecodeArgs(s.ColumnText(8)); args) t.agent.args = std::move(*args);
  else bad_json("agent_args is not a JSON array of strings", args.error().message);
  if (Result<std::vector<std::pair<std::string, std::string>>> env = DecodeEnv(s.ColumnText(9)); env)
    t.agent.env = std::move(*env);
  else bad_json("agent_env is not a JSON array of [name, value] pairs", env.error().message);
  t.agent.health_path = s.ColumnText(10);
  t.port = static_cast<uint16_t>(number(11, "port", std::numeric_limits<uint16_t>::max()));
  t.uid = static_cast<uint32_t>(number(12, "uid", std::numeric_limits<uint32_t>::max()));
  std::optional<DesiredState> desired = ParseDesiredState(s.ColumnText(13));
  if (desired) t.desired = *desired;
  else if (problem.empty()) problem = "desired is not 'running' or 'stopped'";
  t.quarantined = number(14, "quarantined", 1) != 0;
  t.created_at = s.ColumnInt64(15);
  t.updated_at = s.ColumnInt64(16);
  t.runtime = s.ColumnText(17);
  t.runtime_pinned = number(18, "runtime_pinned", 1) != 0;
  if (Result<OpenClawSettings> oc = DecodeOpenClawSettings(s.ColumnText(19)); oc) t.openclaw = *oc;
  else if (problem.empty()) problem = "openclaw settings: " + oc.error().message;
  if (!problem.empty()) return Error::Internal("stored tenant '" + t.id + "' is damaged: " + problem);
  return t;
}

// After a constraint failure writing tenant `t`: which rule it broke, worded for the API client.
Error TenantClash(sqlite3* db, const Tenant& t, bool inserting, const Error& original) {
  Result<Statement> stmt = Statement::Prepare(db,
                                              "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1),"
                                              " (SELECT id FROM tenants WHERE port = ?2 AND id <> ?1),"
                                              " (SELECT id FROM tenants WHERE uid = ?3 AND id <> ?1)");
  if (!stmt) return original;
  if (!Binder(*stmt).Text(t.id).Int(t.port).Int(t.uid).status()) return original;
  Result<bool> row = stmt->Step();
  if (!row || !*row) return original;
  if (inserting && stmt->ColumnInt64(0) != 0) return Error::Exists("tenant '" + t.id + "' already exists");
  if (!stmt->IsNull(1))
    return Error::Conflict("port " + std::to_string(t.port) + " is already used by tenant '" +
                           stmt->ColumnText(1) + "'");
  if (!stmt->IsNull(2))
    return Error::Conflict("uid " + std::to_string(t.uid) + " is already used by tenant '" +
                           stmt->ColumnText(2) + "'");
  return original;
}

// ---- incidents --------------------------------------------------------------------------------------

constexpr const char* kIncidentColumns = "id, tenant, at_ms, cause, detail, action, healthy_after_s";

Incident ReadIncident(const Statement& s) {
  Incident i;
  i.id = s.ColumnInt64(0);
  i.tenant = s.ColumnText(1);
  i.at_ms = s.ColumnInt64(2);
  i.cause = s.ColumnText(3);
  i.detail = s.ColumnText(4);
  i.action = s.ColumnText(5);
  if (!s.IsNull(6)) i.healthy_after_s = s.ColumnDouble(6);
  return i;
}

Status CheckSeconds(double seconds) {
  if (!std::isfinite(seconds)) return Error::Invalid("healthy_after_s must be a finite number of seconds");
  return Status::Ok();
}

// Runs a "first free slot" query (FreeUid, FreePort) on its parameters ?1 and ?2: the slot, or nullopt
// when it found none.
Result<std::optional<int64_t>> FirstFree(sqlite3* db, std::string_view sql, int64_t first, int64_t second) {
  Result<Statement> stmt = Statement::Prepare(db, sql);
  if (!stmt) return stmt.error();
  if (Status s = Binder(*stmt).Int(first).Int(second).status(); !s) return s.error();
  Result<bool> row = stmt->Step();
  if (!row) return row.error();
  if (!*row || stmt->IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->ColumnInt64(0));
}

}  // namespace

// ---- Store ------------------------------------------------------------------------------------------

Store::Store(sqlite::DbHandle db, int schema_version) : db_(std::move(db)), schema_version_(schema_version) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  Result<sqlite::DbHandle> db = sqlite::OpenDatabase(path, {.what = "database",
                                                            .application_id = schema::kApplicationId,
                                                            .migrations = schema::Migrations(),
                                                            .synchronous = "NORMAL",
                                                            .settings = "PRAGMA foreign_keys = ON",
                                                            .quick_check = true});
  if (!db) return db.error();
  Result<int64_t> fk = sqlite::QueryInt64(db->get(), "PRAGMA foreign_keys");
  if (!fk || *fk != 1) return Error::Internal("this SQLite library does not enforce foreign keys");
  return std::unique_ptr<Store>(new Store(std::move(*db), schema::LatestSchemaVersion()));
}

Result<sqlite::Transaction> Store::Begin() { return sqlite::Transaction::Begin(db_.get()); }

int Store::schema_version() const { return schema_version_; }

Result<std::vector<Tenant>> Store::ListTenants() {
  Result<Statement> stmt =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kTenantColumns + " FROM tenants ORDER BY id");
  if (!stmt) return stmt.error();
  std::vector<Tenant> tenants;
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row) return row.error();
    if (!*row) return tenants;
    Result<Tenant> t = ReadTenant(*stmt);
    if (!t) return t.error();
    tenants.push_back(std::move(*t));
  }
}

Result<std::optional<Tenant>> Store::GetTenant(const std::string& id) {
  Result<Statement> stmt =
      Statement::Prepare(db_.get(), std::string("SELECT ") + kTenantColumns + " FROM tenants WHERE id = ?1");
  if (!stmt) return stmt.error();
  if (Status s = stmt->BindText(1, id); !s) return s.error();
  Result<bool> row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<Tenant>();
  Result<Tenant> t = ReadTenant(*stmt);
  if (!t) return t.error();
  return std::optional<Tenant>(std::move(*t));
}

Status Store::InsertTenant(const Tenant& t) {
  Result<TenantRow> row = Encode(t);
  if (!row) return row.error();
  Result<Statement> stmt = Statement::Prepare(
      db_.get(), std::string("INSERT INTO tenants (") + kTenantColumns +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)");
  if (!stmt) return stmt.error();
  if (Status s = BindTenant(*stmt, t, *row); !s) return s;
  if (Status s = stmt->Run(); !s) {
    if (s.error().code == ErrorCode::kConflict) return TenantClash(db_.get(), t, /*inserting=*/true, s.error());
    return s;
  }
  return Status::Ok();
}

// created_at is set once by InsertTenant; an update keeps the stored value whatever t.created_at says.
Status Store::UpdateTenant(const Tenant& t) {
  Result<TenantRow> row = Encode(t);
  if (!row) return row.error();
  Result<Statement> stmt = Statement::Prepare(
      db_.get(),
      "UPDATE tenants SET display_name = ?2, memory_high = ?3, memory_max = ?4, cpu_weight = ?5,"
      " cpu_quota_percent = ?6, tasks_max = ?7, agent_exec = ?8, agent_args = ?9, agent_env = ?10,"
      " health_path = ?11, port = ?12, uid = ?13, desired = ?14, quarantined = ?15, updated_at = ?17,"
      " runtime = ?18, runtime_pinned = ?19, openclaw = ?20"
      " WHERE id = ?1");
  if (!stmt) return stmt.error();
  if (Status s = BindTenant(*stmt, t, *row); !s) return s;
  if (Status s = stmt->Run(); !s) {
    if (s.error().code == ErrorCode::kConflict) return TenantClash(db_.get(), t, /*inserting=*/false, s.error());
    return s;
  }
  if (sqlite3_changes64(db_.get()) == 0) return Error::NotFound("no tenant '" + t.id + "'");
  return Status::Ok();
}

Status Store::DeleteTenant(const std::string& id) {
  // Its incidents go with it through ON DELETE CASCADE (foreign_keys is on for this connection).
  Result<Statement> stmt = Statement::Prepare(db_.get(), "DELETE FROM tenants WHERE id = ?1");
  if (!stmt) return stmt.error();
  if (Status s = stmt->BindText(1, id); !s) return s;
  return stmt->RunChanging(Error::NotFound("no tenant '" + id + "'"));
}

Result<uint32_t> Store::FreeUid(uint32_t lo, uint32_t hi) {
  if (lo > hi) return Error::Invalid("uid range " + std::to_string(lo) + "-" + std::to_string(hi) + " is empty");
  // lo itself if free; otherwise the first used uid in [lo, hi) whose successor is free, plus one. Each
  // probe is a lookup in the UNIQUE index on uid, so this is one query of O(n log n) at worst.
  Result<std::optional<int64_t>> uid = FirstFree(
      db_.get(),
      "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM tenants WHERE uid = ?1) THEN ?1"
      " ELSE (SELECT min(t.uid) + 1 FROM tenants t WHERE t.uid >= ?1 AND t.uid < ?2"
      " AND NOT EXISTS (SELECT 1 FROM tenants u WHERE u.uid = t.uid + 1)) END",
      lo, hi);
  if (!uid) return uid.error();
  if (!*uid) return Error::Unavailable("no free uid left in " + std::to_string(lo) + "-" + std::to_string(hi));
  return static_cast<uint32_t>(**uid);
}

Result<uint16_t> Store::FreePort(uint16_t base, uint16_t step) {
  if (base == 0) return Error::Invalid("port base must be 1-65535");
  if (step == 0) return Error::Invalid("port step must be at least 1");
  // As FreeUid, on the lattice base + k*step: base if free, else the first used slot whose next slot
  // is free and still a valid port.
  Result<std::optional<int64_t>> port = FirstFree(
      db_.get(),
      "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM tenants WHERE port = ?1) THEN ?1"
      " ELSE (SELECT min(t.port) + ?2 FROM tenants t WHERE t.port >= ?1 AND (t.port - ?1) % ?2 = 0"
      " AND t.port + ?2 <= 65535 AND NOT EXISTS (SELECT 1 FROM tenants u WHERE u.port = t.port + ?2)) END",
      base, step);
  if (!port) return port.error();
  if (!*port)
    return Error::Unavailable("no free port left at " + std::to_string(base) + " + k*" + std::to_string(step));
  return static_cast<uint16_t>(**port);
}

Result<int64_t> Store::AddIncident(const Incident& incident) {
  if (incident.healthy_after_s) {
    if (Status s = CheckSeconds(*incident.healthy_after_s); !s) return s.error();
  }
  Result<Statement> stmt = Statement::Prepare(
      db_.get(),
      "INSERT INTO incidents (tenant, at_ms, cause, detail, action, healthy_after_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  Status bound = Binder(*stmt)
                     .Text(incident.tenant)
                     .Int(incident.at_ms)
                     .Text(incident.cause)
                     .Text(incident.detail)
                     .Text(incident.action)
                     .status();
  if (!bound) return bound.error();
  bound = incident.healthy_after_s ? stmt->BindDouble(6, *incident.healthy_after_s) : stmt->BindNull(6);
  if (!bound) return bound.error();
  if (Status s = stmt->Run(); !s) {
    // The only constraint an incident can break is the reference to its tenant.
    if (s.error().code == ErrorCode::kConflict) {
      Result<std::optional<Tenant>> t = GetTenant(incident.tenant);
      if (t && !t->has_value()) return Error::NotFound("no tenant '" + incident.tenant + "'");
    }
    return s.error();
  }
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_.get()));
}

Status Store::SetIncidentHealthy(int64_t incident_id, double healthy_after_s) {
  if (Status s = CheckSeconds(healthy_after_s); !s) return s;
  Result<Statement> stmt = Statement::Prepare(db_.get(), "UPDATE incidents SET healthy_after_s = ?2 WHERE id = ?1");
  if (!stmt) return stmt.error();
  if (Status s = stmt->BindInt64(1, incident_id); !s) return s;
  if (Status s = stmt->BindDouble(2, healthy_after_s); !s) return s;
  return stmt->RunChanging(Error::NotFound("no incident " + std::to_string(incident_id)));
}

Result<std::vector<Incident>> Store::ListIncidents(const std::string& tenant, size_t limit) {
  // Two statements rather than "?1 = '' OR tenant = ?1", which would keep the planner off the index.
  std::string sql = std::string("SELECT ") + kIncidentColumns + " FROM incidents" +
                    (tenant.empty() ? "" : " WHERE tenant = ?1") + " ORDER BY at_ms DESC, id DESC LIMIT ?2";
  Result<Statement> stmt = Statement::Prepare(db_.get(), sql);
  if (!stmt) return stmt.error();
  if (!tenant.empty()) {
    if (Status s = stmt->BindText(1, tenant); !s) return s.error();
  }
  // A limit beyond what SQLite counts to is no limit, not a wrapped negative one.
  int64_t max_rows = limit > static_cast<size_t>(kInt64Max) ? kInt64Max : static_cast<int64_t>(limit);
  if (Status s = stmt->BindInt64(2, max_rows); !s) return s.error();
  std::vector<Incident> incidents;
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row) return row.error();
    if (!*row) return incidents;
    incidents.push_back(ReadIncident(*stmt));
  }
}

// ---- fleet updates ----------------------------------------------------------------------------------

Result<int64_t> Store::SaveFleetUpdate(int64_t id, const std::string& target, const std::string& state,
                                       const std::string& doc) {
  Result<Statement> stmt = Statement::Prepare(
      db_.get(), id == 0 ? "INSERT INTO fleet_updates (target, state, doc) VALUES (?1, ?2, ?3)"
                         : "UPDATE fleet_updates SET target = ?1, state = ?2, doc = ?3 WHERE id = ?4");
  if (!stmt) return stmt.error();
  if (Status s = Binder(*stmt).Text(target).Text(state).Text(doc).status(); !s) return s.error();
  if (id != 0) {
    if (Status s = stmt->BindInt64(4, id); !s) return s.error();
  }
  if (Status s = stmt->Run(); !s) return s.error();
  return id == 0 ? sqlite3_last_insert_rowid(db_.get()) : id;
}

Result<std::vector<std::string>> Store::FleetUpdateDocs(size_t limit) {
  Result<Statement> stmt = Statement::Prepare(db_.get(), "SELECT doc FROM fleet_updates ORDER BY id DESC LIMIT ?1");
  if (!stmt) return stmt.error();
  int64_t max_rows = limit > static_cast<size_t>(kInt64Max) ? kInt64Max : static_cast<int64_t>(limit);
  if (Status s = stmt->BindInt64(1, max_rows); !s) return s.error();
  std::vector<std::string> docs;
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row) return row.error();
    if (!*row) return docs;
    docs.push_back(stmt->ColumnText(0));
  }
}

Result<std::string> Store::FleetTarget() {
  Result<Statement> stmt =
      Statement::Prepare(db_.get(), "SELECT target FROM fleet_updates WHERE state = 'done' ORDER BY id DESC LIMIT 1");
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->Step();
  if (!row) return row.error();
  return *row ? stmt->ColumnText(0) : std::string();
}

Result<int64_t> Store::InterruptFleetUpdates() {
  if (Status s = sqlite::Exec(db_.get(), "UPDATE fleet_updates SET state = 'interrupted' WHERE state = 'running'"); !s)
    return s.error();
  return sqlite3_changes64(db_.get());
}

}  // namespace clawhive
