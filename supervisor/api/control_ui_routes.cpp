#include "supervisor/api/control_ui_routes.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <istream>
#include <memory>
#include <vector>

#include "supervisor/api/detached_connection.h"
#include "supervisor/api/gateway_forwarder.h"
#include "supervisor/api/ingress.h"
#include "supervisor/api/routes.h"
#include "supervisor/api/ws_relay.h"
#include "supervisor/api/ws_upgrade.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/openclaw/control_ui.h"
#include "supervisor/tenant/gateway_socket.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kConnect{3000};
constexpr milliseconds kHead{10000};     // the gateway's answer head, for an asset or an upgrade
constexpr milliseconds kIdle{30000};     // between two reads of an asset
constexpr size_t kMaxHead = 16384;       // the gateway's 101 head; OpenClaw's is ~200 bytes
constexpr size_t kPiece = 16384;
constexpr const char* kLoopbackClient =
    "OpenClaw's Control UI cannot be used from the appliance itself or through a tunnel to its loopback: "
    "open the console by the appliance's network address";

Poco::Timespan Span(milliseconds ms) { return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000); }

ApiReply Unavailable(const std::string& code, const std::string& message) {
  ApiReply r = ApiReply::Fail(503, code, message);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

std::string Hex2(unsigned char c) {
  static const char* hex = "0123456789ABCDEF";
  return {'%', hex[c >> 4], hex[c & 15]};
}

// The tenant's gateway port when it runs OpenClaw and is up; the refusal otherwise.
Result<uint16_t> GatewayPort(RouteContext& x, const std::string& id) {
  Result<TenantStatus> st = x.tenants.Get(id);
  if (!st) return st.error();
  if (st->tenant.runtime.empty())
    return Error::NotFound("tenant '" + id + "' runs its own agent program, which has no OpenClaw Control UI");
  if (st->phase != "running" || !st->healthy)
    return Error::Unavailable("the agent of tenant '" + id + "' is not up (it is " + st->phase +
                              (st->phase == "running" ? ", not healthy yet" : "") + "); try again shortly");
  return st->tenant.port;
}

// A connection to the tenant's gateway through its root-only socket (tenant/gateway_socket.h).
Result<Poco::Net::StreamSocket> Dial(RouteContext& x, const std::string& id, uint16_t port) {
  const std::string dir = x.ingress != nullptr ? x.ingress->options().gateway_socket_dir : std::string(kGatewaySocketDir);
  Result<Poco::Net::StreamSocket> s = ConnectGatewaySocket(GatewaySocketPath(dir, id, port), kConnect);
  // The path is the appliance's business, not the caller's: the reason only (as GatewayCall says it).
  if (!s) return Error::Unavailable(s.error().code == ErrorCode::kNotFound ? "the tenant's gateway socket is not up"
                                                                           : "the tenant's gateway socket did not accept the call");
  return s;
}

// A page of the app (its index, or a route of it such as "/chat") rather than a file it loads: no
// extension in the last segment.
bool IsPage(std::string_view rest) {
  if (rest.empty()) return false;  // the redirect to "/"
  std::string_view last = rest.substr(rest.rfind('/') + 1);
  return last.find('.') == std::string_view::npos;
}

ApiReply AgentUnreachable(const Error& e) { return ApiReply::Fail(502, "agent_unreachable", e.message); }

// The gateway's answer head, read a byte at a time so not one byte past it is taken: OpenClaw sends its
// first frame (the connect challenge) right behind the 101, and that frame belongs to the relay. A head
// is ~200 bytes, read once per socket opened.
Result<std::string> ReadAnswerHead(Poco::Net::StreamSocket& s) {
  s.setReceiveTimeout(Span(kHead));
  const auto deadline = std::chrono::steady_clock::now() + kHead;
  std::string head;
  while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
    if (head.size() >= kMaxHead) return Error::Unavailable("the agent's upgrade answer head is too large");
    if (std::chrono::steady_clock::now() > deadline) return Error::Unavailable("the agent did not answer the upgrade in time");
    char ch;
    ssize_t n = ::recv(s.impl()->sockfd(), &ch, 1, 0);
    if (n == 1) head += ch;
    else if (n == 0) return Error::Unavailable("the agent closed the connection during the upgrade");
    else if (errno != EINTR) return Error::Unavailable("the agent did not answer the upgrade in time");
  }
  return head;
}

// The keys a socket is opened under (WebSocketRelays owners), which the EndControlUiSockets* functions end.
std::string SessionKey(const std::string& id) { return "session:" + id; }
std::string UserKey(const std::string& user) { return "user:" + user; }
std::string TokenKey(int64_t id) { return "token:" + std::to_string(id); }

std::vector<std::string> OwnersOf(const ApiCall& c) {
  std::vector<std::string> owners = {UserKey(c.principal->user)};
  if (c.principal->token_id > 0) owners.push_back(TokenKey(c.principal->token_id));
  if (!c.session_id.empty()) owners.push_back(SessionKey(c.session_id));
  return owners;
}

