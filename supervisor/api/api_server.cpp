#include "supervisor/api/api_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <istream>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "supervisor/api/auth.h"
#include "supervisor/api/authorize.h"
#include "supervisor/api/detached_connection.h"
#include "supervisor/api/router.h"
#include "supervisor/api/routes.h"
#include "supervisor/common/http_server.h"
#include "supervisor/audit/audit_log.h"
#include "supervisor/core/secret_service.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

using api::Access;
using api::ApiCall;
using api::ApiReply;
using api::BodyKind;
using clawhive::JsonValue;

namespace {

// After answering without reading a request body (401, 413, ...), up to this much of it is read and
// discarded before closing, so the client, still sending, gets to read the answer instead of a reset.
constexpr size_t kDrainLimit = 4 << 20;
constexpr auto kDrainTime = std::chrono::seconds(2);
const Poco::Timespan kIoTimeout(30, 0);      // per read/write on a connection
const Poco::Timespan kKeepAliveIdle(10, 0);  // idle keep-alive connections are closed after this

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

ApiReply Unauthorized(const api::Authentication& a) {
  ApiReply r = ApiReply::Fail({ErrorCode::kUnauthorized, a.problem});
  if (a.presented) {
    for (auto& [name, value] : r.headers)
      if (name == "WWW-Authenticate") value = "Bearer realm=\"clawhive\", error=\"invalid_token\"";
  }
  return r;
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsSafeMethod(const std::string& m) { return m == "GET" || m == "HEAD"; }

ApiReply InternalError() { return ApiReply::Fail(Error::Internal("internal error")); }

// What the dispatcher learned about the request body, for deciding how to end the connection.
struct BodyState {
  bool present = false;   // the request declared a body (Content-Length > 0 or chunked)
  bool consumed = false;  // and it was read to its end
};

// Overwrites a buffer that held a request body (which may carry a secret), up to its capacity.
void WipeBuffer(std::string* s) {
  s->resize(s->capacity());  // never reallocates
  OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

// Wipes the raw body and the parsed document of a request when the request is done with, however it
// ends (answer, error, exception).
struct BodyWiper {
  std::string* text;
  std::optional<JsonValue>* json;
  ~BodyWiper() {
    if (json->has_value()) (*json)->Wipe();
    WipeBuffer(text);
  }
};

}  // namespace

struct ApiServer::Impl {
  Impl(TenantService& svc, SecretService* secrets, ApiServerOptions opts)
      : options(std::move(opts)),
        context{svc, secrets, IdentityOrNone(), options.audit, options.branding, options.console_dir, WallMs},
        authenticator(IdentityOrNone()),
        ingress(options.ingress, options.threads),
        webhooks(options.webhook_rate) {
    context.ledger = options.ledger;
    context.egress = options.egress;
    context.egress_enabled = options.egress_enabled;
    context.runtimes = options.runtimes;
    context.ingress = &ingress;
    context.webhooks = &webhooks;
    context.control_ui = options.control_ui;
    api::AddAllRoutes(router, context);
  }

  // ---- per request --------------------------------------------------------------------------------

  void Serve(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    BodyState body;
    ApiReply reply;
    Prepared p;
    try {
      reply = Process(req, &body, &p);
    } catch (...) {  // Poco::Exception, std::exception or anything else: never leak what it said
      reply = InternalError();
    }
    try {
      Audit(req, p, reply);
    } catch (...) {
      // The audit log failing must not turn an answered request into a dropped connection.
    }
    if (reply.takeover) {
      TakeOver(req, resp, reply);
      return;
    }
    try {
      if (body.present && !body.consumed) resp.setKeepAlive(false);
      Send(resp, reply);
      if (body.present && !body.consumed) Drain(req);
    } catch (...) {
      // The client went away or the socket failed; nothing left to tell it.
    }
  }

  // Hands the client's socket to the reply (a WebSocket relay) and leaves Poco's connection with an
  // empty one, so its loop ends without sending anything more (Poco's own WebSocket does the same).
  static void TakeOver(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, ApiReply& reply) {
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&req);
    if (impl == nullptr) {  // not Poco's own request object: nothing to take over; refuse plainly
      try {
        Send(resp, InternalError());
      } catch (...) {
      }
      return;
    }
    resp.setKeepAlive(false);
    try {
      api::DetachedConnection connection{impl->detachSocket()};
      reply.takeover(std::move(connection));
    } catch (...) {
      // detachSocket does not throw in Poco 1.11; a takeover must not. Whatever happened, the socket is
      // the reply's or closed with it.
    }
  }

  // What the request head decided: the route and the call so far, and the declared body length.
  struct Prepared {
    const api::Route* route = nullptr;
    const api::RouteInput* input = nullptr;
    ApiCall call;
    int64_t content_length = -1;  // -1: none declared
    api::Authentication auth;
    std::string path;             // the raw path, for the audit log
    api::Decision decision = api::Decision::kAllow;
  };

  // One row per state-changing request (anything but GET/HEAD), however it ended, including refusals.
  // Unknown paths by anonymous callers are not recorded: that is scanning noise, not an action.
  void Audit(const Poco::Net::HTTPServerRequest& req, const Prepared& p, const ApiReply& reply) {
    // A WebSocket opened is recorded although it is a GET: it is a session into a tenant's agent.
    if (options.audit == nullptr || (IsSafeMethod(req.getMethod()) && !reply.takeover)) return;
    if (p.route == nullptr && !p.auth.principal) return;
    audit::AuditEntry e;
    e.at_ms = WallMs();
    if (p.auth.principal) {
      e.actor = p.auth.principal->user;
      e.role = auth::ToString(p.auth.principal->role);
    }
    if (!reply.audit_actor.empty() && e.actor.empty()) e.actor = reply.audit_actor;
    if (!reply.audit_role.empty() && e.role.empty()) e.role = reply.audit_role;
    if (!reply.audit_tenant.empty()) e.tenant = reply.audit_tenant;
    else if (p.route && p.route->pattern.rfind("/v1/tenants/{id}", 0) == 0 && !p.call.params.empty())
      e.tenant = p.call.params[0];
    e.action = Printable(req.getMethod(), 16) + " " + (p.route ? p.route->pattern : std::string("(unknown route)"));
    e.target = Printable(p.path, 256);
    e.address = p.call.address;
    e.status = reply.status;
    e.result = reply.status < 400 ? "ok"
               : (reply.status == 401 || reply.status == 403 || p.decision != api::Decision::kAllow) ? "denied"
                                                                                                     : "failed";
    (void)options.audit->Append(e);
  }

  // Everything that can be decided from the request head, in order: body framing, path, route,
  // authorization (the one place it happens), 404/405, query parameters, content type, declared size.
  // Returns the answer when the request must be refused before its body is read.
  std::optional<ApiReply> Precheck(const Poco::Net::HTTPServerRequest& req, BodyState* body, Prepared* out) {
    const std::string& uri = req.getURI();
    size_t qmark = uri.find('?');
    std::string_view raw_path = std::string_view(uri).substr(0, qmark);
    std::string_view raw_query = qmark == std::string::npos ? std::string_view() : std::string_view(uri).substr(qmark + 1);

    // Body framing first: it decides how the connection ends, whatever the answer.
    if (req.getChunkedTransferEncoding()) {
      body->present = true;
    } else if (req.hasContentLength()) {
      out->content_length = req.getContentLength64();
      if (out->content_length < 0) {
        body->present = true;
        return ApiReply::Fail(Error::Invalid("malformed Content-Length"));
      }
      body->present = out->content_length > 0;
    }
    body->consumed = !body->present;

    Result<std::vector<std::string>> segments = api::SplitPath(raw_path);
    if (!segments) return ApiReply::Fail(segments.error());
    api::Router::Resolution res = router.Resolve(req.getMethod(), *segments);

    out->path = std::string(raw_path);
    try {
      out->call.address = req.clientAddress().host().toString();
    } catch (...) {
    }
    out->call.tls = !options.tls.cert_file.empty();

    // Authentication, then the one authorization point (supervisor/api/authorize.h). Anything but an
    // exact match of a public route needs valid credentials, so anonymous callers cannot even map which
    // paths exist. Public routes ignore credentials entirely.
    const bool found = res.outcome == api::Router::Resolution::Outcome::kFound;
    if (found) {  // known before authorization, so refusals are audited with their route
      out->route = res.route;
      out->input = res.input;
      out->call.params = res.params;
    }
    if (!found || res.route->access != Access::kPublic) {
      api::Credentials creds;
      creds.authorization = req.has("Authorization") ? &req.get("Authorization") : nullptr;
      creds.tls = out->call.tls || !options.plain_http_revokes_tokens;
      Poco::Net::NameValueCollection cookies;
      req.getCookies(cookies);
      if (cookies.has(api::kSessionCookie)) creds.session_cookie = cookies.get(api::kSessionCookie);
      out->auth = authenticator.Authenticate(creds, WallMs());
      if (!out->auth.principal) {
        out->decision = api::Decision::kUnauthenticated;
        return Unauthorized(out->auth);
      }
      out->call.principal = &*out->auth.principal;
      if (out->auth.by_session) out->call.session_id = out->auth.session_id;
    }
    if (found) {
      out->decision = api::Authorize(out->call.principal, res.route->access, res.params);
      switch (out->decision) {
        case api::Decision::kAllow: break;
        case api::Decision::kUnauthenticated: return Unauthorized(out->auth);
        case api::Decision::kForbidden:
          return ApiReply::Fail(403, "forbidden", "your role (" + std::string(auth::ToString(out->call.principal->role)) +
                                                      ") may not do this");
        case api::Decision::kHidden:
          return ApiReply::Fail(Error::NotFound("no tenant '" + Printable(res.params[0]) + "'"));
      }
      // A browser session's state changes must carry its CSRF token (a cross-site form cannot read it).
      if (out->auth.by_session && !IsSafeMethod(req.getMethod())) {
        const std::string* csrf = req.has(api::kCsrfHeader) ? &req.get(api::kCsrfHeader) : nullptr;
        if (Status s = authenticator.CheckCsrf(out->auth.session_id, csrf, WallMs()); !s) {
          out->decision = api::Decision::kForbidden;
          return ApiReply::Fail(403, "csrf_failed",
                                std::string("missing or wrong ") + api::kCsrfHeader + " header for this session");
        }
      }
    }

    if (res.outcome == api::Router::Resolution::Outcome::kNotFound)
      return ApiReply::Fail(404, "not_found", "no such endpoint");
    if (res.outcome == api::Router::Resolution::Outcome::kMethodNotAllowed) {
      std::string allow;
      for (const std::string& m : res.allowed) allow += (allow.empty() ? "" : ", ") + m;
      ApiReply r = ApiReply::Fail(405, "method_not_allowed",
                                  "method " + Printable(req.getMethod(), 16) + " is not allowed here; allowed: " + allow);
      r.headers.emplace_back("Allow", allow);
      return r;
    }
    out->route = res.route;
    out->call.params = std::move(res.params);

    Result<api::QueryParams> query = api::ParseQuery(raw_query);
    if (!query) return ApiReply::Fail(query.error());
    for (auto& [name, value] : *query) {
      if (out->input->ignore_query) break;
      if (std::find(out->route->query.begin(), out->route->query.end(), name) == out->route->query.end())
        return ApiReply::Fail(Error::Invalid("unknown query parameter '" + Printable(name) + "'"));
      if (out->call.Query(name) != nullptr)
        return ApiReply::Fail(Error::Invalid("query parameter '" + Printable(name) + "' given more than once"));
      out->call.query.emplace_back(std::move(name), std::move(value));
    }

    if (out->route->body == BodyKind::kJson) {
      const std::string& type = req.getContentType();
      std::string media_type = ToLower(Trim(std::string_view(type).substr(0, type.find(';'))));
      if (media_type != "application/json")
        return ApiReply::Fail(415, "unsupported_media_type", "request body must be JSON (Content-Type: application/json)");
    }
    // The headers the route reads, each at most once (two values of a secret header are a 400, never a choice).
    for (const std::string& name : out->input->headers) {
      if (!req.has(name)) continue;
      std::vector<std::string> values;
      for (auto it = req.find(name); it != req.end() && Poco::icompare(it->first, name) == 0; ++it) values.push_back(it->second);
      if (values.size() > 1) return ApiReply::Fail(Error::Invalid("header " + name + " given more than once"));
      out->call.headers.emplace_back(name, values.front());
    }
    if (out->content_length > 0 && static_cast<uint64_t>(out->content_length) > BodyLimit(out->input)) return TooLarge(out->input);
    return std::nullopt;
  }

  // The route's own body limit when it has a smaller one, else the server's.
  size_t BodyLimit(const api::RouteInput* input) const {
    return input != nullptr && input->max_body > 0 ? std::min(input->max_body, options.max_body) : options.max_body;
  }

  ApiReply Process(Poco::Net::HTTPServerRequest& req, BodyState* body, Prepared* prepared) {
    Prepared& p = *prepared;
    if (std::optional<ApiReply> refused = Precheck(req, body, &p)) return std::move(*refused);
    // Any body may hold a secret (PUT .../secrets/{name}): both its raw text and its parsed document
    // are wiped when this returns.
    std::string text;
    std::optional<JsonValue> json;
    BodyWiper wiper{&text, &json};
    if (body->present) {
      if (Status read = ReadBody(req.stream(), p.content_length, BodyLimit(p.input), &text); !read)
        return ApiReply::Fail(read.error());
      body->consumed = true;
      p.call.raw_body = &text;
    }
    if (p.route->body == BodyKind::kJson) {
      if (text.empty()) return ApiReply::Fail(Error::Invalid("request body is empty; expected a JSON object"));
      Result<JsonValue> parsed = ParseJson(text);
      if (!parsed) return ApiReply::Fail(parsed.error());
      json = std::move(*parsed);
      p.call.body = &*json;
    }
    p.call.principal = p.auth.principal ? &*p.auth.principal : nullptr;  // Prepared may have moved
    return p.route->handler(p.call);
  }

  ApiReply TooLarge(const api::RouteInput* input) const {
    return ApiReply::Fail(
        {ErrorCode::kTooLarge, "request body is larger than " + std::to_string(BodyLimit(input)) + " bytes"});
  }

  // Reads at most max_body bytes into *text; more is a 413 (chunked bodies have no length to check up
  // front). The body may be a secret: *text never reallocates without wiping the old buffer, and the
  // read buffer is wiped before returning, so the only copy left is *text (the caller wipes it).
  Status ReadBody(std::istream& in, int64_t content_length, size_t max_body, std::string* text) const {
    if (content_length > 0) text->reserve(static_cast<size_t>(content_length));  // <= max_body: checked
    char buf[16384];
    Status status;
    while (true) {
      in.read(buf, sizeof buf);
      size_t n = static_cast<size_t>(in.gcount());
      if (text->size() + n > max_body) {
        status = Error{ErrorCode::kTooLarge, "request body is larger than " + std::to_string(max_body) + " bytes"};
        break;
      }
      if (text->size() + n > text->capacity()) {
        std::string bigger;
        bigger.reserve(std::min(max_body, std::max(2 * text->capacity(), text->size() + n)));
        bigger.append(*text);
        WipeBuffer(text);
        text->swap(bigger);
      }
      text->append(buf, n);
      if (!in) break;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (!status) return status;
    // Poco's streams turn socket errors and bad chunk framing into badbit.
    if (in.bad()) return Error::Invalid("could not read the request body (bad framing or connection error)");
    if (content_length >= 0 && text->size() != static_cast<uint64_t>(content_length))
      return Error::Invalid("request body is shorter than its Content-Length");
    return Status::Ok();
  }

  static void Send(Poco::Net::HTTPServerResponse& resp, const ApiReply& reply) {
    resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    resp.setContentType(reply.content_type);
    resp.set("Cache-Control", "no-store");
    resp.set("X-Content-Type-Options", "nosniff");
    resp.set("X-Frame-Options", "DENY");
    resp.set("Referrer-Policy", "no-referrer");
    resp.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    for (const auto& [name, value] : reply.headers) resp.set(name, value);
    if (reply.stream) {  // one chunk per write, flushed at once: nothing of a stream is held back here
      resp.setChunkedTransferEncoding(true);
      std::ostream& out = resp.send();
      out.flush();
      reply.stream([&out](std::string_view chunk) {
        try {
          if (!out) return false;
          out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          out.flush();
          return static_cast<bool>(out);
        } catch (...) {  // the client went away
          return false;
        }
      });
      return;
    }
    resp.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
    resp.sendBuffer(reply.body.data(), reply.body.size());
  }

  // Lingering close: the answer is out, the connection will be closed; read and drop what the client
  // is still sending (bounded in bytes and time) so it sees the answer rather than a connection reset.
  static void Drain(Poco::Net::HTTPServerRequest& req) {
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&req))
      impl->socket().setReceiveTimeout(Poco::Timespan(0, 500000));
    std::istream& in = req.stream();
    auto deadline = std::chrono::steady_clock::now() + kDrainTime;
    size_t total = 0;
    char buf[16384];
    while (total < kDrainLimit && std::chrono::steady_clock::now() < deadline) {
      in.read(buf, sizeof buf);
      total += static_cast<size_t>(in.gcount());
      if (!in) break;
    }
  }

