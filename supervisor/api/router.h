// The API's route table: method + path pattern ("/v1/tenants/{id}/start") -> handler, with what each
// route needs declared next to it (who may call it, whether it takes a JSON body, which query
// parameters it accepts). The server resolves, authorizes and validates from these declarations in one
// place before a handler runs; handlers never check auth themselves.
//
// Transport-neutral (no Poco): handlers take an ApiCall and give back an ApiReply.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/auth/principal.h"
#include "supervisor/common/result.h"

namespace clawhive::api {

struct DetachedConnection;  // supervisor/api/detached_connection.h: the client's socket, with Poco

// Who may call a route (docs/security.md, "Roles"). The server's one authorization point
// (supervisor/api/authorize.h) decides from this and the caller's principal before any handler runs.
enum class Access {
  kPublic,         // anyone, no credentials (health, login, branding, the console's files)
  kAuthenticated,  // any signed-in caller; the handler only ever shows the caller's own scope
  kTenantRead,     // the tenant in the path's first placeholder: its own viewers/admins, or an operator
  kTenantWrite,    // that tenant's admins, or an operator
  kOperator,       // operators only: the whole platform
};
const char* ToString(Access access);  // "public", "authenticated", "tenant-read", "tenant-write", "operator"


enum class BodyKind {
  kNone,  // any body sent is read (within max_body) and ignored
  kJson,  // Content-Type application/json required; parsed before the handler runs
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct ApiCall {
  std::vector<std::string> params;  // the pattern's {name} segments in order, percent-decoded
  QueryParams query;                // only names the route declared, each at most once, decoded
  // Set for BodyKind::kJson routes. Mutable so a handler can move a secret out of it (TakeString);
  // the dispatcher wipes the whole document, and the raw body, after the handler returns.
  JsonValue* body = nullptr;
  // Who is calling (nullptr on public routes when no credentials came), from where, and how.
  const auth::Principal* principal = nullptr;
  std::string address;           // peer IP address
  std::string session_id;        // the session cookie, when the caller signed in with one
  bool tls = true;               // arrived over HTTPS
  // The request headers the route declared (Route::headers) that came, each once, under the declared
  // name; nothing else of the request head reaches a handler.
  std::vector<std::pair<std::string, std::string>> headers;
  // The body as it came (wiped by the dispatcher with the parsed document), for a handler that passes
  // it on unchanged; nullptr when there was none.
  const std::string* raw_body = nullptr;

  const std::string* Query(std::string_view name) const;
  const std::string* Header(std::string_view name) const;
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the audit log, when the path does not say: the tenant acted on (POST /v1/tenants) and the
  // actor (a sign-in attempt names its user before there is a principal).
  std::string audit_tenant;
  std::string audit_actor;
  std::string audit_role;
  // A body produced after the head went out (a chat's server-sent events): when set, the server sends
  // status and headers with chunked transfer encoding, then calls it on the request thread with a writer
  // that sends one chunk per call and returns false once the client is gone; `body` is ignored. It may
  // block (it bounds its own time) and must not throw.
  using ChunkWriter = std::function<bool(std::string_view)>;
  std::function<void(const ChunkWriter&)> stream;
  // A reply that takes the connection over (a WebSocket, supervisor/api/control_ui_routes.h): when set,
  // the server sends nothing, takes the client's socket off its pool and hands it here on the request
  // thread, which must return promptly (it starts its own thread); `status` is what the audit log records.
  // Must not throw. The socket is never reused for HTTP.
  std::function<void(DetachedConnection&&)> takeover;

  static ApiReply Json(int status, const JsonValue& value);
  // {"error":{"code":"...","message":"..."}} with the HTTP status for the code; 401 also gets
  // WWW-Authenticate.
  static ApiReply Fail(const Error& error);
  // For errors that have no ErrorCode (405, 415, unknown route).
  static ApiReply Fail(int status, const std::string& code, const std::string& message);
};

int HttpStatusFor(ErrorCode code);

struct Route {
  std::string method;   // "GET", "POST", ...
  // Literal segments and {name} placeholders; no trailing slash. A last placeholder {name...} takes the
  // rest of the path, zero or more segments, as one parameter: "" for none, else each decoded segment
  // after a '/' ("/assets/app.js", "/" for a trailing slash); a segment holding an encoded '/' matches
  // nothing.
  std::string pattern;
  Access access = Access::kOperator;
  BodyKind body = BodyKind::kNone;
  std::vector<std::string> query;  // accepted query parameter names; others are a 400
  std::function<ApiReply(const ApiCall&)> handler;
};

// What a few routes read beyond their Route declaration (kept apart, so the many that read nothing more
// need not say so).
struct RouteInput {
  std::vector<std::string> headers;  // request headers the handler reads (ApiCall::headers)
  size_t max_body = 0;               // a smaller body limit than the server's (413 above it); 0: the server's
  // Any query string is accepted and none reaches the handler (pages of a web app whose URLs carry the
  // app's own state); otherwise undeclared names are a 400.
  bool ignore_query = false;
};

class Router {
 public:
  // Throws std::invalid_argument for a malformed pattern, or a tenant-scoped route whose pattern does not
  // start with /v1/tenants/{id}: route tables are code, not input.
  void Add(Route route, RouteInput input = {});

  struct Resolution {
    enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;      // kFound
    const RouteInput* input = nullptr; // kFound
    std::vector<std::string> params;   // kFound
    std::vector<std::string> allowed;  // kMethodNotAllowed: methods the path does have
  };
  // `segments` as SplitPath gives them. Routes are tried in the order added.
  Resolution Resolve(std::string_view method, const std::vector<std::string>& segments) const;
  // Every route, in the order added (the OpenAPI walker and the authorization matrix test read these).
  std::vector<const Route*> routes() const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;  // "{}" marks a placeholder
    RouteInput input;
  };
  std::vector<Entry> entries_;
};

// "%41b" -> "Ab". '+' is kept as is. A '%' not followed by two hex digits is an error.
Result<std::string> PercentDecode(std::string_view text);
// "/v1/tenants/a%2Fb" -> {"v1", "tenants", "a/b"}: split on '/' first, then decode each segment, so an
// encoded slash stays inside its segment. Must start with '/'. "/" -> {}; "/a/" -> {"a", ""}.
Result<std::vector<std::string>> SplitPath(std::string_view raw_path);
// "a=1&b=&c" -> {a:1, b:"", c:""}, decoded; empty pieces are skipped.
Result<QueryParams> ParseQuery(std::string_view raw_query);
// The `limit` query parameter: nullptr (absent) -> default_limit, else an integer from 1 to max_limit.
Result<size_t> ParseLimit(const std::string* text, size_t default_limit, size_t max_limit);

}  // namespace clawhive::api
