// Mapping between the API's secret documents and the vault's metadata structs, and the one place a
// secret value is taken out of a request body.
//
// A value leaves the parsed JSON by move (JsonValue::TakeString) straight into a SecretValue, which
// wipes it when it dies; nothing here copies it, and no error message quotes it (nor an unknown field
// name, which could be a misplaced value). Pure functions; no I/O.
#pragma once

#include <cstddef>
#include <string>

#include "supervisor/common/json.h"
#include "supervisor/common/result.h"
#include "supervisor/vault/vault.h"

namespace clawhive::api {

inline constexpr size_t kMaxSecretValueBytes = 65536;  // after JSON unescaping
inline constexpr size_t kMaxSecretNameChars = 128;

// Secret names are environment variable names: [A-Z_][A-Z0-9_]{0,127}. The message quotes the name
// (made printable, cut short), never anything else.
Status CheckSecretName(const std::string& name);

// The body of PUT .../secrets/{name}: {"value": "..."}. The value must be a string of 1 to 64 KiB
// (UTF-8, as the JSON reader guarantees) without control characters other than tab: it becomes an
// environment variable in a systemd EnvironmentFile= (tenant scope) or an HTTP header (provider keys),
// where NUL, CR and LF would cut or forge lines. Moves the value out of `body` in every case, so what is
// refused is wiped too (by the SecretValue) and the document left behind holds no copy.
Result<SecretValue> TakeSecretValue(JsonValue* body);

// {"tenant","name","current_version","created_at","rotated_at","versions":[...],"consumers":[...]}.
// consumers: the systemd unit the secret is delivered to ("clawhive-agent@<escaped id>.service"); none
// for the platform scope.
JsonValue SecretInfoToJson(const SecretInfo& info);
// {"id","kind","target","state","done","total"}
JsonValue RotationToJson(const RotationInfo& rotation);

}  // namespace clawhive::api
