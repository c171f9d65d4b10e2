// PosixHost: the real Host, on Linux. Accounts through the shadow tools (useradd/userdel, spawned
// without a shell), files through POSIX calls. Stateless: callable from the loop and the worker thread at once
// (accounts go through the worker only, so useradd/userdel never run concurrently).
#pragma once

#include <string>
#include <vector>

#include "supervisor/core/host.h"

namespace clawhive {

class PosixHost : public Host {
 public:
  Status EnsureUser(const std::string& name, uint32_t uid, const std::string& home) override;
  Status RemoveUser(const std::string& name) override;
  Status WriteFile(const std::string& path, const std::string& content, uint32_t mode) override;
  Status RemoveFile(const std::string& path) override;
  Status MakeDir(const std::string& path, uint32_t mode) override;
  Status RemoveTree(const std::string& path) override;
  Status Chown(const std::string& path, uint32_t uid, uint32_t gid) override;
  bool Exists(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override;
  Status MakeTenantDir(const std::string& base, const std::string& rel, const FileOwnership& owner) override;
  Status WriteTenantFile(const std::string& base, const std::string& rel, const std::string& content,
                         const FileOwnership& owner) override;
  Result<std::string> ReadTenantFile(const std::string& base, const std::string& rel, size_t max_bytes) override;
  Status RemoveTenantTree(const std::string& base) override;
  int64_t WallMs() override;
  bool IsEphemeralPort(uint16_t port) override;
  bool PortInUse(uint16_t port) override;
  std::optional<uint64_t> OomKills(const std::string& control_group) override;
};

// Runs argv (argv[0] an absolute path; RunSubprocess, stdout discarded) and waits, at most 2 minutes. An
// error when it cannot run or does not exit 0: "<argv[0]> failed (exit status N): <its stderr>".
Status RunProgram(const std::vector<std::string>& argv);

}  // namespace clawhive
