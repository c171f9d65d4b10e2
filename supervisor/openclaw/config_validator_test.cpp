#include "supervisor/openclaw/config_validator.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>

namespace clawhive {
namespace {

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

BOOST_AUTO_TEST_SUITE(config_validator)

BOOST_AUTO_TEST_CASE(openclaw_checks_a_config_as_a_throwaway_uid_with_no_network_and_no_view_of_our_files) {
  ProcessConfigValidator v(std::chrono::seconds(30));
  RuntimeImage image{"openclaw-2026.9.6", "2026.9.6", "/var/lib/clawhive-images/x/bin/node", "/var/lib/clawhive-images/x/openclaw.mjs"};
  std::vector<std::string> argv = v.Command(image, {"CLAWHIVE_PROXY_TOKEN"});
  BOOST_TEST(argv.front() == "systemd-run");
  for (const char* p : {"DynamicUser=yes", "PrivateNetwork=yes", "PrivateTmp=yes", "ProtectSystem=strict",
                        "NoNewPrivileges=yes", "CapabilityBoundingSet=", "RuntimeMaxSec=30", "IPAddressDeny=any",
                        "InaccessiblePaths=-/etc/clawhive -/var/lib/clawhive -/run/clawhive -/var/lib/clawhive-tenants"})
    BOOST_TEST(Has(argv, p), p);
  BOOST_TEST(Has(argv, "CLAWHIVE_PROXY_TOKEN=placeholder"));
  BOOST_TEST(!Has(argv, "User=root"));
  // The image's own node runs OpenClaw's own check; nothing of ours is on its command line.
  BOOST_TEST(argv[argv.size() - 5] == image.node);
  BOOST_TEST(argv.back() == "--json");
}

BOOST_AUTO_TEST_CASE(a_config_larger_than_the_pipe_is_refused_before_anything_runs) {
  ProcessConfigValidator v;
  RuntimeImage image{"x", "1", "/nonexistent/node", "/nonexistent/openclaw.mjs"};
  auto r = v.Validate(image, std::string(ProcessConfigValidator::kMaxConfigBytes + 1, 'x'), {});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == ErrorCode::kInvalidArgument));
  BOOST_TEST(r.error().message.find("at most 61440") != std::string::npos, r.error().message);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
