#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "supervisor/vault/crypto.h"
#include "supervisor/vault/key_file.h"
#include "supervisor/vault/vault.h"
#include "supervisor/vault/vault_test_util.h"

using namespace clawhive;
using namespace clawhive::vault_test;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// A value that must never appear in any message.
const std::string kMarker = "VALUE-MARKER-7f3a9c";

struct Fixture {
  TempDir dir;
  VaultOptions options = OptionsIn(dir);
  std::string kek1() const { return clawhive::vault::KekPath(options.key_dir, 1); }
  // Runs `sql` on the vault's database behind the vault's back, to damage what it stored.
  void Tamper(const std::string& sql) const {
    auto raw = RawOpen(options.db_path);
    MustExec(raw.get(), sql);
  }
};

std::vector<std::string> States(const SecretInfo& info) {
  std::vector<std::string> out;
  for (const SecretVersionInfo& v : info.versions) out.push_back(std::to_string(v.version) + ":" + v.state);
  return out;
}

// Checks a failed result names `needles` and not the marker value.
template <typename R>
void CheckFails(const R& r, std::initializer_list<std::string> needles) {
  BOOST_REQUIRE_MESSAGE(!r.ok(), "expected a failure");
  const std::string& m = r.error().message;
  for (const std::string& n : needles) BOOST_CHECK_MESSAGE(Contains(m, n), "'" << n << "' not in: " << m);
  BOOST_CHECK_MESSAGE(!Contains(m, kMarker), "a secret value leaked into: " << m);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vault)

BOOST_FIXTURE_TEST_CASE(put_then_deliver_round_trips_across_reopen, Fixture) {
  const std::string big(64 * 1024, 'b');
  {
    auto v = MustOpen(options);
    BOOST_CHECK_EQUAL(v->kek_version(), 1u);
    SecretInfo info = MustPut(*v, "acme", "API_KEY", kMarker + "-1");
    BOOST_CHECK_EQUAL(info.tenant, "acme");
    BOOST_CHECK_EQUAL(info.name, "API_KEY");
    BOOST_CHECK_EQUAL(info.current_version, 1u);
    BOOST_CHECK(States(info) == std::vector<std::string>{"1:current"});
    BOOST_CHECK(info.created_at > 0 && info.rotated_at == info.created_at);
    MustPut(*v, "acme", "BIG", big);
    MustPut(*v, "acme", "ONE", "x");
    MustPut(*v, kPlatformScope, "OPENAI_KEY", "sk-provider");
    MustPut(*v, "other-co", "API_KEY", "other value");
  }
  auto v = MustOpen(options);
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) ==
              (Pairs{{"API_KEY", kMarker + "-1"}, {"BIG", big}, {"ONE", "x"}}));
  BOOST_CHECK(Plain(v->Deliverable("other-co", true)) == (Pairs{{"API_KEY", "other value"}}));
  Result<std::vector<std::pair<std::string, SecretValue>>> none = v->Deliverable("nobody", false);
  BOOST_REQUIRE(none.ok());
  BOOST_CHECK(none->empty());
  Result<SecretValue> provider = v->ProviderKey("OPENAI_KEY");
  BOOST_REQUIRE_MESSAGE(provider.ok(), Why(provider));
  BOOST_CHECK_EQUAL(provider->view(), "sk-provider");
  BOOST_CHECK(Code(v->ProviderKey("API_KEY")) == ErrorCode::kNotFound);  // tenant secrets are not provider keys
  // Platform secrets never go to an agent.
  BOOST_CHECK(Code(v->Deliverable(kPlatformScope, false)) == ErrorCode::kInvalidArgument);

  Result<std::vector<SecretInfo>> list = v->List("acme");
  BOOST_REQUIRE(list.ok());
  BOOST_REQUIRE_EQUAL(list->size(), 3u);
  BOOST_CHECK_EQUAL((*list)[0].name, "API_KEY");
  BOOST_CHECK_EQUAL((*list)[2].name, "ONE");
  Result<SecretInfo> got = v->Get("acme", "BIG");
  BOOST_REQUIRE(got.ok());
  BOOST_CHECK_EQUAL(got->current_version, 1u);
  BOOST_CHECK(Code(v->Get("acme", "NOPE")) == ErrorCode::kNotFound);

  // Nothing readable in the file.
  std::ifstream db(options.db_path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  BOOST_CHECK(!Contains(bytes, kMarker));
  BOOST_CHECK(!Contains(bytes, "sk-provider"));
}

