// The supervisor core against fakes of systemd, the host, the clock and the prober, with a real
// in-memory SQLite store.
#include "supervisor/core/supervisor.h"

#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <optional>

#include "supervisor/core/tenant_rules.h"
#include "supervisor/core/usage_sampler.h"
#include "unit/fails_with.h"
#include "unit/fake_host.h"
#include "unit/fake_loop.h"
#include "unit/fake_prober.h"
#include "unit/fake_unit_manager.h"
#include "unit/same_tenant.h"
#include "unit/supervisor_world.h"

namespace clawhive {
namespace {

using testing::FailsWith;

using World = testing::SupervisorWorld;

const std::string kSvc = TenantNames::Service("acme-corp");

BOOST_AUTO_TEST_SUITE(supervisor_core)

BOOST_AUTO_TEST_CASE(creating_a_tenant_provisions_user_files_slice_and_starts_it) {
  World w;
  TenantStatus st = w.Create("acme-corp");
  BOOST_TEST(w.host.users.count("ch-acme-corp") == 1);
  BOOST_TEST(w.host.files.count(EnvFilePath(w.config, "acme-corp")) == 1);
  BOOST_TEST(w.host.files.count(DropInDir(w.config, "acme-corp") + "/10-tenant.conf") == 1);
  auto& slice = w.units.units["clawhive-acme\\x2dcorp.slice"];
  BOOST_REQUIRE(slice.limits.has_value());
  BOOST_TEST(slice.limits->memory_max == w.config.default_resources.memory_max);
  BOOST_TEST(w.units.units[kSvc].enabled);
  BOOST_TEST(w.units.units[kSvc].active == "active");
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "running");
  BOOST_TEST(st.tenant.port == w.config.port_base);
  BOOST_TEST(st.tenant.uid == w.config.uid_min);
}

BOOST_AUTO_TEST_CASE(second_tenant_gets_the_next_port_slot_and_uid) {
  World w;
  w.Create("a1");
  TenantStatus b = w.Create("b2");
  BOOST_TEST(b.tenant.port == w.config.port_base + w.config.port_step);
  BOOST_TEST(b.tenant.uid == w.config.uid_min + 1);
}

BOOST_AUTO_TEST_CASE(ports_other_programs_listen_on_are_skipped) {
  World w;
  w.host.busy_ports.insert(w.config.port_base);
  TenantStatus a = w.Create("a1");
  BOOST_TEST(a.tenant.port == w.config.port_base + w.config.port_step);
  TenantPatch p;
  p.port = w.config.port_base;
  BOOST_TEST(FailsWith(w.sup->Create("b2", p), ErrorCode::kConflict,
                       "port " + std::to_string(w.config.port_base) + " is already in use on this host"));
}

BOOST_AUTO_TEST_CASE(a_failed_create_leaves_no_row_user_or_files) {
  World w;
  w.units.fail_limits = true;
  BOOST_TEST(FailsWith(w.sup->Create("acme-corp", TenantPatch{}), ErrorCode::kUnavailable, "SetUnitProperties failed (fake)"));
  BOOST_TEST(w.store->ListTenants()->empty());
  BOOST_TEST(w.host.users.empty());
  BOOST_TEST(w.host.files.empty());
  BOOST_TEST(!w.units.units[kSvc].enabled);
}

BOOST_AUTO_TEST_CASE(invalid_ids_and_fields_are_rejected_before_anything_happens) {
  World w;
  for (const std::string& id : std::vector<std::string>{"../x", "a.service", "x\n", "-a", std::string(300, 'a'), "", "é"}) {
    BOOST_TEST(FailsWith(w.sup->Create(id, TenantPatch{}), ErrorCode::kInvalidArgument, "tenant id "), id);
  }
  TenantPatch bad;
  bad.agent_exec = "relative/path";
  BOOST_TEST(FailsWith(w.sup->Create("ok-id", bad), ErrorCode::kInvalidArgument, "agent.exec must be an absolute path"));
  TenantPatch bad_mem;
  bad_mem.memory_high = 2ull << 30;
  bad_mem.memory_max = 1ull << 30;
  BOOST_TEST(FailsWith(w.sup->Create("ok-id", bad_mem), ErrorCode::kInvalidArgument,
                       "resources.memory_high must not exceed resources.memory_max"));
  BOOST_TEST(w.units.calls.empty());
  BOOST_TEST(w.host.users.empty());
}

BOOST_AUTO_TEST_CASE(a_crash_is_restarted_at_once_and_recorded_until_healthy) {
  World w;
  w.Create("acme-corp");
  w.units.Crash(kSvc, ExitKind::kKilled, SIGKILL, "signal");
  w.loop.Advance(100);
  BOOST_TEST(w.units.units[kSvc].active == "active");
  auto inc = w.Incidents("acme-corp");
  BOOST_REQUIRE(inc.size() == 1u);
  BOOST_TEST(inc[0].cause == "signal");
  BOOST_TEST(inc[0].detail == "SIGKILL");
  BOOST_TEST(inc[0].action == "restarted");
  BOOST_REQUIRE(inc[0].healthy_after_s.has_value());
  BOOST_TEST(*inc[0].healthy_after_s < 0.1);
}

BOOST_AUTO_TEST_CASE(exit_codes_and_oom_kills_are_told_apart) {
  World w;
  w.Create("acme-corp");
  w.units.Crash(kSvc, ExitKind::kExited, 3, "exit-code");
  w.loop.Advance(100);
  w.units.Crash(kSvc, ExitKind::kKilled, SIGKILL, "oom-kill");
  w.loop.Advance(100);
  auto inc = w.Incidents("acme-corp");
  BOOST_REQUIRE(inc.size() == 2u);
  BOOST_TEST(inc[1].cause == "exit-code");
  BOOST_TEST(inc[1].detail == "status=3");
  BOOST_TEST(inc[0].cause == "oom");
}

BOOST_AUTO_TEST_CASE(an_oom_kill_on_cgroup_v1_is_recognised_by_the_kernel_counter) {
  World w;
  const std::string cg = "/clawhive.slice/clawhive-acme\\x2dcorp.slice";  // FakeUnitManager's path
  w.host.oom[cg] = 0;
  w.Create("acme-corp");
  w.host.oom[cg] = 1;
  w.units.Crash(kSvc, ExitKind::kKilled, SIGKILL, "signal");
  w.loop.Advance(100);
  BOOST_TEST(w.Incidents("acme-corp")[0].cause == "oom");
}

BOOST_AUTO_TEST_CASE(a_crash_loop_backs_off_then_quarantines_and_spares_the_neighbour) {
  World w;
  w.Create("acme-corp");
  w.Create("neighbour");
  uint32_t neighbour_pid = w.units.units[TenantNames::Service("neighbour")].pid;
  std::vector<std::string> actions;
  for (int i = 0; i < 5; ++i) {
    w.units.Crash(kSvc, ExitKind::kExited, 1, "exit-code");
    w.loop.Advance(50);
    actions.push_back(w.Incidents("acme-corp")[0].action);
    w.loop.Advance(5000);  // past any backoff
  }
  std::vector<std::string> expected = {"restarted", "restarted", "backoff 1000ms", "backoff 2000ms",
                                       "quarantined"};
  BOOST_TEST(actions == expected, boost::test_tools::per_element());
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "quarantined");
  BOOST_TEST(w.units.units[kSvc].active == "failed");
  BOOST_TEST(!w.units.units[kSvc].enabled);
  BOOST_TEST(w.store->GetTenant("acme-corp")->value().quarantined);
  BOOST_TEST(w.units.units[TenantNames::Service("neighbour")].pid == neighbour_pid);
  BOOST_TEST(w.sup->PhaseOf("neighbour") == "running");
}

