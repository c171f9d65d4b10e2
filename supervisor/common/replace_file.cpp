#include "supervisor/common/replace_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "supervisor/common/unique_fd.h"

namespace clawhive {
namespace {

Error OsError(const std::string& what, int err) {
  return Error::Unavailable(what + ": " + std::error_code(err, std::generic_category()).message());
}

std::string Octal(mode_t mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

Status ReplaceFile(const std::string& dir, const std::string& name, mode_t mode,
                   const std::optional<FileOwner>& owner, const FilePieces& pieces) {
  std::string temp = dir + "/." + name + ".XXXXXX";
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (fd.get() < 0) return OsError("cannot make a temporary file in " + dir, errno);
  auto fail = [&](Error e) {
    ::unlink(temp.c_str());
    return e;
  };
  auto fail_os = [&](const std::string& what, int err) { return fail(OsError(what + " " + temp, err)); };
  // Owner and mode before the first byte.
  if (owner && ::fchown(fd.get(), owner->uid, owner->gid) != 0) return fail_os("cannot give away", errno);
  if (::fchmod(fd.get(), mode) != 0) return fail_os("cannot set mode " + Octal(mode) + " on", errno);
  for (;;) {
    Result<std::string_view> piece = pieces();
    if (!piece) return fail(piece.error());
    if (piece->empty()) break;
    for (size_t off = 0; off < piece->size();) {
      ssize_t n = ::write(fd.get(), piece->data() + off, piece->size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_os("cannot write", errno);
      off += static_cast<size_t>(n);
    }
  }
  if (::fsync(fd.get()) != 0) return fail_os("cannot flush", errno);
  if (fd.Close() != 0) return fail_os("cannot close", errno);
  const std::string path = dir + "/" + name;
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail_os("cannot rename (to " + path + ")", errno);
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() >= 0) (void)::fsync(d.get());  // tmpfs needs none; a disk would
  return Status::Ok();
}

Status ReplaceFile(const std::string& dir, const std::string& name, mode_t mode,
                   const std::optional<FileOwner>& owner, std::string_view content) {
  bool given = false;
  return ReplaceFile(dir, name, mode, owner, [&]() -> Result<std::string_view> {
    if (given) return std::string_view();
    given = true;
    return content;
  });
}

}  // namespace clawhive