BOOST_FIXTURE_TEST_CASE(files_are_created_owner_only_whatever_the_umask, Fixture) {
  mode_t old = ::umask(0);
  Result<std::unique_ptr<Vault>> v = Vault::Open(options);
  ::umask(old);
  BOOST_REQUIRE_MESSAGE(v.ok(), Why(v));
  BOOST_CHECK_EQUAL(ModeOf(options.db_path), 0600u);
  BOOST_CHECK_EQUAL(ModeOf(options.key_dir), 0700u);
  BOOST_CHECK_EQUAL(ModeOf(kek1()), 0600u);
}

BOOST_FIXTURE_TEST_CASE(loose_modes_are_refused_naming_path_and_mode, Fixture) {
  { MustOpen(options); }
  BOOST_REQUIRE_EQUAL(::chmod(kek1().c_str(), 0644), 0);
  CheckFails(Vault::Open(options), {kek1(), "0644"});
  VaultOptions lax = options;
  lax.check_modes = false;
  { MustOpen(lax); }
  BOOST_REQUIRE_EQUAL(::chmod(kek1().c_str(), 0600), 0);

  BOOST_REQUIRE_EQUAL(::chmod(options.key_dir.c_str(), 0755), 0);
  CheckFails(Vault::Open(options), {options.key_dir, "0755"});
  BOOST_REQUIRE_EQUAL(::chmod(options.key_dir.c_str(), 0700), 0);

  BOOST_REQUIRE_EQUAL(::chmod(options.db_path.c_str(), 0640), 0);
  CheckFails(Vault::Open(options), {options.db_path, "0640"});
  BOOST_REQUIRE_EQUAL(::chmod(options.db_path.c_str(), 0600), 0);
  { MustOpen(options); }
}

BOOST_FIXTURE_TEST_CASE(missing_or_wrong_kek_file_is_a_clear_error, Fixture) {
  { MustPut(*MustOpen(options), "acme", "API_KEY", kMarker); }
  const std::string saved = kek1() + ".saved";
  std::filesystem::rename(kek1(), saved);
  CheckFails(Vault::Open(options), {kek1(), "missing", "KEK version 1"});

  {  // 32 bytes, right mode, wrong key
    std::ofstream(kek1(), std::ios::binary) << std::string(32, 'k');
  }
  BOOST_REQUIRE_EQUAL(::chmod(kek1().c_str(), 0600), 0);
  CheckFails(Vault::Open(options), {kek1(), "wrong or replaced"});
  {
    std::ofstream(kek1(), std::ios::binary | std::ios::trunc) << std::string(31, 'k');
  }
  CheckFails(Vault::Open(options), {kek1(), "31 bytes"});

  std::filesystem::rename(saved, kek1());
  auto v = MustOpen(options);
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"API_KEY", kMarker}}));
}

BOOST_FIXTURE_TEST_CASE(ciphertext_moved_to_another_tenant_name_or_version_does_not_decrypt, Fixture) {
  {
    auto v = MustOpen(options);
    MustPut(*v, "acme", "A", kMarker + "-a1");
    MustPut(*v, "acme", "B", kMarker + "-b1");
    MustPut(*v, "acme", "A", kMarker + "-a2");  // staged version 2
    MustPut(*v, "other", "A", kMarker + "-o1");
  }
  auto raw = RawOpen(options.db_path);
  auto blob = [&](const std::string& where) {
    std::optional<std::string> b = MustBlob(raw.get(), "SELECT ciphertext FROM secrets WHERE " + where);
    BOOST_REQUIRE(b.has_value());
    return *b;
  };
  const std::string a1 = blob("tenant = 'acme' AND name = 'A' AND version = 1");
  const std::string b1 = blob("tenant = 'acme' AND name = 'B' AND version = 1");
  const std::string a2 = blob("tenant = 'acme' AND name = 'A' AND version = 2");
  const std::string o1 = blob("tenant = 'other' AND name = 'A' AND version = 1");

  // Another name, same tenant and data key.
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1 WHERE tenant = 'acme' AND name = 'B'", a1);
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", false), {"secret 'B' version 1 of tenant 'acme'", "authentication failed"});
  }
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1 WHERE tenant = 'acme' AND name = 'B'", b1);

  // Another version of the same secret.
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1 WHERE tenant = 'acme' AND name = 'A' AND version = 2",
               a1);
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", true), {"secret 'A' version 2 of tenant 'acme'", "authentication failed"});
    BOOST_CHECK(v->Deliverable("acme", false).ok());  // version 1 itself is fine
  }
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1 WHERE tenant = 'acme' AND name = 'A' AND version = 2",
               a2);

  // Another tenant, even with that tenant's data key row copied along.
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1 WHERE tenant = 'other'", a1);
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("other", false), {"secret 'A' version 1 of tenant 'other'"});
  }
  MustExec(raw.get(),
           "UPDATE data_keys SET wrapped = (SELECT wrapped FROM data_keys WHERE tenant = 'acme') WHERE tenant = 'other'");
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("other", false), {"data key version 1 of tenant 'other'", "KEK version 1"});
  }
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1 WHERE tenant = 'other'", o1);
  {
    auto v = MustOpen(options);
    BOOST_CHECK(Plain(v->Deliverable("acme", true)) == (Pairs{{"A", kMarker + "-a2"}, {"B", kMarker + "-b1"}}));
  }
}