BOOST_AUTO_TEST_CASE(backoff_waits_before_restarting) {
  World w;
  w.Create("acme-corp");
  for (int i = 0; i < 3; ++i) {
    w.units.Crash(kSvc, ExitKind::kExited, 1, "exit-code");
    w.loop.Advance(50);
  }
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "backoff");
  BOOST_TEST(w.units.units[kSvc].active == "failed");
  w.loop.Advance(1000);
  BOOST_TEST(w.units.units[kSvc].active == "active");
}

BOOST_AUTO_TEST_CASE(starting_a_quarantined_tenant_lifts_the_quarantine) {
  World w;
  w.config.quarantine_after = 1;
  w.Boot();
  w.Create("acme-corp");
  w.units.Crash(kSvc, ExitKind::kExited, 1, "exit-code");
  w.loop.Advance(50);
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "quarantined");
  BOOST_REQUIRE(w.sup->Start("acme-corp").ok());
  w.loop.Advance(50);
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "running");
  BOOST_TEST(!w.store->GetTenant("acme-corp")->value().quarantined);
}

BOOST_AUTO_TEST_CASE(a_hung_agent_is_killed_after_the_probe_threshold_and_restarted) {
  World w;
  TenantStatus st = w.Create("acme-corp");
  w.prober.SetHealthy(st.tenant.port, false);
  w.loop.Advance(2500);
  BOOST_TEST(w.Incidents("acme-corp").empty());  // two failures: not yet
  w.loop.Advance(600);
  auto inc = w.Incidents("acme-corp");
  BOOST_REQUIRE(inc.size() == 1u);
  BOOST_TEST(inc[0].cause == "hang");
  BOOST_TEST(inc[0].detail == "3 failed probes of /healthz");
  w.prober.SetHealthy(st.tenant.port, true);
  w.loop.Advance(100);
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "running");
  BOOST_TEST(w.Incidents("acme-corp")[0].healthy_after_s.has_value());
}

