// FakeSecretService: an in-memory SecretService for API and clawhivectl tests.
//
// Behaves like the real one where the API depends on it: the scope is kPlatformScope or a tenant added
// with AddTenant() (else 404), names must be [A-Z_][A-Z0-9_]{0,127} (400), the first Put of a name
// creates version 1 as current and later ones add a version that becomes current (the previous one is
// "previous"), Get/Delete of a missing secret is 404, rotations are numbered and listed newest first.
// Never puts a value into an answer or a message. Test hooks make the next call fail or throw, and let a
// test read back the value stored. Thread-safe (the API server calls it from several threads).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/core/secret_service.h"
#include "unit/call_recorder.h"

namespace clawhive::testing {

class FakeSecretService : public SecretService, public CallRecorder {
 public:
  Result<SecretInfo> PutSecret(const std::string& tenant, const std::string& name, SecretValue value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("PutSecret")) return *e;
    if (Status s = CheckScope(tenant); !s) return s.error();
    if (Status s = CheckName(name); !s) return s.error();
    Entry& e = secrets_[{tenant, name}];
    e.info.tenant = tenant;
    e.info.name = name;
    for (SecretVersionInfo& v : e.info.versions)
      if (v.state == "current") v.state = "previous";
    uint32_t version = e.info.current_version + 1;
    int64_t now = ++clock_;
    e.info.versions.insert(e.info.versions.begin(), SecretVersionInfo{version, now, "current"});
    e.info.current_version = version;
    if (e.info.created_at == 0) e.info.created_at = now;
    e.info.rotated_at = now;
    e.value = std::move(value);
    return e.info;
  }

  Result<SecretInfo> GetSecret(const std::string& tenant, const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("GetSecret")) return *e;
    if (Status s = CheckScope(tenant); !s) return s.error();
    if (Status s = CheckName(name); !s) return s.error();
    auto it = secrets_.find({tenant, name});
    if (it == secrets_.end()) return Missing(tenant, name);
    return it->second.info;
  }

  Result<std::vector<SecretInfo>> ListSecrets(const std::string& tenant) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("ListSecrets")) return *e;
    if (Status s = CheckScope(tenant); !s) return s.error();
    std::vector<SecretInfo> out;
    for (const auto& [key, entry] : secrets_)
      if (key.first == tenant) out.push_back(entry.info);
    return out;
  }

  Status DeleteSecret(const std::string& tenant, const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("DeleteSecret")) return *e;
    if (Status s = CheckScope(tenant); !s) return s.error();
    if (Status s = CheckName(name); !s) return s.error();
    if (secrets_.erase({tenant, name}) == 0) return Missing(tenant, name);
    return Status::Ok();
  }

  Result<RotationInfo> RotateKek() override {
    std::lock_guard<std::mutex> lock(mu_);
    Touch("*");
    if (auto e = Called("RotateKek")) return *e;
    uint64_t keys = tenants_.size() + 1;  // a data key per tenant and one for the platform scope
    return Record("kek", "", keys);
  }

  Result<RotationInfo> RotateDataKey(const std::string& tenant) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("RotateDataKey")) return *e;
    if (Status s = CheckScope(tenant); !s) return s.error();
    uint64_t versions = 0;
    for (const auto& [key, entry] : secrets_)
      if (key.first == tenant) versions += entry.info.versions.size();
    return Record("data-key", tenant, versions);
  }

  Result<std::vector<RotationInfo>> Rotations(size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = Called("Rotations")) return *e;
    last_rotation_limit_ = limit;
    std::vector<RotationInfo> out;
    for (auto it = rotations_.rbegin(); it != rotations_.rend() && out.size() < limit; ++it) out.push_back(*it);
    return out;
  }

  // ---- test hooks ---------------------------------------------------------------------------------

  void AddTenant(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    tenants_.insert(id);
  }
  // The value stored for a secret (a copy, for assertions), if there is one.
  std::optional<std::string> value(const std::string& tenant, const std::string& name) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = secrets_.find({tenant, name});
    if (it == secrets_.end()) return std::nullopt;
    return std::string(it->second.value.view());
  }
  size_t last_rotation_limit() const { return Read(last_rotation_limit_); }

 private:
  struct Entry {
    SecretInfo info;
    SecretValue value;
  };

  Status CheckScope(const std::string& tenant) {
    Touch(tenant);
    if (tenant == kPlatformScope || tenants_.count(tenant)) return Status::Ok();
    return Error::NotFound("no tenant '" + tenant + "'");
  }

  static Status CheckName(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 128;
    for (size_t i = 0; ok && i < name.size(); ++i) {
      char c = name[i];
      ok = (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    }
    if (!ok) return Error::Invalid("invalid secret name");
    return Status::Ok();
  }

  static Error Missing(const std::string& tenant, const std::string& name) {
    return Error::NotFound("no secret '" + name + "' for '" + tenant + "'");
  }

  RotationInfo Record(const std::string& kind, const std::string& target, uint64_t items) {
    RotationInfo r;
    r.id = static_cast<int64_t>(rotations_.size()) + 1;
    r.kind = kind;
    r.target = target;
    r.state = "done";
    r.done = r.total = items;
    rotations_.push_back(r);
    return r;
  }

  std::set<std::string> tenants_;
  std::map<std::pair<std::string, std::string>, Entry> secrets_;
  std::vector<RotationInfo> rotations_;  // oldest first
  int64_t clock_ = 1700000000;
  size_t last_rotation_limit_ = 0;
};

}  // namespace clawhive::testing