BOOST_FIXTURE_TEST_CASE(tampered_or_truncated_rows_are_errors_naming_the_secret, Fixture) {
  {
    auto v = MustOpen(options);
    MustPut(*v, "acme", "TOKEN", kMarker);
  }
  auto raw = RawOpen(options.db_path);
  const std::string where = " WHERE tenant = 'acme' AND name = 'TOKEN'";
  const std::string good = *MustBlob(raw.get(), "SELECT ciphertext FROM secrets" + where);
  for (size_t i : {size_t{0}, size_t{11}, size_t{12}, good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x80);
    MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1" + where, bad);
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", false), {"secret 'TOKEN' version 1 of tenant 'acme'", "authentication failed"});
  }
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1" + where, good.substr(0, 10));
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", false), {"secret 'TOKEN' version 1 of tenant 'acme'", "10 bytes"});
  }
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1" + where, "");
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", false), {"TOKEN", "0 bytes"});
  }
  MustExec(raw.get(), "UPDATE secrets SET ciphertext = NULL" + where);
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", false), {"secret 'TOKEN' version 1 of tenant 'acme'", "no ciphertext"});
  }
  MustExecBlob(raw.get(), "UPDATE secrets SET ciphertext = ?1" + where, good);
  const std::string wrapped = *MustBlob(raw.get(), "SELECT wrapped FROM data_keys WHERE tenant = 'acme'");
  MustExecBlob(raw.get(), "UPDATE data_keys SET wrapped = ?1 WHERE tenant = 'acme'", wrapped.substr(0, 20));
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", false), {"TOKEN", "data key version 1 of tenant 'acme'", "20 bytes"});
  }
  MustExec(raw.get(), "DELETE FROM data_keys WHERE tenant = 'acme'");
  {
    auto v = MustOpen(options);
    CheckFails(v->Deliverable("acme", false), {"data key version 1 of tenant 'acme'", "missing"});
  }
  MustExecBlob(raw.get(),
               "INSERT INTO data_keys (tenant, version, kek_version, wrapped, created_at) VALUES ('acme', 1, 1, ?1, 0)",
               wrapped);
  auto v = MustOpen(options);
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"TOKEN", kMarker}}));
}

