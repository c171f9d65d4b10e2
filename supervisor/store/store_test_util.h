// Helpers shared by the store's unit tests (header-only; not part of the supervisor library). The
// SQLite-level ones (temporary directory, raw connection, Why/Code) come from common/sqlite_test_util.h.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "supervisor/common/sqlite_test_util.h"
#include "supervisor/store/store.h"

namespace clawhive::store_test {

using sqlite_test::Code;
using sqlite_test::ModeOf;
using sqlite_test::MustExec;
using sqlite_test::RawOpen;
using sqlite_test::Why;

// A private directory under $TMPDIR for a store's file.
class TempDir : public sqlite_test::TempDir {
 public:
  TempDir() : sqlite_test::TempDir("clawhive-store") {}
};

inline std::unique_ptr<Store> MustOpen(const std::string& path) {
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  BOOST_REQUIRE_MESSAGE(store.ok(), "Open failed: " << Why(store));
  return std::move(store).value();
}

inline Tenant MustGet(Store& store, const std::string& id) {
  Result<std::optional<Tenant>> t = store.GetTenant(id);
  BOOST_REQUIRE_MESSAGE(t.ok(), Why(t));
  BOOST_REQUIRE_MESSAGE(t->has_value(), "tenant " << id << " is missing");
  return **t;
}

}  // namespace clawhive::store_test
