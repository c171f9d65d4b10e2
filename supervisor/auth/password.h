// Password hashing with scrypt (OpenSSL EVP_KDF "SCRYPT"), stored as a PHC-like string:
//
//   scrypt$N=32768,r=8,p=1$<salt, unpadded base64>$<hash, unpadded base64>
//
// with a 16-byte random salt per hash and a 32-byte output. VerifyPassword() reads the parameters from
// the stored string, so stronger defaults later still verify old hashes; it refuses parameters outside
// the caps below (a tampered row must not make one login cost minutes or gigabytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::auth {

struct ScryptParams {
  uint64_t n = 32768;  // cost: a power of two, 2..kMaxScryptN
  uint64_t r = 8;      // block size, 1..kMaxScryptR
  uint64_t p = 1;      // parallelism, 1..kMaxScryptP
};

inline constexpr uint64_t kMaxScryptN = uint64_t{1} << 20;
inline constexpr uint64_t kMaxScryptR = 32;
inline constexpr uint64_t kMaxScryptP = 16;
inline constexpr uint64_t kMaxScryptRP = 64;                       // r * p
inline constexpr uint64_t kMaxScryptMemory = uint64_t{256} << 20;  // 128 * N * r bytes
inline constexpr size_t kSaltBytes = 16;
inline constexpr size_t kHashBytes = 32;
inline constexpr size_t kMinPasswordLength = 12;    // characters (UTF-8 code points)
inline constexpr size_t kMaxPasswordBytes = 1024;

// kInvalidArgument when `params` are outside the caps.
Status CheckScryptParams(const ScryptParams& params);

// A new stored string for `pw` (any bytes; the policy is the caller's, see CheckPasswordPolicy).
Result<std::string> HashPassword(std::string_view pw, const ScryptParams& params = {});

// true/false for a well-formed `stored`; kInvalidArgument (never mentioning the password) when `stored`
// is malformed or its parameters are outside the caps.
Result<bool> VerifyPassword(std::string_view pw, std::string_view stored);

// 12..1024 bytes-and-characters: at least kMinPasswordLength code points, at most kMaxPasswordBytes
// bytes, valid UTF-8, no NUL and no other control character.
Status CheckPasswordPolicy(std::string_view pw);

}  // namespace clawhive::auth
