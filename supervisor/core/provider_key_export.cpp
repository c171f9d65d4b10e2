#include "supervisor/core/provider_key_export.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "supervisor/common/unique_fd.h"
#include "supervisor/meter/provider_keys.h"

namespace clawhive {
namespace {

Error OsError(const std::string& what, int err) {
  return Error::Unavailable(what + ": " + std::error_code(err, std::generic_category()).message());
}

}  // namespace

Status PosixKeyFileWriter::Replace(const std::string& dir, const std::string& name, std::string_view content,
                                   const meter::Owner& owner) {
  if (Result<bool> made = meter::EnsureOwnedDir(dir, owner); !made) {
    const Error& e = made.error();
    if (e.code != ErrorCode::kInvalidArgument) return e;
    return Error::Invalid(e.message + "; refusing to write provider keys there");
  }

  std::string tmpl = dir + "/." + name + ".XXXXXX";
  UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (fd.get() < 0) return OsError("cannot make a temporary file in " + dir, errno);
  auto fail = [&](const std::string& what, int err) {
    Error e = OsError(what + " " + tmpl, err);
    ::unlink(tmpl.c_str());
    return e;
  };
  // Owner and mode before the first byte: the values never sit in a file someone else could open.
  if (::fchown(fd.get(), owner.uid, owner.gid) != 0) return fail("cannot give away", errno);
  if (::fchmod(fd.get(), 0400) != 0) return fail("cannot set mode 0400 on", errno);
  for (size_t off = 0; off < content.size();) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write", errno);
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot flush", errno);
  if (::close(fd.release()) != 0) return fail("cannot close", errno);
  const std::string path = dir + "/" + name;
  if (::rename(tmpl.c_str(), path.c_str()) != 0) return fail("cannot rename (to " + path + ")", errno);
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() >= 0) (void)::fsync(d.get());  // tmpfs needs none; a disk would
  return Status::Ok();
}

ProviderKeyExport::ProviderKeyExport(Vault& vault, KeyFileWriter& writer, meter::Owner owner, std::string dir)
    : vault_(vault), writer_(writer), owner_(owner), dir_(std::move(dir)), name_(meter::kProviderKeysName) {}

Status ProviderKeyExport::Write() {
  auto keys = vault_.ProviderKeys();
  if (!keys) return Error{keys.error().code, "provider keys: " + keys.error().message};
  SecretValue text = meter::EncodeProviderKeys(*keys);
  if (Status s = writer_.Replace(dir_, name_, text.view(), owner_); !s)
    return Error{s.error().code, "provider keys: " + s.error().message};
  return Status::Ok();
}

}  // namespace clawhive
