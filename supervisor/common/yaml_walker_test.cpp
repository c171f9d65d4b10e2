#include "supervisor/common/yaml_walker.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "unit/text_search.h"

namespace clawhive {
namespace {

using N = YamlWalker::Node;
using S = YamlWalker::Path;

// What a small settings file reads into: one of each getter.
struct Settings {
  std::string name;
  bool enabled = false;
  uint64_t workers = 0;
  uint64_t memory_max = 0;
  uint64_t quota = 0;
  uint64_t timeout_ms = 0;
  std::string dir;
  std::vector<std::string> args;
  HostPort listen;
};

const YamlDocument kDoc{"the test file", "a test file"};

struct Read {
  Status status;
  Settings settings;
};

Read Parse(const std::string& yaml, YamlLimits limits = {}) {
  Read r;
  YamlWalker w("w.yaml", kDoc, limits);
  Settings& s = r.settings;
  r.status = w.Walk(yaml, [&](N root) {
    std::vector<YamlWalker::Field> fields = {
        {"name", [&](N k, N v, S p) { return w.Text(k, v, p, "a name", false, &s.name); }},
        {"enabled", [&](N k, N v, S p) { return w.Bool(k, v, p, &s.enabled); }},
        {"workers", [&](N k, N v, S p) { return w.Integer(k, v, p, 1, 64, false, &s.workers); }},
        {"tenants", w.Section({{"defaults", w.Section({
                                                {"memory_max",
                                                 [&](N k, N v, S p) { return w.Size(k, v, p, false, 1ull << 40, &s.memory_max); }},
                                                {"quota",
                                                 [&](N k, N v, S p) { return w.Percent(k, v, p, true, 400, &s.quota); }},
                                            }, true)}},
                              true)},
        {"timeout", [&](N k, N v, S p) { return w.Duration(k, v, p, &s.timeout_ms); }},
        {"dir", [&](N k, N v, S p) { return w.AbsolutePath(k, v, p, &s.dir); }},
        {"args", [&](N k, N v, S p) { return w.Strings(k, v, p, "a string", &s.args); }},
        {"listen", [&](N k, N v, S p) { return w.Address(k, v, p, "127.0.0.1:80", "\"[::1]:80\"", &s.listen); }},
    };
    return w.Map(root, root.Mark(), "", fields, true);
  });
  return r;
}

std::string ErrorOf(const std::string& yaml, YamlLimits limits = {}) {
  Read r = Parse(yaml, limits);
  BOOST_TEST_REQUIRE(!r.status.ok(), "expected an error for:\n" << yaml.substr(0, 200));
  return r.status.error().message;
}

using testing::Contains;

// Walks every node below `n`, following aliases, as a careless reader would: the walker's node budget
// is what stops it.
bool WalkAll(YamlWalker& w, N n) {
  if (!w.Visit(n)) return false;
  if (n.IsSequence() || n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node item = n.IsMap() ? it->second : *it;
      if (!WalkAll(w, item)) return false;
    }
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(yaml_walker)

// ---- Getters --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_getter_reads_its_value) {
  Read r = Parse(
      "name: alpha\nenabled: true\nworkers: 8\ntenants:\n  defaults:\n    memory_max: 512M\n    quota: 150%\n"
      "timeout: 2m\ndir: /srv/x\nargs: [a, \"\"]\nlisten: \"[::1]:8470\"\n");
  BOOST_TEST_REQUIRE(r.status.ok(), r.status.error().message);
  BOOST_TEST(r.settings.name == "alpha");
  BOOST_TEST(r.settings.enabled);
  BOOST_TEST(r.settings.workers == 8u);
  BOOST_TEST(r.settings.memory_max == 512ull << 20);
  BOOST_TEST(r.settings.quota == 150u);
  BOOST_TEST(r.settings.timeout_ms == 120000u);
  BOOST_TEST(r.settings.dir == "/srv/x");
  BOOST_TEST((r.settings.args == std::vector<std::string>{"a", ""}));
  BOOST_TEST(r.settings.listen.host == "::1");
  BOOST_TEST(r.settings.listen.port == 8470);
}

BOOST_AUTO_TEST_CASE(an_empty_file_and_empty_sections_read_as_nothing_set) {
  BOOST_TEST(Parse("").status.ok());
  BOOST_TEST(Parse("# only a comment\n").status.ok());
  BOOST_TEST(Parse("tenants:\n  defaults:\n").status.ok());
}

BOOST_AUTO_TEST_CASE(an_error_names_the_file_position_key_path_and_what_was_expected) {
  BOOST_TEST(ErrorOf("tenants:\n  defaults:\n    memory_max: lots\n") ==
             "w.yaml:3:17: tenants.defaults.memory_max: expected a size such as 512M or 2G");
  BOOST_TEST(ErrorOf("tenants:\n  defaults:\n    memory_max: [1]\n") ==
             "w.yaml:3:17: tenants.defaults.memory_max: expected a size such as 512M or 2G, got a list");
  BOOST_TEST(ErrorOf("tenants:\n  defaults:\n    memory_max:\n") ==
             "w.yaml:3:5: tenants.defaults.memory_max: empty value; expected a size such as 512M or 2G");
}

BOOST_AUTO_TEST_CASE(sizes_are_bounded_and_infinity_is_only_taken_where_allowed) {
  BOOST_TEST(ErrorOf("tenants: {defaults: {memory_max: 2T}}") ==
             "w.yaml:1:34: tenants.defaults.memory_max: '2T' is larger than 1T");
  BOOST_TEST(ErrorOf("tenants: {defaults: {memory_max: infinity}}") ==
             "w.yaml:1:34: tenants.defaults.memory_max: must be finite; expected a size such as 512M or 2G");
  BOOST_TEST(ErrorOf("tenants: {defaults: {memory_max: 0}}") ==
             "w.yaml:1:34: tenants.defaults.memory_max: must be greater than 0");
  BOOST_TEST(Parse("tenants: {defaults: {quota: infinity}}").settings.quota == 0u);
  BOOST_TEST(ErrorOf("tenants: {defaults: {quota: 401%}}") ==
             "w.yaml:1:29: tenants.defaults.quota: '401%' is larger than 400%");
  BOOST_TEST(ErrorOf("tenants: {defaults: {quota: -1%}}") == "w.yaml:1:29: tenants.defaults.quota: must not be negative");
}

BOOST_AUTO_TEST_CASE(integers_are_plain_decimals_within_their_range) {
  BOOST_TEST(ErrorOf("workers: 65\n") == "w.yaml:1:10: workers: must be between 1 and 64");
  BOOST_TEST(ErrorOf("workers: 0x10\n") == "w.yaml:1:10: workers: expected a whole number, got '0x10'");
  BOOST_TEST(ErrorOf("workers: 08\n") == "w.yaml:1:10: workers: leading zeros are not allowed in '08'");
  BOOST_TEST(ErrorOf("workers: 99999999999999999999999\n") == "w.yaml:1:10: workers: must be between 1 and 64");
}

BOOST_AUTO_TEST_CASE(booleans_are_exactly_true_or_false) {
  BOOST_TEST(ErrorOf("enabled: yes\n") == "w.yaml:1:10: enabled: expected true or false, got 'yes'");
}

BOOST_AUTO_TEST_CASE(list_items_are_named_by_index) {
  BOOST_TEST(ErrorOf("args: [a, {b: 1}]\n") == "w.yaml:1:11: args[1]: expected a string, got a map");
  BOOST_TEST(ErrorOf("args: a\n") == "w.yaml:1:7: args: expected a list of strings, got a single value");
  BOOST_TEST(ErrorOf("args:\n") == "w.yaml:1:1: args: empty value; expected a list of strings (use [] for none)");
}

BOOST_AUTO_TEST_CASE(an_unquoted_ipv6_address_gets_the_quoting_hint) {
  BOOST_TEST(ErrorOf("listen: [::1]\n") == "w.yaml:1:9: listen: expected host:port such as 127.0.0.1:80, got a "
                                              "list; quote IPv6 addresses: \"[::1]:80\"");
  BOOST_TEST(Contains(ErrorOf("listen: 127.0.0.1:0\n"), "port must be a whole number between 1 and 65535"));
}

// ---- Keys -----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unknown_keys_are_refused_with_a_suggestion_when_one_is_close) {
  BOOST_TEST(ErrorOf("workrs: 2\n") == "w.yaml:1:1: unknown key 'workrs' at top level; did you mean 'workers'?");
  BOOST_TEST(ErrorOf("tenants:\n  defaults:\n    banana: 1\n") ==
             "w.yaml:3:5: unknown key 'banana' in tenants.defaults");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_that_yaml_cpp_keeps_are_refused_at_the_second) {
  BOOST_TEST(ErrorOf("name: a\nworkers: 2\nname: b\n") ==
             "w.yaml:3:1: duplicate key 'name' in the test file (first at line 1)");
  BOOST_TEST(ErrorOf("tenants: {defaults: {quota: 1%, quota: 2%}}") ==
             "w.yaml:1:33: duplicate key 'quota' in tenants.defaults (first at line 1)");
}

BOOST_AUTO_TEST_CASE(keys_must_be_non_empty_scalars) {
  BOOST_TEST(ErrorOf("? [a]\n: 1\n") == "w.yaml:1:3: expected a key name in the test file, got a list");
  BOOST_TEST(ErrorOf("\"\": 1\n") == "w.yaml:1:1: expected a key name in the test file, got an empty key");
}

BOOST_AUTO_TEST_CASE(a_section_that_is_not_a_map_is_refused) {
  BOOST_TEST(ErrorOf("tenants: [a]\n") == "w.yaml:1:10: tenants: expected a map of settings, got a list");
  BOOST_TEST(ErrorOf("- a\n") == "w.yaml:1:1: expected a map of settings, got a list");
}

// ---- Hostile input --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_on_the_event_stream_before_a_tree_is_built) {
  BOOST_TEST(ErrorOf(std::string(100000, '[') + std::string(100000, ']')) ==
             "w.yaml:1:65: nesting is too deep (the limit is 64 levels)");
  std::string block;
  for (int i = 0; i < 100; ++i) block += std::string(2 * i, ' ') + "k:\n";
  BOOST_TEST(ErrorOf(block) == "w.yaml:65:129: nesting is too deep (the limit is 64 levels)");
  BOOST_TEST(Contains(ErrorOf("a: [[[[x]]]]\n", YamlLimits{.max_depth = 3}), "nesting is too deep (the limit is 3"));
}