BOOST_AUTO_TEST_CASE(a_restarted_supervisor_adopts_running_agents_without_restarting_them) {
  World w;
  w.Create("acme-corp");
  uint32_t pid = w.units.units[kSvc].pid;
  size_t starts = w.units.calls.size();
  w.Boot();  // a new supervisor over the same store and systemd
  w.loop.Advance(50);
  BOOST_TEST(w.units.units[kSvc].pid == pid);
  BOOST_TEST(w.units.calls.size() == starts);
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "running");
}

BOOST_AUTO_TEST_CASE(a_restarted_supervisor_restarts_an_agent_that_died_while_it_was_away) {
  World w;
  w.Create("acme-corp");
  w.sup.reset();
  w.units.Crash(kSvc, ExitKind::kKilled, SIGKILL, "signal");
  w.loop.Drain();
  w.Boot();
  w.loop.Advance(50);
  BOOST_TEST(w.units.units[kSvc].active == "active");
  BOOST_TEST(w.Incidents("acme-corp").size() == 1u);
}

BOOST_AUTO_TEST_CASE(stop_is_not_a_crash_and_start_brings_it_back) {
  World w;
  w.Create("acme-corp");
  BOOST_REQUIRE(w.sup->Stop("acme-corp").ok());
  w.loop.Advance(50);
  BOOST_TEST(w.units.units[kSvc].active == "inactive");
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "stopped");
  BOOST_TEST(w.Incidents("acme-corp").empty());
  BOOST_REQUIRE(w.sup->Start("acme-corp").ok());
  w.loop.Advance(50);
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "running");
}

BOOST_AUTO_TEST_CASE(restart_stops_then_starts_with_a_new_pid_and_no_incident) {
  World w;
  w.Create("acme-corp");
  uint32_t pid = w.units.units[kSvc].pid;
  BOOST_REQUIRE(w.sup->Restart("acme-corp").ok());
  w.loop.Advance(50);
  BOOST_TEST(w.units.units[kSvc].active == "active");
  BOOST_TEST(w.units.units[kSvc].pid != pid);
  BOOST_TEST(w.Incidents("acme-corp").empty());
}

