#include "supervisor/meter/ledger.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "supervisor/auth/encoding.h"

namespace clawhive::meter {

__extension__ typedef __int128 Wide;  // products of token counts and prices overflow 64 bits

using sqlite::Binder;
using sqlite::Statement;

namespace {

constexpr int64_t kMinuteMs = 60 * 1000;

Error Prefixed(const Error& e, const std::string& prefix) { return {e.code, prefix + e.message}; }
Error Limited(std::string m) { return {ErrorCode::kRateLimited, std::move(m)}; }

std::string JoinPercents(const std::vector<int>& v) {
  std::string out;
  for (int p : v) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

std::vector<int> SplitPercents(const std::string& s) {
  std::vector<int> out;
  int cur = -1;
  for (char c : s + ",") {
    if (c >= '0' && c <= '9') cur = (cur < 0 ? 0 : cur * 10) + (c - '0');
    else if (cur >= 0) out.push_back(cur), cur = -1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& v, char sep = ',') {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : std::string(1, sep)) + x;
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool NameChars(std::string_view s, std::string_view extra) {
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos)) return false;
  return true;
}

Status Insert(sqlite::StatementCache& db, const UsageRecord& u) {
  Result<sqlite::CachedStatement> st = db.Get("INSERT INTO usage (tenant, at_ms, provider, model, prompt_tokens, completion_tokens, estimated, cost_micros, "
      "latency_ms, status, stream) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!st) return st.error();
  Status s = Binder(**st).Text(u.tenant).Int(u.at_ms).Text(u.provider).Text(u.model).Int(u.prompt_tokens)
                 .Int(u.completion_tokens).Int(u.estimated ? 1 : 0).Int(u.cost_micros).Int(u.latency_ms)
                 .Int(u.status).Int(u.stream ? 1 : 0).status();
  if (!s) return s;
  return (*st)->Run();
}

Status AddEvent(sqlite::StatementCache& db, const std::string& tenant, int64_t at_ms, const std::string& kind, const std::string& detail) {
  Result<sqlite::CachedStatement> st = db.Get("INSERT INTO events (tenant, at_ms, kind, detail) VALUES (?1, ?2, ?3, ?4)");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Int(at_ms).Text(kind).Text(detail).status(); !s) return s;
  return (*st)->Run();
}

// (spent, reserved, warned) of a tenant's period, zeros when there is no row yet.
struct SpendRow {
  int64_t spent = 0, reserved = 0, warned = 0;
};
Result<SpendRow> ReadSpend(sqlite::StatementCache& db, const std::string& tenant, int64_t period_start) {
  Result<sqlite::CachedStatement> st = db.Get("SELECT spent_micros, reserved_micros, warned_percent FROM spend WHERE tenant = ?1 AND period_start_ms = ?2");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Int(period_start).status(); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return SpendRow{};
  return SpendRow{(*st)->ColumnInt64(0), (*st)->ColumnInt64(1), (*st)->ColumnInt64(2)};
}

Status AddSpend(sqlite::StatementCache& db, const std::string& tenant, int64_t period_start, int64_t spent_delta, int64_t reserved_delta) {
  Result<sqlite::CachedStatement> st = db.Get("INSERT INTO spend (tenant, period_start_ms, spent_micros, reserved_micros) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (tenant, period_start_ms) DO UPDATE SET spent_micros = spent_micros + ?3, "
      "reserved_micros = max(0, reserved_micros + ?4)");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Int(period_start).Int(spent_delta).Int(reserved_delta).status(); !s) return s;
  return (*st)->Run();
}

}  // namespace

// ---- periods and money -------------------------------------------------------------------------------

const char* ToString(Period p) {
  switch (p) {
    case Period::kMonthly: return "monthly";
    case Period::kWeekly: return "weekly";
    case Period::kDaily: return "daily";
  }
  return "monthly";
}

std::optional<Period> ParsePeriod(std::string_view t) {
  if (t == "monthly") return Period::kMonthly;
  if (t == "weekly") return Period::kWeekly;
  if (t == "daily") return Period::kDaily;
  return std::nullopt;
}

