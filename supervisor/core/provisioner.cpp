#include "supervisor/core/provisioner.h"

#include "supervisor/core/tenant_rules.h"
#include "supervisor/tenant/gateway_socket.h"

namespace clawhive {
namespace {

// Cleanup keeps going past a failure, and "already gone" is what it wants.
void Note(std::vector<std::string>& problems, const Status& s) {
  if (!s && s.error().code != ErrorCode::kNotFound) problems.push_back(s.error().message);
}

}  // namespace

Status Provisioner::Allocate(Tenant& t, const std::set<uint16_t>& taken_ports, const std::set<uint32_t>& taken_uids) {
  if (t.port == 0) {
    // The lowest free slot of base + k*step that no other program on the host listens on already.
    uint32_t from = config_.port_base;
    while (t.port == 0) {
      auto port = store_.FreePort(static_cast<uint16_t>(from), config_.port_step);
      if (!port) return port.error();
      if (!taken_ports.count(*port) && !host_.PortInUse(*port)) t.port = *port;
      else if ((from = uint32_t{*port} + config_.port_step) > 65535)
        return Error::Unavailable("no free tenant port left");
    }
  } else if (taken_ports.count(t.port) || host_.PortInUse(t.port)) {
    return Error::Conflict("port " + std::to_string(t.port) + " is already in use on this host");
  }
  uint32_t lo = config_.uid_min;
  for (;;) {
    auto uid = store_.FreeUid(lo, config_.uid_max);
    if (!uid) return uid.error();
    if (!taken_uids.count(*uid)) {
      t.uid = *uid;
      return Status::Ok();
    }
    if (*uid >= config_.uid_max) return Error::Unavailable("no free uid left");
    lo = *uid + 1;
  }
}

Status Provisioner::WriteHost(const Tenant& t, bool fresh) {
  if (fresh) {
    if (Status s = host_.EnsureUser(TenantNames::User(t.id), t.uid, WorkspacePath(config_, t.id)); !s) return s;
    if (Status s = host_.WriteFile(DropInDir(config_, t.id) + "/10-tenant.conf", RenderDropIn(t), 0644); !s)
      return s;
    if (Status s = WriteBridgeDropIns(t); !s) return s;
  }
  return host_.WriteFile(EnvFilePath(config_, t.id), RenderEnvFile(t, ProxyUrl(config_), EgressProxyUrl(config_), config_.openclaw_extra_ca_file), 0600);
}

Status Provisioner::WriteBridgeDropIns(const Tenant& t) {
  for (const auto& [path, content] : RenderBridgeDropIns(t, config_))
    if (Status s = host_.WriteFile(path, content, 0644); !s) return s;
  return Status::Ok();
}

Status Provisioner::ApplyUnits(const Tenant& t, bool fresh) {
  if (Status s = units_.SetSliceLimits(TenantNames::Slice(t.id), SliceLimits::From(t.resources)); !s) return s;
  if (fresh && t.desired == DesiredState::kRunning) return units_.Enable(TenantNames::Service(t.id));
  return Status::Ok();
}

std::vector<std::string> Provisioner::RemoveUnits(const std::string& id) {
  std::vector<std::string> problems;
  std::string service = TenantNames::Service(id), slice = TenantNames::Slice(id);
  Note(problems, units_.Stop(slice));  // stops the agent and its boundary units too, if they still run
  // A start cut short by that stop never reached its ExecStartPost wipe, and no unit event will reach
  // us once the tenant is gone: wipe its delivered secrets here.
  Note(problems, host_.RemoveFile(DeliveredSecretsPath(id)));
  Note(problems, units_.Disable(service));
  Note(problems, units_.Revert(service));
  Note(problems, units_.Revert(slice));
  Note(problems, units_.ResetFailed(service));
  return problems;
}

std::vector<std::string> Provisioner::RemoveHost(const std::string& id, bool remove_workspace) {
  std::vector<std::string> problems;
  Note(problems, host_.RemoveTree(DropInDir(config_, id)));
  for (const std::string& dir : BridgeDropInDirs(config_, id)) Note(problems, host_.RemoveTree(dir));
  // The gateway socket unit's files go with its stop (RemoveOnStop=), its directory does not: systemd made
  // it and leaves it. A tenant made again with the same id gets a fresh one.
  Note(problems, host_.RemoveTree(GatewaySocketDirOf(kGatewaySocketDir, id)));
  Note(problems, host_.RemoveFile(EnvFilePath(config_, id)));
  Note(problems, host_.RemoveUser(TenantNames::User(id)));
  if (remove_workspace) Note(problems, host_.RemoveTenantTree(WorkspacePath(config_, id)));
  return problems;
}

}  // namespace clawhive