BOOST_AUTO_TEST_CASE(delete_removes_units_slice_dropins_user_and_row_keeping_the_workspace) {
  World w;
  w.Create("acme-corp");
  bool done = false;
  w.sup->DeleteAsync("acme-corp", false, [&](Status s) { done = s.ok(); });
  w.loop.Advance(50);
  BOOST_TEST(done);
  BOOST_TEST(w.units.units.count("clawhive-acme\\x2dcorp.slice") == 0u);
  BOOST_TEST(!w.units.units[kSvc].enabled);
  BOOST_TEST(w.units.reverted.count(kSvc) == 1u);
  BOOST_TEST(w.host.users.empty());
  BOOST_TEST(w.host.files.empty());
  BOOST_TEST(w.host.removed_trees.count(WorkspacePath(w.config, "acme-corp")) == 0u);
  BOOST_TEST(!w.store->GetTenant("acme-corp")->has_value());
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "");
}

BOOST_AUTO_TEST_CASE(a_delete_racing_a_restart_leaves_no_delivered_secrets_behind) {
  // CI saw this: a crash restart had written the secrets file and asked systemd to start; the delete
  // arrived before systemd reported the start, stopped the slice mid-start (so ExecStartPost never ran).
  World w;
  w.sup->BeforeStart([&](const Tenant& t) { (void)w.host.WriteFile(DeliveredSecretsPath(t.id), "K=v\n", 0600); });
  w.Create("acme-corp");
  w.units.Crash(kSvc, ExitKind::kKilled, SIGKILL, "signal");
  BOOST_REQUIRE(w.loop.RunOne());  // the crash: restarted at once, file written, start reported later
  BOOST_REQUIRE(w.host.files.count(DeliveredSecretsPath("acme-corp")) == 1u);
  bool done = false;
  w.sup->DeleteAsync("acme-corp", false, [&](Status s) { done = s.ok(); });
  w.loop.Advance(50);
  BOOST_TEST(done);
  BOOST_TEST(w.host.files.count(DeliveredSecretsPath("acme-corp")) == 0u);
}

BOOST_AUTO_TEST_CASE(a_stop_before_systemd_reports_a_restart_still_stops_the_agent) {
  World w;
  w.Create("acme-corp");
  w.units.Crash(kSvc, ExitKind::kKilled, SIGKILL, "signal");
  BOOST_REQUIRE(w.loop.RunOne());  // restarted at once; systemd has not said so yet
  BOOST_REQUIRE(w.sup->Stop("acme-corp").ok());
  w.loop.Advance(50);
  BOOST_TEST(w.units.units[kSvc].active == "inactive");
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "stopped");
}

BOOST_AUTO_TEST_CASE(delete_can_remove_the_workspace) {
  World w;
  w.Create("acme-corp");
  w.sup->DeleteAsync("acme-corp", true, [](Status) {});
  w.loop.Advance(50);
  BOOST_TEST(w.host.removed_trees.count(WorkspacePath(w.config, "acme-corp")) == 1u);
}

BOOST_AUTO_TEST_CASE(an_update_of_resources_reapplies_limits_without_restart) {
  World w;
  w.Create("acme-corp");
  uint32_t pid = w.units.units[kSvc].pid;
  TenantPatch p;
  p.memory_max = 256ull << 20;
  p.memory_high = 200ull << 20;
  BOOST_REQUIRE(w.sup->Update("acme-corp", p).ok());
  w.loop.Advance(50);
  BOOST_TEST(w.units.units["clawhive-acme\\x2dcorp.slice"].limits->memory_max == (256ull << 20));
  BOOST_TEST(w.units.units[kSvc].pid == pid);
}

