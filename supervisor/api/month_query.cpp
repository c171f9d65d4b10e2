#include "supervisor/api/month_query.h"

#include <ctime>

namespace clawhive {

Result<std::pair<int64_t, int64_t>> MonthQuery(const std::string* text, int64_t now_ms) {
  struct tm tm {};
  if (text == nullptr) {
    time_t secs = static_cast<time_t>(now_ms / 1000);
    gmtime_r(&secs, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  } else {
    const std::string& t = *text;
    bool ok = t.size() == 7 && t[4] == '-';
    for (size_t i = 0; ok && i < 7; ++i) ok = i == 4 || (t[i] >= '0' && t[i] <= '9');
    int month = ok ? std::stoi(t.substr(5, 2)) : 0;
    if (!ok || month < 1 || month > 12) return Error::Invalid("query parameter 'period' must be a month such as 2026-11");
    tm.tm_year = std::stoi(t.substr(0, 4)) - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = 1;
  }
  int64_t start = static_cast<int64_t>(timegm(&tm)) * 1000;
  tm.tm_mon += 1;  // timegm normalises December + 1 to January of the next year
  int64_t end = static_cast<int64_t>(timegm(&tm)) * 1000;
  return std::make_pair(start, end);
}

}  // namespace clawhive
