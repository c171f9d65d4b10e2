// The audit log on its SQLite file (supervisor/audit/audit_log.h): appends, paging, pruning, reopening,
// and refusing a file that is not an audit log.
#include "supervisor/audit/audit_log.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/common/sqlite_test_util.h"
#include "unit/fails_with.h"

namespace clawhive::audit {
namespace {

using sqlite_test::TempDir;

std::unique_ptr<AuditLog> MustOpen(const std::string& path, int64_t keep = 200000) {
  Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(path, keep);
  BOOST_REQUIRE_MESSAGE(log.ok(), "AuditLog::Open failed: " << sqlite_test::Why(log));
  return std::move(log).value();
}

AuditEntry Entry(const std::string& tenant, int status = 200) {
  return {0, 1700000000000, "alice", "operator", tenant, "POST /v1/tenants", "/v1/tenants", "10.0.0.1", status, "ok"};
}

BOOST_AUTO_TEST_SUITE(audit)

BOOST_AUTO_TEST_CASE(entries_come_back_newest_first_filtered_and_paged) {
  TempDir dir;
  auto log = MustOpen(dir.File("audit.db"));
  for (const char* tenant : {"acme", "beta", "acme"}) BOOST_REQUIRE(log->Append(Entry(tenant)).ok());
  Result<std::vector<AuditEntry>> all = log->Query({});
  BOOST_REQUIRE(all.ok());
  BOOST_REQUIRE_EQUAL(all->size(), 3u);
  BOOST_TEST((*all)[0].id == 3);
  BOOST_TEST((*all)[0].actor == "alice");
  Result<std::vector<AuditEntry>> acme = log->Query({.limit = 100, .before_id = 3, .tenant = "acme"});
  BOOST_REQUIRE(acme.ok());
  BOOST_REQUIRE_EQUAL(acme->size(), 1u);
  BOOST_TEST((*acme)[0].id == 1);
}

BOOST_AUTO_TEST_CASE(entries_survive_reopening_and_the_file_is_owner_only) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  { BOOST_REQUIRE(MustOpen(path)->Append(Entry("acme")).ok()); }
  BOOST_TEST(sqlite_test::ModeOf(path) == 0600u);
  Result<std::vector<AuditEntry>> back = MustOpen(path)->Query({});
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(back->size() == 1u);
}

BOOST_AUTO_TEST_CASE(old_entries_are_pruned_past_keep) {
  TempDir dir;
  auto log = MustOpen(dir.File("audit.db"), /*keep=*/10);
  for (int i = 0; i < 1000; ++i) BOOST_REQUIRE(log->Append(Entry("acme")).ok());  // the 1000th prunes
  Result<std::vector<AuditEntry>> rest = log->Query({.limit = 1000});
  BOOST_REQUIRE(rest.ok());
  BOOST_TEST(rest->size() == 10u);
}

BOOST_AUTO_TEST_CASE(another_database_is_refused) {
  TempDir dir;
  const std::string path = dir.File("other.db");
  sqlite_test::MustExec(sqlite_test::RawOpen(path).get(), "CREATE TABLE photos (x)");
  BOOST_TEST(testing::FailsWith(AuditLog::Open(path), ErrorCode::kConflict, "not a Clawhive audit log"));
  BOOST_TEST(sqlite_test::MustInt(sqlite_test::RawOpen(path).get(), "PRAGMA user_version") == 0);  // untouched
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::audit
