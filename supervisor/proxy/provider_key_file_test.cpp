// The provider-key export's format and the proxy's reader of it (FileKeys): round trip, hostile content
// (not JSON, wrong shapes, huge, missing, not a file) refused with clear errors that quote no value, and
// a replaced file picked up.
#include "supervisor/proxy/provider_key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <thread>

#include "supervisor/vault/vault_test_util.h"
#include "unit/fails_with.h"

namespace clawhive::proxy {
namespace {

using clawhive::testing::FailsWith;
using vault_test::Code;
using vault_test::Contains;
using vault_test::TempDir;
using vault_test::Why;

std::vector<std::pair<std::string, SecretValue>> Keys(std::initializer_list<std::pair<const char*, const char*>> in) {
  std::vector<std::pair<std::string, SecretValue>> out;
  for (const auto& [n, v] : in) out.emplace_back(n, SecretValue(v));
  return out;
}

void Put(const std::string& path, const std::string& text) {
  std::string tmp = path + ".new";
  { std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text; }
  BOOST_REQUIRE(::rename(tmp.c_str(), path.c_str()) == 0);  // a new inode, as the supervisor's export
}

BOOST_AUTO_TEST_SUITE(provider_key_file)

BOOST_AUTO_TEST_CASE(what_is_encoded_parses_back_byte_for_byte) {
  const std::string odd = std::string("q\"uote\\back\nnew\ttab\x01\x7f") + "\xc3\xa9 end";
  auto text = meter::EncodeProviderKeys(Keys({{"OPENAI_API_KEY", "sk-1"}, {"ODD", odd.c_str()}, {"EMPTY", ""}}));
  BOOST_TEST(std::string(text.view()).find('\n') == text.size() - 1);  // one line: control bytes escaped
  auto parsed = meter::ParseProviderKeys(text.view(), "f");
  BOOST_REQUIRE_MESSAGE(parsed.ok(), Why(parsed));
  BOOST_TEST(parsed->size() == 3u);
  BOOST_TEST(parsed->at("OPENAI_API_KEY").view() == "sk-1");
  BOOST_TEST(parsed->at("ODD").view() == odd);
  BOOST_TEST(parsed->at("EMPTY").view() == "");
  BOOST_TEST(meter::ParseProviderKeys(meter::EncodeProviderKeys({}).view(), "f")->empty());
  // Other spellings of the same JSON are fine.
  auto spaced = meter::ParseProviderKeys(" {\n \"A\" : \"\\u0041\\/\\u00e9\" }\n", "f");
  BOOST_REQUIRE_MESSAGE(spaced.ok(), Why(spaced));
  BOOST_TEST(spaced->at("A").view() == "A/\xc3\xa9");
}

BOOST_AUTO_TEST_CASE(anything_else_is_refused_with_where_and_what_and_no_value) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "expected '{'"},
      {"sk-live-not-json", "expected '{'"},
      {"[\"sk-live-in-array\"]", "expected '{'"},
      {"{\"A\":\"sk-live-x\"", "expected ',' or '}'"},
      {"{\"A\":\"sk-live-x\"} trailing", "text after the object"},
      {"{\"A\":\"sk-live-x\",\"A\":\"y\"}", "appears twice"},
      {"{\"lower\":\"sk-live-x\"}", "not a secret name"},
      {"{\"A\":42}", "not a JSON string"},
      {"{\"A\":{\"B\":\"sk-live-x\"}}", "not a JSON string"},
      {"{\"A\":\"sk-live\nx\"}", "not a JSON string"},
      {"{\"A\":\"sk-live\\q\"}", "not a JSON string"},
      {"{\"A\":\"\\ud800\"}", "not a JSON string"},
      {"{\"A\":\"sk-live-unterminated}", "not a JSON string"},
  };
  for (const auto& [text, why] : bad) {
    auto r = meter::ParseProviderKeys(text, "/run/x/provider-keys");
    BOOST_TEST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument, "/run/x/provider-keys: not a provider-key file: "), text);
    BOOST_TEST(Contains(r.error().message, why), text << " -> " << r.error().message);
    BOOST_TEST(!Contains(r.error().message, "sk-live"), r.error().message);
  }
  std::string huge = "{\"A\":\"" + std::string(meter::kMaxProviderKeysBytes, 'x') + "\"}";
  BOOST_TEST((Code(meter::ParseProviderKeys(huge, "f")) == ErrorCode::kTooLarge));
}

