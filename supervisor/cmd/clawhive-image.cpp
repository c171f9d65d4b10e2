// clawhive-image: makes, checks and imports OpenClaw runtime images (docs/runtime-images.md).
//
//   clawhive-image manifest DIR --name openclaw --version V --node-version N --node REL --entry REL
//                               [--built-at RFC3339]
//       computes DIR's content digest and writes DIR/manifest.json (images/runtime/build uses it)
//   clawhive-image verify DIR
//       checks an unpacked image (a build tree or an imported one) against its manifest
//   clawhive-image import ARTIFACT [--store DIR] [--sha256 HEX]
//       verifies and installs an artifact into the store (default /var/lib/clawhive-images)
//   clawhive-image list [--store DIR]
//
// Removing an image is the supervisor's job (it knows which tenants use which image): ImageStore::Remove.
// Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 bad usage.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "supervisor/images/content_digest.h"
#include "supervisor/images/image_store.h"
#include "supervisor/images/manifest.h"

namespace {

using namespace clawhive;
using namespace clawhive::images;

constexpr const char* kUsage =
    "usage: clawhive-image manifest DIR --name NAME --version V --node-version N --node REL --entry REL [--built-at T]\n"
    "       clawhive-image verify DIR\n"
    "       clawhive-image import ARTIFACT [--store DIR] [--sha256 HEX]\n"
    "       clawhive-image list [--store DIR]\n";

int Usage(const std::string& why = "") {
  if (!why.empty()) std::fprintf(stderr, "clawhive-image: %s\n", why.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

int Fail(const Error& e) {
  std::fprintf(stderr, "clawhive-image: %s\n", e.message.c_str());
  return 1;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double Mb(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

// Positional arguments and --key value options; every option takes a value and may appear once.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
};

Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& allowed) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      args.positional.push_back(a);
      continue;
    }
    std::string key = a.substr(2), value;
    if (size_t eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Error::Invalid("--" + key + " needs a value");
    }
    bool ok = false;
    for (const std::string& k : allowed) ok = ok || k == key;
    if (!ok) return Error::Invalid("unknown option --" + key);
    if (!args.options.emplace(key, value).second) return Error::Invalid("--" + key + " given twice");
  }
  return args;
}

std::string NowRfc3339() {
  std::time_t t = std::time(nullptr);
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH")) t = static_cast<std::time_t>(std::strtoll(sde, nullptr, 10));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status WriteFileAtomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Error::Unavailable("creating " + tmp);
  fchmod(fd, 0644);
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = fsync(fd) == 0 && ok;
  ok = close(fd) == 0 && ok;
  if (ok) ok = rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    unlink(tmp.c_str());
    return Error::Unavailable("writing " + path);
  }
  return Status::Ok();
}

int CmdManifest(int argc, char** argv) {
  Result<Args> args = ParseArgs(argc, argv, 2, {"name", "version", "node-version", "node", "entry", "built-at"});
  if (!args) return Usage(args.error().message);
  if (args->positional.size() != 1) return Usage("manifest takes one DIR");
  for (const char* k : {"name", "version", "node-version", "node", "entry"})
    if (!args->options.count(k)) return Usage(std::string("manifest needs --") + k);
  const std::string dir = args->positional[0];
  Manifest m;
  m.name = args->options["name"];
  m.version = args->options["version"];
  m.node_version = args->options["node-version"];
  m.node = args->options["node"];
  m.entry = args->options["entry"];
  m.built_at = args->options.count("built-at") ? args->options["built-at"] : NowRfc3339();
  m.content_sha256 = std::string(64, '0');  // placeholder: validate the rest before the long digest
  if (Status s = ValidateManifest(m); !s) return Fail(s.error());
  auto t0 = std::chrono::steady_clock::now();
  Result<TreeDigest> digest = DigestTree(dir);
  if (!digest) return Fail(digest.error());
  m.content_sha256 = digest->sha256;
  m.files = digest->files;
  m.bytes = digest->bytes;
  if (Status s = WriteFileAtomic(dir + "/manifest.json", SerializeManifest(m)); !s) return Fail(s.error());
  // The node and entry checks need the manifest in place: verify as an importer will.
  Result<Manifest> checked = VerifyImageDir(dir);
  if (!checked) return Fail(checked.error());
  std::printf("%s content_sha256 %s, %llu files, %.1f MB, digest %.2f s\n", m.Id().c_str(), m.content_sha256.c_str(),
              static_cast<unsigned long long>(m.files), Mb(m.bytes), Since(t0));
  return 0;
}

