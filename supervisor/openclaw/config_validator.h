// ConfigValidator: asks OpenClaw itself whether a configuration is valid, before the supervisor makes a
// tenant run it (OpenClaw exits 78 on a bad config: a tenant must never be left down by a bad edit).
//
// Real: ProcessConfigValidator runs the tenant's own image — `node openclaw.mjs config validate --json` —
// on the candidate file as third-party code must run: in a transient systemd unit (systemd-run --wait
// --pipe) with a throwaway uid (DynamicUser=), a network namespace of its own with nothing in it, the
// tenant agent's file system sandbox (the candidate is written into its private /tmp from stdin; it
// never sees /etc/clawhive, /var/lib/clawhive or /run/clawhive), no capabilities, a system call filter,
// memory and task caps, and a runtime cap. A minimal environment: the ${NAME}s the config refers to set
// to placeholders. Run through RunSubprocess. 2-5 s on 2 cores. Called on API threads, never on the loop
// thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/openclaw/runtime_catalog.h"

namespace clawhive {

struct ConfigIssue {
  std::string path;     // "gateway.bind"
  std::string message;  // OpenClaw's words
};

class ConfigValidator {
 public:
  virtual ~ConfigValidator() = default;
  // The issues OpenClaw reports (empty: valid). An Error when the check itself could not run: it was not
  // started, timed out, printed no verdict, or said valid without exiting 0 (the message then has the
  // exit status and stderr).
  virtual Result<std::vector<ConfigIssue>> Validate(const RuntimeImage& image, const std::string& config_text,
                                                    const std::vector<std::string>& env_names) = 0;
};

class ProcessConfigValidator : public ConfigValidator {
 public:
  explicit ProcessConfigValidator(std::chrono::seconds timeout = std::chrono::seconds(60)) : timeout_(timeout) {}
  Result<std::vector<ConfigIssue>> Validate(const RuntimeImage& image, const std::string& config_text,
                                            const std::vector<std::string>& env_names) override;

  // The systemd-run command line for one validation (exposed for tests).
  std::vector<std::string> Command(const RuntimeImage& image, const std::vector<std::string>& env_names) const;
  // Larger candidates are refused before anything runs (they go through a pipe).
  static constexpr size_t kMaxConfigBytes = 60 * 1024;

 private:
  std::chrono::seconds timeout_;
};

// Parses `config validate --json` output: {"valid":true,...} or {"valid":false,"issues":[{path,message}]}.
Result<std::vector<ConfigIssue>> ParseValidateOutput(const std::string& json);

}  // namespace clawhive
