// The provider-key export: how the metering proxy gets provider keys without any view of the vault.
//
// The supervisor (root, owner of the vault) writes the current values of the platform scope
// (kPlatformScope: provider keys only, never a tenant's secret) to one file on tmpfs,
// /run/clawhive-meter/provider-keys (directory 0700, file 0400, both owned by the proxy's user
// clawhive-proxy), at start and after every platform put or delete (core/provider_key_export.h). The
// proxy runs as clawhive-proxy and reads that file only (FileKeys below).
//
// Format: one JSON object of strings, {"OPENAI_API_KEY":"sk-...","ANTHROPIC_API_KEY":"..."}; names are
// secret names ([A-Z_][A-Z0-9_]{0,127}), values any bytes (", \ and control bytes escaped). Values live
// in SecretValue buffers (wiped when they die) and in temporary buffers wiped with OPENSSL_cleanse.
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

#include "supervisor/proxy/proxy_server.h"
#include "supervisor/vault/vault.h"

namespace clawhive::proxy {

inline constexpr const char* kProviderKeysDir = "/run/clawhive-meter";
inline constexpr const char* kProviderKeysName = "provider-keys";
inline constexpr size_t kMaxProviderKeysBytes = 1 << 20;

// The file's text for `keys` (in their order). The result is a SecretValue: it holds every value.
SecretValue EncodeProviderKeys(const std::vector<std::pair<std::string, SecretValue>>& keys);

// Parses the file's text. kInvalidArgument, naming `where` and the byte offset, for anything but one
// object of string members with valid names (no nesting, no numbers, no duplicates, nothing after it);
// kTooLarge above kMaxProviderKeysBytes. Messages never quote a value.
Result<std::map<std::string, SecretValue>> ParseProviderKeys(std::string_view text, const std::string& where);

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