BOOST_AUTO_TEST_CASE(a_huge_scalar_is_read_once_and_echoed_cut_short) {
  std::string big(900000, 'v');
  BOOST_TEST(ErrorOf("dir: " + big + "\n") == "w.yaml:1:6: dir: must be an absolute path, got '" +
                                                  std::string(40, 'v') + "...'");
  BOOST_TEST(ErrorOf("dir: /" + std::string(2 << 20, 'v')) ==
             "w.yaml: the test file is " + std::to_string((2 << 20) + 6) + " bytes; the limit is 1 MiB");
}

BOOST_AUTO_TEST_CASE(a_billion_laughs_is_bounded_by_the_walk_budget_not_memory) {
  // yaml-cpp shares an aliased node, so the tree stays small (~100 nodes); walking it follows 9^9.
  std::string bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  YamlWalker w("w.yaml", kDoc);
  auto start = std::chrono::steady_clock::now();
  Status st = w.Walk(bomb, [&](N root) { return WalkAll(w, root); });
  auto took = std::chrono::steady_clock::now() - start;
  BOOST_TEST_REQUIRE(!st.ok());
  BOOST_TEST(Contains(st.error().message, "too many YAML nodes (the limit is 100000)"), st.error().message);
  BOOST_TEST(took < std::chrono::seconds(5));
}

