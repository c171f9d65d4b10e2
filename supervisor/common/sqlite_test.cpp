// The shared SQLite layer (supervisor/common/sqlite.h): opening our files, transactions, the statement
// cache and migrations, on a small database of its own ("test database", application_id "TEST").
#include "supervisor/common/sqlite.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/common/sqlite_test_util.h"
#include "unit/fails_with.h"

namespace clawhive::sqlite {
namespace {

using sqlite_test::MustExec;
using sqlite_test::MustInt;
using sqlite_test::RawOpen;
using sqlite_test::TempDir;
using sqlite_test::Why;
using testing::FailsWith;

constexpr int32_t kTestApplicationId = 0x54455354;  // "TEST"
constexpr Migration kMigrations[] = {
    {1, "PRAGMA application_id = 1413829460; CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL) STRICT;"},
    {2, "ALTER TABLE notes ADD COLUMN tag TEXT NOT NULL DEFAULT '';"},
};
static_assert(NumberedConsecutively(kMigrations));
static_assert(!NumberedConsecutively(std::span<const Migration>(kMigrations).last(1)));

DatabaseSpec Spec(OpenMode mode = OpenMode::kCreate, std::span<const Migration> migrations = kMigrations) {
  return {.what = "test database", .application_id = kTestApplicationId, .migrations = migrations, .mode = mode};
}

DbHandle MustOpenDb(const std::string& path, const DatabaseSpec& spec = Spec()) {
  Result<DbHandle> db = OpenDatabase(path, spec);
  BOOST_REQUIRE_MESSAGE(db.ok(), "OpenDatabase failed: " << Why(db));
  return std::move(db).value();
}

int64_t Notes(sqlite3* db) { return MustInt(db, "SELECT count(*) FROM notes"); }

BOOST_AUTO_TEST_SUITE(common_sqlite)

BOOST_AUTO_TEST_CASE(a_new_file_is_created_owner_only_in_wal_mode_at_the_latest_schema) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  DbHandle db = MustOpenDb(path);
  BOOST_TEST(sqlite_test::ModeOf(path) == 0600u);
  BOOST_TEST(MustInt(db.get(), "PRAGMA application_id") == kTestApplicationId);
  BOOST_TEST(MustInt(db.get(), "PRAGMA user_version") == 2);
  BOOST_TEST(QueryText(db.get(), "PRAGMA journal_mode").value() == "wal");
}

BOOST_AUTO_TEST_CASE(reopening_applies_only_the_migrations_that_are_new) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  {
    DbHandle v1 = MustOpenDb(path, Spec(OpenMode::kCreate, std::span<const Migration>(kMigrations).first(1)));
    MustExec(v1.get(), "INSERT INTO notes (text) VALUES ('kept')");
  }
  DbHandle v2 = MustOpenDb(path, Spec(OpenMode::kReadWrite));
  BOOST_TEST(MustInt(v2.get(), "PRAGMA user_version") == 2);
  BOOST_TEST(MustInt(v2.get(), "SELECT count(*) FROM notes WHERE text = 'kept' AND tag = ''") == 1);
}

BOOST_AUTO_TEST_CASE(a_symlink_in_place_of_the_file_is_refused_naming_it) {
  TempDir dir;
  const std::string real = dir.File("real.db");
  { MustOpenDb(real); }
  const std::string link = dir.File("link.db");
  BOOST_REQUIRE_EQUAL(::symlink(real.c_str(), link.c_str()), 0);
  for (OpenMode mode : {OpenMode::kCreate, OpenMode::kReadWrite, OpenMode::kReadOnly}) {
    BOOST_TEST(FailsWith(OpenDatabase(link, Spec(mode)), ErrorCode::kConflict,
                         "test database " + link + " is a symbolic link; refusing to use it"));
  }
  const std::string dangling = dir.File("dangling.db");
  BOOST_REQUIRE_EQUAL(::symlink(dir.File("absent.db").c_str(), dangling.c_str()), 0);
  BOOST_TEST(FailsWith(OpenDatabase(dangling, Spec()), ErrorCode::kConflict, "is a symbolic link"));
  BOOST_TEST(::access(dir.File("absent.db").c_str(), F_OK) != 0);  // nothing was created through it
}