BOOST_FIXTURE_TEST_CASE(versions_stage_promote_discard_retire_and_delete, Fixture) {
  auto v = MustOpen(options);
  MustPut(*v, "acme", "KEY", "v1");
  SecretInfo info = MustPut(*v, "acme", "KEY", "v2");
  BOOST_CHECK(States(info) == (std::vector<std::string>{"2:staged", "1:current"}));
  BOOST_CHECK_EQUAL(info.current_version, 1u);
  // A newer value replaces the staged one.
  info = MustPut(*v, "acme", "KEY", "v3");
  BOOST_CHECK(States(info) == (std::vector<std::string>{"3:staged", "2:failed", "1:current"}));
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"KEY", "v1"}}));
  BOOST_CHECK(Plain(v->Deliverable("acme", true)) == (Pairs{{"KEY", "v3"}}));

  BOOST_CHECK(Code(v->Promote("acme", "KEY", 1)) == ErrorCode::kConflict);  // current, not staged
  BOOST_CHECK(Code(v->Promote("acme", "KEY", 2)) == ErrorCode::kConflict);  // failed
  BOOST_CHECK(Code(v->Promote("acme", "KEY", 9)) == ErrorCode::kNotFound);
  BOOST_REQUIRE(v->Promote("acme", "KEY", 3).ok());
  info = *v->Get("acme", "KEY");
  BOOST_CHECK(States(info) == (std::vector<std::string>{"3:current", "2:failed", "1:previous"}));
  BOOST_CHECK_EQUAL(info.current_version, 3u);
  BOOST_CHECK(Plain(v->Deliverable("acme", true)) == (Pairs{{"KEY", "v3"}}));  // no staged: the current one

  MustPut(*v, "acme", "KEY", "v4");
  BOOST_REQUIRE(v->Promote("acme", "KEY", 4).ok());
  info = *v->Get("acme", "KEY");
  BOOST_CHECK(States(info) == (std::vector<std::string>{"4:current", "3:previous", "2:failed", "1:retired"}));

  MustPut(*v, "acme", "KEY", "v5");
  BOOST_REQUIRE(v->Discard("acme", "KEY", 5).ok());
  BOOST_CHECK(Code(v->Discard("acme", "KEY", 5)) == ErrorCode::kConflict);
  BOOST_CHECK(Code(v->Discard("acme", "KEY", 4)) == ErrorCode::kConflict);
  BOOST_REQUIRE(v->RetirePrevious("acme", "KEY").ok());
  info = *v->Get("acme", "KEY");
  BOOST_CHECK(States(info) ==
              (std::vector<std::string>{"5:failed", "4:current", "3:retired", "2:failed", "1:retired"}));
  BOOST_CHECK(Plain(v->Deliverable("acme", true)) == (Pairs{{"KEY", "v4"}}));
  BOOST_CHECK(Code(v->RetirePrevious("acme", "NOPE")) == ErrorCode::kNotFound);

  {  // Erased means erased: only the current version still has ciphertext and a data key.
    auto raw = RawOpen(options.db_path);
    BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM secrets WHERE ciphertext IS NOT NULL"), 1);
    BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM secrets WHERE dk_version IS NOT NULL"), 1);
    BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT version FROM secrets WHERE ciphertext IS NOT NULL"), 4);
  }

  MustPut(*v, "acme", "OTHER", "o");
  BOOST_REQUIRE(v->Delete("acme", "KEY").ok());
  BOOST_CHECK(Code(v->Get("acme", "KEY")) == ErrorCode::kNotFound);
  BOOST_CHECK(Code(v->Delete("acme", "KEY")) == ErrorCode::kNotFound);
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"OTHER", "o"}}));
  // A deleted secret starts again at version 1.
  BOOST_CHECK_EQUAL(MustPut(*v, "acme", "KEY", "again").current_version, 1u);

  MustPut(*v, "keep", "KEY", "kept");
  BOOST_REQUIRE(v->DeleteTenant("acme").ok());
  BOOST_REQUIRE(v->DeleteTenant("acme").ok());  // nothing left is fine
  BOOST_CHECK(v->List("acme")->empty());
  auto raw = RawOpen(options.db_path);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM secrets WHERE tenant = 'acme'"), 0);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM data_keys WHERE tenant = 'acme'"), 0);
  BOOST_CHECK(Plain(v->Deliverable("keep", false)) == (Pairs{{"KEY", "kept"}}));
}

BOOST_FIXTURE_TEST_CASE(hostile_names_tenants_and_values_are_refused_without_echo, Fixture) {
  auto v = MustOpen(options);
  for (const std::string& name : {std::string("api_key"), std::string("API_KEY=" + kMarker), std::string(200, 'A'),
                                  std::string(), std::string("1ABC"), std::string("A B"), std::string("A\nB"),
                                  std::string("A-B"), std::string("\xc3\x84"), std::string("A\0B", 3)}) {
    Result<SecretInfo> r = v->Put("acme", name, SecretValue(std::string("x")));
    BOOST_CHECK_MESSAGE(Code(r) == ErrorCode::kInvalidArgument, "name of size " << name.size() << " accepted");
    if (!r.ok()) BOOST_CHECK(!Contains(r.error().message, kMarker));
    BOOST_CHECK(Code(v->Get("acme", name)) == ErrorCode::kInvalidArgument);
  }
  BOOST_CHECK(v->Put("acme", "_" + std::string(127, 'Z'), SecretValue(std::string("x"))).ok());  // 128 chars
  BOOST_CHECK(Code(v->Put("acme", std::string(129, 'Z'), SecretValue(std::string("x")))) ==
              ErrorCode::kInvalidArgument);

  for (const std::string& tenant : {std::string("../x"), std::string(), std::string("A"), std::string("acme/.."),
                                    std::string("x"), std::string("-acme"), std::string("_PLATFORM"),
                                    std::string(33, 'a')}) {
    BOOST_CHECK_MESSAGE(Code(v->Put(tenant, "KEY", SecretValue(std::string("x")))) == ErrorCode::kInvalidArgument,
                        "tenant '" << tenant << "' accepted");
    BOOST_CHECK(Code(v->List(tenant)) == ErrorCode::kInvalidArgument);
    BOOST_CHECK(Code(v->Deliverable(tenant, false)) == ErrorCode::kInvalidArgument);
    BOOST_CHECK(Code(v->DeleteTenant(tenant)) == ErrorCode::kInvalidArgument);
  }

  struct Bad {
    std::string value;
    ErrorCode code;
    const char* says;
  };
  const Bad bad[] = {
      {kMarker + std::string(1, '\0') + "tail", ErrorCode::kInvalidArgument, "NUL"},
      {kMarker + "\nNEXT=1", ErrorCode::kInvalidArgument, "line break"},
      {kMarker + "\r", ErrorCode::kInvalidArgument, "line break"},
      {std::string(), ErrorCode::kInvalidArgument, "empty"},
      {kMarker + std::string(65 * 1024, 'v'), ErrorCode::kTooLarge, "64 KiB"},
      {std::string(64 * 1024 + 1, 'v'), ErrorCode::kTooLarge, "64 KiB"},
  };
  for (const Bad& b : bad) {
    Result<SecretInfo> r = v->Put("acme", "KEY", SecretValue(b.value));
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK(r.error().code == b.code);
    BOOST_CHECK_MESSAGE(Contains(r.error().message, b.says), r.error().message);
    BOOST_CHECK(!Contains(r.error().message, kMarker));
  }
  BOOST_CHECK(Code(v->Get("acme", "KEY")) == ErrorCode::kNotFound);  // nothing stored by any of them
}

