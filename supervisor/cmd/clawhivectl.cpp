// clawhivectl: the command line client of the supervisor's REST API (docs/api.md).
//
//   clawhivectl tenant list
//   clawhivectl secret put acme GITHUB_TOKEN < token.txt
//   clawhivectl vault rotate-kek
//
// The work is in supervisor/cmd/ctl/ (parsing and rendering in ctl.h, HTTP and I/O in client.h).
// Secret values are read from stdin or a file, never from argv (visible to every user in /proc).
#include <Poco/Net/SSLManager.h>
#include <sys/prctl.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "supervisor/cmd/ctl/client.h"
#include "supervisor/cmd/ctl/ctl.h"

int main(int argc, char** argv) {
  using namespace clawhive::ctl;
  // No core dumps and no same-uid ptrace: this process may hold a secret value or the API token.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  std::signal(SIGPIPE, SIG_IGN);
  Poco::Net::initializeSSL();  // the API is HTTPS

  clawhive::Result<Invocation> inv = ParseArgs(argc, argv);
  if (!inv) {
    std::cerr << "clawhivectl: " << inv.error().message << "\nTry 'clawhivectl --help'.\n";
    return kExitUsage;
  }
  RunContext ctx;
  ctx.stdin_fd = 0;
  ctx.prompt_fd = 2;
  ctx.out = &std::cout;
  ctx.err = &std::cerr;
  ctx.env_token = std::getenv(kTokenEnv);
  int rc = Run(*inv, ctx);
  std::cout.flush();
  return rc;
}
