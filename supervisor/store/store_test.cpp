#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>

#include "supervisor/store/migrations.h"
#include "supervisor/store/store_test_util.h"
#include "unit/fails_with.h"
#include "unit/same_tenant.h"

using namespace clawhive;

namespace {

using namespace clawhive::store_test;
using clawhive::testing::CheckSameTenant;
using clawhive::testing::FailsWith;
using sqlite::Transaction;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Tenant MakeTenant(const std::string& id, uint16_t port, uint32_t uid) {
  Tenant t;
  t.id = id;
  t.display_name = "Tenant " + id;
  t.resources.memory_high = 512ull << 20;
  t.resources.memory_max = 1ull << 30;
  t.resources.cpu_weight = 200;
  t.resources.cpu_quota_percent = 150;
  t.resources.tasks_max = 64;
  t.agent.exec = "/usr/bin/agent";
  t.agent.args = {"--port", std::to_string(port)};
  t.agent.env = {{"MODE", "test"}};
  t.agent.health_path = "/healthz";
  t.port = port;
  t.uid = uid;
  t.desired = DesiredState::kRunning;
  t.created_at = 1700000000;
  t.updated_at = 1700000000;
  return t;
}

bool Exists(Store& store, const std::string& id) {
  Result<std::optional<Tenant>> t = store.GetTenant(id);
  BOOST_REQUIRE(t.ok());
  return t->has_value();
}

Incident MakeIncident(const std::string& tenant, int64_t at_ms, const std::string& cause = "exit-code") {
  Incident i;
  i.tenant = tenant;
  i.at_ms = at_ms;
  i.cause = cause;
  i.detail = "status=3";
  i.action = "restarted";
  return i;
}

// Valid UTF-8 without NUL, cycling through 1- to 4-byte sequences, control characters and U+FFFF.
std::string OddUtf8(size_t min_bytes) {
  const char* pieces[] = {"a", "\x01", "\x1f", "\x7f", "\"", "'", "\\", "\n", "\xc3\xa9", "\xe6\x97\xa5",
                          "\xef\xbf\xbf", "\xf0\x9f\xa6\x80", "\xf4\x8f\xbf\xbf", "%s", "\\u0000", "/"};
  std::string s;
  for (size_t i = 0; s.size() < min_bytes; ++i) s += pieces[i % std::size(pieces)];
  return s;
}

#define REQUIRE_OK(expr)                                                 \
  do {                                                                   \
    auto&& r_ = (expr);                                                  \
    BOOST_REQUIRE_MESSAGE(r_.ok(), #expr << ": " << Why(r_));           \
  } while (0)

// A store in memory with the tenants acme (port 20000, uid 100000) and beta (20001, 100001), and then
// `incidents` added in order.
std::unique_ptr<Store> StoreWithAcmeAndBeta(std::initializer_list<Incident> incidents = {}) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("beta", 20001, 100001)));
  for (const Incident& i : incidents) REQUIRE_OK(store->AddIncident(i));
  return store;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store)

// ---- opening and schema ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fresh_database_is_at_the_latest_schema_version) {
  auto store = MustOpen(":memory:");
  BOOST_TEST(store->schema_version() == schema::LatestSchemaVersion());
  BOOST_TEST(schema::LatestSchemaVersion() >= 1);
}

BOOST_AUTO_TEST_CASE(file_is_created_owner_only) {
  for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0277}}) {
    TempDir dir;
    const std::string path = dir.File("state.db");
    mode_t old = ::umask(mask);
    Result<std::unique_ptr<Store>> store = Store::Open(path);
    ::umask(old);
    BOOST_REQUIRE_MESSAGE(store.ok(), Why(store));
    REQUIRE_OK((*store)->InsertTenant(MakeTenant("acme", 20000, 100000)));  // makes SQLite write the WAL
    BOOST_TEST(ModeOf(path) == 0600u, "umask " << std::oct << mask);
    BOOST_TEST(ModeOf(path + "-wal") == 0600u, "umask " << std::oct << mask);
  }
}

BOOST_AUTO_TEST_CASE(database_is_in_wal_mode) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto store = MustOpen(path);
  auto raw = RawOpen(path);
  Result<std::string> mode = sqlite::QueryText(raw.get(), "PRAGMA journal_mode");
  BOOST_REQUIRE(mode.ok());
  BOOST_TEST(*mode == "wal");
}

