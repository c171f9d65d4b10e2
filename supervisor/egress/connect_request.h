// The egress proxy's request head (docs/egress.md): "CONNECT host:port HTTP/1.1" and its header lines,
// parsed strictly because every byte of it comes from a tenant's agent, which is hostile.
//
// Accepted: the method CONNECT (exactly), an authority-form target (a DNS name of letters, digits, '-',
// '_' and '.', at most 253 characters in labels of 1-63, a trailing dot dropped, lower-cased; an IPv4
// literal; or an IPv6 literal in brackets, without a zone), a port 1-65535 in at most 5 digits, HTTP/1.0
// or HTTP/1.1, then at most kMaxHeaders header lines "name: value" ending in an empty line. Every line
// ends in CRLF. Refused, as 400: bare LF or CR, NUL and other control bytes, obsolete line folding,
// whitespace before a header's colon, a Content-Length or Transfer-Encoding header (a CONNECT has no
// body: their presence can only be an attempt to make two parsers disagree), userinfo, a path, a
// missing or bad port. Any other method is 405 (this proxy tunnels only; no plain-HTTP forwarding).
// The head is at most kMaxHead bytes (431 beyond). Header values are never kept or echoed (a
// Proxy-Authorization could be a secret); messages quote the target only, escaped.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::egress {

inline constexpr size_t kMaxHead = 8192;
inline constexpr size_t kMaxHeaders = 64;

struct ConnectRequest {
  std::string host;      // lower-case name, or the literal address (IPv6 without brackets)
  uint16_t port = 0;
  bool literal = false;  // host is a numeric IPv4/IPv6 address
};

// Where a request head ends in `buffer`: the index just past the first empty line ("\r\n\r\n", or a bare
// "\n\n", which the parser then refuses), or npos while it has not arrived yet.
size_t FindHeadEnd(std::string_view buffer);

// Parses one complete head (up to and including its empty line). Errors: kInvalidArgument (answer 400),
// kConflict (405: not CONNECT), kTooLarge (431). Messages are for the agent's log and quote no header.
Result<ConnectRequest> ParseConnectHead(std::string_view head);

// The HTTP status an error of ParseConnectHead answers.
int StatusOf(const Error& parse_error);

// The reply to a CONNECT: "HTTP/1.1 <status> <phrase>\r\n" with, for refusals, a text/plain body giving
// `reason` and an "X-Clawhive-Egress-Reason" header (one line, escaped) so that logs that show only
// headers have it too; "Connection: close" on refusals.
std::string Reply(int status, std::string_view reason);

}  // namespace clawhive::egress