BOOST_FIXTURE_TEST_CASE(not_a_vault_file_is_refused, Fixture) {
  { std::ofstream(options.db_path) << "this is not SQLite, and long enough to not look like an empty file ....."; }
  BOOST_REQUIRE_EQUAL(::chmod(options.db_path.c_str(), 0600), 0);
  BOOST_CHECK(!Vault::Open(options).ok());
  std::filesystem::remove(options.db_path);
  {
    auto raw = [&] {
      sqlite3* db = nullptr;
      sqlite3_open(options.db_path.c_str(), &db);
      return sqlite::DbHandle(db);
    }();
    MustExec(raw.get(), "CREATE TABLE t (x)");
  }
  BOOST_REQUIRE_EQUAL(::chmod(options.db_path.c_str(), 0600), 0);
  CheckFails(Vault::Open(options), {"not a Clawhive vault"});
  VaultOptions zero = options;
  zero.rotation_batch = 0;
  BOOST_CHECK(Code(Vault::Open(zero)) == ErrorCode::kInvalidArgument);
}

BOOST_FIXTURE_TEST_CASE(kek_rotation_rewraps_data_keys_keeps_values_and_drops_the_old_file, Fixture) {
  options.rotation_batch = 3;  // several batches
  std::map<std::string, Pairs> current, staged;
  {
    auto v = MustOpen(options);
    for (int t = 0; t < 10; ++t) {
      const std::string tenant = "tenant-" + std::to_string(t);
      MustPut(*v, tenant, "A", "a1-" + std::to_string(t));
      MustPut(*v, tenant, "B", "b1-" + std::to_string(t));
      current[tenant] = {{"A", "a1-" + std::to_string(t)}, {"B", "b1-" + std::to_string(t)}};
      staged[tenant] = current[tenant];
      if (t % 2 == 0) {  // a staged version
        MustPut(*v, tenant, "A", "a2-" + std::to_string(t));
        staged[tenant][0].second = "a2-" + std::to_string(t);
      }
    }
    MustPut(*v, kPlatformScope, "PROVIDER", "p1");
    Result<RotationInfo> r = v->RotateKek();
    BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
    BOOST_CHECK_EQUAL(r->kind, "kek");
    BOOST_CHECK_EQUAL(r->target, "");
    BOOST_CHECK_EQUAL(r->state, "done");
    BOOST_CHECK_EQUAL(r->total, 11u);
    BOOST_CHECK_EQUAL(r->done, 11u);
    BOOST_CHECK_EQUAL(v->kek_version(), 2u);
    BOOST_CHECK(!std::filesystem::exists(kek1()));
    BOOST_CHECK_EQUAL(ModeOf(clawhive::vault::KekPath(options.key_dir, 2)), 0600u);
    for (const auto& [tenant, want] : current) {
      BOOST_CHECK(Plain(v->Deliverable(tenant, false)) == want);
      BOOST_CHECK(Plain(v->Deliverable(tenant, true)) == staged[tenant]);
    }
    // New tenants get data keys under the new KEK.
    MustPut(*v, "late", "A", "late");
  }
  auto v = MustOpen(options);
  BOOST_CHECK_EQUAL(v->kek_version(), 2u);
  for (const auto& [tenant, want] : current) BOOST_CHECK(Plain(v->Deliverable(tenant, false)) == want);
  BOOST_CHECK_EQUAL(v->ProviderKey("PROVIDER")->view(), "p1");
  Result<RotationInfo> again = v->RotateKek();
  BOOST_REQUIRE_MESSAGE(again.ok(), Why(again));
  BOOST_CHECK_EQUAL(v->kek_version(), 3u);
  BOOST_CHECK(Plain(v->Deliverable("late", false)) == (Pairs{{"A", "late"}}));
  auto raw = RawOpen(options.db_path);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM data_keys WHERE kek_version <> 3"), 0);
  Result<std::vector<RotationInfo>> jobs = v->Rotations(10);
  BOOST_REQUIRE(jobs.ok());
  BOOST_REQUIRE_EQUAL(jobs->size(), 2u);
  BOOST_CHECK((*jobs)[0].id > (*jobs)[1].id);  // newest first
  BOOST_CHECK_EQUAL(v->Rotations(1)->size(), 1u);
  Result<std::vector<std::uint32_t>> files = clawhive::vault::ListKekFiles(options.key_dir);
  BOOST_CHECK(files.ok() && *files == std::vector<std::uint32_t>{3});
}

