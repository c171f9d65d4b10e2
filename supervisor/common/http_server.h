// HttpServer: the one way the appliance runs Poco's HTTP server — the REST API (api/api_server.h), the
// metering proxy (proxy/proxy_server.h) and the tests' provider stub. It binds and listens (plain or
// TLS 1.2+), serves every request with one function on a thread pool of its own, and on Stop() closes
// the socket and waits for every handler to return.
//
// Start()/Stop() from one owning thread; the handler runs on the pool's threads, several at once.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Timespan.h>

#include <functional>
#include <memory>
#include <string>

#include "supervisor/common/result.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
class ServerSocket;
}
}  // namespace Poco

namespace clawhive {

struct HttpServerOptions {
  std::string what = "server";  // for error messages and the pool's thread names: "API", "metering proxy"
  int min_threads = 1;
  int max_threads = 16;
  int max_queued = 256;         // accepted connections waiting for a thread
  int listen_backlog = 128;
  Poco::Timespan keep_alive_idle{10, 0};
  Poco::Timespan io_timeout{30, 0};  // per read or write on a connection
  int max_keep_alive_requests = -1;  // per connection; -1: Poco's default, 0: unlimited
  // Both set: HTTPS with this certificate chain and key, TLS 1.2 at least, no client certificates.
  std::string tls_cert_file, tls_key_file;
  std::string tls12_ciphers;         // TLS 1.2's cipher list; empty: OpenSSL's default (1.3 always is)
};

class HttpServer {
 public:
  using Handler = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;
  // Runs before Poco answers "Expect: 100-continue": setting the response status to anything but 200
  // there keeps Poco from inviting a body that will be refused.
  using BeforeBody = std::function<void(const Poco::Net::HTTPServerRequest&)>;

  explicit HttpServer(Handler handler, BeforeBody before_body = {});
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `address` is an IPv4 or IPv6 literal or a name ("[::1]" too); port 0 takes a free one. SO_REUSEADDR
  // but never SO_REUSEPORT: a second server on the same port fails instead of sharing it.
  // kInvalidArgument: a bad address or unloadable TLS files; kUnavailable: cannot listen or start;
  // kConflict: already running.
  Status Start(const std::string& address, uint16_t port, const HttpServerOptions& options);
  // The same on a unix socket at `path` (plain HTTP; TLS options are ignored): the tests' stand-in
  // gateways, which the appliance reaches through gateway sockets (tenant/gateway_socket.h). port() is 0.
  Status StartUnix(const std::string& path, const HttpServerOptions& options);
  void Stop();
  bool running() const { return server_ != nullptr; }
  uint16_t port() const { return port_; }  // the bound port while running, else 0

 private:
  class Factory;
  Status Serve(Poco::Net::ServerSocket& socket, const HttpServerOptions& options, const std::string& where);
  Handler handler_;
  BeforeBody before_body_;
  std::unique_ptr<Poco::ThreadPool> pool_;        // outlives server_, which runs connections on it
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
  bool ssl_initialized_ = false;  // Poco::Net::initializeSSL() by a TLS Start(), undone by Stop()
};

}  // namespace clawhive