BOOST_AUTO_TEST_CASE(reopening_keeps_tenants_and_schema_version) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  Tenant t = MakeTenant("acme", 20000, 100000);
  {
    auto store = MustOpen(path);
    REQUIRE_OK(store->InsertTenant(t));
    REQUIRE_OK(store->AddIncident(MakeIncident("acme", 5)));
  }
  auto store = MustOpen(path);
  BOOST_TEST(store->schema_version() == schema::LatestSchemaVersion());
  CheckSameTenant(MustGet(*store, "acme"), t);
  Result<std::vector<Incident>> incidents = store->ListIncidents("acme", 10);
  BOOST_REQUIRE(incidents.ok());
  BOOST_TEST(incidents->size() == 1u);
}

BOOST_AUTO_TEST_CASE(empty_existing_file_is_initialised) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  WriteFile(path, "");
  auto store = MustOpen(path);
  BOOST_TEST(store->schema_version() == schema::LatestSchemaVersion());
}

BOOST_AUTO_TEST_CASE(newer_schema_is_refused) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  MustOpen(path).reset();
  {
    auto raw = RawOpen(path);
    MustExec(raw.get(), "PRAGMA user_version = 7");
  }
  const std::string before = ReadFile(path);

  Result<std::unique_ptr<Store>> store = Store::Open(path);
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST((Code(store) == ErrorCode::kConflict));
  BOOST_TEST(store.error().message == "database " + path + " has schema 7, newer than this program (" +
                                          std::to_string(schema::LatestSchemaVersion()) + "); upgrade Clawhive");
  BOOST_TEST((ReadFile(path) == before), "the refused file was modified");
}

BOOST_AUTO_TEST_CASE(corrupt_file_is_a_clear_error) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  std::mt19937 rng(42);
  std::string junk(16384, '\0');
  for (char& c : junk) c = static_cast<char>(rng() & 0xff);
  WriteFile(path, junk);

  Result<std::unique_ptr<Store>> store = Store::Open(path);
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST_MESSAGE("corrupt file: " << store.error().message);
  BOOST_TEST(store.error().message.find(path) != std::string::npos);
  BOOST_TEST(store.error().message.find("not a database") != std::string::npos);
  BOOST_TEST((ReadFile(path) == junk), "the refused file was modified");
}