BOOST_FIXTURE_TEST_CASE(data_key_rotation_reencrypts_every_live_version_of_the_tenant, Fixture) {
  options.rotation_batch = 2;
  auto v = MustOpen(options);
  for (const char* name : {"A", "B", "C"}) {
    MustPut(*v, "acme", name, std::string(name) + "1");
    MustPut(*v, "acme", name, std::string(name) + "2");
  }
  BOOST_REQUIRE(v->Promote("acme", "A", 2).ok());   // A: 2 current, 1 previous
  MustPut(*v, "acme", "A", "A3");                   // A: 3 staged
  BOOST_REQUIRE(v->Discard("acme", "B", 2).ok());   // B: 2 failed (no ciphertext)
  MustPut(*v, "bystander", "A", "untouched");
  auto raw = RawOpen(options.db_path);
  const std::string bystander_before =
      *MustBlob(raw.get(), "SELECT ciphertext FROM secrets WHERE tenant = 'bystander'");

  Result<RotationInfo> r = v->RotateDataKey("acme");
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  BOOST_CHECK_EQUAL(r->kind, "data-key");
  BOOST_CHECK_EQUAL(r->target, "acme");
  BOOST_CHECK_EQUAL(r->state, "done");
  BOOST_CHECK_EQUAL(r->total, 6u);  // A1 A2 A3 B1 C1 C2
  BOOST_CHECK_EQUAL(r->done, 6u);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM data_keys WHERE tenant = 'acme'"), 1);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT version FROM data_keys WHERE tenant = 'acme'"), 2);
  BOOST_CHECK_EQUAL(
      MustInt(raw.get(), "SELECT count(*) FROM secrets WHERE tenant = 'acme' AND ciphertext IS NOT NULL AND dk_version = 2"),
      6);
  BOOST_CHECK(*MustBlob(raw.get(), "SELECT ciphertext FROM secrets WHERE tenant = 'bystander'") == bystander_before);

  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"A", "A2"}, {"B", "B1"}, {"C", "C1"}}));
  BOOST_CHECK(Plain(v->Deliverable("acme", true)) == (Pairs{{"A", "A3"}, {"B", "B1"}, {"C", "C2"}}));
  // The previous version is still decryptable: promote-and-roll-back paths keep working.
  BOOST_REQUIRE(v->Promote("acme", "A", 3).ok());
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"A", "A3"}, {"B", "B1"}, {"C", "C1"}}));
  // New versions use the new data key.
  MustPut(*v, "acme", "D", "D1");
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT dk_version FROM secrets WHERE tenant = 'acme' AND name = 'D'"), 2);
  BOOST_CHECK(Plain(v->Deliverable("bystander", false)) == (Pairs{{"A", "untouched"}}));

  BOOST_CHECK(Code(v->RotateDataKey("nobody")) == ErrorCode::kNotFound);
  BOOST_CHECK(Code(v->RotateDataKey("../x")) == ErrorCode::kInvalidArgument);
  Result<RotationInfo> platform = v->RotateDataKey(kPlatformScope);
  BOOST_CHECK(Code(platform) == ErrorCode::kNotFound);  // no platform secret yet
}

