// Integration harness: a real systemd booted in a private namespace (tests/sandbox/sandbox), Clawhive
// installed into it with scripts/install-system, and a client for its REST API on loopback.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/json.h"

namespace clawhive::testing {

using clawhive::JsonValue;  // tests say `using namespace clawhive::testing`

// Where scripts/install-system puts the test agent (tests/agent/): a test-only path, never in the .deb.
// Test configs name it as tenant_defaults.agent.exec; production has no default agent (issue 11).
inline constexpr const char* kTestAgent = "/usr/local/lib/clawhive-test/clawhive-test-agent";

struct CommandResult {
  int status = -1;
  std::string out;  // stdout (stderr goes to the test log)
};

// Runs a command line through /bin/sh on the host.
CommandResult Sh(const std::string& command);
std::string Quote(const std::string& word);

struct SandboxOptions {
  // The sandbox gets a network namespace of its own (`sandbox start --private-network`): nothing in it
  // is reachable from the host's, and what a test adds there (addresses, routes, /etc/hosts entries in
  // the overlay) stays there. The test reaches it through a NetworkScope.
  bool private_network = false;
};

class Sandbox {
 public:
  // Boots a sandbox in a fresh directory; installs the build with `config_yaml` and waits for the API.
  Sandbox(const std::string& config_yaml, uint16_t api_port, SandboxOptions options = {});
  ~Sandbox();
  CommandResult Exec(const std::string& command);  // sh -c inside the sandbox
  std::string Show(const std::string& unit, const std::string& property);  // systemctl show -P
  uint16_t api_port() const { return api_port_; }
  const std::string& token() const { return token_; }
  const std::string& fingerprint() const { return fingerprint_; }  // of the API's certificate
  const std::string& dir() const { return dir_; }
  bool private_network() const { return options_.private_network; }
  // The host pid of the sandbox's systemd (PID 1 inside).
  int init_pid() const;
  // Where the host finds a path of the sandbox's own mounts (its /run, its overlay): /proc/<init>/root/...
  std::string HostPath(const std::string& inside) const;
  void WaitForApi(std::chrono::seconds timeout);

 private:
  std::string Fingerprint();
  SandboxOptions options_;
  std::string dir_;
  uint16_t api_port_;
  std::string token_;
  std::string fingerprint_;
};

// While it lives, sockets the calling thread makes are made in the network namespace of `sandbox`
// (setns(2) changes the namespace of this thread only); destroyed, the thread is back where it was. So
// a test whose sandbox has a private network calls its API and its agents as usual, and listens on
// addresses that exist only in there. Sockets keep the namespace they were made in. Nothing happens for
// a sandbox on the host's network. Throws std::runtime_error when the namespace cannot be entered.
class NetworkScope {
 public:
  explicit NetworkScope(const Sandbox& sandbox);
  ~NetworkScope();
  NetworkScope(const NetworkScope&) = delete;
  NetworkScope& operator=(const NetworkScope&) = delete;

 private:
  int home_ = -1;  // this thread's namespace before
};

struct Response {
  int status = 0;
  std::string body;
  JsonValue json;  // the body parsed; null when it is not JSON
};

// The value at `path` in a document: member names and array indexes separated by dots ("status.healthy",
// "steps.0.state"; "" is the document itself). A null when any step is missing, so a test reads
// Get(t, "status.main_pid").number() without checks: a missing value reads as 0, "", false or no items.
// The reference lives as long as `doc`: name a Response before a loop over Get(r.json, "x").items().
const JsonValue& Get(const JsonValue& doc, std::string_view path);

// The supervisor's API over HTTPS, pinned to its certificate's SHA-256 fingerprint (an empty one: plain
// HTTP, for talking to an agent).
class Api {
 public:
  Api(uint16_t port, std::string token, std::string fingerprint)
      : port_(port), token_(std::move(token)), fingerprint_(std::move(fingerprint)) {}
  Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& content_type = "application/json", bool auth = true);
  Response Get(const std::string& path) { return Call("GET", path); }
  Response Post(const std::string& path, const std::string& body = "{}") { return Call("POST", path, body); }

 private:
  uint16_t port_;
  std::string token_;
  std::string fingerprint_;
};

// A tenant's gateway as the host reaches it: its gateway socket (/run/clawhive/gw/<id>/<port>.sock, only
// root may open it) inside the sandbox's own /run, through /proc/<its systemd>/root/ (well within
// sun_path's 108 bytes: tenant ids have at most 32 characters). `port` is the one the socket unit
// carries to: the gateway's, or the Telegram webhook listener's.
struct Gateway {
  const Sandbox* sandbox = nullptr;  // nullptr: no tenant's, a plain program on the host's 127.0.0.1:port
  std::string id;
  uint16_t port = 0;
  std::string SocketPath() const;  // the host's path to the socket
};
// A plain program listening on the host's 127.0.0.1:port, no tenant's gateway (benchmarks' baselines).
inline Gateway OnLoopback(uint16_t port) { return {nullptr, "", port}; }

// A plain HTTP request straight to an agent through its gateway socket: the status and body, or -1 and
// "" (the reason in the body) when it did not answer in time.
Response AgentCall(const Gateway& gw, const std::string& method, const std::string& path, const std::string& body = "",
                   int timeout_ms = 2000);
// GET `path` straight to an agent; status or -1 when it did not answer in time.
int HttpStatus(const Gateway& gw, const std::string& path, int timeout_ms = 1000);
std::string HttpBody(const Gateway& gw, const std::string& path, int timeout_ms = 2000);

// A TCP listener on 127.0.0.2 (an ephemeral port) standing for a host service outside every tenant;
// closed when it goes out of scope. Connections are left pending: a connect succeeding is the test.
struct HostListener {
  HostListener();
  ~HostListener();
  HostListener(const HostListener&) = delete;
  HostListener& operator=(const HostListener&) = delete;
  int fd = -1;
  uint16_t port = 0;
};

// Polls `cond` every `every` until it holds or `timeout` passes. Returns whether it held.
bool Eventually(std::function<bool()> cond, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(50));

}  // namespace clawhive::testing