BOOST_AUTO_TEST_CASE(an_update_of_the_agent_restarts_it) {
  World w;
  w.Create("acme-corp");
  uint32_t pid = w.units.units[kSvc].pid;
  TenantPatch p;
  p.agent_args = std::vector<std::string>{"--verbose"};
  BOOST_REQUIRE(w.sup->Update("acme-corp", p).ok());
  w.loop.Advance(50);
  BOOST_TEST(w.units.units[kSvc].pid != pid);
  BOOST_TEST(w.host.files[EnvFilePath(w.config, "acme-corp")].find("--verbose") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_trial_succeeds_only_after_the_agent_stayed_healthy_through_the_soak) {
  World w;
  w.config.trial_soak_ms = 2000;
  w.Boot();
  w.Create("acme-corp");
  uint32_t pid = w.units.units[kSvc].pid;
  std::optional<bool> result;
  BOOST_REQUIRE(w.sup->BeginTrial("acme-corp", [&](bool ok, const std::string&) { result = ok; }).ok());
  w.loop.Advance(100);
  BOOST_TEST(w.units.units[kSvc].pid != pid);  // restarted on the staged values
  BOOST_TEST(!result.has_value());             // healthy, but still soaking
  w.loop.Advance(2000);
  BOOST_REQUIRE(result.has_value());
  BOOST_TEST(*result);
}

BOOST_AUTO_TEST_CASE(a_crash_during_a_trial_rolls_back_instead_of_climbing_the_ladder) {
  World w;
  w.config.trial_soak_ms = 2000;
  w.Boot();
  w.Create("acme-corp");
  testing::TrialAnswer answer;
  BOOST_REQUIRE(w.BeginTrial("acme-corp", &answer).ok());
  w.loop.Advance(100);
  w.units.Crash(kSvc, ExitKind::kExited, 3, "exit-code");
  w.loop.Advance(100);
  BOOST_REQUIRE(answer.passed.has_value());
  BOOST_TEST(!*answer.passed);
  BOOST_TEST(answer.why == "exit-code (status=3)");
  auto inc = w.Incidents("acme-corp");
  BOOST_REQUIRE(inc.size() == 1u);
  BOOST_TEST(inc[0].action == "rolled back");
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "running");
  BOOST_TEST(inc[0].healthy_after_s.has_value());  // closed when the rolled-back agent was healthy
  w.loop.Advance(3000);  // the soak timer of the failed trial must not fire a second answer
  BOOST_TEST(*answer.passed == false);
}

BOOST_AUTO_TEST_CASE(orphan_units_without_a_row_are_removed_at_start) {
  World w;
  w.units.units[TenantNames::Service("ghost")].active = "active";
  w.Boot();
  BOOST_TEST(w.units.reverted.count(TenantNames::Service("ghost")) == 1u);
}

// ---- reads from memory, usage and system figures -------------------------------------------------

// The cgroup of a tenant slice as FakeUnitManager reports it, with figures in the hybrid layout.
void SetSliceUsage(FakeHost& host, const std::string& id, uint64_t memory, uint64_t cpu_usec, uint64_t tasks) {
  std::string cg = "/clawhive.slice/" + TenantNames::Slice(id);
  host.files["/sys/fs/cgroup/memory" + cg + "/memory.usage_in_bytes"] = std::to_string(memory) + "\n";
  host.files["/sys/fs/cgroup/unified" + cg + "/cpu.stat"] = "usage_usec " + std::to_string(cpu_usec) + "\n";
  host.files["/sys/fs/cgroup/pids" + cg + "/pids.current"] = std::to_string(tasks) + "\n";
}

BOOST_AUTO_TEST_CASE(list_and_get_answer_from_memory_without_asking_systemd_or_reading_files) {
  World w;
  w.Create("acme-corp");
  w.Create("neighbour");
  w.loop.Advance(2000);
  int dbus = w.units.get_state_calls;
  uint64_t reads = w.host.reads;
  for (int i = 0; i < 100; ++i) {
    BOOST_REQUIRE(w.sup->List().ok());
    BOOST_REQUIRE(w.sup->Get("acme-corp").ok());
    BOOST_REQUIRE(w.sup->Usage("acme-corp").ok());
    BOOST_REQUIRE(w.sup->System().ok());
  }
  BOOST_TEST(w.units.get_state_calls == dbus);
  BOOST_TEST(w.host.reads == reads);
}

