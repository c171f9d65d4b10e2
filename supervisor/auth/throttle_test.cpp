#include "supervisor/auth/throttle.h"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace clawhive::auth;

namespace {
// Small limits a test reaches in a few calls: 3 failures lock an account and 5 an address within 10 s,
// lockouts grow from 1 s to 8 s, and each table holds 100 entries.
ThrottleOptions Opts() {
  return ThrottleOptions{.account_max_failures = 3,
                         .address_max_failures = 5,
                         .window_ms = 10000,
                         .base_lockout_ms = 1000,
                         .max_lockout_ms = 8000,
                         .max_entries = 100};
}

// How long a refused login must wait; 0 when the login is allowed.
int64_t RetryAfter(const ThrottleDecision& d) { return d.allowed ? 0 : d.retry_after_ms; }
}  // namespace

BOOST_AUTO_TEST_SUITE(auth)
BOOST_AUTO_TEST_SUITE(throttle)

BOOST_AUTO_TEST_CASE(account_locks_after_k_failures_and_unlocks_after_the_lockout) {
  LoginThrottle t(Opts());
  for (int i = 0; i < 2; ++i) t.RecordFailure("alice", "10.0.0." + std::to_string(i), 100);
  BOOST_CHECK(t.Check("alice", "10.0.0.9", 100).allowed);
  t.RecordFailure("alice", "10.0.0.3", 100);
  ThrottleDecision d = t.Check("alice", "10.0.0.9", 100);
  BOOST_CHECK(!d.allowed);
  BOOST_CHECK_EQUAL(d.retry_after_ms, 1000);
  BOOST_CHECK(t.Check("bob", "10.0.0.9", 100).allowed);
  BOOST_CHECK(t.Check("alice", "10.0.0.9", 1100).allowed);
}

BOOST_AUTO_TEST_CASE(failures_outside_the_window_do_not_count) {
  LoginThrottle t(Opts());
  t.RecordFailure("alice", "a", 0);
  t.RecordFailure("alice", "a", 1);
  t.RecordFailure("alice", "a", 20000);
  BOOST_CHECK(t.Check("alice", "b", 20000).allowed);
}

BOOST_AUTO_TEST_CASE(repeated_lockouts_double_up_to_the_cap) {
  LoginThrottle t(Opts());
  int64_t now = 0;
  const int64_t expected[] = {1000, 2000, 4000, 8000, 8000};
  for (int64_t want : expected) {
    for (int i = 0; i < 3; ++i) t.RecordFailure("alice", "x" + std::to_string(now + i), now);
    ThrottleDecision d = t.Check("alice", "fresh", now);
    BOOST_CHECK(!d.allowed);
    BOOST_CHECK_EQUAL(d.retry_after_ms, want);
    now += want;
  }
}

BOOST_AUTO_TEST_CASE(address_locks_across_accounts) {
  LoginThrottle t(Opts());
  for (int i = 0; i < 5; ++i) t.RecordFailure("user" + std::to_string(i), "203.0.113.7", 50);
  BOOST_CHECK_EQUAL(RetryAfter(t.Check("someone-else", "203.0.113.7", 50)), 1000);
  BOOST_CHECK(t.Check("someone-else", "203.0.113.8", 50).allowed);
}

BOOST_AUTO_TEST_CASE(success_clears_the_account_but_not_the_address) {
  LoginThrottle t(Opts());
  for (int i = 0; i < 4; ++i) t.RecordFailure("u" + std::to_string(i), "addr", 0);
  t.RecordFailure("alice", "addr", 0);
  t.RecordFailure("alice", "addr2", 0);
  t.RecordSuccess("alice", "addr", 1);
  BOOST_CHECK_EQUAL(RetryAfter(t.Check("alice", "addr", 1)), 999);  // address is locked (5 failures)
  t.RecordFailure("alice", "addr3", 1);
  t.RecordFailure("alice", "addr3", 1);
  BOOST_CHECK(t.Check("alice", "addr3", 1).allowed);  // the account count restarted
}

BOOST_AUTO_TEST_CASE(memory_is_bounded_and_locked_entries_survive_a_flood) {
  ThrottleOptions o = Opts();
  o.max_entries = 50;
  LoginThrottle t(o);
  for (int i = 0; i < 3; ++i) t.RecordFailure("admin", "a" + std::to_string(i), 0);
  for (int i = 0; i < 1000; ++i) t.RecordFailure("junk" + std::to_string(i), "b" + std::to_string(i), 1);
  BOOST_CHECK_LE(t.account_entries(), 50u);
  BOOST_CHECK_LE(t.address_entries(), 50u);
  BOOST_CHECK_EQUAL(RetryAfter(t.Check("admin", "c", 2)), 998);
}

BOOST_AUTO_TEST_CASE(huge_keys_are_truncated) {
  LoginThrottle t(Opts());
  const std::string big(100000, 'x');
  for (int i = 0; i < 3; ++i) t.RecordFailure(big, "a", 0);
  BOOST_CHECK_EQUAL(RetryAfter(t.Check(big, "b", 0)), 1000);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