ApiReply OpenSocket(RouteContext& x, const ApiCall& c, const std::string& id, uint16_t port) {
  if (!c.params[1].empty()) return ApiReply::Fail(404, "not_found", "the Control UI's WebSocket is at " + ControlUiBasePath(id));
  Result<std::string> origin = SameOrigin(c.tls, c.Header("Host"));
  if (!origin) return ApiReply::Fail(origin.error());
  Result<WebSocketUpgrade> up = ParseUpgrade("GET", c.headers, *origin);
  if (!up) {
    if (up.error().code == ErrorCode::kUnauthorized) return ApiReply::Fail(403, "forbidden_origin", up.error().message);
    return ApiReply::Fail(up.error());
  }
  std::shared_ptr<void> slot = x.relays->Reserve(id);
  if (!slot)
    return Unavailable("too_many_sockets", "too many Control UI connections are open for tenant '" + id +
                                               "' or on this appliance; close a tab and try again");
  Result<Poco::Net::StreamSocket> gateway = Dial(x, id, port);
  if (!gateway) return AgentUnreachable(gateway.error());
  HeaderList extra = {{kControlUiUserHeader, c.principal->user},
                      {"X-Forwarded-For", c.address},
                      {"X-Forwarded-Proto", c.tls ? "https" : "http"},
                      {"x-openclaw-scopes", ControlUiScopes(*c.principal)}};
  Result<std::string> head = ComposeGatewayUpgrade(*up, ControlUiBasePath(id), "127.0.0.1", kControlUiGatewayOrigin, extra);
  if (!head) return ApiReply::Fail(400, "invalid_argument", "the caller's name cannot be passed on: " + head.error().message);
  try {
    gateway->setSendTimeout(Span(kHead));
    gateway->sendBytes(head->data(), static_cast<int>(head->size()));
  } catch (const Poco::Exception& e) {
    return ApiReply::Fail(502, "agent_unreachable", "the tenant's agent broke off the upgrade: " + e.displayText());
  }
  Result<std::string> answer_head = ReadAnswerHead(*gateway);
  if (!answer_head) return ApiReply::Fail(502, "agent_broken_answer", answer_head.error().message);
  Result<GatewayUpgradeAnswer> answer = CheckGatewayAnswer(*answer_head, *up);
  if (!answer) {
    // OpenClaw refuses (403) a socket whose X-Forwarded-For is loopback: it cannot tell such a client from
    // its proxy. Said plainly, as the page says it; anything else is the agent's fault.
    if (IsLoopbackAddress(c.address))
      return ApiReply::Fail(403, "control_ui_needs_network_client", kLoopbackClient);
    return ApiReply::Fail(502, "agent_refused_socket", answer.error().message);
  }

  ApiReply r;
  r.status = 101;
  WebSocketRelays* relays = x.relays;
  std::string client_answer = ComposeClientAnswer(*up, *answer);
  auto gw = std::make_shared<Poco::Net::StreamSocket>(std::move(*gateway));
  r.takeover = [relays, slot, gw, client_answer, owners = OwnersOf(c)](DetachedConnection&& client) mutable {
    try {
      client.socket.setSendTimeout(Span(kHead));
      client.socket.sendBytes(client_answer.data(), static_cast<int>(client_answer.size()));
    } catch (...) {
      slot.reset();  // the browser is gone before its socket opened: nothing to relay
      return;
    }
    relays->Start(std::move(slot), std::move(client.socket), std::move(*gw), nullptr, std::move(owners));
  };
  return r;
}

ApiReply FetchAsset(RouteContext& x, const ApiCall& c, const std::string& id, uint16_t port) {
  const std::string base = ControlUiBasePath(id);
  if (c.params[1].empty()) {  // the page's relative asset URLs need the trailing slash
    ApiReply r;
    r.status = 308;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "see " + base + "/\n";
    r.headers.emplace_back("Location", base + "/");
    return r;
  }
  Result<std::string> path = GatewayUiPath(base, c.params[1]);
  if (!path) return ApiReply::Fail(path.error());
  Result<Poco::Net::StreamSocket> socket = Dial(x, id, port);
  if (!socket) return AgentUnreachable(socket.error());
  auto session = std::make_shared<Poco::Net::HTTPClientSession>(*socket);
  auto answer = std::make_shared<Poco::Net::HTTPResponse>();
  std::istream* in = nullptr;
  try {
    session->setTimeout(Span(kHead));
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, *path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost("127.0.0.1");
    req.set("Accept-Encoding", "identity");
    session->sendRequest(req);
    in = &session->receiveResponse(*answer);
    session->socket().setReceiveTimeout(Span(kIdle));
  } catch (const Poco::Exception& e) {
    return ApiReply::Fail(502, "agent_broken_answer", "the tenant's agent did not answer for its Control UI: " + e.displayText());
  }
  ApiReply r;
  r.status = static_cast<int>(answer->getStatus());
  r.content_type = answer->has("Content-Type") ? answer->getContentType() : "application/octet-stream";
  for (const auto& [name, value] : *answer)
    if (IsControlUiAnswerHeader(name)) r.headers.emplace_back(name, value);
  r.stream = [session, answer, in](const ApiReply::ChunkWriter& write) {
    char buf[kPiece];
    try {
      while (*in) {
        in->read(buf, sizeof buf);
        std::streamsize n = in->gcount();
        if (n > 0 && !write(std::string_view(buf, static_cast<size_t>(n)))) return;
      }
    } catch (...) {
      // The gateway broke off mid-asset: the chunked answer ends short, which the browser sees.
    }
  };
  return r;
}

}  // namespace

