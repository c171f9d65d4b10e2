#include "supervisor/api/gateway_forwarder.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>

#include "supervisor/common/unique_fd.h"
#include "supervisor/tenant/gateway_socket.h"

namespace clawhive::api {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Poco::Timespan Span(milliseconds ms) { return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000); }

GatewayFailure Unreachable(const std::string& why) {
  return {502, "agent_unreachable", "the tenant's agent did not take the call: " + why};
}
GatewayFailure TimedOut(const std::string& what) {
  return {504, "agent_timeout", "the tenant's agent did not answer in time (" + what + ")"};
}
GatewayFailure Broken(const std::string& why) {
  return {502, "agent_broken_answer", "the tenant's agent broke off its answer: " + why};
}

}  // namespace

Result<Poco::Net::StreamSocket> ConnectGatewaySocket(const std::string& socket_path, milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path[0] != '/' || socket_path.size() >= sizeof address.sun_path)
    return Error::Invalid("'" + socket_path + "' is not an absolute path that fits a unix socket address");
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Error::Unavailable(std::string("socket: ") + std::strerror(errno));
  // A unix connect waits only for room in the listener's backlog, and for that as long as the socket's
  // send timeout: this is the bound. Unset again afterwards, so the caller's own timeouts start clean.
  timeval bound{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  if (bound.tv_sec == 0 && bound.tv_usec == 0) bound.tv_usec = 1000;  // 0 would mean "wait for ever"
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    std::string why = "connecting to " + socket_path + ": " + std::strerror(err);
    if (err == ENOENT || err == ENOTDIR) return Error::NotFound(why + " (the gateway socket is not up)");
    if (err == EAGAIN) return Error::Unavailable(why + " (its backlog stayed full)");
    return Error::Unavailable(why);
  }
  timeval none{};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  return Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd.release()));
}

struct GatewayCall::Impl {
  Poco::Net::HTTPClientSession session;  // on a connected socket: it never connects (nor reconnects) itself
  GatewayLimits limits;
  Clock::time_point deadline;
  std::istream* in = nullptr;
  bool ended = false;

  Impl(const Poco::Net::StreamSocket& socket, const GatewayLimits& l)
      : session(socket), limits(l), deadline(Clock::now() + l.total) {}

  milliseconds Remaining() const {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
  }
};

GatewayCall::GatewayCall(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GatewayCall::~GatewayCall() {
  if (!impl_) return;
  try {
    impl_->session.reset();  // closes the connection; an unfinished answer is abandoned (the gateway stops its run)
  } catch (...) {
  }
}

bool GatewayCall::is_event_stream() const {
  std::string t = content_type_.substr(0, content_type_.find(';'));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t == "text/event-stream";
}

std::unique_ptr<GatewayCall> GatewayCall::Open(const std::string& socket_path, const GatewayRequest& request,
                                               const GatewayLimits& limits, GatewayFailure* failure) {
  const std::optional<uint16_t> port = GatewaySocketPort(socket_path);
  if (!port) {
    *failure = Unreachable("it has no gateway socket");
    return nullptr;
  }
  Result<Poco::Net::StreamSocket> socket = ConnectGatewaySocket(socket_path, std::min(limits.connect, limits.total));
  if (!socket) {
    // The path is the appliance's business, not the caller's: the reason only.
    *failure = Unreachable(socket.error().code == ErrorCode::kNotFound ? "its gateway socket is not up"
                                                                        : "its gateway socket did not accept the call");
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(*socket, limits);
  Poco::Net::HTTPResponse head;
  const auto started = Clock::now();
  const milliseconds head_bound = std::min(limits.head, limits.total);
  bool sent = false;  // the connection was made and the request written
  try {
    // Not the session's setTimeout: that applies when the session connects, which it never does here.
    impl->session.socket().setSendTimeout(Span(head_bound));
    impl->session.socket().setReceiveTimeout(Span(head_bound));
    Poco::Net::HTTPRequest req(request.method, request.path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(false);
    req.setHost("127.0.0.1", *port);  // the session has no host of its own to set it from
    req.set("Accept", request.stream ? "text/event-stream" : "application/json");
    if (!request.token.empty()) req.set("Authorization", "Bearer " + request.token);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if (!request.body.empty() || request.method == "POST") {
      req.setContentType("application/json");
      req.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
    }
    std::ostream& out = impl->session.sendRequest(req);
    out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    out.flush();
    if (!out) {
      *failure = Unreachable("the request could not be sent");
      return nullptr;
    }
    sent = true;
    impl->in = &impl->session.receiveResponse(head);
  } catch (const Poco::TimeoutException&) {
    *failure = sent ? TimedOut("no answer within " + std::to_string(head_bound.count() / 1000) + " s")
                    : Unreachable("the request could not be sent in time");
    return nullptr;
  } catch (const Poco::Net::ConnectionRefusedException&) {
    *failure = Unreachable("its gateway refused the connection");
    return nullptr;
  } catch (const Poco::Net::NoMessageException&) {
    *failure = Unreachable("its gateway closed the connection without an answer");
    return nullptr;
  } catch (const Poco::Net::MessageException&) {
    *failure = Broken("its answer was not valid HTTP");
    return nullptr;
  } catch (const Poco::Exception& e) {
    // A timeout may also surface as a plain I/O error once the clock says so.
    if (sent && Clock::now() - started >= head_bound) *failure = TimedOut("no answer in time");
    else *failure = Unreachable(e.name());
    return nullptr;
  }
  std::unique_ptr<GatewayCall> call(new GatewayCall(std::move(impl)));
  call->status_ = static_cast<int>(head.getStatus());
  call->content_type_ = head.getContentType();
  return call;
}

std::optional<std::string> GatewayCall::Next(GatewayFailure* failure) {
  Impl& x = *impl_;
  if (x.ended || x.in == nullptr) return std::nullopt;
  if (Clock::now() >= x.deadline) {
    *failure = TimedOut("the call took longer than " + std::to_string(x.limits.total.count() / 1000) + " s");
    x.ended = true;
    return std::nullopt;
  }
  const milliseconds bound = std::min(x.limits.idle, x.Remaining());
  const auto started = Clock::now();
  try {
    x.session.socket().setReceiveTimeout(Span(bound));
    // peek() blocks for one read from the socket (or the end); readsome() then takes only what that read
    // brought, so each piece goes on as soon as it arrived.
    if (x.in->peek() == std::char_traits<char>::eof()) {
      x.ended = true;
      if (x.in->bad()) {
        if (Clock::now() - started >= bound - milliseconds(5)) *failure = TimedOut("no data for " + std::to_string(bound.count()) + " ms");
        else *failure = Broken("the connection failed mid-answer");
      }
      return std::nullopt;
    }
    char buf[16384];
    std::streamsize n = x.in->readsome(buf, sizeof buf);
    if (n <= 0) {
      x.ended = true;
      *failure = Broken("the connection failed mid-answer");
      return std::nullopt;
    }
    return std::string(buf, static_cast<size_t>(n));
  } catch (const Poco::TimeoutException&) {
    x.ended = true;
    *failure = TimedOut("no data for " + std::to_string(bound.count()) + " ms");
  } catch (const Poco::Exception& e) {
    x.ended = true;
    if (Clock::now() - started >= bound - milliseconds(5)) *failure = TimedOut("no data in time");
    else *failure = Broken(e.name());
  }
  return std::nullopt;
}

}  // namespace clawhive::api
