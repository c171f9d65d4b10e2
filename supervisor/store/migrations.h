// Schema migrations of the store: a fixed, numbered list applied in order at Store::Open() (the rules
// and the runner are sqlite::Migration / sqlite::ApplyMigrations in supervisor/common/sqlite.h).
#pragma once

#include <cstdint>
#include <span>

#include "supervisor/common/sqlite.h"

namespace clawhive::schema {

// Written by migration 1 into PRAGMA application_id ("CLHV"), so Open() can tell our file from others.
inline constexpr int32_t kApplicationId = 0x434C4856;

std::span<const sqlite::Migration> Migrations();
int LatestSchemaVersion();

}  // namespace clawhive::schema
