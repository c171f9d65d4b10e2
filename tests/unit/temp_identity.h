// TempIdentity: a real identity store (and audit log) in a fresh temporary directory, with a cheap scrypt
// cost for speed and the given token imported as the bootstrap operator token. Removed at destruction.
#pragma once

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "supervisor/audit/audit_log.h"
#include "supervisor/auth/identity.h"
#include "unit/temp_dir.h"

namespace clawhive::testing {

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct TempIdentity {
  explicit TempIdentity(const std::string& bootstrap_token, auth::ThrottleOptions throttle = {}) {
    auth::IdentityStoreOptions o;
    o.db_path = tmp.File("identity.db");
    o.scrypt.n = 16;
    o.throttle = throttle;
    auto store = auth::IdentityStore::Open(o);
    BOOST_REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
    auto id = (*store)->ImportBootstrapToken(bootstrap_token, NowMs());
    BOOST_REQUIRE_MESSAGE(id.ok(), (id.ok() ? "" : id.error().message));
    identity = std::make_unique<auth::Identity>(std::move(*store));
    auto log = audit::AuditLog::Open(tmp.File("audit.db"));
    BOOST_REQUIRE_MESSAGE(log.ok(), (log.ok() ? "" : log.error().message));
    audit = std::move(*log);
  }
  ~TempIdentity() {  // the stores close before tmp goes
    identity.reset();
    audit.reset();
  }
  template <typename Fn>
  decltype(auto) With(Fn&& fn) {
    return identity->With(std::forward<Fn>(fn));
  }
  // A new API token (an hour long) of `role` for `tenant` ("" for an operator), named `name`.
  std::string Token(auth::Role role, const std::string& tenant, const std::string& name = "t") {
    std::string token;
    With([&](auto& store) {
      auto t = store->CreateToken(role, tenant, name, 3600000, NowMs());
      BOOST_REQUIRE(t.ok());
      token = t->token;
    });
    return token;
  }

  TempDir tmp{"clawhive-identity"};
  std::string dir = tmp.path;
  std::unique_ptr<auth::Identity> identity;
  std::unique_ptr<audit::AuditLog> audit;
};

}  // namespace clawhive::testing
