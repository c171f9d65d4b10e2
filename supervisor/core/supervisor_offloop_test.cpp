// The loop thread never waits for blocking work: creations and deletions hand useradd/userdel and file
// removal to the worker, and the tenant state machine keeps serving — crashes of other tenants are
// restarted, requests about a tenant in flight get a clear answer.
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <optional>

#include "supervisor/core/supervisor.h"
#include "unit/fails_with.h"
#include "unit/supervisor_world.h"

namespace clawhive {
namespace {

using testing::FailsWith;
using World = testing::SupervisorWorld;

BOOST_AUTO_TEST_SUITE(supervisor_off_loop)

BOOST_AUTO_TEST_CASE(a_creation_makes_the_user_on_the_worker_and_the_row_only_once_it_is_there) {
  World w(/*defer_blocking_work=*/true);
  std::optional<Result<TenantStatus>> created;
  w.sup->CreateAsync("acme-corp", TenantPatch{}, [&](Result<TenantStatus> r) { created = std::move(r); });
  BOOST_TEST(!created.has_value());
  BOOST_TEST(w.deferred.pending() == 1u);
  BOOST_TEST(w.host.users.count("ch-acme-corp") == 0u);
  BOOST_TEST(!w.store->GetTenant("acme-corp")->has_value());
  BOOST_TEST(FailsWith(w.sup->Get("acme-corp"), ErrorCode::kNotFound));
  BOOST_TEST(FailsWith(w.sup->Start("acme-corp"), ErrorCode::kConflict, "is being created"));
  BOOST_TEST(FailsWith(w.sup->Create("acme-corp", TenantPatch{}), ErrorCode::kAlreadyExists));

  w.deferred.RunAll();
  BOOST_REQUIRE(created.has_value());
  BOOST_REQUIRE(created->ok());
  BOOST_TEST(w.host.users.count("ch-acme-corp") == 1u);
  BOOST_TEST(w.store->GetTenant("acme-corp")->has_value());
  BOOST_TEST(w.units.units[TenantNames::Service("acme-corp")].active == "active");
}

BOOST_AUTO_TEST_CASE(creations_in_flight_at_once_get_different_ports_and_uids) {
  World w(/*defer_blocking_work=*/true);
  std::vector<TenantStatus> made;
  for (const char* id : {"a-1", "a-2", "a-3"})
    w.sup->CreateAsync(id, TenantPatch{}, [&](Result<TenantStatus> r) {
      BOOST_REQUIRE(r.ok());
      made.push_back(*r);
    });
  w.deferred.RunAll();
  BOOST_REQUIRE(made.size() == 3u);
  BOOST_TEST(made[0].tenant.port != made[1].tenant.port);
  BOOST_TEST(made[1].tenant.port != made[2].tenant.port);
  BOOST_TEST(made[0].tenant.uid != made[1].tenant.uid);
  BOOST_TEST(made[1].tenant.uid != made[2].tenant.uid);
}

BOOST_AUTO_TEST_CASE(a_crash_is_restarted_while_a_creation_waits_for_its_user) {
  World w(/*defer_blocking_work=*/true);
  w.Create("acme-corp");
  const std::string svc = TenantNames::Service("acme-corp");
  uint32_t pid = w.units.units[svc].pid;
  w.sup->CreateAsync("slow-one", TenantPatch{}, [](Result<TenantStatus>) {});
  w.units.Crash(svc, ExitKind::kKilled, SIGKILL, "signal");
  w.loop.Advance(50);  // the worker has not run: the creation is still waiting
  BOOST_TEST(w.deferred.pending() == 1u);
  BOOST_TEST(w.units.units[svc].active == "active");
  BOOST_TEST(w.units.units[svc].pid != pid);
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "running");
}

BOOST_AUTO_TEST_CASE(a_failed_user_creation_leaves_no_row_no_units_and_frees_the_port) {
  World w(/*defer_blocking_work=*/true);
  w.host.fail_users = true;
  std::optional<Result<TenantStatus>> created;
  w.sup->CreateAsync("acme-corp", TenantPatch{}, [&](Result<TenantStatus> r) { created = std::move(r); });
  w.deferred.RunAll();
  BOOST_REQUIRE(created.has_value());
  BOOST_TEST(FailsWith(*created, ErrorCode::kUnavailable, "useradd failed"));
  BOOST_TEST(!w.store->GetTenant("acme-corp")->has_value());
  BOOST_TEST(w.units.units[TenantNames::Service("acme-corp")].enabled == false);
  w.host.fail_users = false;
  TenantStatus again = w.Create("acme-corp");
  BOOST_TEST(again.tenant.port == w.config.port_base);
}

BOOST_AUTO_TEST_CASE(a_tenant_being_deleted_refuses_other_requests_until_it_is_gone) {
  World w(/*defer_blocking_work=*/true);
  w.Create("acme-corp");
  std::optional<Status> deleted;
  w.sup->DeleteAsync("acme-corp", /*remove_workspace=*/true, [&](Status s) { deleted = s; });
  w.loop.Advance(50);  // the agent stops; the files and user go on the worker
  BOOST_TEST(w.sup->PhaseOf("acme-corp") == "deleting");
  BOOST_TEST(!deleted.has_value());
  BOOST_TEST(FailsWith(w.sup->Start("acme-corp"), ErrorCode::kConflict, "is being deleted"));
  BOOST_TEST(FailsWith(w.sup->Restart("acme-corp"), ErrorCode::kConflict, "is being deleted"));
  BOOST_TEST(!w.sup->IsRunning("acme-corp"));
  BOOST_TEST(w.host.users.count("ch-acme-corp") == 1u);

  w.deferred.RunAll();
  BOOST_REQUIRE(deleted.has_value());
  BOOST_TEST(deleted->ok());
  BOOST_TEST(w.host.users.count("ch-acme-corp") == 0u);
  BOOST_TEST(!w.store->GetTenant("acme-corp")->has_value());
  BOOST_TEST(FailsWith(w.sup->Get("acme-corp"), ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(a_second_delete_while_the_first_waits_for_the_agent_is_refused) {
  World w;
  w.Create("acme-corp");
  std::optional<Status> first;
  w.sup->DeleteAsync("acme-corp", false, [&](Status s) { first = s; });
  std::optional<Status> second;
  w.sup->DeleteAsync("acme-corp", false, [&](Status s) { second = s; });
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(FailsWith(*second, ErrorCode::kConflict, "is being deleted"));
  w.loop.Advance(50);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->ok());
}

BOOST_AUTO_TEST_CASE(hooks_receive_the_tenant_row) {
  World w;
  std::vector<std::string> seen;
  w.sup->BeforeStart([&](const Tenant& t) { seen.push_back("start " + t.id + " uid " + std::to_string(t.uid)); });
  w.sup->OnDeleted([&](const Tenant& t) { seen.push_back("deleted " + t.id); });
  w.sup->OnProvision([&](const Tenant& t) -> std::function<void()> {
    seen.push_back("provision " + t.id);
    return [&seen, id = t.id] { seen.push_back("provisioned " + id); };
  });
  TenantStatus st = w.Create("acme-corp");
  w.sup->DeleteAsync("acme-corp", false, [](Status) {});
  w.loop.Advance(50);  // done once the agent is down
  std::vector<std::string> expected = {"provision acme-corp", "provisioned acme-corp",
                                       "start acme-corp uid " + std::to_string(st.tenant.uid), "deleted acme-corp"};
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
