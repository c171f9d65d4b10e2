// Crash safety of rotations: a child process opens the vault and rotates with rotation_batch = 1 over
// ~300 items; the parent SIGKILLs it after a random delay (from 0 to a bit past the rotation's measured
// duration), then opens the vault itself — which resumes the job — and checks that every secret still
// decrypts to its value and the job is done. Seeded: the kill points are seeded fractions of the
// measured duration; a failure prints seed, run, fraction and delay (CLAWHIVE_VAULT_CRASH_SEED replays
// the fractions, CLAWHIVE_VAULT_CRASH_RUNS changes the count).
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/vault/key_file.h"
#include "supervisor/vault/vault.h"
#include "supervisor/vault/vault_test_util.h"

using namespace clawhive;
using namespace clawhive::vault_test;
namespace fs = std::filesystem;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::steady_clock;

enum class Kind { kKek, kDataKey };

constexpr int kItems = 300;
const char* const kBigTenant = "big";

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// What each tenant should deliver, without and with staged versions.
struct Expected {
  std::map<std::string, Pairs> current, staged;
};

VaultOptions OptionsAt(const std::string& dir) {
  VaultOptions o;
  o.db_path = dir + "/vault.db";
  o.key_dir = dir + "/keys";
  o.rotation_batch = 1;
  o.check_modes = true;
  return o;
}

// KEK rotation: kItems tenants (so kItems data keys to re-wrap), with staged and previous versions here
// and there. Data-key rotation: one tenant whose secrets have kItems versions with ciphertext.
Expected Populate(Vault& v, Kind kind, std::mt19937_64& rng) {
  Expected e;
  auto value = [&](const std::string& what) { return what + "-" + std::to_string(rng()); };
  if (kind == Kind::kKek) {
    for (int i = 0; i < kItems; ++i) {
      const std::string tenant = "t-" + std::to_string(i);
      std::string cur = value("v1");
      MustPut(v, tenant, "KEY", cur);
      if (i % 15 == 0) {  // a previous version too
        std::string next = value("v2");
        MustPut(v, tenant, "KEY", next);
        BOOST_REQUIRE(v.Promote(tenant, "KEY", 2).ok());
        cur = next;
      }
      e.current[tenant] = {{"KEY", cur}};
      e.staged[tenant] = e.current[tenant];
      if (i % 10 == 0) {
        std::string staged = value("staged");
        MustPut(v, tenant, "KEY", staged);
        e.staged[tenant] = {{"KEY", staged}};
      }
    }
  } else {
    Pairs cur, staged;
    for (int i = 0; i < kItems / 3; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "S_%03d", i);
      const std::string v1 = value("v1"), v2 = value("v2"), v3 = value("v3");
      MustPut(v, kBigTenant, name, v1);
      MustPut(v, kBigTenant, name, v2);
      BOOST_REQUIRE(v.Promote(kBigTenant, name, 2).ok());  // v1 previous, v2 current
      MustPut(v, kBigTenant, name, v3);                    // v3 staged
      cur.emplace_back(name, v2);
      staged.emplace_back(name, v3);
    }
    e.current[kBigTenant] = cur;
    e.staged[kBigTenant] = staged;
    MustPut(v, "bystander", "KEY", "bystander-value");
    e.current["bystander"] = e.staged["bystander"] = {{"KEY", "bystander-value"}};
  }
  return e;
}

// Copies a closed vault (database and key files) into `to`, keeping the owner-only modes.
void CopyVault(const std::string& from, const std::string& to) {
  fs::create_directories(to + "/keys");
  fs::permissions(to + "/keys", fs::perms::owner_all, fs::perm_options::replace);
  for (const char* file : {"vault.db", "vault.db-wal"}) {
    if (fs::exists(from + "/" + file)) fs::copy_file(from + "/" + file, to + "/" + file);
  }
  for (const auto& entry : fs::directory_iterator(from + "/keys")) {
    fs::copy_file(entry.path(), to + "/keys/" + entry.path().filename().string());
  }
  for (const auto& entry : fs::recursive_directory_iterator(to)) {
    if (entry.is_regular_file())
      fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  }
}

