// The vault's SQLite file: schema (numbered migrations, PRAGMA user_version, as the store does) and
// opening with the settings the vault relies on (WAL, synchronous=FULL, secure_delete).
//
// synchronous=FULL: a KEK file is deleted once the commit that moved every data key off it has
// returned, so that commit must be durable — under NORMAL a power cut could roll the database back to
// rows that still need the deleted key. It also makes every Put durable when it returns.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "supervisor/common/result.h"
#include "supervisor/common/sqlite.h"

namespace clawhive::vault {

// PRAGMA application_id of a vault file ("CHVL"), written by migration 1.
inline constexpr int32_t kVaultApplicationId = 0x4348564C;

std::span<const sqlite::Migration> VaultMigrations();

// Checks (with check_modes) that the file is ours and not open to group/other; refuses files that are
// not a vault or are from a newer schema. `create`: a missing or empty file becomes a new vault (0600);
// otherwise it is kNotFound. `write`: pending migrations are applied; otherwise nothing is written and a
// schema that is not the latest is an error.
Result<sqlite::DbHandle> OpenVaultDatabase(const std::string& path, bool check_modes, bool create, bool write);

}  // namespace clawhive::vault
