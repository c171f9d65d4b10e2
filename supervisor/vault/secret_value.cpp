#include <openssl/crypto.h>

#include "supervisor/vault/vault.h"

namespace clawhive {

// A moved-from std::string may keep its old characters in the small-string buffer, and a moved-to one
// may have received them by copy: every transfer wipes the source afterwards.
SecretValue::SecretValue(SecretValue&& o) noexcept : v_(std::move(o.v_)) { o.Wipe(); }

SecretValue& SecretValue::operator=(SecretValue&& o) noexcept {
  if (this != &o) {
    Wipe();
    v_ = std::move(o.v_);
    o.Wipe();
  }
  return *this;
}

SecretValue::~SecretValue() { Wipe(); }

void SecretValue::Wipe() {
  // Growing to the capacity never reallocates, and makes the whole buffer (including bytes past the old
  // size, e.g. a shorter value assigned over a longer one) addressable for the cleanse.
  v_.resize(v_.capacity());
  OPENSSL_cleanse(v_.data(), v_.size());
  v_.clear();
}

}  // namespace clawhive
