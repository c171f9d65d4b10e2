#include "supervisor/tenant/tenant_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>  // struct open_how, RESOLVE_*: glibc 2.36 has no openat2() wrapper
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

namespace clawhive {
namespace {

constexpr uint64_t kResolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

// One component `name` below `dirfd`, never following a symlink, never crossing a mount, never waiting.
int OpenBeneath(int dirfd, const std::string& name, int flags, mode_t mode = 0) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = kResolve;
  long fd;
  do fd = syscall(SYS_openat2, dirfd, name.c_str(), &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  return static_cast<int>(fd);
}

std::string What(mode_t mode) {
  if (S_ISLNK(mode)) return "a symlink";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISREG(mode)) return "a regular file";
  return "not a regular file";
}

Error Refused(const std::string& rel, const std::string& what) { return Error::Conflict(rel + " is " + what + "; refused"); }

// Why opening `name` (shown as `rel`) below `dirfd` failed with `err`, in words. Looks at the entry itself
// (without following it) to say what is there instead of a bare errno; `want_dir` says what was expected.
Error OpenError(int dirfd, const std::string& name, const std::string& rel, int err, bool want_dir) {
  if (err == ENOENT) return Error::NotFound(rel + " does not exist");
  if (err == EXDEV) return Refused(rel, "a mount point (another file system)");
  if (err == ENOSYS) return Error::Unavailable("opening " + rel + ": openat2 is not available (Linux 5.6 or later)");
  struct stat st;
  if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      (S_ISLNK(st.st_mode) || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))))
    return Refused(rel, What(st.st_mode));
  if (err == ELOOP) return Refused(rel, "a symlink");
  return Error::Unavailable("opening " + rel + ": " + strerror(err));
}

// The components of a plain relative path; refuses "", ".", "..", "//" and a leading "/".
Result<std::vector<std::string>> Components(const std::string& rel) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = rel.find('/', start);
    std::string part = rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == ".." || part.find('\0') != std::string::npos)
      return Error::Invalid("'" + rel + "' is not a plain relative path");
    parts.push_back(std::move(part));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

// Opens the directories parts[0..n) one by one below `base_fd`; each must be a real directory.
Result<UniqueFd> WalkDirs(int base_fd, const std::vector<std::string>& parts, size_t n) {
  UniqueFd cur(fcntl(base_fd, F_DUPFD_CLOEXEC, 0));
  if (cur.get() < 0) return Error::Unavailable(std::string("dup: ") + strerror(errno));
  for (size_t i = 0; i < n; ++i) {
    int fd = OpenBeneath(cur.get(), parts[i], O_RDONLY | O_DIRECTORY);
    if (fd < 0) return OpenError(cur.get(), parts[i], Join(parts, i + 1), errno, true);
    cur.reset(fd);
  }
  return cur;
}

Status WriteAll(int fd, const std::string& content, const std::string& what) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Unavailable("writing " + what + ": " + strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string RandomSuffix() {
  unsigned char b[8] = {};
  if (getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) {
    static unsigned counter = 0;
    std::memcpy(b, &++counter, sizeof counter);
  }
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) s += std::string{hex[c >> 4], hex[c & 15]};
  return s;
}

// One pass of RemoveTree: the base's descriptor and device, the first error, and how many subtrees too
// deep for this pass were moved up to the base for the next one.
struct Removal {
  int base_fd;
  dev_t dev;
  Status status;
  size_t moved = 0;
  void Note(Status s) {
    if (status.ok() && !s.ok()) status = std::move(s);
  }
};

