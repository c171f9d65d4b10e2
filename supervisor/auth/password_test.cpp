#include "supervisor/auth/password.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "unit/fails_with.h"

using namespace clawhive;
using namespace clawhive::auth;
using clawhive::testing::FailsWith;

namespace {
const ScryptParams kFast{1024, 8, 1};
}

BOOST_AUTO_TEST_SUITE(auth)
BOOST_AUTO_TEST_SUITE(password)

BOOST_AUTO_TEST_CASE(a_hash_verifies_its_password_and_rejects_others) {
  Result<std::string> h = HashPassword("correct horse battery", kFast);
  BOOST_REQUIRE(h.ok());
  BOOST_CHECK_EQUAL(h->rfind("scrypt$N=1024,r=8,p=1$", 0), 0u);
  Result<bool> good = VerifyPassword("correct horse battery", *h);
  BOOST_REQUIRE(good.ok());
  BOOST_CHECK(*good);
  Result<bool> bad = VerifyPassword("correct horse batterz", *h);
  BOOST_REQUIRE(bad.ok());
  BOOST_CHECK(!*bad);
}

BOOST_AUTO_TEST_CASE(each_hash_has_its_own_salt) {
  Result<std::string> a = HashPassword("same password 123", kFast);
  Result<std::string> b = HashPassword("same password 123", kFast);
  BOOST_REQUIRE(a.ok() && b.ok());
  BOOST_CHECK(*a != *b);
}

BOOST_AUTO_TEST_CASE(default_params_are_n32768_r8_p1) {
  Result<std::string> h = HashPassword("default parameters!");
  BOOST_REQUIRE(h.ok());
  BOOST_CHECK_EQUAL(h->rfind("scrypt$N=32768,r=8,p=1$", 0), 0u);
}

BOOST_AUTO_TEST_CASE(a_nul_byte_in_the_password_counts) {
  const std::string with_nul("abcdefghijkl\0x", 14);
  Result<std::string> h = HashPassword(with_nul, kFast);
  BOOST_REQUIRE(h.ok());
  BOOST_CHECK(*VerifyPassword(with_nul, *h));
  BOOST_CHECK(!*VerifyPassword("abcdefghijkl", *h));
}

BOOST_AUTO_TEST_CASE(hostile_stored_strings_are_errors_not_work) {
  Result<std::string> h = HashPassword("good password 1", kFast);
  BOOST_REQUIRE(h.ok());
  const std::string tail = h->substr(h->find("$", 7));  // "$salt$hash"
  const std::string cases[] = {
      "",
      "scrypt",
      "scrypt$",
      "bcrypt$N=1024,r=8,p=1" + tail,
      "scrypt$N=1000,r=8,p=1" + tail,           // not a power of two
      "scrypt$N=1,r=8,p=1" + tail,
      "scrypt$N=0,r=8,p=1" + tail,
      "scrypt$N=2097152,r=8,p=1" + tail,        // 2^21
      "scrypt$N=1048576,r=8,p=1" + tail,        // 2^20 but 1 GiB of memory
      "scrypt$N=99999999999999999999,r=8,p=1" + tail,
      "scrypt$N=01024,r=8,p=1" + tail,
      "scrypt$N=-1024,r=8,p=1" + tail,
      "scrypt$N=1024,r=0,p=1" + tail,
      "scrypt$N=1024,r=33,p=1" + tail,
      "scrypt$N=1024,r=8,p=17" + tail,
      "scrypt$N=1024,r=16,p=16" + tail,         // r*p too large
      "scrypt$N=1024,p=1,r=8" + tail,
      "scrypt$N=1024,r=8,p=1",
      "scrypt$N=1024,r=8,p=1$",
      h->substr(0, h->size() - 4),             // truncated hash
      h->substr(0, h->find('$', 22) + 3),      // truncated salt, no hash
      *h + "$",
      *h + "AAAA",
      "scrypt$N=1024,r=8,p=1$!!!!$!!!!",
      std::string(300, 'A'),
  };
  for (const std::string& c : cases) {
    BOOST_TEST(FailsWith(VerifyPassword("good password 1", c), ErrorCode::kInvalidArgument,
                         "stored password hash is malformed"),
               c);
  }
}

BOOST_AUTO_TEST_CASE(hash_refuses_params_outside_the_caps) {
  const std::string kPowerOfTwo = "scrypt N must be a power of two between 2 and 2^20";
  BOOST_TEST(FailsWith(HashPassword("x", {1000, 8, 1}), ErrorCode::kInvalidArgument, kPowerOfTwo));
  BOOST_TEST(FailsWith(HashPassword("x", {uint64_t{1} << 21, 1, 1}), ErrorCode::kInvalidArgument, kPowerOfTwo));
  BOOST_TEST(FailsWith(HashPassword("x", {1024, 0, 1}), ErrorCode::kInvalidArgument, "scrypt r must be 1..32"));
  BOOST_TEST(FailsWith(HashPassword(std::string(1025, 'a'), kFast), ErrorCode::kTooLarge, "longer than 1024 bytes"));
}

BOOST_AUTO_TEST_CASE(policy_wants_12_to_1024_printable_utf8) {
  const std::string kShort = "password is shorter than 12 characters";
  BOOST_TEST(FailsWith(CheckPasswordPolicy(""), ErrorCode::kInvalidArgument, kShort));
  BOOST_TEST(FailsWith(CheckPasswordPolicy("short pw 11"), ErrorCode::kInvalidArgument, kShort));
  BOOST_CHECK(CheckPasswordPolicy("twelve chars"));
  const std::string kControl = "password contains a control character";
  BOOST_TEST(FailsWith(CheckPasswordPolicy(std::string("abcdefghijkl\0m", 14)), ErrorCode::kInvalidArgument, kControl));
  BOOST_TEST(FailsWith(CheckPasswordPolicy("abcdefghijkl\n"), ErrorCode::kInvalidArgument, kControl));
  BOOST_TEST(FailsWith(CheckPasswordPolicy("abcdefghijkl\xff"), ErrorCode::kInvalidArgument, "password is not valid UTF-8"));
  BOOST_TEST(FailsWith(CheckPasswordPolicy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),  // 6 chars, 12 bytes
                       ErrorCode::kInvalidArgument, kShort));
  BOOST_CHECK(CheckPasswordPolicy(std::string(1024, 'a')));
  BOOST_TEST(FailsWith(CheckPasswordPolicy(std::string(1025, 'a')), ErrorCode::kTooLarge, "longer than 1024 bytes"));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
