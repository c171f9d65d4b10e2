// LoopTenantService / LoopSecretService: TenantService and SecretService for any thread. Each call is
// handed to the event-loop thread, where the Supervisor / SecretManager runs it, and the caller blocks
// until the answer (or a timeout: the loop is stuck or shutting down, reported as kUnavailable).
#pragma once

#include <syslog.h>

#include <chrono>
#include <future>
#include <memory>

#include "supervisor/core/loop.h"
#include "supervisor/core/secret_manager.h"
#include "supervisor/core/supervisor.h"
#include "supervisor/core/vault_rotator.h"

namespace clawhive {

// Runs fn on the loop thread and waits for its result.
template <typename R, typename F>
R CallOnLoop(Loop& loop, std::chrono::milliseconds timeout, F fn) {
  auto promise = std::make_shared<std::promise<R>>();
  auto future = promise->get_future();
  loop.Post([promise, fn = std::move(fn)]() mutable { promise->set_value(fn()); });
  if (future.wait_for(timeout) != std::future_status::ready)
    return R(Error::Unavailable("the supervisor did not answer in time"));
  return future.get();
}

// Starts asynchronous work on the loop thread (`start(done)`, where `done` may be called later, from
// the loop) and waits for its answer; kUnavailable `late` when it does not come in time.
template <typename R, typename F>
R AwaitOnLoop(Loop& loop, std::chrono::milliseconds timeout, const std::string& late, F start) {
  auto promise = std::make_shared<std::promise<R>>();
  auto future = promise->get_future();
  loop.Post([promise, start = std::move(start)]() mutable { start([promise](R r) { promise->set_value(std::move(r)); }); });
  if (future.wait_for(timeout) != std::future_status::ready) return R(Error::Unavailable(late));
  return future.get();
}

class LoopTenantService : public TenantService {
 public:
  LoopTenantService(Loop& loop, Supervisor& sup, std::chrono::milliseconds timeout = std::chrono::seconds(60))
      : loop_(loop), sup_(sup), timeout_(timeout) {}

  Result<TenantStatus> Create(const std::string& id, const TenantPatch& p) override {
    return AwaitOnLoop<Result<TenantStatus>>(loop_, timeout_, "timed out waiting for tenant '" + id + "' to be provisioned",
                                             [=, this](auto done) { sup_.CreateAsync(id, p, done); });
  }
  Result<std::vector<TenantStatus>> List() override {
    return Call<Result<std::vector<TenantStatus>>>([this] { return sup_.List(); });
  }
  Result<TenantStatus> Get(const std::string& id) override {
    return Call<Result<TenantStatus>>([=, this] { return sup_.Get(id); });
  }
  Result<TenantStatus> Update(const std::string& id, const TenantPatch& p) override {
    return Call<Result<TenantStatus>>([=, this] { return sup_.Update(id, p); });
  }
  Status Delete(const std::string& id, bool remove_workspace) override {
    return AwaitOnLoop<Status>(loop_, timeout_, "timed out waiting for tenant '" + id + "' to stop",
                               [=, this](auto done) { sup_.DeleteAsync(id, remove_workspace, done); });
  }
  Result<TenantStatus> Start(const std::string& id) override {
    return Call<Result<TenantStatus>>([=, this] { return sup_.Start(id); });
  }
  Result<TenantStatus> Stop(const std::string& id) override {
    return Call<Result<TenantStatus>>([=, this] { return sup_.Stop(id); });
  }
  Result<TenantStatus> Restart(const std::string& id) override {
    return Call<Result<TenantStatus>>([=, this] { return sup_.Restart(id); });
  }
  Result<std::vector<Incident>> Incidents(const std::string& tenant, size_t limit) override {
    return Call<Result<std::vector<Incident>>>([=, this] { return sup_.Incidents(tenant, limit); });
  }
  Result<UsageHistory> Usage(const std::string& id) override {
    return Call<Result<UsageHistory>>([=, this] { return sup_.Usage(id); });
  }
  Result<SystemStatus> System() override {
    return Call<Result<SystemStatus>>([this] { return sup_.System(); });
  }

 private:
  template <typename R, typename F>
  R Call(F fn) { return CallOnLoop<R>(loop_, timeout_, std::move(fn)); }

  Loop& loop_;
  Supervisor& sup_;
  std::chrono::milliseconds timeout_;
};

class LoopSecretService : public SecretService {
 public:
  // With a rotator, rotations run on the calling thread over its own vault connection (vault_rotator.h)
  // and the loop stays free; without one (tests), on the loop.
  LoopSecretService(Loop& loop, SecretManager& secrets, VaultRotator* rotator = nullptr, EventLog* log = nullptr,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60))
      : loop_(loop), secrets_(secrets), rotator_(rotator), log_(log), timeout_(timeout) {}

  Result<SecretInfo> PutSecret(const std::string& tenant, const std::string& name, SecretValue value) override {
    auto v = std::make_shared<SecretValue>(std::move(value));  // move-only: shared into the closure
    return CallOnLoop<Result<SecretInfo>>(loop_, timeout_, [=, this] { return secrets_.PutSecret(tenant, name, std::move(*v)); });
  }
  Result<SecretInfo> GetSecret(const std::string& tenant, const std::string& name) override {
    return CallOnLoop<Result<SecretInfo>>(loop_, timeout_, [=, this] { return secrets_.GetSecret(tenant, name); });
  }
  Result<std::vector<SecretInfo>> ListSecrets(const std::string& tenant) override {
    return CallOnLoop<Result<std::vector<SecretInfo>>>(loop_, timeout_, [=, this] { return secrets_.ListSecrets(tenant); });
  }
  Status DeleteSecret(const std::string& tenant, const std::string& name) override {
    return CallOnLoop<Status>(loop_, timeout_, [=, this] { return secrets_.DeleteSecret(tenant, name); });
  }
  Result<RotationInfo> RotateKek() override {
    if (!rotator_) return CallOnLoop<Result<RotationInfo>>(loop_, timeout_, [this] { return secrets_.RotateKek(); });
    uint32_t version = 0;
    auto r = rotator_->RotateKek(&version);
    if (r && log_)
      log_->Write(LOG_INFO, "", "KEK rotated to version " + std::to_string(version) + ", " + std::to_string(r->done) +
                                    " data keys re-wrapped");
    return r;
  }
  Result<RotationInfo> RotateDataKey(const std::string& tenant) override {
    if (!rotator_)
      return CallOnLoop<Result<RotationInfo>>(loop_, timeout_, [=, this] { return secrets_.RotateDataKey(tenant); });
    if (Status s = CallOnLoop<Status>(loop_, timeout_, [=, this] { return secrets_.CheckScope(tenant); }); !s)
      return s.error();
    auto r = rotator_->RotateDataKey(tenant);
    if (r && log_)
      log_->Write(LOG_INFO, tenant == kPlatformScope ? "" : tenant,
                  "data key rotated, " + std::to_string(r->done) + " secret versions re-encrypted");
    return r;
  }
  Result<std::vector<RotationInfo>> Rotations(size_t limit) override {
    return CallOnLoop<Result<std::vector<RotationInfo>>>(loop_, timeout_, [=, this] { return secrets_.Rotations(limit); });
  }

 private:
  Loop& loop_;
  SecretManager& secrets_;
  VaultRotator* rotator_;
  EventLog* log_;
  std::chrono::milliseconds timeout_;
};

}  // namespace clawhive
