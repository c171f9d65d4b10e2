// The settings behind channel webhooks and Telegram through the egress proxy: api.public_url,
// api.webhook_rate and openclaw.extra_ca_file.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "supervisor/config/config.h"

namespace clawhive {
namespace {

Result<Config> Parse(const std::string& yaml) { return ParseConfig(yaml, "c.yaml"); }
std::string Why(const Result<Config>& r) { return r.ok() ? std::string("(no error)") : r.error().message; }
bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string PublicUrl(const std::string& value) {
  Result<Config> c = Parse("api:\n  public_url: '" + value + "'\n");
  BOOST_TEST_REQUIRE(c.ok(), value << ": " << Why(c));
  return c->public_url;
}
std::string PublicUrlError(const std::string& value) {
  Result<Config> c = Parse("api:\n  public_url: '" + value + "'\n");
  BOOST_TEST_REQUIRE(!c.ok(), value << " was accepted");
  return c.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_webhook)

BOOST_AUTO_TEST_CASE(by_default_there_is_no_public_url_no_extra_ca_and_twenty_webhook_calls_a_second) {
  Result<Config> c = Parse("");
  BOOST_TEST_REQUIRE(c.ok());
  BOOST_TEST(c->public_url.empty());
  BOOST_TEST(c->webhook_rate == 20u);
  BOOST_TEST(c->openclaw_extra_ca_file.empty());
}

BOOST_AUTO_TEST_CASE(a_public_url_is_an_https_url_on_a_port_telegram_calls_without_a_trailing_slash) {
  BOOST_TEST(PublicUrl("https://chat.example.com") == "https://chat.example.com");
  BOOST_TEST(PublicUrl("https://chat.example.com/") == "https://chat.example.com");
  BOOST_TEST(PublicUrl("https://chat.example.com:8443/clawhive/") == "https://chat.example.com:8443/clawhive");
  BOOST_TEST(PublicUrl("https://203.0.113.5:88") == "https://203.0.113.5:88");
  BOOST_TEST(PublicUrl("https://[2001:db8::5]:443/x") == "https://[2001:db8::5]:443/x");
  BOOST_TEST(PublicUrl("").empty());
}

BOOST_AUTO_TEST_CASE(hostile_or_unusable_public_urls_are_refused_with_the_reason) {
  BOOST_TEST(Has(PublicUrlError("http://chat.example.com"), "does not start with https://"));
  BOOST_TEST(Has(PublicUrlError("chat.example.com"), "does not start with https://"));
  BOOST_TEST(Has(PublicUrlError("https://chat.example.com:8470"), "Telegram calls webhooks on 443, 80, 88 or 8443 only"));
  BOOST_TEST(Has(PublicUrlError("https://user:pw@chat.example.com"), "host"));
  BOOST_TEST(Has(PublicUrlError("https://"), "has no host name"));
  BOOST_TEST(Has(PublicUrlError("https://a:b:443"), "host"));
  BOOST_TEST(Has(PublicUrlError("https://[2001:db8::5"), "unclosed ["));
  BOOST_TEST(Has(PublicUrlError("https://chat.example.com/x?y=1"), "query"));
  BOOST_TEST(Has(PublicUrlError("https://chat.example.com/x#f"), "query"));
  BOOST_TEST(Has(PublicUrlError("https://chat.example.com/a b"), "path"));
  BOOST_TEST(Has(PublicUrlError("https://chat.example.com/" + std::string(200, 'a')), "longer than 200"));
  BOOST_TEST(Has(PublicUrlError("https://chat.example.com/x\"y"), "c.yaml:2:15: api.public_url"));
}

BOOST_AUTO_TEST_CASE(the_webhook_rate_is_a_positive_number_of_calls_a_second) {
  Result<Config> c = Parse("api:\n  webhook_rate: 5\n");
  BOOST_TEST_REQUIRE(c.ok(), Why(c));
  BOOST_TEST(c->webhook_rate == 5u);
  BOOST_TEST(Has(Why(Parse("api:\n  webhook_rate: 0\n")), "api.webhook_rate"));
  BOOST_TEST(Has(Why(Parse("api:\n  webhook_rate: lots\n")), "api.webhook_rate"));
}

BOOST_AUTO_TEST_CASE(an_extra_ca_file_is_an_absolute_path_tenants_can_read) {
  Result<Config> c = Parse("openclaw:\n  extra_ca_file: /usr/local/share/ca-certificates/corp.crt\n");
  BOOST_TEST_REQUIRE(c.ok(), Why(c));
  BOOST_TEST(c->openclaw_extra_ca_file == "/usr/local/share/ca-certificates/corp.crt");
  BOOST_TEST(Has(Why(Parse("openclaw:\n  extra_ca_file: corp.crt\n")), "must be an absolute path"));
  for (const std::string& hidden : std::vector<std::string>{"/etc/clawhive/ca.pem", "/var/lib/clawhive/x/ca.pem",
                                                             "/run/clawhive/ca.pem", "/etc/clawhive"})
    BOOST_TEST(Has(Why(Parse("openclaw:\n  extra_ca_file: " + hidden + "\n")), "tenants' agents cannot read"), hidden);
  // A sibling whose name merely starts the same is fine.
  BOOST_TEST(Parse("openclaw:\n  extra_ca_file: /etc/clawhive-ca/ca.pem\n").ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
