// Reading a JSON document in a test by a dotted path ("agent.exec"). Header-only.
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/common/json.h"

namespace clawhive::testing {

// The member at a dotted path ("agent.exec"); fails the test when any step is missing.
inline const JsonValue& AtPath(const JsonValue& v, const std::string& path) {
  const JsonValue* cur = &v;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    cur = cur->Find(key);
    BOOST_REQUIRE_MESSAGE(cur != nullptr, "missing field " << path);
    if (dot == std::string::npos) return *cur;
    start = dot + 1;
  }
}

}  // namespace clawhive::testing
