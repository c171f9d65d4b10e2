#include "supervisor/api/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>
#include <string_view>

namespace clawhive::api {
namespace {

std::array<unsigned char, 32> Sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

Authorizer::Authorizer(const std::string& token) : token_hash_(Sha256(token)) {}

Authorizer::Grant Authorizer::Authenticate(const std::string* authorization) const {
  Grant grant;
  if (authorization == nullptr) return grant;
  grant.credentials_presented = true;
  std::string_view h = *authorization;
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size() || !IsSpace(h[kScheme.size()])) return grant;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = h[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return grant;
  }
  h.remove_prefix(kScheme.size());
  while (!h.empty() && IsSpace(h.front())) h.remove_prefix(1);
  while (!h.empty() && IsSpace(h.back())) h.remove_suffix(1);
  if (h.empty()) return grant;
  std::array<unsigned char, 32> presented = Sha256(h);
  if (CRYPTO_memcmp(presented.data(), token_hash_.data(), presented.size()) == 0) grant.access = Access::kOperator;
  return grant;
}

}  // namespace clawhive::api
