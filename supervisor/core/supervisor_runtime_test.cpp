// Tenants on an OpenClaw runtime image, in the supervisor core: the agent command derived from the image,
// startup and liveness probes, start timeouts, the checks at create and update, and the fleet's hooks
// (SetRuntime, BeginTrial). Fakes of systemd, the host, the clock, the prober and the image catalog; a
// real in-memory store.
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/core/supervisor.h"
#include "supervisor/core/tenant_rules.h"
#include "unit/runtime_world.h"

namespace clawhive {
namespace {

using testing::kNew;
using testing::kOld;
using World = testing::RuntimeWorld;
using testing::Failed;
using testing::Has;
using testing::TrialAnswer;
using testing::Why;

std::vector<std::string> OpenClawArgs(const std::string& image, uint16_t port) {
  return {"/images/" + image + "/openclaw/openclaw.mjs", "gateway", "run", "--port", std::to_string(port), "--bind",
          "loopback"};
}

// The node of an image: what a tenant on that image runs.
std::string NodeOf(const std::string& image) { return "/images/" + image + "/node/bin/node"; }

// Restarts w's supervisor as production runs it: with no default agent, and `default_runtime` for the
// tenants that name no image of their own.
void BootWithoutDefaultAgent(World& w, const std::string& default_runtime = "") {
  w.config.default_agent.exec = "";
  w.config.default_runtime = default_runtime;
  w.Boot();
}

// Restarts w's supervisor with a 30 s start timeout for plain commands and 90 s for OpenClaw, and the
// first tenant's port never healthy.
void BootWithStartTimeoutsAndAHungAgent(World& w) {
  w.config.start_timeout_ms = 30000;
  w.config.openclaw_start_timeout_ms = 90000;
  w.Boot();
  w.prober.SetHealthy(w.config.port_base, false);
}

// A tenant created without a runtime or a command of its own runs `image`.
void CheckNewTenantsRun(World& w, const std::string& image) {
  TenantStatus st = w.Create("acme", TenantPatch{});
  BOOST_TEST(st.tenant.runtime == image);
  BOOST_TEST(st.tenant.agent.exec == NodeOf(image));
}

// A plain command tenant probed on its own health path.
TenantPatch CommandWithHealthPath(const std::string& path) {
  TenantPatch p;
  p.health_path = path;
  return p;
}

// A patch that asks for `model` in the tenant's OpenClaw settings.
TenantPatch ModelPatch(const std::string& model) {
  TenantPatch p;
  p.openclaw = OpenClawSettings{};
  p.openclaw->model = model;
  return p;
}

// What an update of "acme" answered, and whether its agent was restarted for it (a new pid once the
// loop ran).
struct Updated {
  Result<TenantStatus> result;
  bool restarted;
};
Updated UpdateAcme(World& w, const TenantPatch& p) {
  uint32_t pid = w.Pid("acme");
  Result<TenantStatus> st = w.sup->Update("acme", p);
  w.loop.Advance(50);
  return {std::move(st), w.Pid("acme") != pid};
}

// The first incident of a tenant (the oldest) is a hang, with `detail`.
void CheckFirstIncidentIsAHang(World& w, const std::string& id, const std::string& detail) {
  auto list = w.sup->Incidents(id, 100);
  BOOST_REQUIRE(list.ok());
  BOOST_REQUIRE(!list->empty());
  BOOST_TEST(list->back().cause == "hang");
  BOOST_TEST(list->back().detail == detail);
}

// Nothing of a refused create is left anywhere.
void CheckNothingCreated(World& w, const std::string& id) {
  BOOST_TEST(w.store->ListTenants()->empty());
  BOOST_TEST(w.host.users.empty());
  BOOST_TEST(w.host.files.empty());
  BOOST_TEST(w.units.calls.empty());
  BOOST_TEST(Failed(w.sup->Get(id), ErrorCode::kNotFound), Why(w.sup->Get(id)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(supervisor_runtime)

BOOST_AUTO_TEST_CASE(creating_a_runtime_tenant_runs_the_images_node_on_openclaw_at_its_port) {
  World w;
  TenantStatus st = w.CreateOn("acme", kNew);
  const Tenant& t = st.tenant;
  BOOST_TEST(t.runtime == kNew);
  BOOST_TEST(t.agent.exec == NodeOf(kNew));
  BOOST_TEST(t.agent.args == OpenClawArgs(kNew, t.port), boost::test_tools::per_element());
  BOOST_TEST(t.agent.health_path == "/healthz");
  // Stored so, and in the environment file systemd starts it from.
  Tenant stored = w.Stored("acme");
  BOOST_TEST(stored.agent.exec == t.agent.exec);
  BOOST_TEST(stored.runtime == kNew);
  const std::string& env = w.host.files[EnvFilePath(w.config, "acme")];
  BOOST_TEST(Has(env, "CLAWHIVE_AGENT_EXEC=" + NodeOf(kNew) + "\n"), env);
  BOOST_TEST(Has(env, "gateway run --port " + std::to_string(t.port) + " --bind loopback"), env);
  BOOST_TEST(w.sup->PhaseOf("acme") == "running");
}

BOOST_AUTO_TEST_CASE(the_second_runtime_tenant_gets_its_own_port_in_its_command) {
  World w;
  w.CreateOn("a1", kNew);
  TenantStatus b = w.CreateOn("b2", kNew);
  BOOST_TEST(b.tenant.port == w.config.port_base + w.config.port_step);
  BOOST_TEST(b.tenant.agent.args == OpenClawArgs(kNew, b.tenant.port), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_runtime_tenant_is_started_on_startupz_then_probed_on_healthz) {
  World w;
  uint16_t port = w.CreateOn("acme", kNew).tenant.port;
  w.loop.Advance(2500);
  const std::vector<std::string>& paths = w.prober.paths(port);
  BOOST_TEST_REQUIRE(paths.size() >= 2u);
  BOOST_TEST(paths.front() == "/startupz");
  for (size_t i = 1; i < paths.size(); ++i) BOOST_TEST(paths[i] == "/healthz");
}

BOOST_AUTO_TEST_CASE(a_command_tenant_is_started_and_probed_on_its_own_health_path) {
  World w;
  uint16_t port = w.Create("acme", CommandWithHealthPath("/alive")).tenant.port;
  w.loop.Advance(2500);
  const std::vector<std::string>& paths = w.prober.paths(port);
  BOOST_TEST_REQUIRE(paths.size() >= 2u);
  for (const std::string& path : paths) BOOST_TEST(path == "/alive");
}

BOOST_AUTO_TEST_CASE(a_runtime_tenant_is_given_the_openclaw_start_timeout) {
  World w;
  BootWithStartTimeoutsAndAHungAgent(w);
  w.CreateOn("acme", kNew);
  w.loop.Advance(60000);  // well past the plain start timeout
  BOOST_TEST(w.sup->Incidents("acme", 10)->empty());
  BOOST_TEST(w.sup->PhaseOf("acme") == "starting");
  w.loop.Advance(31000);
  CheckFirstIncidentIsAHang(w, "acme", "not started within 90 s (/startupz)");
}

BOOST_AUTO_TEST_CASE(a_command_tenant_is_given_the_plain_start_timeout) {
  World w;
  BootWithStartTimeoutsAndAHungAgent(w);
  w.Create("acme", CommandWithHealthPath("/alive"));
  w.loop.Advance(31000);
  CheckFirstIncidentIsAHang(w, "acme", "not started within 30 s (/alive)");
}

BOOST_AUTO_TEST_CASE(an_adopted_runtime_tenant_is_probed_on_startupz_after_a_supervisor_restart) {
  World w;
  uint16_t port = w.CreateOn("acme", kNew).tenant.port;
  uint32_t pid = w.Pid("acme");
  w.Boot();
  size_t before = w.prober.paths(port).size();
  w.loop.Advance(100);
  const std::vector<std::string>& paths = w.prober.paths(port);
  BOOST_TEST_REQUIRE(paths.size() > before);
  BOOST_TEST(paths[before] == "/startupz");
  BOOST_TEST(w.Pid("acme") == pid);
}

BOOST_AUTO_TEST_CASE(an_unknown_image_is_not_found_and_nothing_is_created) {
  World w;
  TenantPatch p;
  p.runtime = "openclaw-1999.1.1";
  auto st = w.sup->Create("acme", p);
  BOOST_TEST(Failed(st, ErrorCode::kNotFound), Why(st));
  BOOST_TEST(Has(Why(st), "openclaw-1999.1.1"));
  CheckNothingCreated(w, "acme");
}

BOOST_AUTO_TEST_CASE(without_a_catalog_a_runtime_is_unavailable_and_nothing_is_created) {
  World w;
  w.Boot(/*with_catalog=*/false);
  TenantPatch p;
  p.runtime = kNew;
  auto st = w.sup->Create("acme", p);
  BOOST_TEST(Failed(st, ErrorCode::kUnavailable), Why(st));
  CheckNothingCreated(w, "acme");
  // A plain command tenant needs no catalog.
  BOOST_TEST(w.sup->Create("plain", TenantPatch{}).ok());
}

BOOST_AUTO_TEST_CASE(a_model_outside_the_operators_list_is_invalid_and_nothing_is_created) {
  World w;
  TenantPatch p = ModelPatch("gpt-5-turbo");
  p.runtime = kNew;
  auto st = w.sup->Create("acme", p);
  BOOST_TEST(Failed(st, ErrorCode::kInvalidArgument), Why(st));
  BOOST_TEST(Has(Why(st), "gpt-4o-mini, gpt-4o"), Why(st));
  CheckNothingCreated(w, "acme");
}

BOOST_AUTO_TEST_CASE(the_configured_default_runtime_is_what_new_tenants_run) {
  World w;
  w.config.default_runtime = kOld;
  w.Boot();
  CheckNewTenantsRun(w, kOld);
}

BOOST_AUTO_TEST_CASE(without_a_runtime_image_or_an_agent_a_create_is_a_conflict_that_says_what_to_do) {
  World w;
  BootWithoutDefaultAgent(w);  // no test agent, no plain command, no image
  auto st = w.sup->Create("acme", TenantPatch{});
  BOOST_TEST(Failed(st, ErrorCode::kConflict), Why(st));
  BOOST_TEST(Why(st) == kNoAgentMessage);
  BOOST_TEST(Has(Why(st), "images/runtime/build"));
  BOOST_TEST(Has(Why(st), "POST /v1/images"));
  BOOST_TEST(Has(Why(st), "clawhive-image import"));
  BOOST_TEST(Has(Why(st), "openclaw.runtime"));
  CheckNothingCreated(w, "acme");
  // Either way out works: the tenant's own image, or its own program.
  TenantPatch on_image;
  on_image.runtime = kNew;
  TenantStatus a = w.Create("on-image", on_image);
  BOOST_TEST(a.tenant.agent.exec == NodeOf(kNew));
  TenantPatch own;
  own.agent_exec = "/opt/agent/bin/agent";
  BOOST_TEST(w.Create("own", own).tenant.agent.exec == "/opt/agent/bin/agent");
}

BOOST_AUTO_TEST_CASE(with_no_default_agent_a_configured_runtime_is_what_new_tenants_run) {
  World w;
  BootWithoutDefaultAgent(w, kOld);
  CheckNewTenantsRun(w, kOld);
}

BOOST_AUTO_TEST_CASE(a_configured_runtime_that_is_not_imported_is_a_conflict_that_says_what_to_do) {
  World w;
  BootWithoutDefaultAgent(w, "openclaw-1999.1.1");
  auto st = w.sup->Create("acme", TenantPatch{});
  BOOST_TEST(Failed(st, ErrorCode::kConflict), Why(st));
  BOOST_TEST(Has(Why(st), "openclaw-1999.1.1"), Why(st));
  BOOST_TEST(Has(Why(st), "openclaw.runtime"), Why(st));
  BOOST_TEST(Has(Why(st), "POST /v1/images"), Why(st));
  CheckNothingCreated(w, "acme");
}

BOOST_AUTO_TEST_CASE(leaving_the_runtime_with_no_default_agent_is_a_conflict_and_changes_nothing) {
  World w;
  BootWithoutDefaultAgent(w);
  w.CreateOn("acme", kOld);
  TenantPatch leave;
  leave.runtime = "";
  auto st = w.sup->Update("acme", leave);
  BOOST_TEST(Failed(st, ErrorCode::kConflict), Why(st));
  BOOST_TEST(w.sup->Get("acme")->tenant.runtime == kOld);
}

BOOST_AUTO_TEST_CASE(an_update_of_only_the_openclaw_settings_restarts_the_agent) {
  World w;
  w.CreateOn("acme", kNew);
  TenantPatch p;
  p.openclaw = OpenClawSettings{};
  p.openclaw->heartbeat = true;
  Updated u = UpdateAcme(w, p);
  BOOST_TEST_REQUIRE(u.result.ok(), Why(u.result));
  BOOST_TEST(u.restarted);
  BOOST_TEST(w.Stored("acme").openclaw.heartbeat);
  BOOST_TEST(w.sup->PhaseOf("acme") == "running");
}

BOOST_AUTO_TEST_CASE(an_update_with_a_model_outside_the_list_changes_nothing) {
  World w;
  w.CreateOn("acme", kNew);
  Updated u = UpdateAcme(w, ModelPatch("not-offered"));
  BOOST_TEST(Failed(u.result, ErrorCode::kInvalidArgument), Why(u.result));
  BOOST_TEST(!u.restarted);
  BOOST_TEST(w.Stored("acme").openclaw.model == "");
}

BOOST_AUTO_TEST_CASE(pinning_a_tenant_is_stored_without_a_restart) {
  World w;
  w.CreateOn("acme", kNew);
  TenantPatch p;
  p.runtime_pinned = true;
  Updated u = UpdateAcme(w, p);
  BOOST_TEST_REQUIRE(u.result.ok(), Why(u.result));
  BOOST_TEST(!u.restarted);
  BOOST_TEST(w.Stored("acme").runtime_pinned);
}

BOOST_AUTO_TEST_CASE(moving_a_tenant_to_another_image_by_update_restarts_it_on_that_image) {
  World w;
  w.CreateOn("acme", kOld);
  TenantPatch p;
  p.runtime = kNew;
  Updated u = UpdateAcme(w, p);
  BOOST_TEST_REQUIRE(u.result.ok(), Why(u.result));
  BOOST_TEST(u.restarted);
  BOOST_TEST(w.Stored("acme").agent.exec == NodeOf(kNew));
}

BOOST_AUTO_TEST_CASE(moving_a_runtime_tenant_back_to_a_plain_command_runs_the_configured_agent) {
  World w;
  TenantStatus created = w.CreateOn("acme", kNew);
  TenantPatch p;
  p.runtime = "";
  auto st = w.sup->Update("acme", p);
  BOOST_TEST_REQUIRE(st.ok(), Why(st));
  w.loop.Advance(50);
  Tenant t = w.Stored("acme");
  BOOST_TEST(t.runtime == "");
  BOOST_TEST(t.agent.exec == w.config.default_agent.exec);
  BOOST_TEST(t.agent.args == w.config.default_agent.args, boost::test_tools::per_element());
  BOOST_TEST(t.port == created.tenant.port);
  // Its probes follow: the plain health path for the start too.
  size_t before = w.prober.paths(t.port).size();
  BOOST_TEST_REQUIRE(w.sup->Restart("acme").ok());
  w.loop.Advance(50);
  BOOST_TEST_REQUIRE(w.prober.paths(t.port).size() > before);
  BOOST_TEST(w.prober.paths(t.port)[before] == "/healthz");
}

BOOST_AUTO_TEST_CASE(a_plain_command_set_together_with_leaving_the_runtime_is_kept) {
  World w;
  w.CreateOn("acme", kNew);
  TenantPatch p;
  p.runtime = "";
  p.agent_exec = "/opt/agent/bin/agent";
  p.agent_args = std::vector<std::string>{"--serve"};
  BOOST_TEST_REQUIRE(w.sup->Update("acme", p).ok());
  Tenant t = w.Stored("acme");
  BOOST_TEST(t.agent.exec == "/opt/agent/bin/agent");
  BOOST_TEST(t.agent.args == std::vector<std::string>{"--serve"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(set_runtime_switches_the_image_without_a_restart) {
  World w;
  w.CreateOn("acme", kOld);
  uint32_t pid = w.Pid("acme");
  size_t starts = w.units.calls.size();
  Status s = w.sup->SetRuntime("acme", kNew);
  BOOST_TEST_REQUIRE(s.ok(), Why(s));
  w.loop.Advance(50);
  BOOST_TEST(w.Pid("acme") == pid);
  BOOST_TEST(w.units.calls.size() == starts);
  Tenant t = w.Stored("acme");
  BOOST_TEST(t.runtime == kNew);
  BOOST_TEST(t.agent.exec == NodeOf(kNew));
  BOOST_TEST(Has(w.host.files[EnvFilePath(w.config, "acme")], NodeOf(kNew)));
  std::vector<Tenant> all = w.sup->Tenants();
  BOOST_TEST_REQUIRE(all.size() == 1u);
  BOOST_TEST(all[0].runtime == kNew);
  BOOST_TEST(w.sup->Get("acme")->tenant.runtime == kNew);
}

BOOST_AUTO_TEST_CASE(set_runtime_to_an_unknown_image_changes_nothing) {
  World w;
  w.CreateOn("acme", kOld);
  Status s = w.sup->SetRuntime("acme", "openclaw-1999.1.1");
  BOOST_TEST(Failed(s, ErrorCode::kNotFound), Why(s));
  BOOST_TEST(w.Stored("acme").runtime == kOld);
  BOOST_TEST(w.sup->Tenants()[0].runtime == kOld);
  BOOST_TEST(Failed(w.sup->SetRuntime("nobody", kNew), ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(tenants_lists_every_tenant_with_its_runtime_and_pin) {
  World w;
  w.CreateOn("b-pinned", kOld, /*pinned=*/true);
  w.CreateOn("a-new", kNew);
  w.Create("c-plain", TenantPatch{});
  std::vector<Tenant> all = w.sup->Tenants();
  BOOST_TEST_REQUIRE(all.size() == 3u);
  BOOST_TEST(all[0].id == "a-new");
  BOOST_TEST(all[0].runtime == kNew);
  BOOST_TEST(all[1].id == "b-pinned");
  BOOST_TEST(all[1].runtime_pinned);
  BOOST_TEST(all[2].runtime == "");
}

BOOST_AUTO_TEST_CASE(a_second_trial_while_one_runs_is_a_conflict) {
  World w;
  w.CreateOn("acme", kNew);
  BOOST_TEST_REQUIRE(w.sup->BeginTrial("acme", [](bool, const std::string&) {}).ok());
  Status again = w.sup->BeginTrial("acme", [](bool, const std::string&) {});
  BOOST_TEST(Failed(again, ErrorCode::kConflict), Why(again));
}

BOOST_AUTO_TEST_CASE(a_trial_of_a_stopped_tenant_is_a_conflict) {
  World w;
  w.CreateOn("acme", kNew);
  BOOST_TEST_REQUIRE(w.sup->Stop("acme").ok());
  w.loop.Advance(50);
  Status s = w.sup->BeginTrial("acme", [](bool, const std::string&) {});
  BOOST_TEST(Failed(s, ErrorCode::kConflict), Why(s));
}

BOOST_AUTO_TEST_CASE(a_stop_during_a_trial_ends_it_as_failed_and_the_tenant_stays_stopped) {
  World w;
  w.CreateOn("acme", kNew);
  TrialAnswer answer;
  BOOST_TEST_REQUIRE(w.BeginTrial("acme", &answer).ok());
  w.loop.Advance(100);  // soaking
  BOOST_TEST_REQUIRE(w.sup->Stop("acme").ok());
  BOOST_TEST_REQUIRE(answer.passed.has_value());
  BOOST_TEST(!*answer.passed);
  BOOST_TEST(Has(answer.why, "stopped"), answer.why);
  w.loop.Advance(w.config.trial_soak_ms + 1000);
  BOOST_TEST(!*answer.passed);  // answered once
  BOOST_TEST(w.Unit("acme").active == "inactive");
  BOOST_TEST(w.sup->PhaseOf("acme") == "stopped");
  // A later start is a plain start, no trial left behind.
  BOOST_TEST_REQUIRE(w.sup->Start("acme").ok());
  w.loop.Advance(100);
  BOOST_TEST(w.sup->BeginTrial("acme", [](bool, const std::string&) {}).ok());
}

BOOST_AUTO_TEST_CASE(a_delete_during_a_trial_ends_it_as_failed) {
  World w;
  w.CreateOn("acme", kNew);
  TrialAnswer answer;
  BOOST_TEST_REQUIRE(w.BeginTrial("acme", &answer).ok());
  w.loop.Advance(100);
  (void)w.sup->Delete("acme", false);
  w.loop.Advance(w.config.trial_soak_ms + 1000);
  BOOST_TEST_REQUIRE(answer.passed.has_value());
  BOOST_TEST(!*answer.passed);
  BOOST_TEST(Has(answer.why, "deleted"), answer.why);
  BOOST_TEST(w.sup->Tenants().empty());
  BOOST_TEST(w.Unit("acme").active != "active");
}

BOOST_AUTO_TEST_CASE(start_now_leaves_a_stopped_tenant_stopped) {
  World w;
  w.CreateOn("acme", kNew);
  BOOST_TEST_REQUIRE(w.sup->Stop("acme").ok());
  w.loop.Advance(50);
  w.sup->StartNow("acme");
  w.sup->StartNow("nobody");
  w.loop.Advance(50);
  BOOST_TEST(w.Unit("acme").active == "inactive");
}

BOOST_AUTO_TEST_CASE(a_trial_on_a_new_image_waits_for_startupz_and_the_soak) {
  World w;
  uint16_t port = w.CreateOn("acme", kOld).tenant.port;
  BOOST_TEST_REQUIRE(w.sup->SetRuntime("acme", kNew).ok());
  std::optional<bool> result;
  size_t before = w.prober.paths(port).size();
  BOOST_TEST_REQUIRE(w.sup->BeginTrial("acme", [&](bool ok, const std::string&) { result = ok; }).ok());
  w.loop.Advance(100);
  BOOST_TEST_REQUIRE(w.prober.paths(port).size() > before);
  BOOST_TEST(w.prober.paths(port)[before] == "/startupz");
  BOOST_TEST(!result.has_value());
  w.loop.Advance(w.config.trial_soak_ms);
  BOOST_TEST_REQUIRE(result.has_value());
  BOOST_TEST(*result);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
