#include "tests/stub/provider_stub_server.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <deque>
#include <mutex>
#include <string_view>

#include "supervisor/common/http_server.h"
#include "supervisor/common/json.h"
#include "tests/stub/provider_formats.h"
#include "tests/stub/stub_request.h"

namespace clawhive::stub {
namespace {

using Clock = std::chrono::steady_clock;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// A keep-alive connection idle this long is closed; a proxy's pool must reconnect after that.
const Poco::Timespan kKeepAliveIdle(30, 0);
// Socket send/receive timeout while a request or answer is in flight.
const Poco::Timespan kIoTimeout(60, 0);
// After a 413 the rest of the body is read and dropped for at most this long (or this many bytes) so
// the client, still sending, reads our answer instead of a connection reset.
constexpr auto kLingerFor = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 64u << 20;
// Per-thread buffers beyond this are freed after the request, so one huge body does not pin memory on
// every pool thread.
constexpr size_t kKeepBufferBytes = 1u << 20;

bool IsLoopback(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int SocketFd(HTTPServerRequest& req) {
  return static_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket().impl()->sockfd();
}

enum class BodyRead { kOk, kTooLarge, kBroken };

// Reads the whole body into `body` (declared length or chunked), refusing more than `limit` bytes.
BodyRead ReadBody(HTTPServerRequest& req, size_t limit, std::string* body) {
  body->clear();
  std::istream& in = req.stream();
  if (!req.getChunkedTransferEncoding()) {
    if (!req.hasContentLength()) return BodyRead::kOk;
    const int64_t n = req.getContentLength64();
    if (n < 0) return BodyRead::kBroken;
    if (static_cast<uint64_t>(n) > limit) return BodyRead::kTooLarge;
    body->resize(static_cast<size_t>(n));
    in.read(body->data(), n);
    return in.gcount() == n ? BodyRead::kOk : BodyRead::kBroken;
  }
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof(buf));
    size_t got = static_cast<size_t>(in.gcount());
    if (body->size() + got > limit) return BodyRead::kTooLarge;
    body->append(buf, got);
  }
  return in.eof() ? BodyRead::kOk : BodyRead::kBroken;
}

// Half-closes and reads what the client still sends, then lets Poco close: see kLingerFor.
void LingerClose(HTTPServerRequest& req) {
  int fd = SocketFd(req);
  ::shutdown(fd, SHUT_WR);
  const auto end = Clock::now() + kLingerFor;
  size_t dropped = 0;
  char buf[64 * 1024];
  while (dropped < kLingerBytes) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    if (left <= 0) return;
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    ssize_t r = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (r <= 0) return;
    dropped += static_cast<size_t>(r);
  }
}

// sendBuffer() hands head and body to the kernel in one write, but only when the response object is
// destroyed after the handler returns; `now` writes them before returning (needed before a half-close).
void SendJson(HTTPServerResponse& resp, int status, std::string_view body, uint64_t seq, bool now = false) {
  resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status), ReasonPhrase(status));
  resp.setContentType("application/json");
  resp.set("x-request-id", "req_stub" + std::to_string(seq));
  if (status == 429) resp.set("Retry-After", "1");
  if (!now) return resp.sendBuffer(body.data(), body.size());
  resp.setContentLength64(static_cast<int64_t>(body.size()));
  std::ostream& os = resp.send();
  os.write(body.data(), static_cast<std::streamsize>(body.size()));
  os.flush();
}

