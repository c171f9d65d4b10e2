// Tests of the installer's answer file (installer/answers.h): every fixture in installer/fixtures/good
// parses, and every one in installer/fixtures/bad fails at exactly the line:col its first line names
// ("# expect: <line>:<col>: <substring of the message>").
#include "installer/answers.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using clawhive::installer::Answers;
using clawhive::installer::LoadAnswers;
using clawhive::installer::ParseAnswers;

namespace {

std::vector<fs::path> Fixtures(const std::string& kind) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(CLAWHIVE_SOURCE_DIR) / "installer/fixtures" / kind))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(installer_answers)

BOOST_AUTO_TEST_CASE(every_good_fixture_parses) {
  auto files = Fixtures("good");
  BOOST_REQUIRE_GE(files.size(), 3u);
  for (const auto& f : files) {
    auto r = LoadAnswers(f.string());
    BOOST_TEST(r.ok(), f.filename().string() << ": " << (r.ok() ? "" : r.error().message));
  }
}

BOOST_AUTO_TEST_CASE(every_bad_fixture_fails_at_the_expected_line_and_column_with_the_expected_message) {
  auto files = Fixtures("bad");
  BOOST_REQUIRE_GE(files.size(), 12u);
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string first;
    std::getline(in, first);
    const std::string prefix = "# expect: ";
    BOOST_REQUIRE_MESSAGE(first.rfind(prefix, 0) == 0, f.filename().string() << " lacks a '# expect:' line");
    std::string expect = first.substr(prefix.size());  // "L:C: substring"
    size_t colon2 = expect.find(": ");
    BOOST_REQUIRE(colon2 != std::string::npos);
    std::string where = expect.substr(0, colon2);
    std::string substring = expect.substr(colon2 + 2);
    auto r = LoadAnswers(f.string());
    BOOST_TEST_REQUIRE(!r.ok(), f.filename().string() << " parsed but should fail");
    const std::string& m = r.error().message;
    std::string want_prefix = f.string() + ":" + where + ": ";
    BOOST_TEST(m.rfind(want_prefix, 0) == 0, f.filename().string() << ": expected at " << where << ", got: " << m);
    BOOST_TEST(m.find(substring) != std::string::npos,
               f.filename().string() << ": expected '" << substring << "' in: " << m);
  }
}

BOOST_AUTO_TEST_CASE(the_full_fixture_sets_every_value) {
  auto r = LoadAnswers(std::string(CLAWHIVE_SOURCE_DIR) + "/installer/fixtures/good/full.yaml");
  BOOST_REQUIRE(r.ok());
  const Answers& a = *r;
  BOOST_TEST(a.listen_address == "0.0.0.0");
  BOOST_TEST(a.listen_port == 8470);
  BOOST_TEST(a.tls_cert == "/etc/clawhive/tls/console.crt");
  BOOST_TEST(a.tls_key == "/etc/clawhive/tls/console.key");
  BOOST_TEST(a.operator_name == "ops@example.com");
  BOOST_TEST(a.password_hash.rfind("scrypt$", 0) == 0);
  BOOST_TEST(!a.generate_password);
  BOOST_TEST(a.product_name == "Acme Agents");
  BOOST_TEST(a.primary_color == "#aa3300");
  BOOST_TEST(a.memory_max == 1536ull << 20);
  BOOST_TEST(a.memory_high == 1024ull << 20);
  BOOST_TEST(a.cpu_quota_percent == 100u);
  BOOST_TEST(a.tasks_max == 512u);
  BOOST_TEST(a.headroom_memory == 2ull << 30);
  BOOST_TEST(a.headroom_cpu_percent == 50u);
  BOOST_TEST(a.runtime == "openclaw-2026.9.6");
  BOOST_TEST(a.agent_exec == "/opt/agent/bin/agent");
  BOOST_TEST(a.tenants.empty());
}