BOOST_AUTO_TEST_CASE(damaged_pages_are_a_clear_error) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    auto store = MustOpen(path);
    auto tx = store->Begin();
    BOOST_REQUIRE(tx.ok());
    for (int i = 0; i < 200; ++i) {
      Tenant t = MakeTenant("t" + std::to_string(i), static_cast<uint16_t>(20000 + i), 100000u + i);
      t.display_name = std::string(1000, 'n');
      REQUIRE_OK(store->InsertTenant(t));
    }
    REQUIRE_OK(tx->commit());
  }
  std::string bytes = ReadFile(path);
  BOOST_REQUIRE(bytes.size() > 3 * 4096);
  std::mt19937 rng(7);
  for (size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(rng() & 0xff);  // keep page 1
  WriteFile(path, bytes);

  Result<std::unique_ptr<Store>> store = Store::Open(path);
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST_MESSAGE("damaged file: " << store.error().message);
  BOOST_TEST(store.error().message.find("damaged") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(random_damage_is_an_error_or_a_working_store_never_a_crash) {
  TempDir dir;
  const std::string pristine_path = dir.File("pristine.db");
  {
    auto store = MustOpen(pristine_path);
    for (int i = 0; i < 30; ++i) {
      REQUIRE_OK(store->InsertTenant(MakeTenant("t" + std::to_string(i), static_cast<uint16_t>(20000 + i), 1000u + i)));
      REQUIRE_OK(store->AddIncident(MakeIncident("t" + std::to_string(i), i)));
    }
  }
  const std::string pristine = ReadFile(pristine_path);
  std::mt19937 rng(1234);
  int refused = 0;
  for (int round = 0; round < 150; ++round) {
    std::string bytes = pristine;
    if (round % 5 == 0) {
      bytes.resize(rng() % bytes.size());  // truncated
    } else {
      for (int n = 1 + static_cast<int>(rng() % 8); n > 0; --n) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    const std::string path = dir.File("damaged" + std::to_string(round) + ".db");
    WriteFile(path, bytes);
    Result<std::unique_ptr<Store>> store = Store::Open(path);
    if (!store.ok()) {
      ++refused;
      BOOST_TEST(!store.error().message.empty());
      continue;
    }
    // Opened (the damage missed anything that matters, or hit only unused bytes): reads answer or fail.
    (void)(*store)->ListTenants();
    (void)(*store)->ListIncidents("", 100);
  }
  BOOST_TEST_MESSAGE("random damage: " << refused << " of 150 files refused");
  BOOST_TEST(refused > 0);
}

BOOST_AUTO_TEST_CASE(foreign_sqlite_database_is_refused) {
  TempDir dir;
  const std::string path = dir.File("other.db");
  {
    auto raw = RawOpen(path);
    MustExec(raw.get(), "CREATE TABLE photos (x); INSERT INTO photos VALUES (1)");
  }
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST(store.error().message.find("not a Clawhive") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_directory_is_a_clear_error) {
  TempDir dir;
  const std::string path = dir.File("no/such/dir/state.db");
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  BOOST_REQUIRE(!store.ok());
  BOOST_TEST((Code(store) == ErrorCode::kUnavailable));
  BOOST_TEST(store.error().message.find(path) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(migrations_apply_in_order_and_only_once) {
  const sqlite::Migration list[] = {
      {1, "CREATE TABLE a (x INTEGER)"},
      {2, "CREATE TABLE b (y INTEGER); INSERT INTO a SELECT count(*) FROM b"},
      {3, "INSERT INTO a VALUES (3)"},
  };
  auto raw = RawOpen(":memory:");
  Result<int> v = sqlite::ApplyMigrations(raw.get(), std::span(list).first(2));
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(*v == 2);
  v = sqlite::ApplyMigrations(raw.get(), list);  // only 3 is new
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(*v == 3);
  v = sqlite::ApplyMigrations(raw.get(), list);
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(*v == 3);
  Result<int64_t> rows = sqlite::QueryInt64(raw.get(), "SELECT count(*) FROM a");
  BOOST_REQUIRE(rows.ok());
  BOOST_TEST(*rows == 2);
}

BOOST_AUTO_TEST_CASE(failed_migration_leaves_the_previous_version_intact) {
  const sqlite::Migration list[] = {
      {1, "CREATE TABLE a (x INTEGER)"},
      {2, "CREATE TABLE b (y INTEGER); INSERT INTO no_such_table VALUES (1)"},
  };
  auto raw = RawOpen(":memory:");
  Result<int> v = sqlite::ApplyMigrations(raw.get(), list);
  BOOST_REQUIRE(!v.ok());
  BOOST_TEST(v.error().message.find("schema migration 2 failed") != std::string::npos);
  Result<int64_t> version = sqlite::QueryInt64(raw.get(), "PRAGMA user_version");
  BOOST_REQUIRE(version.ok());
  BOOST_TEST(*version == 1);
  Result<int64_t> b = sqlite::QueryInt64(raw.get(), "SELECT count(*) FROM sqlite_schema WHERE name = 'b'");
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(*b == 0);
  BOOST_TEST(sqlite3_get_autocommit(raw.get()) != 0);
}

BOOST_AUTO_TEST_CASE(gaps_in_migration_numbers_are_refused) {
  const sqlite::Migration list[] = {{1, "CREATE TABLE a (x)"}, {3, "CREATE TABLE c (x)"}};
  auto raw = RawOpen(":memory:");
  Result<int> v = sqlite::ApplyMigrations(raw.get(), list);
  BOOST_TEST(!v.ok());
}

// ---- transactions ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(transaction_without_commit_rolls_back) {
  auto store = MustOpen(":memory:");
  {
    Result<Transaction> tx = store->Begin();
    BOOST_REQUIRE(tx.ok());
    REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
    REQUIRE_OK(store->AddIncident(MakeIncident("acme", 1)));
    BOOST_TEST(Exists(*store, "acme"));  // visible inside the transaction
  }
  BOOST_TEST(!Exists(*store, "acme"));
  Result<std::vector<Incident>> incidents = store->ListIncidents("", 10);
  BOOST_REQUIRE(incidents.ok());
  BOOST_TEST(incidents->empty());
}

BOOST_AUTO_TEST_CASE(committed_transaction_survives_reopening) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    auto store = MustOpen(path);
    Result<Transaction> tx = store->Begin();
    BOOST_REQUIRE(tx.ok());
    REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
    REQUIRE_OK(store->InsertTenant(MakeTenant("beta", 20001, 100001)));
    REQUIRE_OK(tx->commit());
  }
  auto store = MustOpen(path);
  Result<std::vector<Tenant>> all = store->ListTenants();
  BOOST_REQUIRE(all.ok());
  BOOST_TEST(all->size() == 2u);
}

BOOST_AUTO_TEST_CASE(store_methods_see_and_join_an_outer_transaction) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("old", 20000, 100000)));
  Result<Transaction> tx = store->Begin();
  BOOST_REQUIRE(tx.ok());
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20001, 100001)));
  Result<uint16_t> port = store->FreePort(20000, 1);
  BOOST_REQUIRE(port.ok());
  BOOST_TEST(*port == 20002);
  Tenant t = MustGet(*store, "acme");
  t.desired = DesiredState::kStopped;
  REQUIRE_OK(store->UpdateTenant(t));
  Result<int64_t> incident = store->AddIncident(MakeIncident("acme", 1));
  REQUIRE_OK(incident);
  REQUIRE_OK(store->SetIncidentHealthy(*incident, 2.5));
  REQUIRE_OK(store->DeleteTenant("old"));
  REQUIRE_OK(tx->commit());

  BOOST_TEST(!Exists(*store, "old"));
  BOOST_TEST((MustGet(*store, "acme").desired == DesiredState::kStopped));
  Result<std::vector<Incident>> incidents = store->ListIncidents("acme", 10);
  BOOST_REQUIRE(incidents.ok());
  BOOST_REQUIRE(incidents->size() == 1u);
  BOOST_TEST(incidents->front().healthy_after_s.value_or(-1) == 2.5);
}

