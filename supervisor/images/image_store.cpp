#include "supervisor/images/image_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <utility>

#include "supervisor/common/unique_fd.h"
#include "supervisor/images/content_digest.h"

namespace clawhive::images {
namespace {

constexpr size_t kMaxListing = 64u << 20;  // `tar -t` of the OpenClaw image prints ~3 MB
constexpr const char* kStagingPrefix = ".staging-";
constexpr const char* kRemovingPrefix = ".removing-";

Error Errno(const std::string& what) {
  int e = errno;
  if (e == ENOENT) return Error::NotFound(what + ": " + strerror(e));
  return Error::Unavailable(what + ": " + strerror(e));
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

using Fd = UniqueFd;

// flock() on <dir>/.lock for the life of the object: one importer or remover per store, any process.
class StoreLock {
 public:
  // `wait` false: kUnavailable at once when another import or removal holds the lock.
  static Result<std::unique_ptr<StoreLock>> Take(const std::string& dir, bool wait = true) {
    std::string path = dir + "/.lock";
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Errno("opening " + path);
    auto lock = std::unique_ptr<StoreLock>(new StoreLock(fd));
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
      if (errno == EWOULDBLOCK && !wait)
        return Error::Unavailable("the image store is busy (an import or a removal is in progress); try again");
      if (errno != EINTR) return Errno("locking " + path);
    }
    return lock;
  }

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  Fd fd_;
};

Status FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("opening " + dir);
  Fd guard(fd);
  if (fsync(fd) != 0) return Errno("fsync " + dir);
  return Status::Ok();
}

// nftw has no user pointer: these walks run under the store lock or on a private tree, one at a time
// per thread.
thread_local bool t_chown_root = false;
thread_local int t_walk_errno = 0;
thread_local std::string t_walk_path;
thread_local uint64_t t_blocks = 0;
thread_local std::set<std::pair<dev_t, ino_t>>* t_seen = nullptr;

int MakeWritable(const char* path, const struct stat* st, int flag, FTW*) {
  if (flag == FTW_D || flag == FTW_DNR) {
    if (chmod(path, (st->st_mode & 0777) | 0700) != 0 && errno != ENOENT) {
      t_walk_errno = errno;
      t_walk_path = path;
      return 1;
    }
  }
  return 0;
}

int MakeReadOnly(const char* path, const struct stat* st, int flag, FTW*) {
  if (flag == FTW_NS || flag == FTW_DNR) {
    t_walk_errno = errno ? errno : EACCES;
    t_walk_path = path;
    return 1;
  }
  if (t_chown_root && (st->st_uid != 0 || st->st_gid != 0) && lchown(path, 0, 0) != 0) {
    t_walk_errno = errno;
    t_walk_path = path;
    return 1;
  }
  if (flag == FTW_SL) return 0;  // a symlink's own mode means nothing
  mode_t mode = NormalizedMode(flag == FTW_DP, st->st_mode);
  if (chmod(path, mode) != 0) {
    t_walk_errno = errno;
    t_walk_path = path;
    return 1;
  }
  return 0;
}

int AddBlocks(const char*, const struct stat* st, int, FTW*) {
  if (st->st_nlink > 1 && !S_ISDIR(st->st_mode) && !t_seen->insert({st->st_dev, st->st_ino}).second) return 0;
  t_blocks += static_cast<uint64_t>(st->st_blocks) * 512;
  return 0;
}

// Deletes a tree that may be read-only (an image, a half-made staging copy) without following symlinks.
Status ForceRemoveTree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return errno == ENOENT ? Status::Ok() : Status(Errno("stat " + path));
  if (S_ISDIR(st.st_mode)) {
    t_walk_errno = 0;
    if (nftw(path.c_str(), MakeWritable, 32, FTW_PHYS) != 0)
      return Error::Unavailable("making " + t_walk_path + " writable: " + strerror(t_walk_errno ? t_walk_errno : errno));
  }
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Error::Unavailable("removing " + path + ": " + ec.message());
  return Status::Ok();
}

Status NormalizeTree(const std::string& root) {
  t_chown_root = geteuid() == 0;
  t_walk_errno = 0;
  if (nftw(root.c_str(), MakeReadOnly, 32, FTW_PHYS | FTW_DEPTH) != 0)
    return Error::Unavailable("making " + t_walk_path + " read-only: " + strerror(t_walk_errno ? t_walk_errno : errno));
  return Status::Ok();
}

