// Sealing the vault's KEK with systemd-creds, against the real systemd in the sandbox: the installed
// supervisor accepts `vault: {seal_kek: true}`, and systemd-creds (host key) round-trips a value there.
// Runs inside the sandbox only: systemd-creds must never be run on the host (with --with-key=host/auto it
// creates /var/lib/systemd/credential.secret). The sealed-KEK code itself is unit-tested with a fake
// systemd-creds (supervisor/vault/key_file_test.cpp); a supervisor running with seal_kek is not exercised
// here, since the shared sandbox's supervisor runs with the default config.
#include <boost/test/unit_test.hpp>

#include "integration/world.h"

using namespace clawhive::testing;

namespace {

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vault_sealing_on_real_systemd)

BOOST_AUTO_TEST_CASE(the_installed_supervisor_accepts_vault_seal_kek) {
  CommandResult check = sb().Exec(
      "set -e; d=/var/tmp/sealtest; rm -rf $d; mkdir -p -m 0700 $d/state; "
      "printf 'paths:\\n  state_dir: %s\\nvault:\\n  seal_kek: true\\n' $d/state > $d/clawhive.yaml; "
      "/usr/sbin/clawhive-supervisor --config $d/clawhive.yaml --check-config");
  BOOST_TEST(check.status == 0);
  // And a value that is not a boolean is refused, naming the key.
  CommandResult bad = sb().Exec(
      "d=/var/tmp/sealtest; printf 'vault:\\n  seal_kek: maybe\\n' > $d/bad.yaml; "
      "/usr/sbin/clawhive-supervisor --config $d/bad.yaml --check-config 2>&1; echo \"rc=$?\"; rm -rf $d");
  BOOST_TEST(bad.out.find("vault.seal_kek") != std::string::npos, bad.out);
  BOOST_TEST(bad.out.find("rc=78") != std::string::npos, bad.out);  // EX_CONFIG: the unit does not restart-loop
}

BOOST_AUTO_TEST_CASE(systemd_creds_round_trips_with_the_host_key_in_the_sandbox) {
  const std::string probe = "clawhive-seal-probe-4e1a";
  CommandResult version = sb().Exec("command -v systemd-creds >/dev/null && systemd-creds --version | head -n 1");
  if (version.status != 0) {
    BOOST_TEST_MESSAGE("systemd-creds is not installed in the sandbox; skipping the sealing check");
    return;
  }
  BOOST_TEST_MESSAGE("sandbox: " << Trimmed(version.out));
  // The value goes in on stdin (as the vault does with a KEK), never on the command line of systemd-creds.
  CommandResult sealed = sb().Exec(
      "set -e; d=/var/tmp/clawhive-sealcheck; rm -rf $d; mkdir -m 0700 $d; "
      "printf '%s' '" + probe + "' | systemd-creds encrypt --name=clawhive-probe --with-key=host - $d/probe.cred; "
      "test -s $d/probe.cred; ! grep -q '" + probe + "' $d/probe.cred");
  if (sealed.status != 0) {
    BOOST_TEST_MESSAGE("systemd-creds encrypt --with-key=host does not work in the sandbox (status "
                       << sealed.status << "); skipping the sealing check");
    sb().Exec("rm -rf /var/tmp/clawhive-sealcheck");
    return;
  }
  CommandResult opened =
      sb().Exec("systemd-creds decrypt --name=clawhive-probe - - < /var/tmp/clawhive-sealcheck/probe.cred");
  BOOST_TEST(opened.status == 0);
  BOOST_TEST(Trimmed(opened.out) == probe);
  // The credential is bound to its name: a KEK sealed as version n cannot be passed off as another.
  CommandResult renamed = sb().Exec(
      "systemd-creds decrypt --name=clawhive-other /var/tmp/clawhive-sealcheck/probe.cred - >/dev/null 2>&1");
  BOOST_TEST(renamed.status == 1);  // systemd-creds: EXIT_FAILURE, the name does not match
  sb().Exec("rm -rf /var/tmp/clawhive-sealcheck");
}

BOOST_AUTO_TEST_SUITE_END()
