#include "supervisor/core/event_log.h"

#include <systemd/sd-journal.h>

namespace clawhive {

void JournalLog::Write(int priority, const std::string& tenant, const std::string& message) {
  if (tenant.empty()) {
    sd_journal_send("MESSAGE=%s", message.c_str(), "PRIORITY=%d", priority,
                    "SYSLOG_IDENTIFIER=clawhive-supervisor", nullptr);
  } else {
    sd_journal_send("MESSAGE=%s: %s", tenant.c_str(), message.c_str(), "PRIORITY=%d", priority,
                    "TENANT=%s", tenant.c_str(), "SYSLOG_IDENTIFIER=clawhive-supervisor", nullptr);
  }
}

}  // namespace clawhive
