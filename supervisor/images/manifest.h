// manifest.json: what a runtime image is, at the top of the image (and of its artifact).
//
//   {
//     "format": 1,
//     "name": "openclaw",
//     "version": "2026.9.6",
//     "node_version": "24.21.0",
//     "content_sha256": "<64 lowercase hex: DigestTree() of the image, see content_digest.h>",
//     "files": 41234,
//     "bytes": 871234567,
//     "node": "node/bin/node",
//     "entry": "openclaw/node_modules/openclaw/openclaw.mjs",
//     "built_at": "2026-09-30T12:00:00Z"
//   }
//
// Parsing is strict: every field is required, no other field is allowed, and each is checked —
//   format     1 (another number: "unsupported manifest format N")
//   name       [a-z][a-z0-9-]{0,31}
//   version, node_version
//              1-64 of [0-9A-Za-z.+-], starting with a digit, no ".." (a suffix such as
//              "2026.9.6-broken" gives a test build its own id)
//   content_sha256  64 lowercase hex digits
//   files, bytes    non-negative integers
//   node, entry     relative paths: no leading '/', no "." / ".." / empty components, no control
//                   characters, at most 1024 bytes
//   built_at   RFC 3339 date-time ("2026-09-30T12:00:00Z", "...T12:00:00.5+02:00")
// Errors are kInvalidArgument naming the field: "manifest field 'version': ...".
//
// The manifest is not covered by the content digest (it holds it): name and version are the builder's
// claim, bound to the bytes only by the artifact's own sha256 (ImportOptions::expected_sha256).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::images {

inline constexpr int kManifestFormat = 1;
inline constexpr size_t kMaxManifestBytes = 64 * 1024;

struct Manifest {
  int format = kManifestFormat;
  std::string name;
  std::string version;
  std::string node_version;
  std::string content_sha256;
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::string node;
  std::string entry;
  std::string built_at;

  // The image id, also its directory name in the store: "<name>-<version>", e.g. "openclaw-2026.9.6".
  std::string Id() const { return name + "-" + version; }
};

Result<Manifest> ParseManifest(std::string_view json);
// Checks every field as ParseManifest does (for manifests built in code).
Status ValidateManifest(const Manifest& m);
// Pretty JSON, one field per line, in the order above, ending in a newline.
std::string SerializeManifest(const Manifest& m);

// An image id as Id() makes it: a valid name, '-', a valid version. Guards every path built from an id.
Status ValidateImageId(std::string_view id);
Status ValidateVersion(std::string_view field, std::string_view v);
Status ValidateRelativePath(std::string_view field, std::string_view path);
Status ValidateSha256Hex(std::string_view field, std::string_view hex);
Status ValidateRfc3339(std::string_view field, std::string_view t);

}  // namespace clawhive::images
