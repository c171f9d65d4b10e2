#include "supervisor/api/router.h"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "supervisor/api/auth.h"

namespace clawhive::api {
namespace {

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
  for (const char* bad : {"", "v1/tenants", "http://host/v1", "*", "/%", "/%4", "/%zz", "/%g0"})
    BOOST_TEST(!SplitPath(bad).ok(), bad);
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
  BOOST_TEST(!ParseQuery("a=%").ok());
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

// ---- authorizer ----

BOOST_AUTO_TEST_CASE(only_the_exact_bearer_token_grants_operator_access) {
  Authorizer auth("s3cret-token-value");
  auto access = [&](const char* header) {
    std::string h = header;
    return auth.Authenticate(&h).access;
  };
  BOOST_TEST((access("Bearer s3cret-token-value") == Access::kOperator));
  BOOST_TEST((access("bearer s3cret-token-value") == Access::kOperator));
  BOOST_TEST((access("Bearer \t s3cret-token-value  ") == Access::kOperator));
  for (const char* bad : {"Bearer s3cret-token-valu", "Bearer s3cret-token-value2", "Bearer", "Bearer ", "Bearers3cret-token-value",
                          "Basic s3cret-token-value", "s3cret-token-value", "", "Bearer S3CRET-TOKEN-VALUE"})
    BOOST_TEST((access(bad) == Access::kPublic), bad);
}

BOOST_AUTO_TEST_CASE(a_missing_header_is_told_apart_from_a_wrong_one) {
  Authorizer auth("s3cret-token-value");
  BOOST_TEST(!auth.Authenticate(nullptr).credentials_presented);
  std::string wrong = "Bearer nope";
  BOOST_TEST(auth.Authenticate(&wrong).credentials_presented);
}

BOOST_AUTO_TEST_CASE(access_levels_are_ordered) {
  BOOST_TEST(Authorizer::Permits(Access::kOperator, Access::kPublic));
  BOOST_TEST(Authorizer::Permits(Access::kOperator, Access::kOperator));
  BOOST_TEST(Authorizer::Permits(Access::kPublic, Access::kPublic));
  BOOST_TEST(!Authorizer::Permits(Access::kPublic, Access::kOperator));
}

BOOST_AUTO_TEST_SUITE_END()  // router
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace clawhive::api