BOOST_AUTO_TEST_CASE(a_refused_write_inside_a_transaction_keeps_the_earlier_ones) {
  auto store = MustOpen(":memory:");
  Result<Transaction> tx = store->Begin();
  BOOST_REQUIRE(tx.ok());
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  Status dup = store->InsertTenant(MakeTenant("beta", 20000, 100001));
  BOOST_TEST((Code(dup) == ErrorCode::kConflict));
  REQUIRE_OK(tx->commit());
  BOOST_TEST(Exists(*store, "acme"));
  BOOST_TEST(!Exists(*store, "beta"));
}

BOOST_AUTO_TEST_CASE(beginning_inside_a_transaction_is_refused) {
  auto store = MustOpen(":memory:");
  Result<Transaction> outer = store->Begin();
  BOOST_REQUIRE(outer.ok());
  Result<Transaction> inner = store->Begin();
  BOOST_REQUIRE(!inner.ok());
  BOOST_TEST((Code(inner) == ErrorCode::kConflict));
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  REQUIRE_OK(outer->commit());  // the refused Begin did not disturb the outer transaction
  BOOST_TEST(Exists(*store, "acme"));
}

BOOST_AUTO_TEST_CASE(a_moved_transaction_commits_once) {
  auto store = MustOpen(":memory:");
  {
    Result<Transaction> tx = store->Begin();
    BOOST_REQUIRE(tx.ok());
    REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
    Transaction moved(std::move(*tx));
    BOOST_TEST(!tx->commit().ok());  // the moved-from one owns nothing
    REQUIRE_OK(moved.commit());
    BOOST_TEST(!moved.commit().ok());
  }  // neither destructor rolls back
  BOOST_TEST(Exists(*store, "acme"));
  Result<Transaction> again = store->Begin();  // and no transaction was left open
  BOOST_TEST(again.ok());
}

BOOST_AUTO_TEST_CASE(readers_on_another_connection_see_only_committed_data) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto writer = MustOpen(path);
  auto reader = MustOpen(path);
  Result<Transaction> tx = writer->Begin();
  BOOST_REQUIRE(tx.ok());
  REQUIRE_OK(writer->InsertTenant(MakeTenant("acme", 20000, 100000)));
  BOOST_TEST(!Exists(*reader, "acme"));  // WAL: the reader is not blocked, it sees the old snapshot
  REQUIRE_OK(tx->commit());
  BOOST_TEST(Exists(*reader, "acme"));
}

// ---- tenants -----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(tenant_round_trips_every_field) {
  auto store = MustOpen(":memory:");
  Tenant t = MakeTenant("acme", 20000, 100000);
  t.agent.args = {};
  t.agent.env = {};
  t.desired = DesiredState::kStopped;
  t.quarantined = true;
  t.created_at = -5;  // before 1970 is odd but representable
  t.updated_at = std::numeric_limits<int64_t>::max();
  t.resources.memory_max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());  // largest that fits
  REQUIRE_OK(store->InsertTenant(t));
  CheckSameTenant(MustGet(*store, "acme"), t);
}

BOOST_AUTO_TEST_CASE(tenants_are_listed_by_id) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("zeta", 20000, 100000)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("alpha", 20001, 100001)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("mid", 20002, 100002)));
  Result<std::vector<Tenant>> all = store->ListTenants();
  BOOST_REQUIRE(all.ok());
  BOOST_REQUIRE(all->size() == 3u);
  BOOST_TEST((*all)[0].id == "alpha");
  BOOST_TEST((*all)[1].id == "mid");
  BOOST_TEST((*all)[2].id == "zeta");
}

BOOST_AUTO_TEST_CASE(getting_a_missing_tenant_is_empty_not_an_error) {
  auto store = MustOpen(":memory:");
  Result<std::optional<Tenant>> t = store->GetTenant("nobody");
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(!t->has_value());
}