BOOST_AUTO_TEST_CASE(the_cached_tenants_follow_every_change_written_to_the_store) {
  World w;
  w.config.quarantine_after = 1;
  w.Boot();
  auto same_as_store = [&] {
    auto listed = w.sup->List().value();
    auto stored = w.store->ListTenants().value();
    BOOST_REQUIRE(listed.size() == stored.size());
    for (size_t i = 0; i < stored.size(); ++i) testing::CheckSameTenant(listed[i].tenant, stored[i]);
  };
  w.Create("acme-corp");
  w.Create("neighbour");
  same_as_store();
  TenantPatch p;
  p.display_name = "Acme";
  p.memory_max = 256ull << 20;
  p.memory_high = 200ull << 20;
  p.agent_args = std::vector<std::string>{"--verbose"};
  w.host.wall_ms += 5000;
  BOOST_REQUIRE(w.sup->Update("acme-corp", p).ok());
  w.loop.Advance(50);
  same_as_store();
  BOOST_REQUIRE(w.sup->Stop("neighbour").ok());
  w.loop.Advance(50);
  same_as_store();
  w.units.Crash(kSvc, ExitKind::kExited, 1, "exit-code");  // quarantined at once
  w.loop.Advance(50);
  BOOST_TEST(w.sup->Get("acme-corp")->tenant.quarantined);
  same_as_store();
  BOOST_REQUIRE(w.sup->Start("acme-corp").ok());
  w.loop.Advance(50);
  same_as_store();
  TenantPatch bad;
  bad.memory_high = 2ull << 30;  // above memory_max: refused, nothing changes
  BOOST_TEST(FailsWith(w.sup->Update("acme-corp", bad), ErrorCode::kInvalidArgument,
                       "resources.memory_high must not exceed resources.memory_max"));
  w.units.fail_limits = true;  // systemd refuses: the row rolls back, and so must the cache
  BOOST_TEST(FailsWith(w.sup->Update("acme-corp", p), ErrorCode::kUnavailable, "SetUnitProperties failed (fake)"));
  w.units.fail_limits = false;
  same_as_store();
  w.sup->DeleteAsync("neighbour", false, [](Status) {});
  w.loop.Advance(50);
  same_as_store();
  BOOST_TEST((w.sup->Get("neighbour").error().code == ErrorCode::kNotFound));
  w.Boot();  // a restarted supervisor fills its cache from the store
  same_as_store();
}

BOOST_AUTO_TEST_CASE(unit_states_in_the_status_come_from_systemd_signals) {
  World w;
  w.Create("acme-corp");
  TenantStatus st = w.sup->Get("acme-corp").value();
  BOOST_TEST(st.active_state == "active");
  BOOST_TEST(st.sub_state == "running");
  BOOST_TEST(st.main_pid == w.units.units[kSvc].pid);
  BOOST_REQUIRE(w.sup->Stop("acme-corp").ok());
  w.loop.Advance(50);
  st = w.sup->Get("acme-corp").value();
  BOOST_TEST(st.active_state == "inactive");
  BOOST_TEST(st.sub_state == "dead");
  BOOST_TEST(st.main_pid == 0u);
  BOOST_TEST(st.phase == "stopped");
}

BOOST_AUTO_TEST_CASE(status_figures_come_from_the_last_usage_sample) {
  World w;
  SetSliceUsage(w.host, "acme-corp", 700ull << 20, 2000000, 29);
  w.Create("acme-corp");
  w.loop.Advance(UsageSampler::kFollowUpMs);
  TenantStatus st = w.sup->Get("acme-corp").value();
  BOOST_TEST(st.memory_current.value() == (700ull << 20));
  BOOST_TEST(st.cpu_usage_nsec.value() == 2000000000u);
  BOOST_TEST(st.tasks_current.value() == 29u);
  BOOST_TEST(st.memory_max.value() == w.config.default_resources.memory_max);
  SetSliceUsage(w.host, "acme-corp", 800ull << 20, 3000000, 30);
  BOOST_TEST(w.sup->Get("acme-corp")->memory_current.value() == (700ull << 20));  // until the next tick
  w.loop.Advance(w.config.usage_interval_ms);
  st = w.sup->List().value().at(0);
  BOOST_TEST(st.memory_current.value() == (800ull << 20));
  BOOST_TEST(st.cpu_usage_nsec.value() == 3000000000u);
  BOOST_TEST(st.tasks_current.value() == 30u);
}

