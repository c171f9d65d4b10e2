#include "supervisor/meter/meter_dir.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include <sqlite3.h>

#include "supervisor/common/replace_file.h"
#include "supervisor/common/unique_fd.h"
#include "supervisor/common/sqlite.h"

namespace clawhive::meter {
namespace {

Error OsError(const std::string& what, int err) {
  return Error::Unavailable(what + ": " + std::error_code(err, std::generic_category()).message());
}

bool IsRegular(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Leaves WAL mode (checkpointing the -wal into the file), which SQLite allows only when no other
// connection has the database open.
Status FoldIntoOneFile(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr);
  sqlite::DbHandle db(raw);
  if (rc != SQLITE_OK) return sqlite::ErrorFrom(db.get(), rc, "cannot open " + path + " to move it");
  Result<std::string> mode = sqlite::QueryText(db.get(), "PRAGMA journal_mode = DELETE");
  if (!mode || *mode != "delete")
    return Error::Unavailable("cannot move " + path + ": another process has it open (an older clawhive-proxy? "
                              "stop it, start clawhive-supervisor, then start clawhive-proxy)");
  return Status::Ok();
}

Status CopyInto(const std::string& from, const std::string& dir, const std::optional<Owner>& owner) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (in.get() < 0) return OsError("cannot open " + from, errno);
  char buf[65536];
  return ReplaceFile(dir, kMeterDbName, 0600, owner, [&]() -> Result<std::string_view> {
    for (;;) {
      ssize_t n = ::read(in.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return OsError("cannot read " + from, errno);
      return std::string_view(buf, static_cast<size_t>(n));
    }
  });
}

}  // namespace

std::optional<Owner> LookupUser(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw {};
  passwd* found = nullptr;
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
  return Owner{found->pw_uid, found->pw_gid};
}

Result<bool> EnsureOwnedDir(const std::string& dir, const std::optional<Owner>& owner) {
  bool created = false;
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return OsError("cannot stat " + dir, errno);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return OsError("cannot make " + dir, errno);
    created = true;
  } else if (!S_ISDIR(st.st_mode)) {
    return Error::Invalid(dir + " is not a directory");
  }
  if (::chmod(dir.c_str(), 0700) != 0) return OsError("cannot set mode 0700 on " + dir, errno);
  if (owner && ::lchown(dir.c_str(), owner->uid, owner->gid) != 0)
    return OsError("cannot give " + dir + " to uid " + std::to_string(owner->uid), errno);
  return created;
}

Result<MeterDirOutcome> PrepareMeterDir(const std::string& state_dir, const std::string& meter_dir,
                                        const std::optional<Owner>& owner) {
  MeterDirOutcome out;
  Result<bool> created = EnsureOwnedDir(meter_dir, owner);
  if (!created) return created.error();
  out.created = *created;
  struct stat st {};

  const std::string from = state_dir + "/" + kMeterDbName;
  const std::string to = meter_dir + "/" + kMeterDbName;
  if (from == to || !IsRegular(from) || ::lstat(to.c_str(), &st) == 0) return out;
  // Nobody may have it open while it moves: leaving WAL mode needs every other connection gone (an older
  // clawhive-proxy, as root, would still write to it), and folds the -wal into the file, so one file moves.
  if (Status s = FoldIntoOneFile(from); !s) return s.error();
  ::unlink((from + "-shm").c_str());
  // Given away first, while still in the root-only state directory: a crash between the two steps
  // never leaves root's file in the proxy's directory.
  if (owner && ::lchown(from.c_str(), owner->uid, owner->gid) != 0)
    return OsError("cannot give " + from + " to uid " + std::to_string(owner->uid), errno);
  if (::chmod(from.c_str(), 0600) != 0) return OsError("cannot set mode 0600 on " + from, errno);
  if (::rename(from.c_str(), to.c_str()) != 0) {
    if (errno != EXDEV) return OsError("cannot move " + from + " to " + to, errno);
    // Another mount (systemd bind-mounts the supervisor's StateDirectory= into its namespace): copied to
    // a temp file there, made durable, renamed into place, then the old one removed.
    if (Status s = CopyInto(from, meter_dir, owner); !s) return s.error();
    if (::unlink(from.c_str()) != 0) return OsError("moved, but cannot remove " + from, errno);
  }
  out.moved = true;
  return out;
}

}  // namespace clawhive::meter
