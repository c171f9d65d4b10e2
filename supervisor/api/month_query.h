// The `period` query parameter of the usage and billing routes: a calendar month in UTC.
// Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "supervisor/common/result.h"

namespace clawhive {

// "2026-11" -> [start, end) of that month in unix ms (UTC); nullptr (no parameter) -> the month holding
// `now_ms`. Anything but YYYY-MM with a month 01-12 is Invalid, naming the parameter.
Result<std::pair<int64_t, int64_t>> MonthQuery(const std::string* text, int64_t now_ms);

}  // namespace clawhive