int64_t PeriodStart(Period p, int64_t now_ms) {
  time_t secs = static_cast<time_t>(now_ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  if (p == Period::kMonthly) tm.tm_mday = 1;
  if (p == Period::kWeekly) tm.tm_mday -= (tm.tm_wday + 6) % 7;  // back to Monday
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string PeriodLabel(Period p, int64_t start_ms) {
  time_t secs = static_cast<time_t>(start_ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  if (p == Period::kMonthly) std::snprintf(buf, sizeof buf, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
  else std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

int64_t CostMicros(int64_t prompt, int64_t completion, int64_t in_per_million, int64_t out_per_million) {
  // Rounded up: a request is never billed below its cost.
  Wide total = static_cast<Wide>(prompt) * in_per_million + static_cast<Wide>(completion) * out_per_million;
  return static_cast<int64_t>((total + 999999) / 1000000);
}

Result<int64_t> ParseMoney(std::string_view t) {
  const std::string what = "expected an amount such as 25 or 12.50, got '" + std::string(t.substr(0, 32)) + "'";
  if (t.empty() || t.size() > 20) return Error::Invalid(what);
  int64_t whole = 0, frac = 0;
  int frac_digits = -1;
  for (char c : t) {
    if (c == '.' && frac_digits < 0) { frac_digits = 0; continue; }
    if (c < '0' || c > '9') return Error::Invalid(what);
    if (frac_digits < 0) {
      if (whole > 1000000000000) return Error::Invalid("amount too large");
      whole = whole * 10 + (c - '0');
    } else {
      if (++frac_digits > 6) return Error::Invalid("at most 6 decimals: " + std::string(t));
      frac = frac * 10 + (c - '0');
    }
  }
  if (frac_digits == 0) return Error::Invalid(what);
  for (int i = std::max(frac_digits, 0); i < 6; ++i) frac *= 10;
  return whole * 1000000 + frac;
}

std::string FormatExact(int64_t micros) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(micros % 1000000));
  std::string f = buf;
  while (f.size() > 2 && f.back() == '0') f.pop_back();  // at least cents, as prices are written
  return std::to_string(micros / 1000000) + "." + f;
}

std::string FormatMoney(int64_t micros) {
  char buf[48];
  int64_t cents = (micros + 5000) / 10000;
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  return buf;
}

// ---- open ------------------------------------------------------------------------------------------

// The meter database's schema; the supervisor and the proxy both open (and may migrate) it.
constexpr sqlite::Migration kMigrations[] = {
    {1, R"sql(
PRAGMA application_id = 1128811860;
CREATE TABLE tokens (
  tenant     TEXT PRIMARY KEY,
  hash       BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  uid        INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE providers (
  name       TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('openai', 'anthropic')),
  base_url   TEXT NOT NULL,
  key_secret TEXT NOT NULL,
  models     TEXT NOT NULL  -- name|in|out|max;...
) STRICT;
CREATE TABLE budgets (
  tenant         TEXT PRIMARY KEY,
  limit_micros   INTEGER NOT NULL CHECK (limit_micros >= -1),  -- -1: no budget
  period         TEXT NOT NULL CHECK (period IN ('monthly', 'weekly', 'daily')),
  warn_percent   TEXT NOT NULL,
  rpm            INTEGER NOT NULL,
  tpm            INTEGER NOT NULL,
  fallback_model TEXT NOT NULL,
  providers      TEXT NOT NULL
) STRICT;
CREATE TABLE spend (
  tenant          TEXT NOT NULL,
  period_start_ms INTEGER NOT NULL,
  spent_micros    INTEGER NOT NULL DEFAULT 0,
  reserved_micros INTEGER NOT NULL DEFAULT 0,
  warned_percent  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, period_start_ms)
) STRICT;
CREATE TABLE reservations (
  id              INTEGER PRIMARY KEY,
  tenant          TEXT NOT NULL,
  period_start_ms INTEGER NOT NULL,
  amount_micros   INTEGER NOT NULL,
  tokens          INTEGER NOT NULL,
  created_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX reservations_by_tenant ON reservations (tenant, created_ms);
CREATE TABLE usage (
  id                INTEGER PRIMARY KEY,
  tenant            TEXT NOT NULL,
  at_ms             INTEGER NOT NULL,
  provider          TEXT NOT NULL,
  model             TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  estimated         INTEGER NOT NULL,
  cost_micros       INTEGER NOT NULL,
  latency_ms        INTEGER NOT NULL,
  status            INTEGER NOT NULL,
  stream            INTEGER NOT NULL
) STRICT;
CREATE INDEX usage_by_tenant ON usage (tenant, at_ms);
CREATE INDEX usage_by_time ON usage (at_ms);
CREATE TABLE events (
  id     INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  at_ms  INTEGER NOT NULL,
  kind   TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_tenant ON events (tenant, id);
)sql"},
    // The egress proxy (docs/egress.md): each tenant's allow list (JSON, written by the supervisor, read
    // by the proxy at each CONNECT) and its bytes per UTC day.
    {2, R"sql(
CREATE TABLE egress_policies (
  tenant TEXT PRIMARY KEY,
  policy TEXT NOT NULL
) STRICT;
CREATE TABLE egress_usage (
  tenant    TEXT NOT NULL,
  day_ms    INTEGER NOT NULL,
  bytes_out INTEGER NOT NULL DEFAULT 0,
  bytes_in  INTEGER NOT NULL DEFAULT 0,
  tunnels   INTEGER NOT NULL DEFAULT 0,
  refused   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, day_ms)
) STRICT;
)sql"},
};

static_assert(sqlite::NumberedConsecutively(kMigrations));

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& path, bool background_checkpoints) {
  const std::string where = "meter database " + path;
  // Two processes share the file: wait long for the other's write lock rather than fail. NORMAL in WAL:
  // survives a crash of either process; a power cut may lose the last commits.
  constexpr int kBusyTimeoutMs = 10000;
  Result<sqlite::DbHandle> opened = sqlite::OpenDatabase(path, {.what = "meter database",
                                                                .application_id = kMeterApplicationId,
                                                                .migrations = kMigrations,
                                                                .synchronous = "NORMAL",
                                                                .busy_timeout_ms = kBusyTimeoutMs});
  if (!opened) return opened.error();
  sqlite::DbHandle db = std::move(*opened);
  sqlite::DbHandle checkpointer;
  if (background_checkpoints) {
    if (Status s = sqlite::Exec(db.get(), "PRAGMA wal_autocheckpoint = 0"); !s) return Prefixed(s.error(), where + ": ");
    Result<sqlite::DbHandle> c = sqlite::Connect(path, kBusyTimeoutMs);
    if (!c) return Prefixed(c.error(), where + ": ");
    checkpointer = std::move(*c);
  }
  return std::unique_ptr<Ledger>(new Ledger(std::move(db), std::move(checkpointer)));
}

Status Ledger::Checkpoint() {
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  if (!checkpointer_) return Status::Ok();
  return sqlite::Exec(checkpointer_.get(), "PRAGMA wal_checkpoint(PASSIVE)");
}

Ledger::~Ledger() = default;

// A reservation still open when its process died is released; its request is recorded as interrupted.
// Only the proxy calls this (at its start): the supervisor must never release the proxy's live ones.
Status Ledger::ReleaseOrphans(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  return sqlite::InTransaction(db_.get(), [&]() -> Status {
    Result<sqlite::CachedStatement> st = cache_.Get("SELECT id, tenant, period_start_ms, amount_micros FROM reservations");
    if (!st) return st.error();
    std::vector<Reservation> open;
    Status read = (*st)->ForEachRow([&](const Statement& r) {
      open.push_back({r.ColumnInt64(0), r.ColumnText(1), r.ColumnInt64(2), r.ColumnInt64(3), false});
    });
    if (!read) return read;
    (*st)->Reset();
    for (const Reservation& r : open) {
      if (Status s = AddSpend(cache_, r.tenant, r.period_start_ms, 0, -r.amount_micros); !s) return s;
      UsageRecord u;
      u.tenant = r.tenant;
      u.at_ms = now_ms;
      u.provider = "-";
      u.model = "-";
      u.estimated = true;
      u.status = 0;
      if (Status s = Insert(cache_, u); !s) return s;
    }
    return sqlite::Exec(db_.get(), "DELETE FROM reservations");
  });
}

// ---- tokens ----------------------------------------------------------------------------------------

Result<std::string> Ledger::IssueToken(const std::string& tenant, uint32_t uid, int64_t now_ms) {
  Result<std::string> bytes = auth::RandomBytes(32);
  if (!bytes) return bytes.error();
  std::string token = "chp_" + auth::Base64Encode(*bytes, true);
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("INSERT INTO tokens (tenant, hash, created_ms, uid) VALUES (?1, ?2, ?3, ?4) "
                 "ON CONFLICT (tenant) DO UPDATE SET hash = ?2, created_ms = ?3, uid = ?4");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Blob(auth::Sha256(token)).Int(now_ms).Int(uid).status(); !s) return s.error();
  if (Status s = (*st)->Run(); !s) return s.error();
  return token;
}

Result<Ledger::TokenOwner> Ledger::TenantOfToken(std::string_view token) {
  if (token.size() < 8 || token.size() > 128) return Error{ErrorCode::kUnauthorized, "invalid proxy token"};
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT tenant, uid FROM tokens WHERE hash = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindBlob(1, auth::Sha256(token)); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return Error{ErrorCode::kUnauthorized, "invalid proxy token"};
  return TokenOwner{(*st)->ColumnText(0), static_cast<uint32_t>((*st)->ColumnInt64(1))};
}

Result<bool> Ledger::HasToken(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT 1 FROM tokens WHERE tenant = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, tenant); !s) return s.error();
  return (*st)->Step();
}

