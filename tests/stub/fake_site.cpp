#include "tests/stub/fake_site.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace clawhive::stub {
namespace {

constexpr size_t kMaxHead = 16384;
constexpr uint64_t kMaxBytes = uint64_t{1} << 30;
constexpr size_t kKept = 100;

// One accepted connection, TLS or not.
class Conn {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Conn() {
    if (ssl_) SSL_free(ssl_);
  }
  bool Handshake() { return !ssl_ || SSL_accept(ssl_) == 1; }
  ssize_t Read(char* p, size_t n) {
    if (!ssl_) {
      ssize_t r;
      do r = ::recv(fd_, p, n, 0);
      while (r < 0 && errno == EINTR);
      return r;
    }
    int r = SSL_read(ssl_, p, static_cast<int>(n));
    return r > 0 ? r : (SSL_get_error(ssl_, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
  }
  bool WriteAll(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w;
      if (ssl_) {
        int r = SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(n, 1 << 20)));
        w = r > 0 ? r : -1;
      } else {
        do w = ::send(fd_, p, n, MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
      }
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  void Close() {
    if (ssl_) SSL_shutdown(ssl_);
  }

 private:
  int fd_;
  SSL* ssl_;
};

std::string Answer(int status, const std::string& body_size_or_text, bool text = true) {
  const char* phrase = status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request";
  std::string len = text ? std::to_string(body_size_or_text.size()) : body_size_or_text;
  return "HTTP/1.1 " + std::to_string(status) + " " + phrase + "\r\nContent-Type: text/plain\r\nContent-Length: " + len +
         "\r\nConnection: close\r\n\r\n" + (text ? body_size_or_text : "");
}

}  // namespace

struct FakeSite::Impl {
  FakeSiteOptions o;
  SSL_CTX* ctx = nullptr;
  int listener = -1;
  int wake[2] = {-1, -1};
  uint16_t bound = 0;
  std::thread acceptor;
  std::atomic<uint64_t> connections{0}, requests{0};
  mutable std::mutex mu;
  std::condition_variable idle;
  int live = 0;  // connection threads running (detached; Stop waits for 0)
  std::set<int> open;
  std::deque<FakeSiteRequest> seen;

  explicit Impl(FakeSiteOptions options) : o(std::move(options)) {}
  ~Impl() {
    if (ctx) SSL_CTX_free(ctx);
  }

  void Serve(int fd, std::string peer) {
    SSL* ssl = nullptr;
    if (ctx && (ssl = SSL_new(ctx)) != nullptr) SSL_set_fd(ssl, fd);
    if (ctx && !ssl) return;
    Conn c(fd, ssl);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (!c.Handshake()) return;
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < kMaxHead) {
      ssize_t n = c.Read(buf, sizeof buf);
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    size_t sp1 = head.find(' '), sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
    if (sp2 == std::string::npos) {
      std::string a = Answer(400, "bad request\n");
      c.WriteAll(a.data(), a.size());
      return;
    }
    FakeSiteRequest r{head.substr(0, sp1), head.substr(sp1 + 1, sp2 - sp1 - 1), peer};
    ++requests;
    {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(r);
      if (seen.size() > kKept) seen.pop_front();
    }
    uint64_t n = 0;
    const std::string prefix = "/bytes/";
    if (r.method == "GET" && r.path == "/") {
      std::string a = Answer(200, "hello from " + o.name + "\n");
      c.WriteAll(a.data(), a.size());
    } else if (r.method == "GET" && r.path.rfind(prefix, 0) == 0 &&
               std::from_chars(r.path.data() + prefix.size(), r.path.data() + r.path.size(), n).ec == std::errc() &&
               n <= kMaxBytes) {
      std::string a = Answer(200, std::to_string(n), false);
      if (!c.WriteAll(a.data(), a.size())) return;
      static const std::string chunk(65536, 'x');
      while (n > 0) {
        size_t k = static_cast<size_t>(std::min<uint64_t>(n, chunk.size()));
        if (!c.WriteAll(chunk.data(), k)) return;
        n -= k;
      }
    } else {
      std::string a = Answer(404, "not found\n");
      c.WriteAll(a.data(), a.size());
    }
    c.Close();
  }

  void Accept() {
    pollfd p[2] = {{listener, POLLIN, 0}, {wake[0], POLLIN, 0}};
    while (true) {
      if (::poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (p[1].revents) return;
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections;
      char ip[INET6_ADDRSTRLEN] = {};
      if (peer.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&peer)->sin_addr, ip, sizeof ip);
      else inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr, ip, sizeof ip);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      {
        std::lock_guard<std::mutex> lock(mu);
        open.insert(fd);
        ++live;
      }
      std::thread([this, fd, peer_ip = std::string(ip)] {
        Serve(fd, peer_ip);
        std::lock_guard<std::mutex> l(mu);
        open.erase(fd);
        ::close(fd);
        if (--live == 0) idle.notify_all();
      }).detach();
    }
  }
};

FakeSite::FakeSite(FakeSiteOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
FakeSite::~FakeSite() { Stop(); }

Status FakeSite::Start() {
  Impl& m = *impl_;
  if (m.o.tls_cert_file.empty() != m.o.tls_key_file.empty()) return Error::Invalid("TLS needs a certificate and a key");
  if (!m.o.tls_cert_file.empty()) {
    m.ctx = SSL_CTX_new(TLS_server_method());
    if (!m.ctx || !SSL_CTX_set_min_proto_version(m.ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(m.ctx, m.o.tls_cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(m.ctx, m.o.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(m.ctx) != 1)
      return Error::Invalid("fake site: unusable certificate or key " + m.o.tls_cert_file);
  }
  ::signal(SIGPIPE, SIG_IGN);
  sockaddr_storage at{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&at);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&at);
  if (inet_pton(AF_INET, m.o.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(m.o.port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, m.o.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(m.o.port);
    len = sizeof *v6;
  } else {
    return Error::Invalid("fake site: not an IP address: " + m.o.address);
  }
  int fd = ::socket(at.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&at), len) != 0 || ::listen(fd, 256) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Error::Unavailable("fake site: cannot listen on " + m.o.address + ":" + std::to_string(m.o.port) + ": " + why);
  }
  len = sizeof at;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &len);
  m.bound = ntohs(at.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  if (::pipe2(m.wake, O_CLOEXEC) != 0) {
    ::close(fd);
    return Error::Unavailable("fake site: pipe failed");
  }
  m.listener = fd;
  m.acceptor = std::thread([&m] { m.Accept(); });
  return Status::Ok();
}

void FakeSite::Stop() {
  Impl& m = *impl_;
  if (!m.acceptor.joinable()) return;
  (void)!::write(m.wake[1], "x", 1);
  m.acceptor.join();
  {
    std::unique_lock<std::mutex> lock(m.mu);
    for (int fd : m.open) ::shutdown(fd, SHUT_RDWR);
    m.idle.wait(lock, [&] { return m.live == 0; });
  }
  ::close(m.listener);
  ::close(m.wake[0]);
  ::close(m.wake[1]);
  m.listener = m.wake[0] = m.wake[1] = -1;
}

uint16_t FakeSite::port() const { return impl_->bound; }
uint64_t FakeSite::connections() const { return impl_->connections; }
uint64_t FakeSite::requests() const { return impl_->requests; }

std::vector<FakeSiteRequest> FakeSite::Requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return {impl_->seen.begin(), impl_->seen.end()};
}

}  // namespace clawhive::stub
