// The ledger's egress tables: a uid names its tenant, policies round-trip and go with the tenant, bytes
// add up per day and per tenant.
#include <boost/test/unit_test.hpp>

#include "supervisor/meter/ledger.h"
#include "unit/temp_dir.h"

namespace clawhive::meter {
namespace {

constexpr int64_t kNow = 1795000000000;  // 2026-11-18
constexpr int64_t kDay = 86400000;

struct Books {
  testing::TempDir tmp{"clawhive-egress-ledger"};
  std::unique_ptr<Ledger> ledger = std::move(Ledger::Open(tmp.path + "/meter.db").value());
};

BOOST_AUTO_TEST_SUITE(ledger_egress)

BOOST_FIXTURE_TEST_CASE(a_uid_names_the_tenant_its_token_was_issued_for, Books) {
  BOOST_TEST_REQUIRE(ledger->IssueToken("acme", 300001, kNow).ok());
  BOOST_TEST(ledger->TenantOfUid(300001)->value() == "acme");
  BOOST_TEST(!ledger->TenantOfUid(300002)->has_value());
}

BOOST_FIXTURE_TEST_CASE(a_policy_is_replaced_and_removed_with_its_tenant, Books) {
  BOOST_TEST(!ledger->EgressPolicy("acme")->has_value());
  BOOST_TEST(ledger->SetEgressPolicy("acme", R"({"presets":["telegram"]})").ok());
  BOOST_TEST(ledger->SetEgressPolicy("acme", R"({"presets":["slack"]})").ok());
  BOOST_TEST(ledger->EgressPolicy("acme")->value() == R"({"presets":["slack"]})");
  BOOST_TEST(ledger->RemoveTenant("acme").ok());
  BOOST_TEST(!ledger->EgressPolicy("acme")->has_value());
}

BOOST_FIXTURE_TEST_CASE(bytes_add_up_per_tenant_over_days, Books) {
  BOOST_TEST(ledger->AddEgress("acme", kNow, {"", 100, 1000, 0, 0}).ok());
  BOOST_TEST(ledger->AddEgress("acme", kNow + 1, {"", 50, 500, 1, 0}).ok());
  BOOST_TEST(ledger->AddEgress("acme", kNow + kDay, {"", 1, 2, 1, 3}).ok());
  BOOST_TEST(ledger->AddEgress("beta", kNow, {"", 7, 7, 1, 0}).ok());
  auto acme = ledger->EgressTotals("acme", kNow - kDay, kNow + 2 * kDay);
  BOOST_TEST_REQUIRE(acme->size() == 1u);
  BOOST_TEST((*acme)[0].bytes_out == 151);
  BOOST_TEST((*acme)[0].bytes_in == 1502);
  BOOST_TEST((*acme)[0].tunnels == 2);
  BOOST_TEST((*acme)[0].refused == 3);
  auto today = ledger->EgressTotals("acme", kNow, kNow + 1);
  BOOST_TEST((*today)[0].bytes_out == 150);
  auto all = ledger->EgressTotals("", kNow - kDay, kNow + 2 * kDay);
  BOOST_TEST_REQUIRE(all->size() == 2u);
  BOOST_TEST((*all)[1].tenant == "beta");
  BOOST_TEST((*all)[1].bytes_in == 7);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::meter
