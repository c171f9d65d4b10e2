// Looking for pieces of text in a test's output (rendered metrics, prompts, logs). Header-only.
#pragma once

#include <cstddef>
#include <string>

namespace clawhive::testing {

inline bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// How often `part` occurs in `text`, overlaps included.
inline size_t CountOf(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace clawhive::testing
