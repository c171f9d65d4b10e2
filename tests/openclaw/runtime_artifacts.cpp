#include "openclaw/runtime_artifacts.h"

#include <cstdlib>
#include <filesystem>

namespace clawhive::testing {

std::string RuntimeDir() {
  const char* d = std::getenv("CLAWHIVE_RUNTIME_DIR");
  return d ? d : std::string(CLAWHIVE_BINARY_DIR) + "/runtime";
}

std::string Artifact(const std::string& id) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(RuntimeDir(), ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(id + "-node", 0) == 0 && name.find(".sha256") == std::string::npos) return e.path().string();
  }
  return "";
}

}  // namespace clawhive::testing