BOOST_AUTO_TEST_CASE(file_keys_reads_the_file_and_picks_up_a_replacement) {
  TempDir dir;
  const std::string path = dir.File("provider-keys");
  Put(path, std::string(meter::EncodeProviderKeys(Keys({{"OPENAI_API_KEY", "sk-one"}})).view()));
  FileKeys keys(path, std::chrono::milliseconds(0));
  BOOST_TEST(keys.Key("OPENAI_API_KEY").value() == "sk-one");
  auto missing = keys.Key("ANTHROPIC_API_KEY");
  BOOST_TEST((Code(missing) == ErrorCode::kNotFound));
  BOOST_TEST(Contains(Why(missing), "no platform secret 'ANTHROPIC_API_KEY'"), Why(missing));

  Put(path, std::string(meter::EncodeProviderKeys(Keys({{"OPENAI_API_KEY", "sk-two"}, {"ANTHROPIC_API_KEY", "a"}})).view()));
  BOOST_TEST(keys.Key("OPENAI_API_KEY").value() == "sk-two");
  BOOST_TEST(keys.Key("ANTHROPIC_API_KEY").value() == "a");

  // Cached: a file replaced within `recheck` is not looked at yet.
  FileKeys slow(path, std::chrono::hours(1));
  BOOST_TEST(slow.Key("OPENAI_API_KEY").value() == "sk-two");
  Put(path, std::string(meter::EncodeProviderKeys(Keys({{"OPENAI_API_KEY", "sk-three"}})).view()));
  BOOST_TEST(slow.Key("OPENAI_API_KEY").value() == "sk-two");
  BOOST_TEST(keys.Key("OPENAI_API_KEY").value() == "sk-three");
}

BOOST_AUTO_TEST_CASE(file_keys_fails_clearly_and_keeps_nothing_from_an_older_file) {
  TempDir dir;
  const std::string path = dir.File("provider-keys");
  FileKeys keys(path, std::chrono::milliseconds(0));
  auto none = keys.Key("OPENAI_API_KEY");
  BOOST_TEST((Code(none) == ErrorCode::kNotFound));
  BOOST_TEST(Contains(Why(none), "cannot open " + path + ": No such file or directory"), Why(none));
  BOOST_TEST(Contains(Why(none), "is clawhive-supervisor running?"), Why(none));

  Put(path, std::string(meter::EncodeProviderKeys(Keys({{"OPENAI_API_KEY", "sk-good"}})).view()));
  BOOST_TEST(keys.Key("OPENAI_API_KEY").value() == "sk-good");
  Put(path, "OPENAI_API_KEY=sk-good-but-env-format\n");
  auto broken = keys.Key("OPENAI_API_KEY");
  BOOST_TEST((Code(broken) == ErrorCode::kInvalidArgument));
  BOOST_TEST(Contains(Why(broken), "provider keys: " + path + ": not a provider-key file"), Why(broken));
  BOOST_TEST(!Contains(Why(broken), "sk-good"));

  Put(path, "{\"OPENAI_API_KEY\":\"" + std::string(meter::kMaxProviderKeysBytes, 'x') + "\"}");
  auto huge = keys.Key("OPENAI_API_KEY");
  BOOST_TEST((Code(huge) == ErrorCode::kTooLarge));
  BOOST_TEST(Contains(Why(huge), "more than a provider-key file may hold"), Why(huge));

  BOOST_REQUIRE(::unlink(path.c_str()) == 0);
  BOOST_REQUIRE(::mkfifo(path.c_str(), 0600) == 0);  // must not block the proxy
  BOOST_TEST(FailsWith(keys.Key("OPENAI_API_KEY"), ErrorCode::kInvalidArgument, path + " is not a regular file"));
  BOOST_REQUIRE(::unlink(path.c_str()) == 0);
  BOOST_REQUIRE(::symlink("/etc/passwd", path.c_str()) == 0);
  BOOST_TEST(FailsWith(keys.Key("OPENAI_API_KEY"), ErrorCode::kUnavailable,  // not followed: ELOOP
                       "cannot open " + path + ": Too many levels of symbolic links"));

  BOOST_REQUIRE(::unlink(path.c_str()) == 0);
  Put(path, std::string(meter::EncodeProviderKeys(Keys({{"OPENAI_API_KEY", "sk-back"}})).view()));
  BOOST_TEST(keys.Key("OPENAI_API_KEY").value() == "sk-back");  // fixed: read again
}

BOOST_AUTO_TEST_CASE(file_keys_is_safe_to_share_between_threads) {
  TempDir dir;
  const std::string path = dir.File("provider-keys");
  Put(path, std::string(meter::EncodeProviderKeys(Keys({{"K", "v"}})).view()));
  FileKeys keys(path, std::chrono::milliseconds(0));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) ok += keys.Key("K").ok() ? 1 : 0;
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() == 1600);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::proxy