BOOST_AUTO_TEST_CASE(a_self_referencing_alias_is_a_cycle_the_budget_ends) {
  YamlWalker w("w.yaml", kDoc, YamlLimits{.max_nodes = 1000});
  Status st = w.Walk("a: &a [*a]\n", [&](N root) { return WalkAll(w, root); });
  BOOST_TEST_REQUIRE(!st.ok());
  BOOST_TEST(Contains(st.error().message, "too many YAML nodes (the limit is 1000)"), st.error().message);
}

BOOST_AUTO_TEST_CASE(too_many_nodes_are_refused_on_the_event_stream) {
  std::string list = "args: [a";
  for (int i = 0; i < 200; ++i) list += ",a";
  list += "]\n";
  BOOST_TEST(Contains(ErrorOf(list, YamlLimits{.max_nodes = 100}), "too many YAML nodes (the limit is 100)"));
}

BOOST_AUTO_TEST_CASE(tab_indentation_is_a_positioned_syntax_error_and_tabs_between_tokens_are_fine) {
  BOOST_TEST(ErrorOf("tenants:\n\tdefaults: {}\n") == "w.yaml:2:10: illegal map value");
  BOOST_TEST(Parse("workers:\t3\t# comment\r\n").settings.workers == 3u);
}

BOOST_AUTO_TEST_CASE(text_that_is_not_utf8_or_has_control_characters_is_refused_with_a_position) {
  BOOST_TEST(ErrorOf("name: caf\xc3\x28\n") == "w.yaml:1:10: invalid UTF-8; the test file must be UTF-8 text");
  BOOST_TEST(ErrorOf("name: \xed\xa0\x80\n") == "w.yaml:1:7: invalid UTF-8; the test file must be UTF-8 text");
  BOOST_TEST(ErrorOf(std::string("name: a\0b\n", 10)) ==
             "w.yaml:1:8: control character 0x00 is not allowed; the test file must be UTF-8 text");
  BOOST_TEST(ErrorOf("name: \"a\\x01b\"\n") == "w.yaml:1:7: name: must not contain control characters");
  BOOST_TEST(Parse("name: grüße 日本\n").settings.name == "grüße 日本");
}