BOOST_AUTO_TEST_CASE(inserting_an_existing_id_is_already_exists) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  BOOST_TEST(FailsWith(store->InsertTenant(MakeTenant("acme", 20001, 100001)), ErrorCode::kAlreadyExists, "acme"));
}

BOOST_AUTO_TEST_CASE(duplicate_port_or_uid_is_a_conflict_naming_the_field) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));

  BOOST_TEST(FailsWith(store->InsertTenant(MakeTenant("beta", 20000, 100001)), ErrorCode::kConflict,
                       "port 20000 is already used by tenant 'acme'"));
  BOOST_TEST(FailsWith(store->InsertTenant(MakeTenant("beta", 20001, 100000)), ErrorCode::kConflict,
                       "uid 100000 is already used by tenant 'acme'"));
  BOOST_TEST(!Exists(*store, "beta"));
}

BOOST_AUTO_TEST_CASE(updating_a_tenant_changes_its_fields_but_not_created_at) {
  auto store = MustOpen(":memory:");
  Tenant t = MakeTenant("acme", 20000, 100000);
  REQUIRE_OK(store->InsertTenant(t));
  Tenant changed = MakeTenant("acme", 20005, 100005);
  changed.display_name = "Acme Corp";
  changed.resources.memory_max = 2ull << 30;
  changed.agent.args = {"--verbose"};
  changed.agent.env = {{"A", "1"}, {"B", "2"}};
  changed.agent.health_path = "/ready";
  changed.quarantined = true;
  changed.created_at = 0;
  changed.updated_at = 1800000000;
  REQUIRE_OK(store->UpdateTenant(changed));
  Tenant want = changed;
  want.created_at = t.created_at;
  CheckSameTenant(MustGet(*store, "acme"), want);
}

BOOST_AUTO_TEST_CASE(updating_to_a_port_or_uid_of_another_tenant_is_a_conflict) {
  auto store = StoreWithAcmeAndBeta();
  Tenant b = MustGet(*store, "beta");
  REQUIRE_OK(store->UpdateTenant(b));  // keeping its own port and uid is fine

  b.port = 20000;
  BOOST_TEST(FailsWith(store->UpdateTenant(b), ErrorCode::kConflict, "port 20000"));

  b = MustGet(*store, "beta");
  b.uid = 100000;
  BOOST_TEST(FailsWith(store->UpdateTenant(b), ErrorCode::kConflict, "uid 100000"));
  BOOST_TEST(MustGet(*store, "beta").port == 20001);
}