// Runs in the child: nothing but the vault, then _exit (no atexit handlers, no test framework). On
// success it reports how long it took through `report` (a pipe), so the parent can track the duration.
[[noreturn]] void ChildRotate(const VaultOptions& o, Kind kind, int report) {
  const auto start = Clock::now();
  Result<std::unique_ptr<Vault>> v = Vault::Open(o);
  if (!v.ok()) ::_exit(2);
  Result<RotationInfo> r = kind == Kind::kKek ? (*v)->RotateKek() : (*v)->RotateDataKey(kBigTenant);
  if (!r.ok()) ::_exit(3);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::_exit(::write(report, &seconds, sizeof seconds) == static_cast<ssize_t>(sizeof seconds) ? 0 : 4);
}

struct ChildEnd {
  bool killed = false;  // false: it finished (or failed) before the signal
  int exit_code = -1;
  std::optional<double> seconds;  // the child's own time for open + rotation, when it finished
};

// Forks a rotating child; kills it after `delay` (or waits for it when delay is negative).
ChildEnd RunChild(const VaultOptions& o, Kind kind, std::chrono::microseconds delay) {
  int report[2];
  BOOST_REQUIRE_EQUAL(::pipe2(report, O_CLOEXEC), 0);
  pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(report[0]);
    ChildRotate(o, kind, report[1]);
  }
  ::close(report[1]);
  if (delay.count() >= 0) {
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);  // our own child; harmless if it already exited (still a zombie until waited)
  }
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  BOOST_REQUIRE_EQUAL(waited, pid);
  ChildEnd end;
  end.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
  double seconds = 0;
  if (::read(report[0], &seconds, sizeof seconds) == static_cast<ssize_t>(sizeof seconds)) end.seconds = seconds;
  ::close(report[0]);
  return end;
}

// After a crash: Open resumes; every value must be back, every job done, keys consistent. (Resuming
// with larger batches than the child used is fine: each row says which key it is under.)
void Verify(VaultOptions o, Kind kind, const Expected& e, bool rotate_again) {
  o.rotation_batch = 64;
  auto v = MustOpen(o);
  Result<std::vector<RotationInfo>> jobs = v->Rotations(100);
  BOOST_REQUIRE_MESSAGE(jobs.ok(), Why(jobs));
  BOOST_CHECK_LE(jobs->size(), 1u);  // 0 when the kill came before the job was recorded
  for (const RotationInfo& j : *jobs) {
    BOOST_CHECK_EQUAL(j.state, "done");
    BOOST_CHECK_EQUAL(j.done, j.total);
    BOOST_CHECK_EQUAL(j.total, static_cast<uint64_t>(kItems));
  }
  auto raw = RawOpen(o.db_path);
  if (kind == Kind::kKek) {
    const uint32_t want = jobs->empty() ? 1u : 2u;
    BOOST_CHECK_EQUAL(v->kek_version(), want);
    BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM data_keys WHERE kek_version <> " + std::to_string(want)),
                      0);
    if (want == 2) BOOST_CHECK(!fs::exists(clawhive::vault::KekPath(o.key_dir, 1)));  // dropped once unused
  } else {
    const int64_t want = jobs->empty() ? 1 : 2;
    BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM data_keys WHERE tenant = 'big'"), 1);
    BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT version FROM data_keys WHERE tenant = 'big'"), want);
    BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM secrets WHERE tenant = 'big' AND ciphertext IS NOT NULL"
                                         " AND dk_version <> " + std::to_string(want)),
                      0);
  }
  raw.reset();
  auto check_values = [&] {
    for (const auto& [tenant, want] : e.current) {
      Result<std::vector<std::pair<std::string, SecretValue>>> got = v->Deliverable(tenant, false);
      BOOST_REQUIRE_MESSAGE(got.ok(), tenant << ": " << Why(got));
      BOOST_CHECK_MESSAGE(Plain(got) == want, "tenant " << tenant << " delivers other values");
      BOOST_CHECK_MESSAGE(Plain(v->Deliverable(tenant, true)) == e.staged.at(tenant),
                          "tenant " << tenant << " delivers other staged values");
    }
  };
  check_values();
  if (rotate_again) {  // a resumed vault rotates on cleanly, past any KEK file a crash orphaned
    Result<RotationInfo> r = kind == Kind::kKek ? v->RotateKek() : v->RotateDataKey(kBigTenant);
    BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
    BOOST_CHECK_EQUAL(r->done, r->total);
    check_values();
  }
}

