// TLS certificate for the REST API: use the admin's certificate or make a self-signed one.
//
// EnsureCertificate() looks for <dir>/tls.crt and <dir>/tls.key. When both exist they are loaded and
// checked (PEM, the key matches the certificate, the certificate is valid now, the key file is not
// readable by group or others); the admin installs their own certificate by replacing these two files.
// When neither exists a self-signed one is generated (EC P-256, 825 days, subjectAltName from `names`).
// When only one exists that is an error: we never overwrite an admin's file.
//
// Sha256Fingerprint() gives what `openssl x509 -noout -fingerprint -sha256` prints, so a client can pin
// the self-signed certificate shown at first start.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::tls {

struct CertPaths {
  std::string cert_file;   // <dir>/tls.crt, PEM (first certificate = the server's; a chain may follow)
  std::string key_file;    // <dir>/tls.key, PEM, unencrypted, mode 0600 or tighter
  bool generated = false;  // true when this call made a new self-signed certificate
};

// `names`: DNS names and IP literals for subjectAltName (e.g. "localhost", "127.0.0.1", "::1"); the
// first one is also the subject CN. Must not be empty when generating. `dir` is created (0700) if it
// does not exist (one level only). Errors: kInvalidArgument for a bad name or a certificate/key that
// fails a check (the message names the file), kUnavailable for I/O failures.
Result<CertPaths> EnsureCertificate(const std::string& dir, const std::vector<std::string>& names);

// "AB:CD:..." (32 bytes, upper-case hex, colon separated) of the DER of the first certificate in the
// PEM file.
Result<std::string> Sha256Fingerprint(const std::string& cert_path);

// Lower level, used by EnsureCertificate (and by tests, to make expired certificates): writes a new key
// (mode 0600) and self-signed certificate (0644), each to a temporary file that is fsynced, then renamed
// over the target. Validity is [now + not_before_offset, now + not_before_offset + valid_days].
struct GenerateOptions {
  int valid_days = 825;
  std::chrono::seconds not_before_offset{0};
};
Status GenerateSelfSigned(const std::string& cert_path, const std::string& key_path,
                          const std::vector<std::string>& names, const GenerateOptions& options = {});

// Checks an existing pair as EnsureCertificate does.
Status ValidateCertificate(const std::string& cert_path, const std::string& key_path);

}  // namespace clawhive::tls