// Removes everything below the directory `dirfd` (shown as `rel`), `depth` levels below the base.
void RemoveBelow(int dirfd, const std::string& rel, int depth, Removal& errors) {
  std::vector<std::string> names;
  {
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    DIR* d = fd < 0 ? nullptr : fdopendir(fd);
    if (!d) {
      if (fd >= 0) close(fd);
      errors.Note(Error::Unavailable("listing " + (rel.empty() ? "." : rel) + ": " + strerror(errno)));
      return;
    }
    rewinddir(d);  // a dup shares its offset with `dirfd`, which an earlier pass may have read to the end
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    closedir(d);
  }
  for (const std::string& name : names) {
    std::string sub = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) errors.Note(Error::Unavailable("looking at " + sub + ": " + strerror(errno)));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      // A symlink, FIFO, device or (hard-linked) file: the entry goes, whatever it points to stays.
      if (unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT)
        errors.Note(errno == EBUSY ? Error::Conflict(sub + " is a mount point; not removed")
                                   : Error::Unavailable("removing " + sub + ": " + strerror(errno)));
      continue;
    }
    if (st.st_dev != errors.dev) {
      errors.Note(Error::Conflict(sub + " is a mount point (another file system); not removed"));
      continue;
    }
    if (depth >= TenantDir::kMaxRemoveDepth) {
      // One descriptor per level: a deeper subtree moves up to the base and goes in the next pass.
      std::string up = ".clawhive-removing-" + RandomSuffix();
      if (renameat(dirfd, name.c_str(), errors.base_fd, up.c_str()) == 0) ++errors.moved;
      else if (errno != ENOENT) errors.Note(Error::Unavailable("moving " + sub + " up: " + strerror(errno)));
      continue;
    }
    UniqueFd child(OpenBeneath(dirfd, name, O_RDONLY | O_DIRECTORY));
    if (child.get() < 0) {
      int err = errno;
      if (err == ENOENT) continue;
      if (err == ELOOP || err == ENOTDIR) {  // swapped for a symlink or file since the look: remove the entry
        if (unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT)
          errors.Note(Error::Unavailable("removing " + sub + ": " + strerror(errno)));
      } else if (err == EXDEV) {
        errors.Note(Error::Conflict(sub + " is a mount point; not removed"));
      } else {
        errors.Note(Error::Unavailable("opening " + sub + ": " + strerror(err)));
      }
      continue;
    }
    struct stat cst;
    if (fstat(child.get(), &cst) != 0 || cst.st_dev != errors.dev) {
      errors.Note(Error::Conflict(sub + " is a mount point (another file system); not removed"));
      continue;
    }
    RemoveBelow(child.get(), sub, depth + 1, errors);
    child.reset();
    if (unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
      errors.Note(errno == EBUSY ? Error::Conflict(sub + " is a mount point; not removed")
                                 : Error::Unavailable("removing " + sub + ": " + strerror(errno)));
  }
}

Status CheckBase(const std::string& base) {
  if (base.size() < 2 || base[0] != '/' || base.back() == '/' || base.find("/../") != std::string::npos ||
      base.find("/./") != std::string::npos || base.ends_with("/..") || base.ends_with("/."))
    return Error::Invalid("'" + base + "' is not an absolute path of a tenant's directory");
  return Status::Ok();
}

}  // namespace

