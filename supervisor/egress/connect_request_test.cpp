// The CONNECT head parser on hostile input: every byte of it comes from a tenant's agent.
#include "supervisor/egress/connect_request.h"

#include <boost/test/unit_test.hpp>

namespace clawhive::egress {
namespace {

Result<ConnectRequest> Parse(const std::string& head) { return ParseConnectHead(head); }
int StatusFor(const std::string& head) {
  Result<ConnectRequest> r = Parse(head);
  return r ? 200 : StatusOf(r.error());
}

BOOST_AUTO_TEST_SUITE(egress_connect_request)

BOOST_AUTO_TEST_CASE(a_plain_connect_names_host_and_port) {
  Result<ConnectRequest> r = Parse("CONNECT api.telegram.org:443 HTTP/1.1\r\nHost: api.telegram.org:443\r\n"
                                   "Proxy-Connection: keep-alive\r\n\r\n");
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->host == "api.telegram.org");
  BOOST_TEST(r->port == 443);
  BOOST_TEST(!r->literal);
}

BOOST_AUTO_TEST_CASE(names_are_lower_cased_and_lose_a_trailing_dot) {
  Result<ConnectRequest> r = Parse("CONNECT API.Telegram.ORG.:443 HTTP/1.0\r\n\r\n");
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->host == "api.telegram.org");
}

BOOST_AUTO_TEST_CASE(ip_literals_are_marked_and_ipv6_is_canonical) {
  Result<ConnectRequest> v4 = Parse("CONNECT 203.0.113.10:8443 HTTP/1.1\r\n\r\n");
  BOOST_TEST_REQUIRE(v4.ok());
  BOOST_TEST(v4->literal);
  BOOST_TEST(v4->port == 8443);
  Result<ConnectRequest> v6 = Parse("CONNECT [2001:DB8:0::1]:443 HTTP/1.1\r\n\r\n");
  BOOST_TEST_REQUIRE(v6.ok());
  BOOST_TEST(v6->host == "2001:db8::1");
  BOOST_TEST(v6->literal);
  BOOST_TEST(StatusFor("CONNECT [fe80::1%eth0]:443 HTTP/1.1\r\n\r\n") == 400);  // zones
  BOOST_TEST(StatusFor("CONNECT [2001:db8::1:443 HTTP/1.1\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT [2001:db8::1]443 HTTP/1.1\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT 2001:db8::1:443 HTTP/1.1\r\n\r\n") == 400);  // unbracketed
  BOOST_TEST(StatusFor("CONNECT [not-v6]:443 HTTP/1.1\r\n\r\n") == 400);
}

BOOST_AUTO_TEST_CASE(a_missing_host_or_a_bad_port_is_400) {
  for (const char* head : {"CONNECT :443 HTTP/1.1\r\n\r\n", "CONNECT example.com HTTP/1.1\r\n\r\n",
                           "CONNECT example.com: HTTP/1.1\r\n\r\n", "CONNECT example.com:0 HTTP/1.1\r\n\r\n",
                           "CONNECT example.com:65536 HTTP/1.1\r\n\r\n", "CONNECT example.com:0443x HTTP/1.1\r\n\r\n",
                           "CONNECT example.com:+443 HTTP/1.1\r\n\r\n", "CONNECT example.com:000443 HTTP/1.1\r\n\r\n",
                           "CONNECT example.com:-1 HTTP/1.1\r\n\r\n", "CONNECT  HTTP/1.1\r\n\r\n",
                           "CONNECT . :443 HTTP/1.1\r\n\r\n", "CONNECT a..b:443 HTTP/1.1\r\n\r\n",
                           "CONNECT .:443 HTTP/1.1\r\n\r\n"})
    BOOST_TEST(StatusFor(head) == 400, head);
}

BOOST_AUTO_TEST_CASE(userinfo_paths_and_odd_characters_in_the_target_are_400) {
  for (const char* head : {"CONNECT user:pw@example.com:443 HTTP/1.1\r\n\r\n",
                           "CONNECT example.com:443/x HTTP/1.1\r\n\r\n", "CONNECT http://example.com:443 HTTP/1.1\r\n\r\n",
                           "CONNECT exa%6dple.com:443 HTTP/1.1\r\n\r\n", "CONNECT exam\tple.com:443 HTTP/1.1\r\n\r\n",
                           "CONNECT ex\xc3\xa4mple.com:443 HTTP/1.1\r\n\r\n"})
    BOOST_TEST(StatusFor(head) == 400, head);
  std::string long_label = "CONNECT " + std::string(64, 'a') + ".com:443 HTTP/1.1\r\n\r\n";
  BOOST_TEST(StatusFor(long_label) == 400);
  std::string long_name = "CONNECT ";
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  BOOST_TEST(StatusFor(long_name + "com:443 HTTP/1.1\r\n\r\n") == 400);
}

