#include "supervisor/images/process_runner.h"

#include <cstring>

#include "supervisor/common/subprocess.h"

extern char** environ;

namespace clawhive::images {
namespace {

constexpr size_t kMaxStderr = 8192;

class Real : public ProcessRunner {
 public:
  Result<ProcessOutput> Run(const std::vector<std::string>& argv, size_t max_out) override {
    // The C locale: tar's messages and listing in one known form, whatever the admin's shell had.
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e)
      if (std::strncmp(*e, "LC_ALL=", 7) != 0) env.emplace_back(*e);
    env.emplace_back("LC_ALL=C");
    Result<SubprocessResult> r =
        RunSubprocess({.argv = argv, .env = std::move(env), .stdout_limit = max_out, .stderr_limit = kMaxStderr});
    if (!r) return r.error();
    if (r->out_truncated)
      return Error{ErrorCode::kTooLarge, argv[0] + " printed more than " + std::to_string(max_out) + " bytes"};
    return ProcessOutput{r->ShellStatus(), std::move(r->out), r->ErrLine()};
  }
};

}  // namespace

ProcessRunner& RealProcessRunner() {
  static Real real;
  return real;
}

}  // namespace clawhive::images
