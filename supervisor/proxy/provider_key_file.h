// FileKeys: the metering proxy's side of the provider-key export (the format and the writer:
// supervisor/meter/provider_keys.h): a KeySource over the export file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/meter/provider_keys.h"
#include "supervisor/proxy/proxy_server.h"
#include "supervisor/vault/vault.h"

namespace clawhive::proxy {

// KeySource over the export file: parsed once and kept; read again when the file was replaced (another
// inode, size or mtime), checked at most every `recheck` (so a key put through the API is used within
// about that long, and a busy proxy does one stat a second, not one per request). A file that cannot be
// read or parsed keeps nothing from before: every Key() fails with that error until it is fixed.
// Thread-safe.
class FileKeys : public KeySource {
 public:
  explicit FileKeys(std::string path, std::chrono::milliseconds recheck = std::chrono::milliseconds(1000))
      : path_(std::move(path)), recheck_(recheck) {}
  Result<std::string> Key(const std::string& secret_name) override;

 private:
  Status Refresh();  // mu_ held

  std::string path_;
  std::chrono::milliseconds recheck_;
  std::mutex mu_;
  bool loaded_ = false;
  std::chrono::steady_clock::time_point checked_at_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t size_ = 0;
  int64_t mtime_ns_ = 0;
  Status state_ = Status::Ok();                // the last read's outcome
  std::map<std::string, SecretValue> keys_;    // guarded by mu_
};

}  // namespace clawhive::proxy
