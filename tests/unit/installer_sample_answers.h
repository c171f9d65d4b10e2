// The parts of an installer answer file (installer/answers.h) that the installer's tests share: an
// operator "admin" with a generated password, on the runtime image the tests' fake host has.
#pragma once

#include <string>

namespace clawhive::installer::testing {

inline const std::string kGeneratedAdminAnswers = "operator:\n  name: admin\n  generate_password: true\n";
inline const std::string kRuntimeAnswers = "openclaw: {runtime: openclaw-2026.9.6}\n";

}  // namespace clawhive::installer::testing
