// FailsWith(result, code[, phrase]): a Boost.Test predicate that a Result<T> or Status failed with
// exactly `code` and, when `phrase` is given, with a message containing it. A test that expects
// "not found" must not pass on "invalid argument", so tests check this rather than `!r.ok()`.
//
//   BOOST_TEST(FailsWith(store.Get("nope"), ErrorCode::kNotFound, "no tenant 'nope'"));
//
// On a mismatch the assertion's message says what came back instead, with codes named as the API names
// them (ErrorCodeName). Stateless: callable from any thread, though Boost.Test's macros are not.
#pragma once

#include <boost/test/tools/assertion_result.hpp>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::testing {

template <typename R>
boost::test_tools::assertion_result FailsWith(const R& r, ErrorCode code, std::string_view phrase = {}) {
  boost::test_tools::assertion_result verdict(false);
  const std::string expected = std::string(ErrorCodeName(code)) +
                               (phrase.empty() ? "" : " containing \"" + std::string(phrase) + "\"");
  if (r.ok()) {
    verdict.message() << "succeeded; expected " << expected;
    return verdict;
  }
  const Error& e = r.error();
  if (e.code == code && e.message.find(phrase) != std::string::npos) return true;
  verdict.message() << "failed with " << ErrorCodeName(e.code) << " \"" << e.message << "\"; expected "
                    << expected;
  return verdict;
}

}  // namespace clawhive::testing
