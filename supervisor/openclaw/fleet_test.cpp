// Fleet updates: a real Supervisor over the fakes of systemd, the host, the clock and the prober, a real
// in-memory store and a fake image catalog. Tenants move in waves, canaries first, each restart
// health-gated; a failing tenant is rolled back and the update stops.
#include "supervisor/openclaw/fleet.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/core/tenant_rules.h"
#include "unit/runtime_world.h"

namespace clawhive {
namespace {

using testing::kNew;
using testing::kOld;
using testing::Failed;
using testing::Has;
using testing::Why;

struct FleetWorld : testing::RuntimeWorld {
  int64_t wall = 1700000000000;
  std::unique_ptr<Fleet> fleet;

  FleetWorld() { NewFleet(); }
  // A fresh Fleet over the same supervisor and store (as after a supervisor restart), initialised.
  void NewFleet() {
    fleet = std::make_unique<Fleet>(config, *sup, *store, catalog, [this] { return wall; });
    Status s = fleet->Init();
    BOOST_REQUIRE_MESSAGE(s.ok(), Why(s));
  }
  // The whole supervisor restarts: a new Supervisor and a new Fleet over the same store and systemd.
  void RestartSupervisor() {
    fleet.reset();
    Boot();
    NewFleet();
  }
  FleetUpdate Start(const std::vector<std::string>& canaries, uint32_t wave_size, const std::string& target = kNew) {
    auto u = fleet->Start({target, canaries, wave_size});
    BOOST_REQUIRE_MESSAGE(u.ok(), Why(u));
    return *u;
  }
  // The update as stored (not as the fleet holds it in memory).
  FleetUpdate Saved(int64_t id) {
    auto docs = store->FleetUpdateDocs(100);
    BOOST_REQUIRE(docs.ok());
    for (const std::string& d : *docs) {
      auto u = DecodeFleetUpdate(d);
      BOOST_REQUIRE(u.ok());
      if (u->id == id) return *u;
    }
    BOOST_FAIL("fleet update " << id << " is not stored");
    return {};
  }
  // Long enough for one wave: stop, start, healthy, then the soak window.
  void OneWave() { loop.Advance(config.trial_soak_ms + 200); }
};

const FleetStep& StepOf(const FleetUpdate& u, const std::string& tenant) {
  for (const FleetStep& s : u.steps)
    if (s.tenant == tenant) return s;
  BOOST_FAIL("no step for " << tenant);
  return u.steps.front();
}
bool HasStep(const FleetUpdate& u, const std::string& tenant) {
  for (const FleetStep& s : u.steps)
    if (s.tenant == tenant) return true;
  return false;
}
std::vector<std::string> Order(const FleetUpdate& u) {
  std::vector<std::string> out;
  for (const FleetStep& s : u.steps) out.push_back(s.tenant);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet)

BOOST_AUTO_TEST_CASE(canaries_go_first_as_wave_zero_then_the_rest_in_waves_of_wave_size_in_id_order) {
  FleetWorld w;
  for (const char* id : {"t05", "t02", "t04", "t03", "t01"}) w.CreateOn(id, kOld);
  FleetUpdate u = w.Start({"t03"}, 2);
  std::vector<std::string> order = {"t03", "t01", "t02", "t04", "t05"};
  BOOST_TEST(Order(u) == order, boost::test_tools::per_element());
  BOOST_TEST(StepOf(u, "t03").wave == 0);
  BOOST_TEST(StepOf(u, "t01").wave == 1);
  BOOST_TEST(StepOf(u, "t02").wave == 1);
  BOOST_TEST(StepOf(u, "t04").wave == 2);
  BOOST_TEST(StepOf(u, "t05").wave == 2);
  for (const FleetStep& s : u.steps) BOOST_TEST(s.from == kOld);
  BOOST_TEST(u.state == "running");
  BOOST_TEST(u.current_wave == 0);
  BOOST_TEST(u.canaries == std::vector<std::string>{"t03"}, boost::test_tools::per_element());
  // Only the canary is under way.
  BOOST_TEST(StepOf(u, "t03").state == "updating");
  for (const char* id : {"t01", "t02", "t04", "t05"}) BOOST_TEST(StepOf(u, id).state == "pending");
  BOOST_TEST(w.Stored("t03").runtime == kNew);
  BOOST_TEST(w.Stored("t01").runtime == kOld);
}

BOOST_AUTO_TEST_CASE(a_healthy_wave_marks_its_tenants_updated_and_the_next_wave_begins) {
  FleetWorld w;
  for (const char* id : {"t01", "t02", "t03", "t04", "t05"}) w.CreateOn(id, kOld);
  std::map<std::string, uint32_t> pid;
  for (const char* id : {"t01", "t02", "t03", "t04", "t05"}) pid[id] = w.Pid(id);
  FleetUpdate u = w.Start({"t03"}, 2);

  w.OneWave();  // the canary
  FleetUpdate now = *w.fleet->Get(u.id);
  BOOST_TEST(StepOf(now, "t03").state == "updated");
  BOOST_TEST(w.Pid("t03") != pid["t03"]);
  BOOST_TEST(now.current_wave == 1);
  BOOST_TEST(StepOf(now, "t01").state == "updating");
  BOOST_TEST(StepOf(now, "t02").state == "updating");
  BOOST_TEST(StepOf(now, "t04").state == "pending");
  BOOST_TEST(w.Pid("t04") == pid["t04"]);

  w.OneWave();  // t01, t02
  now = *w.fleet->Get(u.id);
  BOOST_TEST(StepOf(now, "t01").state == "updated");
  BOOST_TEST(StepOf(now, "t02").state == "updated");
  BOOST_TEST(StepOf(now, "t04").state == "updating");
  BOOST_TEST(StepOf(now, "t05").state == "updating");

  w.OneWave();  // t04, t05
  now = *w.fleet->Get(u.id);
  BOOST_TEST(now.state == "done");
  BOOST_TEST(now.finished_ms == w.wall);
  for (const char* id : {"t01", "t02", "t03", "t04", "t05"}) {
    BOOST_TEST(StepOf(now, id).state == "updated");
    BOOST_TEST(w.Stored(id).runtime == kNew);
    BOOST_TEST(w.Stored(id).agent.exec == "/images/" + kNew + "/node/bin/node");
    BOOST_TEST(w.Pid(id) != pid[id]);
    BOOST_TEST(w.sup->PhaseOf(id) == "running");
  }
  BOOST_TEST(w.fleet->Target() == kNew);
  // A new update may start now.
  BOOST_TEST(w.fleet->Start({kOld, {}, 5}).ok());
}

BOOST_AUTO_TEST_CASE(without_canaries_the_first_wave_is_wave_one) {
  FleetWorld w;
  for (const char* id : {"t01", "t02", "t03"}) w.CreateOn(id, kOld);
  FleetUpdate u = w.Start({}, 2);
  BOOST_TEST(u.current_wave == 1);
  BOOST_TEST(StepOf(u, "t01").state == "updating");
  BOOST_TEST(StepOf(u, "t02").state == "updating");
  BOOST_TEST(StepOf(u, "t03").state == "pending");
  BOOST_TEST(StepOf(u, "t03").wave == 2);
  w.OneWave();
  w.OneWave();
  BOOST_TEST(w.fleet->Get(u.id)->state == "done");
}

BOOST_AUTO_TEST_CASE(pinned_tenants_are_skipped_and_say_why) {
  FleetWorld w;
  w.CreateOn("pinned", kOld, /*pinned=*/true);
  w.CreateOn("free", kOld);
  uint32_t pid = w.Pid("pinned");
  FleetUpdate u = w.Start({}, 5);
  BOOST_TEST(StepOf(u, "pinned").state == "skipped");
  BOOST_TEST(StepOf(u, "pinned").detail == "pinned to " + kOld);
  w.OneWave();
  FleetUpdate done = *w.fleet->Get(u.id);
  BOOST_TEST(done.state == "done");
  BOOST_TEST(StepOf(done, "pinned").state == "skipped");
  BOOST_TEST(w.Stored("pinned").runtime == kOld);
  BOOST_TEST(w.Pid("pinned") == pid);
  BOOST_TEST(w.Stored("free").runtime == kNew);
}

BOOST_AUTO_TEST_CASE(command_tenants_and_tenants_already_on_the_target_are_not_part_of_it) {
  FleetWorld w;
  w.Create("plain", TenantPatch{});
  w.CreateOn("there", kNew);
  w.CreateOn("behind", kOld);
  uint32_t plain = w.Pid("plain"), there = w.Pid("there");
  FleetUpdate u = w.Start({}, 5);
  BOOST_TEST(!HasStep(u, "plain"));
  BOOST_TEST(!HasStep(u, "there"));
  BOOST_TEST(HasStep(u, "behind"));
  w.OneWave();
  BOOST_TEST(w.Stored("plain").runtime == "");
  BOOST_TEST(w.Pid("plain") == plain);
  BOOST_TEST(w.Pid("there") == there);
}

BOOST_AUTO_TEST_CASE(an_update_with_nothing_to_move_is_done_at_once) {
  FleetWorld w;
  w.CreateOn("there", kNew);
  FleetUpdate u = w.Start({}, 5);
  BOOST_TEST(u.state == "done");
  BOOST_TEST(u.steps.empty());
  BOOST_TEST(w.fleet->Target() == kNew);
}

BOOST_AUTO_TEST_CASE(a_stopped_tenant_is_switched_without_a_start) {
  FleetWorld w;
  w.CreateOn("sleepy", kOld);
  BOOST_TEST_REQUIRE(w.sup->Stop("sleepy").ok());
  w.loop.Advance(50);
  size_t calls = w.units.calls.size();
  FleetUpdate u = w.Start({}, 5);
  const FleetStep& s = StepOf(u, "sleepy");
  BOOST_TEST(s.state == "updated");
  BOOST_TEST(Has(s.detail, "not running"), s.detail);
  BOOST_TEST(u.state == "done");
  w.loop.Advance(100);
  BOOST_TEST(w.Stored("sleepy").runtime == kNew);
  BOOST_TEST(w.Unit("sleepy").active == "inactive");
  for (size_t i = calls; i < w.units.calls.size(); ++i)
    BOOST_TEST(w.units.calls[i] != "start " + TenantNames::Service("sleepy"));
}

BOOST_AUTO_TEST_CASE(a_failing_canary_is_rolled_back_and_stops_the_update) {
  FleetWorld w;
  w.CreateOn("canary", kOld);
  w.CreateOn("later-a", kOld);
  w.CreateOn("later-b", kOld);
  uint32_t pid_a = w.Pid("later-a"), pid_b = w.Pid("later-b");
  FleetUpdate u = w.Start({"canary"}, 5);
  w.loop.Advance(100);  // restarted on the new image, healthy, soaking
  BOOST_TEST_REQUIRE(w.Stored("canary").runtime == kNew);
  BOOST_TEST(w.sup->PhaseOf("canary") == "running");
  w.Crash("canary");
  w.loop.Advance(100);

  FleetUpdate now = *w.fleet->Get(u.id);
  BOOST_TEST(now.state == "stopped");
  BOOST_TEST(Has(now.detail, "wave 0 failed"), now.detail);
  BOOST_TEST(Has(now.detail, "canary"), now.detail);
  BOOST_TEST(now.finished_ms == w.wall);
  const FleetStep& c = StepOf(now, "canary");
  BOOST_TEST(c.state == "rolled-back");
  BOOST_TEST(c.detail == "exit-code (status=1)");
  // Back on its previous image, and running again.
  Tenant canary = w.Stored("canary");
  BOOST_TEST(canary.runtime == kOld);
  BOOST_TEST(canary.agent.exec == "/images/" + kOld + "/node/bin/node");
  BOOST_TEST(Has(w.host.files[EnvFilePath(w.config, "canary")], "/images/" + kOld + "/node/bin/node"));
  BOOST_TEST(w.Unit("canary").active == "active");
  BOOST_TEST(w.sup->PhaseOf("canary") == "running");
  // The later wave was never touched.
  for (const char* id : {"later-a", "later-b"}) {
    BOOST_TEST(StepOf(now, id).state == "pending");
    BOOST_TEST(w.Stored(id).runtime == kOld);
  }
  w.loop.Advance(10000);
  BOOST_TEST(w.Pid("later-a") == pid_a);
  BOOST_TEST(w.Pid("later-b") == pid_b);
  BOOST_TEST(w.fleet->Get(u.id)->state == "stopped");
  // Stored so, and the fleet target did not move.
  BOOST_TEST(w.Saved(u.id).state == "stopped");
  BOOST_TEST(StepOf(w.Saved(u.id), "canary").state == "rolled-back");
  BOOST_TEST(w.fleet->Target() == "");
}

BOOST_AUTO_TEST_CASE(a_canary_that_never_starts_is_rolled_back_after_the_start_timeout) {
  FleetWorld w;
  w.config.openclaw_start_timeout_ms = 20000;
  w.CreateOn("canary", kOld);
  w.CreateOn("later", kOld);
  FleetUpdate u = w.Start({"canary"}, 5);
  w.prober.SetHealthy(w.Stored("canary").port, false);
  w.loop.Advance(21000);
  w.prober.SetHealthy(w.Stored("canary").port, true);
  w.loop.Advance(100);
  FleetUpdate now = *w.fleet->Get(u.id);
  BOOST_TEST(now.state == "stopped");
  BOOST_TEST(StepOf(now, "canary").state == "rolled-back");
  BOOST_TEST(Has(StepOf(now, "canary").detail, "/startupz"), StepOf(now, "canary").detail);
  BOOST_TEST(w.Stored("canary").runtime == kOld);
  BOOST_TEST(w.sup->PhaseOf("canary") == "running");
  BOOST_TEST(w.Stored("later").runtime == kOld);
}

BOOST_AUTO_TEST_CASE(a_failure_in_a_wave_lets_its_other_tenants_finish_then_stops) {
  FleetWorld w;
  for (const char* id : {"t01", "t02", "t03"}) w.CreateOn(id, kOld);
  FleetUpdate u = w.Start({}, 2);
  w.loop.Advance(100);
  w.Crash("t01");
  w.loop.Advance(100);
  BOOST_TEST(w.fleet->Get(u.id)->state == "running");  // t02 is still soaking
  w.OneWave();
  FleetUpdate now = *w.fleet->Get(u.id);
  BOOST_TEST(now.state == "stopped");
  BOOST_TEST(Has(now.detail, "wave 1 failed"), now.detail);
  BOOST_TEST(StepOf(now, "t01").state == "rolled-back");
  BOOST_TEST(StepOf(now, "t02").state == "updated");
  BOOST_TEST(StepOf(now, "t03").state == "pending");
  BOOST_TEST(w.Stored("t01").runtime == kOld);
  BOOST_TEST(w.Stored("t02").runtime == kNew);
  BOOST_TEST(w.Stored("t03").runtime == kOld);
}

BOOST_AUTO_TEST_CASE(a_tenant_whose_restart_cannot_begin_is_put_back_and_the_update_stops) {
  FleetWorld w;
  w.CreateOn("busy", kOld);
  w.CreateOn("later", kOld);
  // A health-gated restart of its own (a secret rotation) is under way.
  BOOST_TEST_REQUIRE(w.sup->BeginTrial("busy", [](bool, const std::string&) {}).ok());
  FleetUpdate u = w.Start({"busy"}, 5);
  BOOST_TEST(u.state == "stopped");
  BOOST_TEST(StepOf(u, "busy").state == "rolled-back");
  BOOST_TEST(Has(StepOf(u, "busy").detail, "already in a health-gated restart"), StepOf(u, "busy").detail);
  BOOST_TEST(w.Stored("busy").runtime == kOld);
  BOOST_TEST(StepOf(u, "later").state == "pending");
}

BOOST_AUTO_TEST_CASE(a_tenant_stopped_during_its_restart_ends_the_wave_instead_of_hanging_it) {
  FleetWorld w;
  w.CreateOn("t01", kOld);
  w.CreateOn("t02", kOld);
  FleetUpdate u = w.Start({"t01"}, 5);
  w.loop.Advance(100);  // soaking on the new image
  BOOST_TEST_REQUIRE(w.sup->Stop("t01").ok());
  w.loop.Advance(w.config.trial_soak_ms + 1000);
  FleetUpdate now = *w.fleet->Get(u.id);
  BOOST_TEST(now.state == "stopped");
  BOOST_TEST(StepOf(now, "t01").state == "rolled-back");
  BOOST_TEST(w.Stored("t01").runtime == kOld);
  BOOST_TEST(w.Unit("t01").active == "inactive");  // the operator's stop holds
  BOOST_TEST(w.sup->PhaseOf("t01") == "stopped");
  BOOST_TEST(w.Stored("t02").runtime == kOld);
  BOOST_TEST(w.fleet->Start({kNew, {}, 5}).ok());  // nothing is left hanging
}

BOOST_AUTO_TEST_CASE(a_tenant_deleted_during_its_restart_ends_the_wave_instead_of_hanging_it) {
  FleetWorld w;
  w.CreateOn("t01", kOld);
  w.CreateOn("t02", kOld);
  FleetUpdate u = w.Start({"t01"}, 5);
  w.loop.Advance(100);
  (void)w.sup->Delete("t01", false);
  w.loop.Advance(w.config.trial_soak_ms + 1000);
  BOOST_TEST(w.sup->Tenants().size() == 1u);
  FleetUpdate now = *w.fleet->Get(u.id);
  BOOST_TEST(now.state == "stopped");
  BOOST_TEST(StepOf(now, "t01").state == "rolled-back");
  BOOST_TEST(Has(StepOf(now, "t01").detail, "deleted"), StepOf(now, "t01").detail);
  bool gone = w.units.units.count(TenantNames::Service("t01")) == 0u || w.Unit("t01").active != "active";
  BOOST_TEST(gone);
  BOOST_TEST(w.Stored("t02").runtime == kOld);
  BOOST_TEST(w.fleet->Start({kNew, {}, 5}).ok());
}

BOOST_AUTO_TEST_CASE(a_second_update_while_one_runs_is_a_conflict) {
  FleetWorld w;
  w.CreateOn("t01", kOld);
  w.Start({}, 5);
  auto again = w.fleet->Start({kNew, {}, 5});
  BOOST_TEST(Failed(again, ErrorCode::kConflict), Why(again));
  BOOST_TEST(w.store->FleetUpdateDocs(10)->size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_unknown_target_is_not_found_and_nothing_is_stored) {
  FleetWorld w;
  w.CreateOn("t01", kOld);
  auto u = w.fleet->Start({"openclaw-1999.1.1", {}, 5});
  BOOST_TEST(Failed(u, ErrorCode::kNotFound), Why(u));
  BOOST_TEST(w.store->FleetUpdateDocs(10)->empty());
  BOOST_TEST(w.Stored("t01").runtime == kOld);
}

BOOST_AUTO_TEST_CASE(a_wave_size_outside_1_to_1000_is_invalid) {
  FleetWorld w;
  w.CreateOn("t01", kOld);
  for (uint32_t size : {0u, 1001u}) {
    auto u = w.fleet->Start({kNew, {}, size});
    BOOST_TEST(Failed(u, ErrorCode::kInvalidArgument), Why(u));
  }
  BOOST_TEST(w.fleet->Start({kNew, {}, 1000}).ok());
}

BOOST_AUTO_TEST_CASE(canaries_must_be_unpinned_runtime_tenants) {
  FleetWorld w;
  w.CreateOn("pinned", kOld, /*pinned=*/true);
  w.Create("plain", TenantPatch{});
  auto unknown = w.fleet->Start({kNew, {"ghost"}, 5});
  BOOST_TEST(Failed(unknown, ErrorCode::kNotFound), Why(unknown));
  auto plain = w.fleet->Start({kNew, {"plain"}, 5});
  BOOST_TEST(Failed(plain, ErrorCode::kInvalidArgument), Why(plain));
  auto pinned = w.fleet->Start({kNew, {"pinned"}, 5});
  BOOST_TEST(Failed(pinned, ErrorCode::kInvalidArgument), Why(pinned));
  BOOST_TEST(w.store->FleetUpdateDocs(10)->empty());
}

BOOST_AUTO_TEST_CASE(every_step_change_is_saved_as_it_happens) {
  FleetWorld w;
  w.CreateOn("c1", kOld);
  w.CreateOn("t01", kOld);
  FleetUpdate u = w.Start({"c1"}, 5);
  FleetUpdate saved = w.Saved(u.id);
  BOOST_TEST(saved.id == u.id);
  BOOST_TEST(saved.target == kNew);
  BOOST_TEST(saved.state == "running");
  BOOST_TEST(saved.created_ms == w.wall);
  BOOST_TEST(StepOf(saved, "c1").state == "updating");
  BOOST_TEST(StepOf(saved, "t01").state == "pending");

  w.OneWave();
  saved = w.Saved(u.id);
  BOOST_TEST(saved.current_wave == 1);
  BOOST_TEST(StepOf(saved, "c1").state == "updated");
  BOOST_TEST(StepOf(saved, "t01").state == "updating");

  w.wall += 60000;
  w.OneWave();
  saved = w.Saved(u.id);
  BOOST_TEST(saved.state == "done");
  BOOST_TEST(saved.finished_ms == w.wall);
  BOOST_TEST(StepOf(saved, "t01").state == "updated");
  BOOST_TEST(*w.store->FleetTarget() == kNew);
}

BOOST_AUTO_TEST_CASE(a_restart_in_the_middle_marks_the_update_interrupted) {
  FleetWorld w;
  w.CreateOn("c1", kOld);
  w.CreateOn("t01", kOld);
  FleetUpdate u = w.Start({"c1"}, 5);
  w.wall += 5000;
  w.RestartSupervisor();
  FleetUpdate saved = w.Saved(u.id);
  BOOST_TEST(saved.state == "interrupted");
  BOOST_TEST(saved.finished_ms == w.wall);
  BOOST_TEST(Has(saved.detail, "start the update again"), saved.detail);
  BOOST_TEST(w.fleet->Get(u.id)->state == "interrupted");
  BOOST_TEST(w.fleet->Target() == "");  // an interrupted update is no target
  // It can be started again, and then goes on with who is left.
  w.OneWave();
  FleetUpdate again = w.Start({}, 5);
  BOOST_TEST(again.id != u.id);
}

BOOST_AUTO_TEST_CASE(init_leaves_finished_updates_alone) {
  FleetWorld w;
  FleetUpdate done;
  done.target = kOld;
  done.state = "done";
  done.finished_ms = 42;
  auto id = w.store->SaveFleetUpdate(0, done.target, done.state, EncodeFleetUpdate(done));
  BOOST_REQUIRE(id.ok());
  done.id = *id;
  BOOST_REQUIRE(w.store->SaveFleetUpdate(done.id, done.target, done.state, EncodeFleetUpdate(done)).ok());
  FleetUpdate running;
  running.target = kNew;
  auto rid = w.store->SaveFleetUpdate(0, running.target, running.state, "{}");
  BOOST_REQUIRE(rid.ok());
  running.id = *rid;
  BOOST_REQUIRE(w.store->SaveFleetUpdate(running.id, running.target, running.state, EncodeFleetUpdate(running)).ok());
  w.NewFleet();
  BOOST_TEST(w.Saved(done.id).state == "done");
  BOOST_TEST(w.Saved(done.id).finished_ms == 42);
  BOOST_TEST(w.Saved(running.id).state == "interrupted");
  BOOST_TEST(w.fleet->Target() == kOld);
}

BOOST_AUTO_TEST_CASE(the_target_is_the_newest_finished_update_else_the_configured_runtime) {
  FleetWorld w;
  BOOST_TEST(w.fleet->Target() == "");
  w.config.default_runtime = kOld;
  BOOST_TEST(w.fleet->Target() == kOld);
  w.CreateOn("t01", kOld);
  w.Start({}, 5, kNew);
  BOOST_TEST(w.fleet->Target() == kOld);  // still running
  w.OneWave();
  BOOST_TEST(w.fleet->Target() == kNew);
  // A newer update that stops does not move the target.
  w.CreateOn("t02", kNew);
  FleetUpdate back = w.Start({"t02"}, 5, kOld);
  w.loop.Advance(100);
  w.Crash("t02");
  w.loop.Advance(100);
  BOOST_TEST(w.fleet->Get(back.id)->state == "stopped");
  BOOST_TEST(w.fleet->Target() == kNew);
}

BOOST_AUTO_TEST_CASE(updates_are_listed_newest_first_and_unknown_ids_are_not_found) {
  FleetWorld w;
  w.CreateOn("t01", kOld);
  FleetUpdate first = w.Start({}, 5, kNew);
  w.OneWave();
  FleetUpdate second = w.Start({}, 5, kOld);
  auto list = w.fleet->List(10);
  BOOST_TEST_REQUIRE(list.ok());
  BOOST_TEST_REQUIRE(list->size() == 2u);
  BOOST_TEST((*list)[0].id == second.id);
  BOOST_TEST((*list)[0].state == "running");
  BOOST_TEST((*list)[1].id == first.id);
  BOOST_TEST((*list)[1].state == "done");
  BOOST_TEST(w.fleet->List(1)->size() == 1u);
  BOOST_TEST(Failed(w.fleet->Get(second.id + 100), ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(an_update_document_round_trips) {
  FleetUpdate u;
  u.id = 7;
  u.target = kNew;
  u.state = "stopped";
  u.detail = "wave 1 failed";
  u.canaries = {"a", "b"};
  u.wave_size = 3;
  u.current_wave = 2;
  u.steps = {{"a", kOld, 0, "updated", ""}, {"c", kOld, 1, "rolled-back", "exit-code (status=1)"},
             {"p", kOld, 0, "skipped", "pinned to " + kOld}};
  u.created_ms = 1700000000000;
  u.finished_ms = 1700000001000;
  auto back = DecodeFleetUpdate(EncodeFleetUpdate(u));
  BOOST_TEST_REQUIRE(back.ok(), Why(back));
  BOOST_TEST(back->id == u.id);
  BOOST_TEST(back->target == u.target);
  BOOST_TEST(back->state == u.state);
  BOOST_TEST(back->detail == u.detail);
  BOOST_TEST(back->canaries == u.canaries, boost::test_tools::per_element());
  BOOST_TEST(back->wave_size == u.wave_size);
  BOOST_TEST(back->current_wave == u.current_wave);
  BOOST_TEST(back->created_ms == u.created_ms);
  BOOST_TEST(back->finished_ms == u.finished_ms);
  BOOST_TEST_REQUIRE(back->steps.size() == 3u);
  for (size_t i = 0; i < 3; ++i) {
    BOOST_TEST(back->steps[i].tenant == u.steps[i].tenant);
    BOOST_TEST(back->steps[i].from == u.steps[i].from);
    BOOST_TEST(back->steps[i].wave == u.steps[i].wave);
    BOOST_TEST(back->steps[i].state == u.steps[i].state);
    BOOST_TEST(back->steps[i].detail == u.steps[i].detail);
  }
  for (const char* damaged : {"not json", "[]"}) {
    auto r = DecodeFleetUpdate(damaged);
    BOOST_TEST(Failed(r, ErrorCode::kInternal), damaged);
    BOOST_TEST(Has(Why(r), "stored fleet update is damaged"), Why(r));
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