BOOST_AUTO_TEST_CASE(other_methods_are_405_no_plain_http_forwarding) {
  BOOST_TEST(StatusFor("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n") == 405);
  BOOST_TEST(StatusFor("connect example.com:443 HTTP/1.1\r\n\r\n") == 405);
  BOOST_TEST(StatusFor("POST / HTTP/1.1\r\n\r\n") == 405);
}

BOOST_AUTO_TEST_CASE(a_malformed_request_line_is_400) {
  for (const char* head : {"CONNECT example.com:443\r\n\r\n", "CONNECT example.com:443 HTTP/2\r\n\r\n",
                           "CONNECT  example.com:443 HTTP/1.1\r\n\r\n", "CONNECT example.com:443 HTTP/1.1 \r\n\r\n",
                           "CONNECT example.com:443 HTTP/1.1 extra\r\n\r\n", "\r\n\r\n"})
    BOOST_TEST(StatusFor(head) == 400, head);
}

BOOST_AUTO_TEST_CASE(smuggling_shapes_are_refused) {
  // A body-length header on a CONNECT, in any case, with or without a value.
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\nContent-Length: 10\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\ntransfer-ENCODING: chunked\r\n\r\n") == 400);
  // Whitespace before the colon, obsolete folding, bare LF or CR, NUL, DEL.
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\nHost : a.com\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\nHost: a.com\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\nHost: a.com\rX: y\r\n\r\n") == 400);
  static const char kNul[] = "CONNECT a.com:443 HTTP/1.1\r\nX: a\0b\r\n\r\n";
  BOOST_TEST(StatusFor(std::string(kNul, sizeof kNul - 1)) == 400);
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\nX: a\x7f\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\n: empty-name\r\n\r\n") == 400);
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\nno colon\r\n\r\n") == 400);
  // A second request line where a header belongs.
  BOOST_TEST(StatusFor("CONNECT a.com:443 HTTP/1.1\r\nCONNECT b.com:443 HTTP/1.1\r\n\r\n") == 400);
}

BOOST_AUTO_TEST_CASE(the_head_is_bounded_in_size_and_header_count) {
  std::string huge = "CONNECT a.com:443 HTTP/1.1\r\nX: " + std::string(kMaxHead, 'a') + "\r\n\r\n";
  BOOST_TEST(StatusFor(huge) == 431);
  std::string many = "CONNECT a.com:443 HTTP/1.1\r\n";
  for (size_t i = 0; i <= kMaxHeaders; ++i) many += "X: 1\r\n";
  BOOST_TEST(StatusFor(many + "\r\n") == 431);
}

BOOST_AUTO_TEST_CASE(the_end_of_a_head_is_found_also_after_a_bare_lf) {
  BOOST_TEST(FindHeadEnd("CONNECT a:1 HTTP/1.1\r\n") == std::string::npos);
  BOOST_TEST(FindHeadEnd("CONNECT a:1 HTTP/1.1\r\n\r\nrest") == 24u);
  BOOST_TEST(FindHeadEnd("CONNECT a:1 HTTP/1.1\n\nrest") == 22u);
}

BOOST_AUTO_TEST_CASE(refusals_carry_a_one_line_reason_in_body_and_header) {
  std::string r = Reply(403, "evil.example:443 is not on the egress allow list\r\nSet-Cookie: x=1");
  BOOST_TEST(r.rfind("HTTP/1.1 403 Forbidden\r\n", 0) == 0);
  BOOST_TEST(r.find("\r\nSet-Cookie") == std::string::npos);  // the reason cannot add a header
  BOOST_TEST(r.find("X-Clawhive-Egress-Reason: evil.example:443 is not on the egress allow list") != std::string::npos);
  BOOST_TEST(r.find("Connection: close") != std::string::npos);
  BOOST_TEST(Reply(200, "") == "HTTP/1.1 200 Connection established\r\n\r\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::egress
