// FakeKeyFileWriter: KeyFileWriter (supervisor/core/provider_key_export.h) in memory, for tests of what is
// exported; PosixKeyFileWriter is tested against the real file system.
#pragma once

#include <string>
#include <vector>

#include "supervisor/core/provider_key_export.h"

namespace clawhive::testing {

class FakeKeyFileWriter : public KeyFileWriter {
 public:
  struct Write {
    std::string dir, name, content;
    meter::Owner owner;
  };
  Status Replace(const std::string& dir, const std::string& name, std::string_view content,
                 const meter::Owner& owner) override {
    if (fail) return Error::Unavailable("fake: disk on fire");
    writes.push_back({dir, name, std::string(content), owner});
    return Status::Ok();
  }
  std::vector<Write> writes;
  bool fail = false;
};

}  // namespace clawhive::testing
