// The API's certificate for a configuration: the admin's own (api.tls, checked) or the self-signed one in
// <state_dir>/tls/ (made on first use for this host's names). Shared by the supervisor, which serves it,
// and the installer, which makes it before the first start and prints its fingerprint.
#pragma once

#include "supervisor/common/result.h"
#include "supervisor/config/config.h"
#include "supervisor/tls/certificate.h"

namespace clawhive::tls {

Result<CertPaths> ApiCertificate(const Config& config);

}  // namespace clawhive::tls
