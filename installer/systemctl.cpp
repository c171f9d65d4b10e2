#include "installer/systemctl.h"

namespace clawhive::installer {
namespace {

std::vector<std::string> Command(const std::string& root, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"systemctl"};
  if (!root.empty()) argv.push_back("--root=" + root);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

Status Systemctl(System& sys, const std::string& root, const std::vector<std::string>& args) {
  std::vector<std::string> argv = Command(root, args);
  Result<ExecResult> r = sys.Exec(argv);
  if (!r) return r.error();
  if (r->exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return Error::Unavailable(cmd + " failed (exit " + std::to_string(r->exit_code) + ")");
  }
  return Status::Ok();
}

std::string ActiveState(System& sys, const std::string& unit) {
  Result<ExecResult> r = sys.Exec({"systemctl", "is-active", unit});
  if (!r || FirstLine(r->out).empty()) return "unknown";
  return FirstLine(r->out);
}

std::string EnabledState(System& sys, const std::string& root, const std::string& unit) {
  Result<ExecResult> r = sys.Exec(Command(root, {"is-enabled", unit}));
  if (!r || FirstLine(r->out).empty()) return "not-found";
  return FirstLine(r->out);
}

std::string UnitProperty(System& sys, const std::string& unit, const std::string& name) {
  Result<ExecResult> r = sys.Exec({"systemctl", "show", "-p", name, "--value", unit});
  if (!r || r->exit_code != 0) return "";
  return FirstLine(r->out);
}

}  // namespace clawhive::installer