uint64_t DiskBytes(const std::string& root) {
  std::set<std::pair<dev_t, ino_t>> seen;
  t_seen = &seen;
  t_blocks = 0;
  (void)nftw(root.c_str(), AddBlocks, 32, FTW_PHYS);
  t_seen = nullptr;
  return t_blocks;
}

// `rel` (validated by the manifest) must be reached through real directories and be a regular file.
Status CheckContentFile(const std::string& root, std::string_view field, const std::string& rel, bool executable) {
  std::string path = root;
  size_t start = 0;
  while (true) {
    size_t end = rel.find('/', start);
    bool last = end == std::string::npos;
    path += "/" + rel.substr(start, last ? std::string::npos : end - start);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0)
      return Error::Invalid("manifest field '" + std::string(field) + "': the image has no " + rel);
    if (!last && !S_ISDIR(st.st_mode))
      return Error::Invalid("manifest field '" + std::string(field) + "': " + rel + " is not reached through directories only");
    if (last) {
      if (!S_ISREG(st.st_mode))
        return Error::Invalid("manifest field '" + std::string(field) + "': " + rel + " is not a regular file");
      if (executable && (st.st_mode & 0111) == 0)
        return Error::Invalid("manifest field '" + std::string(field) + "': " + rel + " is not executable");
      return Status::Ok();
    }
    start = end + 1;
  }
}

// Refuses absolute names and ".." components among `tar -tP` names (one per line, tar's own escaping);
// returns the name of the one top-level manifest member.
Result<std::string> CheckListing(const std::string& listing) {
  std::string manifest;
  size_t start = 0;
  while (start < listing.size()) {
    size_t end = listing.find('\n', start);
    if (end == std::string::npos) end = listing.size();
    std::string name = listing.substr(start, end - start);
    start = end + 1;
    if (name.empty()) continue;
    if (name[0] == '/') return Error::Invalid("artifact member " + name.substr(0, 200) + " has an absolute path");
    size_t s = 0;
    while (s <= name.size()) {
      size_t e = name.find('/', s);
      if (e == std::string::npos) e = name.size();
      if (name.compare(s, e - s, "..") == 0 && e - s == 2)
        return Error::Invalid("artifact member " + name.substr(0, 200) + " has a '..' component");
      s = e + 1;
    }
    if (name == "manifest.json" || name == "./manifest.json") {
      if (!manifest.empty()) return Error::Invalid("artifact has more than one manifest.json");
      manifest = name;
    }
  }
  if (manifest.empty()) return Error::Invalid("artifact has no manifest.json at its top");
  return manifest;
}

Error TarFailed(const std::string& what, const ProcessOutput& out) {
  return Error::Invalid(what + " failed (tar exit " + std::to_string(out.exit_code) + "): " + out.err.substr(0, 1000));
}

Status CheckDigest(const std::string& dir, const Manifest& m) {
  Result<TreeDigest> digest = DigestTree(dir);
  if (!digest) return digest.error();
  if (digest->sha256 != m.content_sha256)
    return Error::Invalid("content digest mismatch: manifest.json says " + m.content_sha256 + ", the content is " +
                          digest->sha256);
  if (digest->files != m.files || digest->bytes != m.bytes)
    return Error::Invalid("manifest.json says " + std::to_string(m.files) + " files of " + std::to_string(m.bytes) +
                          " bytes, the content has " + std::to_string(digest->files) + " files of " +
                          std::to_string(digest->bytes) + " bytes");
  if (Status s = CheckContentFile(dir, "node", m.node, true); !s) return s;
  return CheckContentFile(dir, "entry", m.entry, false);
}

}  // namespace

