// Shipped runtime: the OpenClaw runtime image a companion package (clawhive-openclaw-runtime, made by
// images/runtime/build-deb) puts in /usr/share/clawhive/runtime/, and its import into the image store.
//
// The package carries one artifact as images/runtime/build made it, with its sha256 file:
//   /usr/share/clawhive/runtime/openclaw-<version>-node<node>.tar.zst
//   /usr/share/clawhive/runtime/openclaw-<version>-node<node>.tar.zst.sha256
// Its image id (openclaw-<version>) is the file name up to "-node": the builder's naming, checked again by
// the import against the artifact's own manifest. `install` makes it what new tenants run unless the answer
// file says otherwise; `install`, `upgrade` and the runtime package's postinst (`import-runtime`) import it.
//
// The import runs `clawhive-image import ARTIFACT --store DIR --sha256 HEX` through System::Exec: the same
// digest checks as any import (the artifact's sha256, then the content digest against its manifest), no
// network, and idempotent (an image already in the store with the same content is left as it is).
// Single-threaded; nothing here prints (steps go to the StepLog).
#pragma once

#include <optional>
#include <string>

#include "installer/layout.h"
#include "installer/step_log.h"
#include "installer/system.h"
#include "supervisor/common/result.h"

namespace clawhive::installer {

inline constexpr const char* kShippedRuntimeDir = "/usr/share/clawhive/runtime";
inline constexpr const char* kImageTool = "/usr/sbin/clawhive-image";
inline constexpr const char* kRuntimePackage = "clawhive-openclaw-runtime";

struct ShippedRuntime {
  std::string artifact;  // host path (without the Layout root)
  std::string image_id;  // openclaw-2026.9.6
};

// The image id an artifact's file name names ("openclaw-2026.9.6-node24.21.0.tar.zst" ->
// "openclaw-2026.9.6"); nullopt for any other name.
std::optional<std::string> ImageIdOfArtifact(const std::string& file_name);

// The shipped artifact, nullopt when there is none (the runtime package is not installed). Several (a
// half-finished upgrade of the runtime package): the newest version. An artifact whose name names no
// valid image id is ignored; one without its .sha256 file is an error (the package is damaged).
Result<std::optional<ShippedRuntime>> FindShippedRuntime(System& sys, const Layout& L);

// Imports `r` into `images_dir` (a host path; the Layout root is added) unless it is there with the same
// content. Errors say what is wrong and what to do: a missing or malformed .sha256, an artifact that does
// not match it or is not an image (corrupt, truncated), another image with the same id.
Status EnsureRuntimeImported(System& sys, const Layout& L, const ShippedRuntime& r, const std::string& images_dir,
                             StepLog& log);

// FindShippedRuntime, then EnsureRuntimeImported when there is one; nothing (ok) when there is none.
Status ImportShippedRuntime(System& sys, const Layout& L, const std::string& images_dir, StepLog& log);

}  // namespace clawhive::installer