BOOST_FIXTURE_TEST_CASE(a_damaged_row_is_skipped_by_rotation_and_its_old_key_kept, Fixture) {
  {
    auto v = MustOpen(options);
    MustPut(*v, "good", "A", "fine");
    MustPut(*v, "bad", "A", kMarker);
  }
  Tamper("UPDATE data_keys SET wrapped = zeroblob(60) WHERE tenant = 'bad'");
  auto v = MustOpen(options);
  Result<RotationInfo> r = v->RotateKek();
  CheckFails(r, {"1 item", "data key version 1 of tenant 'bad'"});
  BOOST_CHECK_EQUAL(v->kek_version(), 2u);
  BOOST_CHECK(std::filesystem::exists(kek1()));  // still referenced by the damaged row
  BOOST_CHECK(Plain(v->Deliverable("good", false)) == (Pairs{{"A", "fine"}}));
  Result<std::vector<RotationInfo>> jobs = v->Rotations(1);
  BOOST_REQUIRE(jobs.ok() && jobs->size() == 1);
  BOOST_CHECK_EQUAL((*jobs)[0].state, "done");
  BOOST_CHECK_EQUAL((*jobs)[0].done, 1u);
  BOOST_CHECK_EQUAL((*jobs)[0].total, 2u);
  v.reset();
  auto reopened = MustOpen(options);  // a damaged row never keeps the vault closed
  CheckFails(reopened->Deliverable("bad", false), {"tenant 'bad'"});
}

BOOST_FIXTURE_TEST_CASE(a_damaged_secret_is_skipped_by_data_key_rotation_and_its_key_kept, Fixture) {
  auto v = MustOpen(options);
  MustPut(*v, "acme", "GOOD", "fine");
  MustPut(*v, "acme", "BAD", kMarker);
  Tamper("UPDATE secrets SET ciphertext = zeroblob(40) WHERE name = 'BAD'");
  CheckFails(v->RotateDataKey("acme"), {"1 item", "secret 'BAD' version 1 of tenant 'acme'"});
  auto raw = RawOpen(options.db_path);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT count(*) FROM data_keys WHERE tenant = 'acme'"), 2);  // 1 kept
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT dk_version FROM secrets WHERE name = 'GOOD'"), 2);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT dk_version FROM secrets WHERE name = 'BAD'"), 1);
  BOOST_REQUIRE(v->Delete("acme", "BAD").ok());
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"GOOD", "fine"}}));
  // The next rotation finds nothing under version 1 any more and drops it.
  Result<RotationInfo> r = v->RotateDataKey("acme");
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT group_concat(version) FROM data_keys WHERE tenant = 'acme'"), 3);
}

BOOST_FIXTURE_TEST_CASE(leftovers_of_a_crash_in_key_creation_are_passed_over_and_cleaned, Fixture) {
  { MustPut(*MustOpen(options), "acme", "KEY", "value"); }
  // RotateKek reserved version 2 and wrote its file, then died before recording the job; and a
  // half-written temporary of a later attempt.
  {
    Result<clawhive::vault::Key> key = clawhive::vault::RandomKey();
    BOOST_REQUIRE(key.ok());
    BOOST_REQUIRE(clawhive::vault::CreateKekFile(options.key_dir, 2, *key).ok());
    Result<std::string> check = clawhive::vault::Seal(*key, "", "clawhive-kek|v1|2");
    BOOST_REQUIRE(check.ok());
    auto raw = RawOpen(options.db_path);
    MustExecBlob(raw.get(), "INSERT INTO keks (version, check_blob, created_at) VALUES (2, ?1, 0)", *check);
    std::ofstream(options.key_dir + "/.kek-3.key.tmp", std::ios::binary) << "half";
  }
  std::filesystem::last_write_time(options.key_dir + "/.kek-3.key.tmp",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));
  auto v = MustOpen(options);
  BOOST_CHECK(!std::filesystem::exists(options.key_dir + "/.kek-3.key.tmp"));
  BOOST_CHECK_EQUAL(v->kek_version(), 1u);
  BOOST_CHECK(std::filesystem::exists(clawhive::vault::KekPath(options.key_dir, 2)));  // newer than current: kept
  Result<RotationInfo> r = v->RotateKek();
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  BOOST_CHECK_EQUAL(v->kek_version(), 3u);  // never reuses the leftover's number
  Result<std::vector<std::uint32_t>> files = clawhive::vault::ListKekFiles(options.key_dir);
  BOOST_CHECK(files.ok() && *files == std::vector<std::uint32_t>{3});
  auto raw = RawOpen(options.db_path);
  BOOST_CHECK_EQUAL(MustInt(raw.get(), "SELECT group_concat(version) FROM keks"), 3);
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"KEY", "value"}}));
}

