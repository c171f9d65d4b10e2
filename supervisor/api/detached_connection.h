// A client's connection taken off the API server's request pool by a reply's `takeover` (router.h):
// the socket as Poco had it (a SecureStreamSocket's implementation over HTTPS), already past the request
// head. Kept apart so the route table itself stays free of Poco.
#pragma once

#include <Poco/Net/StreamSocket.h>

namespace clawhive::api {

struct DetachedConnection {
  Poco::Net::StreamSocket socket;
};

}  // namespace clawhive::api
