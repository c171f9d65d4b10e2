// RunSubprocess: the one way Clawhive runs a helper program (useradd, tar, systemd-creds, systemd-run,
// systemctl, ...) and waits for it.
//
// The child is started with posix_spawn (no shell; nothing allocates between fork and exec, so any
// thread of a multi-threaded process may call this, concurrently), with an empty signal mask and every
// signal's disposition reset to the default. Its stdin is `stdin_data`, written by the calling thread
// while it reads the output (so a large input cannot deadlock; SIGPIPE is blocked on that thread
// meanwhile), or /dev/null when that is empty. stdout and stderr are each captured up to a cap (the rest
// is read and dropped so the child can finish; the result says it was truncated), sent to /dev/null, or
// inherited. With a timeout, the child leads a process group of its own, and when the timeout passes
// that group is killed with SIGKILL; without one it stays in ours (a terminal's Ctrl-C reaches it). The
// child is always reaped before this returns, also on error.
//
// Secret-bearing runs set `wipe`: captured output is then read straight into storage reserved up front
// (never reallocated, so no stray copy is freed), and the scratch buffers and any bytes past the cap
// are cleansed (OPENSSL_cleanse). The caller owns and wipes stdin_data and the result's out/err.
//
// A failing, killed or timed-out child is not an Error: see SubprocessResult. An Error means the program
// could not be run: kInvalidArgument for an empty argv, kNotFound when the program does not exist (not
// on PATH, or no such file), kUnavailable for any other failure to start or watch it.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive {

enum class OutputMode {
  kCapture,  // into SubprocessResult::out/err, up to the cap
  kDiscard,  // /dev/null
  kInherit,  // this process's own stdout/stderr (e.g. systemctl's messages reach the admin)
};

struct SubprocessOptions {
  // argv[0] is the program: an absolute path, or a name looked up on this process's PATH.
  std::vector<std::string> argv{};
  // "NAME=value" strings; nullopt: this process's environment.
  std::optional<std::vector<std::string>> env{};
  std::string_view stdin_data{};  // not copied: must outlive the call. Empty: /dev/null.
  OutputMode stdout_mode = OutputMode::kCapture;
  size_t stdout_limit = 1 << 20;
  OutputMode stderr_mode = OutputMode::kCapture;
  size_t stderr_limit = 8 << 10;
  std::chrono::milliseconds timeout{0};  // 0: wait as long as it takes
  bool wipe = false;                     // see above
};

struct SubprocessResult {
  int exit_code = -1;      // its exit status when it exited, else -1
  int signal = 0;          // the signal that ended it, else 0 (SIGKILL after a timeout)
  bool timed_out = false;  // we killed it when the timeout passed
  std::string out, err;    // captured output, at most the caps
  bool out_truncated = false, err_truncated = false;  // it wrote more than the cap

  bool Succeeded() const { return exit_code == 0; }
  // One number for callers that report one: the exit status, or 128+N when killed by signal N.
  int ShellStatus() const { return signal != 0 ? 128 + signal : exit_code; }
  // "exit status 3", "killed by signal 15", "did not finish in time and was killed" (for messages).
  std::string Describe() const;
  // Captured stderr on one line: control characters become spaces, the ends are trimmed.
  std::string ErrLine() const;
};

Result<SubprocessResult> RunSubprocess(const SubprocessOptions& options);

}  // namespace clawhive
