// The provider-key export: exactly the platform scope's current values (never a tenant's secret), and
// the real writer's modes, owner and atomic replacement.
#include "supervisor/core/provider_key_export.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "supervisor/meter/provider_keys.h"
#include "supervisor/proxy/provider_key_file.h"  // the reader, for an end-to-end check
#include "supervisor/vault/vault_test_util.h"
#include "unit/fails_with.h"
#include "unit/fake_key_file_writer.h"

namespace clawhive {
namespace {

using testing::FailsWith;
using vault_test::Contains;
using vault_test::MustOpen;
using vault_test::MustPut;
using vault_test::OptionsIn;
using vault_test::TempDir;
using vault_test::Why;

struct Stat {
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  ino_t ino = 0;
};
Stat StatOf(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::lstat(path.c_str(), &st), 0);
  return {st.st_mode & 07777, st.st_uid, st.st_gid, st.st_ino};
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
    ::closedir(d);
  }
  return out;
}

BOOST_AUTO_TEST_SUITE(provider_key_export)

BOOST_AUTO_TEST_CASE(exports_the_platform_scope_current_values_only) {
  TempDir dir;
  auto vault = MustOpen(OptionsIn(dir));
  MustPut(*vault, kPlatformScope, "OPENAI_API_KEY", "sk-old");
  MustPut(*vault, kPlatformScope, "OPENAI_API_KEY", "sk-staged");  // staged (SecretManager promotes it): not exported
  MustPut(*vault, kPlatformScope, "ANTHROPIC_API_KEY", "an-1");
  MustPut(*vault, "acme", "TENANT_ONLY", "tenant-secret-value");
  testing::FakeKeyFileWriter writer;
  ProviderKeyExport out(*vault, writer, meter::Owner{4242, 4243}, "/run/clawhive-meter");
  Status w0 = out.Write();
  BOOST_REQUIRE_MESSAGE(w0.ok(), Why(w0));
  BOOST_REQUIRE(writer.writes.size() == 1u);
  const auto& w = writer.writes.back();
  BOOST_TEST(w.dir == "/run/clawhive-meter");
  BOOST_TEST(w.name == "provider-keys");
  BOOST_TEST(out.path() == "/run/clawhive-meter/provider-keys");
  BOOST_TEST(w.owner.uid == 4242u);
  BOOST_TEST(w.owner.gid == 4243u);
  BOOST_TEST(!Contains(w.content, "tenant-secret-value"));
  BOOST_TEST(!Contains(w.content, "TENANT_ONLY"));
  auto keys = meter::ParseProviderKeys(w.content, "export");
  BOOST_REQUIRE_MESSAGE(keys.ok(), Why(keys));
  BOOST_TEST(keys->size() == 2u);
  BOOST_TEST(keys->at("OPENAI_API_KEY").view() == "sk-old");
  BOOST_TEST(!Contains(w.content, "sk-staged"));
  BOOST_TEST(keys->at("ANTHROPIC_API_KEY").view() == "an-1");

  BOOST_REQUIRE(vault->Delete(kPlatformScope, "ANTHROPIC_API_KEY").ok());
  BOOST_REQUIRE(out.Write().ok());
  auto after = meter::ParseProviderKeys(writer.writes.back().content, "export");
  BOOST_TEST(after->size() == 1u);
  BOOST_TEST(after->count("ANTHROPIC_API_KEY") == 0u);

  writer.fail = true;
  BOOST_TEST(FailsWith(out.Write(), ErrorCode::kUnavailable, "provider keys: fake: disk on fire"));
}

BOOST_AUTO_TEST_CASE(an_empty_platform_scope_exports_an_empty_object) {
  TempDir dir;
  auto vault = MustOpen(OptionsIn(dir));
  testing::FakeKeyFileWriter writer;
  ProviderKeyExport out(*vault, writer, meter::Owner{}, dir.File("run"));
  BOOST_REQUIRE(out.Write().ok());
  BOOST_TEST(writer.writes.back().content == "{}\n");
}

BOOST_AUTO_TEST_CASE(the_real_writer_gives_dir_and_file_to_the_owner_and_replaces_atomically) {
  TempDir dir;
  const std::string run = dir.File("run/clawhive-meter");  // parents made too
  PosixKeyFileWriter writer;
  const meter::Owner owner{4242, 4243};  // as root (the unit tests run as root, like the supervisor)
  Status s = writer.Replace(run, "provider-keys", "{\"A\":\"one\"}\n", owner);
  BOOST_REQUIRE_MESSAGE(s.ok(), Why(s));
  Stat d = StatOf(run), f = StatOf(run + "/provider-keys");
  BOOST_TEST(d.mode == 0700u);
  BOOST_TEST(f.mode == 0400u);
  BOOST_TEST(d.uid == 4242u);
  BOOST_TEST(d.gid == 4243u);
  BOOST_TEST(f.uid == 4242u);
  BOOST_TEST(f.gid == 4243u);

  // Replaced by rename: a new inode, never the old file rewritten in place; no temp file left behind.
  BOOST_REQUIRE(writer.Replace(run, "provider-keys", "{\"A\":\"two\"}\n", owner).ok());
  Stat g = StatOf(run + "/provider-keys");
  BOOST_TEST(g.ino != f.ino);
  BOOST_TEST(g.mode == 0400u);
  BOOST_TEST(g.uid == 4242u);
  BOOST_TEST((Names(run) == std::vector<std::string>{"provider-keys"}));
  proxy::FileKeys keys(run + "/provider-keys", std::chrono::milliseconds(0));
  BOOST_TEST(keys.Key("A").value() == "two");

  // A directory someone loosened is tightened and given back.
  BOOST_REQUIRE(::chmod(run.c_str(), 0755) == 0);
  BOOST_REQUIRE(::chown(run.c_str(), 0, 0) == 0);
  BOOST_REQUIRE(writer.Replace(run, "provider-keys", "{}\n", owner).ok());
  BOOST_TEST(StatOf(run).mode == 0700u);
  BOOST_TEST(StatOf(run).uid == 4242u);
}

BOOST_AUTO_TEST_CASE(the_real_writer_refuses_a_symlink_or_file_in_place_of_the_directory) {
  TempDir dir;
  TempDir elsewhere;
  PosixKeyFileWriter writer;
  const std::string link = dir.File("link");
  BOOST_REQUIRE(::symlink(elsewhere.path.c_str(), link.c_str()) == 0);
  BOOST_TEST(FailsWith(writer.Replace(link, "provider-keys", "{}\n", meter::Owner{}), ErrorCode::kInvalidArgument,
                       link + " is not a directory; refusing to write provider keys there"));
  BOOST_TEST(Names(elsewhere.path).empty());
  { std::ofstream(dir.File("file")) << "x"; }
  BOOST_TEST(FailsWith(writer.Replace(dir.File("file"), "provider-keys", "{}\n", meter::Owner{}), ErrorCode::kInvalidArgument,
                       dir.File("file") + " is not a directory; refusing to write provider keys there"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
