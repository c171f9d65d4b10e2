#include "supervisor/openclaw/config_validator.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "supervisor/api/json.h"

namespace clawhive {
namespace {

// Removes the scratch directory whatever happens.
struct ScratchDir {
  std::string path;
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

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

Result<std::vector<ConfigIssue>> ProcessConfigValidator::Validate(const RuntimeImage& image,
                                                                  const std::string& config_text,
                                                                  const std::vector<std::string>& env_names) {
  std::error_code ec;
  std::filesystem::create_directories(scratch_dir_, ec);
  ::chmod(scratch_dir_.c_str(), 0700);
  std::string tmpl = scratch_dir_ + "/validate-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return Error::Unavailable("mkdtemp in " + scratch_dir_ + ": " + std::strerror(errno));
  ScratchDir dir{tmpl};
  std::string config = dir.path + "/openclaw.json5";
  {
    std::ofstream out(config);
    out << config_text;
    if (!out) return Error::Unavailable("writing " + config);
  }
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + dir.path + "/home",
                                  "OPENCLAW_STATE_DIR=" + dir.path + "/state", "OPENCLAW_CONFIG_PATH=" + config,
                                  "OPENCLAW_NO_AUTO_UPDATE=1", "OPENCLAW_SUPERVISOR_MODE=external"};
  for (const std::string& name : env_names) env.push_back(name + "=placeholder");
  std::vector<std::string> argv = {image.node, image.entry, "config", "validate", "--json"};

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::Unavailable(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Error::Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // An empty network namespace: the validator has nothing to reach (OpenClaw tries catalogs at start).
    (void)::unshare(CLONE_NEWNET);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(fds[1], 1);
    ::dup2(null, 2);
    if (::chdir(dir.path.c_str()) != 0) ::_exit(127);
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : env) e.push_back(s.data());
    e.push_back(nullptr);
    ::execve(a[0], a.data(), e.data());
    ::_exit(127);
  }
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
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return Error::Unavailable("openclaw config validate did not finish within " + std::to_string(timeout_.count()) + " s");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && out.empty())
    return Error::Unavailable("cannot run " + image.node);
  return ParseValidateOutput(out);
}

}  // namespace clawhive