// Poco's HTTPStatus enum ends at 511, and a value beyond an enum's range is undefined behaviour; so a
// status above it (Anthropic's 529 overloaded_error) is written straight to the socket and the
// connection closed after it (Poco sends nothing for a response its handler did not send).
void SendBeyondPoco(HTTPServerRequest& req, HTTPServerResponse& resp, int status, std::string_view body, uint64_t seq) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) +
                    "\r\nContent-Type: application/json\r\nx-request-id: req_stub" + std::to_string(seq) +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  out.append(body);
  resp.setKeepAlive(false);
  Poco::Net::StreamSocket& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket();
  for (size_t sent = 0; sent < out.size();) {
    int n = socket.sendBytes(out.data() + sent, static_cast<int>(out.size() - sent));
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

JsonValue ToJson(const SeenRequest& r) {
  using clawhive::JsonValue;
  JsonValue o = JsonValue::Object();
  o.Set("seq", JsonValue::Unsigned(r.seq));
  o.Set("method", JsonValue::String(r.method));
  o.Set("path", JsonValue::String(r.path));
  o.Set("authorization", JsonValue::Optional(r.authorization));
  o.Set("x_api_key", JsonValue::Optional(r.x_api_key));
  o.Set("model", JsonValue::String(r.model));
  o.Set("stream", JsonValue::Bool(r.stream));
  o.Set("include_usage", JsonValue::Bool(r.include_usage));
  o.Set("x_stub", JsonValue::Bool(r.x_stub));
  o.Set("body_bytes", JsonValue::Unsigned(r.body_bytes));
  o.Set("status", JsonValue::Signed(r.status));
  JsonValue names = JsonValue::Array();
  for (const std::string& n : r.header_names) names.Push(JsonValue::String(n));
  o.Set("headers", std::move(names));
  return o;
}

}  // namespace

struct ProviderStubServer::Impl {
  explicit Impl(ProviderStubOptions o) : options(std::move(o)) {}

  void ServeGuarded(HTTPServerRequest& req, HTTPServerResponse& resp) {
    try {
      Serve(req, resp);
    } catch (...) {
      // The client went away or the socket failed mid-answer: nothing left to tell it.
      resp.setKeepAlive(false);
    }
  }

