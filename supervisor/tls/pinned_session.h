// PinnedSession: an HTTPS client session that trusts exactly one server certificate, named by its
// SHA-256 fingerprint ("AB:CD:...", as Sha256Fingerprint() and `openssl x509 -fingerprint -sha256` give).
//
// For clients of the appliance's self-signed API certificate (clawhivectl, tests, benchmarks): no CA,
// no host-name check; after every (re)connect's handshake the peer certificate's fingerprint is compared
// and, on mismatch, the socket is closed and CertificateValidationException thrown BEFORE any HTTP byte
// is sent. (Handing an already checked SecureStreamSocket to HTTPSClientSession does not work in Poco
// 1.11: that constructor throws IllegalStateException for a connected socket.)
//
// The caller must have called Poco::Net::initializeSSL(). Not thread-safe (like any Poco session).
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>

#include <cstdint>
#include <string>

namespace clawhive::tls {

class PinnedSession : public Poco::Net::HTTPSClientSession {
 public:
  PinnedSession(const std::string& host, uint16_t port, std::string fingerprint);
  bool pin_checked = false;  // a handshake has been checked against the pin

 protected:
  void connect(const Poco::Net::SocketAddress& address) override;

 private:
  std::string pin_;
};

// A TLS 1.2+ client context that does not verify (the pin does instead).
Poco::Net::Context::Ptr PinningClientContext();

}  // namespace clawhive::tls
