// RunSubprocess against real programs (sh, cat, head, sleep).
#include "supervisor/common/subprocess.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>
#include <vector>

namespace clawhive {
namespace {

using namespace std::chrono_literals;

SubprocessResult MustRun(SubprocessOptions o) {
  Result<SubprocessResult> r = RunSubprocess(o);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

SubprocessResult Sh(const std::string& script) { return MustRun({.argv = {"sh", "-c", script}}); }

// Changes this thread's mask or a disposition for one test, and puts it back.
struct BlockedOnThisThread {
  sigset_t set, old;
  explicit BlockedOnThisThread(int sig) {
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, &old);
  }
  ~BlockedOnThisThread() { pthread_sigmask(SIG_SETMASK, &old, nullptr); }
};
struct Ignored {
  int sig;
  struct sigaction old {};
  explicit Ignored(int s) : sig(s) {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigaction(sig, &ign, &old);
  }
  ~Ignored() { sigaction(sig, &old, nullptr); }
};

BOOST_AUTO_TEST_SUITE(subprocess)

BOOST_AUTO_TEST_CASE(the_exit_status_is_reported) {
  SubprocessResult ok = Sh("exit 0");
  BOOST_TEST(ok.Succeeded());
  SubprocessResult three = Sh("echo out; echo err >&2; exit 3");
  BOOST_TEST(three.exit_code == 3);
  BOOST_TEST(three.signal == 0);
  BOOST_TEST(!three.Succeeded());
  BOOST_TEST(three.ShellStatus() == 3);
  BOOST_TEST(three.Describe() == "exit status 3");
  BOOST_TEST(three.out == "out\n");
  BOOST_TEST(three.err == "err\n");
  BOOST_TEST(three.ErrLine() == "err");
}

BOOST_AUTO_TEST_CASE(death_by_a_signal_is_reported_as_that_signal) {
  SubprocessResult r = Sh("kill -KILL $$");
  BOOST_TEST(r.signal == SIGKILL);
  BOOST_TEST(r.exit_code == -1);
  BOOST_TEST(!r.timed_out);
  BOOST_TEST(r.ShellStatus() == 128 + SIGKILL);
  BOOST_TEST(r.Describe() == "killed by signal 9");
}

BOOST_AUTO_TEST_CASE(stdin_is_delivered_whole_even_past_the_pipe_buffer) {
  std::string input(1 << 20, '\0');
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>(i * 7);
  SubprocessResult r = MustRun({.argv = {"cat"}, .stdin_data = input, .stdout_limit = 2 << 20});
  BOOST_TEST(r.Succeeded());
  BOOST_TEST(!r.out_truncated);
  BOOST_TEST((r.out == input));
}

BOOST_AUTO_TEST_CASE(without_stdin_data_the_child_reads_dev_null) {
  SubprocessResult r = MustRun({.argv = {"cat"}});
  BOOST_TEST(r.Succeeded());
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(a_child_that_ignores_its_stdin_does_not_take_us_down_with_sigpipe) {
  SubprocessResult r = MustRun({.argv = {"true"}, .stdin_data = std::string(1 << 20, 'x')});
  BOOST_TEST(r.Succeeded());
}

BOOST_AUTO_TEST_CASE(output_past_the_cap_is_dropped_and_flagged) {
  SubprocessResult r = MustRun({.argv = {"sh", "-c", "printf 0123456789; printf abcdefghij >&2"},
                                .stdout_limit = 4,
                                .stderr_limit = 3});
  BOOST_TEST(r.Succeeded());
  BOOST_TEST(r.out == "0123");
  BOOST_TEST(r.out_truncated);
  BOOST_TEST(r.err == "abc");
  BOOST_TEST(r.err_truncated);

  SubprocessResult exact = MustRun({.argv = {"printf", "0123"}, .stdout_limit = 4});
  BOOST_TEST(exact.out == "0123");
  BOOST_TEST(!exact.out_truncated);
}

BOOST_AUTO_TEST_CASE(a_child_writing_100_mb_stays_within_the_cap_and_finishes) {
  SubprocessResult r = MustRun({.argv = {"head", "-c", "100000000", "/dev/zero"}, .stdout_limit = 64 << 10});
  BOOST_TEST(r.Succeeded());
  BOOST_TEST(r.out.size() == 64u << 10);
  BOOST_TEST(r.out.capacity() < 1u << 20);
  BOOST_TEST(r.out_truncated);
}

BOOST_AUTO_TEST_CASE(wiping_runs_capture_the_same_bytes) {
  SubprocessResult r = MustRun({.argv = {"cat"}, .stdin_data = "key bytes\n\x01\x02", .stdout_limit = 64, .wipe = true});
  BOOST_TEST(r.out == "key bytes\n\x01\x02");
  SubprocessResult over = MustRun({.argv = {"head", "-c", "100000", "/dev/zero"}, .stdout_limit = 10, .wipe = true});
  BOOST_TEST(over.out == std::string(10, '\0'));
  BOOST_TEST(over.out_truncated);
}

BOOST_AUTO_TEST_CASE(a_child_past_its_timeout_is_killed_and_reaped) {
  SubprocessResult r = MustRun({.argv = {"sleep", "30"}, .timeout = 200ms});
  BOOST_TEST(r.timed_out);
  BOOST_TEST(r.signal == SIGKILL);
  BOOST_TEST(r.Describe() == "did not finish in time and was killed");
}

BOOST_AUTO_TEST_CASE(the_timeout_holds_for_a_child_that_closed_its_output) {
  SubprocessResult r = MustRun({.argv = {"sh", "-c", "exec >&- 2>&-; sleep 30"}, .timeout = 200ms});
  BOOST_TEST(r.timed_out);
}

BOOST_AUTO_TEST_CASE(the_timeout_kills_the_childs_helpers_too) {
  SubprocessResult r = MustRun({.argv = {"sh", "-c", "sleep 30 & echo $!; wait"}, .timeout = 200ms});
  BOOST_TEST(r.timed_out);
  const pid_t helper = static_cast<pid_t>(std::stol(r.out));
  // The helper was in the child's process group: it ends too (its pidfd becomes readable), long before 30 s.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, helper, 0));
  if (pidfd < 0) {
    BOOST_TEST(errno == ESRCH);  // already gone and reaped
    return;
  }
  pollfd p{pidfd, POLLIN, 0};
  BOOST_TEST(poll(&p, 1, 10000) == 1);
  close(pidfd);
}

BOOST_AUTO_TEST_CASE(a_missing_program_is_not_found_by_name) {
  Result<SubprocessResult> on_path = RunSubprocess({.argv = {"clawhive-no-such-program-x"}});
  BOOST_REQUIRE(!on_path.ok());
  BOOST_TEST((on_path.error().code == ErrorCode::kNotFound));
  BOOST_TEST(on_path.error().message == "clawhive-no-such-program-x is not installed (not found on PATH)");
  Result<SubprocessResult> by_path = RunSubprocess({.argv = {"/nonexistent/tool"}});
  BOOST_REQUIRE(!by_path.ok());
  BOOST_TEST((by_path.error().code == ErrorCode::kNotFound));
  BOOST_TEST(by_path.error().message == "/nonexistent/tool does not exist");
  BOOST_TEST((RunSubprocess({}).error().code == ErrorCode::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(the_childs_signal_mask_is_empty_whatever_the_calling_thread_blocks) {
  BlockedOnThisThread blocked(SIGTERM);
  SubprocessResult r = Sh("kill -TERM $$; sleep 5");
  BOOST_TEST(r.signal == SIGTERM);
}

BOOST_AUTO_TEST_CASE(a_signal_this_process_ignores_has_its_default_action_in_the_child) {
  Ignored ignored(SIGINT);  // a non-interactive sh may not un-ignore it itself
  SubprocessResult r = Sh("kill -INT $$; sleep 5");
  BOOST_TEST(r.signal == SIGINT);
}

BOOST_AUTO_TEST_CASE(the_environment_is_replaced_when_given) {
  SubprocessResult r = MustRun({.argv = {"sh", "-c", "echo \"$ONLY:${HOME:-unset}\""}, .env = {{"ONLY=this"}}});
  BOOST_TEST(r.out == "this:unset\n");
}

BOOST_AUTO_TEST_CASE(output_can_be_discarded) {
  SubprocessResult r = MustRun({.argv = {"sh", "-c", "echo out; echo err >&2"},
                                .stdout_mode = OutputMode::kDiscard,
                                .stderr_mode = OutputMode::kDiscard});
  BOOST_TEST(r.Succeeded());
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.empty());
}

BOOST_AUTO_TEST_CASE(threads_may_run_children_at_the_same_time) {
  std::vector<std::string> outs(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < outs.size(); ++i)
    threads.emplace_back([&outs, i] {
      for (int round = 0; round < 5; ++round) {
        Result<SubprocessResult> r = RunSubprocess({.argv = {"echo", std::to_string(i)}});
        if (r.ok()) outs[i] += r->out;
      }
    });
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < outs.size(); ++i) {
    std::string want;
    for (int round = 0; round < 5; ++round) want += std::to_string(i) + "\n";
    BOOST_TEST(outs[i] == want);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