void CrashTest(Kind kind) {
  const uint64_t seed = EnvOr("CLAWHIVE_VAULT_CRASH_SEED", kind == Kind::kKek ? 20240611 : 20240612);
  const uint64_t runs = EnvOr("CLAWHIVE_VAULT_CRASH_RUNS", 40);
  std::mt19937_64 rng(seed);
  TempDir tmp;
  const std::string base = tmp.File("template");
  fs::create_directories(base);
  Expected expected;
  {
    auto v = MustOpen(OptionsAt(base));
    expected = Populate(*v, kind, rng);
  }  // closed: the WAL is checkpointed into vault.db

  // Calibration: one uninterrupted rotation, to spread the kill times over its duration. The estimate
  // then follows every child that finishes (fsync latency varies with the machine's load).
  const std::string calib = tmp.File("calibrate");
  CopyVault(base, calib);
  ChildEnd full = RunChild(OptionsAt(calib), kind, std::chrono::microseconds(-1));
  BOOST_REQUIRE_MESSAGE(full.exit_code == 0 && full.seconds, "uninterrupted rotation failed, exit " << full.exit_code);
  Verify(OptionsAt(calib), kind, expected, false);
  BOOST_TEST_MESSAGE("open + rotation of " << kItems << " items, batch 1: " << *full.seconds << " s (seed " << seed
                                           << ")");
  double estimate = *full.seconds;

  int killed = 0;
  std::uniform_real_distribution<double> fraction(0.0, 1.25);
  for (uint64_t run = 0; run < runs; ++run) {
    // Run 0 kills at once; the rest at a uniform fraction of up to 125% of the estimated duration.
    const double f = run == 0 ? 0.0 : fraction(rng);
    const auto delay = std::chrono::microseconds(static_cast<int64_t>(f * estimate * 1e6));
    const std::string dir = tmp.File("run-" + std::to_string(run));
    CopyVault(base, dir);
    BOOST_TEST_CONTEXT("seed " << seed << ", run " << run << ", kill at " << f << " x " << estimate << " s = "
                               << delay.count() << " us") {
      ChildEnd end = RunChild(OptionsAt(dir), kind, delay);
      if (end.killed) {
        ++killed;
        estimate = std::max(estimate, 1.1 * static_cast<double>(delay.count()) / 1e6);  // it takes longer
      } else {
        BOOST_CHECK_MESSAGE(end.exit_code == 0, "child failed with exit code " << end.exit_code);
        if (end.seconds) estimate = 0.5 * estimate + 0.5 * *end.seconds;
      }
      Verify(OptionsAt(dir), kind, expected, run % 10 == 0);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  BOOST_TEST_MESSAGE(killed << " of " << runs << " children were killed mid-way");
  // The delays really did land inside the rotation (its duration varies with fsync latency).
  BOOST_CHECK_GE(killed, static_cast<int>(runs / 4));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vault)

BOOST_AUTO_TEST_CASE(kek_rotation_survives_sigkill_at_any_point) { CrashTest(Kind::kKek); }

BOOST_AUTO_TEST_CASE(data_key_rotation_survives_sigkill_at_any_point) { CrashTest(Kind::kDataKey); }

BOOST_AUTO_TEST_SUITE_END()
