#include "supervisor/meter/checkpointer.h"

#include <atomic>
#include <boost/test/unit_test.hpp>

#include "unit/temp_dir.h"

namespace clawhive::meter {
namespace {

constexpr int64_t kNow = 1795000000000;

BOOST_AUTO_TEST_SUITE(meter_checkpointer)

BOOST_AUTO_TEST_CASE(the_ledger_stays_usable_and_reports_no_error_while_checkpoints_run_beside_its_writes) {
  testing::TempDir tmp{"clawhive-checkpointer"};
  auto ledger = Ledger::Open(tmp.path + "/meter.db", /*background_checkpoints=*/true);
  BOOST_REQUIRE(ledger.ok());
  std::atomic<int> errors{0};
  {
    Checkpointer cp(**ledger, std::chrono::milliseconds(1), [&](const Error&) { ++errors; });
    for (int i = 0; i < 200; ++i) {
      auto r = (*ledger)->Reserve("t1", 10, 100, kNow + i);
      BOOST_REQUIRE(r.ok());
      UsageRecord u;
      u.at_ms = kNow + i;
      u.provider = "stub";
      u.model = "m";
      u.cost_micros = 1;
      u.status = 200;
      BOOST_REQUIRE((*ledger)->Settle(*r, u).ok());
    }
  }
  BOOST_TEST(errors.load() == 0);
  auto totals = (*ledger)->TotalsFor("t1", kNow);
  BOOST_REQUIRE(totals.ok());
  BOOST_TEST(totals->requests == 200);
}

BOOST_AUTO_TEST_CASE(destroying_it_stops_the_thread_without_waiting_out_the_period) {
  testing::TempDir tmp{"clawhive-checkpointer"};
  auto ledger = Ledger::Open(tmp.path + "/meter.db", /*background_checkpoints=*/true);
  BOOST_REQUIRE(ledger.ok());
  // An hour's period: were the destructor to wait it out, this test would hang until the runner's timeout.
  { Checkpointer cp(**ledger, std::chrono::hours(1)); }
  BOOST_TEST((*ledger)->Checkpoint().ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::meter
