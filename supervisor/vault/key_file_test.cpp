#include "supervisor/vault/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>

#include "supervisor/vault/vault_test_util.h"

using namespace clawhive;
using namespace clawhive::vault;
using namespace clawhive::vault_test;

namespace {

Key MustKey() {
  Result<Key> k = RandomKey();
  BOOST_REQUIRE(k.ok());
  return std::move(k).value();
}

bool SameKey(const Key& a, const Key& b) { return std::equal(a.data(), a.data() + Key::size(), b.data()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(vault)

BOOST_AUTO_TEST_CASE(key_files_are_created_0600_in_a_0700_dir_and_read_back) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  mode_t old = ::umask(0);  // the modes must not depend on the umask
  Status prepared = PrepareKeyDir(dir, true);
  Key key = MustKey();
  Status created = CreateKekFile(dir, 1, key);
  ::umask(old);
  BOOST_REQUIRE_MESSAGE(prepared.ok(), Why(prepared));
  BOOST_REQUIRE_MESSAGE(created.ok(), Why(created));
  BOOST_CHECK_EQUAL(ModeOf(dir), 0700u);
  BOOST_CHECK_EQUAL(ModeOf(KekPath(dir, 1)), 0600u);
  Result<Key> back = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE_MESSAGE(back.ok(), Why(back));
  BOOST_CHECK(SameKey(key, *back));

  Status again = CreateKekFile(dir, 1, MustKey());
  BOOST_CHECK(Code(again) == ErrorCode::kAlreadyExists);
  Result<Key> still = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE(still.ok());
  BOOST_CHECK(SameKey(key, *still));  // never replaced

  Result<std::vector<uint32_t>> versions = ListKekFiles(dir);
  BOOST_REQUIRE(versions.ok());
  BOOST_CHECK(*versions == std::vector<uint32_t>{1});
}

BOOST_AUTO_TEST_CASE(loose_or_foreign_key_files_and_dirs_are_refused_by_path_and_mode) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  BOOST_REQUIRE(CreateKekFile(dir, 1, MustKey()).ok());
  const std::string path = KekPath(dir, 1);

  BOOST_REQUIRE_EQUAL(::chmod(path.c_str(), 0644), 0);
  Result<Key> loose = LoadKekFile(dir, 1, true);
  BOOST_REQUIRE(!loose.ok());
  BOOST_CHECK_MESSAGE(Contains(loose.error().message, path) && Contains(loose.error().message, "0644"),
                      loose.error().message);
  BOOST_CHECK(LoadKekFile(dir, 1, false).ok());  // check_modes off
  BOOST_REQUIRE_EQUAL(::chmod(path.c_str(), 0600), 0);

  BOOST_REQUIRE_EQUAL(::chmod(dir.c_str(), 0755), 0);
  Status dir_loose = PrepareKeyDir(dir, true);
  BOOST_REQUIRE(!dir_loose.ok());
  BOOST_CHECK_MESSAGE(Contains(dir_loose.error().message, dir) && Contains(dir_loose.error().message, "0755"),
                      dir_loose.error().message);
  BOOST_REQUIRE_EQUAL(::chmod(dir.c_str(), 0700), 0);

  if (::geteuid() == 0) {  // only root can give a file away
    BOOST_REQUIRE_EQUAL(::chown(path.c_str(), 65534, 65534), 0);
    Result<Key> foreign = LoadKekFile(dir, 1, true);
    BOOST_REQUIRE(!foreign.ok());
    BOOST_CHECK_MESSAGE(Contains(foreign.error().message, path) && Contains(foreign.error().message, "uid 65534"),
                        foreign.error().message);
    BOOST_REQUIRE_EQUAL(::chown(path.c_str(), 0, 0), 0);
  }
}

BOOST_AUTO_TEST_CASE(missing_short_and_symlinked_key_files_are_errors) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  Result<Key> missing = LoadKekFile(dir, 7, true);
  BOOST_REQUIRE(!missing.ok());
  BOOST_CHECK(missing.error().code == ErrorCode::kNotFound);
  BOOST_CHECK_MESSAGE(Contains(missing.error().message, KekPath(dir, 7)) && Contains(missing.error().message, "missing"),
                      missing.error().message);

  {
    std::ofstream(KekPath(dir, 2)) << "too short";
  }
  BOOST_REQUIRE_EQUAL(::chmod(KekPath(dir, 2).c_str(), 0600), 0);
  Result<Key> short_file = LoadKekFile(dir, 2, true);
  BOOST_REQUIRE(!short_file.ok());
  BOOST_CHECK_MESSAGE(Contains(short_file.error().message, "expected 32"), short_file.error().message);

  BOOST_REQUIRE_EQUAL(::symlink(KekPath(dir, 2).c_str(), KekPath(dir, 3).c_str()), 0);
  Result<Key> link = LoadKekFile(dir, 3, true);
  BOOST_REQUIRE(!link.ok());
  BOOST_CHECK_MESSAGE(Contains(link.error().message, "symbolic link"), link.error().message);
}

BOOST_AUTO_TEST_CASE(stale_temporaries_are_removed_and_never_listed) {
  TempDir tmp;
  const std::string dir = tmp.File("keys");
  BOOST_REQUIRE(PrepareKeyDir(dir, true).ok());
  { std::ofstream(dir + "/.kek-5.key.tmp") << "partial"; }
  { std::ofstream(dir + "/kek-01.key") << "not canonical"; }
  { std::ofstream(dir + "/notes.txt") << "x"; }
  Result<std::vector<uint32_t>> versions = ListKekFiles(dir);
  BOOST_REQUIRE(versions.ok());
  BOOST_CHECK(versions->empty());
  BOOST_REQUIRE(RemoveStaleTemporaries(dir, 60).ok());
  BOOST_CHECK(std::filesystem::exists(dir + "/.kek-5.key.tmp"));  // may be another process's, under way
  std::filesystem::last_write_time(dir + "/.kek-5.key.tmp",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::minutes(2));
  BOOST_REQUIRE(RemoveStaleTemporaries(dir, 60).ok());
  BOOST_CHECK(!std::filesystem::exists(dir + "/.kek-5.key.tmp"));
  BOOST_CHECK(std::filesystem::exists(dir + "/notes.txt"));
  // And a crash's leftover temporary of the very version being created does not block it.
  { std::ofstream(dir + "/.kek-6.key.tmp") << "partial"; }
  BOOST_CHECK(CreateKekFile(dir, 6, MustKey()).ok());
  BOOST_CHECK(RemoveKekFile(dir, 6).ok());
  BOOST_CHECK(RemoveKekFile(dir, 6).ok());  // absent is fine
}

BOOST_AUTO_TEST_SUITE_END()