Result<Manifest> ReadManifest(const std::string& dir) {
  std::string path = dir + "/manifest.json";
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) return Error::Invalid(dir + " has no manifest.json");
    if (errno == ELOOP) return Error::Invalid(path + " is a symlink");
    return Errno("opening " + path);
  }
  Fd guard(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return Errno("stat " + path);
  if (!S_ISREG(st.st_mode)) return Error::Invalid(path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxManifestBytes)
    return Error::Invalid(path + " is larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("reading " + path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return ParseManifest(text);
}

Result<Manifest> VerifyImageDir(const std::string& dir) {
  Result<Manifest> m = ReadManifest(dir);
  if (!m) return m.error();
  if (Status s = CheckDigest(dir, *m); !s) return s.error();
  return m;
}

ImageStore::ImageStore(std::string dir, ProcessRunner& runner) : dir_(std::move(dir)), runner_(runner) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

Status ImageStore::Open() {
  struct stat st;
  if (lstat(dir_.c_str(), &st) != 0) {
    if (errno != ENOENT) return Errno("stat " + dir_);
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return Error::Unavailable("creating " + dir_ + ": " + ec.message());
    if (chmod(dir_.c_str(), 0755) != 0) return Errno("chmod " + dir_);
  } else if (!S_ISDIR(st.st_mode)) {
    return Error::Unavailable(dir_ + " is not a directory");
  }
  Result<std::unique_ptr<StoreLock>> lock = StoreLock::Take(dir_);
  if (!lock) return lock.error();
  return CleanLeftovers();
}

Status ImageStore::CleanLeftovers() {
  DIR* d = opendir(dir_.c_str());
  if (!d) return Errno("opening " + dir_);
  std::vector<std::string> stale;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (StartsWith(name, kStagingPrefix) || StartsWith(name, kRemovingPrefix)) stale.push_back(name);
  }
  closedir(d);
  for (const std::string& name : stale)
    if (Status s = ForceRemoveTree(dir_ + "/" + name); !s) return s;
  return Status::Ok();
}

