#include "supervisor/common/subprocess.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <memory>
#include <optional>
#include <tuple>

#include "supervisor/common/unique_fd.h"

extern char** environ;

namespace clawhive {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

struct Pipe {
  UniqueFd r, w;
};

Result<Pipe> MakePipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Error::Unavailable("cannot create a pipe: " + ErrnoText(errno));
  return Pipe{UniqueFd(p[0]), UniqueFd(p[1])};
}

struct DestroyFileActions {
  void operator()(posix_spawn_file_actions_t* a) const noexcept { ::posix_spawn_file_actions_destroy(a); }
};
struct DestroyAttr {
  void operator()(posix_spawnattr_t* a) const noexcept { ::posix_spawnattr_destroy(a); }
};

// The started child until it is reaped. Whatever way the caller leaves (an early return, bad_alloc), the
// destructor kills what is left of it and reaps it: no zombie, no orphaned helper.
class Child {
 public:
  Child(pid_t pid, bool own_group) : pid_(pid), own_group_(own_group) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      Kill();
      (void)Reap();
    }
  }
  // The child, and its group when it leads one (POSIX_SPAWN_SETPGROUP). Safe until reaped: an unreaped
  // zombie keeps its pid and group id from being reused.
  void Kill() const {
    if (own_group_) ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  int Reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
  bool own_group_;
};

// One captured stream: reads into `into` up to `limit`, drops (and with wipe, cleanses) the rest.
struct Capture {
  UniqueFd fd;
  std::string* into = nullptr;
  size_t limit = 0;
  bool* truncated = nullptr;
};

// Reads what is there; false once the stream is finished (EOF or an error).
bool ReadSome(Capture& c, char* scratch, size_t scratch_size, bool wipe) {
  std::string& s = *c.into;
  ssize_t n;
  if (s.size() < c.limit && wipe) {
    // Straight into the reserved storage: resize within capacity never reallocates.
    const size_t at = s.size();
    s.resize(c.limit);
    n = ::read(c.fd.get(), s.data() + at, c.limit - at);
    s.resize(at + static_cast<size_t>(std::max<ssize_t>(n, 0)));
  } else {
    n = ::read(c.fd.get(), scratch, scratch_size);
    if (n > 0) {
      const size_t take = std::min(static_cast<size_t>(n), c.limit - std::min(c.limit, s.size()));
      s.append(scratch, take);
      if (take < static_cast<size_t>(n)) *c.truncated = true;
    }
  }
  if (n > 0) return true;
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

// Writing to a child that exited without reading its stdin raises SIGPIPE, whose default action would
// end this whole process. While this lives, SIGPIPE is blocked on the calling thread only (the mask is
// per thread; other threads are unaffected), and the one our own write raised is consumed at the end.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (raised_ && !was_pending_) {
      struct timespec zero {};
      ::sigtimedwait(&pipe_, nullptr, &zero);
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  void Raised() { raised_ = true; }

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false, raised_ = false;
};

bool HasSlash(const std::string& s) { return s.find('/') != std::string::npos; }

}  // namespace

std::string SubprocessResult::Describe() const {
  if (timed_out) return "did not finish in time and was killed";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit status " + std::to_string(exit_code);
}

std::string SubprocessResult::ErrLine() const {
  std::string line;
  for (char c : err) line += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  const size_t first = line.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return line.substr(first, line.find_last_not_of(' ') - first + 1);
}

