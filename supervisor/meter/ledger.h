// Ledger: the metering proxy's books, in meter.db (SQLite, WAL): each tenant's proxy token (hash only),
// budget and limits, spend per period, open reservations, one usage record per request, and budget
// events. Shared by two processes: clawhive-proxy reserves and settles; the supervisor issues tokens,
// sets budgets and reads usage. SQLite's locking makes each call atomic across both.
//
// Money is in micro-units of the installation's currency (1 USD = 1,000,000). A request first reserves
// its maximum possible cost (Reserve) and is settled to its real cost when it ends (Settle), so
// concurrent requests can never spend past the budget: the check and the reservation are one
// transaction. Reservations left open by a crash are released at Open() (recorded as interrupted).
//
// Thread-safe: one connection behind a mutex. Times are unix milliseconds, passed in by the caller.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/common/sqlite.h"

namespace clawhive::meter {

inline constexpr int32_t kMeterApplicationId = 0x43484d54;  // "CHMT"

enum class Period { kMonthly, kWeekly, kDaily };
const char* ToString(Period p);
std::optional<Period> ParsePeriod(std::string_view text);
// Start of the period containing `now_ms` (UTC; weeks start on Monday).
int64_t PeriodStart(Period p, int64_t now_ms);
// "2026-11" (monthly), "2026-11-16" (weekly: its Monday), "2026-11-22" (daily).
std::string PeriodLabel(Period p, int64_t period_start_ms);

inline constexpr int64_t kNoLimit = -1;

struct Budget {
  int64_t limit_micros = kNoLimit;     // kNoLimit: no budget (metered only); 0: nothing may be spent
  Period period = Period::kMonthly;
  std::vector<int> warn_percent = {80, 95};  // ascending, 1..99
  uint32_t rpm = 0;                    // requests per minute, 0 = unlimited
  uint64_t tpm = 0;                    // tokens per minute (reserved), 0 = unlimited
  std::string fallback_model;          // when the budget is spent: serve this model instead of 429
  std::vector<std::string> providers;  // providers the tenant may use ([a-z0-9-] names); empty = all
};

enum class ApiKind { kOpenAI, kAnthropic };
const char* ToString(ApiKind k);  // "openai", "anthropic"
std::optional<ApiKind> ParseApiKind(std::string_view text);

struct ModelPrice {
  std::string name;                // as agents ask for it ([A-Za-z0-9._:/@-], 1..128)
  int64_t in_per_million = 0;      // micro-units per 1M prompt tokens
  int64_t out_per_million = 0;     // micro-units per 1M completion tokens
  int64_t max_output_tokens = 4096;  // what a request without max_tokens may produce (for the reservation)
};

// A model provider of the installation: where the proxy forwards, and the platform secret (vault,
// kPlatformScope) holding its key. Operators configure these; tenants may be limited to some.
struct Provider {
  std::string name;  // [a-z0-9-], 1..32
  ApiKind kind = ApiKind::kOpenAI;
  std::string base_url;    // http(s)://host[:port][/prefix]; the API path is appended
  std::string key_secret;  // platform secret name, e.g. OPENAI_API_KEY
  std::vector<ModelPrice> models;
};
Status ValidateProvider(const Provider& p);

struct Reservation {
  int64_t id = 0;
  std::string tenant;
  int64_t period_start_ms = 0;
  int64_t amount_micros = 0;
  bool fallback = false;  // granted over budget for the fallback model (nothing reserved)
};

struct UsageRecord {
  int64_t id = 0;
  std::string tenant;
  int64_t at_ms = 0;
  std::string provider, model;
  int64_t prompt_tokens = 0, completion_tokens = 0;
  bool estimated = false;  // the provider reported no usage; counted by the proxy
  int64_t cost_micros = 0;
  int64_t latency_ms = 0;
  int status = 0;          // HTTP status answered to the agent (0: the client went away)
  bool stream = false;
};

struct Totals {
  std::string tenant;
  std::string period;      // label
  int64_t limit_micros = kNoLimit, spent_micros = 0, reserved_micros = 0;
  int64_t requests = 0, prompt_tokens = 0, completion_tokens = 0;
};

struct BudgetEvent {
  int64_t id = 0;
  std::string tenant;
  int64_t at_ms = 0;
  std::string kind;    // "warning", "exhausted", "fallback"
  std::string detail;  // "80% of 10.00 spent", ...
};

// One line of a billing export: a tenant's use of one model over a period.
struct BillingLine {
  std::string tenant, provider, model;
  int64_t requests = 0, prompt_tokens = 0, completion_tokens = 0, cost_micros = 0;
  int64_t estimated_requests = 0;  // of which usage was estimated by the proxy
};

// A tenant's egress through the egress proxy over some days.
struct EgressUsage {
  std::string tenant;
  int64_t bytes_out = 0;  // agent -> Internet
  int64_t bytes_in = 0;   // Internet -> agent
  int64_t tunnels = 0;    // CONNECT tunnels that ended
  int64_t refused = 0;    // CONNECT requests refused
};

class Ledger {
 public:
  // `background_checkpoints`: commits never checkpoint the WAL themselves (a checkpoint fsyncs, several
  // ms here, and would stall every request behind the ledger's lock); the caller calls Checkpoint()
  // from a thread of its own instead. The proxy does; the supervisor, which writes rarely, does not.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& path, bool background_checkpoints = false);
  // Copies the WAL into the database on a connection of its own, without taking the ledger's lock.
  Status Checkpoint();
  // The proxy, at its start only: reservations left open by a crash are released (their requests
  // recorded as interrupted, status 0). The supervisor never calls this: the proxy's are live.
  Status ReleaseOrphans(int64_t now_ms);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // ---- proxy tokens: "chp_..." shown once; only the SHA-256 is kept ----
  // Replaces the previous one. `uid`: the tenant's agent user, the only one (with root) that may use it.
  Result<std::string> IssueToken(const std::string& tenant, uint32_t uid, int64_t now_ms);
  struct TokenOwner {
    std::string tenant;
    uint32_t uid = 0;
  };
  Result<TokenOwner> TenantOfToken(std::string_view token);  // kUnauthorized
  Result<bool> HasToken(const std::string& tenant);
  Status RemoveTenant(const std::string& tenant);  // token, budget, open reservations, egress policy (usage is kept)

