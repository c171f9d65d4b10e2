#include "supervisor/api/router.h"

#include <algorithm>
#include <stdexcept>

namespace clawhive::api {

const std::string* ApiCall::Query(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return &v;
  return nullptr;
}

const std::string* ApiCall::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

ApiReply ApiReply::Json(int status, const JsonValue& value) {
  ApiReply r;
  r.status = status;
  r.body = value.Serialize();
  return r;
}

ApiReply ApiReply::Fail(int status, const std::string& code, const std::string& message) {
  JsonValue error = JsonValue::Object();
  error.Set("code", JsonValue::String(code)).Set("message", JsonValue::String(message));
  JsonValue doc = JsonValue::Object();
  doc.Set("error", std::move(error));
  return Json(status, doc);
}

ApiReply ApiReply::Fail(const Error& error) {
  ApiReply r = Fail(HttpStatusFor(error.code), ErrorCodeName(error.code), error.message);
  if (error.code == ErrorCode::kUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"clawhive\"");
  return r;
}

void Router::Add(Route route, RouteInput input) {
  Result<std::vector<std::string>> segments = SplitPath(route.pattern);
  if (!segments) throw std::invalid_argument("bad route pattern: " + route.pattern);
  for (size_t i = 0; i < segments->size(); ++i) {
    std::string& s = (*segments)[i];
    if (s.empty()) throw std::invalid_argument("empty segment in route pattern: " + route.pattern);
    if (s.front() == '{') {
      if (s.back() != '}' || s.size() < 3) throw std::invalid_argument("bad placeholder in: " + route.pattern);
      bool rest = s.size() > 5 && s.compare(s.size() - 4, 4, "...}") == 0;
      if (rest && i + 1 != segments->size()) throw std::invalid_argument("a {name...} placeholder must come last: " + route.pattern);
      s = rest ? "{...}" : "{}";
    }
  }
  // Tenant-scoped routes name their tenant in the first placeholder, which the authorization point reads.
  if ((route.access == Access::kTenantRead || route.access == Access::kTenantWrite) &&
      (segments->size() < 3 || (*segments)[0] != "v1" || (*segments)[1] != "tenants" || (*segments)[2] != "{}"))
    throw std::invalid_argument("tenant-scoped route must start with /v1/tenants/{id}: " + route.pattern);
  entries_.push_back({std::move(route), std::move(*segments), std::move(input)});
}

std::vector<const Route*> Router::routes() const {
  std::vector<const Route*> out;
  for (const Entry& e : entries_) out.push_back(&e.route);
  return out;
}

const char* ToString(Access access) {
  switch (access) {
    case Access::kPublic: return "public";
    case Access::kAuthenticated: return "authenticated";
    case Access::kTenantRead: return "tenant-read";
    case Access::kTenantWrite: return "tenant-write";
    case Access::kOperator: return "operator";
  }
  return "operator";
}

Router::Resolution Router::Resolve(std::string_view method, const std::vector<std::string>& segments) const {
  Resolution res;
  for (const Entry& e : entries_) {
    const bool rest = !e.segments.empty() && e.segments.back() == "{...}";
    const size_t fixed = rest ? e.segments.size() - 1 : e.segments.size();
    if (rest ? segments.size() < fixed : segments.size() != fixed) continue;
    std::vector<std::string> params;
    bool match = true;
    for (size_t i = 0; i < fixed && match; ++i) {
      if (e.segments[i] == "{}") params.push_back(segments[i]);
      else match = e.segments[i] == segments[i];
    }
    if (rest && match) {
      std::string tail;
      for (size_t i = fixed; i < segments.size() && match; ++i) {
        match = segments[i].find('/') == std::string::npos;  // "/a%2Fb" and "/a/b" must not look alike
        tail += "/" + segments[i];
      }
      params.push_back(std::move(tail));
    }
    if (!match) continue;
    if (e.route.method == method) {
      res.outcome = Resolution::Outcome::kFound;
      res.route = &e.route;
      res.input = &e.input;
      res.params = std::move(params);
      res.allowed.clear();
      return res;
    }
    res.outcome = Resolution::Outcome::kMethodNotAllowed;
    if (std::find(res.allowed.begin(), res.allowed.end(), e.route.method) == res.allowed.end())
      res.allowed.push_back(e.route.method);
  }
  return res;
}

Result<std::string> PercentDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    bool complete = i + 2 < text.size();
    int hi = complete ? hex(text[i + 1]) : -1;
    int lo = complete ? hex(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return Error::Invalid("malformed percent-encoding in the request URI");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<std::vector<std::string>> SplitPath(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return Error::Invalid("the request target must be a path");
  std::vector<std::string> out;
  if (raw_path.size() == 1) return out;
  size_t start = 1;
  while (true) {
    size_t slash = raw_path.find('/', start);
    std::string_view piece = raw_path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    Result<std::string> decoded = PercentDecode(piece);
    if (!decoded) return decoded.error();
    out.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

Result<QueryParams> ParseQuery(std::string_view raw_query) {
  QueryParams out;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    std::string_view piece = raw_query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      Result<std::string> name = PercentDecode(piece.substr(0, eq));
      if (!name) return name.error();
      Result<std::string> value = PercentDecode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
      if (!value) return value.error();
      out.emplace_back(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

Result<size_t> ParseLimit(const std::string* text, size_t default_limit, size_t max_limit) {
  if (text == nullptr) return default_limit;
  const std::string msg = "query parameter 'limit' must be an integer from 1 to " + std::to_string(max_limit);
  if (text->empty() || text->size() > 9) return Error::Invalid(msg);
  size_t n = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return Error::Invalid(msg);
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n < 1 || n > max_limit) return Error::Invalid(msg);
  return n;
}

}  // namespace clawhive::api