Status Ledger::RemoveTenant(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  return sqlite::InTransaction(db_.get(), [&]() -> Status {
    for (const char* sql : {"DELETE FROM tokens WHERE tenant = ?1", "DELETE FROM budgets WHERE tenant = ?1",
                            "DELETE FROM reservations WHERE tenant = ?1", "DELETE FROM spend WHERE tenant = ?1",
                            "DELETE FROM egress_policies WHERE tenant = ?1"}) {
      Result<sqlite::CachedStatement> st = cache_.Get(sql);
      if (!st) return st.error();
      if (Status s = (*st)->BindText(1, tenant); !s) return s;
      if (Status s = (*st)->Run(); !s) return s;
    }
    return Status::Ok();
  });
}

// ---- providers -------------------------------------------------------------------------------------

const char* ToString(ApiKind k) { return k == ApiKind::kAnthropic ? "anthropic" : "openai"; }

std::optional<ApiKind> ParseApiKind(std::string_view t) {
  if (t == "openai") return ApiKind::kOpenAI;
  if (t == "anthropic") return ApiKind::kAnthropic;
  return std::nullopt;
}

Status ValidateProvider(const Provider& p) {
  if (p.name.empty() || p.name.size() > 32 || !NameChars(p.name, "-"))
    return Error::Invalid("name: 1 to 32 characters of [a-z0-9-]");
  if (!(p.base_url.rfind("http://", 0) == 0 || p.base_url.rfind("https://", 0) == 0) || p.base_url.size() > 512 ||
      p.base_url.find_first_of(" \t\r\n?#|;") != std::string::npos)
    return Error::Invalid("base_url: an http:// or https:// URL without query");
  if (p.key_secret.empty() || p.key_secret.size() > 128) return Error::Invalid("key_secret: the platform secret's name");
  for (char c : p.key_secret)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return Error::Invalid("key_secret: [A-Z0-9_]");
  if (p.key_secret[0] >= '0' && p.key_secret[0] <= '9') return Error::Invalid("key_secret: a secret name starts with A-Z or _");
  if (p.models.empty() || p.models.size() > 1000) return Error::Invalid("models: 1 to 1000 models");
  for (size_t i = 0; i < p.models.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (p.models[i].name == p.models[j].name) return Error::Invalid("models: '" + p.models[i].name + "' is listed twice");
  for (const ModelPrice& m : p.models) {
    if (m.name.empty() || m.name.size() > 128 || !NameChars(m.name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ._:/@-"))
      return Error::Invalid("models: a model name is empty, too long or has characters outside [A-Za-z0-9._:/@-]");
    if (m.in_per_million < 0 || m.out_per_million < 0 || m.max_output_tokens < 1 || m.max_output_tokens > 10000000)
      return Error::Invalid("models: prices must not be negative and max_output_tokens must be 1..10000000");
  }
  return Status::Ok();
}

Status Ledger::SetProvider(const Provider& p) {
  if (Status s = ValidateProvider(p); !s) return s;
  std::string models;
  for (const ModelPrice& m : p.models)
    models += (models.empty() ? "" : ";") + m.name + "|" + std::to_string(m.in_per_million) + "|" +
              std::to_string(m.out_per_million) + "|" + std::to_string(m.max_output_tokens);
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("INSERT INTO providers (name, kind, base_url, key_secret, models) VALUES (?1, ?2, ?3, ?4, ?5) "
                 "ON CONFLICT (name) DO UPDATE SET kind = ?2, base_url = ?3, key_secret = ?4, models = ?5");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(p.name).Text(ToString(p.kind)).Text(p.base_url).Text(p.key_secret).Text(models).status(); !s)
    return s;
  return (*st)->Run();
}

Status Ledger::DeleteProvider(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("DELETE FROM providers WHERE name = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, name); !s) return s;
  return (*st)->RunChanging(Error::NotFound("no provider '" + name + "'"));
}

Result<std::vector<Provider>> Ledger::Providers() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT name, kind, base_url, key_secret, models FROM providers ORDER BY name");
  if (!st) return st.error();
  std::vector<Provider> out;
  Status read = (*st)->ForEachRow([&](const Statement& r) {
    Provider p;
    p.name = r.ColumnText(0);
    p.kind = ParseApiKind(r.ColumnText(1)).value_or(ApiKind::kOpenAI);
    p.base_url = r.ColumnText(2);
    p.key_secret = r.ColumnText(3);
    for (const std::string& m : Split(r.ColumnText(4), ';')) {
      std::vector<std::string> f = Split(m, '|');
      if (f.size() != 4) continue;
      p.models.push_back({f[0], std::stoll(f[1]), std::stoll(f[2]), std::stoll(f[3])});
    }
    out.push_back(std::move(p));
  });
  if (!read) return read.error();
  return out;
}

Result<int64_t> Ledger::DataVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  return sqlite::QueryInt64(db_.get(), "PRAGMA data_version");
}

// ---- budgets ---------------------------------------------------------------------------------------

Status Ledger::SetBudget(const std::string& tenant, const Budget& b) {
  if (b.limit_micros < kNoLimit) return Error::Invalid("limit: must not be negative");
  int prev = 0;
  for (int p : b.warn_percent) {
    if (p <= prev || p >= 100) return Error::Invalid("warn_percent: ascending percentages from 1 to 99");
    prev = p;
  }
  for (const std::string& p : b.providers)
    if (p.empty() || p.size() > 32 || !NameChars(p, "-")) return Error::Invalid("providers: names of [a-z0-9-], 1 to 32 characters");
  if (b.fallback_model.size() > 128 || !NameChars(b.fallback_model, "ABCDEFGHIJKLMNOPQRSTUVWXYZ._:/@-"))
    return Error::Invalid("fallback_model: a model name of [A-Za-z0-9._:/@-]");
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("INSERT INTO budgets (tenant, limit_micros, period, warn_percent, rpm, tpm, fallback_model, providers) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (tenant) DO UPDATE SET limit_micros = ?2, period = ?3, "
      "warn_percent = ?4, rpm = ?5, tpm = ?6, fallback_model = ?7, providers = ?8");
  if (!st) return st.error();
  Status s = Binder(**st).Text(tenant).Int(b.limit_micros).Text(ToString(b.period)).Text(JoinPercents(b.warn_percent))
                 .Int(b.rpm).Int(static_cast<int64_t>(b.tpm)).Text(b.fallback_model).Text(Join(b.providers)).status();
  if (!s) return s;
  return (*st)->Run();
}

Result<Budget> Ledger::LoadBudget(const std::string& tenant) {
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT limit_micros, period, warn_percent, rpm, tpm, fallback_model, providers FROM budgets WHERE tenant = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, tenant); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  Budget b;
  if (!*row) return b;
  b.limit_micros = (*st)->ColumnInt64(0);
  b.period = ParsePeriod((*st)->ColumnText(1)).value_or(Period::kMonthly);
  b.warn_percent = SplitPercents((*st)->ColumnText(2));
  b.rpm = static_cast<uint32_t>((*st)->ColumnInt64(3));
  b.tpm = static_cast<uint64_t>((*st)->ColumnInt64(4));
  b.fallback_model = (*st)->ColumnText(5);
  b.providers = Split((*st)->ColumnText(6), ',');
  return b;
}

