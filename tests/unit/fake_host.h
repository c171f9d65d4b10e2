// FakeHost: users and files in memory (kernel stat files too: a test puts /proc or cgroupfs text in
// `files`); OOM counters and the wall clock settable by the test; file reads counted. A tenant's files
// land in the same `files`/`dirs`/`owners` under <base>/<rel>, with their modes in `modes`; a test makes
// one refused (as TenantDir would refuse a planted symlink) through `tenant_refusals`.
#pragma once

#include <map>
#include <set>

#include "supervisor/core/host.h"

namespace clawhive {

class FakeHost : public Host {
 public:
  Status EnsureUser(const std::string& name, uint32_t uid, const std::string&) override {
    if (fail_users) return Error::Unavailable("useradd failed (fake)");
    users[name] = uid;
    return Status::Ok();
  }
  Status RemoveUser(const std::string& name) override {
    users.erase(name);
    return Status::Ok();
  }
  Status WriteFile(const std::string& path, const std::string& content, uint32_t) override {
    files[path] = content;
    return Status::Ok();
  }
  Status RemoveFile(const std::string& path) override {
    files.erase(path);
    return Status::Ok();
  }
  Status MakeDir(const std::string& path, uint32_t) override {
    dirs.insert(path);
    return Status::Ok();
  }
  Status Chown(const std::string& path, uint32_t uid, uint32_t) override {
    owners[path] = uid;
    return Status::Ok();
  }
  Status RemoveTree(const std::string& path) override {
    for (auto it = files.begin(); it != files.end();)
      it = it->first.rfind(path, 0) == 0 ? files.erase(it) : std::next(it);
    removed_trees.insert(path);
    return Status::Ok();
  }
  bool Exists(const std::string& path) override { return files.count(path) > 0; }
  Result<std::string> ReadFile(const std::string& path) override {
    ++reads;
    if (unreadable.count(path)) return Error::Unavailable("reading " + path + ": Permission denied (fake)");
    auto it = files.find(path);
    if (it == files.end()) return Error::NotFound(path + " does not exist");
    return it->second;
  }
  Status MakeTenantDir(const std::string& base, const std::string& rel, const FileOwnership& owner) override {
    std::string path = base;
    for (size_t start = 0; ; ) {
      if (auto it = tenant_refusals.find(path); it != tenant_refusals.end()) return it->second;
      if (dirs.insert(path).second) {
        owners[path] = owner.uid;
        modes[path] = owner.mode;
      }
      if (rel.empty() || start > rel.size()) break;
      size_t slash = rel.find('/', start);
      if (slash == std::string::npos) slash = rel.size();
      path = base + "/" + rel.substr(0, slash);
      start = slash + 1;
    }
    return Status::Ok();
  }
  Status WriteTenantFile(const std::string& base, const std::string& rel, const std::string& content,
                         const FileOwnership& owner) override {
    std::string path = base + "/" + rel;
    if (auto it = tenant_refusals.find(path); it != tenant_refusals.end()) return it->second;
    files[path] = content;
    owners[path] = owner.uid;
    modes[path] = owner.mode;
    return Status::Ok();
  }
  Result<std::string> ReadTenantFile(const std::string& base, const std::string& rel, size_t max_bytes) override {
    ++reads;
    std::string path = base + "/" + rel;
    if (auto it = tenant_refusals.find(path); it != tenant_refusals.end()) return it->second;
    auto it = files.find(path);
    if (it == files.end()) return Error::NotFound(rel + " does not exist");
    if (it->second.size() > max_bytes)
      return Error{ErrorCode::kTooLarge, rel + " is larger than " + std::to_string(max_bytes) + " bytes; refused"};
    return it->second;
  }
  Status RemoveTenantTree(const std::string& base) override { return RemoveTree(base); }

  int64_t WallMs() override { return wall_ms; }
  bool IsEphemeralPort(uint16_t port) override { return port >= 32768; }
  bool PortInUse(uint16_t port) override { return busy_ports.count(port) > 0; }
  std::optional<uint64_t> OomKills(const std::string& cg) override {
    auto it = oom.find(cg);
    if (it == oom.end()) return std::nullopt;
    return it->second;
  }

  bool fail_users = false;
  std::map<std::string, uint32_t> users;
  std::map<std::string, std::string> files;
  std::set<std::string> removed_trees;
  std::map<std::string, uint32_t> owners;  // Chown(), and what the tenant-file methods made
  std::map<std::string, uint32_t> modes;   // what the tenant-file methods made
  std::map<std::string, Error> tenant_refusals;  // <base>/<rel> -> the error a tenant-file method returns
  std::map<std::string, uint64_t> oom;
  std::set<uint16_t> busy_ports;
  std::set<std::string> dirs;
  std::set<std::string> unreadable;  // ReadFile fails with kUnavailable
  int64_t wall_ms = 1700000000000;
  uint64_t reads = 0;
};

}  // namespace clawhive
