#include "supervisor/openclaw/config_validator.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "supervisor/api/json.h"

namespace clawhive {

Result<std::vector<ConfigIssue>> ParseValidateOutput(const std::string& text) {
  // Node may print warnings before the document (and they may hold braces); the JSON starts at the first
  // line that begins with '{' (failing that, at the first '{').
  size_t start = std::string::npos;
  for (size_t line = 0; line < text.size(); line = text.find('\n', line) + 1) {
    if (text[line] == '{') {
      start = line;
      break;
    }
    if (text.find('\n', line) == std::string::npos) break;
  }
  if (start == std::string::npos) start = text.find('{');
  if (start == std::string::npos) return Error::Unavailable("openclaw config validate printed no JSON");
  Result<api::JsonValue> v = api::ParseJson(std::string_view(text).substr(start));
  if (!v || !v->is_object()) return Error::Unavailable("openclaw config validate printed unreadable JSON");
  const api::JsonValue* valid = v->Find("valid");
  if (!valid || valid->kind() != api::JsonValue::Kind::kBool)
    return Error::Unavailable("openclaw config validate did not say whether the config is valid");
  std::vector<ConfigIssue> issues;
  if (valid->boolean()) return issues;
  if (const api::JsonValue* list = v->Find("issues"); list && list->is_array()) {
    for (const api::JsonValue& i : list->items()) {
      if (!i.is_object()) continue;
      const api::JsonValue* p = i.Find("path");
      const api::JsonValue* m = i.Find("message");
      issues.push_back({p && p->is_string() ? p->string() : "", m && m->is_string() ? m->string() : "invalid"});
    }
  }
  if (issues.empty()) issues.push_back({"", "OpenClaw rejects the configuration"});
  return issues;
}

std::vector<std::string> ProcessConfigValidator::Command(const RuntimeImage& image,
                                                         const std::vector<std::string>& env_names) const {
  std::vector<std::string> argv = {
      "systemd-run", "--quiet", "--wait", "--pipe", "--collect", "--service-type=exec",
      "--description=Clawhive OpenClaw config check",
      // The agent's sandbox (units/clawhive-agent@.service), with a throwaway uid and an empty network.
      "-p", "DynamicUser=yes", "-p", "PrivateNetwork=yes", "-p", "PrivateTmp=yes", "-p", "PrivateDevices=yes",
      "-p", "PrivateIPC=yes", "-p", "ProtectSystem=strict", "-p", "ProtectHome=yes", "-p", "ProtectProc=invisible",
      "-p", "InaccessiblePaths=-/etc/clawhive -/var/lib/clawhive -/run/clawhive -/var/lib/clawhive-tenants",
      "-p", "NoNewPrivileges=yes", "-p", "CapabilityBoundingSet=", "-p", "RestrictNamespaces=yes",
      "-p", "ProtectKernelTunables=yes", "-p", "ProtectKernelModules=yes", "-p", "ProtectKernelLogs=yes",
      "-p", "ProtectControlGroups=yes", "-p", "ProtectClock=yes", "-p", "ProtectHostname=yes",
      "-p", "RestrictRealtime=yes", "-p", "LockPersonality=yes", "-p", "SystemCallArchitectures=native",
      "-p", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
      "-p", "SystemCallFilter=@system-service", "-p", "SystemCallErrorNumber=EPERM",
      "-p", "IPAddressDeny=any", "-p", "MemoryMax=1G", "-p", "TasksMax=256",
      "-p", "RuntimeMaxSec=" + std::to_string(timeout_.count()), "-p", "UMask=0077",
      "-E", "PATH=/usr/bin:/bin", "-E", "HOME=/tmp/home", "-E", "OPENCLAW_STATE_DIR=/tmp/state",
      "-E", "OPENCLAW_CONFIG_PATH=/tmp/openclaw.json5", "-E", "OPENCLAW_NO_AUTO_UPDATE=1",
      "-E", "OPENCLAW_SUPERVISOR_MODE=external"};
  for (const std::string& name : env_names) {
    argv.push_back("-E");
    argv.push_back(name + "=placeholder");
  }
  // The candidate arrives on stdin and is written into the unit's own private /tmp.
  argv.insert(argv.end(), {"--", "/bin/sh", "-c",
                           "mkdir -p /tmp/home /tmp/state && cat > /tmp/openclaw.json5 && cd /tmp && exec \"$0\" \"$@\"",
                           image.node, image.entry, "config", "validate", "--json"});
  return argv;
}

Result<std::vector<ConfigIssue>> ProcessConfigValidator::Validate(const RuntimeImage& image,
                                                                  const std::string& config_text,
                                                                  const std::vector<std::string>& env_names) {
  if (config_text.size() > kMaxConfigBytes)
    return Error::Invalid("the OpenClaw configuration is " + std::to_string(config_text.size()) +
                          " bytes; at most " + std::to_string(kMaxConfigBytes));
  std::vector<std::string> argv = Command(image, env_names);
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Error::Unavailable(std::string("pipe: ") + std::strerror(errno));
  // The whole candidate fits the pipe's buffer (64 KiB, more than kMaxConfigBytes): written before the
  // child runs, so reading its output below can never deadlock against our own write.
  if (::write(in[1], config_text.data(), config_text.size()) != static_cast<ssize_t>(config_text.size())) {
    ::close(in[0]);
    ::close(in[1]);
    return Error::Unavailable("cannot hand the configuration to the validator");
  }
  ::close(in[1]);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::Unavailable(std::string("pipe: ") + std::strerror(errno));
  // Built before the fork: the child of a threaded process only calls async-signal-safe functions.
  std::vector<char*> a;
  for (auto& arg : argv) a.push_back(arg.data());
  a.push_back(nullptr);
  char path_env[] = "PATH=/usr/bin:/bin";
  char* env[] = {path_env, nullptr};
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in[0]);
    ::close(fds[0]);
    ::close(fds[1]);
    return Error::Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(in[0], 0);
    ::dup2(fds[1], 1);
    ::dup2(null, 2);
    ::execve("/usr/bin/systemd-run", a.data(), env);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(fds[1]);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    ssize_t r = ::read(fds[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (out.size() < (1u << 20)) out.append(buf, static_cast<size_t>(r));
  }
  ::close(fds[0]);
  // systemd-run's own death stops the transient unit too (--wait), and RuntimeMaxSec= caps it anyway.
  if (timed_out) ::kill(pid, SIGTERM);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return Error::Unavailable("openclaw config validate did not finish within " + std::to_string(timeout_.count()) + " s");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.empty())
    return Error::Unavailable("cannot run systemd-run for " + image.node);
  return ParseValidateOutput(out);
}

}  // namespace clawhive
