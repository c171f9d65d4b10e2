// Where the OpenClaw suites find the runtime images tests/openclaw/build-images made. Any thread.
#pragma once

#include <string>

namespace clawhive::testing {

// $CLAWHIVE_RUNTIME_DIR, else <build>/runtime.
std::string RuntimeDir();
// The artifact of image `id` there ("<id>-node*.tar*", not its .sha256); "" when there is none.
std::string Artifact(const std::string& id);

}  // namespace clawhive::testing
