// The web console's static files (console/ in the source tree, installed to Config::console_dir) and the
// installation's branding: product name, primary colour and logo, shown on the sign-in page and every
// page. The console has no build step: the files are served as they are.
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include "supervisor/api/body.h"
#include "supervisor/api/routes.h"
#include "supervisor/auth/encoding.h"

namespace clawhive::api {
namespace {

constexpr size_t kMaxConsoleFile = 4 << 20;
constexpr size_t kMaxLogoBytes = 256 << 10;
const char kNameKey[] = "branding.product_name";
const char kColorKey[] = "branding.primary_color";
const char kLogoKey[] = "branding.logo_png";
const char kPngSignature[] = "\x89PNG\r\n\x1a\n";

// The console's CSP: nothing inline, nothing from elsewhere.
const char kConsoleCsp[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

bool SafeFileName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

std::string ContentType(const std::string& name) {
  auto ends = [&](const char* ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (unsigned char c : n)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

bool ValidColor(const std::string& c) {
  if (c.size() != 7 || c[0] != '#') return false;
  for (size_t i = 1; i < 7; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return false;
  return true;
}

struct Branding {
  std::string product_name, primary_color;
  bool logo = false;
};

Result<Branding> LoadBranding(RouteContext& ctx) {
  return ctx.identity.With([&](auto& store) -> Result<Branding> {
    Branding b{ctx.branding.product_name, ctx.branding.primary_color, false};
    auto name = store->GetSetting(kNameKey);
    if (!name) return name.error();
    if (name->has_value()) b.product_name = **name;
    auto color = store->GetSetting(kColorKey);
    if (!color) return color.error();
    if (color->has_value()) b.primary_color = **color;
    auto logo = store->GetSetting(kLogoKey);
    if (!logo) return logo.error();
    b.logo = logo->has_value();
    return b;
  });
}

ApiReply BrandingReply(RouteContext& ctx) {
  Result<Branding> b = LoadBranding(ctx);
  if (!b) return ApiReply::Fail(b.error());
  JsonValue doc = JsonValue::Object();
  doc.Set("product_name", JsonValue::String(b->product_name))
      .Set("primary_color", JsonValue::String(b->primary_color))
      .Set("logo", JsonValue::Bool(b->logo));
  return ApiReply::Json(200, doc);
}

ApiReply Redirect(const std::string& to) {
  ApiReply r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "see " + to + "\n";
  r.headers.emplace_back("Location", to);
  return r;
}

}  // namespace

void AddConsoleRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  r.Add({"GET", "/", Access::kPublic, BodyKind::kNone, {}, [](const ApiCall&) { return Redirect("/console/"); }});
  r.Add({"GET", "/console", Access::kPublic, BodyKind::kNone, {}, [](const ApiCall&) { return Redirect("/console/"); }});
  // "/console/" arrives as the empty file name: the console's page.
  r.Add({"GET", "/console/{file}", Access::kPublic, BodyKind::kNone, {}, [x](const ApiCall& c) {
           std::string name = c.params[0].empty() ? "index.html" : c.params[0];
           if (x->console_dir.empty() || !SafeFileName(name))
             return ApiReply::Fail(Error::NotFound("no such console file"));
           std::ifstream in(x->console_dir + "/" + name, std::ios::binary);
           if (!in) return ApiReply::Fail(Error::NotFound("no such console file"));
           std::ostringstream data;
           data << in.rdbuf();
           if (data.str().size() > kMaxConsoleFile) return ApiReply::Fail(Error::Internal("console file too large"));
           ApiReply reply;
           reply.content_type = ContentType(name);
           reply.body = data.str();
           reply.headers.emplace_back("Content-Security-Policy", kConsoleCsp);
           reply.headers.emplace_back("Cache-Control", "no-cache");
           return reply;
         }});
  r.Add({"GET", "/v1/branding", Access::kPublic, BodyKind::kNone, {}, [x](const ApiCall&) { return BrandingReply(*x); }});
  r.Add({"GET", "/v1/branding/logo", Access::kPublic, BodyKind::kNone, {}, [x](const ApiCall&) {
           auto logo = x->identity.With([](auto& store) { return store->GetSetting(kLogoKey); });
           if (!logo) return ApiReply::Fail(logo.error());
           if (!logo->has_value()) return ApiReply::Fail(Error::NotFound("no logo is set"));
           ApiReply reply;
           reply.content_type = "image/png";
           reply.body = std::move(**logo);
           reply.headers.emplace_back("Cache-Control", "no-cache");
           return reply;
         }});
  r.Add({"PUT", "/v1/branding", Access::kOperator, BodyKind::kJson, {}, [x](const ApiCall& c) {
           Result<BodyReader> body = BodyReader::Of(c.body, {"product_name", "primary_color", "logo_png_base64"});
           if (!body) return ApiReply::Fail(body.error());
           Result<std::optional<std::string>> name = body->String("product_name", false, 256);
           if (!name) return ApiReply::Fail(name.error());
           if (*name && !ValidName(**name))
             return ApiReply::Fail(Error::Invalid("product_name: 1 to 64 bytes of text without control characters"));
           Result<std::optional<std::string>> color = body->String("primary_color", false, 16);
           if (!color) return ApiReply::Fail(color.error());
           if (*color && !ValidColor(**color))
             return ApiReply::Fail(Error::Invalid("primary_color: expected a colour such as #1f6feb"));
           Result<std::optional<std::string>> logo = body->String("logo_png_base64", false, 4 * kMaxLogoBytes / 3 + 8);
           if (!logo) return ApiReply::Fail(logo.error());
           std::string png;
           if (*logo && !(*logo)->empty()) {
             std::string_view b64 = **logo;
             while (!b64.empty() && b64.back() == '=') b64.remove_suffix(1);  // browsers pad; we need not
             if (!auth::Base64Decode(b64, false, &png) || png.size() > kMaxLogoBytes || png.rfind(kPngSignature, 0) != 0)
               return ApiReply::Fail(Error::Invalid("logo_png_base64: expected a base64 PNG image of at most 256 KiB"));
           }
           Status s = x->identity.With([&](auto& store) -> Status {
             if (*name) { if (Status st = store->SetSetting(kNameKey, **name); !st) return st; }
             if (*color) { if (Status st = store->SetSetting(kColorKey, **color); !st) return st; }
             if (*logo) {
               if (png.empty()) return store->DeleteSetting(kLogoKey);
               return store->SetSetting(kLogoKey, png);
             }
             return Status::Ok();
           });
           if (!s) return ApiReply::Fail(s.error());
           return BrandingReply(*x);
         }});
}

}  // namespace clawhive::api
