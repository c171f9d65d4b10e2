#include "supervisor/common/send_all.h"

#include <sys/socket.h>

#include <cerrno>

namespace clawhive {

bool SendAll(int fd, std::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace clawhive
