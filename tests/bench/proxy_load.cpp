#include "bench/proxy_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "supervisor/common/json.h"

namespace clawhive::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Each worker sleeps until its request is due; the default 50 us timer slack would be noise next to
// the sub-millisecond differences this client exists to measure.
void TightTimers() { prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); }

// The request head, built once per target and shared read-only by every connection.
std::string RequestHead(const LoadTarget& t) {
  std::string h = t.method + " " + t.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(t.port) + "\r\n";
  for (const auto& [name, value] : t.headers) h += name + ": " + value + "\r\n";
  if (!t.body.empty() || t.method == "POST") {
    h += "Content-Type: application/json\r\nContent-Length: " + std::to_string(t.body.size()) + "\r\n";
  }
  if (t.streaming) h += "Accept: text/event-stream\r\n";
  h += "\r\n";
  return h;
}

struct Outcome {
  int status = -1;                // -1: transport error
  Clock::time_point head_at;      // the response head was read
  Clock::time_point event_at{};   // the first SSE event ended ("\n\n"); epoch when none
  std::string error;
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

std::string SslError(const char* what) {
  char text[256] = "no detail";
  if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, text, sizeof(text));
  ERR_clear_error();
  return std::string(what) + ": " + text;
}

// A TLS 1.2+ client context that verifies the server against `ca_file`; null for plain HTTP (or when
// the file cannot be loaded: `error` says why).
SslCtxPtr ClientContext(const std::string& ca_file, std::string* error) {
  if (ca_file.empty()) return nullptr;
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) {
    *error = SslError(("TLS client context with CA " + ca_file).c_str());
    return nullptr;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

// Where a connection goes: 127.0.0.1:port, from `source` when set, over TLS when `tls` is set.
struct Endpoint {
  uint16_t port = 0;
  std::string source;
  SSL_CTX* tls = nullptr;  // owned by the call that made the connections
};

// One keep-alive HTTP/1.1 connection. Blocking socket with timeouts; reconnects on the next call after
// any error or `Connection: close`.
class Connection {
 public:
  Connection(Endpoint to, double timeout_s) : to_(std::move(to)), timeout_s_(timeout_s), buf_(64 * 1024) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool Connect(std::string* error) {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Fail(error, "socket");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_s_);
    tv.tv_usec = static_cast<suseconds_t>((timeout_s_ - static_cast<double>(tv.tv_sec)) * 1e6);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (!to_.source.empty()) {  // as clawhive-bridge: the source address is chosen before connecting
      sockaddr_in from{};
      from.sin_family = AF_INET;
      if (::inet_pton(AF_INET, to_.source.c_str(), &from.sin_addr) != 1) {
        *error = "bad source address " + to_.source;
        Close();
        return false;
      }
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) return Fail(error, "bind");
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(to_.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return Fail(error, "connect");
    if (to_.tls != nullptr) {
      ssl_.reset(SSL_new(to_.tls));
      if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1 ||
          X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), "127.0.0.1") != 1 || SSL_connect(ssl_.get()) != 1) {
        *error = SslError("TLS handshake");
        Close();
        return false;
      }
    }
    begin_ = end_ = 0;
    return true;
  }

  // Sends one request and reads its whole answer.
  Outcome Exchange(const std::string& head, const std::string& body, bool streaming) {
    Outcome o;
    if (fd_ < 0 && !Connect(&o.error)) return o;
    if (!SendAll(head, body, &o.error) || !ReadAnswer(streaming, &o)) {
      o.status = -1;
      Close();
    }
    return o;
  }

 private:
  bool Fail(std::string* error, const char* what) {
    *error = std::string(what) + ": " + std::strerror(errno);
    Close();
    return false;
  }
  void Close() {
    ssl_.reset();  // no close_notify: the socket goes right after
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool SendAll(const std::string& head, const std::string& body, std::string* error) {
    if (ssl_) return SslWrite(head, error) && SslWrite(body, error);
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(body.data()), body.size()}};
    int n = body.empty() ? 1 : 2;
    iovec* v = iov;
    while (n > 0) {
      ssize_t w = ::writev(fd_, v, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        *error = std::string("write: ") + (w < 0 ? std::strerror(errno) : "closed");
        return false;
      }
      size_t left = static_cast<size_t>(w);
      while (n > 0 && left >= v->iov_len) {
        left -= v->iov_len;
        ++v;
        --n;
      }
      if (n > 0) {
        v->iov_base = static_cast<char*>(v->iov_base) + left;
        v->iov_len -= left;
      }
    }
    return true;
  }

  bool SslWrite(const std::string& data, std::string* error) {
    if (data.empty()) return true;
    size_t written = 0;
    if (SSL_write_ex(ssl_.get(), data.data(), data.size(), &written) == 1 && written == data.size()) return true;
    *error = SslError("TLS write");
    return false;
  }

  // Reads more bytes into the buffer (compacting it first); false on EOF, error or timeout.
  bool Fill(std::string* error) {
    if (begin_ > 0 && begin_ == end_) begin_ = end_ = 0;
    if (end_ == buf_.size()) {
      if (begin_ == 0) buf_.resize(buf_.size() * 2);
      else {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
    }
    if (ssl_) {
      size_t got = 0;
      if (SSL_read_ex(ssl_.get(), buf_.data() + end_, buf_.size() - end_, &got) == 1) {
        end_ += got;
        return true;
      }
      *error = SSL_get_error(ssl_.get(), 0) == SSL_ERROR_ZERO_RETURN ? "connection closed by server" : SslError("TLS read");
      return false;
    }
    for (;;) {
      ssize_t r = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
      if (r > 0) {
        end_ += static_cast<size_t>(r);
        return true;
      }
      if (r < 0 && errno == EINTR) continue;
      *error = r == 0                                      ? "connection closed by server"
               : (errno == EAGAIN || errno == EWOULDBLOCK) ? "read timed out"
                                                           : std::string("read: ") + std::strerror(errno);
      return false;
    }
  }

  std::string_view Available() const { return {buf_.data() + begin_, end_ - begin_}; }

  // One CRLF-terminated line (without the CRLF).
  bool ReadLine(std::string* line, std::string* error) {
    for (;;) {
      std::string_view a = Available();
      size_t eol = a.find("\r\n");
      if (eol != std::string_view::npos) {
        line->assign(a.substr(0, eol));
        begin_ += eol + 2;
        return true;
      }
      if (a.size() > 16 * 1024) {
        *error = "line too long";
        return false;
      }
      if (!Fill(error)) return false;
    }
  }

  // Passes `n` body bytes through the SSE scanner.
  bool ReadBytes(uint64_t n, Outcome* o) {
    while (n > 0) {
      if (begin_ == end_ && !Fill(&o->error)) return false;
      size_t take = static_cast<size_t>(std::min<uint64_t>(n, end_ - begin_));
      Scan(std::string_view(buf_.data() + begin_, take), o);
      begin_ += take;
      n -= take;
    }
    return true;
  }

  // Marks when the first SSE event is complete: a blank line ("\n\n" or "\n\r\n") in the body.
  void Scan(std::string_view bytes, Outcome* o) {
    if (!scanning_) return;
    for (char c : bytes) {
      if (c == '\n') {
        if (last_ == '\n' || (last_ == '\r' && before_last_ == '\n')) {
          o->event_at = Clock::now();
          scanning_ = false;
          return;
        }
      }
      before_last_ = last_;
      last_ = c;
    }
  }

  bool ReadAnswer(bool streaming, Outcome* o) {
    std::string line;
    bool close = false, chunked = false;
    int64_t length = -1;
    for (;;) {  // skips 1xx answers
      if (!ReadLine(&line, &o->error)) return false;
      if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) {
        o->error = "bad status line";
        return false;
      }
      o->status = std::atoi(line.c_str() + 9);
      close = line.compare(0, 8, "HTTP/1.0") == 0;
      for (;;) {
        if (!ReadLine(&line, &o->error)) return false;
        if (line.empty()) break;
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon), value = line.substr(colon + 1);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        value.erase(0, value.find_first_not_of(' '));
        for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "content-length") length = std::atoll(value.c_str());
        else if (name == "transfer-encoding") chunked = value.find("chunked") != std::string::npos;
        else if (name == "connection") close = value.find("close") != std::string::npos;
      }
      if (o->status >= 200) break;
    }
    o->head_at = Clock::now();
    scanning_ = streaming;
    last_ = before_last_ = 0;
    if (chunked) {
      for (;;) {
        if (!ReadLine(&line, &o->error)) return false;
        uint64_t size = std::strtoull(line.c_str(), nullptr, 16);
        if (size == 0) {
          do {  // trailers up to the blank line
            if (!ReadLine(&line, &o->error)) return false;
          } while (!line.empty());
          break;
        }
        if (!ReadBytes(size, o) || !ReadLine(&line, &o->error)) return false;
      }
    } else if (length >= 0) {
      if (!ReadBytes(static_cast<uint64_t>(length), o)) return false;
    } else {  // until the server closes
      for (;;) {
        Scan(Available(), o);
        begin_ = end_;
        std::string ignored;
        if (!Fill(&ignored)) break;
      }
      close = true;
    }
    if (close) Close();
    return true;
  }

  const Endpoint to_;
  const double timeout_s_;
  int fd_ = -1;
  SslPtr ssl_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool scanning_ = false;
  char last_ = 0, before_last_ = 0;
};

