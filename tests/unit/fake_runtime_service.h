// FakeRuntimeService: OpenClaw images, fleet updates and gateways in memory, for API tests. Records what
// each call received; FailNext(call, error) makes the next call of that name fail (CallRecorder).
// Thread-safe (the API server calls it from several threads).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/openclaw/runtime_service.h"
#include "unit/call_recorder.h"

namespace clawhive::testing {

class FakeRuntimeService : public RuntimeService, public CallRecorder {
 public:
  struct Check {
    std::string id;
    std::optional<Tenant> tenant;
    TenantPatch patch;
  };

  Result<std::vector<ImageView>> Images() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Images")) return *e;
    return images_;
  }
  Result<ImageView> Import(const std::string& path, const std::string& sha256) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Import")) return *e;
    imported_ = {path, sha256};
    ImageView v;
    v.id = "openclaw-2026.9.6";
    v.name = "openclaw";
    v.version = "2026.9.6";
    images_.push_back(v);
    return v;
  }
  Status Remove(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Remove")) return *e;
    removed_ = id;
    return Status::Ok();
  }
  Result<FleetUpdate> StartUpdate(const FleetRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("StartUpdate")) return *e;
    last_request_ = request;
    FleetUpdate u;
    u.id = static_cast<int64_t>(updates_.size()) + 1;
    u.target = request.target;
    u.canaries = request.canaries;
    u.wave_size = request.wave_size;
    updates_[u.id] = u;
    return u;
  }
  Result<std::vector<FleetUpdate>> Updates(size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Updates")) return *e;
    last_limit_ = limit;
    std::vector<FleetUpdate> out;
    for (auto it = updates_.rbegin(); it != updates_.rend() && out.size() < limit; ++it) out.push_back(it->second);
    return out;
  }
  Result<FleetUpdate> Update(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Update")) return *e;
    last_update_id_ = id;
    auto it = updates_.find(id);
    if (it == updates_.end()) return Error::NotFound("no fleet update " + std::to_string(id));
    return it->second;
  }
  std::string Target() override {
    std::lock_guard<std::mutex> lock(mu_);
    return target_;
  }
  Result<GatewayAccess> Gateway(const std::string& tenant) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Gateway")) return *e;
    last_gateway_ = tenant;
    return GatewayAccess{"/run/clawhive/gw/" + tenant + "/20000.sock", "ocg_token-of-" + tenant};
  }
  Status PutPersona(const std::string& tenant, const std::string& name, const std::string& content) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("PutPersona")) return *e;
    persona_[tenant][name] = content;
    return Status::Ok();
  }
  Result<std::vector<std::pair<std::string, std::string>>> Persona(const std::string& tenant) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Persona")) return *e;
    auto it = persona_.find(tenant);
    if (it == persona_.end()) return std::vector<std::pair<std::string, std::string>>{};
    return std::vector<std::pair<std::string, std::string>>(it->second.begin(), it->second.end());
  }
  Status CheckTenantConfig(const std::string& id, const std::optional<Tenant>& tenant,
                           const TenantPatch& patch) override {
    std::lock_guard<std::mutex> lock(mu_);
    checks_.push_back({id, tenant, patch});
    if (auto e = Called("CheckTenantConfig")) return *e;
    return Status::Ok();
  }

  // ---- test hooks -----------------------------------------------------------------------------------

  void SetImages(std::vector<ImageView> images, std::string target) {
    std::lock_guard<std::mutex> lock(mu_);
    images_ = std::move(images);
    target_ = std::move(target);
  }
  std::vector<Check> checks() const { return Read(checks_); }
  std::optional<FleetRequest> last_request() const { return Read(last_request_); }
  std::optional<std::pair<std::string, std::string>> imported() const { return Read(imported_); }
  std::string removed() const { return Read(removed_); }
  std::optional<int64_t> last_update_id() const { return Read(last_update_id_); }
  size_t last_limit() const { return Read(last_limit_); }
  std::string last_gateway() const { return Read(last_gateway_); }

 private:
  std::vector<ImageView> images_;
  std::string target_;
  std::map<int64_t, FleetUpdate> updates_;
  std::vector<Check> checks_;
  std::map<std::string, std::map<std::string, std::string>> persona_;
  std::optional<FleetRequest> last_request_;
  std::optional<std::pair<std::string, std::string>> imported_;
  std::string removed_;
  std::optional<int64_t> last_update_id_;
  size_t last_limit_ = 0;
  std::string last_gateway_;
};

}  // namespace clawhive::testing