BOOST_AUTO_TEST_CASE(a_second_document_is_refused) {
  BOOST_TEST(ErrorOf("name: a\n---\nname: b\n") == "w.yaml:2:1: only one YAML document is allowed");
}

BOOST_AUTO_TEST_CASE(the_first_error_wins) {
  YamlWalker w("w.yaml", kDoc);
  BOOST_TEST(!w.Fail(YAML::Mark::null_mark(), "first"));
  BOOST_TEST(!w.Fail(YAML::Mark::null_mark(), "second"));
  BOOST_TEST(w.error() == "w.yaml:1:1: first");
}

// ---- Cross-field checks ---------------------------------------------------------------------------
// (WalkFile's refusals, a missing file, a directory, a FIFO, over 1 MiB, are checked through LoadConfig
// in supervisor/config/config_test.cpp.)

BOOST_AUTO_TEST_CASE(marks_of_values_read_drive_cross_field_checks) {
  YamlWalker w("w.yaml", kDoc);
  uint64_t high = 0, max = 0;
  Status st = w.Walk("high: 2G\nmax: 1G\n", [&](N root) {
    return w.Map(root, root.Mark(), "",
                 {{"high", [&](N k, N v, S p) { return w.Size(k, v, p, false, ~0ull, &high); }},
                  {"max", [&](N k, N v, S p) { return w.Size(k, v, p, false, ~0ull, &max); }}},
                 true) &&
           w.NotAbove("high", high, "max", max, true, YamlWalker::FormatSize) &&
           w.NotAbove("low", 3, "max", 2, true, YamlWalker::FormatSize);
  });
  BOOST_TEST_REQUIRE(!st.ok());
  BOOST_TEST(st.error().message == "w.yaml:1:7: high (2G) must be at most max (1G)");
  YamlWalker d("w.yaml", kDoc);
  BOOST_TEST(!d.NotAbove("low", 3000, "max", 2000, false, YamlWalker::FormatDuration));
  BOOST_TEST(d.error() == "w.yaml:1:1: low (3s, the default) must be less than max (2s, the default)");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