bool Succeeded(const Outcome& o, bool streaming) {
  return o.status == 200 && (!streaming || o.event_at != Clock::time_point{});
}

std::string Describe(const Outcome& o, bool streaming) {
  if (o.status < 0) return o.error;
  if (o.status != 200) return "HTTP " + std::to_string(o.status);
  return streaming ? "stream without an event" : "";
}

// One request timed from its send: to the last byte, and to the first SSE event (else the head).
struct Timed {
  Outcome outcome;
  double ms = 0, ttfb_ms = 0;
};

Timed Send(Connection& c, const std::string& head, const LoadTarget& t) {
  Timed r;
  const Clock::time_point start = Clock::now();
  r.outcome = c.Exchange(head, t.body, t.streaming);
  r.ms = Ms(Clock::now() - start);
  r.ttfb_ms = Ms((t.streaming ? r.outcome.event_at : r.outcome.head_at) - start);
  return r;
}

// The TLS contexts and request heads of a call's targets, made once before anything is measured.
struct Prepared {
  std::vector<SslCtxPtr> contexts;
  std::vector<Endpoint> endpoints;
  std::vector<std::string> heads;
  std::string error;
};

Prepared Prepare(const std::vector<const LoadTarget*>& targets) {
  Prepared p;
  for (const LoadTarget* t : targets) {
    p.contexts.push_back(ClientContext(t->tls_ca_file, &p.error));
    p.endpoints.push_back({t->port, t->source_address, p.contexts.back().get()});
    p.heads.push_back(RequestHead(*t));
  }
  return p;
}

