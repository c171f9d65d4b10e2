#include "supervisor/systemd/http_prober.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace clawhive {

struct HttpProber::Op {
  HttpProber* self;
  ProbeId id;
  int fd = -1;
  EventSourcePtr io;
  TimerId timeout = 0;
  std::string request;
  size_t sent = 0;
  std::string response;
  std::function<void(bool)> done;
  ~Op() {
    io.reset();
    if (fd >= 0) close(fd);
  }
};

HttpProber::HttpProber(SdEventLoop& loop) : loop_(loop) {}

HttpProber::~HttpProber() {
  for (auto& [id, op] : ops_) loop_.Cancel(op->timeout);
}

ProbeId HttpProber::Probe(const std::string& socket_path, const std::string& path, uint64_t timeout_ms,
                          std::function<void(bool ok)> done) {
  auto op = std::make_unique<Op>();
  op->self = this;
  op->id = next_++;
  op->done = std::move(done);
  op->request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: clawhive-probe\r\n\r\n";
  ProbeId id = op->id;

  op->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  bool failed = op->fd < 0 || socket_path.empty() || socket_path.size() >= sizeof addr.sun_path;
  if (!failed) std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  // A unix connect never blocks on the peer: it succeeds, or fails at once (ENOENT: the socket unit is
  // not up; ECONNREFUSED: a stale file; EAGAIN: the backlog is full, which counts as no answer).
  if (!failed && connect(op->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS)
    failed = true;
  sd_event_source* src = nullptr;
  if (!failed && sd_event_add_io(loop_.event(), &src, op->fd, EPOLLOUT, &HttpProber::OnIo, op.get()) < 0)
    failed = true;
  op->io.reset(src);
  ops_.emplace(id, std::move(op));
  if (failed) {
    // Report asynchronously all the same: callers may rely on "never called from inside Probe()".
    ops_[id]->timeout = loop_.After(0, [this, id] { Finish(id, false); });
  } else {
    ops_[id]->timeout = loop_.After(timeout_ms, [this, id] { Finish(id, false); });
  }
  return id;
}

void HttpProber::Cancel(ProbeId id) {
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  loop_.Cancel(it->second->timeout);
  ops_.erase(it);
}

void HttpProber::Finish(ProbeId id, bool ok) {
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  std::unique_ptr<Op> op = std::move(it->second);
  ops_.erase(it);
  loop_.Cancel(op->timeout);
  auto done = std::move(op->done);
  op.reset();
  if (done) done(ok);
}

int HttpProber::OnIo(sd_event_source* src, int fd, uint32_t revents, void* userdata) {
  auto* op = static_cast<Op*>(userdata);
  HttpProber* self = op->self;
  ProbeId id = op->id;
  if (revents & (EPOLLERR | EPOLLHUP) && !(revents & EPOLLIN)) {
    self->Finish(id, false);
    return 0;
  }
  if (op->sent < op->request.size()) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      self->Finish(id, false);
      return 0;
    }
    ssize_t n = send(fd, op->request.data() + op->sent, op->request.size() - op->sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) self->Finish(id, false);
      return 0;
    }
    op->sent += static_cast<size_t>(n);
    if (op->sent == op->request.size()) sd_event_source_set_io_events(src, EPOLLIN);
    return 0;
  }
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  if (n > 0) op->response.append(buf, static_cast<size_t>(n));
  size_t eol = op->response.find("\r\n");
  if (eol == std::string::npos && n > 0 && op->response.size() < 1024) return 0;
  // "HTTP/1.x NNN ..." -> 2xx is alive.
  bool ok = op->response.size() >= 12 && op->response.compare(0, 5, "HTTP/") == 0 &&
            op->response[9] == '2';
  self->Finish(id, ok);
  return 0;
}

}  // namespace clawhive