Result<Budget> Ledger::GetBudget(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  return LoadBudget(tenant);
}

// ---- metering --------------------------------------------------------------------------------------

Result<Reservation> Ledger::Reserve(const std::string& tenant, int64_t max_cost, int64_t max_tokens, int64_t now_ms) {
  if (max_cost < 0 || max_tokens < 0) return Error::Invalid("negative reservation");
  std::lock_guard<std::mutex> lock(mu_);
  Result<Budget> b = LoadBudget(tenant);
  if (!b) return b.error();
  Reservation r;
  r.tenant = tenant;
  r.period_start_ms = PeriodStart(b->period, now_ms);
  Status s = sqlite::InTransaction(db_.get(), [&]() -> Status {
    // Requests and tokens of the last minute: finished ones are usage rows (at their start), running
    // ones open reservations. Both are in the file, so the limits hold across restarts and processes.
    if (b->rpm > 0 || b->tpm > 0) {
      Result<sqlite::CachedStatement> w = cache_.Get("SELECT (SELECT count(*) FROM usage WHERE tenant = ?1 AND at_ms > ?2) + "
          "(SELECT count(*) FROM reservations WHERE tenant = ?1 AND created_ms > ?2), "
          "(SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage WHERE tenant = ?1 AND at_ms > ?2) + "
          "(SELECT coalesce(sum(tokens), 0) FROM reservations WHERE tenant = ?1 AND created_ms > ?2)");
      if (!w) return w.error();
      if (Status x = Binder(**w).Text(tenant).Int(now_ms - kMinuteMs).status(); !x) return x;
      Result<bool> row = (*w)->Step();
      if (!row) return row.error();
      if (b->rpm > 0 && (*w)->ColumnInt64(0) >= static_cast<int64_t>(b->rpm))
        return Limited("rate limit: " + std::to_string(b->rpm) + " requests per minute");
      if (b->tpm > 0 && static_cast<uint64_t>((*w)->ColumnInt64(1) + max_tokens) > b->tpm)
        return Limited("rate limit: " + std::to_string(b->tpm) + " tokens per minute");
    }
    Result<SpendRow> spend = ReadSpend(cache_, tenant, r.period_start_ms);
    if (!spend) return spend.error();
    if (b->limit_micros != kNoLimit && spend->spent + spend->reserved + max_cost > b->limit_micros) {
      if (b->fallback_model.empty())
        return Limited("budget exhausted: " + FormatMoney(spend->spent) + " of " + FormatMoney(b->limit_micros) +
                       " spent this " + std::string(b->period == Period::kMonthly ? "month" : b->period == Period::kWeekly ? "week" : "day"));
      r.fallback = true;  // served on the fallback model, metered, nothing reserved
      return Status::Ok();
    }
    Result<sqlite::CachedStatement> ins = cache_.Get("INSERT INTO reservations (tenant, period_start_ms, amount_micros, created_ms, tokens) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!ins) return ins.error();
    if (Status x = Binder(**ins).Text(tenant).Int(r.period_start_ms).Int(max_cost).Int(now_ms).Int(max_tokens).status(); !x) return x;
    if (Status x = (*ins)->Run(); !x) return x;
    r.id = sqlite3_last_insert_rowid(db_.get());
    r.amount_micros = max_cost;
    return AddSpend(cache_, tenant, r.period_start_ms, 0, max_cost);
  });
  if (!s) return s.error();
  return r;
}

Status Ledger::Settle(const Reservation& r, UsageRecord u) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Budget> b = LoadBudget(r.tenant);
  if (!b) return b.error();
  u.tenant = r.tenant;
  Status s = sqlite::InTransaction(db_.get(), [&]() -> Status {
    if (r.id > 0) {
      Result<sqlite::CachedStatement> del = cache_.Get("DELETE FROM reservations WHERE id = ?1");
      if (!del) return del.error();
      if (Status x = (*del)->BindInt64(1, r.id); !x) return x;
      if (Status x = (*del)->Run(); !x) return x;
      // Already released (a restart in between): the reservation is no longer counted as reserved.
      if (sqlite3_changes(db_.get()) == 0) return AddSpend(cache_, r.tenant, r.period_start_ms, u.cost_micros, 0);
    }
    if (Status x = AddSpend(cache_, r.tenant, r.period_start_ms, u.cost_micros, -r.amount_micros); !x) return x;
    if (Status x = Insert(cache_, u); !x) return x;
    if (r.fallback) (void)AddEvent(cache_, r.tenant, u.at_ms, "fallback", "budget spent; served by " + u.model);
    return WarnIfCrossed(r.tenant, r.period_start_ms, *b, u.at_ms);
  });
  return s;
}