  // Waits `ms`, cut short by Stop(); false when stopping.
  bool Sleep(int64_t ms) {
    std::unique_lock<std::mutex> lock(sleep_mu);
    return !sleep_cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping.load(); });
  }

  // Returns when the client closes its side (or resets), or the server stops. Bytes the client sends
  // meanwhile (a pipelined request) are left unread.
  void StallUntilGone(int fd) {
    while (!stopping.load()) {
      pollfd p{fd, POLLIN | POLLRDHUP, 0};
      int n = ::poll(&p, 1, 50);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;
      if (n == 0) continue;
      if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return;
      char c;
      ssize_t r = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return;
      if (!Sleep(50)) return;
    }
  }

  void Record(const SeenRequest& r) {
    std::lock_guard<std::mutex> lock(requests_mu);
    if (requests.size() == kKeptRequests) requests.pop_front();
    requests.push_back(r);
  }

  void Serve(HTTPServerRequest& req, HTTPServerResponse& resp) {
    thread_local std::string body;
    struct Trim {  // see kKeepBufferBytes
      ~Trim() {
        if (body.capacity() > kKeepBufferBytes) std::string().swap(body);
      }
    } trim;

    const uint64_t seq = ++next_seq;
    const std::string& uri = req.getURI();
    const std::string path = uri.substr(0, uri.find('?'));
    const std::string& method = req.getMethod();

    if (path == "/stub/health" || path == "/stub/requests") {
      if (ReadBody(req, options.max_body_bytes, &body) != BodyRead::kOk) resp.setKeepAlive(false);
      ServeIntrospection(path, method, resp, seq);
      return;
    }

    SeenRequest seen;
    seen.seq = seq;
    seen.method = method;
    seen.path = path;
    if (req.has("Authorization")) seen.authorization = req.get("Authorization");
    if (req.has("x-api-key")) seen.x_api_key = req.get("x-api-key");
    for (const auto& [name, value] : req) seen.header_names.push_back(Lower(name));

    // Which API, hence which error format and auth header: Anthropic's for /v1/messages, and for the
    // shared paths when the caller presents only x-api-key.
    const bool anthropic_caller = seen.x_api_key && !seen.authorization;
    Api api = anthropic_caller ? Api::kMessages : Api::kChatCompletions;
    bool known = true, models = false;
    if (path == "/v1/chat/completions") api = Api::kChatCompletions;
    else if (path == "/v1/responses") api = Api::kResponses;
    else if (path == "/v1/messages") api = Api::kMessages;
    else if (path == "/v1/models") models = true;
    else known = false;

    auto refuse = [&](int status, std::string body_text, bool close = false) {
      seen.status = status;
      Record(seen);
      if (close) resp.setKeepAlive(false);
      SendJson(resp, status, body_text, seq, close);
    };

    switch (ReadBody(req, options.max_body_bytes, &body)) {
      case BodyRead::kOk: break;
      case BodyRead::kTooLarge:
        refuse(413, ErrorBody(api, 413, "request body exceeds " + std::to_string(options.max_body_bytes) + " bytes"), true);
        LingerClose(req);
        return;
      case BodyRead::kBroken:
        resp.setKeepAlive(false);
        return;  // the body ended early: the client is gone
    }
    seen.body_bytes = body.size();

    if (!known) return refuse(404, ErrorBody(api, 404, "Invalid URL (" + Printable(method, 16) + " " + Printable(path, 256) + ")"));
    if (method != (models ? "GET" : "POST")) return refuse(405, ErrorBody(api, 405, "method " + Printable(method, 16) + " not allowed on " + path));
    if (!options.key.empty()) {
      bool ok = IsOpenAi(api) ? seen.authorization == "Bearer " + options.key : seen.x_api_key == options.key;
      if (!ok) return refuse(401, AuthErrorBody(api));
    }
    if (models) {
      seen.status = 200;
      Record(seen);
      SendJson(resp, 200, ModelsBody(api, std::time(nullptr)), seq);
      return;
    }

    Result<StubRequest> parsed = ParseStubRequest(body);
    if (!parsed) return refuse(400, ErrorBody(api, 400, parsed.error().message));
    const StubRequest& r = *parsed;
    seen.model = r.model;
    seen.stream = r.stream;
    seen.include_usage = r.include_usage;
    seen.x_stub = r.has_controls;
    seen.status = r.controls.status ? r.controls.status : 200;
    Record(seen);
    Answer(req, resp, api, r, seq, body.size());
  }

  void ServeIntrospection(const std::string& path, const std::string& method, HTTPServerResponse& resp, uint64_t seq) {
    if (path == "/stub/health" && method == "GET") return SendJson(resp, 200, "{\"ok\":true}", seq);
    if (path == "/stub/requests" && method == "GET") {
      JsonValue list = JsonValue::Array();
      for (const SeenRequest& r : Requests()) list.Push(ToJson(r));
      return SendJson(resp, 200, list.Serialize(), seq);
    }
    if (path == "/stub/requests" && method == "DELETE") {
      std::lock_guard<std::mutex> lock(requests_mu);
      requests.clear();
      resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NO_CONTENT, "No Content");
      resp.setContentLength(0);
      resp.send();
      return;
    }
    SendJson(resp, 405, ErrorBody(Api::kChatCompletions, 405, "method not allowed"), seq);
  }

  std::vector<SeenRequest> Requests() const {
    std::lock_guard<std::mutex> lock(requests_mu);
    return {requests.begin(), requests.end()};
  }

  void Answer(HTTPServerRequest& req, HTTPServerResponse& resp, Api api, const StubRequest& r, uint64_t seq,
              size_t body_bytes) {
    const StubControls& c = r.controls;
    if (c.delay_ms > 0 && !Sleep(c.delay_ms)) {
      resp.setKeepAlive(false);
      return;
    }
    if (c.status) {
      std::string error = ErrorBody(api, c.status, "stub: error " + std::to_string(c.status) + " on request (x_stub.status)");
      if (c.status > Poco::Net::HTTPResponse::HTTP_NETWORK_AUTHENTICATION_REQUIRED) return SendBeyondPoco(req, resp, c.status, error, seq);
      return SendJson(resp, c.status, error, seq);
    }
    Turn turn;
    turn.api = api;
    turn.seq = seq;
    turn.model = r.model;
    turn.created = std::time(nullptr);
    turn.input_tokens = InputTokens(body_bytes);
    turn.output_tokens = OutputTokens(r);
    turn.usage = !c.no_usage;
    turn.include_usage = api == Api::kChatCompletions && r.stream && r.include_usage;
    const std::string text = AnswerText(turn.output_tokens);

    thread_local std::string out;
    out.clear();
    if (!r.stream) {
      AppendCompletion(turn, text, &out);
      if (!c.hang) return SendJson(resp, 200, out, seq);
      // A provider that stalls mid-body: the head and the first bytes, then nothing.
      resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK, "OK");
      resp.setContentType("application/json");
      resp.setChunkedTransferEncoding(true);
      resp.setKeepAlive(false);
      std::ostream& os = resp.send();
      os.write(out.data(), static_cast<std::streamsize>(std::min<size_t>(out.size(), 16)));
      os.flush();
      StallUntilGone(SocketFd(req));
      return;
    }

    resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK, "OK");
    resp.setContentType("text/event-stream; charset=utf-8");
    resp.set("Cache-Control", "no-cache");
    resp.set("x-request-id", "req_stub" + std::to_string(seq));
    resp.setChunkedTransferEncoding(true);
    if (c.hang || c.abort_after_chunks >= 0) resp.setKeepAlive(false);
    std::ostream& os = resp.send();
    auto emit = [&](std::string_view event) {
      os.write(event.data(), static_cast<std::streamsize>(event.size()));
      os.flush();  // one event, one chunk on the wire: the proxy must pass each through as it comes
      return os.good();
    };
    auto abort = [&] {
      // The provider dropping the connection mid-stream: no terminating chunk, no end marker.
      ::shutdown(SocketFd(req), SHUT_RDWR);
      resp.setKeepAlive(false);
    };

    SseScript script(turn);
    std::vector<std::string> events;
    script.Opening(&events);
    for (const std::string& e : events) {
      if (!emit(e)) return resp.setKeepAlive(false);
      if (c.hang) return StallUntilGone(SocketFd(req));
    }
    const uint64_t chunks = c.chunks >= 0 ? static_cast<uint64_t>(c.chunks) : turn.output_tokens;
    for (uint64_t i = 0; i < chunks; ++i) {
      if (c.abort_after_chunks >= 0 && i == static_cast<uint64_t>(c.abort_after_chunks)) return abort();
      if (i > 0 && c.chunk_delay_ms > 0 && !Sleep(c.chunk_delay_ms)) return resp.setKeepAlive(false);
      out.clear();
      script.Delta(ChunkOf(text, turn.output_tokens, chunks, i), &out);
      if (!emit(out)) return resp.setKeepAlive(false);
    }
    if (c.abort_after_chunks >= 0) return abort();
    events.clear();
    script.Closing(text, &events);
    for (const std::string& e : events)
      if (!emit(e)) return resp.setKeepAlive(false);
  }

  const ProviderStubOptions options;
  std::atomic<uint64_t> next_seq{0};
  std::atomic<bool> stopping{false};
  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  mutable std::mutex requests_mu;
  std::deque<SeenRequest> requests;

  HttpServer http{[this](HTTPServerRequest& req, HTTPServerResponse& resp) { ServeGuarded(req, resp); }};
};

