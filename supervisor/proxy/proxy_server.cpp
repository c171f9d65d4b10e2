#include "supervisor/proxy/proxy_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "supervisor/common/http_server.h"
#include "supervisor/common/json.h"
#include "supervisor/proxy/usage_parser.h"

namespace clawhive::proxy {

using meter::ApiKind;
using meter::ModelPrice;
using meter::Provider;

namespace {

int64_t SystemMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An error the way the called API reports errors, so the agent's SDK shows the message.
struct Failure {
  int status;
  std::string type;  // OpenAI error.type / Anthropic error.type
  std::string code;  // OpenAI error.code
  std::string message;
};

std::string ErrorBody(ApiKind kind, const Failure& f) {
  JsonValue err = JsonValue::Object();
  if (kind == ApiKind::kAnthropic) {
    err.Set("type", JsonValue::String(f.type)).Set("message", JsonValue::String(f.message));
    JsonValue doc = JsonValue::Object();
    doc.Set("type", JsonValue::String("error")).Set("error", std::move(err));
    return doc.Serialize();
  }
  err.Set("message", JsonValue::String(f.message))
      .Set("type", JsonValue::String(f.type))
      .Set("code", JsonValue::String(f.code));
  JsonValue doc = JsonValue::Object();
  doc.Set("error", std::move(err));
  return doc.Serialize();
}

Failure Unauthorized(ApiKind k, const std::string& m) {
  return {401, k == ApiKind::kAnthropic ? "authentication_error" : "invalid_request_error", "invalid_api_key", m};
}
Failure Invalid(const std::string& m) { return {400, "invalid_request_error", "invalid_request", m}; }
Failure Limited(ApiKind k, const std::string& m) {
  return {429, k == ApiKind::kAnthropic ? "rate_limit_error" : "insufficient_quota", "budget_exceeded", m};
}
Failure Upstream(int status, const std::string& m) { return {status, "api_error", "provider_unavailable", m}; }

// Sessions to providers with Nagle off: a request head and its body are separate writes, and an SSE
// event is a small one; neither may wait for the previous segment's ACK.
template <typename Base>
class NoDelay : public Base {
 public:
  using Base::Base;

 protected:
  void connect(const Poco::Net::SocketAddress& address) override {
    Base::connect(address);
    this->socket().setNoDelay(true);
  }
};

// Idle keep-alive connections to providers, by base URL.
class UpstreamPool {
 public:
  std::unique_ptr<Poco::Net::HTTPClientSession> Acquire(const Poco::URI& base, int timeout_s) {
    const std::string key = base.getScheme() + "://" + base.getAuthority();
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& idle = idle_[key];
      if (!idle.empty()) {
        auto s = std::move(idle.back());
        idle.pop_back();
        return s;
      }
    }
    return Fresh(base, timeout_s);
  }
  std::unique_ptr<Poco::Net::HTTPClientSession> Fresh(const Poco::URI& base, int timeout_s) {
    std::unique_ptr<Poco::Net::HTTPClientSession> s;
    if (base.getScheme() == "https") s = std::make_unique<NoDelay<Poco::Net::HTTPSClientSession>>(base.getHost(), base.getPort());
    else s = std::make_unique<NoDelay<Poco::Net::HTTPClientSession>>(base.getHost(), base.getPort());
    s->setKeepAlive(true);
    s->setTimeout(Poco::Timespan(10, 0), Poco::Timespan(timeout_s, 0), Poco::Timespan(timeout_s, 0));
    return s;
  }
  void Release(const Poco::URI& base, std::unique_ptr<Poco::Net::HTTPClientSession> s) {
    const std::string key = base.getScheme() + "://" + base.getAuthority();
    std::lock_guard<std::mutex> lock(mu_);
    auto& idle = idle_[key];
    if (idle.size() < 256) idle.push_back(std::move(s));
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>>> idle_;
};

// The providers as last read from the ledger; re-read when another process committed to meter.db.
class ProviderCache {
 public:
  explicit ProviderCache(meter::Ledger& l) : ledger_(l) {}
  Result<std::vector<Provider>> Get() {
    Result<int64_t> version = ledger_.DataVersion();
    if (!version) return version.error();
    std::lock_guard<std::mutex> lock(mu_);
    if (!loaded_ || *version != version_) {
      Result<std::vector<Provider>> fresh = ledger_.Providers();
      if (!fresh) return fresh.error();
      providers_ = std::move(*fresh);
      version_ = *version;
      loaded_ = true;
    }
    return providers_;
  }

