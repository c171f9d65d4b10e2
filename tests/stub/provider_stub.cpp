// clawhive-provider-stub: a local OpenAI- and Anthropic-compatible model provider for the metering
// proxy's tests and benchmarks (endpoints, controls and formats: provider_stub_server.h).
//
//   clawhive-provider-stub --listen 127.0.0.1:PORT [--key KEY] [--threads N]
//
// PORT 0 picks a free port. Once serving it prints exactly "listening <host>:<port>" on stdout (flushed)
// so a test can read the port; SIGTERM or SIGINT stop it cleanly (exit 0). Loopback addresses only.
// Exit 2: bad usage; 1: could not start.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "tests/stub/provider_stub_server.h"

namespace {

constexpr const char* kUsage = "usage: clawhive-provider-stub --listen 127.0.0.1:PORT [--key KEY] [--threads N]\n";

int Usage(const std::string& why) {
  std::cerr << "clawhive-provider-stub: " << why << "\n" << kUsage;
  return 2;
}

// "127.0.0.1:8080" or "[::1]:8080".
bool SplitHostPort(std::string_view s, std::string* host, uint16_t* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = s.substr(0, colon), p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) return false;
  unsigned long v = std::stoul(std::string(p));
  if (v > 65535) return false;
  *host = std::string(h);
  *port = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  clawhive::stub::ProviderStubOptions options;
  bool listen_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (i + 1 >= argc) return Usage("missing value for " + std::string(arg));
    std::string value = argv[++i];
    if (arg == "--listen") {
      if (!SplitHostPort(value, &options.address, &options.port)) return Usage("bad --listen " + value);
      listen_given = true;
    } else if (arg == "--key") {
      options.key = value;
    } else if (arg == "--threads") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > 4096) return Usage("--threads must be from 1 to 4096");
      options.threads = static_cast<int>(n);
    } else {
      return Usage("unknown argument " + std::string(arg));
    }
  }
  if (!listen_given) return Usage("--listen is required");

  // Block the stop signals before any thread exists so that every server thread inherits the mask and
  // only the sigwait below receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  clawhive::stub::ProviderStubServer server(options);
  clawhive::Status started = server.Start();
  if (!started) {
    std::cerr << "clawhive-provider-stub: " << started.error().message << "\n";
    return 1;
  }
  std::string host = options.address.find(':') != std::string::npos ? "[" + options.address + "]" : options.address;
  std::printf("listening %s:%u\n", host.c_str(), static_cast<unsigned>(server.port()));
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  server.Stop();
  return 0;
}
