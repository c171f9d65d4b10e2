// StepLog: the installer's progress lines and its change count. Each step says what it looked at and
// whether it changed it ("created", "updated", "started", ...) or found it as wanted ("ok"), so an admin
// sees what a run did and a second run shows "0 changes".
#pragma once

#include <ostream>
#include <string>

namespace clawhive::installer {

class StepLog {
 public:
  explicit StepLog(std::ostream& out) : out_(out) {}
  // `verb` is what was done ("created"); counted as a change.
  void Changed(const std::string& verb, const std::string& what) {
    ++changes_;
    Line(verb, what);
  }
  // Found as wanted; not a change.
  void Ok(const std::string& what) { Line("ok", what); }
  // Either, by `changed`.
  void Step(bool changed, const std::string& verb, const std::string& what) {
    changed ? Changed(verb, what) : Ok(what);
  }
  void Info(const std::string& text) { out_ << text << "\n" << std::flush; }
  int changes() const { return changes_; }

 private:
  void Line(const std::string& verb, const std::string& what) {
    std::string v = verb;
    v.resize(v.size() < 10 ? 10 : v.size(), ' ');
    out_ << "  " << v << " " << what << "\n" << std::flush;
  }
  std::ostream& out_;
  int changes_ = 0;
};

}  // namespace clawhive::installer
