// Small byte encodings and digests shared by the auth module: unpadded Base64 (standard and URL
// alphabets, strict decoding), SHA-256, random bytes, and the "chv_" secret format of session ids and
// API tokens.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::auth {

// Unpadded Base64. Decoding is strict: wrong alphabet, '=' padding, a length of 1 mod 4 or non-zero
// unused trailing bits give nullopt-like failure (false), so each byte string has exactly one encoding.
std::string Base64Encode(std::string_view bytes, bool url);
bool Base64Decode(std::string_view text, bool url, std::string* out);

// SHA-256 of `bytes` (32 raw bytes).
std::string Sha256(std::string_view bytes);

// `n` bytes from RAND_bytes.
Result<std::string> RandomBytes(size_t n);

// A new secret: 32 random bytes presented as "chv_" + base64url (47 characters in all).
inline constexpr std::string_view kSecretPrefix = "chv_";
inline constexpr size_t kSecretBytes = 32;
Result<std::string> NewSecret();
// True when `text` has the exact shape NewSecret() produces (no other checks).
bool LooksLikeSecret(std::string_view text);

// Constant-time equality of two byte strings of equal length (false when lengths differ).
bool SecureEquals(std::string_view a, std::string_view b);

// Overwrites the bytes of `s` (OPENSSL_cleanse) and empties it.
void Wipe(std::string& s);

}  // namespace clawhive::auth
