// EventLog: where the supervisor's top layer writes what happened, once. JournalLog sends structured
// entries to journald (TENANT= on every tenant line, so `journalctl TENANT=acme` works); tests collect
// lines in memory. Thread-safe.
#pragma once

#include <string>

namespace clawhive {

class EventLog {
 public:
  virtual ~EventLog() = default;
  // priority: syslog levels (LOG_ERR=3 ... LOG_INFO=6). tenant may be empty.
  virtual void Write(int priority, const std::string& tenant, const std::string& message) = 0;
};

class JournalLog : public EventLog {
 public:
  void Write(int priority, const std::string& tenant, const std::string& message) override;
};

}  // namespace clawhive