// A connection opened before anything is measured; a failed connect is retried by its first request.
std::unique_ptr<Connection> Open(const Endpoint& to, double timeout_s) {
  auto c = std::make_unique<Connection>(to, timeout_s);
  std::string ignored;
  c->Connect(&ignored);
  return c;
}

}  // namespace

PairedResult PairedLoad(const LoadTarget& baseline, const std::vector<LoadTarget>& measured, const PairedOptions& options) {
  PairedResult out;
  if (measured.empty()) {
    out.first_error = "no measured target";
    return out;
  }
  std::vector<const LoadTarget*> all{&baseline};
  for (const LoadTarget& m : measured) all.push_back(&m);
  Prepared p = Prepare(all);
  if (!p.error.empty()) {
    out.errors = options.pairs;
    out.first_error = p.error;
    return out;
  }
  const int workers = std::max(1, options.workers);
  std::vector<std::unique_ptr<Connection>> base_conns, measured_conns;
  for (int w = 0; w < workers; ++w) {
    const size_t m = 1 + static_cast<size_t>(w) % measured.size();
    base_conns.push_back(Open(p.endpoints[0], options.timeout_s));
    measured_conns.push_back(Open(p.endpoints[m], options.timeout_s));
  }
  std::vector<PairedResult> tallies(static_cast<size_t>(workers));
  std::atomic<int> next{0};
  const auto step = std::chrono::duration<double>(1.0 / std::max(options.rate, 1e-9));
  const Clock::time_point t0 = Clock::now() + std::chrono::milliseconds(50);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      TightTimers();
      const size_t m = 1 + static_cast<size_t>(w) % measured.size();
      const LoadTarget& mt = measured[m - 1];
      PairedResult& t = tallies[static_cast<size_t>(w)];
      for (int k = next++; k < options.pairs; k = next++) {
        std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(step * k));
        Timed b, x;
        if (k % 2 == 0) {  // alternate which goes first, so neither always meets a warmer path
          b = Send(*base_conns[static_cast<size_t>(w)], p.heads[0], baseline);
          x = Send(*measured_conns[static_cast<size_t>(w)], p.heads[m], mt);
        } else {
          x = Send(*measured_conns[static_cast<size_t>(w)], p.heads[m], mt);
          b = Send(*base_conns[static_cast<size_t>(w)], p.heads[0], baseline);
        }
        bool ok = true;
        for (const Timed* one : {&b, &x}) {
          if (Succeeded(one->outcome, baseline.streaming)) continue;
          ok = false;
          ++t.errors;
          if (t.first_error.empty()) t.first_error = Describe(one->outcome, baseline.streaming);
        }
        if (!ok) continue;
        t.baseline_ms.push_back(b.ms);
        t.measured_ms.push_back(x.ms);
        t.added_ms.push_back(x.ms - b.ms);
        t.baseline_ttfb_ms.push_back(b.ttfb_ms);
        t.measured_ttfb_ms.push_back(x.ttfb_ms);
        t.added_ttfb_ms.push_back(x.ttfb_ms - b.ttfb_ms);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto append = [](std::vector<double>& to, const std::vector<double>& from) { to.insert(to.end(), from.begin(), from.end()); };
  for (const PairedResult& t : tallies) {
    append(out.baseline_ms, t.baseline_ms);
    append(out.measured_ms, t.measured_ms);
    append(out.added_ms, t.added_ms);
    append(out.baseline_ttfb_ms, t.baseline_ttfb_ms);
    append(out.measured_ttfb_ms, t.measured_ttfb_ms);
    append(out.added_ttfb_ms, t.added_ttfb_ms);
    out.errors += t.errors;
    if (out.first_error.empty()) out.first_error = t.first_error;
  }
  return out;
}