Result<TenantDir> TenantDir::Open(const std::string& base) {
  if (Status s = CheckBase(base); !s) return s.error();
  // The base's parent (tenants_dir) is root's: the path up to it is trusted; the base must not be a link.
  int fd = open(base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Error::NotFound(base + " does not exist");
    struct stat st;
    if (lstat(base.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return Refused(base, What(st.st_mode));
    return Error::Unavailable("opening " + base + ": " + strerror(err));
  }
  return TenantDir(UniqueFd(fd), base);
}

Result<TenantDir> TenantDir::OpenOrCreate(const std::string& base, const FileOwnership& owner) {
  Result<TenantDir> dir = Open(base);
  if (dir.ok() || dir.error().code != ErrorCode::kNotFound) return dir;
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(base).parent_path();
  std::filesystem::create_directories(parent, ec);
  if (ec) return Error::Unavailable("creating " + parent.string() + ": " + ec.message());
  bool made = mkdir(base.c_str(), 0700) == 0;
  if (!made && errno != EEXIST) return Error::Unavailable("creating " + base + ": " + strerror(errno));
  dir = Open(base);
  if (!dir || !made) return dir;
  if (fchown(dir->fd_.get(), owner.uid, owner.gid) != 0 || fchmod(dir->fd_.get(), owner.mode) != 0)
    return Error::Unavailable("setting owner and mode of " + base + ": " + strerror(errno));
  return dir;
}

Result<std::string> TenantDir::ReadFile(const std::string& rel, size_t max_bytes) const {
  auto parts = Components(rel);
  if (!parts) return parts.error();
  auto dir = WalkDirs(fd_.get(), *parts, parts->size() - 1);
  if (!dir) return dir.error();
  UniqueFd fd(OpenBeneath(dir->get(), parts->back(), O_RDONLY));
  if (fd.get() < 0) return OpenError(dir->get(), parts->back(), rel, errno, false);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::Unavailable("looking at " + rel + ": " + strerror(errno));
  if (!S_ISREG(st.st_mode)) return Refused(rel, What(st.st_mode));
  if (st.st_nlink > 1) return Error::Conflict(rel + " has " + std::to_string(st.st_nlink) + " hard links; refused");
  Error too_large{ErrorCode::kTooLarge, rel + " is larger than " + std::to_string(max_bytes) + " bytes; refused"};
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large;
  // At most max_bytes + 1: a file that grew since the fstat is caught without reading all of it.
  std::string out(max_bytes + 1, '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Unavailable("reading " + rel + ": " + strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > max_bytes) return too_large;
  out.resize(got);
  return out;
}

Status TenantDir::WriteFile(const std::string& rel, const std::string& content, const FileOwnership& owner) const {
  auto parts = Components(rel);
  if (!parts) return parts.error();
  auto dir = WalkDirs(fd_.get(), *parts, parts->size() - 1);
  if (!dir) return dir.error();
  const std::string& name = parts->back();
  std::string tmp;
  UniqueFd fd;
  for (int attempt = 0; attempt < 8 && fd.get() < 0; ++attempt) {
    tmp = "." + name + ".clawhive-" + RandomSuffix();
    fd.reset(OpenBeneath(dir->get(), tmp, O_WRONLY | O_CREAT | O_EXCL, 0600));
    if (fd.get() < 0 && errno != EEXIST) return Error::Unavailable("creating a temp file for " + rel + ": " + strerror(errno));
  }
  if (fd.get() < 0) return Error::Unavailable("creating a temp file for " + rel + ": every name was taken");
  auto fail = [&](Error e) -> Status {
    fd.reset();
    unlinkat(dir->get(), tmp.c_str(), 0);
    return e;
  };
  if (Status s = WriteAll(fd.get(), content, rel); !s) return fail(s.error());
  // Through the descriptor: the tenant may rename entries in its directory, but not swap our inode.
  if (fchown(fd.get(), owner.uid, owner.gid) != 0 || fchmod(fd.get(), owner.mode) != 0)
    return fail(Error::Unavailable("setting owner and mode of " + rel + ": " + strerror(errno)));
  if (fsync(fd.get()) != 0 || fd.Close() != 0) return fail(Error::Unavailable("flushing " + rel + ": " + strerror(errno)));
  if (renameat(dir->get(), tmp.c_str(), dir->get(), name.c_str()) != 0) {
    int err = errno;
    struct stat st;
    if ((err == EISDIR || err == ENOTEMPTY || err == EEXIST || err == EBUSY) &&
        fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
      return fail(Refused(rel, err == EBUSY ? "a mount point" : What(st.st_mode)));
    return fail(Error::Unavailable("renaming the temp file to " + rel + ": " + strerror(err)));
  }
  (void)fsync(dir->get());  // the rename itself survives a crash
  return Status::Ok();
}

Status TenantDir::MakeDir(const std::string& rel, const FileOwnership& owner) const {
  auto parts = Components(rel);
  if (!parts) return parts.error();
  UniqueFd cur(fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (cur.get() < 0) return Error::Unavailable(std::string("dup: ") + strerror(errno));
  for (size_t i = 0; i < parts->size(); ++i) {
    const std::string& name = (*parts)[i];
    std::string sub = Join(*parts, i + 1);
    bool made = false;
    int fd = OpenBeneath(cur.get(), name, O_RDONLY | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT) {
      if (mkdirat(cur.get(), name.c_str(), 0700) == 0) made = true;
      else if (errno != EEXIST) return Error::Unavailable("creating " + sub + ": " + strerror(errno));
      fd = OpenBeneath(cur.get(), name, O_RDONLY | O_DIRECTORY);
    }
    if (fd < 0) return OpenError(cur.get(), name, sub, errno, true);
    cur.reset(fd);
    if (made && (fchown(fd, owner.uid, owner.gid) != 0 || fchmod(fd, owner.mode) != 0))
      return Error::Unavailable("setting owner and mode of " + sub + ": " + strerror(errno));
  }
  return Status::Ok();
}

Status TenantDir::RemoveTree(const std::string& base) {
  if (Status s = CheckBase(base); !s) return s;
  std::filesystem::path p(base);
  std::string parent = p.parent_path().string(), name = p.filename().string();
  UniqueFd pfd(open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (pfd.get() < 0) {
    if (errno == ENOENT) return Status::Ok();
    return Error::Unavailable("opening " + parent + ": " + strerror(errno));
  }
  UniqueFd fd(OpenBeneath(pfd.get(), name, O_RDONLY | O_DIRECTORY));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::Ok();
    return OpenError(pfd.get(), name, base, errno, true);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Error::Unavailable("looking at " + base + ": " + strerror(errno));
  // Passes until nothing was moved up; each removes kMaxRemoveDepth levels of the deepest chain.
  Removal errors{.base_fd = fd.get(), .dev = st.st_dev, .status = Status::Ok()};
  do {
    errors.moved = 0;
    RemoveBelow(fd.get(), "", 0, errors);
  } while (errors.moved > 0 && errors.status.ok());
  fd.reset();
  if (!errors.status.ok()) return Error{errors.status.error().code, base + ": " + errors.status.error().message};
  if (unlinkat(pfd.get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return Error::Unavailable("removing " + base + ": " + strerror(errno));
  return Status::Ok();
}

}  // namespace clawhive
