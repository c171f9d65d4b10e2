#include "supervisor/images/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace clawhive::images {
namespace {

constexpr size_t kMaxStderr = 8192;

class Pipe {
 public:
  Pipe() {
    int p[2];
    if (pipe2(p, O_CLOEXEC) == 0) {
      r = p[0];
      w = p[1];
    }
  }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return r >= 0; }
  void CloseRead() {
    if (r >= 0) close(r);
    r = -1;
  }
  void CloseWrite() {
    if (w >= 0) close(w);
    w = -1;
  }
  int r = -1, w = -1;
};

class Real : public ProcessRunner {
 public:
  Result<ProcessOutput> Run(const std::vector<std::string>& argv, size_t max_out) override {
    if (argv.empty()) return Error::Invalid("no program to run");
    Pipe out, err;
    if (!out.ok() || !err.ok()) return Error::Unavailable(std::string("cannot create a pipe: ") + strerror(errno));

    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e)
      if (strncmp(*e, "LC_ALL=", 7) != 0) env_strings.emplace_back(*e);
    env_strings.emplace_back("LC_ALL=C");
    std::vector<char*> env;
    for (std::string& s : env_strings) env.push_back(s.data());
    env.push_back(nullptr);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out.w, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err.w, STDERR_FILENO);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    out.CloseWrite();
    err.CloseWrite();
    if (rc == ENOENT) return Error::NotFound(argv[0] + " is not installed (not found on PATH)");
    if (rc != 0) return Error::Unavailable("cannot run " + argv[0] + ": " + strerror(rc));

    ProcessOutput result;
    bool too_much = false;
    char buf[65536];
    while (out.r >= 0 || err.r >= 0) {
      pollfd fds[2] = {{out.r, POLLIN, 0}, {err.r, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        Pipe& p = i == 0 ? out : err;
        if (p.r < 0 || fds[i].revents == 0) continue;
        ssize_t n = read(p.r, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
          p.CloseRead();
          continue;
        }
        std::string& into = i == 0 ? result.out : result.err;
        size_t cap = i == 0 ? max_out : kMaxStderr;
        size_t take = std::min(static_cast<size_t>(n), cap - std::min(cap, into.size()));
        into.append(buf, take);
        if (i == 0 && take < static_cast<size_t>(n)) too_much = true;
      }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    while (!result.err.empty() && std::strchr(" \t\r\n", result.err.back())) result.err.pop_back();
    if (too_much)
      return Error{ErrorCode::kTooLarge, argv[0] + " printed more than " + std::to_string(max_out) + " bytes"};
    return result;
  }
};

}  // namespace

ProcessRunner& RealProcessRunner() {
  static Real real;
  return real;
}

}  // namespace clawhive::images
