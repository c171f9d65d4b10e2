#include "supervisor/common/http_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

namespace clawhive {
namespace {

class Forward : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Forward(const HttpServer::Handler& handler) : handler_(handler) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    handler_(req, resp);
  }

 private:
  const HttpServer::Handler& handler_;
};

}  // namespace

class HttpServer::Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(HttpServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& req) override {
    if (req.getExpectContinue() && server_.before_body_) {
      try {
        server_.before_body_(req);
      } catch (...) {
        req.response().setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
      }
    }
    return new Forward(server_.handler_);
  }

 private:
  HttpServer& server_;
};

HttpServer::HttpServer(Handler handler, BeforeBody before_body)
    : handler_(std::move(handler)), before_body_(std::move(before_body)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& address, uint16_t port, const HttpServerOptions& o) {
  if (server_) return Error::Conflict(o.what + " is already running");
  if (o.min_threads < 1 || o.max_threads < o.min_threads)
    return Error::Invalid(o.what + " threads must be at least 1");
  std::string host = address;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string where = address + " port " + std::to_string(port);
  Poco::Net::SocketAddress at;
  try {
    at = Poco::Net::SocketAddress(host, port);
  } catch (const Poco::Exception& e) {
    return Error::Invalid("bad " + o.what + " listen address " + address + ": " + e.displayText());
  }
  Poco::Net::ServerSocket socket;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty())
      return Error::Invalid(o.what + " TLS needs both a certificate and a key file");
    if (!ssl_initialized_) {
      Poco::Net::initializeSSL();
      ssl_initialized_ = true;
    }
    try {
      Poco::Net::Context::Params tp;
      tp.certificateFile = o.tls_cert_file;
      tp.privateKeyFile = o.tls_key_file;
      tp.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificates
      tp.loadDefaultCAs = false;
      if (!o.tls12_ciphers.empty()) tp.cipherList = o.tls12_ciphers;
      Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tp);
      context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
      socket = Poco::Net::SecureServerSocket(context);
    } catch (const Poco::Exception& e) {
      Stop();  // undoes initializeSSL
      return Error::Invalid("cannot load " + o.what + " TLS certificate " + o.tls_cert_file + " / key " +
                            o.tls_key_file + ": " + e.displayText());
    }
  }
  try {
    if (at.family() == Poco::Net::SocketAddress::IPv6) socket.bind6(at, true, false, false);
    else socket.bind(at, true, false);
    socket.listen(o.listen_backlog);
  } catch (const Poco::Exception& e) {
    Stop();
    return Error::Unavailable("cannot listen on " + where + ": " + e.displayText());
  }
  return Serve(socket, o, where);
}

Status HttpServer::StartUnix(const std::string& path, const HttpServerOptions& o) {
  if (server_) return Error::Conflict(o.what + " is already running");
  if (o.min_threads < 1 || o.max_threads < o.min_threads)
    return Error::Invalid(o.what + " threads must be at least 1");
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path), false);
    socket.listen(o.listen_backlog);
  } catch (const Poco::Exception& e) {
    return Error::Unavailable("cannot listen on " + path + ": " + e.displayText());
  }
  return Serve(socket, o, path);
}

Status HttpServer::Serve(Poco::Net::ServerSocket& socket, const HttpServerOptions& o, const std::string& where) {
  try {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(o.keep_alive_idle);
    if (o.max_keep_alive_requests >= 0) params->setMaxKeepAliveRequests(o.max_keep_alive_requests);
    params->setTimeout(o.io_timeout);
    params->setMaxThreads(o.max_threads);
    params->setMaxQueued(o.max_queued);
    auto pool = std::make_unique<Poco::ThreadPool>(o.what, o.min_threads, o.max_threads);
    auto server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool, socket, params);
    server->start();
    port_ = socket.address().family() == Poco::Net::SocketAddress::UNIX_LOCAL ? 0 : socket.address().port();
    pool_ = std::move(pool);
    server_ = std::move(server);
  } catch (const Poco::Exception& e) {
    Stop();
    return Error::Unavailable("cannot start the " + o.what + " on " + where + ": " + e.displayText());
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (server_) {
    try {
      server_->stopAll(true);
      pool_->joinAll();
    } catch (...) {
      // Stopping is best effort; the objects below are destroyed either way.
    }
    server_.reset();
    pool_.reset();
    port_ = 0;
  }
  if (ssl_initialized_) {
    Poco::Net::uninitializeSSL();
    ssl_initialized_ = false;
  }
}

}  // namespace clawhive
