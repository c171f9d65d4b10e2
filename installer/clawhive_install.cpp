// clawhive-install: the appliance installer. One verb per invocation:
//   preflight [--answers FILE]   checks the host, prints a report; exit 0 ok, 1 warnings, 2 failures
//   check-answers FILE           validates an answer file; "FILE: ok" (0) or FILE:line:col: error (2)
//   install | upgrade | uninstall | status   not implemented yet (exit 64)
// Neither implemented verb changes anything on the host.
#include <getopt.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "installer/answers.h"
#include "installer/preflight.h"

namespace {

constexpr int kExitUsage = 64;  // EX_USAGE

void Usage(FILE* out) {
  std::fputs("usage: clawhive-install preflight [--answers FILE]\n"
             "       clawhive-install check-answers FILE\n"
             "       clawhive-install install|upgrade|uninstall|status   (not implemented yet)\n"
             "  preflight       check this host; exit 0 ok, 1 warnings only, 2 failures\n"
             "  check-answers   validate an answer file without changing anything\n",
             out);
}

int Preflight(int argc, char** argv) {
  using namespace clawhive::installer;
  std::string answers_path;
  static const option options[] = {{"answers", required_argument, nullptr, 'a'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "a:h", options, nullptr)) != -1;) {
    switch (c) {
      case 'a': answers_path = optarg; break;
      case 'h': Usage(stdout); return 0;
      default: Usage(stderr); return kExitUsage;
    }
  }
  if (optind != argc) {
    Usage(stderr);
    return kExitUsage;
  }
  Answers answers;
  if (!answers_path.empty()) {
    auto loaded = LoadAnswers(answers_path);
    if (!loaded) {
      std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
      return 2;
    }
    answers = *loaded;
  }
  Report report = RunPreflight(RealHost(), answers);
  std::fputs(FormatReport(report, answers).c_str(), stdout);
  return report.ExitCode();
}

int CheckAnswers(int argc, char** argv) {
  static const option options[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "h", options, nullptr)) != -1;) {
    if (c == 'h') {
      Usage(stdout);
      return 0;
    }
    Usage(stderr);
    return kExitUsage;
  }
  if (argc - optind != 1) {
    Usage(stderr);
    return kExitUsage;
  }
  std::string path = argv[optind];
  auto answers = clawhive::installer::LoadAnswers(path);
  if (!answers) {
    std::fprintf(stderr, "%s\n", answers.error().message.c_str());
    return 2;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage(stderr);
    return kExitUsage;
  }
  std::string verb = argv[1];
  if (verb == "-h" || verb == "--help" || verb == "help") {
    Usage(stdout);
    return 0;
  }
  // Each verb parses its own options; argv[1] (the verb) stands in for argv[0].
  if (verb == "preflight") return Preflight(argc - 1, argv + 1);
  if (verb == "check-answers") return CheckAnswers(argc - 1, argv + 1);
  if (verb == "install" || verb == "upgrade" || verb == "uninstall" || verb == "status") {
    std::fprintf(stderr, "clawhive-install: %s: not implemented yet\n", verb.c_str());
    return kExitUsage;
  }
  std::fprintf(stderr, "clawhive-install: unknown verb '%s'\n", verb.c_str());
  Usage(stderr);
  return kExitUsage;
}