// Inside a transaction: one event per threshold crossed this period, and one when the budget is spent.
Status Ledger::WarnIfCrossed(const std::string& tenant, int64_t period_start, const Budget& b, int64_t now_ms) {
  if (b.limit_micros <= 0) return Status::Ok();  // none, or nothing may be spent: no percentages
  Result<SpendRow> spend = ReadSpend(cache_, tenant, period_start);
  if (!spend) return spend.error();
  int64_t percent = static_cast<int64_t>(static_cast<Wide>(spend->spent) * 100 / b.limit_micros);
  int64_t reached = 0;
  for (int p : b.warn_percent)
    if (percent >= p) reached = p;
  if (percent >= 100) reached = 100;
  if (reached <= spend->warned) return Status::Ok();
  std::string detail = std::to_string(reached) + "% of " + FormatMoney(b.limit_micros) + " spent (" +
                       FormatMoney(spend->spent) + ")";
  if (Status s = AddEvent(cache_, tenant, now_ms, reached >= 100 ? "exhausted" : "warning", detail); !s) return s;
  Result<sqlite::CachedStatement> up = cache_.Get("UPDATE spend SET warned_percent = ?1 WHERE tenant = ?2 AND period_start_ms = ?3");
  if (!up) return up.error();
  if (Status s = Binder(**up).Int(reached).Text(tenant).Int(period_start).status(); !s) return s;
  return (*up)->Run();
}

