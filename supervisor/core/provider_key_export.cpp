#include "supervisor/core/provider_key_export.h"

#include "supervisor/common/replace_file.h"
#include "supervisor/meter/provider_keys.h"

namespace clawhive {

Status PosixKeyFileWriter::Replace(const std::string& dir, const std::string& name, std::string_view content,
                                   const meter::Owner& owner) {
  if (Result<bool> made = meter::EnsureOwnedDir(dir, owner); !made) {
    const Error& e = made.error();
    if (e.code != ErrorCode::kInvalidArgument) return e;
    return Error::Invalid(e.message + "; refusing to write provider keys there");
  }
  return ReplaceFile(dir, name, 0400, owner, content);
}

ProviderKeyExport::ProviderKeyExport(Vault& vault, KeyFileWriter& writer, meter::Owner owner, std::string dir)
    : vault_(vault), writer_(writer), owner_(owner), dir_(std::move(dir)), name_(meter::kProviderKeysName) {}

Status ProviderKeyExport::Write() {
  auto keys = vault_.ProviderKeys();
  if (!keys) return Error{keys.error().code, "provider keys: " + keys.error().message};
  SecretValue text = meter::EncodeProviderKeys(*keys);
  if (Status s = writer_.Replace(dir_, name_, text.view(), owner_); !s)
    return Error{s.error().code, "provider keys: " + s.error().message};
  return Status::Ok();
}

}  // namespace clawhive
