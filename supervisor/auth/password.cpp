#include "supervisor/auth/password.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <charconv>
#include <memory>

#include "supervisor/auth/encoding.h"

namespace clawhive::auth {
namespace {

struct FreeKdf {
  void operator()(EVP_KDF* k) const noexcept { EVP_KDF_free(k); }
};
struct FreeKdfCtx {
  void operator()(EVP_KDF_CTX* c) const noexcept { EVP_KDF_CTX_free(c); }
};

Status Scrypt(std::string_view pw, std::string_view salt, const ScryptParams& sp, unsigned char* out,
              size_t out_len) {
  std::unique_ptr<EVP_KDF, FreeKdf> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr));
  if (!kdf) return Error::Unavailable("OpenSSL has no SCRYPT KDF");
  std::unique_ptr<EVP_KDF_CTX, FreeKdfCtx> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Error::Unavailable("cannot create SCRYPT context");
  uint64_t n = sp.n;
  auto r = static_cast<uint32_t>(sp.r);
  auto p = static_cast<uint32_t>(sp.p);
  // V is 128*r*N bytes, B is 128*r*p; leave room for both plus slack.
  uint64_t maxmem = 128 * sp.r * (sp.n + sp.p + 2) + (uint64_t{16} << 20);
  // An empty password is passed as a zero-length octet string with a valid pointer.
  static const char kEmpty[1] = {0};
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(pw.empty() ? kEmpty : pw.data()),
                                        pw.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx.get(), out, out_len, params) != 1) {
    OPENSSL_cleanse(out, out_len);
    return Error::Unavailable("scrypt derivation failed (out of memory?)");
  }
  return Status::Ok();
}

// A decimal without sign or leading zeros, at most 7 digits.
bool ParseNumber(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 7 || (text.size() > 1 && text[0] == '0')) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseParam(std::string_view* rest, std::string_view key, char sep, uint64_t* out) {
  if (rest->substr(0, key.size()) != key) return false;
  rest->remove_prefix(key.size());
  size_t end = sep == '\0' ? rest->size() : rest->find(sep);
  if (end == std::string_view::npos) return false;
  if (!ParseNumber(rest->substr(0, end), out)) return false;
  rest->remove_prefix(sep == '\0' ? end : end + 1);
  return true;
}

Error Malformed(const std::string& what) { return Error::Invalid("stored password hash is malformed: " + what); }

std::string Format(const ScryptParams& sp) {
  return "N=" + std::to_string(sp.n) + ",r=" + std::to_string(sp.r) + ",p=" + std::to_string(sp.p);
}

}  // namespace

Status CheckScryptParams(const ScryptParams& sp) {
  if (sp.n < 2 || sp.n > kMaxScryptN || (sp.n & (sp.n - 1)) != 0)
    return Error::Invalid("scrypt N must be a power of two between 2 and 2^20");
  if (sp.r < 1 || sp.r > kMaxScryptR) return Error::Invalid("scrypt r must be 1..32");
  if (sp.p < 1 || sp.p > kMaxScryptP) return Error::Invalid("scrypt p must be 1..16");
  if (sp.r * sp.p > kMaxScryptRP) return Error::Invalid("scrypt r*p must be at most 64");
  if (128 * sp.n * sp.r > kMaxScryptMemory) return Error::Invalid("scrypt 128*N*r must be at most 256 MiB");
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view pw, const ScryptParams& params) {
  if (Status s = CheckScryptParams(params); !s) return s.error();
  if (pw.size() > kMaxPasswordBytes) return Error{ErrorCode::kTooLarge, "password is longer than 1024 bytes"};
  Result<std::string> salt = RandomBytes(kSaltBytes);
  if (!salt) return salt.error();
  unsigned char hash[kHashBytes];
  if (Status s = Scrypt(pw, *salt, params, hash, sizeof hash); !s) return s.error();
  std::string hash_text(reinterpret_cast<const char*>(hash), sizeof hash);
  OPENSSL_cleanse(hash, sizeof hash);
  std::string out = "scrypt$" + Format(params) + "$" + Base64Encode(*salt, false) + "$" + Base64Encode(hash_text, false);
  Wipe(hash_text);
  return out;
}

Result<bool> VerifyPassword(std::string_view pw, std::string_view stored) {
  if (stored.size() > 256) return Malformed("too long");
  std::string_view rest = stored;
  constexpr std::string_view kScheme = "scrypt$";
  if (rest.substr(0, kScheme.size()) != kScheme) return Malformed("not an scrypt hash");
  rest.remove_prefix(kScheme.size());
  ScryptParams sp;
  if (!ParseParam(&rest, "N=", ',', &sp.n) || !ParseParam(&rest, "r=", ',', &sp.r) ||
      !ParseParam(&rest, "p=", '$', &sp.p))
    return Malformed("parameters are not N=<n>,r=<r>,p=<p>");
  if (Status s = CheckScryptParams(sp); !s) return Malformed(s.error().message);
  size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) return Malformed("no hash field");
  std::string salt;
  std::string expected;
  if (!Base64Decode(rest.substr(0, dollar), false, &salt) || salt.size() != kSaltBytes)
    return Malformed("salt is not 16 bytes of base64");
  if (!Base64Decode(rest.substr(dollar + 1), false, &expected) || expected.size() != kHashBytes)
    return Malformed("hash is not 32 bytes of base64");
  if (pw.size() > kMaxPasswordBytes) return false;  // could never have been set
  unsigned char actual[kHashBytes];
  if (Status s = Scrypt(pw, salt, sp, actual, sizeof actual); !s) return s.error();
  bool equal = CRYPTO_memcmp(actual, expected.data(), kHashBytes) == 0;
  OPENSSL_cleanse(actual, sizeof actual);
  Wipe(expected);
  return equal;
}

Status CheckPasswordPolicy(std::string_view pw) {
  if (pw.size() > kMaxPasswordBytes)
    return Error{ErrorCode::kTooLarge, "password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes"};
  size_t chars = 0;
  for (size_t i = 0; i < pw.size();) {
    const auto c = static_cast<unsigned char>(pw[i]);
    if (c < 0x20 || c == 0x7f) return Error::Invalid("password contains a control character (or NUL)");
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > pw.size()) return Error::Invalid("password is not valid UTF-8");
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(pw[i + k]) & 0xc0) != 0x80) return Error::Invalid("password is not valid UTF-8");
    i += len;
    ++chars;
  }
  if (chars < kMinPasswordLength)
    return Error::Invalid("password is shorter than " + std::to_string(kMinPasswordLength) + " characters");
  return Status::Ok();
}

}  // namespace clawhive::auth
