// The provider-key export's format, shared by its writer (the supervisor: core/provider_key_export.h)
// and its reader (the metering proxy: proxy/provider_key_file.h).
//
// The supervisor (root, owner of the vault) writes the current values of the platform scope
// (kPlatformScope: provider keys only, never a tenant's secret) to one file on tmpfs,
// /run/clawhive-meter/provider-keys (directory 0700, file 0400, both owned by the proxy's user
// clawhive-proxy), at start and after every platform put or delete. The proxy runs as clawhive-proxy and
// reads that file only.
//
// Format: one JSON object of strings, {"OPENAI_API_KEY":"sk-...","ANTHROPIC_API_KEY":"..."}; names are
// secret names ([A-Z_][A-Z0-9_]{0,127}), values any bytes (", \ and control bytes escaped). Values live
// in SecretValue buffers (wiped when they die) and in temporary buffers wiped with OPENSSL_cleanse.
// Pure functions; thread-compatible.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/vault/vault.h"

namespace clawhive::meter {

inline constexpr const char* kProviderKeysDir = "/run/clawhive-meter";
inline constexpr const char* kProviderKeysName = "provider-keys";
inline constexpr size_t kMaxProviderKeysBytes = 1 << 20;

// The file's text for `keys` (in their order). The result is a SecretValue: it holds every value.
SecretValue EncodeProviderKeys(const std::vector<std::pair<std::string, SecretValue>>& keys);

// Parses the file's text. kInvalidArgument, naming `where` and the byte offset, for anything but one
// object of string members with valid names (no nesting, no numbers, no duplicates, nothing after it);
// kTooLarge above kMaxProviderKeysBytes. Messages never quote a value.
Result<std::map<std::string, SecretValue>> ParseProviderKeys(std::string_view text, const std::string& where);

}  // namespace clawhive::meter