Result<SubprocessResult> RunSubprocess(const SubprocessOptions& o) {
  if (o.argv.empty()) return Error::Invalid("no program to run");
  const std::string& program = o.argv[0];

  // Everything the child needs is built here, before posix_spawn: the child itself allocates nothing.
  std::vector<char*> args;
  for (const std::string& a : o.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  if (o.env) {
    for (const std::string& e : *o.env) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
  }

  posix_spawn_file_actions_t actions_storage;
  if (int rc = ::posix_spawn_file_actions_init(&actions_storage); rc != 0)
    return Error::Unavailable("cannot run " + program + ": " + ErrnoText(rc));
  std::unique_ptr<posix_spawn_file_actions_t, DestroyFileActions> actions(&actions_storage);
  posix_spawnattr_t attr_storage;
  if (int rc = ::posix_spawnattr_init(&attr_storage); rc != 0)
    return Error::Unavailable("cannot run " + program + ": " + ErrnoText(rc));
  std::unique_ptr<posix_spawnattr_t, DestroyAttr> attr(&attr_storage);

  // The parent's ends are O_CLOEXEC; the child's ends are dup2()ed onto 0/1/2, which clears that flag.
  Pipe in, out, err;
  if (!o.stdin_data.empty()) {
    Result<Pipe> p = MakePipe();
    if (!p) return p.error();
    in = std::move(*p);
    ::posix_spawn_file_actions_adddup2(actions.get(), in.r.get(), STDIN_FILENO);
  } else {
    ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  for (auto [mode, pipe, fd] : {std::tuple{o.stdout_mode, &out, STDOUT_FILENO},
                                std::tuple{o.stderr_mode, &err, STDERR_FILENO}}) {
    if (mode == OutputMode::kCapture) {
      Result<Pipe> p = MakePipe();
      if (!p) return p.error();
      *pipe = std::move(*p);
      ::posix_spawn_file_actions_adddup2(actions.get(), pipe->w.get(), fd);
    } else if (mode == OutputMode::kDiscard) {
      ::posix_spawn_file_actions_addopen(actions.get(), fd, "/dev/null", O_WRONLY, 0);
    }
  }

  // A clean slate for signals: threads of ours block some (SIGTERM for a signalfd, SIGPIPE above) and
  // the mask and ignored dispositions would otherwise survive exec.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(attr.get(), &none);
  ::posix_spawnattr_setsigdefault(attr.get(), &all);
  // With a timeout, a process group of its own, so the kill reaches its helpers too. Without one it stays
  // in ours: an interactive caller's Ctrl-C still reaches it, and it is never a background job that
  // stops (SIGTTOU/SIGTTIN) when it touches the terminal.
  const bool own_group = o.timeout.count() > 0;
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (own_group) {
    ::posix_spawnattr_setpgroup(attr.get(), 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  ::posix_spawnattr_setflags(attr.get(), flags);

  pid_t pid = -1;
  char** envp = o.env ? env.data() : environ;
  const int rc = HasSlash(program) ? ::posix_spawn(&pid, program.c_str(), actions.get(), attr.get(), args.data(), envp)
                                   : ::posix_spawnp(&pid, program.c_str(), actions.get(), attr.get(), args.data(), envp);
  in.r.reset();
  out.w.reset();
  err.w.reset();
  if (rc == ENOENT) {
    if (HasSlash(program)) return Error::NotFound(program + " does not exist");
    return Error::NotFound(program + " is not installed (not found on PATH)");
  }
  if (rc != 0) return Error::Unavailable("cannot run " + program + ": " + ErrnoText(rc));
  Child child(pid, own_group);

  // Its exit is watched through a pidfd (Linux >= 5.3), so the timeout also holds for a child that
  // closed its output and kept running. Without one, the wait after the output ends is unbounded.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  SubprocessResult result;
  Capture captures[2] = {{std::move(out.r), &result.out, o.stdout_limit, &result.out_truncated},
                         {std::move(err.r), &result.err, o.stderr_limit, &result.err_truncated}};
  if (o.wipe) {
    for (Capture& c : captures)
      if (c.fd.get() >= 0) c.into->reserve(c.limit);
  }
  std::optional<SigpipeBlock> sigpipe;
  if (in.w.get() >= 0) {
    sigpipe.emplace();
    ::fcntl(in.w.get(), F_SETFL, O_NONBLOCK);
  }
  size_t written = 0;
  bool exited = pidfd.get() < 0;  // without a pidfd: only the output is watched
  char scratch[65536];
  const bool has_deadline = o.timeout.count() > 0;
  const auto deadline = std::chrono::steady_clock::now() + o.timeout;
  while (!exited || captures[0].fd.get() >= 0 || captures[1].fd.get() >= 0) {
    int wait_ms = -1;
    if (has_deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
    }
    pollfd fds[4] = {{in.w.get(), POLLOUT, 0},
                     {captures[0].fd.get(), POLLIN, 0},
                     {captures[1].fd.get(), POLLIN, 0},
                     {exited ? -1 : pidfd.get(), POLLIN, 0}};
    const int n = ::poll(fds, 4, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      if (o.wipe) {
        for (std::string* s : {&result.out, &result.err}) OPENSSL_cleanse(s->data(), s->size());
        OPENSSL_cleanse(scratch, sizeof scratch);
      }
      return Error::Unavailable("cannot wait for " + program + ": " + ErrnoText(e));
    }
    if (fds[0].fd >= 0 && fds[0].revents != 0) {
      ssize_t w = ::write(in.w.get(), o.stdin_data.data() + written, o.stdin_data.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno == EPIPE) sigpipe->Raised();
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == o.stdin_data.size()) in.w.reset();
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i + 1].fd >= 0 && fds[i + 1].revents != 0 && !ReadSome(captures[i], scratch, sizeof scratch, o.wipe))
        captures[i].fd.reset();
    }
    if (fds[3].fd >= 0 && fds[3].revents != 0) exited = true;
  }
  in.w.reset();  // a child still reading its stdin sees EOF (or EPIPE) from here on
  sigpipe.reset();
  if (o.wipe) OPENSSL_cleanse(scratch, sizeof scratch);

  if (result.timed_out) child.Kill();
  const int status = child.Reap();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace clawhive