BOOST_AUTO_TEST_CASE(a_fresh_tenant_shows_figures_within_a_second_of_its_start) {
  World w;
  w.loop.Advance(5000);  // the next tick is seconds away
  SetSliceUsage(w.host, "acme-corp", 64ull << 20, 1000, 3);
  w.Create("acme-corp");
  w.loop.Advance(UsageSampler::kSoonMs);
  BOOST_TEST(w.sup->Get("acme-corp")->memory_current.value() == (64ull << 20));
  SetSliceUsage(w.host, "acme-corp", 64ull << 20, 1000 + 250000, 3);
  w.loop.Advance(UsageSampler::kFollowUpMs);
  UsageHistory h = w.sup->Usage("acme-corp").value();
  BOOST_TEST(h.interval_ms == w.config.usage_interval_ms);
  BOOST_REQUIRE(h.samples.size() == 2u);
  BOOST_TEST(h.samples[0].tasks.value() == 3u);
  BOOST_TEST(h.samples[1].cpu_cores.value() > 0.0);
}

BOOST_AUTO_TEST_CASE(a_stopped_tenant_shows_no_live_figures_but_keeps_its_history) {
  World w;
  SetSliceUsage(w.host, "acme-corp", 1 << 20, 1000, 3);
  w.Create("acme-corp");
  w.loop.Advance(UsageSampler::kFollowUpMs);
  size_t samples = w.sup->Usage("acme-corp")->samples.size();
  BOOST_REQUIRE(samples > 0u);
  BOOST_REQUIRE(w.sup->Stop("acme-corp").ok());
  w.loop.Advance(3 * w.config.usage_interval_ms);
  TenantStatus st = w.sup->Get("acme-corp").value();
  BOOST_TEST(!st.memory_current.has_value());
  BOOST_TEST(!st.cpu_usage_nsec.has_value());
  BOOST_TEST(!st.tasks_current.has_value());
  BOOST_TEST(w.sup->Usage("acme-corp")->samples.size() == samples);  // not sampled while stopped
}

BOOST_AUTO_TEST_CASE(usage_of_an_unknown_or_deleted_tenant_is_not_found) {
  World w;
  SetSliceUsage(w.host, "acme-corp", 1 << 20, 1000, 3);
  w.Create("acme-corp");
  w.loop.Advance(UsageSampler::kFollowUpMs);
  BOOST_TEST((w.sup->Usage("nobody").error().code == ErrorCode::kNotFound));
  BOOST_TEST((w.sup->Usage("../x").error().code == ErrorCode::kInvalidArgument));
  w.sup->DeleteAsync("acme-corp", false, [](Status) {});
  w.loop.Advance(50);
  BOOST_TEST((w.sup->Usage("acme-corp").error().code == ErrorCode::kNotFound));
  w.Create("acme-corp");  // the same id again starts a new history
  BOOST_TEST(w.sup->Usage("acme-corp")->samples.empty());
}

BOOST_AUTO_TEST_CASE(memory_max_in_the_status_is_the_limit_set_on_the_slice) {
  World w;
  w.Create("acme-corp");
  TenantPatch p;
  p.memory_max = 256ull << 20;
  p.memory_high = 200ull << 20;
  BOOST_TEST(w.sup->Update("acme-corp", p)->memory_max.value() == (256ull << 20));
  TenantPatch unlimited;
  unlimited.memory_max = 0;
  unlimited.memory_high = 0;
  BOOST_TEST(!w.sup->Update("acme-corp", unlimited)->memory_max.has_value());
}