BOOST_AUTO_TEST_CASE(tenants_with_neither_a_runtime_image_nor_an_agent_are_refused_with_what_to_do) {
  const std::string text = "operator: {name: admin, generate_password: true}\ntenants:\n  - id: acme\n";
  auto r = ParseAnswers(text, "a.yaml");
  BOOST_REQUIRE(!r.ok());
  const std::string m = r.error().message;
  BOOST_TEST(m.rfind("a.yaml:2:1: tenants: ", 0) == 0, m);
  BOOST_TEST(m.find("images/runtime/build") != std::string::npos, m);
  BOOST_TEST(m.find("clawhive-image import") != std::string::npos, m);
  BOOST_TEST(m.find("openclaw: {runtime:") != std::string::npos, m);
  BOOST_TEST(ParseAnswers(text + "openclaw: {runtime: openclaw-2026.9.6}\n", "a.yaml").ok());
  BOOST_TEST(ParseAnswers(text + "tenant_defaults: {agent_exec: /opt/agent/bin/agent}\n", "a.yaml").ok());
  BOOST_TEST(ParseAnswers("operator: {name: admin, generate_password: true}\ntenants: []\n", "a.yaml").ok());
  auto bad_id = ParseAnswers(text + "openclaw: {runtime: \"../x\"}\n", "a.yaml");
  BOOST_REQUIRE(!bad_id.ok());
  BOOST_TEST(bad_id.error().message.find("openclaw.runtime") != std::string::npos, bad_id.error().message);
}

BOOST_AUTO_TEST_CASE(tenants_keep_their_order_and_sizes_and_ipv6_listen_is_read) {
  auto r = LoadAnswers(std::string(CLAWHIVE_SOURCE_DIR) + "/installer/fixtures/good/tenants.yaml");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->listen_address == "::");
  BOOST_TEST(r->listen_port == 9443);
  BOOST_REQUIRE_EQUAL(r->tenants.size(), 3u);
  BOOST_TEST(r->tenants[0].id == "acme");
  BOOST_TEST(r->tenants[0].display_name == "Acme");
  BOOST_TEST(r->tenants[0].memory_max == 512ull << 20);
  BOOST_TEST(r->tenants[1].memory_high == 1536ull << 20);
  BOOST_TEST(r->tenants[2].id == "initech");
  BOOST_TEST(r->tenants[2].memory_max == 0u);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_reported_as_not_found) {
  auto r = LoadAnswers("/nonexistent/answers.yaml");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(clawhive::ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_and_second_documents_name_the_position) {
  auto r = ParseAnswers("operator: {name: admin\n", "a.yaml");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.rfind("a.yaml:", 0) == 0);
  auto two = ParseAnswers("operator: {name: admin, generate_password: true}\n---\nlisten: 0.0.0.0:1\n", "b.yaml");
  BOOST_REQUIRE(!two.ok());
  BOOST_TEST(two.error().message.find("only one YAML document") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_top_level_list_and_duplicate_keys_are_refused) {
  auto list = ParseAnswers("- operator\n", "c.yaml");
  BOOST_REQUIRE(!list.ok());
  BOOST_TEST(list.error().message.find("c.yaml:1:1: the answer file must be a map") == 0);
  auto dup = ParseAnswers("operator: {name: a, generate_password: true}\nlisten: 0.0.0.0:1\nlisten: 0.0.0.0:2\n",
                          "d.yaml");
  BOOST_REQUIRE(!dup.ok());
  BOOST_TEST(dup.error().message.find("d.yaml:3:1: duplicate key 'listen'") == 0, dup.error().message);
}

// The answer file is read by the same walker as clawhive.yaml (supervisor/common/yaml_walker.h), so it
// gets the same bounds on hostile input.
BOOST_AUTO_TEST_CASE(hostile_answer_files_are_refused_with_a_position) {
  auto deep = ParseAnswers(std::string(10000, '[') + std::string(10000, ']'), "e.yaml");
  BOOST_REQUIRE(!deep.ok());
  BOOST_TEST(deep.error().message == "e.yaml:1:65: nesting is too deep (the limit is 64 levels)");
  auto latin1 = ParseAnswers("operator: {name: caf\xe9, generate_password: true}\n", "f.yaml");
  BOOST_REQUIRE(!latin1.ok());
  BOOST_TEST(latin1.error().message == "f.yaml:1:21: invalid UTF-8; the answer file must be UTF-8 text");
  std::string bomb = "operator: {name: admin, generate_password: true}\nx: &a [lol, lol]\n";
  for (char c = 'b'; c <= 'i'; ++c) bomb += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  auto laughs = ParseAnswers(bomb, "g.yaml");
  BOOST_REQUIRE(!laughs.ok());
  BOOST_TEST(laughs.error().message.rfind("g.yaml:2:1: unknown key 'x' at top level", 0) == 0, laughs.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
