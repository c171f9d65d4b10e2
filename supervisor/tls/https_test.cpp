// Smoke test of HTTPS with Poco NetSSL over OpenSSL 3 and a certificate from EnsureCertificate():
// a Poco HTTPServer on a SecureServerSocket (127.0.0.1, ephemeral port, TLS 1.2+), and a client that
// pins the server's SHA-256 fingerprint.
//
// How the client verifies: its Context uses VERIFY_NONE (a self-signed certificate has no CA to chain
// to) with Poco's extended (host name) verification off, and PinnedSession (supervisor/tls/pinned_session.h)
// overrides connect(): after the TLS handshake it compares the peer certificate's SHA-256 fingerprint
// with the pinned one and, on mismatch, closes the socket and throws CertificateValidationException
// BEFORE any HTTP byte is sent. This holds for every (re)connect of the session. (Handing an already
// checked SecureStreamSocket to HTTPSClientSession does not work in Poco 1.11: that constructor throws
// IllegalStateException for a connected socket.)
#include <Poco/Crypto/X509Certificate.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <sstream>
#include <string>

#include "supervisor/tls/certificate.h"
#include "supervisor/tls/pinned_session.h"
#include "unit/http_exchange.h"
#include "unit/temp_dir.h"

namespace clawhive::tls {
namespace {

using Poco::Net::Context;

struct SslInit {
  SslInit() { Poco::Net::initializeSSL(); }
  ~SslInit() { Poco::Net::uninitializeSSL(); }
};

struct TempDir : clawhive::testing::TempDir {
  TempDir() : clawhive::testing::TempDir("clawhive-https") {}
};

class OkHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    std::string body = "hello over " + std::string(req.secure() ? "https" : "http") + "\n";
    resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    resp.setContentType("text/plain");
    resp.setContentLength(static_cast<std::streamsize>(body.size()));
    resp.send() << body;
  }
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new OkHandler;
  }
};

Context::Ptr ServerContext(const CertPaths& paths) {
  Context::Params p;
  p.privateKeyFile = paths.key_file;
  p.certificateFile = paths.cert_file;
  p.verificationMode = Context::VERIFY_NONE;  // no client certificates
  p.loadDefaultCAs = false;
  p.cipherList = "ECDHE+AESGCM:ECDHE+CHACHA20";  // TLS 1.2 suites; TLS 1.3 uses OpenSSL's defaults
  Context::Ptr ctx = new Context(Context::TLS_SERVER_USE, p);
  ctx->requireMinimumProtocol(Context::PROTO_TLSV1_2);
  return ctx;
}

Context::Ptr ClientContext() { return PinningClientContext(); }

int Get(PinnedSession& session, std::string* body = nullptr) {
  Poco::Net::HTTPRequest req = clawhive::testing::MakeRequest("GET", "/", "");
  Poco::Net::HTTPResponse resp;
  std::string text = clawhive::testing::SendAndRead(session, req, "", resp);
  if (body) *body = text;
  return static_cast<int>(resp.getStatus());
}

struct TlsServer {
  Poco::Net::SecureServerSocket socket;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  uint16_t port = 0;
  explicit TlsServer(const CertPaths& paths)
      : socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, ServerContext(paths)) {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setTimeout(Poco::Timespan(5, 0));
    server = std::make_unique<Poco::Net::HTTPServer>(new Factory, socket, params);
    server->start();
    port = socket.address().port();
  }
  ~TlsServer() { server->stopAll(true); }
};

// A TlsServer with a fresh certificate for localhost and 127.0.0.1, and that certificate's pin.
struct TlsWorld {
  TlsWorld() {
    Result<CertPaths> made = EnsureCertificate(dir.path, {"localhost", "127.0.0.1"});
    BOOST_REQUIRE(made.ok());
    paths = *made;
    Result<std::string> fingerprint = Sha256Fingerprint(paths.cert_file);
    BOOST_REQUIRE(fingerprint.ok());
    pin = *fingerprint;
    srv = std::make_unique<TlsServer>(paths);
  }

  SslInit ssl;
  TempDir dir;
  CertPaths paths;
  std::string pin;
  std::unique_ptr<TlsServer> srv;
};

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(https_with_pinned_fingerprint) {
  TlsWorld w;
  PinnedSession session("127.0.0.1", w.srv->port, w.pin);
  std::string body;
  BOOST_TEST(Get(session, &body) == 200);
  BOOST_TEST(session.pin_checked);
  BOOST_TEST(body == "hello over https\n");
  BOOST_TEST(Get(session) == 200);  // keep-alive: same connection

  // A different certificate's fingerprint is refused before anything is sent.
  TempDir other;
  Result<CertPaths> other_paths = EnsureCertificate(other.path, {"localhost"});
  BOOST_REQUIRE(other_paths.ok());
  Result<std::string> wrong = Sha256Fingerprint(other_paths->cert_file);
  BOOST_REQUIRE(wrong.ok());
  PinnedSession bad("127.0.0.1", w.srv->port, *wrong);
  BOOST_CHECK_THROW(Get(bad), Poco::Net::CertificateValidationException);
  BOOST_TEST(!bad.pin_checked);
}

BOOST_AUTO_TEST_CASE(plain_http_to_tls_port_fails) {
  TlsWorld w;
  Poco::Net::HTTPClientSession plain("127.0.0.1", w.srv->port);
  plain.setTimeout(Poco::Timespan(5, 0));
  BOOST_CHECK_THROW(clawhive::testing::GetHead(plain, "/"), Poco::Exception);

  // The server survived it: HTTPS still works.
  PinnedSession session("127.0.0.1", w.srv->port, w.pin);
  BOOST_TEST(Get(session) == 200);
}

BOOST_AUTO_TEST_CASE(tls_1_1_client_is_refused) {
  TlsWorld w;
  Context::Ptr old_client = ClientContext();
  // Only TLS 1.0/1.1 offered, and at security level 0 so the refusal is the server's, not ours.
  SSL_CTX_set_min_proto_version(old_client->sslContext(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old_client->sslContext(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(old_client->sslContext(), 0);
  auto attempt = [&] {
    Poco::Net::SecureStreamSocket sock(Poco::Net::SocketAddress("127.0.0.1", w.srv->port), old_client);
    sock.setReceiveTimeout(Poco::Timespan(5, 0));
    sock.completeHandshake();
  };
  BOOST_CHECK_THROW(attempt(), Poco::Exception);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::tls