ClosedLoopResult ClosedLoopLoad(const std::vector<LoadTarget>& targets, int connections, double seconds, double timeout_s) {
  ClosedLoopResult r;
  std::vector<const LoadTarget*> all;
  for (const LoadTarget& t : targets) all.push_back(&t);
  Prepared p = Prepare(all);
  if (targets.empty() || !p.error.empty()) {
    r.errors = 1;
    r.first_error = targets.empty() ? "no target" : p.error;
    return r;
  }
  const size_t n = static_cast<size_t>(std::max(1, connections));
  std::vector<std::unique_ptr<Connection>> conns;
  for (size_t i = 0; i < n; ++i) conns.push_back(Open(p.endpoints[i % targets.size()], timeout_s));
  struct Tally {
    std::vector<double> latency_ms;
    int errors = 0;
    std::string first_error;
    Clock::time_point last_end{};
  };
  std::vector<Tally> tallies(n);
  const Clock::time_point t0 = Clock::now();
  const Clock::time_point end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      const LoadTarget& t = targets[i % targets.size()];
      Tally& tally = tallies[i];
      while (Clock::now() < end) {
        Timed one = Send(*conns[i], p.heads[i % targets.size()], t);
        if (!Succeeded(one.outcome, t.streaming)) {
          ++tally.errors;
          if (tally.first_error.empty()) tally.first_error = Describe(one.outcome, t.streaming);
          continue;
        }
        tally.latency_ms.push_back(one.ms);
        tally.last_end = Clock::now();
      }
    });
  }
  for (auto& th : threads) th.join();
  Clock::time_point last_end = end;
  for (Tally& t : tallies) {
    r.latency_ms.insert(r.latency_ms.end(), t.latency_ms.begin(), t.latency_ms.end());
    r.errors += t.errors;
    if (r.first_error.empty()) r.first_error = t.first_error;
    last_end = std::max(last_end, t.last_end);
  }
  const double elapsed = Ms(last_end - t0) / 1000;
  r.rps = elapsed > 0 ? static_cast<double>(r.latency_ms.size()) / elapsed : 0;
  return r;
}

