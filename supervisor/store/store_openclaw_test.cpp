// The store's issue-7 parts: migration 2 (a tenant's runtime image, its pin and OpenClaw settings; fleet
// updates), tenants' new fields through Insert/Get/Update, and fleet update documents.
#include <sqlite3.h>
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/store/migrations.h"
#include "supervisor/store/store_test_util.h"

namespace clawhive {
namespace {

using namespace store_test;

using sqlite_test::MustText;

Tenant MakeTenant(const std::string& id, uint16_t port, uint32_t uid) {
  Tenant t;
  t.id = id;
  t.display_name = id;
  t.agent.exec = "/usr/bin/agent";
  t.port = port;
  t.uid = uid;
  t.created_at = t.updated_at = 1700000000;
  return t;
}

OpenClawSettings Chosen() {
  OpenClawSettings s;
  s.model = "gpt-4o";
  s.heartbeat = true;
  s.channels = {{"telegram", true, "TELEGRAM_BOT_TOKEN"}, {"discord", false, "DISCORD_TOKEN"}};
  return s;
}

int64_t MustSave(Store& store, int64_t id, const std::string& target, const std::string& state, const std::string& doc) {
  Result<int64_t> r = store.SaveFleetUpdate(id, target, state, doc);
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  return *r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_openclaw)

BOOST_AUTO_TEST_CASE(migration_2_upgrades_a_version_1_database_keeping_its_tenants) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    auto raw = RawOpen(path);
    Result<int> v = sqlite::ApplyMigrations(raw.get(), schema::Migrations().first(1));
    BOOST_REQUIRE_MESSAGE(v.ok(), Why(v));
    BOOST_REQUIRE_EQUAL(*v, 1);
    MustExec(raw.get(),
             "INSERT INTO tenants (id, display_name, agent_exec, agent_args, port, uid, created_at, updated_at) "
             "VALUES ('old-one', 'Old One', '/usr/bin/agent', '[\"--x\"]', 20000, 300000, 1, 2)");
  }
  auto store = MustOpen(path);
  BOOST_TEST(store->schema_version() == 2);
  Tenant t = MustGet(*store, "old-one");
  BOOST_TEST(t.display_name == "Old One");
  BOOST_TEST(t.agent.exec == "/usr/bin/agent");
  BOOST_TEST(t.agent.args == std::vector<std::string>{"--x"}, boost::test_tools::per_element());
  BOOST_TEST(t.port == 20000);
  BOOST_TEST(t.runtime == "");
  BOOST_TEST(!t.runtime_pinned);
  BOOST_TEST((t.openclaw == OpenClawSettings{}));
  // The fleet's table is there too.
  BOOST_TEST(store->FleetUpdateDocs(10)->empty());
  BOOST_TEST(*store->FleetTarget() == "");
  // And the old tenant can take the new fields.
  t.runtime = "openclaw-2026.9.6";
  t.runtime_pinned = true;
  BOOST_TEST_REQUIRE(store->UpdateTenant(t).ok());
  BOOST_TEST(MustGet(*store, "old-one").runtime_pinned);
}

BOOST_AUTO_TEST_CASE(runtime_pin_and_openclaw_settings_round_trip_through_insert_get_and_update) {
  auto store = MustOpen(":memory:");
  Tenant t = MakeTenant("acme", 20000, 300000);
  t.runtime = "openclaw-2026.9.6";
  t.runtime_pinned = true;
  t.openclaw = Chosen();
  BOOST_TEST_REQUIRE(store->InsertTenant(t).ok());
  Tenant got = MustGet(*store, "acme");
  BOOST_TEST(got.runtime == "openclaw-2026.9.6");
  BOOST_TEST(got.runtime_pinned);
  BOOST_TEST((got.openclaw == Chosen()));

  got.runtime = "openclaw-2026.10.1";
  got.runtime_pinned = false;
  got.openclaw.channels.pop_back();
  got.openclaw.model = "";
  BOOST_TEST_REQUIRE(store->UpdateTenant(got).ok());
  Tenant again = MustGet(*store, "acme");
  BOOST_TEST(again.runtime == "openclaw-2026.10.1");
  BOOST_TEST(!again.runtime_pinned);
  BOOST_TEST((again.openclaw == got.openclaw));
  auto all = store->ListTenants();
  BOOST_TEST_REQUIRE(all->size() == 1u);
  BOOST_TEST(((*all)[0].openclaw == got.openclaw));
}

