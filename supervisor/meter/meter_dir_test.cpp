// The meter directory: made 0700 for the proxy's user, and an older version's meter.db (with its -wal and
// -shm) moved into it from the supervisor's state directory; and the rule that root's new database file
// in another user's directory is that user's (sqlite::CreateOwnerOnly), which the move relies on.
#include "supervisor/meter/meter_dir.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "supervisor/meter/ledger.h"
#include "supervisor/common/sqlite.h"
#include "supervisor/vault/vault_test_util.h"
#include "unit/fails_with.h"

namespace clawhive::meter {
namespace {

using clawhive::testing::FailsWith;
using vault_test::TempDir;
using vault_test::Why;

struct Stat {
  bool exists = false;
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};
Stat StatOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  return {true, st.st_mode & 07777, st.st_uid, st.st_gid};
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

BOOST_AUTO_TEST_SUITE(meter_dir)

BOOST_AUTO_TEST_CASE(makes_the_directory_for_the_proxy_user) {
  TempDir dir;
  const std::string meter = dir.File("lib/clawhive-meter");
  auto r = PrepareMeterDir(dir.File("state"), meter, Owner{4242, 4243});
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  BOOST_TEST(r->created);
  BOOST_TEST(!r->moved);
  Stat s = StatOf(meter);
  BOOST_TEST(s.mode == 0700u);
  BOOST_TEST(s.uid == 4242u);
  BOOST_TEST(s.gid == 4243u);
  // Again: nothing new; a loosened mode is tightened.
  BOOST_REQUIRE(::chmod(meter.c_str(), 0755) == 0);
  auto again = PrepareMeterDir(dir.File("state"), meter, Owner{4242, 4243});
  BOOST_TEST(!again->created);
  BOOST_TEST(StatOf(meter).mode == 0700u);
  // Without a proxy user it is made but keeps its owner.
  auto plain = PrepareMeterDir(dir.File("state"), dir.File("other"), std::nullopt);
  BOOST_TEST(plain->created);
  BOOST_TEST(StatOf(dir.File("other")).uid == ::geteuid());
  { std::ofstream(dir.File("afile")) << "x"; }
  BOOST_TEST(FailsWith(PrepareMeterDir(dir.File("state"), dir.File("afile"), std::nullopt), ErrorCode::kInvalidArgument,
                       dir.File("afile") + " is not a directory"));
}

// An older version's meter.db: a WAL database with rows (some still in its -wal when `keep_open`).
sqlite::DbHandle MakeOldDb(const std::string& path, bool keep_open = false) {
  sqlite3* raw = nullptr;
  BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK);
  sqlite::DbHandle db(raw);
  BOOST_REQUIRE(sqlite::Exec(db.get(), "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
                                       "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept-1'), ('kept-2');").ok());
  if (!keep_open) db.reset();
  return db;
}

int64_t Rows(const std::string& path) {
  sqlite3* raw = nullptr;
  BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite::DbHandle db(raw);
  return sqlite::QueryInt64(db.get(), "SELECT count(*) FROM t").value();
}

void CheckMoved(const std::string& state, const std::string& meter) {
  for (const std::string suffix : {"", "-wal", "-shm"}) BOOST_TEST(!StatOf(state + "/meter.db" + suffix).exists, suffix);
  Stat s = StatOf(meter + "/meter.db");
  BOOST_TEST(s.uid == 4242u);
  BOOST_TEST(s.gid == 4243u);
  BOOST_TEST(s.mode == 0600u);
  BOOST_TEST(Rows(meter + "/meter.db") == 2);
}

BOOST_AUTO_TEST_CASE(moves_an_older_versions_meter_db_and_gives_it_away) {
  TempDir dir;
  const std::string state = dir.File("state"), meter = dir.File("meter");
  BOOST_REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  MakeOldDb(state + "/meter.db");
  BOOST_REQUIRE(::chmod((state + "/meter.db").c_str(), 0600) == 0);
  auto r = PrepareMeterDir(state, meter, Owner{4242, 4243});
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  BOOST_TEST(r->moved);
  CheckMoved(state, meter);
  auto again = PrepareMeterDir(state, meter, Owner{4242, 4243});
  BOOST_TEST(!again->moved);
}

BOOST_AUTO_TEST_CASE(a_meter_db_still_open_elsewhere_is_not_moved) {
  TempDir dir;
  const std::string state = dir.File("state"), meter = dir.File("meter");
  BOOST_REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  {
    sqlite::DbHandle old_proxy = MakeOldDb(state + "/meter.db", /*keep_open=*/true);
    BOOST_TEST(FailsWith(PrepareMeterDir(state, meter, Owner{4242, 4243}), ErrorCode::kUnavailable,
                         "another process has it open"));
    BOOST_TEST(StatOf(state + "/meter.db").exists);
    BOOST_TEST(!StatOf(meter + "/meter.db").exists);
  }
  // Closed: moved, with what was in its -wal.
  auto r = PrepareMeterDir(state, meter, Owner{4242, 4243});
  BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
  CheckMoved(state, meter);
}

BOOST_AUTO_TEST_CASE(across_file_systems_it_is_copied_in_and_the_old_one_removed) {
  struct statfs a {}, b {};
  TempDir dir;  // under $TMPDIR
  std::string shm_tmpl = "/dev/shm/clawhive-meter-test-XXXXXX";
  BOOST_REQUIRE(::mkdtemp(shm_tmpl.data()) != nullptr);
  const std::string other = shm_tmpl;
  BOOST_REQUIRE(::statfs(dir.path.c_str(), &a) == 0 && ::statfs(other.c_str(), &b) == 0);
  struct stat sa {}, sb {};
  ::stat(dir.path.c_str(), &sa);
  ::stat(other.c_str(), &sb);
  if (sa.st_dev != sb.st_dev) {
    const std::string state = other, meter = dir.File("meter");
    MakeOldDb(state + "/meter.db");
    auto r = PrepareMeterDir(state, meter, Owner{4242, 4243});
    BOOST_REQUIRE_MESSAGE(r.ok(), Why(r));
    BOOST_TEST(r->moved);
    CheckMoved(state, meter);
    BOOST_TEST(StatOf(meter).mode == 0700u);
  } else {
    BOOST_TEST_MESSAGE("$TMPDIR and /dev/shm are one file system here: the copy path is not exercised");
  }
  std::error_code ec;
  std::filesystem::remove_all(other, ec);
}

BOOST_AUTO_TEST_CASE(an_existing_meter_db_in_the_new_place_wins_and_nothing_is_moved) {
  TempDir dir;
  const std::string state = dir.File("state"), meter = dir.File("meter");
  BOOST_REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  BOOST_REQUIRE(::mkdir(meter.c_str(), 0700) == 0);
  std::ofstream(state + "/meter.db") << "old";
  std::ofstream(meter + "/meter.db") << "new";
  auto r = PrepareMeterDir(state, meter, Owner{4242, 4243});
  BOOST_TEST(!r->moved);
  BOOST_TEST(Read(meter + "/meter.db") == "new");
  BOOST_TEST(Read(state + "/meter.db") == "old");
}

BOOST_AUTO_TEST_CASE(roots_new_database_in_another_users_directory_is_that_users_and_so_are_wal_and_shm) {
  BOOST_REQUIRE(::geteuid() == 0);  // the rule is about root (the supervisor); unit tests run as root
  TempDir dir;
  const std::string meter = dir.File("meter");
  BOOST_REQUIRE(PrepareMeterDir(dir.File("state"), meter, Owner{4242, 4243}).ok());
  {
    auto ledger = Ledger::Open(meter + "/meter.db");
    BOOST_REQUIRE_MESSAGE(ledger.ok(), Why(ledger));
    for (const std::string suffix : {"", "-wal", "-shm"}) {
      Stat s = StatOf(meter + "/meter.db" + suffix);
      BOOST_TEST(s.exists, suffix);
      BOOST_TEST(s.uid == 4242u, suffix);
      BOOST_TEST(s.gid == 4243u, suffix);
      BOOST_TEST(s.mode == 0600u, suffix);
    }
  }
  // In root's own directory it stays root's.
  BOOST_REQUIRE(sqlite::CreateOwnerOnly(dir.File("mine.db")).ok());
  BOOST_TEST(StatOf(dir.File("mine.db")).uid == 0u);
  BOOST_TEST(StatOf(dir.File("mine.db")).mode == 0600u);
  // An existing file is left as it is.
  BOOST_REQUIRE(::chown(dir.File("mine.db").c_str(), 4242, 4243) == 0);
  BOOST_REQUIRE(sqlite::CreateOwnerOnly(dir.File("mine.db")).ok());
  BOOST_TEST(StatOf(dir.File("mine.db")).uid == 4242u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::meter