  // Poco answers "Expect: 100-continue" right after this returns, unless the response status is no
  // longer 200: a request that will be refused (401, 413, ...) must not invite its body.
  void BeforeBody(const Poco::Net::HTTPServerRequest& req) {
    BodyState body;
    Prepared prepared;
    if (std::optional<ApiReply> refused = Precheck(req, &body, &prepared))
      req.response().setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(refused->status));
  }

  // Without an identity store Start() refuses, so no request ever reaches `no_identity`.
  auth::Identity& IdentityOrNone() { return options.identity ? *options.identity : no_identity; }

  const ApiServerOptions options;
  auth::Identity no_identity{nullptr};
  api::RouteContext context;
  api::Authenticator authenticator;
  api::Ingress ingress;
  api::WebhookGate webhooks;
  // A fresh one per Start(): a shut-down table refuses every socket. Replaced only while no handler runs.
  std::unique_ptr<api::WebSocketRelays> relays;
  api::Router router;

  std::mutex mu;  // Start/Stop
  HttpServer http{[this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) { Serve(req, resp); },
                  [this](const Poco::Net::HTTPServerRequest& req) { BeforeBody(req); }};
  std::atomic<uint16_t> bound_port{0};
};

ApiServer::ApiServer(TenantService& service, ApiServerOptions options)
    : ApiServer(service, nullptr, std::move(options)) {}

