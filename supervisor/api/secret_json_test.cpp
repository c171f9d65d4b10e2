#include "supervisor/api/secret_json.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

#include "unit/fails_with.h"

namespace clawhive::api {
namespace {

using clawhive::testing::FailsWith;

JsonValue Parse(const std::string& text) {
  Result<JsonValue> j = ParseJson(text);
  BOOST_REQUIRE_MESSAGE(j.ok(), text);
  return std::move(*j);
}

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(secret_json)

BOOST_AUTO_TEST_CASE(secret_names_are_environment_variable_names) {
  for (const char* ok : {"A", "_", "OPENAI_API_KEY", "X1", "_9"}) BOOST_TEST(CheckSecretName(ok).ok(), ok);
  BOOST_TEST(CheckSecretName(std::string(128, 'A')).ok());
  BOOST_TEST(FailsWith(CheckSecretName(""), ErrorCode::kInvalidArgument, "secret name is empty"));
  BOOST_TEST(FailsWith(CheckSecretName(std::string(129, 'A')), ErrorCode::kInvalidArgument, "is too long"));
  for (const std::string& bad : {std::string("lower"), std::string("A=B"), std::string("9A"), std::string("../X"),
                                std::string("A B"), std::string("A\0B", 3), std::string("\xc3\x89T\xc3\x89")})
    BOOST_TEST(FailsWith(CheckSecretName(bad), ErrorCode::kInvalidArgument, "is not valid"), bad);
  // The message quotes the name made printable and short, never raw control bytes.
  Status s = CheckSecretName(std::string("A\nB", 3));
  BOOST_TEST(s.error().message.find('\n') == std::string::npos);
  BOOST_TEST(CheckSecretName(std::string(200, 'Q')).error().message.find(std::string(40, 'Q')) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_value_is_moved_out_of_the_document_without_a_copy) {
  JsonValue body = Parse(R"({"value":"a long enough secret value, no small-string copy"})");
  const char* where = body.Find("value")->string().data();
  Result<SecretValue> v = TakeSecretValue(&body);
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(v->view() == "a long enough secret value, no small-string copy");
  BOOST_TEST(static_cast<const void*>(v->view().data()) == static_cast<const void*>(where));
  BOOST_TEST(body.Find("value")->string().empty());
}

BOOST_AUTO_TEST_CASE(escapes_are_decoded) {
  JsonValue body = Parse(R"({"value":"a\u00e9\"b\\c\/d\te\ud83d\ude00"})");
  Result<SecretValue> v = TakeSecretValue(&body);
  BOOST_REQUIRE(v.ok());
  BOOST_TEST(v->view() == "a\xc3\xa9\"b\\c/d\te\xf0\x9f\x98\x80");
}

BOOST_AUTO_TEST_CASE(bad_bodies_are_refused_without_quoting_the_value) {
  const std::string kControl = "must not contain control characters";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {R"({})", "field 'value' is required"},
      {R"({"value":""})", "field 'value' must not be empty"},
      {R"({"value":123})", "field 'value' must be a string"},
      {R"({"value":null})", "field 'value' must be a string"},
      {R"({"value":["S3CRET-never-echo"]})", "field 'value' must be a string"},
      {R"({"value":{"v":"S3CRET-never-echo"}})", "field 'value' must be a string"},
      {R"({"value":"S3CRET-never-echo\u0000x"})", kControl},
      {R"({"value":"S3CRET-never-echo\nx"})", kControl},
      {R"({"value":"S3CRET-never-echo\r"})", kControl},
      {R"({"value":"S3CRET-never-echo\u001b[0m"})", kControl},
      {R"({"value":"S3CRET-never-echo\u007f"})", kControl},
      {R"({"value":"S3CRET-never-echo","extra":1})", "unknown field in the request body"},
      {R"({"S3CRET-never-echo":"x"})", "unknown field in the request body"},
      {R"("S3CRET-never-echo")", "request body must be a JSON object"},
      {R"(["S3CRET-never-echo"])", "request body must be a JSON object"},
  };
  for (const auto& [text, why] : refused) {
    JsonValue body = Parse(text);
    Result<SecretValue> v = TakeSecretValue(&body);
    BOOST_TEST(FailsWith(v, ErrorCode::kInvalidArgument, why), text);
    if (v.ok()) continue;
    BOOST_TEST(v.error().message.find("S3CRET") == std::string::npos, v.error().message);
    // Whatever was refused was taken out of the document too.
    if (body.is_object() && body.Find("value") && body.Find("value")->is_string())
      BOOST_TEST(body.Find("value")->string().empty());
  }
  BOOST_TEST(FailsWith(TakeSecretValue(nullptr), ErrorCode::kInvalidArgument, "must be a JSON object, got nothing"));
}

BOOST_AUTO_TEST_CASE(values_may_be_up_to_64_kib) {
  JsonValue max = Parse("{\"value\":\"" + std::string(kMaxSecretValueBytes, 'k') + "\"}");
  BOOST_TEST(TakeSecretValue(&max).ok());
  JsonValue over = Parse("{\"value\":\"" + std::string(kMaxSecretValueBytes + 1, 'k') + "\"}");
  Result<SecretValue> v = TakeSecretValue(&over);
  BOOST_TEST(FailsWith(v, ErrorCode::kInvalidArgument, "field 'value' is longer than 65536 bytes"));
  JsonValue tab = Parse(R"({"value":"a\tb"})");
  BOOST_TEST(TakeSecretValue(&tab).ok());
}

BOOST_AUTO_TEST_CASE(metadata_names_the_consuming_unit_for_tenants_only) {
  SecretInfo info;
  info.tenant = "acme-corp";
  info.name = "GITHUB_TOKEN";
  info.current_version = 2;
  info.created_at = 100;
  info.rotated_at = 200;
  info.versions = {{3, 300, "staged"}, {2, 200, "current"}, {1, 100, "retired"}};
  BOOST_TEST(SecretInfoToJson(info).Serialize() ==
             R"({"tenant":"acme-corp","name":"GITHUB_TOKEN","current_version":2,"created_at":100,"rotated_at":200,)"
             R"("versions":[{"version":3,"created_at":300,"state":"staged"},{"version":2,"created_at":200,)"
             R"("state":"current"},{"version":1,"created_at":100,"state":"retired"}],)"
             R"("consumers":["clawhive-agent@acme\\x2dcorp.service"]})");
  info.tenant = kPlatformScope;
  info.versions.clear();
  BOOST_TEST(SecretInfoToJson(info).Find("consumers")->items().empty());
  BOOST_TEST(SecretInfoToJson(info).Find("tenant")->string() == "_platform");
}

BOOST_AUTO_TEST_CASE(rotations_have_every_field) {
  RotationInfo r{7, "data-key", "acme", "running", 3, 10};
  BOOST_TEST(RotationToJson(r).Serialize() ==
             R"({"id":7,"kind":"data-key","target":"acme","state":"running","done":3,"total":10})");
}

BOOST_AUTO_TEST_CASE(json_wipe_clears_every_string_and_key) {
  JsonValue doc = Parse(R"({"value":"a secret of some length here","nested":[{"k":"another long secret string"}]})");
  doc.Wipe();
  BOOST_TEST(doc.Find("value") == nullptr);  // keys are wiped too
  for (const JsonValue::Member& m : doc.members()) BOOST_TEST(m.first.empty());
  BOOST_TEST(doc.members()[0].second.string().empty());
  BOOST_TEST(doc.members()[1].second.items()[0].members()[0].second.string().empty());
}

BOOST_AUTO_TEST_SUITE_END()  // secret_json
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace
}  // namespace clawhive::api
