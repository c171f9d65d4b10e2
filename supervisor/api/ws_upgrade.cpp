#include "supervisor/api/ws_upgrade.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPResponse.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

namespace clawhive::api {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr size_t kMaxProtocols = 8;
constexpr size_t kMaxProtocolLength = 64;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitCommas(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    size_t comma = s.find(',');
    out.push_back(Trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

bool HasToken(std::string_view list, std::string_view token) {
  for (std::string_view t : SplitCommas(list))
    if (EqualsNoCase(t, token)) return true;
  return false;
}

// RFC 7230 token characters: what a subprotocol name may hold.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool IsBase64Char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'; }

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The one value of `name`; nullopt when absent; an error when it came twice.
Result<std::optional<std::string_view>> One(const HeaderList& headers, std::string_view name) {
  std::optional<std::string_view> found;
  for (const auto& [n, v] : headers) {
    if (!EqualsNoCase(n, name)) continue;
    if (found) return Error::Invalid(std::string(name) + " came more than once");
    found = std::string_view(v);
  }
  return found;
}

}  // namespace

std::string WebSocketAccept(std::string_view key) {
  std::string input = std::string(key) + std::string(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr);
  std::string out(4 * ((digest_len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(digest_len));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<WebSocketUpgrade> ParseUpgrade(std::string_view method, const HeaderList& headers,
                                      std::string_view allowed_origin) {
  if (method != "GET") return Error::Invalid("a WebSocket upgrade is a GET");
  auto upgrade = One(headers, "Upgrade");
  if (!upgrade.ok()) return upgrade.error();
  if (!*upgrade || !HasToken(**upgrade, "websocket")) return Error::Invalid("not a WebSocket upgrade (Upgrade: websocket)");
  auto connection = One(headers, "Connection");
  if (!connection.ok()) return connection.error();
  if (!*connection || !HasToken(**connection, "upgrade"))
    return Error::Invalid("not a WebSocket upgrade (Connection: upgrade)");
  auto version = One(headers, "Sec-WebSocket-Version");
  if (!version.ok()) return version.error();
  if (!*version || Trim(**version) != "13") return Error::Invalid("Sec-WebSocket-Version must be 13");

  // Checked before the key: a page of another site is refused whatever else it sent.
  auto origin = One(headers, "Origin");
  if (!origin.ok()) return origin.error();
  if (!*origin) return Error{ErrorCode::kUnauthorized, "a WebSocket needs the Origin of the appliance's console"};
  if (allowed_origin.empty() || Trim(**origin) != allowed_origin)
    return Error{ErrorCode::kUnauthorized, "WebSockets are accepted from the appliance's console only, not from another origin"};

  auto key = One(headers, "Sec-WebSocket-Key");
  if (!key.ok()) return key.error();
  if (!*key) return Error::Invalid("Sec-WebSocket-Key is missing");
  std::string_view k = Trim(**key);
  // 16 bytes in base64: 22 characters and "==".
  if (k.size() != 24 || k.substr(22) != "==" || !std::all_of(k.begin(), k.begin() + 22, IsBase64Char))
    return Error::Invalid("Sec-WebSocket-Key must be 16 bytes in base64");

  WebSocketUpgrade out;
  out.key = std::string(k);
  auto protocols = One(headers, "Sec-WebSocket-Protocol");
  if (!protocols.ok()) return protocols.error();
  if (*protocols) {
    for (std::string_view p : SplitCommas(**protocols)) {
      if (!IsToken(p) || p.size() > kMaxProtocolLength)
        return Error::Invalid("Sec-WebSocket-Protocol must be a list of names (letters, digits, -._)");
      if (out.protocols.size() == kMaxProtocols) return Error::Invalid("too many WebSocket subprotocols offered");
      out.protocols.emplace_back(p);
    }
  }
  return out;
}

Result<std::string> ComposeGatewayUpgrade(const WebSocketUpgrade& upgrade, std::string_view path,
                                          std::string_view host, std::string_view origin,
                                          const HeaderList& extra) {
  if (path.empty() || path.front() != '/' || HasControl(path) || path.find(' ') != std::string_view::npos)
    return Error::Invalid("the gateway path must start with / and hold no space or control character");
  if (HasControl(host) || HasControl(origin)) return Error::Invalid("host and origin must hold no control character");
  std::string head = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) +
                     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Key: " + upgrade.key + "\r\nOrigin: " + std::string(origin) + "\r\n";
  if (!upgrade.protocols.empty()) {
    head += "Sec-WebSocket-Protocol: ";
    for (size_t i = 0; i < upgrade.protocols.size(); ++i) head += (i ? ", " : "") + upgrade.protocols[i];
    head += "\r\n";
  }
  for (const auto& [name, value] : extra) {
    if (!IsToken(name) || HasControl(value)) return Error::Invalid("a forwarded header is malformed: " + name);
    head += name + ": " + value + "\r\n";
  }
  return head + "\r\n";
}

Result<GatewayUpgradeAnswer> CheckGatewayAnswer(std::string_view head, const WebSocketUpgrade& upgrade) {
  Poco::Net::HTTPResponse response;
  try {
    std::istringstream in{std::string(head)};
    response.read(in);
  } catch (const Poco::Exception& e) {
    return Error::Unavailable("the gateway's answer is malformed: " + e.displayText());
  }
  GatewayUpgradeAnswer answer;
  answer.status = static_cast<int>(response.getStatus());
  if (answer.status != 101)
    return Error::Unavailable("the gateway refused the WebSocket (HTTP " + std::to_string(answer.status) + ")");

  HeaderList headers(response.begin(), response.end());
  auto value = [&](std::string_view name) -> Result<std::optional<std::string_view>> {
    auto v = One(headers, name);
    if (!v.ok()) return Error::Unavailable("the gateway sent " + std::string(name) + " twice");
    return v;
  };
  auto up = value("Upgrade");
  if (!up.ok()) return up.error();
  auto conn = value("Connection");
  if (!conn.ok()) return conn.error();
  if (!*up || !HasToken(**up, "websocket") || !*conn || !HasToken(**conn, "upgrade"))
    return Error::Unavailable("the gateway's 101 is not a WebSocket upgrade");
  auto accept = value("Sec-WebSocket-Accept");
  if (!accept.ok()) return accept.error();
  if (!*accept || Trim(**accept) != WebSocketAccept(upgrade.key))
    return Error::Unavailable("the gateway's Sec-WebSocket-Accept does not match the key");
  auto extensions = value("Sec-WebSocket-Extensions");
  if (!extensions.ok()) return extensions.error();
  if (*extensions && !Trim(**extensions).empty())
    return Error::Unavailable("the gateway chose a WebSocket extension none was offered");
  auto protocol = value("Sec-WebSocket-Protocol");
  if (!protocol.ok()) return protocol.error();
  if (*protocol) {
    std::string_view p = Trim(**protocol);
    if (std::find(upgrade.protocols.begin(), upgrade.protocols.end(), p) == upgrade.protocols.end())
      return Error::Unavailable("the gateway chose a WebSocket subprotocol the browser did not offer");
    answer.protocol = std::string(p);
  }
  return answer;
}

std::string ComposeClientAnswer(const WebSocketUpgrade& upgrade, const GatewayUpgradeAnswer& answer) {
  std::string head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: " + WebSocketAccept(upgrade.key) + "\r\n";
  if (!answer.protocol.empty()) head += "Sec-WebSocket-Protocol: " + answer.protocol + "\r\n";
  return head + "\r\n";
}

}  // namespace clawhive::api
