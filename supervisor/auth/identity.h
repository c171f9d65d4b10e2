// The identity store as the API's threads share it: one IdentityStore behind one mutex.
//
// Logins hold the lock through one scrypt run (~50 ms at the default cost), delaying other requests'
// authentication by as much; logins are rare and throttled, so one connection is simpler than a pool.
#pragma once

#include <memory>

#include "supervisor/auth/identity_store.h"
#include "supervisor/common/synchronized.h"

namespace clawhive::auth {

using Identity = Synchronized<std::unique_ptr<IdentityStore>>;

}  // namespace clawhive::auth
