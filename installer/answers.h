// Answers: the unattended installer's answer file (YAML, read with yaml-cpp like supervisor/config).
//
// Every error is "FILE:LINE:COL: message" (1-based) and says what was expected; unknown keys are errors
// (a typo must not silently fall back to a default). Only `operator` is required, so an empty file is an
// error. Parsing is pure: nothing on the host is read or changed (a missing file is the only I/O error).
//
// Read with supervisor/common/yaml_walker.h, as supervisor/config is: the same bounds on hostile input
// and the same getters and messages for sizes, percentages, host:port, paths and colours. A password
// hash is checked for shape with auth::VerifyPassword (parameters inside the caps).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::installer {

inline constexpr uint64_t kMaxSizeBytes = uint64_t{1} << 50;  // 1 PiB: anything larger is a typo

struct TenantAnswer {
  std::string id;            // ValidateTenantId
  std::string display_name;  // empty = the id
  uint64_t memory_max = 0;   // bytes; 0 = the tenant default
  uint64_t memory_high = 0;  // bytes; 0 = the tenant default
  std::string agent_exec;    // absolute path: this tenant runs this program, not the runtime image
};

// A model the provider offers, with its prices per million tokens (decimal strings, "0" when not given).
struct ProviderModelAnswer {
  std::string name;
  std::string input_per_million = "0";
  std::string output_per_million = "0";
};

// The model provider the metering proxy forwards to (docs/proxy.md), created once by the installer: its
// key, read from `key_file` at install time, becomes the platform secret `key_secret`; the answer file
// never holds the key. Later changes go through the API or the console.
struct ProviderAnswer {
  std::string name;        // [a-z0-9][a-z0-9_-]{0,63}; "" = no provider section
  std::string kind = "openai";  // openai | anthropic
  std::string base_url;    // http:// or https://
  std::string key_file;    // absolute path; "" = no key (a provider that needs none, e.g. a local one)
  std::string key_secret;  // [A-Z_][A-Z0-9_]*; default <NAME>_API_KEY
  std::vector<ProviderModelAnswer> models;
};

struct Answers {
  std::string listen_address = "0.0.0.0";  // any address is fine: the console is HTTPS
  uint16_t listen_port = 8470;
  std::string tls_cert, tls_key;  // absolute paths; both empty = self-signed
  std::string operator_name;      // [a-z0-9][a-z0-9._@-]{0,63}
  std::string password_hash;      // exactly one of password_hash / generate_password
  bool generate_password = false;
  std::string product_name = "Clawhive";
  std::string primary_color = "#1f6feb";
  uint64_t memory_max = 1536ull << 20;  // tenant_defaults, as in supervisor/config
  uint64_t memory_high = 1024ull << 20;
  uint64_t cpu_quota_percent = 100;
  uint64_t tasks_max = 512;
  // What tenants run. Production: an OpenClaw runtime image id (openclaw.runtime), imported before the
  // install (clawhive-image import). Else a plain program (tenant_defaults.agent_exec, absolute path).
  // Listing tenants with neither is an error: nothing shipped can run them.
  // Absent from the file: the shipped image (FindShippedRuntime, the clawhive-openclaw-runtime package)
  // when there is one and no tenant_defaults.agent_exec is given; then runtime_shipped is true.
  std::string runtime;
  bool runtime_shipped = false;
  std::string agent_exec;
  std::vector<std::string> models;  // openclaw.models; empty = the provider's models, else the config default
  ProviderAnswer provider;
  uint64_t headroom_memory = 2ull << 30;  // what the host keeps for itself
  uint64_t headroom_cpu_percent = 50;     // of the whole host, < 100
  std::vector<TenantAnswer> tenants;
};

// Parses YAML text; `filename` is used in messages only. kInvalidArgument with "file:line:col: ...".
// `shipped_runtime`: the image id the runtime package ships ("" = none), the default for openclaw.runtime.
Result<Answers> ParseAnswers(const std::string& yaml_text, const std::string& filename,
                             const std::string& shipped_runtime = "");
// Reads (at most 1 MiB) and parses a file.
Result<Answers> LoadAnswers(const std::string& path, const std::string& shipped_runtime = "");

}  // namespace clawhive::installer
