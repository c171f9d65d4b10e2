#include "supervisor/vault/crypto.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>

#include "unit/fails_with.h"

using namespace clawhive;
using namespace clawhive::vault;
using clawhive::testing::FailsWith;

namespace {

Key MustKey() {
  Result<Key> k = RandomKey();
  BOOST_REQUIRE(k.ok());
  return std::move(k).value();
}

std::string MustSeal(const Key& k, std::string_view plain, std::string_view aad) {
  Result<std::string> s = Seal(k, plain, aad);
  BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message));
  return std::move(s).value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vault)

BOOST_AUTO_TEST_CASE(seal_and_open_round_trip_with_fresh_nonces) {
  Key key = MustKey();
  const std::string plain = "sk-live-0123456789abcdef";
  std::string a = MustSeal(key, plain, "aad");
  std::string b = MustSeal(key, plain, "aad");
  BOOST_CHECK_EQUAL(a.size(), plain.size() + kSealOverhead);
  BOOST_CHECK(a != b);  // random nonce each time
  BOOST_CHECK(a.find(plain) == std::string::npos);
  Result<SecretValue> back = OpenValue(key, a, "aad");
  BOOST_REQUIRE(back.ok());
  BOOST_CHECK_EQUAL(back->view(), plain);
}

BOOST_AUTO_TEST_CASE(open_fails_on_other_aad_key_or_any_flipped_byte) {
  Key key = MustKey();
  Key other = MustKey();
  const std::string sealed = MustSeal(key, "value", "clawhive-secret|v1|a|X|1");
  BOOST_TEST(FailsWith(OpenValue(key, sealed, "clawhive-secret|v1|a|X|2"), ErrorCode::kInternal, "authentication failed"));
  BOOST_TEST(FailsWith(OpenValue(other, sealed, "clawhive-secret|v1|a|X|1"), ErrorCode::kInternal, "authentication failed"));
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    BOOST_TEST(FailsWith(OpenValue(key, bad, "clawhive-secret|v1|a|X|1"), ErrorCode::kInternal, "authentication failed"),
               "flipping byte " << i);
  }
}

BOOST_AUTO_TEST_CASE(open_rejects_blobs_shorter_than_nonce_and_tag) {
  Key key = MustKey();
  for (size_t n : {size_t{0}, size_t{1}, kSealOverhead - 1}) {
    BOOST_TEST(FailsWith(OpenValue(key, std::string(n, 'x'), ""), ErrorCode::kInvalidArgument, "shorter than nonce and tag"), n);
  }
  // Exactly nonce + tag is an (unauthenticated) empty message: still refused.
  BOOST_TEST(FailsWith(OpenValue(key, std::string(kSealOverhead, 'x'), ""), ErrorCode::kInternal, "authentication failed"));
}

BOOST_AUTO_TEST_CASE(empty_plaintext_and_wrapped_keys_round_trip) {
  Key kek = MustKey();
  std::string check = MustSeal(kek, "", "check");
  BOOST_CHECK_EQUAL(check.size(), kSealOverhead);
  unsigned char none[1];
  BOOST_CHECK(Unseal(kek, check, "check", none, 0).ok());
  BOOST_TEST(FailsWith(Unseal(kek, check, "other", none, 0), ErrorCode::kInternal, "authentication failed"));

  Key dk = MustKey();
  Result<std::string> wrapped = WrapKey(kek, dk, "dk");
  BOOST_REQUIRE(wrapped.ok());
  Result<Key> back = UnwrapKey(kek, *wrapped, "dk");
  BOOST_REQUIRE(back.ok());
  BOOST_CHECK(std::equal(dk.data(), dk.data() + Key::size(), back->data()));
  BOOST_TEST(FailsWith(UnwrapKey(kek, *wrapped, "dk2"), ErrorCode::kInternal, "authentication failed"));
  BOOST_TEST(FailsWith(UnwrapKey(kek, wrapped->substr(0, wrapped->size() - 1), "dk"), ErrorCode::kInvalidArgument,
                       "ciphertext holds 31 bytes, expected 32"));
}

BOOST_AUTO_TEST_CASE(moved_from_keys_and_values_are_empty_or_zero) {
  Key a = MustKey();
  Key b = std::move(a);
  const unsigned char* raw = a.data();  // NOLINT(bugprone-use-after-move): checking the wipe
  BOOST_CHECK(std::all_of(raw, raw + Key::size(), [](unsigned char c) { return c == 0; }));
  BOOST_CHECK(!std::all_of(b.data(), b.data() + Key::size(), [](unsigned char c) { return c == 0; }));

  SecretValue v(std::string(100, 'z'));
  SecretValue w = std::move(v);
  BOOST_CHECK_EQUAL(v.size(), 0u);  // NOLINT(bugprone-use-after-move)
  BOOST_CHECK_EQUAL(w.view(), std::string(100, 'z'));
  SecretValue shortv(std::string("abc"));
  w = std::move(shortv);
  BOOST_CHECK_EQUAL(w.view(), "abc");
  BOOST_CHECK_EQUAL(shortv.size(), 0u);  // NOLINT(bugprone-use-after-move)
}

BOOST_AUTO_TEST_SUITE_END()
