// StartBoost on its own: which starts are boosted, the slots and their queue, and what is set back.
// systemd is the fake (its cpu_quota_now is the quota in force).
#include "supervisor/core/start_boost.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "unit/fake_loop.h"
#include "unit/fake_unit_manager.h"

namespace clawhive {
namespace {

struct Lines : EventLog {
  void Write(int, const std::string& tenant, const std::string& message) override { all.push_back(tenant + ": " + message); }
  std::vector<std::string> all;
};

// A tenant's slice with a persistent quota of one core, as tenant_defaults makes it.
struct BoostWorld {
  FakeLoop loop;
  FakeUnitManager units{loop};
  Lines log;
  StartBoost boost;

  explicit BoostWorld(uint64_t quota_percent = 0, uint32_t slots = 1) : boost(units, log, quota_percent, slots) {}
  void Provision(const std::string& id, uint64_t quota = 100) {
    SliceLimits l;
    l.cpu_quota_percent = quota;
    BOOST_REQUIRE(units.SetSliceLimits(TenantNames::Slice(id), l).ok());
  }
  // The quota in force for the tenant's slice now (0 = none).
  uint64_t QuotaNow(const std::string& id) { return units.units[TenantNames::Slice(id)].cpu_quota_now.value(); }
  // The persistent limit (what a reboot brings back).
  uint64_t Persisted(const std::string& id) { return units.units[TenantNames::Slice(id)].limits->cpu_quota_percent; }
  size_t QuotaCalls() {
    size_t n = 0;
    for (const std::string& c : units.calls) n += c.rfind("cpu-quota-now ", 0) == 0;
    return n;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(start_boost)

BOOST_AUTO_TEST_CASE(a_starting_tenant_has_no_quota_until_its_start_is_over_and_then_its_own) {
  BoostWorld w;
  w.Provision("acme");
  w.boost.Begin("acme", 100);
  BOOST_TEST(w.boost.Boosted("acme"));
  BOOST_TEST(w.QuotaNow("acme") == 0u);
  BOOST_TEST(w.Persisted("acme") == 100u);  // nothing persistent changed
  w.boost.End("acme", 100);
  BOOST_TEST(!w.boost.Boosted("acme"));
  BOOST_TEST(w.QuotaNow("acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_daemon_reload_during_a_start_is_followed_by_the_lift_again) {
  BoostWorld w;
  w.Provision("acme");
  w.Provision("idle");
  w.boost.Begin("acme", 100);
  BOOST_REQUIRE(w.units.Reload().ok());
  BOOST_TEST(w.QuotaNow("acme") == 100u);  // what systemd does: the persisted drop-in wins
  w.boost.Reapply();
  BOOST_TEST(w.QuotaNow("acme") == 0u);
  BOOST_TEST(w.QuotaNow("idle") == 100u);  // only boosted starts are lifted again
  w.boost.End("acme", 100);
  BOOST_TEST(w.QuotaNow("acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_configured_start_quota_is_what_the_start_gets) {
  BoostWorld w(/*quota_percent=*/150);
  w.Provision("acme");
  w.boost.Begin("acme", 100);
  BOOST_TEST(w.QuotaNow("acme") == 150u);
}

BOOST_AUTO_TEST_CASE(a_tenant_without_a_quota_or_already_above_the_boost_is_left_alone_and_takes_no_slot) {
  BoostWorld w(/*quota_percent=*/150);
  w.Provision("free", 0);
  w.Provision("big", 200);
  w.Provision("acme");
  w.boost.Begin("free", 0);
  w.boost.Begin("big", 200);
  BOOST_TEST(w.QuotaCalls() == 0u);
  w.boost.Begin("acme", 100);
  BOOST_TEST(w.boost.Boosted("acme"));
}

BOOST_AUTO_TEST_CASE(with_no_slots_nothing_is_ever_boosted) {
  BoostWorld w(0, /*slots=*/0);
  w.Provision("acme");
  w.boost.Begin("acme", 100);
  w.boost.End("acme", 100);
  BOOST_TEST(w.QuotaCalls() == 0u);
  BOOST_TEST(w.QuotaNow("acme") == 100u);
}

BOOST_AUTO_TEST_CASE(a_second_start_waits_at_its_own_quota_and_takes_the_slot_when_the_first_is_over) {
  BoostWorld w;
  w.Provision("a1");
  w.Provision("b2");
  w.boost.Begin("a1", 100);
  w.boost.Begin("b2", 100);
  BOOST_TEST(w.boost.Waiting("b2"));
  BOOST_TEST(w.QuotaNow("b2") == 100u);
  w.boost.End("a1", 100);
  BOOST_TEST(w.boost.Boosted("b2"));
  BOOST_TEST(w.QuotaNow("b2") == 0u);
  BOOST_TEST(w.QuotaNow("a1") == 100u);
}

BOOST_AUTO_TEST_CASE(waiting_starts_take_free_slots_oldest_first) {
  BoostWorld w(0, /*slots=*/2);
  for (const char* id : {"a1", "b2", "c3", "d4"}) {
    w.Provision(id);
    w.boost.Begin(id, 100);
  }
  BOOST_TEST(w.boost.Boosted("a1"));
  BOOST_TEST(w.boost.Boosted("b2"));
  w.boost.End("b2", 100);
  BOOST_TEST(w.boost.Boosted("c3"));
  BOOST_TEST(w.boost.Waiting("d4"));
}

BOOST_AUTO_TEST_CASE(a_waiting_start_that_ends_leaves_the_queue_without_a_systemd_call) {
  BoostWorld w;
  w.Provision("a1");
  w.Provision("b2");
  w.boost.Begin("a1", 100);
  w.boost.Begin("b2", 100);
  size_t calls = w.QuotaCalls();
  w.boost.End("b2", 100);
  BOOST_TEST(w.QuotaCalls() == calls);
  w.boost.End("a1", 100);
  BOOST_TEST(!w.boost.Boosted("b2"));
}

BOOST_AUTO_TEST_CASE(beginning_a_start_already_known_changes_nothing) {
  BoostWorld w;
  w.Provision("a1");
  w.Provision("b2");
  w.boost.Begin("a1", 100);
  w.boost.Begin("b2", 100);
  w.boost.Begin("a1", 100);
  w.boost.Begin("b2", 100);
  BOOST_TEST(w.QuotaCalls() == 1u);
  w.boost.End("b2", 100);
  BOOST_TEST(!w.boost.Waiting("b2"));  // queued once only
}

BOOST_AUTO_TEST_CASE(the_quota_set_back_is_the_one_given_at_the_end) {
  BoostWorld w;
  w.Provision("acme");
  w.boost.Begin("acme", 100);
  w.boost.End("acme", 50);  // the operator changed it meanwhile
  BOOST_TEST(w.QuotaNow("acme") == 50u);
}

BOOST_AUTO_TEST_CASE(a_lift_systemd_refuses_takes_no_slot_and_is_logged) {
  BoostWorld w;
  w.Provision("a1");
  w.Provision("b2");
  w.units.fail_quota_now = true;
  w.boost.Begin("a1", 100);
  BOOST_TEST(!w.boost.Boosted("a1"));
  BOOST_TEST_REQUIRE(!w.log.all.empty());
  BOOST_TEST(w.log.all.back().find("could not lift") != std::string::npos, w.log.all.back());
  w.units.fail_quota_now = false;
  w.boost.Begin("b2", 100);
  BOOST_TEST(w.boost.Boosted("b2"));
}

BOOST_AUTO_TEST_CASE(a_set_back_systemd_refuses_still_frees_the_slot_and_is_logged_as_an_error) {
  BoostWorld w;
  w.Provision("a1");
  w.Provision("b2");
  w.boost.Begin("a1", 100);
  w.boost.Begin("b2", 100);
  w.units.fail_quota_now = true;
  w.boost.End("a1", 100);
  BOOST_TEST(!w.boost.Boosted("a1"));
  bool logged = false;
  for (const std::string& l : w.log.all) logged |= l.find("could not set the CPU quota back") != std::string::npos;
  BOOST_TEST(logged);
}

BOOST_AUTO_TEST_CASE(reset_sets_the_own_quota_back_even_for_a_tenant_it_never_boosted) {
  BoostWorld w;
  w.Provision("acme");
  BOOST_REQUIRE(w.units.SetCpuQuotaNow(TenantNames::Slice("acme"), 0).ok());  // a previous supervisor's lift
  w.boost.Reset("acme", 100);
  BOOST_TEST(w.QuotaNow("acme") == 100u);
}

BOOST_AUTO_TEST_CASE(forgetting_a_boosted_tenant_frees_its_slot_without_touching_its_slice) {
  BoostWorld w;
  w.Provision("a1");
  w.Provision("b2");
  w.boost.Begin("a1", 100);
  w.boost.Begin("b2", 100);
  size_t calls = w.QuotaCalls();
  w.boost.Forget("a1");
  BOOST_TEST(w.QuotaCalls() == calls + 1);  // only b2's lift
  BOOST_TEST(w.boost.Boosted("b2"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
