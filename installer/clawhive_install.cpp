// clawhive-install: the appliance installer. One verb per invocation (each verb's work is in its own
// file in installer/; this file only parses the command line and picks the answers):
//   preflight [--answers FILE]   checks the host, prints a report; exit 0 ok, 1 warnings, 2 failures
//   check-answers FILE           validates an answer file; "FILE: ok" (0) or FILE:line:col: error (2)
//   install [--answers FILE] [--root DIR] [--non-interactive] [--force]
//   upgrade | uninstall [--purge] | status
//   import-runtime               imports the runtime package's image (its postinst runs this)
#include <getopt.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "installer/answers.h"
#include "installer/appliance.h"
#include "installer/appliance_api.h"
#include "installer/install.h"
#include "installer/layout.h"
#include "installer/preflight.h"
#include "installer/prompt.h"
#include "installer/runtime.h"
#include "installer/status.h"
#include "installer/step_log.h"
#include "installer/system.h"
#include "installer/uninstall.h"
#include "installer/upgrade.h"

namespace {

constexpr int kExitUsage = 64;  // EX_USAGE

void Usage(FILE* out) {
  std::fputs("usage: clawhive-install preflight [--answers FILE]\n"
             "       clawhive-install check-answers FILE\n"
             "       clawhive-install install [--answers FILE] [--root DIR] [--non-interactive] [--force]\n"
             "       clawhive-install upgrade\n"
             "       clawhive-install uninstall [--purge]\n"
             "       clawhive-install status\n"
             "       clawhive-install import-runtime\n"
             "  preflight       check this host; exit 0 ok, 1 warnings only, 2 failures\n"
             "  check-answers   validate an answer file without changing anything\n"
             "  install         set up and start the appliance; safe to run again (changes nothing then).\n"
             "                  Answers: --answers FILE, else $CLAWHIVE_ANSWERS, else /etc/clawhive/answers.yaml,\n"
             "                  else questions on a terminal, else defaults (operator 'admin', generated\n"
             "                  password). --root DIR: into an image root, nothing started; the first boot\n"
             "                  finishes. $CLAWHIVE_NO_SYSCTL=1: do not load the reserved-port setting.\n"
             "                  --show-password-on DEV: also write a generated first password there (the\n"
             "                  first-boot unit uses /dev/console)\n"
             "  upgrade         after new binaries: migrate, restart the supervisor; tenants keep running\n"
             "  uninstall       stop and remove everything but the data; --purge removes the data too\n"
             "  status          what is installed and whether it is healthy; exit 0 healthy, 1 degraded,\n"
             "                  3 not installed\n"
             "  import-runtime  import the OpenClaw runtime image of the clawhive-openclaw-runtime package\n"
             "                  (/usr/share/clawhive/runtime) unless it is imported already; what new\n"
             "                  tenants run (openclaw.runtime) is not changed\n",
             out);
}

// One verb's options through getopt_long: --help prints the usage (exit 0); an option `take` refuses (or
// an unknown one), or other than `operands` operands, prints it to stderr (kExitUsage). nullopt: go on.
std::optional<int> ParseOptions(int argc, char** argv, const char* short_options, const option* options,
                                const std::function<bool(int)>& take, int operands = 0) {
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, short_options, options, nullptr)) != -1;) {
    if (c == 'h') {
      Usage(stdout);
      return 0;
    }
    if (!take(c)) {
      Usage(stderr);
      return kExitUsage;
    }
  }
  if (argc - optind != operands) {
    Usage(stderr);
    return kExitUsage;
  }
  return std::nullopt;
}

// The image id the runtime package ships under `root`, "" when none (a damaged package is reported by
// install itself, at its runtime step).
std::string ShippedRuntimeId(const std::string& root) {
  using namespace clawhive::installer;
  auto shipped = FindShippedRuntime(RealSystem(), Layout{root});
  return shipped && *shipped ? (*shipped)->image_id : std::string();
}