BOOST_AUTO_TEST_CASE(updating_or_deleting_a_missing_tenant_is_not_found) {
  auto store = MustOpen(":memory:");
  BOOST_TEST(FailsWith(store->UpdateTenant(MakeTenant("ghost", 20000, 100000)), ErrorCode::kNotFound));
  BOOST_TEST(FailsWith(store->DeleteTenant("ghost"), ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(numbers_too_large_to_store_are_rejected_not_wrapped) {
  auto store = MustOpen(":memory:");
  const uint64_t too_big = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
  for (uint64_t Resources::*field : {&Resources::memory_high, &Resources::memory_max, &Resources::cpu_weight,
                                     &Resources::cpu_quota_percent, &Resources::tasks_max}) {
    Tenant t = MakeTenant("acme", 20000, 100000);
    t.resources.*field = too_big;
    BOOST_TEST(FailsWith(store->InsertTenant(t), ErrorCode::kInvalidArgument, "too large"));
  }
  BOOST_TEST(!Exists(*store, "acme"));

  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  Tenant t = MustGet(*store, "acme");
  t.resources.memory_max = std::numeric_limits<uint64_t>::max();
  Status s = store->UpdateTenant(t);
  BOOST_TEST((Code(s) == ErrorCode::kInvalidArgument));
  BOOST_TEST(MustGet(*store, "acme").resources.memory_max == (1ull << 30));
}

BOOST_AUTO_TEST_CASE(largest_port_and_uid_round_trip) {
  auto store = MustOpen(":memory:");
  Tenant t = MakeTenant("edge", 65535, std::numeric_limits<uint32_t>::max());
  REQUIRE_OK(store->InsertTenant(t));
  CheckSameTenant(MustGet(*store, "edge"), t);
}

BOOST_AUTO_TEST_CASE(hostile_strings_round_trip) {
  auto store = MustOpen(":memory:");
  Tenant t = MakeTenant("hostile", 20000, 100000);
  t.display_name = "Robert'); DROP TABLE tenants;-- \"quoted\" \\ " + OddUtf8(200);
  t.agent.exec = "/opt/a gent/'x'/\"y\"/\\z";
  t.agent.args = {"",
                  "'",
                  "\"",
                  "\\",
                  "\\u0000 is not a NUL",
                  "line\nbreak\ttab\rcr",
                  "\x01\x02\x1f\x7f",
                  "\xc3\xa9\xe6\x97\xa5\xf0\x9f\xa6\x80\xef\xbf\xbf",
                  "</script><!--",
                  "{\"looks\": [\"like\", \"json\"]}",
                  "[\"nested\"]",
                  OddUtf8(10 * 1024)};
  t.agent.env = {{"A", "1"}, {"A", "2"},  // repeated names keep their order
                 {"EMPTY", ""},
                 {"Q'\"\\", "v=\"1\";'2'\n"},
                 {"BIG", OddUtf8(10 * 1024)}};
  t.agent.health_path = "/h?x='1'&y=\"2\"#%00";
  REQUIRE_OK(store->InsertTenant(t));
  CheckSameTenant(MustGet(*store, "hostile"), t);

  Incident i = MakeIncident("hostile", 1, "'); DELETE FROM incidents;--");
  i.detail = OddUtf8(10 * 1024);
  i.action = "\"quarantined\"\n";
  REQUIRE_OK(store->AddIncident(i));
  Result<std::vector<Incident>> incidents = store->ListIncidents("hostile", 1);
  BOOST_REQUIRE(incidents.ok());
  BOOST_REQUIRE(incidents->size() == 1u);
  BOOST_TEST(incidents->front().cause == i.cause);
  BOOST_TEST(incidents->front().detail == i.detail);
  BOOST_TEST(incidents->front().action == i.action);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_args_or_env_is_rejected_not_mangled) {
  auto store = MustOpen(":memory:");
  Tenant t = MakeTenant("acme", 20000, 100000);
  t.agent.args = {"ok", "bad\xff\xfe"};
  BOOST_TEST(FailsWith(store->InsertTenant(t), ErrorCode::kInvalidArgument, "argument 1"));

  t.agent.args = {};
  t.agent.env = {{"NAME", "lone surrogate \xed\xa0\x80"}};
  BOOST_TEST(FailsWith(store->InsertTenant(t), ErrorCode::kInvalidArgument));
  BOOST_TEST(!Exists(*store, "acme"));
}

BOOST_AUTO_TEST_CASE(damaged_json_in_a_row_is_an_error_not_a_crash) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto store = MustOpen(path);
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  {
    auto raw = RawOpen(path);
    MustExec(raw.get(), "UPDATE tenants SET agent_env = '[[\"A\"], 3' WHERE id = 'acme'");
  }
  Result<std::optional<Tenant>> t = store->GetTenant("acme");
  BOOST_REQUIRE(!t.ok());
  BOOST_TEST(t.error().message.find("agent_env") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(agent_args_and_env_are_stored_as_compact_json_and_rows_written_by_poco_still_read) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto store = MustOpen(path);
  Tenant t = MakeTenant("acme", 20000, 100000);
  t.agent.args = {"--dir", "/var/lib/x y", "say \"hi\"\t"};
  t.agent.env = {{"MODE", "test"}, {"MODE", "again"}};
  REQUIRE_OK(store->InsertTenant(t));
  auto raw = RawOpen(path);
  BOOST_TEST(sqlite_test::MustText(raw.get(), "SELECT agent_args FROM tenants") ==
             R"(["--dir","/var/lib/x y","say \"hi\"\t"])");
  BOOST_TEST(sqlite_test::MustText(raw.get(), "SELECT agent_env FROM tenants") ==
             R"([["MODE","test"],["MODE","again"]])");
  // Poco::JSON (which wrote these columns before) escaped control characters with upper-case hex digits
  // and wrote DEL raw.
  MustExec(raw.get(), "UPDATE tenants SET agent_args = '[\"a\\u000Bb\",\"\x7f\"]', "
                      "agent_env = '[[\"K\",\"\\u001F\"]]'");
  Tenant back = MustGet(*store, "acme");
  BOOST_TEST((back.agent.args == std::vector<std::string>{"a\vb", "\x7f"}));
  BOOST_REQUIRE_EQUAL(back.agent.env.size(), 1u);
  BOOST_TEST(back.agent.env[0].second == "\x1f");
}

// ---- incidents ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(incidents_are_listed_newest_first_with_limit_and_filter) {
  auto store = StoreWithAcmeAndBeta({MakeIncident("acme", 100), MakeIncident("beta", 300),
                                     MakeIncident("acme", 200, "oom"),
                                     MakeIncident("acme", 200, "hang")});  // same time: newer id first

  Result<std::vector<Incident>> all = store->ListIncidents("", 100);
  BOOST_REQUIRE(all.ok());
  BOOST_REQUIRE(all->size() == 4u);
  BOOST_TEST((*all)[0].at_ms == 300);
  BOOST_TEST((*all)[1].cause == "hang");
  BOOST_TEST((*all)[2].cause == "oom");
  BOOST_TEST((*all)[3].at_ms == 100);

  Result<std::vector<Incident>> acme = store->ListIncidents("acme", 2);
  BOOST_REQUIRE(acme.ok());
  BOOST_REQUIRE(acme->size() == 2u);
  BOOST_TEST((*acme)[0].cause == "hang");
  BOOST_TEST((*acme)[1].cause == "oom");
  BOOST_TEST((*acme)[0].tenant == "acme");
  BOOST_TEST(!(*acme)[0].healthy_after_s.has_value());

  Result<std::vector<Incident>> none = store->ListIncidents("acme", 0);
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(none->empty());
  Result<std::vector<Incident>> unlimited = store->ListIncidents("", std::numeric_limits<size_t>::max());
  BOOST_REQUIRE(unlimited.ok());
  BOOST_TEST(unlimited->size() == 4u);
}

BOOST_AUTO_TEST_CASE(incident_ids_are_returned_and_increase) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  Result<int64_t> first = store->AddIncident(MakeIncident("acme", 1));
  Result<int64_t> second = store->AddIncident(MakeIncident("acme", 2));
  BOOST_REQUIRE(first.ok() && second.ok());
  BOOST_TEST(*second > *first);
  Result<std::vector<Incident>> list = store->ListIncidents("acme", 1);
  BOOST_REQUIRE(list.ok() && list->size() == 1u);
  BOOST_TEST(list->front().id == *second);
}

