// Mapping between the API's JSON documents and the TenantService structs.
//
// Request bodies are type-checked here, field by field: unknown fields, wrong types and malformed values
// are rejected with a message naming the field ("field 'resources.memory_max' must be ..."). Checks that
// need the supervisor's state or policy (id syntax, ranges, port clashes) are the service's job.
// Pure functions; no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/common/result.h"
#include "supervisor/core/tenant_service.h"

namespace clawhive::api {

enum class TenantRequestKind {
  kCreate,  // "id" required
  kUpdate,  // "id" refused: ids are immutable
};

struct TenantRequest {
  std::string id;  // kCreate only
  TenantPatch patch;
};

// Limits enforced on request fields (documented in docs/api.md).
inline constexpr size_t kMaxDisplayNameChars = 200;
inline constexpr size_t kMaxPathBytes = 4096;  // agent.exec, agent.health_path
inline constexpr size_t kMaxArgBytes = 65536;  // each agent.args[] and agent.env value

Result<TenantRequest> ParseTenantRequest(const JsonValue& body, TenantRequestKind kind);

JsonValue TenantToJson(const TenantStatus& status);
JsonValue IncidentToJson(const Incident& incident);

}  // namespace clawhive::api
