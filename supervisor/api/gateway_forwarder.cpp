#include "supervisor/api/gateway_forwarder.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <istream>

namespace clawhive::api {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Poco::Timespan Span(milliseconds ms) { return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000); }

// Nagle off: the request head and body are separate writes, and an answer's events are small ones.
class NoDelaySession : public Poco::Net::HTTPClientSession {
 public:
  using HTTPClientSession::HTTPClientSession;

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    HTTPClientSession::connect(address);
    socket().setNoDelay(true);
  }
};

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

struct GatewayCall::Impl {
  NoDelaySession session;
  GatewayLimits limits;
  Clock::time_point deadline;
  std::istream* in = nullptr;
  bool ended = false;

  Impl(uint16_t port, const GatewayLimits& l) : session("127.0.0.1", port), limits(l), deadline(Clock::now() + l.total) {}

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

std::unique_ptr<GatewayCall> GatewayCall::Open(uint16_t port, const GatewayRequest& request, const GatewayLimits& limits,
                                               GatewayFailure* failure) {
  if (port == 0) {
    *failure = Unreachable("it has no gateway port");
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(port, limits);
  Poco::Net::HTTPResponse head;
  const auto started = Clock::now();
  const milliseconds head_bound = std::min(limits.head, limits.total);
  bool sent = false;  // the connection was made and the request written
  try {
    impl->session.setKeepAlive(false);
    impl->session.setTimeout(Span(limits.connect), Span(head_bound), Span(head_bound));
    Poco::Net::HTTPRequest req(request.method, request.path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(false);
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
                         : Unreachable("its gateway port did not accept a connection in time");
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