 private:
  meter::Ledger& ledger_;
  std::mutex mu_;
  bool loaded_ = false;
  int64_t version_ = 0;
  std::vector<Provider> providers_;
};

bool Allowed(const meter::Budget& b, const std::string& provider) {
  if (b.providers.empty()) return true;
  for (const std::string& p : b.providers)
    if (p == provider) return true;
  return false;
}

// The provider (of the right API kind, allowed to the tenant) offering `model`.
const Provider* Find(const std::vector<Provider>& ps, const meter::Budget& b, ApiKind kind, const std::string& model,
                     const ModelPrice** price) {
  for (const Provider& p : ps) {
    if (p.kind != kind || !Allowed(b, p.name)) continue;
    for (const ModelPrice& m : p.models)
      if (m.name == model) {
        *price = &m;
        return &p;
      }
  }
  return nullptr;
}

std::string BearerOrKey(const Poco::Net::HTTPServerRequest& req) {
  if (req.has("Authorization")) {
    const std::string& h = req.get("Authorization");
    if (h.size() > 7 && (h.compare(0, 7, "Bearer ") == 0 || h.compare(0, 7, "bearer ") == 0)) return h.substr(7);
    return "";
  }
  if (req.has("x-api-key")) return req.get("x-api-key");
  return "";
}

}  // namespace

struct ProxyServer::Impl {
  Impl(ProxyOptions o, meter::Ledger& l, KeySource& k, PeerIdentity* p)
      : options(std::move(o)), ledger(l), keys(k), peers(p), providers(l) {
    if (!options.now_ms) options.now_ms = SystemMs;
  }