Result<std::string> GatewayUiPath(std::string_view base, std::string_view rest) {
  std::string out(base);
  if (rest.empty()) return out;
  if (rest.front() != '/') return Error::Invalid("a Control UI path must start with '/'");
  size_t start = 1;
  while (true) {
    size_t slash = rest.find('/', start);
    std::string_view seg = rest.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg == "." || seg == "..") return Error::Invalid("a Control UI path may not hold '.' or '..' segments");
    out += '/';
    for (unsigned char ch : seg) {
      if (ch < 0x20 || ch == 0x7f || ch == '\\') return Error::Invalid("a Control UI path may not hold control characters or '\\'");
      if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') out += static_cast<char>(ch);
      else out += Hex2(ch);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string ControlUiScopes(const auth::Principal& who) {
  return who.role == auth::Role::kTenantViewer ? "operator.read" : "operator.read,operator.write";
}

Result<std::string> SameOrigin(bool tls, const std::string* host) {
  if (host == nullptr || host->empty()) return Error::Invalid("a WebSocket request needs a Host header");
  if (host->size() > 255) return Error::Invalid("the Host header is too long");
  for (unsigned char ch : *host)
    if (!(std::isalnum(ch) || ch == '.' || ch == '-' || ch == ':' || ch == '[' || ch == ']'))
      return Error::Invalid("the Host header holds a character no host name has");
  std::string h = *host;
  for (char& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return (tls ? "https://" : "http://") + h;
}

bool IsLoopbackAddress(std::string_view address) {
  Poco::Net::IPAddress ip;
  if (!Poco::Net::IPAddress::tryParse(std::string(address), ip)) return false;
  if (ip.isLoopback()) return true;
  if (ip.family() == Poco::Net::IPAddress::IPv6 && ip.isIPv4Mapped()) {
    const auto* bytes = static_cast<const unsigned char*>(ip.addr());
    return bytes[12] == 127;
  }
  return false;
}

bool IsControlUiAnswerHeader(std::string_view name) {
  auto is = [&](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (size_t i = 0; i < name.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(name[i])) != want[i]) return false;
    return true;
  };
  return is("content-security-policy") || is("cache-control") || is("etag") || is("last-modified");
}

void EndControlUiSocketsOfSession(RouteContext& ctx, const std::string& session_id) {
  if (ctx.relays != nullptr && !session_id.empty()) ctx.relays->CloseOwnedBy(SessionKey(session_id));
}
void EndControlUiSocketsOfUser(RouteContext& ctx, const std::string& user) {
  if (ctx.relays != nullptr) ctx.relays->CloseOwnedBy(UserKey(user));
}
void EndControlUiSocketsOfToken(RouteContext& ctx, int64_t token_id) {
  if (ctx.relays != nullptr) ctx.relays->CloseOwnedBy(TokenKey(token_id));
}

void AddControlUiRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  RouteInput input;
  input.headers = {"Host", "Origin", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                   "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"};
  input.ignore_query = true;
  r.Add({"GET", "/v1/tenants/{id}/control-ui/{path...}", Access::kTenantRead, BodyKind::kNone, {},
         [x](const ApiCall& c) {
           const std::string& id = c.params[0];
           if (!x->control_ui || x->relays == nullptr)
             return ApiReply::Fail(404, "control_ui_off", "OpenClaw's Control UI is turned off on this appliance (openclaw.control_ui)");
           if (Result<std::string> path = GatewayUiPath(ControlUiBasePath(id), c.params[1]); !path)
             return ApiReply::Fail(path.error());
           // OpenClaw refuses to attribute a loopback client behind a proxy, inside the UI's socket where the
           // browser cannot say why; the page itself says it instead.
           if (IsPage(c.params[1]) && IsLoopbackAddress(c.address))
             return ApiReply::Fail(403, "control_ui_needs_network_client", kLoopbackClient);
           Result<uint16_t> port = GatewayPort(*x, id);
           if (!port) {
             if (port.error().code == ErrorCode::kUnavailable) return Unavailable("agent_not_ready", port.error().message);
             return ApiReply::Fail(port.error());
           }
           if (c.Header("Upgrade") != nullptr) return OpenSocket(*x, c, id, *port);
           return FetchAsset(*x, c, id, *port);
         }},
        std::move(input));
}

}  // namespace clawhive::api
