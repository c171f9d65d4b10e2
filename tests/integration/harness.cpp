#include "integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "supervisor/api/gateway_forwarder.h"
#include "supervisor/tenant/gateway_socket.h"
#include "supervisor/tls/certificate.h"
#include "supervisor/tls/pinned_session.h"

namespace clawhive::testing {

std::string Quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CommandResult Sh(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

static const std::string kSandbox = std::string(CLAWHIVE_SOURCE_DIR) + "/tests/sandbox/sandbox";

Sandbox::Sandbox(const std::string& config_yaml, uint16_t api_port, SandboxOptions options)
    : options_(options), api_port_(api_port) {
  char tmpl[] = "/var/tmp/clawhive-it-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::ofstream(dir_ + "/clawhive.yaml") << config_yaml;
  auto boot = Sh(kSandbox + " start " + Quote(dir_ + "/sb") + (options_.private_network ? " --private-network" : "") + " >&2");
  if (boot.status != 0) throw std::runtime_error("sandbox did not boot; see " + dir_ + "/sb/console.log");
  auto inst = Exec(std::string(CLAWHIVE_SOURCE_DIR) + "/scripts/install-system " +
                   Quote(CLAWHIVE_BINARY_DIR) + " " + Quote(dir_ + "/clawhive.yaml") + " >&2");
  if (inst.status != 0) {
    // No destructor runs for a constructor that throws: stop what this one started.
    Exec("journalctl -u clawhive-supervisor -u clawhive-proxy --no-pager | tail -20 >&2");
    Sh(kSandbox + " stop " + Quote(dir_ + "/sb") + " >&2");
    Sh("rm -rf " + Quote(dir_));
    throw std::runtime_error("install-system failed in the sandbox");
  }
  Poco::Net::initializeSSL();
  try {
    NetworkScope inside(*this);
    WaitForApi(std::chrono::seconds(20));
  } catch (...) {
    Poco::Net::uninitializeSSL();
    Sh(kSandbox + " stop " + Quote(dir_ + "/sb") + " >&2");
    Sh("rm -rf " + Quote(dir_));
    throw;
  }
  token_ = Exec("cat /var/lib/clawhive/api-token").out;
  while (!token_.empty() && (token_.back() == '\n' || token_.back() == ' ')) token_.pop_back();
}

// The API's self-signed certificate, made by the supervisor at first start, pinned by fingerprint.
std::string Sandbox::Fingerprint() {
  std::string pem = Exec("cat /var/lib/clawhive/tls/tls.crt 2>/dev/null").out;
  if (pem.empty()) return "";
  std::string path = dir_ + "/api.crt";
  std::ofstream(path) << pem;
  auto fp = tls::Sha256Fingerprint(path);
  return fp ? *fp : "";
}

int Sandbox::init_pid() const {
  std::ifstream in(dir_ + "/sb/pid");
  int pid = 0;
  in >> pid;
  return pid;
}

std::string Sandbox::HostPath(const std::string& inside) const {
  return "/proc/" + std::to_string(init_pid()) + "/root" + inside;
}

NetworkScope::NetworkScope(const Sandbox& sandbox) {
  if (!sandbox.private_network()) return;
  std::string path = "/proc/" + std::to_string(sandbox.init_pid()) + "/ns/net";
  int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  home_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  bool entered = target >= 0 && home_ >= 0 && ::setns(target, CLONE_NEWNET) == 0;
  if (target >= 0) ::close(target);
  if (!entered) {
    if (home_ >= 0) ::close(home_);
    home_ = -1;
    throw std::runtime_error("cannot enter the network namespace of the sandbox (" + path + ")");
  }
}

NetworkScope::~NetworkScope() {
  if (home_ < 0) return;
  if (::setns(home_, CLONE_NEWNET) != 0) std::abort();  // a thread left in the wrong namespace would mislead every later test
  ::close(home_);
}

Sandbox::~Sandbox() {
  Poco::Net::uninitializeSSL();
  Sh(kSandbox + " stop " + Quote(dir_ + "/sb") + " >&2");
  Sh("rm -rf " + Quote(dir_));
}

CommandResult Sandbox::Exec(const std::string& command) {
  return Sh(kSandbox + " exec " + Quote(dir_ + "/sb") + " /bin/sh -c " + Quote(command));
}

std::string Sandbox::Show(const std::string& unit, const std::string& property) {
  auto r = Exec("systemctl show -P " + property + " " + Quote(unit));
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

void Sandbox::WaitForApi(std::chrono::seconds timeout) {
  // A restarted supervisor keeps its certificate; the first start makes it.
  bool up = Eventually(
      [&] {
        if (fingerprint_.empty()) fingerprint_ = Fingerprint();
        return !fingerprint_.empty() && Api(api_port_, "", fingerprint_).Call("GET", "/v1/health", "", "", false).status == 200;
      },
      timeout, std::chrono::milliseconds(100));
  if (!up) {
    Exec("journalctl -u clawhive-supervisor --no-pager -n 50 >&2");
    throw std::runtime_error("the supervisor API did not come up");
  }
}

Response Api::Call(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& content_type, bool auth) {
  Response out;
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (fingerprint_.empty()) session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port_);
    else session = std::make_unique<tls::PinnedSession>("127.0.0.1", port_, fingerprint_);
    Poco::Net::HTTPClientSession& s = *session;
    s.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (auth) req.set("Authorization", "Bearer " + token_);
    if (!body.empty() || method == "POST" || method == "PATCH") {
      req.setContentType(content_type);
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = s.receiveResponse(resp);
    Poco::StreamCopier::copyToString(in, out.body);
    out.status = resp.getStatus();
    // Lists of a thousand tenants (the benches) exceed the API's request limits; these are answers.
    Result<JsonValue> doc = ParseJson(out.body, JsonLimits{.max_depth = 64, .max_values = size_t{1} << 24});
    if (doc.ok()) out.json = std::move(doc).value();
  } catch (const std::exception& e) {
    out.status = -1;
    out.body = e.what();
  }
  return out;
}

const JsonValue& Get(const JsonValue& doc, std::string_view path) {
  static const JsonValue kMissing;
  const JsonValue* v = &doc;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view step = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (v->is_array()) {
      size_t i = 0;
      auto [end, ec] = std::from_chars(step.data(), step.data() + step.size(), i);
      if (ec != std::errc() || end != step.data() + step.size() || i >= v->items().size()) return kMissing;
      v = &v->items()[i];
    } else {
      v = v->Find(step);
      if (!v) return kMissing;
    }
  }
  return *v;
}

std::string Gateway::SocketPath() const {
  return sandbox == nullptr ? "" : sandbox->HostPath(GatewaySocketPath(kGatewaySocketDir, id, port));
}

Response AgentCall(const Gateway& gw, const std::string& method, const std::string& path, const std::string& body,
                   int timeout_ms) {
  Response out;
  Result<Poco::Net::StreamSocket> socket =
      gw.sandbox == nullptr ? Result<Poco::Net::StreamSocket>(Poco::Net::StreamSocket())
                            : api::ConnectGatewaySocket(gw.SocketPath(), std::chrono::milliseconds(timeout_ms));
  if (!socket) {
    out.status = -1;
    out.body = socket.error().message;
    return out;
  }
  try {
    if (gw.sandbox == nullptr)
      socket->connect(Poco::Net::SocketAddress("127.0.0.1", gw.port), Poco::Timespan(0, timeout_ms * 1000));
    Poco::Net::HTTPClientSession s(*socket);  // connected already: it never connects itself
    socket->setReceiveTimeout(Poco::Timespan(0, timeout_ms * 1000));
    socket->setSendTimeout(Poco::Timespan(0, timeout_ms * 1000));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost("127.0.0.1", gw.port);
    if (!body.empty() || method == "POST") {
      req.setContentType("application/json");
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    Poco::StreamCopier::copyToString(s.receiveResponse(resp), out.body);
    out.status = resp.getStatus();
    Result<JsonValue> doc = ParseJson(out.body);
    if (doc.ok()) out.json = std::move(doc).value();
  } catch (const std::exception& e) {
    out.status = -1;
    out.body = e.what();
  }
  return out;
}

int HttpStatus(const Gateway& gw, const std::string& path, int timeout_ms) {
  return AgentCall(gw, "GET", path, "", timeout_ms).status;
}

std::string HttpBody(const Gateway& gw, const std::string& path, int timeout_ms) {
  Response r = AgentCall(gw, "GET", path, "", timeout_ms);
  return r.status < 0 ? "" : r.body;
}

HostListener::HostListener() {
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = inet_addr("127.0.0.2");
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0)
    throw std::runtime_error("cannot listen on 127.0.0.2");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
}

HostListener::~HostListener() { ::close(fd); }

bool Eventually(std::function<bool()> cond, std::chrono::milliseconds timeout, std::chrono::milliseconds every) {
  auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace clawhive::testing
