#include "supervisor/openclaw/config_validator.h"

#include "supervisor/common/json.h"
#include "supervisor/common/subprocess.h"

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
  Result<JsonValue> v = ParseJson(std::string_view(text).substr(start));
  if (!v || !v->is_object()) return Error::Unavailable("openclaw config validate printed unreadable JSON");
  const JsonValue* valid = v->Find("valid");
  if (!valid || valid->kind() != JsonValue::Kind::kBool)
    return Error::Unavailable("openclaw config validate did not say whether the config is valid");
  std::vector<ConfigIssue> issues;
  if (valid->boolean()) return issues;
  if (const JsonValue* list = v->Find("issues"); list && list->is_array()) {
    for (const JsonValue& i : list->items()) {
      if (!i.is_object()) continue;
      const JsonValue* p = i.Find("path");
      const JsonValue* m = i.Find("message");
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
  argv[0] = "/usr/bin/systemd-run";  // not whatever our PATH finds first
  // Killed with SIGKILL at the timeout, systemd-run cannot stop the unit itself: RuntimeMaxSec= (the same
  // timeout) ends it, and --collect removes it.
  Result<SubprocessResult> r = RunSubprocess({.argv = argv,
                                              .env = {{"PATH=/usr/bin:/bin"}},
                                              .stdin_data = config_text,
                                              .stdout_limit = 1 << 20,
                                              .stderr_limit = 4096,
                                              .timeout = timeout_});
  if (!r) return Error::Unavailable("cannot run systemd-run for " + image.node + ": " + r.error().message);
  if (r->timed_out)
    return Error::Unavailable("openclaw config validate did not finish within " + std::to_string(timeout_.count()) + " s");
  // OpenClaw exits non-zero on an invalid config, with the issues on stdout; anything else that did not
  // exit 0 is a check that failed to run, never a pass.
  const std::string how = "systemd-run " + r->Describe() + (r->ErrLine().empty() ? "" : ": " + r->ErrLine());
  Result<std::vector<ConfigIssue>> issues = ParseValidateOutput(r->out);
  if (!issues && !r->Succeeded()) return Error::Unavailable(issues.error().message + " (" + how + ")");
  if (issues && issues->empty() && !r->Succeeded())
    return Error::Unavailable("openclaw config validate said valid but did not exit 0 (" + how + ")");
  return issues;
}

}  // namespace clawhive
