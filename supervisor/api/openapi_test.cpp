// docs/openapi.yaml is the API's contract: it and the server's route table must list exactly the same
// operations, with the same access and the same query parameters.
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "supervisor/api/routes.h"
#include "unit/fake_secret_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/openapi_doc.h"
#include "unit/temp_identity.h"

namespace clawhive::api {
namespace {

using testing::ShapeOf;

struct Entry {
  std::string access;
  std::vector<std::string> query;
};

std::map<std::string, Entry> ServerOperations(testing::TempIdentity& ids, testing::FakeTenantService& tenants,
                                              testing::FakeSecretService& secrets) {
  RouteContext ctx{tenants, &secrets, *ids.identity, ids.audit.get(), {}, "", testing::NowMs};
  Router router;
  AddAllRoutes(router, ctx);
  std::map<std::string, Entry> out;
  for (const Route* r : router.routes()) {
    std::vector<std::string> q = r->query;
    std::sort(q.begin(), q.end());
    BOOST_TEST(out.count(r->method + " " + ShapeOf(r->pattern)) == 0u, "route added twice: " << r->pattern);
    out[r->method + " " + ShapeOf(r->pattern)] = {ToString(r->access), q};
  }
  return out;
}

BOOST_AUTO_TEST_SUITE(openapi_contract)

BOOST_AUTO_TEST_CASE(every_documented_operation_exists_with_its_access_and_no_route_is_undocumented) {
  testing::TempIdentity ids("openapi-test-token-0123456789abcdef0123");
  testing::FakeTenantService tenants;
  testing::FakeSecretService secrets;
  std::map<std::string, Entry> server = ServerOperations(ids, tenants, secrets);
  std::set<std::string> documented;
  for (const testing::DocOperation& op : testing::LoadOpenApi()) {
    std::string key = op.method + " " + ShapeOf(op.path);
    documented.insert(key);
    auto it = server.find(key);
    if (it == server.end()) {
      BOOST_ERROR("documented but not served: " << key);
      continue;
    }
    BOOST_TEST(op.access == it->second.access, key << ": documented " << op.access << ", served " << it->second.access);
    BOOST_TEST(op.query == it->second.query, key << ": query parameters differ");
    BOOST_TEST(op.declares_no_security == (op.access == "public"), key << ": security: [] iff public");
  }
  for (const auto& [key, entry] : server) BOOST_TEST(documented.count(key) == 1u, "served but not documented: " << key);
  BOOST_TEST(documented.size() == server.size());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::api
