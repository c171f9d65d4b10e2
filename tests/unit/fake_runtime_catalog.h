// FakeRuntimeCatalog: OpenClaw runtime images in memory, as the supervisor and the fleet see them
// (where each image's node and openclaw.mjs are). Add() imports one; Remove() takes it away again.
#pragma once

#include <map>
#include <string>

#include "supervisor/openclaw/runtime_catalog.h"

namespace clawhive {

class FakeRuntimeCatalog : public RuntimeCatalog {
 public:
  Result<RuntimeImage> Find(const std::string& id) override {
    ++finds;
    auto it = images.find(id);
    if (it == images.end()) return Error::NotFound("no runtime image '" + id + "'");
    return it->second;
  }

  // An image "<id>" whose version is what follows the last '-' of the id.
  const RuntimeImage& Add(const std::string& id) {
    std::string dir = "/images/" + id;
    images[id] = RuntimeImage{id, id.substr(id.rfind('-') + 1), dir + "/node/bin/node", dir + "/openclaw/openclaw.mjs"};
    return images[id];
  }
  void Remove(const std::string& id) { images.erase(id); }

  std::map<std::string, RuntimeImage> images;
  int finds = 0;
};

}  // namespace clawhive
