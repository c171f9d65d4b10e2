// Schema migrations of the store: a fixed, numbered list applied in order at Store::Open().
//
// Rules: numbers run 1, 2, 3, ... without gaps (checked at compile time); a migration, once released,
// is never edited, only followed by a new one; each runs in its own transaction together with the
// PRAGMA user_version bump, so a failure leaves the previous version intact.
#pragma once

#include <cstdint>
#include <span>

#include "supervisor/common/result.h"

struct sqlite3;

namespace clawhive::schema {

struct Migration {
  int number;
  const char* sql;  // one or more statements
};

// Written by migration 1 into PRAGMA application_id ("CLHV"), so Open() can tell our file from others.
inline constexpr int32_t kApplicationId = 0x434C4856;

std::span<const Migration> Migrations();
int LatestSchemaVersion();

// Applies every migration numbered above the database's current PRAGMA user_version, each inside its
// own BEGIN IMMEDIATE transaction (re-reading the version under the lock, so a concurrent opener that
// already migrated is not repeated). Returns the resulting version. The connection must not be inside a
// transaction. `migrations` is a parameter so tests can feed their own list.
Result<int> ApplyMigrations(sqlite3* db, std::span<const Migration> migrations);

}  // namespace clawhive::schema