  // ---- budgets ----
  Status SetBudget(const std::string& tenant, const Budget& budget);
  Result<Budget> GetBudget(const std::string& tenant);  // the default (no limit) when none was set

  // ---- providers ----
  Status SetProvider(const Provider& p);      // create or replace
  Status DeleteProvider(const std::string& name);  // kNotFound
  Result<std::vector<Provider>> Providers();
  // Bumps whenever any connection commits to the file: cheap to poll before trusting a cache.
  Result<int64_t> DataVersion();

  // ---- metering ----
  // kRateLimited (message says which limit) when the budget, rpm or tpm would be exceeded (the last
  // minute's requests and tokens are counted from the file: finished ones and open reservations). With a
  // fallback model configured and only the budget spent, grants a reservation with fallback = true.
  Result<Reservation> Reserve(const std::string& tenant, int64_t max_cost_micros, int64_t max_tokens,
                              int64_t now_ms);
  // Ends a reservation: records `usage` and moves the spend from reserved to spent.
  Status Settle(const Reservation& r, UsageRecord usage);

  Result<Totals> TotalsFor(const std::string& tenant, int64_t now_ms);
  Result<std::vector<Totals>> AllTotals(int64_t now_ms);  // current period of every tenant with a row
  // Records with from_ms <= at_ms < to_ms, oldest first, at most `limit`; empty tenant = all.
  Result<std::vector<UsageRecord>> Usage(const std::string& tenant, int64_t from_ms, int64_t to_ms, size_t limit);
  Result<std::vector<BudgetEvent>> Events(const std::string& tenant, size_t limit);  // newest first
  // Usage in [from_ms, to_ms) summed per tenant, provider and model (empty tenant = all tenants).
  Result<std::vector<BillingLine>> Billing(const std::string& tenant, int64_t from_ms, int64_t to_ms);

  // ---- egress (docs/egress.md; ledger_egress.cpp) ----
  // The tenant whose proxy token names agent uid `uid`; nullopt when none.
  Result<std::optional<std::string>> TenantOfUid(uint32_t uid);
  // A tenant's egress allow list, as JSON (egress::TenantEgress); nullopt when none was set.
  Status SetEgressPolicy(const std::string& tenant, const std::string& json);
  Result<std::optional<std::string>> EgressPolicy(const std::string& tenant);
  // Adds to the tenant's counters of the UTC day containing now_ms.
  Status AddEgress(const std::string& tenant, int64_t now_ms, const EgressUsage& delta);
  // Sums over the days starting in [from_ms, to_ms); empty tenant = one line per tenant with any.
  Result<std::vector<EgressUsage>> EgressTotals(const std::string& tenant, int64_t from_ms, int64_t to_ms);

 private:
  Ledger(sqlite::DbHandle db, sqlite::DbHandle checkpointer)
      : db_(std::move(db)), cache_(db_.get()), checkpointer_(std::move(checkpointer)) {}
  Result<Budget> LoadBudget(const std::string& tenant);
  Status WarnIfCrossed(const std::string& tenant, int64_t period_start, const Budget& b, int64_t now_ms);

  std::mutex mu_;
  sqlite::DbHandle db_;            // guarded by mu_
  sqlite::StatementCache cache_;   // guarded by mu_; statements of db_
  std::mutex checkpoint_mu_;
  sqlite::DbHandle checkpointer_;  // guarded by checkpoint_mu_; null without background checkpoints
};

// Cost of a request in micro-units from per-million-token prices (micro-units per 1M tokens).
int64_t CostMicros(int64_t prompt_tokens, int64_t completion_tokens, int64_t in_per_million, int64_t out_per_million);
// "12.50" -> 12500000 (at most 6 decimals, no sign); kInvalidArgument otherwise. And back: "12.50".
Result<int64_t> ParseMoney(std::string_view text);
std::string FormatMoney(int64_t micros);  // rounded to cents: 12.50
std::string FormatExact(int64_t micros);  // cents and every further significant decimal: 0.075, 12.50, 3.00

}  // namespace clawhive::meter