int CmdVerify(int argc, char** argv) {
  Result<Args> args = ParseArgs(argc, argv, 2, {});
  if (!args) return Usage(args.error().message);
  if (args->positional.size() != 1) return Usage("verify takes one DIR");
  auto t0 = std::chrono::steady_clock::now();
  Result<Manifest> m = VerifyImageDir(args->positional[0]);
  if (!m) return Fail(m.error());
  std::printf("ok %s content_sha256 %s, %llu files, %.1f MB, %.2f s\n", m->Id().c_str(), m->content_sha256.c_str(),
              static_cast<unsigned long long>(m->files), Mb(m->bytes), Since(t0));
  return 0;
}

int CmdImport(int argc, char** argv) {
  Result<Args> args = ParseArgs(argc, argv, 2, {"store", "sha256"});
  if (!args) return Usage(args.error().message);
  if (args->positional.size() != 1) return Usage("import takes one ARTIFACT");
  ImageStore store(args->options.count("store") ? args->options["store"] : kDefaultImageDir);
  ImportOptions options;
  if (args->options.count("sha256")) options.expected_sha256 = args->options["sha256"];
  auto t0 = std::chrono::steady_clock::now();
  Result<ImportResult> r = store.Import(args->positional[0], options);
  if (!r) return Fail(r.error());
  if (r->already_present) {
    std::printf("%s is already in %s with the same content\n", r->image.id.c_str(), store.dir().c_str());
  } else {
    std::printf("imported %s into %s (%llu files, %.1f MB on disk) in %.2f s\n", r->image.id.c_str(),
                r->image.path.c_str(), static_cast<unsigned long long>(r->image.manifest.files),
                Mb(r->image.disk_bytes), Since(t0));
  }
  return 0;
}

int CmdList(int argc, char** argv) {
  Result<Args> args = ParseArgs(argc, argv, 2, {"store"});
  if (!args) return Usage(args.error().message);
  if (!args->positional.empty()) return Usage("list takes no arguments");
  ImageStore store(args->options.count("store") ? args->options["store"] : kDefaultImageDir);
  Result<std::vector<ImageInfo>> images = store.List();
  if (!images) return Fail(images.error());
  std::printf("%-32s %-10s %7s %9s  %-20s %s\n", "ID", "NODE", "FILES", "DISK_MB", "BUILT", "CONTENT_SHA256");
  for (const ImageInfo& i : *images) {
    if (!i.problem.empty()) {
      std::printf("%-32s unusable: %s\n", i.id.c_str(), i.problem.c_str());
      continue;
    }
    std::printf("%-32s %-10s %7llu %9.1f  %-20s %.16s\n", i.id.c_str(), i.manifest.node_version.c_str(),
                static_cast<unsigned long long>(i.manifest.files), Mb(i.disk_bytes), i.manifest.built_at.c_str(),
                i.manifest.content_sha256.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string verb = argv[1];
  if (verb == "manifest") return CmdManifest(argc, argv);
  if (verb == "verify") return CmdVerify(argc, argv);
  if (verb == "import") return CmdImport(argc, argv);
  if (verb == "list") return CmdList(argc, argv);
  if (verb == "-h" || verb == "--help" || verb == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return Usage("unknown command " + verb);
}
