// Vault crypto: AES-256-GCM through OpenSSL 3 EVP, and a key type that wipes itself.
//
// A sealed blob is nonce (12 random bytes) || ciphertext || tag (16 bytes); the associated data is not
// stored, the caller recomputes it from where the blob lives. Errors here are generic ("authentication
// failed"); callers add which tenant/secret/version it was. Nothing here ever puts plaintext or key
// bytes into a message. Thread-compatible (no shared state).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"
#include "supervisor/vault/vault.h"

namespace clawhive::vault {

inline constexpr size_t kKeySize = 32;    // AES-256
inline constexpr size_t kNonceSize = 12;  // GCM's native IV length
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kSealOverhead = kNonceSize + kTagSize;

// 32 key bytes, wiped (OPENSSL_cleanse) when destroyed or moved from. Move-only.
class Key {
 public:
  Key() = default;
  Key(Key&& o) noexcept;
  Key& operator=(Key&& o) noexcept;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key();

  unsigned char* data() { return bytes_.data(); }
  const unsigned char* data() const { return bytes_.data(); }
  static constexpr size_t size() { return kKeySize; }

 private:
  std::array<unsigned char, kKeySize> bytes_{};
};

// A fresh key from RAND_bytes.
Result<Key> RandomKey();

// Encrypts `plaintext` under `key` with a fresh random nonce; returns nonce || ciphertext || tag.
Result<std::string> Seal(const Key& key, std::string_view plaintext, std::string_view aad);

// Decrypts and authenticates `sealed` into out[0 .. sealed.size() - kSealOverhead), which the caller
// sizes exactly. On any failure `out` is wiped: no unauthenticated plaintext is left behind.
// kInvalidArgument for a blob too short to hold nonce and tag or of the wrong size for `out`,
// kInternal for an authentication failure (wrong key, altered bytes, or different associated data).
Status Unseal(const Key& key, std::string_view sealed, std::string_view aad, unsigned char* out, size_t out_size);

// Convenience forms: a wrapped key (exactly kKeySize bytes of plaintext) and a secret value.
Result<std::string> WrapKey(const Key& kek, const Key& key, std::string_view aad);
Result<Key> UnwrapKey(const Key& kek, std::string_view sealed, std::string_view aad);
Result<SecretValue> OpenValue(const Key& key, std::string_view sealed, std::string_view aad);

}  // namespace clawhive::vault
