#include "supervisor/common/quantity.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "unit/fails_with.h"

namespace clawhive {
namespace {

using testing::FailsWith;

constexpr uint64_t kK = 1024, kM = kK * 1024, kG = kM * 1024, kT = kG * 1024;

uint64_t Size(const std::string& s) {
  Result<uint64_t> r = ParseSize(s);
  BOOST_TEST_REQUIRE(r.ok(), "'" << s << "': " << (r.ok() ? "" : r.error().message));
  return *r;
}

uint64_t Ms(const std::string& s) {
  Result<uint64_t> r = ParseDurationMs(s);
  BOOST_TEST_REQUIRE(r.ok(), "'" << s << "': " << (r.ok() ? "" : r.error().message));
  return *r;
}

uint64_t Pct(const std::string& s) {
  Result<uint64_t> r = ParsePercent(s);
  BOOST_TEST_REQUIRE(r.ok(), "'" << s << "': " << (r.ok() ? "" : r.error().message));
  return *r;
}

std::string SizeError(const std::string& s) {
  Result<uint64_t> r = ParseSize(s);
  BOOST_TEST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument), "'" << s << "'");
  return r.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quantity)

BOOST_AUTO_TEST_CASE(sizes_take_binary_suffixes) {
  BOOST_TEST(Size("1K") == kK);
  BOOST_TEST(Size("512M") == 512 * kM);
  BOOST_TEST(Size("2G") == 2 * kG);
  BOOST_TEST(Size("3T") == 3 * kT);
  BOOST_TEST(Size("1536M") == 1536 * kM);
}

BOOST_AUTO_TEST_CASE(size_suffixes_may_carry_b_or_ib_in_any_case) {
  BOOST_TEST(Size("1GB") == kG);
  BOOST_TEST(Size("1GiB") == kG);
  BOOST_TEST(Size("1gib") == kG);
  BOOST_TEST(Size("4kb") == 4 * kK);
  BOOST_TEST(Size("10B") == 10u);
}

BOOST_AUTO_TEST_CASE(a_bare_number_is_bytes) {
  BOOST_TEST(Size("1073741824") == kG);
  BOOST_TEST(Size("0") == 0u);
}

BOOST_AUTO_TEST_CASE(fractional_sizes_are_rounded_to_bytes) {
  BOOST_TEST(Size("1.5G") == kG + kG / 2);
  BOOST_TEST(Size("0.5K") == 512u);
}

BOOST_AUTO_TEST_CASE(infinity_is_a_size_of_zero_meaning_no_limit) { BOOST_TEST(Size("infinity") == 0u); }

BOOST_AUTO_TEST_CASE(garbage_sizes_are_rejected_with_what_was_expected) {
  BOOST_TEST(SizeError("") == "expected a size such as 512M or 2G");
  BOOST_TEST(SizeError("lots") == "expected a size such as 512M or 2G");
  BOOST_TEST(SizeError("G") == "expected a size such as 512M or 2G");
  BOOST_TEST(SizeError("-1G") == "expected a size such as 512M or 2G");
  BOOST_TEST(SizeError("12X") == "unknown size suffix; use K, M, G or T");
  BOOST_TEST(SizeError("1e3") == "unknown size suffix; use K, M, G or T");
  BOOST_TEST(SizeError("Infinity") == "expected a size such as 512M or 2G");
}

BOOST_AUTO_TEST_CASE(a_size_error_does_not_echo_the_input) {
  std::string secret = "12hunter2-very-secret";
  BOOST_TEST(SizeError(secret).find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(sizes_that_overflow_are_rejected) {
  BOOST_TEST(SizeError("99999999T") == "size is too large");
  BOOST_TEST(SizeError("100000000000000000000") == "size is too large");
  BOOST_TEST(SizeError(std::string(400, '9')) == "expected a size such as 512M or 2G");  // not even a finite double
}

BOOST_AUTO_TEST_CASE(durations_take_ms_s_m_and_h) {
  BOOST_TEST(Ms("250ms") == 250u);
  BOOST_TEST(Ms("5s") == 5000u);
  BOOST_TEST(Ms("2m") == 120000u);
  BOOST_TEST(Ms("2min") == 120000u);
  BOOST_TEST(Ms("1h") == 3600000u);
  BOOST_TEST(Ms("1.5s") == 1500u);
}

BOOST_AUTO_TEST_CASE(a_bare_duration_is_seconds) { BOOST_TEST(Ms("10") == 10000u); }

BOOST_AUTO_TEST_CASE(garbage_durations_are_rejected) {
  for (const char* bad : {"", "soon", "-5s"})
    BOOST_TEST(FailsWith(ParseDurationMs(bad), ErrorCode::kInvalidArgument, "expected a duration such as 500ms, 5s or 2m"),
               bad);
  BOOST_TEST(FailsWith(ParseDurationMs("5d"), ErrorCode::kInvalidArgument, "unknown duration unit; use ms, s, m or h"));
  BOOST_TEST(FailsWith(ParseDurationMs("5S"), ErrorCode::kInvalidArgument, "unknown duration unit; use ms, s, m or h"));
  BOOST_TEST(FailsWith(ParseDurationMs("99999999999999999h"), ErrorCode::kInvalidArgument, "duration is too large"));
}

BOOST_AUTO_TEST_CASE(percentages_take_an_optional_percent_sign) {
  BOOST_TEST(Pct("150%") == 150u);
  BOOST_TEST(Pct("150") == 150u);
  BOOST_TEST(Pct("0%") == 0u);
}

BOOST_AUTO_TEST_CASE(garbage_percentages_are_rejected) {
  for (const char* bad : {"", "lots", "150%%", "1.5x", "-5%"})
    BOOST_TEST(FailsWith(ParsePercent(bad), ErrorCode::kInvalidArgument, "expected a percentage such as 150%"), bad);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