int ImportRuntime(int argc, char** argv) {
  using namespace clawhive;
  using namespace clawhive::installer;
  static const option options[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
  if (std::optional<int> stop = ParseOptions(argc, argv, "h", options, [](int) { return false; })) return *stop;
  if (::geteuid() != 0) {
    std::fprintf(stderr, "clawhive-install: import-runtime must run as root\n");
    return 1;
  }
  System& sys = RealSystem();
  const Layout L{""};
  std::string images_dir = Config().images_dir;
  if (Result<Config> c = LoadInstalledConfig(sys, L); c) images_dir = c->images_dir;
  Result<std::optional<ShippedRuntime>> shipped = FindShippedRuntime(sys, L);
  if (!shipped) {
    std::fprintf(stderr, "clawhive-install: import-runtime: %s\n", shipped.error().message.c_str());
    return 1;
  }
  if (!*shipped) {
    std::printf("No runtime image in %s (the %s package is not installed): nothing to import.\n", kShippedRuntimeDir,
                kRuntimePackage);
    return 0;
  }
  StepLog log(std::cout);
  if (Status s = EnsureRuntimeImported(sys, L, **shipped, images_dir, log); !s) {
    std::fprintf(stderr, "clawhive-install: import-runtime: %s\n", s.error().message.c_str());
    return 1;
  }
  std::cout << "Runtime image " << (*shipped)->image_id << " is in " << images_dir
            << ". Tenants move to it by a fleet update (POST /v1/fleet/updates, or the console's Runtimes page);\n"
               "new tenants run what openclaw.runtime in /etc/clawhive/clawhive.yaml names.\n";
  return 0;
}

int Preflight(int argc, char** argv) {
  using namespace clawhive::installer;
  std::string answers_path;
  static const option options[] = {{"answers", required_argument, nullptr, 'a'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
  auto take = [&](int c) {
    if (c != 'a') return false;
    answers_path = optarg;
    return true;
  };
  if (std::optional<int> stop = ParseOptions(argc, argv, "a:h", options, take)) return *stop;
  Answers answers;
  if (!answers_path.empty()) {
    auto loaded = LoadAnswers(answers_path, ShippedRuntimeId(""));
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
  if (std::optional<int> stop = ParseOptions(argc, argv, "h", options, [](int) { return false; }, 1)) return *stop;
  std::string path = argv[optind];
  auto answers = clawhive::installer::LoadAnswers(path, ShippedRuntimeId(""));
  if (!answers) {
    std::fprintf(stderr, "%s\n", answers.error().message.c_str());
    return 2;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}


// Where install's answers come from, in order: --answers, $CLAWHIVE_ANSWERS, the kept answer file, questions
// on a terminal, defaults. Returns false (message printed) when a given file is bad.
bool ChooseAnswers(const std::string& given, const std::string& root, bool interactive,
                   clawhive::installer::InstallOptions* o) {
  using namespace clawhive;
  using namespace clawhive::installer;
  System& sys = RealSystem();
  std::string path = given;
  if (path.empty()) {
    const char* env = std::getenv("CLAWHIVE_ANSWERS");
    if (env && *env) path = env;
  }
  if (path.empty() && sys.Exists(root + kAnswersFile)) path = root + kAnswersFile;
  std::string text;
  if (!path.empty()) {
    Result<std::string> t = sys.ReadFile(path);
    if (!t) {
      std::fprintf(stderr, "%s: cannot read the answer file\n", path.c_str());
      return false;
    }
    text = *t;
  } else if (interactive && ::isatty(STDIN_FILENO)) {
    PromptIo io{&std::cin, &std::cout, &HideTerminalInput};
    Result<std::string> t = PromptAnswers(io);
    if (!t) {
      std::fprintf(stderr, "clawhive-install: %s\n", t.error().message.c_str());
      return false;
    }
    text = *t;
    path = "answers";
  } else {
    text = "# Defaults chosen by clawhive-install (no answer file was given).\n"
           "operator:\n  name: admin\n  generate_password: true\n";
    path = "defaults";
  }
  // A damaged runtime package is its own error, not "nothing to run the tenants with".
  Result<std::optional<ShippedRuntime>> shipped = FindShippedRuntime(sys, Layout{root});
  if (!shipped) {
    std::fprintf(stderr, "clawhive-install: runtime image: %s\n", shipped.error().message.c_str());
    return false;
  }
  Result<Answers> a = ParseAnswers(text, path, *shipped ? (*shipped)->image_id : std::string());
  if (!a) {
    std::fprintf(stderr, "%s\n", a.error().message.c_str());
    return false;
  }
  o->answers = *a;
  o->answers_text = text;
  return true;
}

int InstallVerb(int argc, char** argv) {
  using namespace clawhive::installer;
  std::string answers_path, root;
  bool interactive = true, force = false;
  static const option options[] = {{"answers", required_argument, nullptr, 'a'},
                                   {"root", required_argument, nullptr, 'r'},
                                   {"non-interactive", no_argument, nullptr, 'n'},
                                   {"force", no_argument, nullptr, 'f'},
                                   {"show-password-on", required_argument, nullptr, 's'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
  std::string show_password_on;
  auto take = [&](int c) {
    switch (c) {
      case 's': show_password_on = optarg; return true;
      case 'a': answers_path = optarg; return true;
      case 'r': root = optarg; return true;
      case 'n': interactive = false; return true;
      case 'f': force = true; return true;
      default: return false;
    }
  };
  if (std::optional<int> stop = ParseOptions(argc, argv, "a:r:nfh", options, take)) return *stop;
  if (!root.empty()) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (root[0] != '/' || root == "/") {
      std::fprintf(stderr, "clawhive-install: --root needs an absolute directory other than /\n");
      return kExitUsage;
    }
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "clawhive-install: install must run as root\n");
    return 1;
  }
  InstallOptions o;
  o.root = root;
  o.force = force;
  // An OpenClaw tenant's first start may take up to openclaw.start_timeout (180 s by default): wait a
  // little longer than the supervisor does before calling it failed.
  o.tenant_wait_s = 240;
  o.show_password_on = show_password_on;
  const char* no_sysctl = std::getenv("CLAWHIVE_NO_SYSCTL");
  o.apply_sysctl = !(no_sysctl && std::string(no_sysctl) == "1");
  if (!ChooseAnswers(answers_path, root, interactive, &o)) return 2;
  return Install(RealSystem(), RealApiFactory(), o, std::cout, std::cerr);
}

int SimpleVerb(const std::string& verb, int argc, char** argv) {
  using namespace clawhive::installer;
  bool purge = false;
  static const option options[] = {{"purge", no_argument, nullptr, 'p'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
  auto take = [&](int c) {
    if (c != 'p' || verb != "uninstall") return false;
    purge = true;
    return true;
  };
  if (std::optional<int> stop = ParseOptions(argc, argv, "ph", options, take)) return *stop;
  if (verb == "status") return ShowStatus(RealSystem(), RealApiFactory(), "", std::cout);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "clawhive-install: %s must run as root\n", verb.c_str());
    return 1;
  }
  if (verb == "upgrade") return Upgrade(RealSystem(), RealApiFactory(), "", std::cout, std::cerr);
  return Uninstall(RealSystem(), "", purge, std::cout, std::cerr);
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
  if (verb == "install") return InstallVerb(argc - 1, argv + 1);
  if (verb == "import-runtime") return ImportRuntime(argc - 1, argv + 1);
  if (verb == "upgrade" || verb == "uninstall" || verb == "status") return SimpleVerb(verb, argc - 1, argv + 1);
  std::fprintf(stderr, "clawhive-install: unknown verb '%s'\n", verb.c_str());
  Usage(stderr);
  return kExitUsage;
}
