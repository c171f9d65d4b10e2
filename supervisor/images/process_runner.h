// ProcessRunner: runs a helper program (here: tar, and through it gzip/zstd) without a shell and
// collects what it prints. The image store's only OS touchpoint beyond the file system, so a test can
// stand in for tar. RealProcessRunner() runs it through RunSubprocess; stateless, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::images {

struct ProcessOutput {
  int exit_code = 0;  // 0..255; 128+N when killed by signal N
  std::string out;    // stdout
  std::string err;    // the first 8 KiB of stderr on one line (SubprocessResult::ErrLine)
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs argv (argv[0] looked up on PATH) with stdin from /dev/null, LC_ALL=C, the rest of the
  // environment inherited, and waits for it. kTooLarge when stdout passes max_out bytes (the rest is
  // read and dropped so the child can finish); kNotFound when the program is not installed;
  // kUnavailable when it could not be started. A non-zero exit is not an error here: see exit_code.
  virtual Result<ProcessOutput> Run(const std::vector<std::string>& argv, size_t max_out) = 0;
};

ProcessRunner& RealProcessRunner();

}  // namespace clawhive::images
