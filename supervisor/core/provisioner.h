// Provisioner: what a tenant is made of on the host, made and unmade — its port and uid, its user, the
// unit drop-ins and environment file, its slice's limits, and its network boundary units
// (docs/architecture.md). The tenant state machine (supervisor.h) decides when; this decides how.
//
// Two kinds of step, by the thread they may run on:
// - host steps (WriteHost, RemoveHost) spawn useradd/userdel and walk the tenant's files: they may take
//   long and run on the Worker (worker.h); they use only the Host;
// - unit and store steps (Allocate, ApplyUnits, RemoveUnits) talk to systemd over the loop's sd-bus
//   connection and read the Store: loop thread only.
// Borrowed collaborators must outlive it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/config/config.h"
#include "supervisor/core/host.h"
#include "supervisor/store/store.h"
#include "supervisor/systemd/unit_manager.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

class Provisioner {
 public:
  Provisioner(const Config& config, Store& store, UnitManager& units, Host& host)
      : config_(config), store_(store), units_(units), host_(host) {}

  // Sets t.port (unless set: then checks it is free on the host) and t.uid: the lowest free ones no
  // stored tenant and no creation in flight (`taken_ports`, `taken_uids`) uses. Loop thread.
  Status Allocate(Tenant& t, const std::set<uint16_t>& taken_ports, const std::set<uint32_t>& taken_uids);

  // `fresh`: a new tenant (or one whose files a reinstall lost): its user, unit drop-ins and boundary
  // units; always: its environment file. Any thread (worker for a fresh tenant).
  Status WriteHost(const Tenant& t, bool fresh);
  // The boundary units' drop-ins alone (an upgrade from a version without them). Any thread.
  Status WriteBridgeDropIns(const Tenant& t);
  // The slice's limits; for a fresh tenant that should run, the agent enabled at boot. Loop thread.
  Status ApplyUnits(const Tenant& t, bool fresh);

  // Best effort and idempotent (a half-done create, a delete, an orphan): stops the slice (the agent
  // and its boundary units with it) and forgets the units' state. Loop thread. Returns what failed.
  std::vector<std::string> RemoveUnits(const std::string& id);
  // Then the files (its gateway socket directory too), the user and, if asked, the workspace (removed without following the tenant's
  // symlinks or entering mounts: host.h). Any thread (worker). Returns what failed.
  std::vector<std::string> RemoveHost(const std::string& id, bool remove_workspace);

 private:
  const Config& config_;
  Store& store_;
  UnitManager& units_;
  Host& host_;
};

}  // namespace clawhive