ApiServer::ApiServer(TenantService& service, SecretService* secrets, ApiServerOptions options)
    : impl_(std::make_unique<Impl>(service, secrets, std::move(options))) {}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const ApiServerOptions& o = impl_->options;
  if (impl_->http.running()) return Error::Conflict("API server is already running");
  if (o.threads < 1) return Error::Invalid("API threads must be at least 1");
  if (o.identity == nullptr) return Error::Invalid("API server needs an identity store");
  if (!o.tls.cert_file.empty() && o.tls.key_file.empty()) return Error::Invalid("API TLS certificate given without a key file");
  HttpServerOptions h;
  h.what = "API";
  h.max_threads = o.threads;
  h.keep_alive_idle = kKeepAliveIdle;
  h.io_timeout = kIoTimeout;
  h.tls_cert_file = o.tls.cert_file;
  h.tls_key_file = o.tls.cert_file.empty() ? "" : o.tls.key_file;  // no certificate: plain HTTP
  h.tls12_ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";
  impl_->relays = std::make_unique<api::WebSocketRelays>(o.websockets);
  impl_->context.relays = impl_->relays.get();
  if (Status s = impl_->http.Start(o.address, o.port, h); !s) return s;
  impl_->bound_port = impl_->http.port();
  return Status::Ok();
}

void ApiServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->http.Stop();
  if (impl_->relays) impl_->relays->Shutdown();
  impl_->bound_port = 0;
}

uint16_t ApiServer::port() const { return impl_->bound_port; }

}  // namespace clawhive
