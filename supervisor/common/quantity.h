// Parsing of human quantities used in the config file and the API: sizes ("512M", "1.5G", "1073741824"),
// durations ("250ms", "5s", "2m", "1h") and percentages ("150%"). Pure functions; the error message says
// what was expected and never echoes more than the offending token.
#pragma once

#include <cstdint>
#include <string>

#include "supervisor/common/result.h"

namespace clawhive {

// Bytes. Suffixes K, M, G, T (powers of 1024, optional trailing "B" or "iB"); a bare number is bytes.
// "infinity" gives 0 (no limit).
Result<uint64_t> ParseSize(const std::string& text);
// Milliseconds. Suffixes ms, s, m, h; a bare number is seconds.
Result<uint64_t> ParseDurationMs(const std::string& text);
// Whole percent, "150%" -> 150. Bare numbers are accepted as percent.
Result<uint64_t> ParsePercent(const std::string& text);

}  // namespace clawhive
