// ImageStore: the read-only runtime images on this host, side by side, one directory per image id.
//
//   <dir>/                         0755 root (tenants' users must reach their image's node)
//   <dir>/openclaw-2026.9.6/       an image: manifest.json + its content (node/, openclaw/, ...);
//                                  directories 0555, files 0444 (0555 when executable), owned by root
//   <dir>/.lock                    flock()ed by Import and Remove: one writer at a time, any process
//   <dir>/.staging-XXXXXX/         an import in progress
//   <dir>/.removing-<id>           a removal in progress
//
// Import(artifact): an artifact is a tar file (plain, gzip or zstd: tar tells them apart itself) whose
// members are the image's files relative to its root ("manifest.json", "./node/bin/node", ...).
//   1. (ImportOptions::expected_sha256) the artifact file's sha256 must match, before anything else;
//   2. `tar -tf`: every member name must be relative and free of ".." (else nothing is extracted), and
//      there must be exactly one top-level manifest.json;
//   3. that manifest alone (`tar -xO`) is read and checked (manifest.h). If <id>/ exists: the same
//      content_sha256 -> success (already_present) without unpacking anything — the artifact's own
//      content is not re-read, the installed copy was checked when it came; another -> kAlreadyExists;
//   4. `tar -xf --no-same-owner` into a fresh .staging-* directory inside the store;
//   5. the content digest is recomputed (content_digest.h, which also refuses devices, FIFOs, sockets,
//      setuid/setgid, escaping symlinks and hard links) and compared with the manifest's content_sha256,
//      files and bytes — "content digest mismatch" — and the manifest's node and entry must be regular
//      files (node executable), reached without symlinks;
//   6. every entry made read-only and root-owned (when running as root), the file system synced
//      (syncfs), the staging directory renamed to <id>/ (atomic), the store directory fsynced.
// A crash at any point leaves either no <id>/ or a complete one; the .staging-* (or .removing-*) left
// behind is deleted by the next Open(), Import() or Remove() (under the lock, so never another live
// import's).
//
// Remove(id, users): kConflict "image openclaw-2026.9.6 is used by tenants acme, beta" when `users`
// names any tenant; else renamed to .removing-<id> (atomic: the image is gone for List/Get at once),
// made writable and deleted. The caller must keep tenants from taking the image up between its check
// and the rename (the supervisor: both on its loop thread, with Retire(); the deletion then runs on the
// API request's thread).
//
// List/Get read without the lock: an image directory appears and disappears by rename only.
// Errors: kInvalidArgument (bad artifact, manifest, digest, id), kNotFound, kAlreadyExists, kConflict,
// kUnavailable (I/O, tar could not run). No logging. One ImageStore per thread; several processes may
// share a directory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/images/manifest.h"
#include "supervisor/images/process_runner.h"

namespace clawhive::images {

inline constexpr const char* kDefaultImageDir = "/var/lib/clawhive-images";

struct ImageInfo {
  std::string id;
  std::string path;         // <dir>/<id>
  Manifest manifest;        // valid only when problem is empty
  uint64_t disk_bytes = 0;  // blocks in use (like du), hard links counted once
  std::string problem;      // List(): why this directory is not a usable image (its manifest)
};

struct ImportOptions {
  std::optional<std::string> expected_sha256;  // of the artifact file's bytes, lowercase hex
};

struct ImportResult {
  ImageInfo image;
  bool already_present = false;  // the same content was there already; nothing changed
};

// The tenants using an image (empty: none). Supplied by the caller, who knows the tenants.
using ImageUsers = std::function<std::vector<std::string>(const std::string& id)>;

class ImageStore {
 public:
  explicit ImageStore(std::string dir, ProcessRunner& runner = RealProcessRunner());

  // Creates the directory (0755) if missing and deletes what an interrupted import or removal left.
  Status Open();

  Result<ImportResult> Import(const std::string& artifact_path, const ImportOptions& options = {});
  // Every image directory, sorted by id; a directory whose manifest is unreadable is listed with
  // `problem` set rather than hidden.
  Result<std::vector<ImageInfo>> List();
  Result<ImageInfo> Get(const std::string& id);
  Status Remove(const std::string& id, const ImageUsers& users);
  // Remove() in two steps, for a caller that must not wait: Retire() checks the users and renames the
  // image away (milliseconds; kUnavailable at once if an import or removal holds the lock), then Open()
  // deletes the retired tree under the lock (seconds for a 38,000-file image).
  Status Retire(const std::string& id, const ImageUsers& users);

  const std::string& dir() const { return dir_; }

 private:
  Status CleanLeftovers();

  std::string dir_;
  ProcessRunner& runner_;
};

// Checks an unpacked image directory against its manifest as Import does (steps 4 without the copy):
// reads and validates manifest.json, recomputes the content digest, checks node and entry. Returns the
// manifest; errors as Import's.
Result<Manifest> VerifyImageDir(const std::string& dir);

// Reads and parses <dir>/manifest.json (a regular file of at most kMaxManifestBytes).
Result<Manifest> ReadManifest(const std::string& dir);

}  // namespace clawhive::images