int StatusOf(const LoadTarget& target, std::string* error) {
  Prepared p = Prepare({&target});
  if (!p.error.empty()) {
    *error = p.error;
    return -1;
  }
  Connection c(p.endpoints[0], 30);
  Outcome o = c.Exchange(p.heads[0], target.body, target.streaming);
  if (o.status < 0) *error = o.error;
  return o.status;
}

double LoadPercentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// ---- OpenClaw's chat body -------------------------------------------------------------------------

namespace {

using clawhive::JsonValue;

JsonValue Str(std::string s) { return JsonValue::String(std::move(s)); }

// A JSON schema property {"type": type, "description": description}.
JsonValue Prop(const char* type, const char* description) {
  JsonValue p = JsonValue::Object();
  p.Set("type", Str(type));
  p.Set("description", Str(description));
  return p;
}

JsonValue Tool(const char* name, const char* description,
               std::initializer_list<std::pair<const char*, JsonValue>> props, std::initializer_list<const char*> required) {
  JsonValue params = JsonValue::Object();
  params.Set("type", Str("object"));
  JsonValue p = JsonValue::Object();
  for (const auto& [n, v] : props) p.Set(n, v);
  params.Set("properties", std::move(p));
  JsonValue req = JsonValue::Array();
  for (const char* r : required) req.Push(Str(r));
  params.Set("required", std::move(req));
  params.Set("additionalProperties", JsonValue::Bool(false));
  JsonValue fn = JsonValue::Object();
  fn.Set("name", Str(name));
  fn.Set("description", Str(description));
  fn.Set("parameters", std::move(params));
  JsonValue t = JsonValue::Object();
  t.Set("type", Str("function"));
  t.Set("function", std::move(fn));
  return t;
}

JsonValue Enum(const char* description, std::initializer_list<const char*> values) {
  JsonValue p = Prop("string", description);
  JsonValue e = JsonValue::Array();
  for (const char* v : values) e.Push(Str(v));
  p.Set("enum", std::move(e));
  return p;
}

JsonValue Tools() {
  JsonValue tools = JsonValue::Array();
  tools.Push(Tool("read", "Read the contents of a file in the workspace. Output is truncated to 2000 lines or 50KB; use offset and limit for large files.",
                  {{"path", Prop("string", "Path to the file to read (relative to the workspace or absolute)")},
                   {"offset", Prop("number", "Line number to start reading from (1-indexed)")},
                   {"limit", Prop("number", "Maximum number of lines to read")}},
                  {"path"}));
  tools.Push(Tool("write", "Write content to a file. Creates the file if it does not exist, overwrites it if it does, and creates parent directories.",
                  {{"path", Prop("string", "Path to the file to write")}, {"content", Prop("string", "Content to write to the file")}},
                  {"path", "content"}));
  tools.Push(Tool("edit", "Edit a file by replacing exact text. The old text must match exactly, including whitespace; use this for precise, surgical edits.",
                  {{"path", Prop("string", "Path to the file to edit")},
                   {"oldText", Prop("string", "Exact text to find and replace (must match exactly)")},
                   {"newText", Prop("string", "New text to replace the old text with")}},
                  {"path", "oldText", "newText"}));
  tools.Push(Tool("exec", "Execute a shell command in the workspace. Returns stdout and stderr, truncated to the last 2000 lines or 50KB. Long-running commands may be moved to the background.",
                  {{"command", Prop("string", "Shell command to execute")},
                   {"workdir", Prop("string", "Working directory (defaults to the workspace)")},
                   {"timeout", Prop("number", "Timeout in seconds (optional, no default timeout)")},
                   {"background", Prop("boolean", "Run in the background immediately and return a session id")},
                   {"elevated", Prop("boolean", "Run on the host with elevated permissions when allowed by policy")}},
                  {"command"}));
  tools.Push(Tool("process", "Manage running exec sessions: list, poll, log, write, send-keys, kill.",
                  {{"action", Enum("Process action", {"list", "poll", "log", "write", "send-keys", "submit", "paste", "kill", "clear", "remove"})},
                   {"sessionId", Prop("string", "Session id for actions other than list")},
                   {"data", Prop("string", "Data to write for write")},
                   {"offset", Prop("number", "Log offset")},
                   {"limit", Prop("number", "Log length")}},
                  {"action"}));
  tools.Push(Tool("web_search", "Search the web. Returns titles, URLs and snippets for fast research.",
                  {{"query", Prop("string", "Search query string.")},
                   {"count", Prop("number", "Number of results to return (1-10).")},
                   {"country", Prop("string", "2-letter country code for region-specific results.")},
                   {"search_lang", Prop("string", "ISO language code for search results.")},
                   {"freshness", Prop("string", "Filter results by discovery time: pd, pw, pm, py or a date range.")}},
                  {"query"}));
  tools.Push(Tool("web_fetch", "Fetch and extract readable content from a URL (HTML to markdown or text). Use for lightweight page access without browser automation.",
                  {{"url", Prop("string", "HTTP or HTTPS URL to fetch.")},
                   {"extractMode", Enum("Extraction mode", {"markdown", "text"})},
                   {"maxChars", Prop("number", "Maximum characters to return (truncates when exceeded).")}},
                  {"url"}));
  tools.Push(Tool("browser", "Control the browser: status, start, stop, tabs, open, snapshot, screenshot, navigate, act (click, type, press, hover, drag, select, fill).",
                  {{"action", Enum("Browser action", {"status", "start", "stop", "tabs", "open", "focus", "close", "snapshot", "screenshot", "navigate", "console", "pdf", "act"})},
                   {"targetUrl", Prop("string", "URL for open and navigate")},
                   {"targetId", Prop("string", "Tab id")},
                   {"ref", Prop("string", "Element reference from the last snapshot")},
                   {"text", Prop("string", "Text for type and fill")},
                   {"kind", Prop("string", "Act kind: click, type, press, hover, drag, select, fill, resize, wait, evaluate")}},
                  {"action"}));
  tools.Push(Tool("message", "Send, react to, edit or delete messages on the configured channels (chat apps, email).",
                  {{"action", Enum("Message action", {"send", "react", "edit", "delete", "read", "search", "thread-reply"})},
                   {"to", Prop("string", "Recipient or channel target")},
                   {"message", Prop("string", "Message text")},
                   {"messageId", Prop("string", "Message id for react, edit, delete")},
                   {"emoji", Prop("string", "Emoji for react")}},
                  {"action"}));
  tools.Push(Tool("cron", "Manage scheduled jobs and wake events: status, list, add, update, remove, run.",
                  {{"action", Enum("Cron action", {"status", "list", "add", "update", "remove", "run", "runs", "wake"})},
                   {"jobId", Prop("string", "Job id")},
                   {"schedule", Prop("string", "Cron expression or interval like 30m")},
                   {"text", Prop("string", "What the job should do when it fires")}},
                  {"action"}));
  tools.Push(Tool("memory_search", "Semantically search MEMORY.md and memory/*.md before answering questions about prior work, decisions, dates, people, preferences or todos.",
                  {{"query", Prop("string", "What to look for")},
                   {"maxResults", Prop("number", "Maximum results")},
                   {"minScore", Prop("number", "Minimum similarity score")}},
                  {"query"}));
  tools.Push(Tool("sessions_spawn", "Spawn a background sub-agent run in an isolated session and announce the result back to the requester chat.",
                  {{"task", Prop("string", "The task for the sub-agent")},
                   {"label", Prop("string", "A short label")},
                   {"agentId", Prop("string", "Agent to run it as")},
                   {"model", Prop("string", "Model override")},
                   {"runTimeoutSeconds", Prop("number", "Timeout for the run")}},
                  {"task"}));
  return tools;
}

std::string SystemPrompt() {
  std::string s =
      "You are a personal assistant running inside OpenClaw.\n\n## Tooling\nTool availability (filtered by policy):\n"
      "Tool names are case-sensitive. Call tools exactly as listed.\n- read: Read file contents\n- write: Create or overwrite files\n"
      "- edit: Make precise edits to files\n- exec: Run shell commands (pty available for TTY-required CLIs)\n"
      "- process: Manage background exec sessions\n- web_search: Search the web\n- web_fetch: Fetch and extract readable content from a URL\n"
      "- browser: Control the web browser\n- message: Send messages and channel actions\n- cron: Manage cron jobs and wake events\n"
      "- memory_search: Search memory files\n- sessions_spawn: Spawn a sub-agent session\n\n"
      "## Tool Call Style\nDefault: do not narrate routine, low-risk tool calls (just call the tool). Narrate only when it helps: "
      "multi-step work, complex problems, sensitive actions (e.g. deletions), or when the user explicitly asks.\n\n"
      "## Safety\nYou have no independent goals: do not pursue self-preservation, replication, resource acquisition, or power-seeking. "
      "Prioritize safety and human oversight over completion; if instructions conflict, pause and ask.\n\n"
      "## Workspace\nYour working directory is the workspace. Treat it as the single global workspace for file operations unless "
      "explicitly instructed otherwise.\n\n## Project Context\nThe following project context files have been loaded:\n";
  // AGENTS.md, SOUL.md, TOOLS.md, USER.md, MEMORY.md as OpenClaw injects them: a few KB each.
  const char* files[] = {"AGENTS.md", "SOUL.md", "TOOLS.md", "USER.md", "MEMORY.md", "HEARTBEAT.md"};
  const char* para =
      "Every session, read the files that matter before doing anything else. Write down what you learn: memory is limited, "
      "files persist. Prefer small, reversible steps; ask before anything external or destructive. When in a group chat, "
      "respond when mentioned or when you can add real value, and stay quiet otherwise. Keep notes of decisions, open "
      "questions and preferences so the next session starts where this one ended.\n";
  for (const char* f : files) {
    s += "\n## " + std::string(f) + "\n\n";
    for (int i = 0; i < 8; ++i) s += para;
  }
  s += "\n## Runtime\nRuntime: agent=main | host=appliance | os=Linux 6.1 (x64) | node=v24.21.0 | model=meter/stub-model | "
       "channel=webchat | thinking=off\nReasoning: off (hidden unless on/stream).\n";
  return s;
}

JsonValue Message(const char* role, std::string content) {
  JsonValue m = JsonValue::Object();
  m.Set("role", Str(role));
  m.Set("content", Str(std::move(content)));
  return m;
}

// One earlier exchange: the user's ask, a tool call, its result, the assistant's answer.
void AppendTurn(JsonValue* messages, int i) {
  const std::string n = std::to_string(i);
  messages->Push(Message("user", "Can you check the build log from run " + n + " and summarise what failed, then fix the test?"));
  JsonValue call = JsonValue::Object();
  call.Set("role", Str("assistant"));
  call.Set("content", JsonValue());
  JsonValue calls = JsonValue::Array();
  JsonValue c = JsonValue::Object();
  c.Set("id", Str("call_" + n));
  c.Set("type", Str("function"));
  JsonValue fn = JsonValue::Object();
  fn.Set("name", Str("exec"));
  fn.Set("arguments", Str("{\"command\":\"tail -n 60 logs/build-" + n + ".log\",\"timeout\":30}"));
  c.Set("function", std::move(fn));
  calls.Push(std::move(c));
  call.Set("tool_calls", std::move(calls));
  messages->Push(std::move(call));
  std::string log;
  for (int l = 0; l < 12; ++l)
    log += "[" + std::to_string(1000 + l) + "] ctest: test_" + std::to_string(l) + " ... " + (l == 7 ? "FAILED (timeout 30 s)" : "passed") + "\n";
  JsonValue result = Message("tool", log);
  result.Set("tool_call_id", Str("call_" + n));
  messages->Push(std::move(result));
  messages->Push(Message("assistant", "Run " + n + ": eleven tests passed; test_7 timed out after 30 s waiting on the fixture's socket. "
                                      "I raised its readiness wait and re-ran it: it passes now."));
}

}  // namespace

