#include "supervisor/api/router.h"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "supervisor/api/auth.h"
#include "supervisor/api/authorize.h"
#include "unit/fails_with.h"

namespace clawhive::api {
namespace {

using clawhive::testing::FailsWith;

std::vector<std::string> Split(const std::string& path) {
  Result<std::vector<std::string>> r = SplitPath(path);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

Router SampleRouter() {
  Router r;
  auto ok = [](const ApiCall&) { return ApiReply(); };
  r.Add({"GET", "/v1/tenants", Access::kOperator, BodyKind::kNone, {}, ok});
  r.Add({"POST", "/v1/tenants", Access::kOperator, BodyKind::kJson, {}, ok});
  r.Add({"GET", "/v1/tenants/{id}", Access::kOperator, BodyKind::kNone, {}, ok});
  r.Add({"DELETE", "/v1/tenants/{id}", Access::kOperator, BodyKind::kNone, {"workspace"}, ok});
  r.Add({"POST", "/v1/tenants/{id}/start", Access::kOperator, BodyKind::kNone, {}, ok});
  r.Add({"GET", "/v1/health", Access::kPublic, BodyKind::kNone, {}, ok});
  return r;
}

using Outcome = Router::Resolution::Outcome;

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(paths_split_before_decoding_so_an_encoded_slash_stays_in_its_segment) {
  BOOST_TEST(Split("/v1/tenants/a%2Fb") == (std::vector<std::string>{"v1", "tenants", "a/b"}),
             boost::test_tools::per_element());
  BOOST_TEST(Split("/") == std::vector<std::string>{}, boost::test_tools::per_element());
  BOOST_TEST(Split("/a/") == (std::vector<std::string>{"a", ""}), boost::test_tools::per_element());
  BOOST_TEST(Split("/x%00y%0A").at(0) == std::string("x\0y\n", 4));
  BOOST_TEST(Split("/a+b%20c").at(0) == "a+b c");
}

BOOST_AUTO_TEST_CASE(bad_paths_and_escapes_are_errors) {
  for (const char* bad : {"", "v1/tenants", "http://host/v1", "*"})
    BOOST_TEST(FailsWith(SplitPath(bad), ErrorCode::kInvalidArgument, "the request target must be a path"), bad);
  for (const char* bad : {"/%", "/%4", "/%zz", "/%g0"})
    BOOST_TEST(FailsWith(SplitPath(bad), ErrorCode::kInvalidArgument, "malformed percent-encoding"), bad);
}

BOOST_AUTO_TEST_CASE(query_strings_are_decoded_pairs) {
  Result<QueryParams> q = ParseQuery("limit=5&&workspace=re%6Dove&flag&empty=");
  BOOST_REQUIRE(q.ok());
  BOOST_REQUIRE_EQUAL(q->size(), 4u);
  BOOST_TEST((*q)[0].first == "limit");
  BOOST_TEST((*q)[0].second == "5");
  BOOST_TEST((*q)[1].second == "remove");
  BOOST_TEST((*q)[2].first == "flag");
  BOOST_TEST((*q)[2].second == "");
  BOOST_TEST((*q)[3].second == "");
  BOOST_TEST(ParseQuery("").value().empty());
  BOOST_TEST(FailsWith(ParseQuery("a=%"), ErrorCode::kInvalidArgument, "malformed percent-encoding"));
}

BOOST_AUTO_TEST_CASE(a_matching_route_yields_its_placeholders) {
  Router r = SampleRouter();
  Router::Resolution res = r.Resolve("POST", Split("/v1/tenants/a%20b/start"));
  BOOST_REQUIRE((res.outcome == Outcome::kFound));
  BOOST_TEST(res.route->pattern == "/v1/tenants/{id}/start");
  BOOST_TEST(res.params == std::vector<std::string>{"a b"}, boost::test_tools::per_element());
  BOOST_TEST((r.Resolve("GET", Split("/v1/health")).route->access == Access::kPublic));
}

BOOST_AUTO_TEST_CASE(a_known_path_with_another_method_lists_the_allowed_ones) {
  Router r = SampleRouter();
  Router::Resolution res = r.Resolve("PUT", Split("/v1/tenants/x"));
  BOOST_TEST((res.outcome == Outcome::kMethodNotAllowed));
  BOOST_TEST(res.allowed == (std::vector<std::string>{"GET", "DELETE"}), boost::test_tools::per_element());
  BOOST_TEST(res.route == nullptr);
}

BOOST_AUTO_TEST_CASE(an_unknown_path_is_not_found) {
  Router r = SampleRouter();
  for (const char* path : {"/", "/v1", "/v1/tenants/x/stop", "/v1/tenants/x/start/y", "/V1/tenants"})
    BOOST_TEST((r.Resolve("GET", Split(path)).outcome == Outcome::kNotFound), path);
}

BOOST_AUTO_TEST_CASE(literal_segments_compare_after_decoding_and_methods_are_case_sensitive) {
  Router r = SampleRouter();
  BOOST_TEST((r.Resolve("GET", Split("/v1/%74enants")).outcome == Outcome::kFound));
  BOOST_TEST((r.Resolve("get", Split("/v1/tenants")).outcome == Outcome::kMethodNotAllowed));
}

BOOST_AUTO_TEST_CASE(a_rest_placeholder_takes_zero_or_more_segments_but_never_an_encoded_slash) {
  Router r;
  auto ok = [](const ApiCall&) { return ApiReply(); };
  r.Add({"GET", "/v1/tenants/{id}/ui/{path...}", Access::kTenantRead, BodyKind::kNone, {}, ok});
  auto params = [&](const char* path) { return r.Resolve("GET", Split(path)).params; };
  BOOST_TEST(params("/v1/tenants/t/ui") == (std::vector<std::string>{"t", ""}), boost::test_tools::per_element());
  BOOST_TEST(params("/v1/tenants/t/ui/") == (std::vector<std::string>{"t", "/"}), boost::test_tools::per_element());
  BOOST_TEST(params("/v1/tenants/t/ui/a/b%20c") == (std::vector<std::string>{"t", "/a/b c"}), boost::test_tools::per_element());
  BOOST_TEST((r.Resolve("GET", Split("/v1/tenants/t/ui/a%2Fb")).outcome == Outcome::kNotFound));
  BOOST_TEST((r.Resolve("GET", Split("/v1/tenants/t")).outcome == Outcome::kNotFound));
  BOOST_CHECK_THROW(r.Add({"GET", "/v1/{rest...}/x", Access::kOperator, BodyKind::kNone, {}, ok}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(malformed_patterns_are_programming_errors) {
  Router r;
  auto ok = [](const ApiCall&) { return ApiReply(); };
  BOOST_CHECK_THROW(r.Add({"GET", "v1/x", Access::kOperator, BodyKind::kNone, {}, ok}), std::invalid_argument);
  BOOST_CHECK_THROW(r.Add({"GET", "/v1//x", Access::kOperator, BodyKind::kNone, {}, ok}), std::invalid_argument);
  BOOST_CHECK_THROW(r.Add({"GET", "/v1/{id", Access::kOperator, BodyKind::kNone, {}, ok}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(error_codes_map_to_http_statuses_and_names) {
  BOOST_TEST(HttpStatusFor(ErrorCode::kInvalidArgument) == 400);
  BOOST_TEST(HttpStatusFor(ErrorCode::kNotFound) == 404);
  BOOST_TEST(HttpStatusFor(ErrorCode::kAlreadyExists) == 409);
  BOOST_TEST(HttpStatusFor(ErrorCode::kConflict) == 409);
  BOOST_TEST(HttpStatusFor(ErrorCode::kUnauthorized) == 401);
  BOOST_TEST(HttpStatusFor(ErrorCode::kTooLarge) == 413);
  BOOST_TEST(HttpStatusFor(ErrorCode::kUnavailable) == 503);
  BOOST_TEST(HttpStatusFor(ErrorCode::kInternal) == 500);
  ApiReply reply = ApiReply::Fail(Error::NotFound("no tenant 'x\"y'"));
  BOOST_TEST(reply.status == 404);
  BOOST_TEST(reply.body == R"({"error":{"code":"not_found","message":"no tenant 'x\"y'"}})");
}

// ---- authentication header and the authorization table ----

BOOST_AUTO_TEST_CASE(only_a_well_formed_bearer_header_yields_a_token) {
  auto token = [](const char* h) { auto t = BearerToken(h); return t ? std::string(*t) : std::string("<none>"); };
  BOOST_TEST(token("Bearer s3cret") == "s3cret");
  BOOST_TEST(token("bearer s3cret") == "s3cret");
  BOOST_TEST(token("Bearer \t s3cret  ") == "s3cret");
  for (const char* bad : {"Bearer", "Bearer ", "Bearers3cret", "Basic s3cret", "s3cret", ""})
    BOOST_TEST(token(bad) == "<none>", bad);
}

BOOST_AUTO_TEST_CASE(the_authorization_table_holds_for_every_role_and_tenant) {
  auth::Principal op{"root", auth::Role::kOperator, "", 0};
  auth::Principal admin{"ann", auth::Role::kTenantAdmin, "acme", 0};
  auth::Principal viewer{"vic", auth::Role::kTenantViewer, "acme", 0};
  const std::vector<std::string> own = {"acme"}, other = {"globex"};
  using D = Decision;
  struct Row { Access access; const auth::Principal* who; std::vector<std::string> params; D want; };
  const std::vector<Row> rows = {
      {Access::kPublic, nullptr, {}, D::kAllow},          {Access::kAuthenticated, nullptr, {}, D::kUnauthenticated},
      {Access::kOperator, nullptr, {}, D::kUnauthenticated}, {Access::kTenantRead, nullptr, own, D::kUnauthenticated},
      {Access::kAuthenticated, &viewer, {}, D::kAllow},   {Access::kOperator, &op, {}, D::kAllow},
      {Access::kOperator, &admin, {}, D::kForbidden},     {Access::kOperator, &viewer, {}, D::kForbidden},
      {Access::kTenantRead, &op, other, D::kAllow},       {Access::kTenantWrite, &op, other, D::kAllow},
      {Access::kTenantRead, &admin, own, D::kAllow},      {Access::kTenantWrite, &admin, own, D::kAllow},
      {Access::kTenantRead, &admin, other, D::kHidden},   {Access::kTenantWrite, &admin, other, D::kHidden},
      {Access::kTenantRead, &viewer, own, D::kAllow},     {Access::kTenantWrite, &viewer, own, D::kForbidden},
      {Access::kTenantRead, &viewer, other, D::kHidden},  {Access::kTenantWrite, &viewer, other, D::kHidden},
      {Access::kTenantRead, &admin, {}, D::kHidden},
  };
  for (const Row& r : rows)
    BOOST_TEST((Authorize(r.who, r.access, r.params) == r.want),
               ToString(r.access) << " by " << (r.who ? r.who->user : "anonymous"));
}

BOOST_AUTO_TEST_CASE(tenant_scoped_routes_must_name_the_tenant_first) {
  Router r;
  auto h = [](const ApiCall&) { return ApiReply{}; };
  BOOST_CHECK_THROW(r.Add({"GET", "/v1/users/{id}", Access::kTenantRead, BodyKind::kNone, {}, h}), std::invalid_argument);
  BOOST_CHECK_NO_THROW(r.Add({"GET", "/v1/tenants/{id}/x", Access::kTenantRead, BodyKind::kNone, {}, h}));
}

BOOST_AUTO_TEST_SUITE_END()  // router
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace clawhive::api
