// Helpers for the image tests: a temporary directory (deleted even when read-only) and small file
// writers. Header-only; used by content_digest_test.cpp and image_store_test.cpp.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "unit/temp_dir.h"

namespace clawhive::images::testing {

struct TempDir : clawhive::testing::TempDir {
  TempDir() : clawhive::testing::TempDir("clawhive-image-test") {}
};

inline void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << content; }
  chmod(path.c_str(), mode);
}

inline mode_t ModeOf(const std::string& path) {
  struct stat st {};
  lstat(path.c_str(), &st);
  return st.st_mode & 07777;
}

}  // namespace clawhive::images::testing
