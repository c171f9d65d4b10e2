// FakeHost: users and files in memory; OOM counters settable by the test.
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
  Status RemoveTree(const std::string& path) override {
    for (auto it = files.begin(); it != files.end();)
      it = it->first.rfind(path, 0) == 0 ? files.erase(it) : std::next(it);
    removed_trees.insert(path);
    return Status::Ok();
  }
  bool Exists(const std::string& path) override { return files.count(path) > 0; }
  int64_t WallMs() override { return 1700000000000; }
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
  std::map<std::string, uint64_t> oom;
  std::set<uint16_t> busy_ports;
  std::set<std::string> dirs;
};

}  // namespace clawhive