BOOST_AUTO_TEST_CASE(a_plain_tenant_keeps_no_runtime_and_default_settings) {
  auto store = MustOpen(":memory:");
  BOOST_TEST_REQUIRE(store->InsertTenant(MakeTenant("plain", 20000, 300000)).ok());
  Tenant t = MustGet(*store, "plain");
  BOOST_TEST(t.runtime == "");
  BOOST_TEST(!t.runtime_pinned);
  BOOST_TEST((t.openclaw == OpenClawSettings{}));
}

BOOST_AUTO_TEST_CASE(damaged_openclaw_settings_in_a_row_are_an_error_naming_them) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto store = MustOpen(path);
  BOOST_TEST_REQUIRE(store->InsertTenant(MakeTenant("acme", 20000, 300000)).ok());
  {
    auto raw = RawOpen(path);
    MustExec(raw.get(), "UPDATE tenants SET openclaw = '{\"model\": 3' WHERE id = 'acme'");
  }
  auto t = store->GetTenant("acme");
  BOOST_TEST_REQUIRE(!t.ok());
  BOOST_TEST(t.error().message.find("openclaw settings") != std::string::npos, t.error().message);
}

BOOST_AUTO_TEST_CASE(fleet_updates_are_inserted_replaced_and_listed_newest_first) {
  auto store = MustOpen(":memory:");
  int64_t a = MustSave(*store, 0, "openclaw-1.0.0", "running", "{\"n\":1}");
  int64_t b = MustSave(*store, 0, "openclaw-2.0.0", "running", "{\"n\":2}");
  BOOST_TEST(a > 0);
  BOOST_TEST(b > a);
  BOOST_TEST(MustSave(*store, a, "openclaw-1.0.0", "done", "{\"n\":11}") == a);
  auto docs = store->FleetUpdateDocs(10);
  BOOST_TEST_REQUIRE(docs.ok());
  std::vector<std::string> want = {"{\"n\":2}", "{\"n\":11}"};
  BOOST_TEST(*docs == want, boost::test_tools::per_element());
  BOOST_TEST(store->FleetUpdateDocs(1)->size() == 1u);
  BOOST_TEST(store->FleetUpdateDocs(1)->front() == "{\"n\":2}");
}

BOOST_AUTO_TEST_CASE(a_state_outside_the_four_known_ones_is_refused) {
  auto store = MustOpen(":memory:");
  BOOST_TEST(!store->SaveFleetUpdate(0, "openclaw-1.0.0", "paused", "{}").ok());
  BOOST_TEST(store->FleetUpdateDocs(10)->empty());
}

BOOST_AUTO_TEST_CASE(the_fleet_target_is_that_of_the_newest_finished_update) {
  auto store = MustOpen(":memory:");
  BOOST_TEST(*store->FleetTarget() == "");
  MustSave(*store, 0, "openclaw-1.0.0", "done", "{}");
  BOOST_TEST(*store->FleetTarget() == "openclaw-1.0.0");
  MustSave(*store, 0, "openclaw-2.0.0", "done", "{}");
  BOOST_TEST(*store->FleetTarget() == "openclaw-2.0.0");
  for (const char* state : {"running", "stopped", "interrupted"}) MustSave(*store, 0, "openclaw-3.0.0", state, "{}");
  BOOST_TEST(*store->FleetTarget() == "openclaw-2.0.0");
}

BOOST_AUTO_TEST_CASE(interrupting_marks_only_running_updates_and_counts_them) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  auto store = MustOpen(path);
  int64_t running1 = MustSave(*store, 0, "openclaw-1.0.0", "running", "{}");
  int64_t done = MustSave(*store, 0, "openclaw-1.0.0", "done", "{}");
  int64_t running2 = MustSave(*store, 0, "openclaw-2.0.0", "running", "{}");
  Result<int64_t> n = store->InterruptFleetUpdates();
  BOOST_TEST_REQUIRE(n.ok(), Why(n));
  BOOST_TEST(*n == 2);
  auto raw = RawOpen(path);
  auto state = [&](int64_t id) {
    return MustText(raw.get(), "SELECT state FROM fleet_updates WHERE id = " + std::to_string(id));
  };
  BOOST_TEST(state(running1) == "interrupted");
  BOOST_TEST(state(running2) == "interrupted");
  BOOST_TEST(state(done) == "done");
  BOOST_TEST(*store->InterruptFleetUpdates() == 0);
  BOOST_TEST(*store->FleetTarget() == "openclaw-1.0.0");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
