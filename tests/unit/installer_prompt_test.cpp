// Tests of the installer's questions (installer/prompt.h): typed answers from a string, checked by the
// answer file's own parser, ending as an answer file the installer can use.
#include "installer/prompt.h"

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "installer/answers.h"
#include "supervisor/auth/password.h"
#include "unit/fails_with.h"
#include "unit/text_search.h"

using namespace clawhive;
using namespace clawhive::installer;
using clawhive::testing::FailsWith;

namespace {

std::vector<bool> g_hidden;  // every hide_input call, in order
void RecordHide(bool hide) { g_hidden.push_back(hide); }

struct Session {
  explicit Session(const std::string& typed) : in(typed) { g_hidden.clear(); }
  Result<std::string> Ask() { return PromptAnswers(PromptIo{&in, &out, &RecordHide}); }
  Answers Parsed(const Result<std::string>& text) {
    BOOST_REQUIRE_MESSAGE(text.ok(), (text.ok() ? "" : text.error().message) << "\n" << out.str());
    Result<Answers> a = ParseAnswers(*text, "answers.yaml");
    BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
    return *a;
  }
  std::istringstream in;
  std::ostringstream out;
};

using clawhive::testing::Contains;
using clawhive::testing::CountOf;

}  // namespace

BOOST_AUTO_TEST_SUITE(installer_prompt)

BOOST_AUTO_TEST_CASE(empty_answers_take_the_defaults_and_a_generated_password) {
  Session s("\n\n\n\n");
  Answers a = s.Parsed(s.Ask());
  BOOST_TEST(a.listen_address == "0.0.0.0");
  BOOST_TEST(a.listen_port == 8470);
  BOOST_TEST(a.operator_name == "admin");
  BOOST_TEST(a.generate_password);
  BOOST_TEST(a.password_hash.empty());
  BOOST_TEST(a.product_name == "Clawhive");
  BOOST_TEST(Contains(s.out.str(), "Console address (host:port) [0.0.0.0:8470]: "), s.out.str());
}

BOOST_AUTO_TEST_CASE(typed_answers_end_up_in_the_answer_file) {
  Session s("[::1]:9443\nops@example.com\n\nAcme Agents: #1\n");
  Answers a = s.Parsed(s.Ask());
  BOOST_TEST(a.listen_address == "::1");
  BOOST_TEST(a.listen_port == 9443);
  BOOST_TEST(a.operator_name == "ops@example.com");
  BOOST_TEST(a.product_name == "Acme Agents: #1");
}

BOOST_AUTO_TEST_CASE(a_bad_port_is_asked_again_with_the_parsers_message) {
  Session s("0.0.0.0:70000\n0.0.0.0:9443\n\n\n\n");
  Answers a = s.Parsed(s.Ask());
  BOOST_TEST(a.listen_port == 9443);
  BOOST_TEST(Contains(s.out.str(), "port must be a whole number between 1 and 65535, got '70000'\n"), s.out.str());
  BOOST_TEST(CountOf(s.out.str(), "Console address") == 2u);
}

BOOST_AUTO_TEST_CASE(a_bad_operator_name_and_a_quote_in_the_product_name_are_asked_again) {
  Session s("\nAdmin Person\nadmin2\n\nAcme \"Agents\"\nAcme\n");
  Answers a = s.Parsed(s.Ask());
  BOOST_TEST(a.operator_name == "admin2");
  BOOST_TEST(a.product_name == "Acme");
  BOOST_TEST(CountOf(s.out.str(), "First operator's user name") == 2u);
  BOOST_TEST(Contains(s.out.str(), "  invalid characters\n"), s.out.str());
}

BOOST_AUTO_TEST_CASE(a_short_password_is_refused_with_the_policy_message) {
  Session s("\n\nshort\nshort\n\n\n");
  Answers a = s.Parsed(s.Ask());
  Status policy = auth::CheckPasswordPolicy("short");
  BOOST_REQUIRE(FailsWith(policy, ErrorCode::kInvalidArgument, "password is shorter than"));
  BOOST_TEST(Contains(s.out.str(), "  " + policy.error().message + "\n"), s.out.str());
  BOOST_TEST(a.generate_password);  // the second try was empty: generate one
}

BOOST_AUTO_TEST_CASE(two_different_passwords_are_asked_again) {
  Session s("\n\nfirst-long-password\nsecond-long-password\n\n\n");
  Answers a = s.Parsed(s.Ask());
  BOOST_TEST(Contains(s.out.str(), "  the two passwords differ\n"), s.out.str());
  BOOST_TEST(CountOf(s.out.str(), "Password (empty: generate one)") == 2u);
  BOOST_TEST(a.generate_password);
}

BOOST_AUTO_TEST_CASE(a_good_password_is_kept_only_as_a_hash_that_verifies) {
  const std::string password = "correct horse battery";
  Session s("\n\n" + password + "\n" + password + "\n\n");
  Result<std::string> text = s.Ask();
  Answers a = s.Parsed(text);
  BOOST_TEST(!a.generate_password);
  BOOST_TEST(a.password_hash.rfind("scrypt$", 0) == 0u);
  BOOST_TEST(!Contains(*text, password));
  Result<bool> ok = auth::VerifyPassword(password, a.password_hash);
  BOOST_TEST((ok.ok() && *ok));
  // Echo was off while the password was typed, and back on after.
  BOOST_TEST(g_hidden == (std::vector<bool>{true, false}));
}

BOOST_AUTO_TEST_CASE(a_password_keeps_its_spaces) {
  const std::string password = " spaces around it ";
  Session s("\n\n" + password + "\r\n" + password + "\r\n\n");
  Answers a = s.Parsed(s.Ask());
  Result<bool> ok = auth::VerifyPassword(password, a.password_hash);
  BOOST_TEST((ok.ok() && *ok));
}

BOOST_AUTO_TEST_CASE(input_that_ends_before_every_question_is_answered_is_an_error) {
  for (const char* typed : {"", "0.0.0.0:8470\n", "\nadmin\n", "\n\nlong-enough-password\n", "\n\n\n"}) {
    Session s(typed);
    BOOST_TEST(FailsWith(s.Ask(), ErrorCode::kUnavailable, "input ended"), "input \"" << typed << "\"");
  }
}

BOOST_AUTO_TEST_CASE(five_wrong_answers_in_a_row_give_up) {
  Session s("x:0\nx:0\nx:0\nx:0\nx:0\n0.0.0.0:8470\n\n\n\n");
  BOOST_TEST(FailsWith(s.Ask(), ErrorCode::kInvalidArgument, "too many invalid answers"));
}

BOOST_AUTO_TEST_SUITE_END()