BOOST_AUTO_TEST_CASE(another_application_id_is_refused_and_the_file_left_alone) {
  TempDir dir;
  const std::string path = dir.File("other.db");
  {
    DbHandle raw = RawOpen(path);
    MustExec(raw.get(), "PRAGMA application_id = 42; CREATE TABLE photos (x)");
  }
  BOOST_TEST(FailsWith(OpenDatabase(path, Spec()), ErrorCode::kConflict,
                       "test database " + path + " is an SQLite database but not a Clawhive test database"));
  DbHandle raw = RawOpen(path);
  BOOST_TEST(MustInt(raw.get(), "PRAGMA user_version") == 0);  // not migrated
}

BOOST_AUTO_TEST_CASE(a_newer_schema_is_refused) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  MustExec(MustOpenDb(path).get(), "PRAGMA user_version = 9");  // as a newer program would leave it
  BOOST_TEST(FailsWith(OpenDatabase(path, Spec()), ErrorCode::kConflict,
                       "has schema 9, newer than this program (2); upgrade Clawhive"));
}

BOOST_AUTO_TEST_CASE(read_write_and_read_only_need_an_existing_initialised_file) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  BOOST_TEST(FailsWith(OpenDatabase(path, Spec(OpenMode::kReadWrite)), ErrorCode::kNotFound, "does not exist"));
  BOOST_TEST(FailsWith(OpenDatabase(path, Spec(OpenMode::kReadOnly)), ErrorCode::kNotFound, "does not exist"));
  BOOST_TEST(::access(path.c_str(), F_OK) != 0);
  { RawOpen(path); }  // an empty file
  BOOST_TEST(FailsWith(OpenDatabase(path, Spec(OpenMode::kReadOnly)), ErrorCode::kNotFound, "is empty"));
}

BOOST_AUTO_TEST_CASE(read_only_migrates_nothing_and_refuses_an_older_schema) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  { MustOpenDb(path, Spec(OpenMode::kCreate, std::span<const Migration>(kMigrations).first(1))); }
  BOOST_TEST(FailsWith(OpenDatabase(path, Spec(OpenMode::kReadOnly)), ErrorCode::kUnavailable,
                       "has schema 1, not 2; its owner migrates it"));
  DbHandle raw = RawOpen(path);
  BOOST_TEST(MustInt(raw.get(), "PRAGMA user_version") == 1);
}

BOOST_AUTO_TEST_CASE(owner_only_refuses_a_file_open_to_the_group_naming_its_mode) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  { MustOpenDb(path); }
  BOOST_REQUIRE_EQUAL(::chmod(path.c_str(), 0640), 0);
  DatabaseSpec strict = Spec();
  strict.owner_only = true;
  BOOST_TEST(FailsWith(OpenDatabase(path, strict), ErrorCode::kUnavailable, path + " has mode 0640"));
  BOOST_TEST(OpenDatabase(path, Spec()).ok());  // without the check it opens
}

BOOST_AUTO_TEST_CASE(a_transaction_rolls_back_when_it_goes_out_of_scope_without_commit) {
  TempDir dir;
  DbHandle db = MustOpenDb(dir.File("t.db"));
  {
    Result<Transaction> tx = Transaction::Begin(db.get());
    BOOST_REQUIRE(tx.ok());
    MustExec(db.get(), "INSERT INTO notes (text) VALUES ('lost')");
  }
  BOOST_TEST(Notes(db.get()) == 0);
  BOOST_TEST(sqlite3_get_autocommit(db.get()) != 0);  // no transaction left open
}

BOOST_AUTO_TEST_CASE(a_committed_transaction_stays_and_commits_only_once) {
  TempDir dir;
  DbHandle db = MustOpenDb(dir.File("t.db"));
  {
    Result<Transaction> tx = Transaction::Begin(db.get(), TxLock::kDeferred);
    BOOST_REQUIRE(tx.ok());
    MustExec(db.get(), "INSERT INTO notes (text) VALUES ('kept')");
    Transaction moved(std::move(*tx));
    BOOST_TEST(FailsWith(tx->commit(), ErrorCode::kInternal, "moved from"));
    BOOST_TEST(moved.commit().ok());
    BOOST_TEST(FailsWith(moved.commit(), ErrorCode::kInternal, "already committed"));
  }
  BOOST_TEST(Notes(db.get()) == 1);
}

