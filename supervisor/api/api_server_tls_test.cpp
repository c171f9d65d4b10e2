// ApiServer with options.tls set: serves HTTPS (certificate from supervisor/tls/certificate.h), and a
// client pinning that certificate's fingerprint gets /v1/health.
#include <Poco/Crypto/X509Certificate.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <sstream>
#include <string>

#include "supervisor/api/api_server.h"
#include "supervisor/tls/certificate.h"
#include "unit/fails_with.h"
#include "unit/fake_tenant_service.h"
#include "unit/http_exchange.h"
#include "unit/temp_dir.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

using testing::FailsWith;

BOOST_AUTO_TEST_SUITE(api_server_tls)

BOOST_AUTO_TEST_CASE(health_over_https) {
  testing::TempDir dir("clawhive-api-tls");
  Result<tls::CertPaths> paths = tls::EnsureCertificate(dir.path, {"localhost", "127.0.0.1"});
  BOOST_REQUIRE(paths.ok());
  Result<std::string> pin = tls::Sha256Fingerprint(paths->cert_file);
  BOOST_REQUIRE(pin.ok());

  testing::FakeTenantService service;
  testing::TempIdentity ids("test-token-0123456789abcdef0123456789abcdef");
  ApiServerOptions o;
  o.port = 0;
  o.identity = ids.identity.get();
  o.threads = 2;
  o.tls.cert_file = paths->cert_file;
  o.tls.key_file = paths->key_file;
  ApiServer server(service, o);
  Status st = server.Start();
  BOOST_REQUIRE_MESSAGE(st.ok(), (st.ok() ? std::string() : st.error().message));

  Poco::Net::initializeSSL();
  {
    Poco::Net::Context::Params cp;
    cp.verificationMode = Poco::Net::Context::VERIFY_NONE;  // pinned below instead
    cp.loadDefaultCAs = false;
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, cp);
    ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    ctx->enableExtendedCertificateVerification(false);
    Poco::Net::HTTPSClientSession session("127.0.0.1", server.port(), ctx);
    session.setTimeout(Poco::Timespan(5, 0));
    Poco::Net::HTTPRequest req = testing::MakeRequest("GET", "/v1/health", "");
    testing::HttpReply reply = testing::Exchange(session, req);
    BOOST_TEST(reply.status == 200, reply.body);
    // The server presented the certificate we generated (see supervisor/tls/https_test.cpp for pinning
    // before the request is sent).
    Poco::DigestEngine::Digest d = Poco::Crypto::X509Certificate(session.serverCertificate()).fingerprint("SHA256");
    std::string got;
    for (size_t i = 0; i < d.size(); ++i) {
      static const char kHex[] = "0123456789ABCDEF";
      if (i) got += ':';
      got += kHex[d[i] >> 4];
      got += kHex[d[i] & 0xf];
    }
    BOOST_TEST(got == *pin);

    // Plain HTTP to the HTTPS port gets no HTTP answer.
    Poco::Net::HTTPClientSession plain("127.0.0.1", server.port());
    plain.setTimeout(Poco::Timespan(5, 0));
    // Dropped at the handshake, not timed out.
    BOOST_CHECK_THROW(testing::GetHead(plain, "/v1/health"), Poco::Net::ConnectionResetException);
  }
  server.Stop();
  Poco::Net::uninitializeSSL();
}

BOOST_AUTO_TEST_CASE(tls_without_key_is_rejected) {
  testing::FakeTenantService service;
  testing::TempIdentity ids("test-token-0123456789abcdef0123456789abcdef");
  ApiServerOptions o;
  o.port = 0;
  o.identity = ids.identity.get();
  o.tls.cert_file = "/nonexistent/tls.crt";
  ApiServer no_key(service, o);
  BOOST_TEST(FailsWith(no_key.Start(), ErrorCode::kInvalidArgument, "certificate given without a key file"));
  o.tls.key_file = "/nonexistent/tls.key";
  ApiServer missing(service, o);
  BOOST_TEST(FailsWith(missing.Start(), ErrorCode::kInvalidArgument, "cannot load API TLS certificate /nonexistent/tls.crt"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
