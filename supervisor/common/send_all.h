// Writes a whole buffer to a blocking stream socket. Any thread; the caller owns `fd`.
#pragma once

#include <cstddef>
#include <string_view>

namespace clawhive {

// Sends every byte of `data` (retrying short writes and EINTR) without raising SIGPIPE when the peer has
// gone (MSG_NOSIGNAL). false: the socket failed or was closed on the way (errno says why); how much was
// sent is then unknown, so the caller should give up on the connection.
bool SendAll(int fd, std::string_view data);

}  // namespace clawhive
