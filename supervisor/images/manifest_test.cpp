// manifest.json: a round trip, and each field's hostile values refused with an error naming it.
#include "supervisor/images/manifest.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "unit/fails_with.h"

namespace clawhive::images {
namespace {

using clawhive::testing::FailsWith;

Manifest Good() {
  Manifest m;
  m.name = "openclaw";
  m.version = "2026.9.6";
  m.node_version = "24.21.0";
  m.content_sha256 = std::string(32, 'a') + std::string(32, '0');
  m.files = 41234;
  m.bytes = 871234567;
  m.node = "node/bin/node";
  m.entry = "openclaw/node_modules/openclaw/openclaw.mjs";
  m.built_at = "2026-09-30T12:00:00Z";
  return m;
}

// Good()'s JSON with the text `from` replaced by `to` (which must occur once).
std::string Edited(const std::string& from, const std::string& to) {
  std::string json = SerializeManifest(Good());
  size_t at = json.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos && json.find(from, at + 1) == std::string::npos, from);
  return json.replace(at, from.size(), to);
}

std::string Refusal(const std::string& json) {
  Result<Manifest> m = ParseManifest(json);
  BOOST_REQUIRE_MESSAGE(!m.ok(), "accepted: " << json);
  BOOST_TEST((m.error().code == ErrorCode::kInvalidArgument));
  return m.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_manifest)

BOOST_AUTO_TEST_CASE(serialize_then_parse_gives_the_same_manifest_and_its_id) {
  std::string json = SerializeManifest(Good());
  BOOST_TEST(json.find("{\n  \"format\": 1,\n  \"name\": \"openclaw\",\n") == 0u);
  BOOST_TEST(json.back() == '\n');
  Result<Manifest> m = ParseManifest(json);
  BOOST_REQUIRE(m.ok());
  BOOST_TEST(m->Id() == "openclaw-2026.9.6");
  BOOST_TEST(m->node_version == "24.21.0");
  BOOST_TEST(m->files == 41234u);
  BOOST_TEST(m->bytes == 871234567u);
  BOOST_TEST(m->entry == Good().entry);
  BOOST_TEST(SerializeManifest(*m) == json);
  Manifest broken = Good();
  broken.version = "2026.9.6-broken";  // a test build's own id
  BOOST_TEST(ValidateManifest(broken).ok());
  BOOST_TEST(broken.Id() == "openclaw-2026.9.6-broken");
}

BOOST_AUTO_TEST_CASE(each_bad_field_is_refused_with_a_clear_error) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Edited("\"format\": 1", "\"format\": 2"), "unsupported manifest format 2"},
      {Edited("\"format\": 1", "\"format\": \"1\""), "manifest field 'format': must be a non-negative integer, found string"},
      {Edited("\"openclaw\",", "\"OpenClaw\","), "manifest field 'name': must start with a lowercase letter"},
      {Edited("\"openclaw\",", "\"open claw\","), "manifest field 'name': only a-z"},
      {Edited("\"2026.9.6\"", "\"2026.9.6/../../etc\""), "manifest field 'version': only 0-9, A-Z, a-z, '.', '+' and '-'"},
      {Edited("\"2026.9.6\"", "\"..\""), "manifest field 'version': must start with a digit"},
      {Edited("\"2026.9.6\"", "\"2026..6\""), "manifest field 'version': must not contain '..'"},
      {Edited("\"2026.9.6\"", "\"\""), "manifest field 'version': must be 1-64 characters"},
      {Edited("\"2026.9.6\"", "\"" + std::string(65, '1') + "\""), "manifest field 'version': must be 1-64"},
      {Edited("\"24.21.0\"", "\"24.21.0 \""), "manifest field 'node_version': only 0-9"},
      {Edited("\"24.21.0\"", "24"), "manifest field 'node_version': must be a string, found integer"},
      {Edited(Good().content_sha256, std::string(63, 'a')), "manifest field 'content_sha256': must be 64 lowercase hex digits, found 63"},
      {Edited(Good().content_sha256, std::string(64, 'A')), "manifest field 'content_sha256': must be 64 lowercase hex"},
      {Edited(Good().content_sha256, std::string(63, 'a') + "g"), "manifest field 'content_sha256'"},
      {Edited("41234", "-1"), "manifest field 'files': must be a non-negative integer, found integer"},
      {Edited("871234567", "1.5"), "manifest field 'bytes': must be a non-negative integer, found number"},
      {Edited("\"node/bin/node\"", "\"/usr/bin/node\""), "manifest field 'node': must be relative to the image"},
      {Edited("\"node/bin/node\"", "\"node/../../../usr/bin/node\""), "manifest field 'node': must not have empty, '.' or '..'"},
      {Edited("\"node/bin/node\"", "\"node//node\""), "manifest field 'node': must not have empty"},
      {Edited("\"node/bin/node\"", "\"node/bin/\""), "manifest field 'node': must not have empty"},
      {Edited("\"node/bin/node\"", "\"node/bin/node\\n\""), "manifest field 'node': has a control character"},
      {Edited("\"node/bin/node\"", "\"manifest.json\""), "must name image content, not manifest.json"},
      {Edited("\"openclaw/node_modules/openclaw/openclaw.mjs\"", "\"./openclaw.mjs\""), "manifest field 'entry'"},
      {Edited("\"openclaw/node_modules/openclaw/openclaw.mjs\"", "\"\""), "manifest field 'entry': is empty"},
      {Edited("\"2026-09-30T12:00:00Z\"", "\"yesterday\""), "manifest field 'built_at': must be an RFC 3339 date-time"},
      {Edited("\"2026-09-30T12:00:00Z\"", "\"2026-02-30T12:00:00Z\""), "manifest field 'built_at'"},
      {Edited("\"2026-09-30T12:00:00Z\"", "\"2026-09-30 12:00:00\""), "manifest field 'built_at'"},
      {Edited("\"2026-09-30T12:00:00Z\"", "\"2026-09-30T24:00:00Z\""), "manifest field 'built_at'"},
      {Edited("\"2026-09-30T12:00:00Z\"", "\"2026-09-30T12:00:00+0200\""), "manifest field 'built_at'"},
      {Edited("\"format\": 1,", "\"format\": 1, \"extra\": true,"), "manifest has an unknown field 'extra'"},
      {Edited(",\n  \"built_at\": \"2026-09-30T12:00:00Z\"", ""), "manifest is missing field 'built_at'"},
      {Edited("\"format\": 1,", "\"format\": 1, \"format\": 1,"), "duplicate"},
      {"[1]", "manifest must be a JSON object, found array"},
      {"{\"format\": 1", "manifest: malformed JSON at line 1"},
      {std::string(kMaxManifestBytes + 1, ' '), "manifest is larger than 65536 bytes"},
  };
  for (const auto& [json, expected] : cases) {
    std::string why = Refusal(json);
    BOOST_TEST(why.find(expected) != std::string::npos, "'" << why << "' lacks '" << expected << "'");
  }
}