BOOST_FIXTURE_TEST_CASE(a_fresh_database_beside_old_key_files_starts_past_them, Fixture) {
  { MustOpen(options); }
  std::filesystem::remove(options.db_path);
  std::filesystem::remove(options.db_path + "-wal");
  std::filesystem::remove(options.db_path + "-shm");
  auto v = MustOpen(options);
  BOOST_CHECK_EQUAL(v->kek_version(), 2u);  // kek-1.key is not this vault's: not reused, not deleted
  MustPut(*v, "acme", "KEY", "value");
  BOOST_REQUIRE(v->RotateKek().ok());
  BOOST_CHECK(std::filesystem::exists(kek1()));
  BOOST_CHECK(!std::filesystem::exists(clawhive::vault::KekPath(options.key_dir, 2)));
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"KEY", "value"}}));
}

BOOST_FIXTURE_TEST_CASE(without_create_a_missing_vault_is_an_error_and_nothing_is_made, Fixture) {
  VaultOptions no_create = options;
  no_create.create = false;
  CheckFails(Vault::Open(no_create), {options.key_dir, "does not exist"});
  BOOST_CHECK(!std::filesystem::exists(options.key_dir));
  BOOST_CHECK(!std::filesystem::exists(options.db_path));
  BOOST_REQUIRE_EQUAL(::mkdir(options.key_dir.c_str(), 0700), 0);
  CheckFails(Vault::Open(no_create), {options.db_path, "does not exist"});
  BOOST_CHECK(!std::filesystem::exists(options.db_path));
  { std::ofstream touch(options.db_path); }
  BOOST_REQUIRE_EQUAL(::chmod(options.db_path.c_str(), 0600), 0);
  CheckFails(Vault::Open(no_create), {options.db_path, "empty"});
  BOOST_CHECK(std::filesystem::is_empty(options.key_dir));  // no KEK made either

  { MustPut(*MustOpen(options), "acme", "KEY", "value"); }
  auto v = MustOpen(no_create);
  BOOST_CHECK(Plain(v->Deliverable("acme", false)) == (Pairs{{"KEY", "value"}}));
}

BOOST_FIXTURE_TEST_CASE(a_reader_writes_nothing_resumes_nothing_and_follows_rotations, Fixture) {
  {
    auto v = MustOpen(options);
    MustPut(*v, "acme", "KEY", "v1");
    MustPut(*v, "acme", "KEY", "v2");
    BOOST_REQUIRE(v->RotateKek().ok());
  }
  {  // Pretend the rotation was cut short (its work is in fact done), and a crash left a temporary.
    auto raw = RawOpen(options.db_path);
    MustExec(raw.get(), "UPDATE rotations SET state = 'running'");
    std::ofstream(options.key_dir + "/.kek-9.key.tmp") << "half";
  }
  std::filesystem::last_write_time(options.key_dir + "/.kek-9.key.tmp",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));
  VaultOptions reader_options = options;
  reader_options.resume_rotations = false;
  reader_options.create = false;
  auto reader = MustOpen(reader_options);
  BOOST_CHECK_EQUAL(reader->Rotations(5)->at(0).state, "running");  // not resumed
  BOOST_CHECK(std::filesystem::exists(options.key_dir + "/.kek-9.key.tmp"));
  BOOST_CHECK(Plain(reader->Deliverable("acme", true)) == (Pairs{{"KEY", "v2"}}));
  BOOST_CHECK(Code(reader->Put("acme", "KEY", SecretValue(std::string("x")))) == ErrorCode::kConflict);
  BOOST_CHECK(Code(reader->Promote("acme", "KEY", 2)) == ErrorCode::kConflict);
  BOOST_CHECK(Code(reader->Delete("acme", "KEY")) == ErrorCode::kConflict);
  BOOST_CHECK(Code(reader->DeleteTenant("acme")) == ErrorCode::kConflict);
  BOOST_CHECK(Code(reader->RotateKek()) == ErrorCode::kConflict);
  BOOST_CHECK(Code(reader->RotateDataKey("acme")) == ErrorCode::kConflict);

  // The writer (here: another connection) resumes and rotates on; the open reader keeps up.
  auto writer = MustOpen(options);
  BOOST_CHECK_EQUAL(writer->Rotations(5)->at(0).state, "done");
  BOOST_REQUIRE(writer->RotateKek().ok());
  BOOST_REQUIRE(writer->RotateDataKey("acme").ok());
  BOOST_CHECK_EQUAL(writer->kek_version(), 3u);
  BOOST_CHECK(!std::filesystem::exists(clawhive::vault::KekPath(options.key_dir, 2)));
  BOOST_CHECK(Plain(reader->Deliverable("acme", false)) == (Pairs{{"KEY", "v1"}}));
  BOOST_CHECK(Plain(reader->Deliverable("acme", true)) == (Pairs{{"KEY", "v2"}}));
}

BOOST_AUTO_TEST_SUITE_END()