BOOST_AUTO_TEST_CASE(incident_for_an_unknown_tenant_is_not_found) {
  auto store = MustOpen(":memory:");
  Result<int64_t> id = store->AddIncident(MakeIncident("ghost", 1));
  BOOST_REQUIRE(!id.ok());
  BOOST_TEST((Code(id) == ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(marking_an_incident_healthy_records_the_seconds) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("acme", 20000, 100000)));
  Result<int64_t> id = store->AddIncident(MakeIncident("acme", 1));
  REQUIRE_OK(id);
  REQUIRE_OK(store->SetIncidentHealthy(*id, 12.25));
  Result<std::vector<Incident>> list = store->ListIncidents("acme", 10);
  BOOST_REQUIRE(list.ok() && list->size() == 1u);
  BOOST_TEST(list->front().healthy_after_s.value_or(-1) == 12.25);

  Status missing = store->SetIncidentHealthy(*id + 1000, 1.0);
  BOOST_TEST((Code(missing) == ErrorCode::kNotFound));
  Status nan = store->SetIncidentHealthy(*id, std::nan(""));
  BOOST_TEST((Code(nan) == ErrorCode::kInvalidArgument));
  Incident inf = MakeIncident("acme", 2);
  inf.healthy_after_s = std::numeric_limits<double>::infinity();
  BOOST_TEST((Code(store->AddIncident(inf)) == ErrorCode::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(deleting_a_tenant_deletes_its_incidents) {
  auto store = StoreWithAcmeAndBeta({MakeIncident("acme", 1), MakeIncident("acme", 2), MakeIncident("beta", 3)});
  REQUIRE_OK(store->DeleteTenant("acme"));
  Result<std::vector<Incident>> all = store->ListIncidents("", 100);
  BOOST_REQUIRE(all.ok());
  BOOST_REQUIRE(all->size() == 1u);
  BOOST_TEST(all->front().tenant == "beta");
}

// ---- free uid / port ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(free_uid_is_the_lowest_unused_in_range) {
  auto store = MustOpen(":memory:");
  auto free_uid = [&](uint32_t lo, uint32_t hi) {
    Result<uint32_t> uid = store->FreeUid(lo, hi);
    BOOST_REQUIRE_MESSAGE(uid.ok(), Why(uid));
    return *uid;
  };
  BOOST_TEST(free_uid(1000, 1999) == 1000u);
  REQUIRE_OK(store->InsertTenant(MakeTenant("a", 20000, 1000)));
  BOOST_TEST(free_uid(1000, 1999) == 1001u);
  REQUIRE_OK(store->InsertTenant(MakeTenant("b", 20001, 1001)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("c", 20002, 1003)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("d", 20003, 999)));   // below the range
  REQUIRE_OK(store->InsertTenant(MakeTenant("e", 20004, 5000)));  // above it
  BOOST_TEST(free_uid(1000, 1999) == 1002u);
  BOOST_TEST(free_uid(1003, 1999) == 1004u);
  BOOST_TEST(free_uid(998, 1999) == 998u);
  BOOST_TEST(free_uid(999, 1999) == 1002u);  // 999-1001 taken
}

BOOST_AUTO_TEST_CASE(free_uid_in_a_full_or_empty_range_is_an_error) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("a", 20000, 1000)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("b", 20001, 1001)));
  Result<uint32_t> full = store->FreeUid(1000, 1001);
  BOOST_REQUIRE(!full.ok());
  BOOST_TEST((Code(full) == ErrorCode::kUnavailable));
  Result<uint32_t> single = store->FreeUid(1000, 1000);
  BOOST_TEST((Code(single) == ErrorCode::kUnavailable));
  Result<uint32_t> backwards = store->FreeUid(2000, 1000);
  BOOST_TEST((Code(backwards) == ErrorCode::kInvalidArgument));

  REQUIRE_OK(store->InsertTenant(MakeTenant("top", 20002, std::numeric_limits<uint32_t>::max())));
  const uint32_t max = std::numeric_limits<uint32_t>::max();
  Result<uint32_t> at_top = store->FreeUid(max - 1, max);
  BOOST_REQUIRE(at_top.ok());
  BOOST_TEST(*at_top == max - 1);
}

