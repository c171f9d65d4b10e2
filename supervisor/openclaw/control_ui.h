// OpenClaw's Control UI behind the appliance's front (docs/openclaw.md, "OpenClaw's Control UI"): the
// names the gateway's configuration (openclaw_config.cpp) and the front's routes
// (supervisor/api/control_ui_routes.cpp) must agree on, in one place.
//
// The gateway runs in OpenClaw's `trusted-proxy` mode: it believes the identity header of whoever
// reaches it. Only the front can (the host side of its clawhive-gw@ socket is root's alone), and the
// front sets the header itself, after the appliance's own sign-in, on every request it passes on.
#pragma once

#include <string>

namespace clawhive {

// The header naming the signed-in appliance user (gateway.auth.trustedProxy.userHeader).
inline constexpr const char* kControlUiUserHeader = "x-clawhive-user";
// The one Origin the gateway accepts (gateway.controlUi.allowedOrigins). The front checks the browser's
// real Origin against the appliance's own and sends this in its place: the gateway never sees, and so
// never has to be configured with, the names customers reach the appliance by.
inline constexpr const char* kControlUiGatewayOrigin = "https://front.clawhive.invalid";

// Where a tenant's Control UI lives, on the front and on its gateway alike (gateway.controlUi.basePath):
// "/v1/tenants/<id>/control-ui". Tenant ids need no escaping in a path (ValidateTenantId).
inline std::string ControlUiBasePath(const std::string& tenant_id) { return "/v1/tenants/" + tenant_id + "/control-ui"; }

}  // namespace clawhive