BOOST_AUTO_TEST_CASE(system_status_sets_what_tenants_were_promised_against_what_the_host_has) {
  World w;
  w.host.files["/proc/meminfo"] = "MemTotal:  8000000 kB\nMemAvailable:  6000000 kB\n";
  w.host.files["/proc/stat"] = "cpu  100 0 0 900 0 0 0 0 0 0\ncpu0 1\ncpu1 1\n";
  w.Boot();
  TenantPatch small;
  small.memory_max = 512ull << 20;
  small.memory_high = 400ull << 20;
  small.cpu_quota_percent = 50;
  BOOST_REQUIRE(w.sup->Create("small", small).ok());
  w.Create("acme-corp");  // the defaults: 1536M, 100%
  BOOST_REQUIRE(w.sup->Stop("small").ok());
  w.host.files["/proc/stat"] = "cpu  250 0 0 950 0 0 0 0 0 0\ncpu0 1\ncpu1 1\n";  // 3/4 busy on 2 CPUs
  w.loop.Advance(UsageSampler::kFollowUpMs);  // the second tick
  BOOST_TEST(w.sup->System()->cpu_used.value() == 1.5, boost::test_tools::tolerance(1e-9));
  w.loop.Advance(65000);
  SystemStatus sys = w.sup->System().value();
  BOOST_TEST(sys.memory_physical == 8000000ull * 1024);
  BOOST_TEST(sys.memory_available == 6000000ull * 1024);
  BOOST_TEST(sys.cpu_cores == 2u);
  BOOST_TEST(sys.memory_committed == (512ull << 20) + w.config.default_resources.memory_max);
  BOOST_TEST(sys.cpu_committed == 1.5, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(sys.tenants == 2u);
  std::vector<std::pair<std::string, size_t>> phases = {{"running", 1}, {"stopped", 1}};
  BOOST_TEST((sys.tenants_by_phase == phases));
  BOOST_TEST(sys.uptime_s == 66);
  BOOST_TEST(!sys.cpu_used.has_value());  // /proc/stat did not move since: no rate to tell
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tenant_naming)

BOOST_AUTO_TEST_CASE(dashes_are_escaped_so_each_tenant_slice_is_a_direct_child) {
  BOOST_TEST(TenantNames::Slice("acme-corp") == "clawhive-acme\\x2dcorp.slice");
  BOOST_TEST(TenantNames::Service("a-b-c") == "clawhive-agent@a\\x2db\\x2dc.service");
  BOOST_TEST(TenantNames::IdFromService("clawhive-agent@a\\x2db\\x2dc.service").value() == "a-b-c");
  BOOST_TEST(!TenantNames::IdFromService("sshd.service").has_value());
}

BOOST_AUTO_TEST_CASE(user_names_fit_the_32_character_limit_and_stay_distinct) {
  std::string long_a(32, 'a'), long_b = std::string(31, 'a') + "b";
  BOOST_TEST(TenantNames::User("acme") == "ch-acme");
  BOOST_TEST(TenantNames::User(long_a).size() <= 32u);
  BOOST_TEST(TenantNames::User(long_a) != TenantNames::User(long_b));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crash_policy)

BOOST_AUTO_TEST_CASE(old_crashes_fall_out_of_the_window) {
  CrashPolicy p(1, 100, 1000, 3, 10000);
  std::deque<uint64_t> h;
  BOOST_TEST(p.OnCrash(h, 0).kind == CrashDecision::kRestartNow);
  BOOST_TEST(p.OnCrash(h, 20000).kind == CrashDecision::kRestartNow);
  auto d = p.OnCrash(h, 20001);
  BOOST_TEST(d.kind == CrashDecision::kRestartAfter);
  BOOST_TEST(d.delay_ms == 100u);
  BOOST_TEST(p.OnCrash(h, 20002).kind == CrashDecision::kQuarantine);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_the_cap) {
  CrashPolicy p(0, 100, 350, 0, 1000000);
  std::deque<uint64_t> h;
  std::vector<uint64_t> delays;
  for (int i = 0; i < 5; ++i) delays.push_back(p.OnCrash(h, i).delay_ms);
  std::vector<uint64_t> expected = {100, 200, 350, 350, 350};
  BOOST_TEST(delays == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
