// The start boost in the supervisor (start_boost.h, docs/openclaw.md "Start boost"): an OpenClaw tenant's
// slice has no CPU quota from its start until /startupz answers, then its own again; at most
// openclaw.start_boosts starts at once. Fakes of systemd (cpu_quota_now: the quota in force), the host,
// the clock, the prober and the image catalog; a real in-memory store.
#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/core/supervisor.h"
#include "supervisor/core/tenant_rules.h"
#include "unit/runtime_world.h"

namespace clawhive {
namespace {

using testing::kNew;
using World = testing::RuntimeWorld;

// The n-th tenant's port (0-based), as the supervisor allocates them.
uint16_t PortOf(const World& w, int n) { return static_cast<uint16_t>(w.config.port_base + n * w.config.port_step); }

// The CPU quota in force for the tenant's slice now (percent, 0 = none).
uint64_t QuotaNow(World& w, const std::string& id) {
  auto it = w.units.units.find(TenantNames::Slice(id));
  BOOST_REQUIRE(it != w.units.units.end() && it->second.cpu_quota_now.has_value());
  return *it->second.cpu_quota_now;
}

// The quota persisted for the slice (what a reboot or daemon-reload brings back).
uint64_t Persisted(World& w, const std::string& id) {
  return w.units.units[TenantNames::Slice(id)].limits->cpu_quota_percent;
}

// Creates `id` on the image with its gateway not started yet (/startupz failing).
void CreateStarting(World& w, const std::string& id, int nth) {
  w.prober.SetHealthy(PortOf(w, nth), false);
  w.CreateOn(id, kNew);
  BOOST_TEST_REQUIRE(w.sup->PhaseOf(id) == "starting");
}

// The gateway of the n-th tenant answers: the supervisor sees it started at its next startup probe.
void Started(World& w, int nth) {
  w.prober.SetHealthy(PortOf(w, nth), true);
  w.loop.Advance(600);
}

// Restarts w's supervisor with the boost configured so.
void BootWith(World& w, uint64_t start_quota, uint32_t boosts) {
  w.config.openclaw_start_cpu_quota_percent = start_quota;
  w.config.openclaw_start_boosts = boosts;
  w.Boot();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(supervisor_start_boost)

BOOST_AUTO_TEST_CASE(an_openclaw_tenant_starts_without_a_cpu_quota_and_gets_its_own_back_once_started) {
  World w;
  CreateStarting(w, "acme", 0);
  BOOST_TEST(QuotaNow(w, "acme") == 0u);
  BOOST_TEST(Persisted(w, "acme") == 100u);  // the persistent limit never changes
  Started(w, 0);
  BOOST_TEST(w.sup->PhaseOf("acme") == "running");
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_plain_command_tenant_starts_at_its_own_quota) {
  World w;
  w.prober.SetHealthy(PortOf(w, 0), false);
  w.Create("acme");
  BOOST_TEST(w.sup->PhaseOf("acme") == "starting");
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_CASE(the_configured_start_quota_is_what_a_start_gets) {
  World w;
  BootWith(w, 150, 1);
  CreateStarting(w, "acme", 0);
  BOOST_TEST(QuotaNow(w, "acme") == 150u);
}

BOOST_AUTO_TEST_CASE(with_start_boosts_0_a_start_keeps_its_own_quota) {
  World w;
  BootWith(w, 0, 0);
  CreateStarting(w, "acme", 0);
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_second_start_waits_at_its_own_quota_until_the_first_has_started) {
  World w;
  CreateStarting(w, "a1", 0);
  CreateStarting(w, "b2", 1);
  BOOST_TEST(QuotaNow(w, "a1") == 0u);
  BOOST_TEST(QuotaNow(w, "b2") == 100u);
  Started(w, 0);
  BOOST_TEST(QuotaNow(w, "a1") == 100u);
  BOOST_TEST(QuotaNow(w, "b2") == 0u);
  Started(w, 1);
  BOOST_TEST(QuotaNow(w, "b2") == 100u);
}

BOOST_AUTO_TEST_CASE(two_slots_boost_two_starts_at_once) {
  World w;
  BootWith(w, 0, 2);
  CreateStarting(w, "a1", 0);
  CreateStarting(w, "b2", 1);
  BOOST_TEST(QuotaNow(w, "a1") == 0u);
  BOOST_TEST(QuotaNow(w, "b2") == 0u);
}

BOOST_AUTO_TEST_CASE(a_crash_during_the_start_sets_the_quota_back_and_the_restart_is_boosted_again) {
  World w;
  CreateStarting(w, "acme", 0);
  size_t calls = w.units.calls.size();
  w.Crash("acme");
  w.loop.Advance(50);
  BOOST_TEST(w.sup->PhaseOf("acme") == "starting");  // restarted at once (the ladder's first step)
  std::vector<std::string> quota_calls;
  for (size_t i = calls; i < w.units.calls.size(); ++i)
    if (w.units.calls[i].rfind("cpu-quota-now", 0) == 0) quota_calls.push_back(w.units.calls[i]);
  std::vector<std::string> expected = {"cpu-quota-now " + TenantNames::Slice("acme") + " 100",
                                       "cpu-quota-now " + TenantNames::Slice("acme") + " 0"};
  BOOST_TEST(quota_calls == expected, boost::test_tools::per_element());
  BOOST_TEST(QuotaNow(w, "acme") == 0u);
}

BOOST_AUTO_TEST_CASE(a_daemon_reload_for_another_tenant_does_not_end_a_start_boost) {
  World w;
  w.CreateOn("busy", kNew);  // port 0, running
  CreateStarting(w, "acme", 1);
  // A settings change of the other tenant that moves its boundary units reloads systemd, which puts every
  // persisted quota back...
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TELEGRAM_BOT_TOKEN"});
  s.channels[0].mode = "webhook";
  TenantPatch p;
  p.openclaw = s;
  const int reloads = w.units.reloads;
  BOOST_REQUIRE(w.sup->Update("busy", p).ok());
  w.loop.Advance(50);
  BOOST_TEST_REQUIRE(w.units.reloads == reloads + 1);
  // ... and the starting tenant's lift is made again.
  BOOST_TEST(QuotaNow(w, "acme") == 0u);
  Started(w, 1);
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_crashed_start_hands_the_slot_to_a_waiting_one) {
  World w;
  w.config.immediate_restarts = 0;  // the crashed tenant backs off instead of starting again at once
  w.Boot();
  CreateStarting(w, "a1", 0);
  CreateStarting(w, "b2", 1);
  w.Crash("a1");
  w.loop.Advance(50);
  BOOST_TEST(w.sup->PhaseOf("a1") == "backoff");
  BOOST_TEST(QuotaNow(w, "a1") == 100u);
  BOOST_TEST(QuotaNow(w, "b2") == 0u);
}

BOOST_AUTO_TEST_CASE(stopping_a_starting_tenant_sets_its_quota_back) {
  World w;
  CreateStarting(w, "acme", 0);
  BOOST_TEST_REQUIRE(w.sup->Stop("acme").ok());
  w.loop.Advance(50);
  BOOST_TEST(w.sup->PhaseOf("acme") == "stopped");
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_hung_start_killed_at_its_timeout_sets_the_quota_back) {
  World w;
  w.config.openclaw_start_timeout_ms = 10000;
  w.config.immediate_restarts = 0;
  w.config.backoff_initial_ms = 60000;  // still backing off when checked
  w.Boot();
  CreateStarting(w, "acme", 0);
  w.loop.Advance(11000);
  BOOST_TEST(w.sup->PhaseOf("acme") == "backoff");
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_CASE(deleting_a_starting_tenant_frees_its_slot_for_the_next) {
  World w;
  CreateStarting(w, "a1", 0);
  CreateStarting(w, "b2", 1);
  (void)w.sup->Delete("a1", false);
  w.loop.Advance(50);
  BOOST_TEST(w.sup->Get("a1").ok() == false);
  BOOST_TEST(QuotaNow(w, "b2") == 0u);
}

BOOST_AUTO_TEST_CASE(a_quota_changed_during_the_start_is_the_one_in_force_after_it) {
  World w;
  CreateStarting(w, "acme", 0);
  TenantPatch p;
  p.cpu_quota_percent = 50;
  BOOST_TEST_REQUIRE(w.sup->Update("acme", p).ok());
  Started(w, 0);
  BOOST_TEST(QuotaNow(w, "acme") == 50u);
  BOOST_TEST(Persisted(w, "acme") == 50u);
}

BOOST_AUTO_TEST_CASE(a_restarted_supervisor_sets_an_adopted_gateways_quota_back) {
  World w;
  CreateStarting(w, "acme", 0);
  BOOST_TEST_REQUIRE(QuotaNow(w, "acme") == 0u);
  w.Boot();  // the previous supervisor went away during the boost; the gateway kept running
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_tenant_without_a_cpu_quota_starts_as_it_is_and_takes_no_slot) {
  World w;
  w.prober.SetHealthy(PortOf(w, 0), false);
  TenantPatch p;
  p.runtime = kNew;
  p.cpu_quota_percent = 0;
  w.Create("free", p);
  CreateStarting(w, "acme", 1);
  BOOST_TEST(QuotaNow(w, "free") == 0u);
  BOOST_TEST(QuotaNow(w, "acme") == 0u);  // boosted: the quota-less start took no slot
  Started(w, 1);
  BOOST_TEST(QuotaNow(w, "acme") == 100u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
