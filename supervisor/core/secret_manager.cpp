#include "supervisor/core/secret_manager.h"

#include <syslog.h>

#include <openssl/crypto.h>

#include "supervisor/core/tenant_rules.h"

namespace clawhive {

SecretManager::SecretManager(Vault& vault, TenantControl& supervisor, Store& store, Host& host, EventLog& log,
                             std::string run_dir)
    : vault_(vault), supervisor_(supervisor), store_(store), host_(host), log_(log), run_dir_(std::move(run_dir)) {}

Status SecretManager::CheckScope(const std::string& tenant) {
  if (tenant == kPlatformScope) return Status::Ok();
  if (Status s = ValidateTenantId(tenant); !s) return s;
  auto t = store_.GetTenant(tenant);
  if (!t) return t.error();
  if (!t->has_value()) return Error::NotFound("no tenant '" + tenant + "'");
  return Status::Ok();
}

void SecretManager::Init() {
  auto tenants = store_.ListTenants();
  if (!tenants) return;
  for (const Tenant& t : *tenants) {
    if (!host_.Exists(TrialMarker(t.id))) continue;
    log_.Write(LOG_WARNING, t.id, "resuming a secret rotation interrupted by a supervisor restart");
    StartTrial(t.id);
  }
}

void SecretManager::Deliver(const std::string& tenant) {
  std::string path = DeliveredSecretsPath(tenant);
  auto secrets = vault_.Deliverable(tenant, host_.Exists(TrialMarker(tenant)));
  if (!secrets) {
    // Leave it to clawhive-deliver at ExecStartPre, which fails the start with this error in the journal.
    (void)host_.RemoveFile(path);
    log_.Write(LOG_ERR, tenant, "cannot deliver secrets: " + secrets.error().message);
    return;
  }
  std::string content;
  size_t size = 0;
  for (const auto& [name, value] : *secrets) size += name.size() + 2 * value.size() + 4;
  content.reserve(size + 1);  // no reallocation: no stray copies of the values
  for (const auto& [name, value] : *secrets) {
    std::string quoted = QuoteEnvValue(value.view());
    content.append(name).append("=").append(quoted).append("\n");
    OPENSSL_cleanse(quoted.data(), quoted.size());
  }
  Status s = host_.MakeDir(run_dir_ + "/secrets", 0700);
  if (s) s = host_.WriteFile(path, content, 0600);
  OPENSSL_cleanse(content.data(), content.size());
  if (!s) log_.Write(LOG_ERR, tenant, "cannot deliver secrets: " + s.error().message);
}

void SecretManager::OnTenantDeleted(const std::string& tenant) {
  if (Status s = vault_.DeleteTenant(tenant); !s) log_.Write(LOG_ERR, tenant, "vault: " + s.error().message);
  (void)host_.RemoveFile(TrialMarker(tenant));
}

Result<SecretInfo> SecretManager::PutSecret(const std::string& tenant, const std::string& name, SecretValue value) {
  if (Status s = CheckScope(tenant); !s) return s.error();
  auto info = vault_.Put(tenant, name, std::move(value));
  if (!info) return info.error();
  uint32_t newest = info->versions.empty() ? 0 : info->versions.front().version;
  log_.Write(LOG_INFO, tenant == kPlatformScope ? "" : tenant,
             "secret " + name + " version " + std::to_string(newest) + " stored");
  if (tenant == kPlatformScope) {
    // No agent runs on a platform secret (the proxy reads it), so there is no trial: a new version is
    // current at once. (Before the export it stayed staged, and the proxy kept the first value.)
    if (info->current_version != newest) {
      if (Status s = vault_.Promote(tenant, name, newest); !s) return s.error();
      (void)vault_.RetirePrevious(tenant, name);
    }
    if (on_platform_change_) on_platform_change_();
    return vault_.Get(tenant, name);
  }
  bool first = info->current_version == newest;
  if (!supervisor_.IsRunning(tenant)) {
    // Nothing runs on the old value: the new one is simply current.
    if (!first) {
      if (Status s = vault_.Promote(tenant, name, newest); !s) return s.error();
      (void)vault_.RetirePrevious(tenant, name);
    }
  } else if (first) {
    (void)supervisor_.Restart(tenant);  // a new variable: nothing to roll back to
  } else {
    StartTrial(tenant);
  }
  return vault_.Get(tenant, name);
}

void SecretManager::StartTrial(const std::string& tenant) {
  if (Status s = host_.WriteFile(TrialMarker(tenant), "staged\n", 0600); !s) {
    log_.Write(LOG_ERR, tenant, "cannot start a secret rotation: " + s.error().message);
    return;
  }
  Status s = supervisor_.BeginTrial(tenant, [this, tenant](bool healthy, const std::string& why) {
    EndTrial(tenant, healthy, why);
  });
  if (!s) {
    (void)host_.RemoveFile(TrialMarker(tenant));
    log_.Write(LOG_ERR, tenant, "cannot start a secret rotation: " + s.error().message);
  }
}

void SecretManager::EndTrial(const std::string& tenant, bool healthy, const std::string& why) {
  (void)host_.RemoveFile(TrialMarker(tenant));
  auto secrets = vault_.List(tenant);
  if (!secrets) {
    log_.Write(LOG_ERR, tenant, "vault: " + secrets.error().message);
    return;
  }
  std::string names;
  for (const SecretInfo& info : *secrets) {
    for (const SecretVersionInfo& v : info.versions) {
      if (v.state != "staged") continue;
      Status s = healthy ? vault_.Promote(tenant, info.name, v.version) : vault_.Discard(tenant, info.name, v.version);
      if (s && healthy) s = vault_.RetirePrevious(tenant, info.name);
      if (!s) log_.Write(LOG_ERR, tenant, "vault: " + s.error().message);
      names += (names.empty() ? "" : ", ") + info.name + " v" + std::to_string(v.version);
    }
  }
  if (healthy) {
    log_.Write(LOG_INFO, tenant, "secret rotation done, agent healthy on " + names);
  } else {
    log_.Write(LOG_ERR, tenant, "secret rotation of " + names + " rolled back: " + why);
    supervisor_.StartNow(tenant);  // on the current versions again
  }
}

Result<SecretInfo> SecretManager::GetSecret(const std::string& tenant, const std::string& name) {
  if (Status s = CheckScope(tenant); !s) return s.error();
  return vault_.Get(tenant, name);
}

Result<std::vector<SecretInfo>> SecretManager::ListSecrets(const std::string& tenant) {
  if (Status s = CheckScope(tenant); !s) return s.error();
  return vault_.List(tenant);
}

Status SecretManager::DeleteSecret(const std::string& tenant, const std::string& name) {
  if (Status s = CheckScope(tenant); !s) return s;
  if (Status s = vault_.Delete(tenant, name); !s) return s;
  log_.Write(LOG_INFO, tenant == kPlatformScope ? "" : tenant, "secret " + name + " deleted");
  if (tenant == kPlatformScope && on_platform_change_) on_platform_change_();
  // The agent must not keep a deleted credential in its environment.
  if (tenant != kPlatformScope && supervisor_.IsRunning(tenant)) (void)supervisor_.Restart(tenant);
  return Status::Ok();
}

Result<RotationInfo> SecretManager::RotateKek() {
  auto r = vault_.RotateKek();
  if (r) log_.Write(LOG_INFO, "", "KEK rotated to version " + std::to_string(vault_.kek_version()) + ", " +
                                      std::to_string(r->done) + " data keys re-wrapped");
  return r;
}

Result<RotationInfo> SecretManager::RotateDataKey(const std::string& tenant) {
  if (Status s = CheckScope(tenant); !s) return s.error();
  auto r = vault_.RotateDataKey(tenant);
  if (r) log_.Write(LOG_INFO, tenant == kPlatformScope ? "" : tenant,
                    "data key rotated, " + std::to_string(r->done) + " secret versions re-encrypted");
  return r;
}

Result<std::vector<RotationInfo>> SecretManager::Rotations(size_t limit) { return vault_.Rotations(limit); }

}  // namespace clawhive
