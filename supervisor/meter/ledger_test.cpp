// The ledger on a real SQLite file: reservations never overspend, even from two processes' worth of
// connections at once; settling, orphans, warnings, fallback, rate limits, tokens, periods, money.
#include "supervisor/meter/ledger.h"

#include <stdlib.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <thread>

#include "unit/temp_dir.h"

namespace clawhive::meter {
namespace {

constexpr int64_t kNow = 1795000000000;  // 2026-11-18 (a Wednesday)

// A ledger in a fresh directory; the ledger closes before the directory goes.
struct TempLedger {
  TempLedger() { ledger = Open(); }
  std::unique_ptr<Ledger> Open() {
    auto l = Ledger::Open(dir + "/meter.db");
    BOOST_REQUIRE_MESSAGE(l.ok(), (l.ok() ? "" : l.error().message));
    return std::move(*l);
  }
  testing::TempDir tmp{"clawhive-meter"};
  std::string dir = tmp.path;
  std::unique_ptr<Ledger> ledger;
};

UsageRecord Used(int64_t cost) {
  UsageRecord u;
  u.at_ms = kNow;
  u.provider = "stub";
  u.model = "m";
  u.prompt_tokens = 100;
  u.completion_tokens = 10;
  u.cost_micros = cost;
  u.status = 200;
  return u;
}

BOOST_AUTO_TEST_SUITE(meter_ledger)

BOOST_AUTO_TEST_CASE(fifty_concurrent_requests_against_a_budget_for_ten_spend_at_most_the_budget) {
  TempLedger t;
  auto second = t.Open();  // another connection to the same file, as the supervisor's would be
  Budget b;
  b.limit_micros = 10 * 1000;
  BOOST_REQUIRE(t.ledger->SetBudget("acme", b).ok());
  std::atomic<int> granted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      Ledger& l = i % 2 ? *t.ledger : *second;
      auto r = l.Reserve("acme", 1000, 50, kNow);
      if (!r) {
        BOOST_CHECK(r.error().code == ErrorCode::kRateLimited);
        ++refused;
        return;
      }
      ++granted;
      BOOST_CHECK(l.Settle(*r, Used(1000)).ok());
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(granted.load() == 10);
  BOOST_TEST(refused.load() == 40);
  auto totals = t.ledger->TotalsFor("acme", kNow);
  BOOST_TEST(totals->spent_micros == 10000);
  BOOST_TEST(totals->spent_micros <= b.limit_micros);
  BOOST_TEST(totals->reserved_micros == 0);
  BOOST_TEST(totals->requests == 10);
}

BOOST_AUTO_TEST_CASE(settling_charges_the_real_cost_and_frees_the_rest_of_the_reservation) {
  TempLedger t;
  Budget b;
  b.limit_micros = 5000;
  BOOST_REQUIRE(t.ledger->SetBudget("acme", b).ok());
  auto r = t.ledger->Reserve("acme", 4000, 100, kNow);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(!t.ledger->Reserve("acme", 2000, 100, kNow).ok());  // 4000 reserved + 2000 > 5000
  BOOST_REQUIRE(t.ledger->Settle(*r, Used(1500)).ok());
  BOOST_TEST(t.ledger->TotalsFor("acme", kNow)->spent_micros == 1500);
  BOOST_TEST(t.ledger->Reserve("acme", 2000, 100, kNow).ok());  // now it fits
}

BOOST_AUTO_TEST_CASE(reservations_left_by_a_crash_are_released_at_the_next_proxy_start) {
  TempLedger t;
  Budget b;
  b.limit_micros = 1000;
  BOOST_REQUIRE(t.ledger->SetBudget("acme", b).ok());
  BOOST_REQUIRE(t.ledger->Reserve("acme", 1000, 10, kNow).ok());
  t.ledger = t.Open();  // "crashed" and restarted
  BOOST_TEST(!t.ledger->Reserve("acme", 1000, 10, kNow).ok());
  BOOST_REQUIRE(t.ledger->ReleaseOrphans(kNow).ok());
  BOOST_TEST(t.ledger->TotalsFor("acme", kNow)->reserved_micros == 0);
  BOOST_TEST(t.ledger->Reserve("acme", 1000, 10, kNow).ok());
  auto usage = t.ledger->Usage("acme", 0, kNow + 1, 10);
  BOOST_REQUIRE(usage->size() == 1u);
  BOOST_TEST(usage->at(0).status == 0);  // recorded as interrupted
}

BOOST_AUTO_TEST_CASE(warnings_are_raised_once_per_threshold_and_when_the_budget_is_spent) {
  TempLedger t;
  Budget b;
  b.limit_micros = 1000;
  BOOST_REQUIRE(t.ledger->SetBudget("acme", b).ok());
  for (int64_t cost : {500, 310, 100, 50, 40}) {  // 50%, 81%, 91%, 96%, 100%
    auto r = t.ledger->Reserve("acme", cost, 1, kNow);
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE(t.ledger->Settle(*r, Used(cost)).ok());
  }
  auto events = t.ledger->Events("acme", 10);
  BOOST_REQUIRE(events->size() == 3u);
  BOOST_TEST(events->at(2).kind == "warning");
  BOOST_TEST(events->at(2).detail.rfind("80%", 0) == 0u);
  BOOST_TEST(events->at(1).detail.rfind("95%", 0) == 0u);
  BOOST_TEST(events->at(0).kind == "exhausted");
  auto refused = t.ledger->Reserve("acme", 1, 1, kNow);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().message.find("budget exhausted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(with_a_fallback_model_a_spent_budget_is_served_by_it_and_still_metered) {
  TempLedger t;
  Budget b;
  b.limit_micros = 100;
  b.fallback_model = "small-model";
  BOOST_REQUIRE(t.ledger->SetBudget("acme", b).ok());
  auto r = t.ledger->Reserve("acme", 500, 10, kNow);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->fallback);
  UsageRecord u = Used(30);
  u.model = "small-model";
  BOOST_REQUIRE(t.ledger->Settle(*r, u).ok());
  BOOST_TEST(t.ledger->TotalsFor("acme", kNow)->spent_micros == 30);
  BOOST_TEST(t.ledger->Events("acme", 5)->at(0).kind == "fallback");
}

BOOST_AUTO_TEST_CASE(requests_and_tokens_per_minute_are_limited_per_tenant) {
  TempLedger t;
  Budget b;
  b.rpm = 3;
  b.tpm = 1000;
  BOOST_REQUIRE(t.ledger->SetBudget("acme", b).ok());
  for (int i = 0; i < 3; ++i) BOOST_TEST(t.ledger->Reserve("acme", 0, 100, kNow + i).ok());
  auto rpm = t.ledger->Reserve("acme", 0, 100, kNow + 10);
  BOOST_REQUIRE(!rpm.ok());
  BOOST_TEST(rpm.error().message.find("requests per minute") != std::string::npos);
  BOOST_TEST(t.ledger->Reserve("globex", 0, 100, kNow).ok());  // other tenants are not affected
  BOOST_TEST(t.ledger->Reserve("acme", 0, 100, kNow + 60001).ok());  // a minute later
  auto tpm = t.ledger->Reserve("acme", 0, 950, kNow + 60002);
  BOOST_REQUIRE(!tpm.ok());
  BOOST_TEST(tpm.error().message.find("tokens per minute") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_proxy_token_names_its_tenant_until_replaced_or_removed) {
  TempLedger t;
  auto first = t.ledger->IssueToken("acme", 300001, kNow);
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(first->rfind("chp_", 0) == 0u);
  BOOST_TEST(t.ledger->TenantOfToken(*first)->tenant == "acme");
  BOOST_TEST(t.ledger->TenantOfToken(*first)->uid == 300001u);
  auto second = t.ledger->IssueToken("acme", 300001, kNow);
  BOOST_TEST(!t.ledger->TenantOfToken(*first).ok());
  BOOST_TEST(t.ledger->TenantOfToken(*second)->tenant == "acme");
  BOOST_REQUIRE(t.ledger->RemoveTenant("acme").ok());
  auto gone = t.ledger->TenantOfToken(*second);
  BOOST_REQUIRE(!gone.ok());
  BOOST_TEST((gone.error().code == ErrorCode::kUnauthorized));
  for (const std::string& bad : std::vector<std::string>{"", "chp_", std::string(5000, 'x'), "chp_\x01\x02", "Bearer x"})
    BOOST_TEST(!t.ledger->TenantOfToken(bad).ok());
}

BOOST_AUTO_TEST_CASE(periods_start_at_utc_month_monday_and_midnight) {
  BOOST_TEST(PeriodLabel(Period::kMonthly, PeriodStart(Period::kMonthly, kNow)) == "2026-11");
  BOOST_TEST(PeriodLabel(Period::kWeekly, PeriodStart(Period::kWeekly, kNow)) == "2026-11-16");
  BOOST_TEST(PeriodLabel(Period::kDaily, PeriodStart(Period::kDaily, kNow)) == "2026-11-18");
  BOOST_TEST(PeriodStart(Period::kMonthly, kNow) % 1000 == 0);
}

BOOST_AUTO_TEST_CASE(money_is_parsed_exactly_and_hostile_amounts_are_refused) {
  BOOST_TEST(*ParseMoney("25") == 25000000);
  BOOST_TEST(*ParseMoney("12.5") == 12500000);
  BOOST_TEST(*ParseMoney("0.000001") == 1);
  BOOST_TEST(FormatMoney(12500000) == "12.50");
  for (const char* bad : {"", "-1", "1.", ".", "1.0000001", "abc", "1e3", "1,5", "99999999999999999999"})
    BOOST_TEST(!ParseMoney(bad).ok(), bad);
  BOOST_TEST(CostMicros(1000, 0, 3000000, 0) == 3000);  // 1000 tokens at 3.00 per million
  BOOST_TEST(CostMicros(1, 0, 1, 0) == 1);              // rounded up, never free
}

BOOST_AUTO_TEST_CASE(a_budget_of_zero_allows_nothing_while_no_budget_allows_everything) {
  TempLedger t;
  BOOST_TEST(t.ledger->Reserve("acme", 1000000, 10, kNow).ok());  // no budget set
  Budget zero;
  zero.limit_micros = 0;
  BOOST_REQUIRE(t.ledger->SetBudget("globex", zero).ok());
  BOOST_TEST(!t.ledger->Reserve("globex", 1, 1, kNow).ok());
  BOOST_TEST(t.ledger->TotalsFor("acme", kNow)->limit_micros == kNoLimit);
}

BOOST_AUTO_TEST_CASE(providers_and_budgets_with_bad_names_or_twice_listed_models_are_refused) {
  TempLedger t;
  Provider p{"prov", ApiKind::kOpenAI, "http://127.0.0.1:9/v1", "KEY", {{"m", 1, 1, 10}, {"m", 2, 2, 10}}};
  BOOST_TEST(!t.ledger->SetProvider(p).ok());
  p.models.pop_back();
  p.key_secret = "1KEY";
  BOOST_TEST(!t.ledger->SetProvider(p).ok());
  p.key_secret = "KEY";
  for (const char* url : {"ftp://x", "http://h/a?b", "http://h /", ""}) {
    p.base_url = url;
    BOOST_TEST(!t.ledger->SetProvider(p).ok(), url);
  }
  Budget b;
  b.providers = {"a,b"};
  BOOST_TEST(!t.ledger->SetBudget("acme", b).ok());
  b.providers = {};
  b.warn_percent = {95, 80};
  BOOST_TEST(t.ledger->SetBudget("acme", b).error().message.rfind("warn_percent:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(prices_keep_every_decimal_on_a_round_trip) {
  for (const char* text : {"0.075", "12.50", "3.00", "0.000001", "1000000.123456"})
    BOOST_TEST(FormatExact(*ParseMoney(text)) == text, text);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::meter
