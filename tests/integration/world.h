// The shared integration world: one real-systemd sandbox with Clawhive installed, booted once per test
// run by a global fixture (world.cpp), and helpers that read tenants through its API.
#pragma once

#include <cstdint>
#include <string>

#include "integration/harness.h"

namespace clawhive::testing {

Api& api();
Sandbox& sb();

std::string Esc(const std::string& id);        // systemd-escape of a tenant id
std::string Svc(const std::string& id);        // its agent unit
std::string SliceName(const std::string& id);  // its slice

JsonValue Tenant(const std::string& id);  // GET /v1/tenants/{id}, null unless 200
int64_t MainPid(const std::string& id);
uint16_t PortOf(const std::string& id);
Gateway GatewayOf(const std::string& id);  // its gateway socket in the shared sandbox
bool Healthy(const std::string& id);
std::string Phase(const std::string& id);
JsonValue Incidents(const std::string& id);  // an array, newest first; empty when unreadable
// Creates a tenant (extra: more JSON members) and waits until it is healthy; fails the test otherwise.
void CreateTenant(const std::string& id, const std::string& extra = "");

}  // namespace clawhive::testing
