// RealSystem().Exec against harmless real programs: what the installer's verbs see of a command.
#include "installer/system.h"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace clawhive::installer;
using clawhive::ErrorCode;
using clawhive::Result;

BOOST_AUTO_TEST_SUITE(installer_system)

BOOST_AUTO_TEST_CASE(exec_returns_stdout_and_the_exit_status_and_a_run_checks_it) {
  Result<ExecResult> r = RealSystem().Exec({"sh", "-c", "echo active; exit 3"});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->exit_code == 3);
  BOOST_TEST(r->out == "active\n");
  Result<ExecResult> killed = RealSystem().Exec({"sh", "-c", "kill -TERM $$"});
  BOOST_REQUIRE(killed.ok());
  BOOST_TEST(killed->exit_code == 128 + 15);
  Result<std::string> failed = RealSystem().Run({"sh", "-c", "exit 1"});
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().message == "sh: failed (exit 1)");
}

BOOST_AUTO_TEST_CASE(a_program_that_is_not_installed_is_an_error_naming_it) {
  Result<ExecResult> r = RealSystem().Exec({"clawhive-no-such-tool"});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == ErrorCode::kUnavailable));
  BOOST_TEST(r.error().message == "clawhive-no-such-tool: cannot run (not installed?)");
}

BOOST_AUTO_TEST_SUITE_END()
