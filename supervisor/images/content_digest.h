// The content digest of a runtime image: one sha256 over a directory tree, so an image's bytes, modes
// and shape can be checked against its manifest after any copy, download or extraction.
//
// Definition (format 1). Walk every entry below `root` (not `root` itself; symlinks are not followed)
// and sort them by relative path, byte-wise (so "a-b" < "a/b" < "a0"). Relative paths use '/' and no
// leading "./". The top-level `manifest.json` is left out (it holds the digest). For each entry append:
//
//   regular file:  "F " path "\0" mode "\0" size "\0" sha256-hex-of-content "\n"
//   symlink:       "L " path "\0" target "\n"
//   directory:     "D " path "\0" mode "\n"
//
// size is decimal, sha256 lowercase hex, mode four octal digits — the mode the image store gives the
// entry, not the one on disk: "0555" for a directory, "0555" for a file with any execute bit, else
// "0444". So the digest of a build tree (0755/0644) equals that of the installed read-only image
// (0555/0444), and it changes when an execute bit does. The digest is the lowercase hex sha256 of the
// whole byte stream.
//
// The walk refuses (kInvalidArgument, naming the path) what an image must not hold: device files,
// sockets, FIFOs; setuid, setgid or sticky bits; names with a newline or a byte below 0x20; symlinks
// with an absolute target or one that leads outside the tree; hard links to files outside the tree
// (a file whose link count is higher than the number of its names inside the tree); more than
// kMaxDepth nested directories. I/O failures are kUnavailable.
//
// Cost: one read of every file (about 1-2 s for the 830 MB OpenClaw image on this box); the entry
// list (~40,000 entries) is held in memory to sort it.
#pragma once

#include <cstdint>
#include <string>

#include "supervisor/common/result.h"

namespace clawhive::images {

struct TreeDigest {
  std::string sha256;   // 64 lowercase hex digits
  uint64_t files = 0;   // regular files
  uint64_t bytes = 0;   // sum of their sizes
  uint64_t dirs = 0;
  uint64_t symlinks = 0;
};

inline constexpr int kMaxDepth = 64;

Result<TreeDigest> DigestTree(const std::string& root);

// sha256 (lowercase hex) of a file's bytes; kNotFound / kUnavailable.
Result<std::string> Sha256File(const std::string& path);

// The mode the image store gives an entry (and the digest records): see the definition above.
uint32_t NormalizedMode(bool is_dir, uint32_t mode);

}  // namespace clawhive::images