  void Serve(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&req)) impl->socket().setNoDelay(true);
    const std::string path = req.getURI().substr(0, req.getURI().find('?'));
    ApiKind kind = path == "/v1/messages" ? ApiKind::kAnthropic : ApiKind::kOpenAI;
    auto fail = [&](const Failure& f) {
      std::string body = ErrorBody(kind, f);
      resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(f.status));
      resp.setContentType("application/json");
      resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
      if (f.status == 429) resp.set("Retry-After", "60");
      resp.sendBuffer(body.data(), body.size());
    };
    try {
      // Who: the token names the tenant; the connecting process must be that tenant's agent (or root).
      std::string token = BearerOrKey(req);
      if (token.empty()) return fail(Unauthorized(kind, "missing proxy token (Authorization: Bearer or x-api-key)"));
      Result<meter::Ledger::TokenOwner> owner = ledger.TenantOfToken(token);
      if (!owner) return fail(Unauthorized(kind, "invalid or revoked proxy token"));
      if (peers != nullptr) {
        std::optional<uint32_t> uid = peers->UidOf(req.clientAddress().host().toString(), req.clientAddress().port(),
                                                   req.serverAddress().port());
        if (!uid || (*uid != 0 && *uid != owner->uid))
          return fail(Unauthorized(kind, "this proxy token belongs to another tenant"));
      }
      Result<meter::Budget> budget = ledger.GetBudget(owner->tenant);
      if (!budget) return fail(Upstream(503, "metering is unavailable: " + budget.error().message));

      if (req.getMethod() == "GET" && path == "/v1/models") return Models(resp, *budget);
      bool known = path == "/v1/chat/completions" || path == "/v1/responses" || path == "/v1/messages";
      if (!known) return fail({404, "invalid_request_error", "not_found", "no such endpoint: " + Printable(path)});
      if (req.getMethod() != "POST") return fail({405, "invalid_request_error", "method_not_allowed", "use POST"});

      // The body: bounded, then what the books need from it.
      if (req.hasContentLength() && static_cast<uint64_t>(req.getContentLength64()) > options.max_body)
        return fail({413, "invalid_request_error", "too_large", "request body is larger than " + std::to_string(options.max_body) + " bytes"});
      std::string body;
      {
        std::istream& in = req.stream();
        char buf[65536];
        while (in) {
          in.read(buf, sizeof buf);
          body.append(buf, static_cast<size_t>(in.gcount()));
          if (body.size() > options.max_body)
            return fail({413, "invalid_request_error", "too_large", "request body is larger than " + std::to_string(options.max_body) + " bytes"});
        }
      }
      Result<RequestInfo> info = ParseRequest(body);
      if (!info) return fail(Invalid(info.error().message));

      Result<std::vector<Provider>> ps = providers.Get();
      if (!ps) return fail(Upstream(503, "metering is unavailable: " + ps.error().message));
      const ModelPrice* price = nullptr;
      const Provider* provider = Find(*ps, *budget, kind, info->model, &price);
      if (provider == nullptr)
        return fail({404, "invalid_request_error", "model_not_found", "model '" + Printable(info->model) + "' is not offered to this tenant"});

      // Reserve the most this request can cost: the prompt (bytes / 3, an over-estimate) and the
      // largest completion it may ask for.
      const int64_t prompt_estimate = static_cast<int64_t>(body.size() + 2) / 3;
      const int64_t max_out = std::min(info->max_tokens.value_or(price->max_output_tokens), price->max_output_tokens);
      const int64_t max_cost = meter::CostMicros(prompt_estimate, max_out, price->in_per_million, price->out_per_million);
      const int64_t started = options.now_ms();
      Result<meter::Reservation> reservation = ledger.Reserve(owner->tenant, max_cost, prompt_estimate + max_out, started);
      if (!reservation) {
        if (reservation.error().code == ErrorCode::kRateLimited) return fail(Limited(kind, reservation.error().message));
        return fail(Upstream(503, "metering is unavailable: " + reservation.error().message));
      }
      if (reservation->fallback) {
        const ModelPrice* fprice = nullptr;
        const Provider* fp = Find(*ps, *budget, kind, budget->fallback_model, &fprice);
        Result<std::string> rewritten = fp ? WithModel(body, budget->fallback_model) : Result<std::string>(Error::NotFound(""));
        if (!fp || !rewritten) {
          (void)ledger.Settle(*reservation, meter::UsageRecord{0, owner->tenant, started, "-", info->model, 0, 0, false, 0, 0, 429, info->stream});
          return fail(Limited(kind, "budget exhausted and the fallback model '" + budget->fallback_model + "' is not available"));
        }
        body = std::move(*rewritten);
        provider = fp;
        price = fprice;
        info->model = budget->fallback_model;
      }
      Forward(req, resp, kind, path, body, *info, *provider, *price, *reservation, owner->tenant, prompt_estimate, started);
    } catch (const Poco::Exception&) {
      // The client went away before an answer could be sent; nothing is reserved at this point.
    } catch (const std::exception&) {
    }
  }

  void Models(Poco::Net::HTTPServerResponse& resp, const meter::Budget& budget) {
    Result<std::vector<Provider>> ps = providers.Get();
    JsonValue data = JsonValue::Array();
    if (ps)
      for (const Provider& p : *ps)
        if (Allowed(budget, p.name))
          for (const ModelPrice& m : p.models) {
            JsonValue o = JsonValue::Object();
            o.Set("id", JsonValue::String(m.name))
                .Set("object", JsonValue::String("model"))
                .Set("owned_by", JsonValue::String(p.name));
            data.Push(std::move(o));
          }
    JsonValue doc = JsonValue::Object();
    doc.Set("object", JsonValue::String("list")).Set("data", std::move(data));
    std::string body = doc.Serialize();
    resp.setContentType("application/json");
    resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
    resp.sendBuffer(body.data(), body.size());
  }

  void Forward(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, ApiKind kind,
               const std::string& path, const std::string& body, const RequestInfo& info, const Provider& provider,
               const ModelPrice& price, const meter::Reservation& reservation, const std::string& tenant,
               int64_t prompt_estimate, int64_t started) {
    meter::UsageRecord usage;
    usage.tenant = tenant;
    usage.provider = provider.name;
    usage.model = info.model;
    usage.stream = info.stream;
    Usage reported;
    int64_t streamed_bytes = 0;
    auto settle = [&](int status) {
      usage.at_ms = started;
      usage.status = status;
      usage.latency_ms = options.now_ms() - started;
      usage.estimated = !reported.complete();
      usage.prompt_tokens = reported.prompt_tokens.value_or(status == 200 || status == 0 ? prompt_estimate : 0);
      usage.completion_tokens = reported.completion_tokens.value_or((streamed_bytes + 3) / 4);
      if (status >= 400 && !reported.complete()) usage.prompt_tokens = usage.completion_tokens = 0;  // not billed
      usage.cost_micros = meter::CostMicros(usage.prompt_tokens, usage.completion_tokens, price.in_per_million, price.out_per_million);
      (void)ledger.Settle(reservation, usage);
    };
    auto fail = [&](const Failure& f) {
      settle(f.status);
      std::string b = ErrorBody(kind, f);
      resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(f.status));
      resp.setContentType("application/json");
      resp.setContentLength64(static_cast<Poco::Int64>(b.size()));
      resp.sendBuffer(b.data(), b.size());
    };

    Result<std::string> key = keys.Key(provider.key_secret);
    if (!key) return fail(Upstream(502, "provider '" + provider.name + "' has no key: " + key.error().message));
    Poco::URI base;
    try {
      base = Poco::URI(provider.base_url);
    } catch (const Poco::Exception&) {
      return fail(Upstream(502, "provider '" + provider.name + "' has a malformed base URL"));
    }
    std::string prefix = base.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    // Provider base URLs name the API root ("https://api.openai.com/v1" or ".../v1/"): don't double /v1.
    std::string target = prefix.ends_with("/v1") ? prefix + path.substr(3) : prefix + path;

    std::unique_ptr<Poco::Net::HTTPClientSession> session = pool.Acquire(base, options.upstream_timeout_s);
    Poco::Net::HTTPResponse up;
    std::istream* in = nullptr;
    try {
      Poco::Net::HTTPRequest out(Poco::Net::HTTPRequest::HTTP_POST, target, Poco::Net::HTTPMessage::HTTP_1_1);
      out.setKeepAlive(true);
      out.setContentType(req.getContentType().empty() ? "application/json" : req.getContentType());
      out.setContentLength64(static_cast<Poco::Int64>(body.size()));
      for (const char* h : {"Accept", "anthropic-version", "anthropic-beta", "OpenAI-Beta", "OpenAI-Organization"})
        if (req.has(h)) out.set(h, req.get(h));
      if (kind == ApiKind::kAnthropic) out.set("x-api-key", *key);
      else out.set("Authorization", "Bearer " + *key);
      try {
        session->sendRequest(out).write(body.data(), static_cast<std::streamsize>(body.size()));
        in = &session->receiveResponse(up);
      } catch (const Poco::Exception&) {
        // A pooled connection the provider had closed: one retry on a fresh one.
        session = pool.Fresh(base, options.upstream_timeout_s);
        session->sendRequest(out).write(body.data(), static_cast<std::streamsize>(body.size()));
        in = &session->receiveResponse(up);
      }
    } catch (const Poco::TimeoutException&) {
      return fail(Upstream(504, "provider '" + provider.name + "' did not answer in time"));
    } catch (const Poco::Exception& e) {
      return fail(Upstream(502, "provider '" + provider.name + "' is unreachable: " + e.displayText()));
    }

    const int status = static_cast<int>(up.getStatus());
    resp.setStatusAndReason(up.getStatus(), up.getReason());
    if (up.has("Content-Type")) resp.setContentType(up.getContentType());
    for (const char* h : {"x-request-id", "request-id", "retry-after", "openai-processing-ms"})
      if (up.has(h)) resp.set(h, up.get(h));
    const bool sse = up.getContentType().find("text/event-stream") != std::string::npos;
    bool client_gone = false;
    bool upstream_ok = true;
    try {
      if (sse) {
        SseUsageParser parser;
        resp.setChunkedTransferEncoding(true);
        std::ostream& out = resp.send();
        out.flush();
        char buf[16384];
        while (true) {
          if (in->peek() == std::char_traits<char>::eof()) break;  // blocks until bytes or the end
          std::streamsize n = in->readsome(buf, sizeof buf);
          if (n <= 0) break;
          parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
          out.write(buf, n);
          out.flush();  // one chunk per read: nothing is held back
          if (!out) {
            client_gone = true;
            break;
          }
        }
        if (in->bad()) upstream_ok = false;
        reported = parser.usage();
        streamed_bytes = parser.data_bytes();
      } else {
        std::string answer;
        char buf[65536];
        while (*in) {
          in->read(buf, sizeof buf);
          answer.append(buf, static_cast<size_t>(in->gcount()));
          if (answer.size() > (size_t{256} << 20)) break;
        }
        if (in->bad()) upstream_ok = false;
        if (status == 200) reported = UsageOfBody(answer);
        streamed_bytes = static_cast<int64_t>(answer.size());
        resp.setContentLength64(static_cast<Poco::Int64>(answer.size()));
        resp.sendBuffer(answer.data(), answer.size());
      }
    } catch (const Poco::Exception&) {
      client_gone = true;  // writing to the agent failed: it went away
    }
    if (client_gone || !upstream_ok) session->reset();  // drop the half-read upstream stream
    else pool.Release(base, std::move(session));
    settle(client_gone ? 0 : status);
  }

  ProxyOptions options;
  meter::Ledger& ledger;
  KeySource& keys;
  PeerIdentity* peers;
  ProviderCache providers;
  UpstreamPool pool;
  HttpServer http{[this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) { Serve(req, resp); }};
};

ProxyServer::ProxyServer(ProxyOptions options, meter::Ledger& ledger, KeySource& keys, PeerIdentity* peers)
    : impl_(std::make_unique<Impl>(std::move(options), ledger, keys, peers)) {}

ProxyServer::~ProxyServer() { Stop(); }

Status ProxyServer::Start() {
  HttpServerOptions h;
  h.what = "metering proxy";
  h.min_threads = 4;
  h.max_threads = impl_->options.threads;
  h.max_queued = 1024;
  h.listen_backlog = 1024;
  h.keep_alive_idle = Poco::Timespan(30, 0);
  h.max_keep_alive_requests = 100000;
  h.io_timeout = Poco::Timespan(impl_->options.upstream_timeout_s, 0);
  return impl_->http.Start(impl_->options.address, impl_->options.port, h);
}

void ProxyServer::Stop() { impl_->http.Stop(); }

uint16_t ProxyServer::port() const { return impl_->http.port(); }

}  // namespace clawhive::proxy