BOOST_AUTO_TEST_CASE(free_port_skips_taken_slots) {
  auto store = MustOpen(":memory:");
  auto free_port = [&](uint16_t base, uint16_t step) {
    Result<uint16_t> port = store->FreePort(base, step);
    BOOST_REQUIRE_MESSAGE(port.ok(), Why(port));
    return *port;
  };
  BOOST_TEST(free_port(20000, 10) == 20000);
  REQUIRE_OK(store->InsertTenant(MakeTenant("a", 20000, 1000)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("b", 20010, 1001)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("c", 20015, 1002)));  // off the lattice: ignored
  REQUIRE_OK(store->InsertTenant(MakeTenant("d", 20030, 1003)));
  REQUIRE_OK(store->InsertTenant(MakeTenant("e", 19990, 1004)));  // below base: ignored
  BOOST_TEST(free_port(20000, 10) == 20020);
  BOOST_TEST(free_port(20000, 1) == 20001);
  BOOST_TEST(free_port(20010, 5) == 20020);  // 20010 and 20015 taken
}

BOOST_AUTO_TEST_CASE(free_port_never_passes_65535) {
  auto store = MustOpen(":memory:");
  REQUIRE_OK(store->InsertTenant(MakeTenant("a", 65530, 1000)));
  Result<uint16_t> last = store->FreePort(65530, 5);
  BOOST_REQUIRE(last.ok());
  BOOST_TEST(*last == 65535);
  REQUIRE_OK(store->InsertTenant(MakeTenant("b", 65535, 1001)));
  Result<uint16_t> full = store->FreePort(65530, 5);
  BOOST_REQUIRE(!full.ok());
  BOOST_TEST((Code(full) == ErrorCode::kUnavailable));
  Result<uint16_t> past = store->FreePort(65530, 7);  // 65537 would wrap to 1
  BOOST_TEST((Code(past) == ErrorCode::kUnavailable));
}

BOOST_AUTO_TEST_CASE(free_port_refuses_a_zero_base_or_step) {
  auto store = MustOpen(":memory:");
  BOOST_TEST((Code(store->FreePort(20000, 0)) == ErrorCode::kInvalidArgument));
  BOOST_TEST((Code(store->FreePort(0, 1)) == ErrorCode::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(free_slots_are_found_quickly_among_10k_tenants) {
  auto store = MustOpen(":memory:");
  {
    Result<Transaction> tx = store->Begin();
    BOOST_REQUIRE(tx.ok());
    for (uint32_t i = 0; i < 10000; ++i) {
      if (i == 7777) continue;  // one hole
      REQUIRE_OK(store->InsertTenant(
          MakeTenant("t" + std::to_string(i), static_cast<uint16_t>(20000 + i * 2), 100000 + i)));
    }
    REQUIRE_OK(tx->commit());
  }
  auto start = std::chrono::steady_clock::now();
  Result<uint32_t> uid = store->FreeUid(100000, 199999);
  Result<uint16_t> port = store->FreePort(20000, 2);
  auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_REQUIRE(uid.ok() && port.ok());
  BOOST_TEST(*uid == 107777u);
  BOOST_TEST(*port == 20000 + 7777 * 2);
  BOOST_TEST_MESSAGE("FreeUid + FreePort over 10k tenants: "
                     << std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() << " us");
  BOOST_TEST(elapsed < std::chrono::seconds(2));  // generous: it takes milliseconds
}

BOOST_AUTO_TEST_SUITE_END()
