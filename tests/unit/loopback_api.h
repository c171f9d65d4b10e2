// Options for an ApiServer that a test reaches over plain HTTP on 127.0.0.1 (a free port), signed in
// with the TempIdentity's bootstrap token. Header-only.
#pragma once

#include "supervisor/api/api_server.h"
#include "unit/temp_identity.h"

namespace clawhive::testing {

inline ApiServerOptions LoopbackApiOptions(TempIdentity& ids, int threads) {
  ApiServerOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.identity = ids.identity.get();
  o.plain_http_revokes_tokens = false;  // plain loopback HTTP, to test the routes and the CLI
  o.threads = threads;
  return o;
}

}  // namespace clawhive::testing
