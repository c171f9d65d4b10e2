// RuntimeCatalog: the imported OpenClaw runtime images as the supervisor needs them (where an image's node
// binary and openclaw.mjs are). Real: over the image store (supervisor/images); tests: a fake.
// Implementations are called on the supervisor's loop thread only.
#pragma once

#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive {

struct RuntimeImage {
  std::string id;       // "openclaw-2026.9.6"
  std::string version;  // OpenClaw's version, "2026.9.6"
  std::string node;     // absolute path of the node binary
  std::string entry;    // absolute path of openclaw.mjs
};

class RuntimeCatalog {
 public:
  virtual ~RuntimeCatalog() = default;
  // kNotFound naming the id (and what is imported) when there is no such image.
  virtual Result<RuntimeImage> Find(const std::string& id) = 0;
};

}  // namespace clawhive
