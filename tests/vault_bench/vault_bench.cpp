// Vault benchmark: 1,000 tenants x 10 secrets in a temporary directory, then
//   secret_put_per_s         Put() throughput while filling it (one durable transaction per Put)
//   secret_get_per_s         secrets decrypted per second through Deliverable(), tenant by tenant
//   kek_rotate_10k           seconds for RotateKek() over that data (1,000 data keys re-wrapped; the
//                            10,000 secrets are not touched), median of 3; target <= 2 s
//   dk_rotate_one_tenant_10  seconds for RotateDataKey() of one tenant (10 secrets), median of 3
// Prints `name value unit` lines. Usage: vault_bench [parent-dir] (default $TMPDIR or /tmp).
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "supervisor/vault/vault.h"

using namespace clawhive;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kTenants = 1000;
constexpr int kSecretsPerTenant = 10;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void Print(const char* name, double value, const char* unit) { std::printf("%s %.4f %s\n", name, value, unit); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string TenantId(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "t-%04d", i);
  return id;
}

std::string SecretName(int j) { return "SECRET_" + std::to_string(j); }

std::string ValueOf(int i, int j) { return "value-" + std::to_string(i) + "-" + std::to_string(j) + "-0123456789abcdef"; }

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "vault_bench: %s\n", what.c_str());
  std::exit(1);
}

// Every secret of tenant i delivers its expected value.
void CheckTenant(Vault& v, int i) {
  auto got = v.Deliverable(TenantId(i), false);
  if (!got.ok()) Fail("Deliverable(" + TenantId(i) + "): " + got.error().message);
  if (got->size() != static_cast<size_t>(kSecretsPerTenant)) Fail("wrong number of secrets for " + TenantId(i));
  for (const auto& [name, value] : *got) {
    int j = std::stoi(name.substr(std::string("SECRET_").size()));
    if (value.view() != ValueOf(i, j)) Fail("wrong value for " + TenantId(i) + "/" + name);
  }
}

int Run(const std::string& parent) {
  std::string tmpl = parent + "/clawhive-vault-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) Fail("cannot create a temporary directory under " + parent);
  const std::string dir = tmpl;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};

  VaultOptions options;
  options.db_path = dir + "/vault.db";
  options.key_dir = dir + "/keys";
  auto opened = Vault::Open(options);
  if (!opened.ok()) Fail("Open: " + opened.error().message);
  Vault& v = **opened;

  auto start = Clock::now();
  for (int i = 0; i < kTenants; ++i) {
    for (int j = 0; j < kSecretsPerTenant; ++j) {
      auto r = v.Put(TenantId(i), SecretName(j), SecretValue(ValueOf(i, j)));
      if (!r.ok()) Fail("Put: " + r.error().message);
    }
  }
  Print("secret_put_per_s", kTenants * kSecretsPerTenant / Since(start), "ops/s");

  start = Clock::now();
  size_t delivered = 0;
  for (int i = 0; i < kTenants; ++i) {
    auto got = v.Deliverable(TenantId(i), false);
    if (!got.ok()) Fail("Deliverable: " + got.error().message);
    delivered += got->size();
  }
  const double get_seconds = Since(start);
  if (delivered != static_cast<size_t>(kTenants * kSecretsPerTenant)) Fail("Deliverable missed secrets");
  Print("secret_get_per_s", static_cast<double>(delivered) / get_seconds, "ops/s");

  std::vector<double> kek_times;
  for (int run = 0; run < 3; ++run) {
    start = Clock::now();
    auto r = v.RotateKek();
    kek_times.push_back(Since(start));
    if (!r.ok()) Fail("RotateKek: " + r.error().message);
    if (r->done != static_cast<uint64_t>(kTenants) || r->total != static_cast<uint64_t>(kTenants))
      Fail("RotateKek re-wrapped " + std::to_string(r->done) + " of " + std::to_string(r->total) + " data keys");
  }
  Print("kek_rotate_10k", Median(kek_times), "s");

  std::vector<double> dk_times;
  for (int run = 0; run < 3; ++run) {
    start = Clock::now();
    auto r = v.RotateDataKey(TenantId(0));
    dk_times.push_back(Since(start));
    if (!r.ok()) Fail("RotateDataKey: " + r.error().message);
    if (r->done != static_cast<uint64_t>(kSecretsPerTenant)) Fail("RotateDataKey re-encrypted too few secrets");
  }
  Print("dk_rotate_one_tenant_10", Median(dk_times), "s");

  // Everything still decrypts, after a reopen too.
  opened = Vault::Open(options);
  if (!opened.ok()) Fail("reopen: " + opened.error().message);
  for (int i = 0; i < kTenants; ++i) CheckTenant(**opened, i);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string parent = argc > 1 ? argv[1] : (tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp");
  return Run(parent);
}
