// Helpers shared by the vault's unit tests (header-only; not part of the supervisor library).
#pragma once

#include <sqlite3.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/common/sqlite_test_util.h"
#include "supervisor/vault/vault.h"

namespace clawhive::vault_test {

using sqlite_test::Code;
using sqlite_test::ModeOf;
using sqlite_test::MustBlob;
using sqlite_test::MustExec;
using sqlite_test::MustExecBlob;
using sqlite_test::MustInt;
using sqlite_test::RawOpen;
using sqlite_test::Why;

// A private directory under /tmp for a vault's files.
class TempDir : public sqlite_test::TempDir {
 public:
  TempDir() : sqlite_test::TempDir("clawhive-vault") {}
};

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline VaultOptions OptionsIn(const TempDir& dir, size_t batch = 256) {
  VaultOptions o;
  o.db_path = dir.File("vault.db");
  o.key_dir = dir.File("keys");
  o.rotation_batch = batch;
  o.check_modes = true;
  return o;
}

inline std::unique_ptr<Vault> MustOpen(const VaultOptions& options) {
  Result<std::unique_ptr<Vault>> v = Vault::Open(options);
  BOOST_REQUIRE_MESSAGE(v.ok(), "Vault::Open failed: " << Why(v));
  return std::move(v).value();
}

inline SecretInfo MustPut(Vault& v, const std::string& tenant, const std::string& name, const std::string& value) {
  Result<SecretInfo> info = v.Put(tenant, name, SecretValue(value));
  BOOST_REQUIRE_MESSAGE(info.ok(), "Put " << tenant << "/" << name << " failed: " << Why(info));
  return std::move(info).value();
}

// Deliverable() as plain strings, for comparisons.
inline std::vector<std::pair<std::string, std::string>> Plain(
    const Result<std::vector<std::pair<std::string, SecretValue>>>& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!r.ok()) return out;
  for (const auto& [name, value] : r.value()) out.emplace_back(name, std::string(value.view()));
  return out;
}

}  // namespace clawhive::vault_test
