// clawhivectl's I/O: the HTTPS client for the supervisor's API (pinned to its certificate), the token,
// reading a secret value, and Run(), which ties a parsed command line to one API call and its output.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "supervisor/cmd/ctl/ctl.h"
#include "supervisor/common/result.h"
#include "supervisor/vault/vault.h"

namespace clawhive::ctl {

struct HttpReply {
  int status = 0;
  std::string body;
};

class ApiClient {
 public:
  // `url`: https://HOST[:PORT][/PREFIX] (IPv6 hosts in brackets), trusting exactly the certificate
  // whose SHA-256 fingerprint is `fingerprint` (the appliance's is self-signed); or http:// for the
  // optional loopback listener (`fingerprint` unused; the API revokes tokens sent that way). User info,
  // query or fragment are refused.
  static Result<ApiClient> Create(const std::string& url, std::string token, std::string fingerprint = "");

  // One request; `body` (JSON) may be nullptr. An Error means the API could not be reached or the
  // connection failed (kUnavailable, with a message naming the URL); any HTTP answer is a HttpReply.
  Result<HttpReply> Send(const std::string& method, const std::string& path, const std::string* body) const;

  const std::string& url() const { return url_; }

 private:
  std::string url_;     // as given, for messages
  std::string host_;    // without brackets
  uint16_t port_ = 0;
  std::string prefix_;  // path prefix without a trailing '/', usually ""
  std::string token_;
  bool https_ = false;
  std::string fingerprint_;
};

// The token: --token-file if given, else `env_token` ($CLAWHIVE_TOKEN) if set and not empty, else
// kDefaultTokenFile. Surrounding whitespace is trimmed. Errors name the file, never the token.
Result<std::string> LoadToken(const std::optional<std::string>& token_file, const char* env_token);

// Reads a secret value from `fd` (at most kMaxSecretBytes after stripping one trailing newline) into a
// buffer reserved up front, so no partial copy is left behind by reallocation. When `fd` is a terminal,
// `prompt` is written to `prompt_fd` and one line is read with echo off (restored on return and on
// SIGINT/SIGTERM/SIGHUP). Errors: empty, too long, or a read error.
Result<SecretValue> ReadSecret(int fd, int prompt_fd, const std::string& prompt);
// The same from the file named by --from-file (no prompt; anything but a directory, e.g. a FIFO).
Result<SecretValue> ReadSecretFile(const std::string& path);

struct RunContext {
  int stdin_fd = 0;             // where `secret put` reads its value
  int prompt_fd = 2;            // where the hidden-input prompt goes
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // "clawhivectl: ..." messages
  const char* env_token = nullptr;  // $CLAWHIVE_TOKEN
};

// Runs one parsed command: loads the token, reads the value for `secret put`, calls the API, prints the
// result (a table, or the raw JSON with --json) or the API's error message. Returns the exit status
// (kExitOk, kExitFailed, kExitUsage, kExitConnect).
int Run(const Invocation& inv, const RunContext& ctx);

}  // namespace clawhive::ctl
