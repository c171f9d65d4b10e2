// TempDir: a fresh directory for one test or benchmark run (/tmp/<prefix>-XXXXXX), removed with
// everything in it — read-only trees included — when it goes out of scope. Throws std::runtime_error
// when it cannot be made.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace clawhive::testing {

struct TempDir {
  std::string path;

  explicit TempDir(const std::string& prefix = "clawhive-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create " + tmpl);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // An image or a staging copy may be read-only: make the directories writable to empty them.
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0700);
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string File(const std::string& name) const { return path + "/" + name; }
};

}  // namespace clawhive::testing
