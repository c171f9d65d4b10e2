// Authentication of API callers: the one place that turns an Authorization header into an Access level.
//
// Today there is one credential, the operator bearer token. Only its SHA-256 is kept; a presented token
// is hashed and compared with CRYPTO_memcmp, so neither the comparison time nor the token length leaks.
// Nothing here logs, and no message contains a token. Immutable after construction; thread-safe.
#pragma once

#include <array>
#include <string>

#include "supervisor/api/router.h"

namespace clawhive::api {

class Authorizer {
 public:
  // `token` must not be empty (ApiServer::Start refuses an empty one).
  explicit Authorizer(const std::string& token);

  struct Grant {
    Access access = Access::kPublic;
    bool credentials_presented = false;  // an Authorization header was there (valid or not)
  };
  // `authorization`: the header's value, or nullptr when absent. Accepts "Bearer <token>" with the
  // scheme in any case.
  Grant Authenticate(const std::string* authorization) const;

  static bool Permits(Access granted, Access required) { return granted >= required; }

 private:
  std::array<unsigned char, 32> token_hash_{};
};

}  // namespace clawhive::api