BOOST_AUTO_TEST_CASE(rfc_3339_forms_that_are_accepted) {
  for (const char* t : {"2026-09-30T12:00:00Z", "2026-09-30t12:00:00z", "2024-02-29T00:00:00.123456+02:00",
                        "2026-12-31T23:59:60-11:30"})
    BOOST_TEST(ValidateRfc3339("built_at", t).ok(), t);
  for (const char* t : {"2025-02-29T00:00:00Z", "2026-09-30T12:00:00.Z", "2026-09-30T12:00Z", "2026-09-30T12:00:00Z "})
    BOOST_TEST(FailsWith(ValidateRfc3339("built_at", t), ErrorCode::kInvalidArgument,
                         "manifest field 'built_at': must be an RFC 3339 date-time"),
               t);
}

BOOST_AUTO_TEST_CASE(image_ids_are_name_dash_version_and_nothing_else) {
  for (const char* id : {"openclaw-2026.9.6", "openclaw-2026.9.6-broken", "my-agent-1.0+b2"})
    BOOST_TEST(ValidateImageId(id).ok(), id);
  for (const char* id : {"openclaw", "openclaw-", "-2026.9.6", "openclaw-v1", "../openclaw-1", "openclaw-1/..",
                         ".staging-abc", ".removing-openclaw-1", "openclaw-1..2", "OpenClaw-1", ""})
    BOOST_TEST(FailsWith(ValidateImageId(id), ErrorCode::kInvalidArgument, "not an image id (NAME-VERSION"), id);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive::images