Result<ImportResult> ImageStore::Import(const std::string& artifact, const ImportOptions& options) {
  struct stat ast;
  if (stat(artifact.c_str(), &ast) != 0) return Errno("artifact " + artifact);
  if (!S_ISREG(ast.st_mode)) return Error::Invalid("artifact " + artifact + " is not a regular file");
  if (Status s = Open(); !s) return s.error();
  if (options.expected_sha256) {
    if (Status s = ValidateSha256Hex("expected sha256", *options.expected_sha256); !s)
      return Error::Invalid("expected sha256 must be 64 lowercase hex digits");
    Result<std::string> sum = Sha256File(artifact);
    if (!sum) return sum.error();
    if (*sum != *options.expected_sha256)
      return Error::Invalid("artifact sha256 mismatch: expected " + *options.expected_sha256 + ", the file is " + *sum);
  }
  Result<ProcessOutput> listing = runner_.Run({"tar", "-t", "-P", "-f", artifact}, kMaxListing);
  if (!listing) return listing.error();
  if (listing->exit_code != 0) return TarFailed("listing " + artifact, *listing);
  Result<std::string> manifest_member = CheckListing(listing->out);
  if (!manifest_member) return manifest_member.error();
  // The manifest alone first: a bad one is refused, and an image already here is recognised, without
  // unpacking anything.
  Result<ProcessOutput> shown =
      runner_.Run({"tar", "-x", "-O", "--occurrence=1", "-f", artifact, *manifest_member}, kMaxManifestBytes);
  if (!shown && shown.error().code == ErrorCode::kTooLarge)
    return Error::Invalid("manifest.json in " + artifact + " is larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  if (!shown) return shown.error();
  if (shown->exit_code != 0) return TarFailed("reading manifest.json from " + artifact, *shown);
  Result<Manifest> claimed = ParseManifest(shown->out);
  if (!claimed) return claimed.error();

  Result<std::unique_ptr<StoreLock>> lock = StoreLock::Take(dir_);
  if (!lock) return lock.error();
  if (Status s = CleanLeftovers(); !s) return s.error();
  ImportResult result;
  result.image.id = claimed->Id();
  result.image.path = dir_ + "/" + result.image.id;
  result.image.manifest = *claimed;
  struct stat st;
  if (lstat(result.image.path.c_str(), &st) == 0) {
    Result<Manifest> existing = ReadManifest(result.image.path);
    if (!existing) return Error::Unavailable("image " + result.image.id + " exists but " + existing.error().message);
    if (existing->content_sha256 != claimed->content_sha256)
      return Error::Exists("image " + result.image.id + " already exists with other content (" +
                           existing->content_sha256 + "); remove it first or give this build another version");
    result.image.manifest = *existing;
    result.image.disk_bytes = DiskBytes(result.image.path);
    result.already_present = true;
    return result;
  } else if (errno != ENOENT) {
    return Errno("stat " + result.image.path);
  }

  std::string tmpl = dir_ + "/" + kStagingPrefix + "XXXXXX";
  if (!mkdtemp(tmpl.data())) return Errno("creating a staging directory in " + dir_);
  const std::string staging = tmpl;
  struct Cleanup {
    const std::string& path;
    bool armed = true;
    ~Cleanup() {
      if (armed) (void)ForceRemoveTree(path);
    }
  } cleanup{staging};

  Result<ProcessOutput> x = runner_.Run({"tar", "-x", "-f", artifact, "-C", staging, "--no-same-owner"}, 64 * 1024);
  if (!x) return x.error();
  if (x->exit_code != 0) return TarFailed("extracting " + artifact, *x);
  Result<Manifest> manifest = VerifyImageDir(staging);
  if (!manifest) return manifest.error();
  if (manifest->Id() != claimed->Id() || manifest->content_sha256 != claimed->content_sha256)
    return Error::Invalid("artifact " + artifact + " changed while it was being imported");
  result.image.manifest = *manifest;

  if (Status s = NormalizeTree(staging); !s) return s.error();
  {
    int fd = open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Errno("opening " + staging);
    Fd guard(fd);
    if (syncfs(fd) != 0) return Errno("syncfs " + staging);
  }
  if (rename(staging.c_str(), result.image.path.c_str()) != 0) return Errno("renaming " + staging + " to " + result.image.path);
  cleanup.armed = false;
  if (Status s = FsyncDir(dir_); !s) return s.error();
  result.image.disk_bytes = DiskBytes(result.image.path);
  return result;
}

Result<ImageInfo> ImageStore::Get(const std::string& id) {
  if (Status s = ValidateImageId(id); !s) return s.error();
  ImageInfo info;
  info.id = id;
  info.path = dir_ + "/" + id;
  struct stat st;
  if (lstat(info.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Error::NotFound("no image " + id + " in " + dir_);
    return Errno("stat " + info.path);
  }
  if (!S_ISDIR(st.st_mode)) return Error::Unavailable(info.path + " is not a directory");
  Result<Manifest> m = ReadManifest(info.path);
  if (!m) return m.error();
  if (m->Id() != id) return Error::Invalid(info.path + "/manifest.json names image " + m->Id());
  info.manifest = *m;
  return info;
}

Result<std::vector<ImageInfo>> ImageStore::List() {
  std::vector<ImageInfo> out;
  DIR* d = opendir(dir_.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return Errno("opening " + dir_);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    ImageInfo info;
    info.id = name;
    info.path = dir_ + "/" + name;
    struct stat st;
    if (lstat(info.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;  // gone meanwhile, or a stray file
    if (Status s = ValidateImageId(name); !s) {
      info.problem = s.error().message;
    } else if (Result<Manifest> m = ReadManifest(info.path); !m) {
      info.problem = m.error().message;
    } else if (m->Id() != name) {
      info.problem = "manifest.json names image " + m->Id();
    } else {
      info.manifest = *m;
    }
    info.disk_bytes = DiskBytes(info.path);
    out.push_back(std::move(info));
  }
  return out;
}

Status ImageStore::Remove(const std::string& id, const ImageUsers& users) {
  if (Status s = Retire(id, users); !s) return s;
  return Open();  // deletes it, under the lock
}

Status ImageStore::Retire(const std::string& id, const ImageUsers& users) {
  if (Status s = ValidateImageId(id); !s) return s;
  Result<std::unique_ptr<StoreLock>> lock = StoreLock::Take(dir_, /*wait=*/false);
  if (!lock) return lock.error();
  std::string path = dir_ + "/" + id;
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Error::NotFound("no image " + id + " in " + dir_);
    return Errno("stat " + path);
  }
  std::vector<std::string> tenants = users ? users(id) : std::vector<std::string>{};
  if (!tenants.empty()) {
    std::sort(tenants.begin(), tenants.end());
    std::string list;
    for (const std::string& t : tenants) list += (list.empty() ? "" : ", ") + t;
    return Error::Conflict("image " + id + " is used by tenant" + (tenants.size() > 1 ? "s " : " ") + list);
  }
  std::string doomed = dir_ + "/" + kRemovingPrefix + id;
  if (rename(path.c_str(), doomed.c_str()) != 0) return Errno("renaming " + path);
  return FsyncDir(dir_);
}

}  // namespace clawhive::images
