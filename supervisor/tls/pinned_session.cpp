#include "supervisor/tls/pinned_session.h"

#include <Poco/Crypto/X509Certificate.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>

#include <cctype>

namespace clawhive::tls {
namespace {

std::string Colons(const Poco::DigestEngine::Digest& d) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) out += ':';
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 0xf];
  }
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Poco::Net::Context::Ptr PinningClientContext() {
  Poco::Net::Context::Params p;
  p.verificationMode = Poco::Net::Context::VERIFY_NONE;  // the pin is checked in connect()
  p.loadDefaultCAs = false;
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  ctx->enableExtendedCertificateVerification(false);
  return ctx;
}

PinnedSession::PinnedSession(const std::string& host, uint16_t port, std::string fingerprint)
    : HTTPSClientSession(host, port, PinningClientContext()), pin_(Upper(std::move(fingerprint))) {}

void PinnedSession::connect(const Poco::Net::SocketAddress& address) {
  HTTPSClientSession::connect(address);
  Poco::Net::SecureStreamSocket sss(socket());
  sss.completeHandshake();  // normally already done by connect (no lazy handshake)
  std::string got = Colons(Poco::Crypto::X509Certificate(sss.peerCertificate()).fingerprint("SHA256"));
  if (got != pin_) {
    abort();
    throw Poco::Net::CertificateValidationException("server certificate fingerprint " + got + " is not the pinned " +
                                                    pin_);
  }
  pin_checked = true;
}

}  // namespace clawhive::tls