Result<Totals> Ledger::TotalsFor(const std::string& tenant, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Budget> b = LoadBudget(tenant);
  if (!b) return b.error();
  int64_t start = PeriodStart(b->period, now_ms);
  Result<SpendRow> spend = ReadSpend(cache_, tenant, start);
  if (!spend) return spend.error();
  Totals t;
  t.tenant = tenant;
  t.period = PeriodLabel(b->period, start);
  t.limit_micros = b->limit_micros;
  t.spent_micros = spend->spent;
  t.reserved_micros = spend->reserved;
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0) FROM usage "
                 "WHERE tenant = ?1 AND at_ms >= ?2");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Int(start).status(); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  t.requests = (*st)->ColumnInt64(0);
  t.prompt_tokens = (*st)->ColumnInt64(1);
  t.completion_tokens = (*st)->ColumnInt64(2);
  return t;
}

Result<std::vector<Totals>> Ledger::AllTotals(int64_t now_ms) {
  std::vector<std::string> tenants;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Result<sqlite::CachedStatement> st = cache_.Get("SELECT tenant FROM tokens UNION SELECT tenant FROM budgets UNION SELECT DISTINCT tenant FROM spend");
    if (!st) return st.error();
    for (;;) {
      Result<bool> row = (*st)->Step();
      if (!row) return row.error();
      if (!*row) break;
      tenants.push_back((*st)->ColumnText(0));
    }
  }
  std::vector<Totals> out;
  for (const std::string& t : tenants) {
    Result<Totals> one = TotalsFor(t, now_ms);
    if (!one) return one.error();
    out.push_back(std::move(*one));
  }
  return out;
}

