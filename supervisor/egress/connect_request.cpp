#include "supervisor/egress/connect_request.h"

#include <arpa/inet.h>

#include "supervisor/common/json.h"

namespace clawhive::egress {
namespace {

bool IsTChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

Error Bad(const std::string& why) { return Error::Invalid(why); }

// host:port in authority form; see the header for what is accepted.
Result<ConnectRequest> ParseTarget(std::string_view target) {
  ConnectRequest r;
  std::string_view host, port;
  if (!target.empty() && target[0] == '[') {
    size_t close = target.find(']');
    if (close == std::string_view::npos) return Bad("the target '" + Printable(target) + "' has no closing ']'");
    host = target.substr(1, close - 1);
    if (close + 1 >= target.size() || target[close + 1] != ':')
      return Bad("the target '" + Printable(target) + "' must be [address]:port");
    port = target.substr(close + 2);
    std::string h(host);
    in6_addr a{};
    if (h.find('%') != std::string::npos || ::inet_pton(AF_INET6, h.c_str(), &a) != 1)
      return Bad("the target '" + Printable(target) + "' is not an IPv6 address in brackets");
    char canonical[INET6_ADDRSTRLEN];
    ::inet_ntop(AF_INET6, &a, canonical, sizeof canonical);
    r.host = canonical;
    r.literal = true;
  } else {
    size_t colon = target.rfind(':');
    if (colon == std::string_view::npos)
      return Bad("the target '" + Printable(target) + "' must be host:port (a port is required)");
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
    if (host.empty()) return Bad("the target '" + Printable(target) + "' names no host");
    if (host.back() == '.') host.remove_suffix(1);
    if (host.empty() || host.size() > 253)
      return Bad("the host in '" + Printable(target) + "' must be 1 to 253 characters");
    std::string lower;
    size_t label = 0;
    for (char c : host) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!ok) return Bad("the host in '" + Printable(target) + "' may hold only letters, digits, '-', '_' and '.'");
      if (c == '.') {
        if (label == 0) return Bad("the host in '" + Printable(target) + "' has an empty label");
        label = 0;
      } else if (++label > 63) {
        return Bad("the host in '" + Printable(target) + "' has a label over 63 characters");
      }
      lower += c;
    }
    in_addr a4{};
    r.literal = ::inet_pton(AF_INET, lower.c_str(), &a4) == 1;
    r.host = std::move(lower);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
    return Bad("the port in '" + Printable(target) + "' must be a number 1-65535");
  unsigned long p = std::stoul(std::string(port));
  if (p == 0 || p > 65535) return Bad("the port in '" + Printable(target) + "' must be a number 1-65535");
  r.port = static_cast<uint16_t>(p);
  return r;
}

}  // namespace

size_t FindHeadEnd(std::string_view buffer) {
  size_t crlf = buffer.find("\r\n\r\n");
  size_t lf = buffer.find("\n\n");
  size_t end = std::string_view::npos;
  if (crlf != std::string_view::npos) end = crlf + 4;
  if (lf != std::string_view::npos && (end == std::string_view::npos || lf + 2 < end)) end = lf + 2;
  return end;
}

Result<ConnectRequest> ParseConnectHead(std::string_view head) {
  if (head.size() > kMaxHead)
    return Error{ErrorCode::kTooLarge, "the request head is over " + std::to_string(kMaxHead) + " bytes"};
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n")
    return Bad("the request head must end in an empty line, every line in CRLF");
  // Lines: every '\n' must follow '\r', and no '\r' may stand alone.
  for (size_t i = 0; i < head.size(); ++i) {
    char c = head[i];
    if (c == '\n' && (i == 0 || head[i - 1] != '\r')) return Bad("a line ends in a bare LF (CRLF expected)");
    if (c == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) return Bad("a bare CR in the request head");
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
      return Bad("a control byte in the request head");
  }
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return Bad("the request line must be 'CONNECT host:port HTTP/1.1'");
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = line.substr(sp2 + 1);
  if (method != "CONNECT")
    return Error::Conflict("this proxy only tunnels (CONNECT host:port); '" + Printable(method, 16) +
                           "' requests are not forwarded: use https:// URLs");
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return Bad("the request line must end in HTTP/1.1 or HTTP/1.0");
  if (target.find('@') != std::string_view::npos || target.find('/') != std::string_view::npos)
    return Bad("the target '" + Printable(target) + "' must be host:port, without user or path");
  Result<ConnectRequest> parsed = ParseTarget(target);
  if (!parsed) return parsed;
  size_t headers = 0;
  for (size_t at = eol + 2; at < head.size() - 2;) {
    size_t end = head.find("\r\n", at);
    std::string_view h = head.substr(at, end - at);
    at = end + 2;
    if (++headers > kMaxHeaders) return Error{ErrorCode::kTooLarge, "more than " + std::to_string(kMaxHeaders) + " header lines"};
    if (h.empty()) return Bad("an empty line before the end of the head");
    if (h[0] == ' ' || h[0] == '\t') return Bad("obsolete line folding in a header");
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return Bad("a header line without 'name:'");
    std::string_view name = h.substr(0, colon);
    for (char c : name)
      if (!IsTChar(c)) return Bad("a header name holds '" + Printable(std::string_view(&c, 1)) + "' (whitespace before ':'?)");
    if (EqualsNoCase(name, "content-length") || EqualsNoCase(name, "transfer-encoding"))
      return Bad("a CONNECT carries no body: " + std::string(name) + " is refused");
  }
  return parsed;
}

int StatusOf(const Error& e) {
  switch (e.code) {
    case ErrorCode::kConflict: return 405;
    case ErrorCode::kTooLarge: return 431;
    default: return 400;
  }
}

std::string Reply(int status, std::string_view reason) {
  const char* phrase = "Error";
  switch (status) {
    case 200: phrase = "Connection established"; break;
    case 400: phrase = "Bad Request"; break;
    case 403: phrase = "Forbidden"; break;
    case 405: phrase = "Method Not Allowed"; break;
    case 408: phrase = "Request Timeout"; break;
    case 429: phrase = "Too Many Requests"; break;
    case 431: phrase = "Request Header Fields Too Large"; break;
    case 502: phrase = "Bad Gateway"; break;
    case 503: phrase = "Service Unavailable"; break;
    case 504: phrase = "Gateway Timeout"; break;
  }
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + phrase + "\r\n";
  if (status == 200) return out + "\r\n";
  std::string line = Printable(reason, 512);
  std::string body = "clawhive egress: " + line + "\n";
  out += "X-Clawhive-Egress-Reason: " + line + "\r\n";
  if (status == 405) out += "Allow: CONNECT\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
  return out;
}

}  // namespace clawhive::egress
