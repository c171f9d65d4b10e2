#include "supervisor/vault/crypto.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

namespace clawhive::vault {
namespace {

struct FreeCipherCtx {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }  // wipes the key schedule
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, FreeCipherCtx>;

// "<what> failed: <first OpenSSL error>", leaving OpenSSL's error queue empty for the next caller.
Error OpenSslError(const char* what) {
  std::string message = std::string("OpenSSL ") + what + " failed";
  if (unsigned long e = ERR_get_error(); e != 0) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  return Error::Internal(std::move(message));
}

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// EVP lengths are ints; secrets are at most 64 KiB, but the check keeps a bad caller from wrapping.
bool FitsInt(size_t n) { return n <= static_cast<size_t>(INT_MAX) - kSealOverhead; }

}  // namespace

Key::Key(Key&& o) noexcept : bytes_(o.bytes_) { OPENSSL_cleanse(o.bytes_.data(), o.bytes_.size()); }

Key& Key::operator=(Key&& o) noexcept {
  if (this != &o) {
    bytes_ = o.bytes_;
    OPENSSL_cleanse(o.bytes_.data(), o.bytes_.size());
  }
  return *this;
}

Key::~Key() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

Result<Key> RandomKey() {
  Key key;
  if (RAND_bytes(key.data(), static_cast<int>(Key::size())) != 1) {
    ERR_clear_error();
    return Error::Unavailable("the OpenSSL random generator failed to produce a key");
  }
  return key;
}

Result<std::string> Seal(const Key& key, std::string_view plaintext, std::string_view aad) {
  if (!FitsInt(plaintext.size()) || !FitsInt(aad.size())) return Error::Invalid("data too large to encrypt");
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  unsigned char* body = nonce + kNonceSize;
  unsigned char* tag = body + plaintext.size();
  if (RAND_bytes(nonce, static_cast<int>(kNonceSize)) != 1) {
    ERR_clear_error();
    return Error::Unavailable("the OpenSSL random generator failed to produce a nonce");
  }

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError("EVP_CIPHER_CTX_new");
  // 12 bytes is GCM's default IV length, so no EVP_CTRL_AEAD_SET_IVLEN is needed.
  if (EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.data(), nonce, nullptr) != 1)
    return OpenSslError("AES-256-GCM encrypt init");
  int len = 0;
  // A null output pointer makes EVP_EncryptUpdate take associated data.
  if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1)
    return OpenSslError("AES-256-GCM associated data");
  // Skipped when empty: with no plaintext there is nothing to write, and a null `body` would be read as
  // associated data.
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), body, &len, Bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
        static_cast<size_t>(len) != plaintext.size())
      return OpenSslError("AES-256-GCM encrypt");
  }
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), tag, &tail) != 1 || tail != 0) return OpenSslError("AES-256-GCM encrypt final");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize), tag) != 1)
    return OpenSslError("AES-256-GCM get tag");
  return out;
}

Status Unseal(const Key& key, std::string_view sealed, std::string_view aad, unsigned char* out, size_t out_size) {
  if (sealed.size() < kSealOverhead)
    return Error::Invalid("ciphertext is " + std::to_string(sealed.size()) + " bytes, shorter than nonce and tag (" +
                          std::to_string(kSealOverhead) + ")");
  const size_t body_size = sealed.size() - kSealOverhead;
  if (body_size != out_size)
    return Error::Invalid("ciphertext holds " + std::to_string(body_size) + " bytes, expected " +
                          std::to_string(out_size));
  if (!FitsInt(body_size) || !FitsInt(aad.size())) return Error::Invalid("data too large to decrypt");
  const unsigned char* nonce = Bytes(sealed);
  const unsigned char* body = nonce + kNonceSize;
  unsigned char tag[kTagSize];
  std::memcpy(tag, body + body_size, kTagSize);  // SET_TAG takes a non-const pointer

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.data(), nonce, nullptr) != 1)
    return OpenSslError("AES-256-GCM decrypt init");
  int len = 0;
  if (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1)
    return OpenSslError("AES-256-GCM associated data");
  if (body_size > 0) {
    if (EVP_DecryptUpdate(ctx.get(), out, &len, body, static_cast<int>(body_size)) != 1 ||
        static_cast<size_t>(len) != body_size) {
      OPENSSL_cleanse(out, out_size);
      return OpenSslError("AES-256-GCM decrypt");
    }
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize), tag) != 1) {
    OPENSSL_cleanse(out, out_size);
    return OpenSslError("AES-256-GCM set tag");
  }
  int tail = 0;
  // GCM writes the plaintext before it knows whether the tag matches: on a mismatch it is wiped here,
  // so no caller ever sees (or leaks) unauthenticated bytes.
  if (EVP_DecryptFinal_ex(ctx.get(), out + body_size, &tail) != 1 || tail != 0) {
    OPENSSL_cleanse(out, out_size);
    ERR_clear_error();
    return Error::Internal("authentication failed");
  }
  return Status::Ok();
}

Result<std::string> WrapKey(const Key& kek, const Key& key, std::string_view aad) {
  return Seal(kek, std::string_view(reinterpret_cast<const char*>(key.data()), Key::size()), aad);
}

Result<Key> UnwrapKey(const Key& kek, std::string_view sealed, std::string_view aad) {
  Key key;
  if (Status s = Unseal(kek, sealed, aad, key.data(), Key::size()); !s) return s.error();
  return key;
}

Result<SecretValue> OpenValue(const Key& key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < kSealOverhead)
    return Error::Invalid("ciphertext is " + std::to_string(sealed.size()) + " bytes, shorter than nonce and tag (" +
                          std::to_string(kSealOverhead) + ")");
  const size_t size = sealed.size() - kSealOverhead;
  std::string plain;
  // Beyond the small-string buffer, so moving it into the SecretValue hands over the heap block instead
  // of copying the bytes (a copy would leave plaintext behind in `plain`).
  plain.reserve(std::max<size_t>(size, 64));
  plain.resize(size);
  Status s = Unseal(key, sealed, aad, reinterpret_cast<unsigned char*>(plain.data()), size);
  SecretValue value(std::move(plain));  // wipes on every path from here
  if (!s) return s.error();
  return value;
}

}  // namespace clawhive::vault
