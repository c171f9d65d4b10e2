// ProviderKeyExport: the supervisor's side of the provider-key export (supervisor/meter/provider_keys.h
// says what the file is and why). Writes the platform scope's current values from the vault to
// /run/clawhive-meter/provider-keys for the proxy's user, atomically, at start and after every platform
// put or delete (SecretManager). Loop thread only (it uses the vault).
#pragma once

#include <string>
#include <string_view>

#include "supervisor/common/result.h"
#include "supervisor/meter/meter_dir.h"
#include "supervisor/vault/vault.h"

namespace clawhive {

// Where the export lands: the seam the tests replace (tests/unit/fake_key_file_writer.h).
class KeyFileWriter {
 public:
  virtual ~KeyFileWriter() = default;
  // Makes `dir` (0700, parents 0755) if missing, refusing a symlink or non-directory there, and gives it
  // mode 0700 and `owner`; then replaces dir/name atomically: a temp file in `dir` made 0400 and given to
  // `owner` before any byte is written, the content, fsync, rename over `name`, fsync of `dir`. A failure
  // leaves the previous file (or none) and no temp file.
  virtual Status Replace(const std::string& dir, const std::string& name, std::string_view content,
                         const meter::Owner& owner) = 0;
};

class PosixKeyFileWriter final : public KeyFileWriter {
 public:
  Status Replace(const std::string& dir, const std::string& name, std::string_view content,
                 const meter::Owner& owner) override;
};

class ProviderKeyExport {
 public:
  // `owner`: the proxy's user (meter::LookupUser(meter::kProxyUser)); root when there is none.
  ProviderKeyExport(Vault& vault, KeyFileWriter& writer, meter::Owner owner, std::string dir);

  // The current values of every platform secret (kPlatformScope only: no tenant's secret ever).
  Status Write();
  std::string path() const { return dir_ + "/" + name_; }

 private:
  Vault& vault_;
  KeyFileWriter& writer_;
  meter::Owner owner_;
  std::string dir_;
  std::string name_;
};

}  // namespace clawhive
