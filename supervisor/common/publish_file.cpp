#include "supervisor/common/publish_file.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace clawhive {

Status PublishNewFile(const std::string& temp, const std::string& path, std::string_view what) {
  // link() rather than rename(): rename would silently replace a file that appeared meanwhile.
  const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
  const int err = errno;
  ::unlink(temp.c_str());
  if (linked) return Status::Ok();
  const std::string name = std::string(what) + " " + path;
  if (err == EEXIST) return Error::Exists(name + " already exists");
  return Error::Unavailable("cannot create " + name + ": " + std::error_code(err, std::generic_category()).message());
}

}  // namespace clawhive