std::string OpenClawChatBody(const ChatBodyOptions& o) {
  JsonValue body = JsonValue::Object();
  body.Set("model", Str(o.model));
  JsonValue messages = JsonValue::Array();
  messages.Push(Message("system", SystemPrompt()));
  for (int i = 1; i <= 6; ++i) AppendTurn(&messages, i);
  body.Set("tools", Tools());
  body.Set("tool_choice", Str("auto"));
  body.Set("max_completion_tokens", JsonValue::Unsigned(4096));
  body.Set("store", JsonValue::Bool(false));
  body.Set("stream", JsonValue::Bool(o.stream));
  if (o.stream) {
    JsonValue so = JsonValue::Object();
    so.Set("include_usage", JsonValue::Bool(o.include_usage));
    body.Set("stream_options", std::move(so));
  }
  if (!o.x_stub_json.empty()) {
    Result<JsonValue> x = ParseJson(o.x_stub_json);
    if (x && x->is_object()) body.Set("x_stub", std::move(*x));
  }

  // The new user turn, padded (plain ASCII, no escapes: one byte per character) to hit target_bytes.
  const std::string ask = "Thanks. Now draft the release notes for this week's changes. ";
  JsonValue probe = body;
  JsonValue probe_messages = messages;
  probe_messages.Push(Message("user", ask));
  probe.Set("messages", std::move(probe_messages));
  const size_t base = probe.Serialize().size();
  std::string pad;
  if (o.target_bytes > base) {
    const std::string filler = "Context from the notes: the proxy meters every request and the stub answers them. ";
    while (pad.size() < o.target_bytes - base) pad += filler;
    pad.resize(o.target_bytes - base);
  }
  messages.Push(Message("user", ask + pad));
  // Members are serialized in insertion order; "messages" goes last, after the controls.
  body.Set("messages", std::move(messages));
  return body.Serialize();
}

}  // namespace clawhive::bench
