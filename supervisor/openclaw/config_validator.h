// ConfigValidator: asks OpenClaw itself whether a configuration is valid, before the supervisor makes a
// tenant run it (OpenClaw exits 78 on a bad config: a tenant must never be left down by a bad edit).
//
// Real: ProcessConfigValidator runs the tenant's own image — `node openclaw.mjs config validate --json`
// — on the candidate file in a fresh private directory, in an empty network namespace (nothing to call
// home to), with a minimal environment (the ${NAME}s the config refers to set to placeholders), killed
// after a timeout. 2-5 s on 2 cores. Called on API threads, never on the loop thread.
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
  // The issues OpenClaw reports (empty: valid). An Error when the check itself could not run.
  virtual Result<std::vector<ConfigIssue>> Validate(const RuntimeImage& image, const std::string& config_text,
                                                    const std::vector<std::string>& env_names) = 0;
};

class ProcessConfigValidator : public ConfigValidator {
 public:
  // `scratch_dir`: where the private directories are made (root only), e.g. /run/clawhive/validate.
  explicit ProcessConfigValidator(std::string scratch_dir, std::chrono::seconds timeout = std::chrono::seconds(60))
      : scratch_dir_(std::move(scratch_dir)), timeout_(timeout) {}
  Result<std::vector<ConfigIssue>> Validate(const RuntimeImage& image, const std::string& config_text,
                                            const std::vector<std::string>& env_names) override;

 private:
  std::string scratch_dir_;
  std::chrono::seconds timeout_;
};

// Parses `config validate --json` output: {"valid":true,...} or {"valid":false,"issues":[{path,message}]}.
Result<std::vector<ConfigIssue>> ParseValidateOutput(const std::string& json);

}  // namespace clawhive