Result<std::vector<UsageRecord>> Ledger::Usage(const std::string& tenant, int64_t from_ms, int64_t to_ms, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT id, tenant, at_ms, provider, model, prompt_tokens, completion_tokens, estimated, cost_micros, latency_ms, "
      "status, stream FROM usage WHERE (?1 = '' OR tenant = ?1) AND at_ms >= ?2 AND at_ms < ?3 ORDER BY id LIMIT ?4");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Int(from_ms).Int(to_ms).Int(static_cast<int64_t>(limit)).status(); !s)
    return s.error();
  std::vector<UsageRecord> out;
  for (;;) {
    Result<bool> row = (*st)->Step();
    if (!row) return row.error();
    if (!*row) break;
    UsageRecord u;
    u.id = (*st)->ColumnInt64(0);
    u.tenant = (*st)->ColumnText(1);
    u.at_ms = (*st)->ColumnInt64(2);
    u.provider = (*st)->ColumnText(3);
    u.model = (*st)->ColumnText(4);
    u.prompt_tokens = (*st)->ColumnInt64(5);
    u.completion_tokens = (*st)->ColumnInt64(6);
    u.estimated = (*st)->ColumnInt64(7) != 0;
    u.cost_micros = (*st)->ColumnInt64(8);
    u.latency_ms = (*st)->ColumnInt64(9);
    u.status = static_cast<int>((*st)->ColumnInt64(10));
    u.stream = (*st)->ColumnInt64(11) != 0;
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::vector<BudgetEvent>> Ledger::Events(const std::string& tenant, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT id, tenant, at_ms, kind, detail FROM events WHERE (?1 = '' OR tenant = ?1) ORDER BY id DESC LIMIT ?2");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Int(static_cast<int64_t>(limit)).status(); !s) return s.error();
  std::vector<BudgetEvent> out;
  for (;;) {
    Result<bool> row = (*st)->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({(*st)->ColumnInt64(0), (*st)->ColumnText(1), (*st)->ColumnInt64(2), (*st)->ColumnText(3), (*st)->ColumnText(4)});
  }
  return out;
}

Result<std::vector<BillingLine>> Ledger::Billing(const std::string& tenant, int64_t from_ms, int64_t to_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT tenant, provider, model, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros), "
      "sum(estimated) FROM usage WHERE (?1 = '' OR tenant = ?1) AND at_ms >= ?2 AND at_ms < ?3 "
      "GROUP BY tenant, provider, model ORDER BY tenant, provider, model");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(tenant).Int(from_ms).Int(to_ms).status(); !s) return s.error();
  std::vector<BillingLine> out;
  for (;;) {
    Result<bool> row = (*st)->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({(*st)->ColumnText(0), (*st)->ColumnText(1), (*st)->ColumnText(2), (*st)->ColumnInt64(3), (*st)->ColumnInt64(4),
                   (*st)->ColumnInt64(5), (*st)->ColumnInt64(6), (*st)->ColumnInt64(7)});
  }
  return out;
}

}  // namespace clawhive::meter