ProviderStubServer::ProviderStubServer(ProviderStubOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ProviderStubServer::~ProviderStubServer() { Stop(); }

Status ProviderStubServer::Start() {
  const ProviderStubOptions& o = impl_->options;
  if (impl_->http.running()) return Error::Conflict("provider stub is already running");
  if (!IsLoopback(o.address)) return Error::Invalid("refusing to listen on " + o.address + ": loopback addresses only");
  if (o.threads < 1 || o.threads > 4096) return Error::Invalid("threads must be from 1 to 4096");
  std::signal(SIGPIPE, SIG_IGN);
  impl_->stopping = false;

  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) return Error::Invalid("TLS needs both a certificate and a key");
  HttpServerOptions h;
  h.what = "provider stub";
  h.min_threads = std::min(2, o.threads);
  h.max_threads = o.threads;
  h.max_queued = 1024;
  h.listen_backlog = 1024;
  h.keep_alive_idle = kKeepAliveIdle;
  h.max_keep_alive_requests = 0;  // unlimited
  h.io_timeout = kIoTimeout;
  h.tls_cert_file = o.tls_cert_file;
  h.tls_key_file = o.tls_key_file;
  return impl_->http.Start(o.address, o.port, h);
}

void ProviderStubServer::Stop() {
  if (!impl_->http.running()) return;
  {
    std::lock_guard<std::mutex> lock(impl_->sleep_mu);
    impl_->stopping = true;
  }
  impl_->sleep_cv.notify_all();
  impl_->http.Stop();
}

uint16_t ProviderStubServer::port() const { return impl_->http.port(); }

std::vector<SeenRequest> ProviderStubServer::Requests() const { return impl_->Requests(); }

}  // namespace clawhive::stub
