// FakeTenantService: an in-memory TenantService for API tests.
//
// Behaves like the real one where the API depends on it: ids are checked with ValidateTenantId (400),
// a second Create of an id is 409, an unknown id is 404, Start lifts a quarantine, Incidents are newest
// first and an empty tenant means all. Test hooks make the next call fail or throw, and record the last
// patch received. Thread-safe (the API server calls it from several threads).
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/core/tenant_rules.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/tenant/tenant.h"
#include "unit/call_recorder.h"

namespace clawhive::testing {

class FakeTenantService : public TenantService, public CallRecorder {
 public:
  Result<TenantStatus> Create(const std::string& id, const TenantPatch& patch) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = CalledWith("Create", patch)) return *e;
    Touch(id);
    if (Status s = ValidateTenantId(id); !s) return s.error();
    if (tenants_.count(id)) return Error::Exists("tenant '" + id + "' already exists");
    TenantStatus st;
    st.tenant.id = id;
    st.tenant.display_name = id;
    st.tenant.port = static_cast<uint16_t>(20000 + 120 * tenants_.size());
    st.tenant.uid = static_cast<uint32_t>(300000 + tenants_.size());
    st.tenant.agent.exec = "/usr/local/lib/clawhive-test/clawhive-test-agent";
    st.tenant.created_at = st.tenant.updated_at = ++clock_;
    Apply(patch, &st);
    Refresh(&st);
    tenants_[id] = st;
    return st;
  }

  Result<std::vector<TenantStatus>> List() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("List")) return *e;
    std::vector<TenantStatus> out;
    for (const auto& [id, st] : tenants_) out.push_back(st);
    return out;
  }

  Result<TenantStatus> Get(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Get")) return *e;
    return Find(id);
  }

  Result<TenantStatus> Update(const std::string& id, const TenantPatch& patch) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = CalledWith("Update", patch)) return *e;
    Result<TenantStatus*> st = FindMutable(id);
    if (!st) return st.error();
    Apply(patch, *st);
    (*st)->tenant.updated_at = ++clock_;
    Refresh(*st);
    return **st;
  }

  Status Delete(const std::string& id, bool remove_workspace) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Delete")) return *e;
    Result<TenantStatus*> st = FindMutable(id);
    if (!st) return st.error();
    tenants_.erase(id);
    last_remove_workspace_ = remove_workspace;
    return Status::Ok();
  }

  Result<TenantStatus> Start(const std::string& id) override { return SetDesired("Start", id, DesiredState::kRunning); }
  Result<TenantStatus> Stop(const std::string& id) override { return SetDesired("Stop", id, DesiredState::kStopped); }
  Result<TenantStatus> Restart(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Restart")) return *e;
    Result<TenantStatus*> st = FindMutable(id);
    if (!st) return st.error();
    ++(*st)->restarts;
    (*st)->tenant.desired = DesiredState::kRunning;
    Refresh(*st);
    return **st;
  }

  Result<std::vector<Incident>> Incidents(const std::string& tenant, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Incidents")) return *e;
    last_incident_tenant_ = tenant;
    Touch(tenant.empty() ? "*" : tenant);
    last_incident_limit_ = limit;
    std::vector<Incident> out;
    for (auto it = incidents_.rbegin(); it != incidents_.rend() && out.size() < limit; ++it)
      if (tenant.empty() || it->tenant == tenant) out.push_back(*it);
    return out;
  }

  Result<UsageHistory> Usage(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Usage")) return *e;
    if (Result<TenantStatus*> st = FindMutable(id); !st) return st.error();
    UsageHistory h;
    h.interval_ms = 10000;
    h.samples.push_back({1700000000000, 1 << 20, 0.25, 3});
    return h;
  }

  Result<SystemStatus> System() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("System")) return *e;
    Touch("*");
    SystemStatus s;
    s.memory_physical = 8ull << 30;
    s.memory_available = 6ull << 30;
    s.cpu_cores = 2;
    s.tenants = tenants_.size();
    return s;
  }

  // ---- test hooks ---------------------------------------------------------------------------------

  void AddIncident(Incident in) {
    std::lock_guard<std::mutex> lock(mu_);
    incidents_.push_back(std::move(in));  // oldest first; Incidents() returns newest first
  }
  // Direct access to a stored tenant, e.g. to set live figures for metrics.
  template <typename F>
  void Edit(const std::string& id, F&& edit) {
    std::lock_guard<std::mutex> lock(mu_);
    edit(tenants_.at(id));
  }
  std::optional<TenantPatch> last_patch() const { return Read(last_patch_); }
  std::optional<bool> last_remove_workspace() const { return Read(last_remove_workspace_); }
  std::string last_incident_tenant() const { return Read(last_incident_tenant_); }
  size_t last_incident_limit() const { return Read(last_incident_limit_); }

 private:
  // Called, also keeping the patch a Create or Update received.
  std::optional<Error> CalledWith(const char* call, const TenantPatch& patch) {
    last_patch_ = patch;
    return Called(call);
  }

  Result<TenantStatus> Find(const std::string& id) {
    Result<TenantStatus*> st = FindMutable(id);
    if (!st) return st.error();
    return **st;
  }

  Result<TenantStatus*> FindMutable(const std::string& id) {
    Touch(id);
    if (Status s = ValidateTenantId(id); !s) return s.error();
    auto it = tenants_.find(id);
    if (it == tenants_.end()) return Error::NotFound("no tenant '" + id + "'");
    return &it->second;
  }

  Result<TenantStatus> SetDesired(const char* call, const std::string& id, DesiredState d) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called(call)) return *e;
    Result<TenantStatus*> st = FindMutable(id);
    if (!st) return st.error();
    (*st)->tenant.desired = d;
    if (d == DesiredState::kRunning) (*st)->tenant.quarantined = false;
    Refresh(*st);
    return **st;
  }

  static void Refresh(TenantStatus* st) {
    bool running = st->tenant.desired == DesiredState::kRunning && !st->tenant.quarantined;
    st->phase = st->tenant.quarantined ? "quarantined" : running ? "running" : "stopped";
    st->active_state = running ? "active" : "inactive";
    st->sub_state = running ? "running" : "dead";
    st->healthy = running;
  }

  static void Apply(const TenantPatch& p, TenantStatus* st) { st->tenant = MergePatch(st->tenant, p); }

  std::map<std::string, TenantStatus> tenants_;
  std::vector<Incident> incidents_;
  int64_t clock_ = 1700000000;
  std::optional<TenantPatch> last_patch_;
  std::optional<bool> last_remove_workspace_;
  std::string last_incident_tenant_;
  size_t last_incident_limit_ = 0;
};

}  // namespace clawhive::testing