BOOST_AUTO_TEST_CASE(transactions_do_not_nest) {
  TempDir dir;
  DbHandle db = MustOpenDb(dir.File("t.db"));
  Result<Transaction> outer = Transaction::Begin(db.get());
  BOOST_REQUIRE(outer.ok());
  BOOST_TEST(FailsWith(Transaction::Begin(db.get()), ErrorCode::kConflict, "do not nest"));
  MustExec(db.get(), "INSERT INTO notes (text) VALUES ('kept')");
  BOOST_TEST(outer->commit().ok());  // the refused Begin did not disturb the outer one
  BOOST_TEST(Notes(db.get()) == 1);
}

BOOST_AUTO_TEST_CASE(an_immediate_transaction_holds_the_write_lock_from_the_start) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  DbHandle first = MustOpenDb(path);
  DatabaseSpec impatient = Spec();
  impatient.busy_timeout_ms = 0;
  DbHandle second = MustOpenDb(path, impatient);
  Result<Transaction> writer = Transaction::Begin(first.get(), TxLock::kImmediate);
  BOOST_REQUIRE(writer.ok());
  BOOST_TEST(FailsWith(Transaction::Begin(second.get(), TxLock::kImmediate), ErrorCode::kUnavailable, "locked"));
  Result<Transaction> reader = Transaction::Begin(second.get(), TxLock::kDeferred);
  BOOST_TEST(reader.ok());  // WAL: readers go on
}

BOOST_AUTO_TEST_CASE(in_transaction_rolls_back_when_the_body_fails) {
  TempDir dir;
  DbHandle db = MustOpenDb(dir.File("t.db"));
  Status s = InTransaction(db.get(), [&]() -> Status {
    MustExec(db.get(), "INSERT INTO notes (text) VALUES ('lost')");
    return Error::Invalid("no");
  });
  BOOST_TEST(FailsWith(s, ErrorCode::kInvalidArgument, "no"));
  BOOST_TEST(Notes(db.get()) == 0);
  BOOST_TEST(InTransaction(db.get(), [&]() { return Exec(db.get(), "INSERT INTO notes (text) VALUES ('kept')"); }).ok());
  BOOST_TEST(Notes(db.get()) == 1);
}

BOOST_AUTO_TEST_CASE(the_statement_cache_reuses_a_statement_per_sql_text) {
  TempDir dir;
  DbHandle db = MustOpenDb(dir.File("t.db"));
  MustExec(db.get(), "INSERT INTO notes (text) VALUES ('a'), ('b')");
  StatementCache cache(db.get());
  static const char kSelect[] = "SELECT text FROM notes ORDER BY id";
  Statement* first = nullptr;
  {
    Result<CachedStatement> st = cache.Get(kSelect);
    BOOST_REQUIRE(st.ok());
    first = &**st;
    BOOST_TEST((*st)->Step().value());
    BOOST_TEST((*st)->ColumnText(0) == "a");
  }  // left half-read: the borrow's end resets it
  Result<CachedStatement> again = cache.Get(kSelect);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(&**again == first);
  BOOST_TEST((*again)->Step().value());
  BOOST_TEST((*again)->ColumnText(0) == "a");  // from the start again
  BOOST_TEST(cache.size() == 1u);
  BOOST_TEST(cache.Get("SELECT count(*) FROM notes").ok());
  BOOST_TEST(cache.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_borrowed_statement_keeps_no_read_snapshot_after_its_borrow) {
  TempDir dir;
  const std::string path = dir.File("t.db");
  DbHandle db = MustOpenDb(path);
  MustExec(db.get(), "INSERT INTO notes (text) VALUES ('a'), ('b')");
  StatementCache cache(db.get());
  {
    Result<CachedStatement> st = cache.Get("SELECT text FROM notes");
    BOOST_REQUIRE(st.ok());
    BOOST_TEST((*st)->Step().value());
  }
  DbHandle other = RawOpen(path);
  MustExec(other.get(), "INSERT INTO notes (text) VALUES ('c')");
  Result<CachedStatement> count = cache.Get("SELECT count(*) FROM notes");
  BOOST_REQUIRE(count.ok());
  BOOST_TEST((*count)->Step().value());
  BOOST_TEST((*count)->ColumnInt64(0) == 3);  // sees the other connection's commit
}

BOOST_AUTO_TEST_CASE(migrations_out_of_order_are_refused) {
  TempDir dir;
  DbHandle raw = RawOpen(dir.File("t.db"));
  const Migration gap[] = {{1, "CREATE TABLE a (x)"}, {3, "CREATE TABLE c (x)"}};
  BOOST_TEST(FailsWith(ApplyMigrations(raw.get(), gap), ErrorCode::kInternal, "not numbered consecutively"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::sqlite
