#include "installer/runtime.h"

#include <string.h>

#include <algorithm>
#include <vector>

#include "supervisor/images/manifest.h"

namespace clawhive::installer {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string Reinstall() {
  return std::string("reinstall the runtime package: apt-get install --reinstall ") + kRuntimePackage;
}

}  // namespace

std::optional<std::string> ImageIdOfArtifact(const std::string& name) {
  std::string stem;
  for (const char* ext : {".tar.zst", ".tar.gz", ".tar"}) {
    if (EndsWith(name, ext)) {
      stem = name.substr(0, name.size() - std::string(ext).size());
      break;
    }
  }
  if (stem.empty()) return std::nullopt;
  // "-node" followed by the node version (digits and dots) ends the name: the last such split.
  size_t at = stem.rfind("-node");
  if (at == std::string::npos || at == 0) return std::nullopt;
  std::string node = stem.substr(at + 5);
  if (node.empty() || !std::all_of(node.begin(), node.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }))
    return std::nullopt;
  std::string id = stem.substr(0, at);
  if (!images::ValidateImageId(id)) return std::nullopt;
  return id;
}

Result<std::optional<ShippedRuntime>> FindShippedRuntime(System& sys, const Layout& L) {
  std::vector<ShippedRuntime> found;
  for (const std::string& name : sys.List(L(kShippedRuntimeDir))) {
    std::optional<std::string> id = ImageIdOfArtifact(name);
    if (!id) continue;
    std::string path = std::string(kShippedRuntimeDir) + "/" + name;
    if (!sys.Exists(L(path + ".sha256")))
      return Error::NotFound("runtime artifact " + path + " has no checksum file " + name + ".sha256: " + Reinstall());
    found.push_back({path, *id});
  }
  if (found.empty()) return std::optional<ShippedRuntime>();
  // Version order (2026.9.10 after 2026.9.9), as sort -V.
  auto newest = std::max_element(found.begin(), found.end(), [](const ShippedRuntime& a, const ShippedRuntime& b) {
    return ::strverscmp(a.image_id.c_str(), b.image_id.c_str()) < 0;
  });
  return std::optional<ShippedRuntime>(*newest);
}

Status EnsureRuntimeImported(System& sys, const Layout& L, const ShippedRuntime& r, const std::string& images_dir,
                             StepLog& log) {
  Result<std::string> sums = sys.ReadFile(L(r.artifact + ".sha256"));
  if (!sums) return Error::NotFound("cannot read " + r.artifact + ".sha256 (" + sums.error().message + "): " + Reinstall());
  // sha256sum's format: "<64 hex>  <file name>".
  std::string hex = sums->substr(0, std::min(sums->find_first_of(" \t\n"), sums->size()));
  if (!IsHex64(hex))
    return Error::Invalid(r.artifact + ".sha256 is not a sha256sum line (expected 64 hex digits first): " + Reinstall());
  if (!sys.Exists(L(r.artifact)))
    return Error::NotFound("runtime artifact " + r.artifact + " is missing: " + Reinstall());
  if (!sys.Exists(L(kImageTool)))
    return Error::NotFound(std::string(kImageTool) + " is missing (install the clawhive package)");
  Result<ExecResult> run =
      sys.Exec({L(kImageTool), "import", L(r.artifact), "--store", L(images_dir), "--sha256", hex});
  if (!run) return run.error();
  if (run->exit_code != 0)
    return Error::Invalid("importing the runtime image " + r.image_id + " from " + r.artifact +
                          " failed (clawhive-image exit " + std::to_string(run->exit_code) +
                          ", its reason above): a corrupt or truncated artifact fails its checksum; " + Reinstall() +
                          ". An image " + r.image_id + " with other content already in " + images_dir +
                          " is refused: check `clawhive-image list`");
  bool already = run->out.find("already in") != std::string::npos;
  // clawhive-image's own line says how long the import took ("... in 12.3 s"): kept for the admin.
  std::string said = run->out.substr(0, run->out.find('\n'));
  if (already) log.Ok("runtime image " + r.image_id + " (in " + images_dir + ", same content as " + r.artifact + ")");
  else log.Changed("imported", "runtime image " + r.image_id + " from " + r.artifact + " (sha256 and content digest checked): " + said);
  return Status::Ok();
}

Status ImportShippedRuntime(System& sys, const Layout& L, const std::string& images_dir, StepLog& log) {
  Result<std::optional<ShippedRuntime>> shipped = FindShippedRuntime(sys, L);
  if (!shipped) return shipped.error();
  if (!*shipped) return Status::Ok();
  return EnsureRuntimeImported(sys, L, **shipped, images_dir, log);
}

}  // namespace clawhive::installer
