#include "tests/stub/telegram_stub.h"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <sstream>

#include "supervisor/common/http_server.h"
#include "supervisor/common/json.h"

namespace clawhive::stub {
namespace {

constexpr int64_t kBotId = 777000111;
constexpr auto kMaxPoll = std::chrono::seconds(2);

JsonValue Str(std::string s) { return JsonValue::String(std::move(s)); }

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// A parameter's value as text, whatever its JSON kind ("" when absent).
std::string Text(const JsonValue& params, const char* name) {
  const JsonValue* v = params.Find(name);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? v->string() : v->Serialize();
}

int64_t Integer(const JsonValue& params, const char* name, int64_t fallback) {
  std::string t = Text(params, name);
  if (t.empty()) return fallback;
  try {
    return std::stoll(t);
  } catch (...) {
    return fallback;
  }
}

JsonValue Chat(const std::string& chat_id) {
  JsonValue chat = JsonValue::Object();
  int64_t id = 0;
  try {
    id = std::stoll(chat_id);
  } catch (...) {
  }
  chat.Set("id", JsonValue::Signed(id)).Set("type", Str("private"));
  return chat;
}

}  // namespace

struct TelegramStub::Impl {
  TelegramStubOptions options;
  HttpServer server{[this](Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) { Serve(req, resp); }};

  mutable std::mutex mu;
  std::condition_variable queued;
  bool stopping = false;
  std::deque<std::pair<int64_t, std::string>> updates;  // (update_id, the update without its id)
  int64_t next_update = 1001;
  int64_t next_message = 5000;
  std::vector<BotCall> calls;
  std::vector<SentMessage> sent;
  std::string webhook_url, webhook_secret;

  explicit Impl(TelegramStubOptions o) : options(std::move(o)) {}

  static void Answer(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body) {
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType("application/json");
    resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
    resp.sendBuffer(body.data(), body.size());
  }
  static std::string Ok(JsonValue result) {
    JsonValue doc = JsonValue::Object();
    doc.Set("ok", JsonValue::Bool(true)).Set("result", std::move(result));
    return doc.Serialize();
  }

  // The call's parameters: a JSON body, else the query string and a form body.
  static JsonValue Params(Poco::Net::HTTPServerRequest& req, const std::string& body) {
    if (req.getContentType().rfind("application/json", 0) == 0) {
      Result<JsonValue> doc = ParseJson(body);
      if (doc && doc->is_object()) return std::move(*doc);
    }
    JsonValue params = JsonValue::Object();
    try {
      for (const auto& [k, v] : Poco::URI(req.getURI()).getQueryParameters()) params.Set(k, Str(v));
      if (req.getContentType().rfind("application/x-www-form-urlencoded", 0) == 0) {
        Poco::Net::HTMLForm form;
        form.read(body);
        for (const auto& [k, v] : form) params.Set(k, Str(v));
      }
    } catch (...) {
    }
    return params;
  }

  std::string Message(const std::string& chat_id, const std::string& text) {
    JsonValue m = JsonValue::Object();
    m.Set("message_id", JsonValue::Signed(next_message++))
        .Set("date", JsonValue::Signed(Now()))
        .Set("chat", Chat(chat_id))
        .Set("text", Str(text));
    return m.Serialize();
  }

  std::string Updates(int64_t offset, std::chrono::seconds timeout, int64_t limit) {
    std::unique_lock<std::mutex> lock(mu);
    while (!updates.empty() && updates.front().first < offset) updates.pop_front();  // confirmed
    queued.wait_for(lock, std::min<std::chrono::seconds>(timeout, kMaxPoll), [&] { return stopping || !updates.empty(); });
    std::string out = "[";
    int64_t n = 0;
    for (const auto& [id, update] : updates) {
      if (n++ >= limit) break;
      out += (n > 1 ? "," : "") + std::string("{\"update_id\":") + std::to_string(id) + "," + update.substr(1);
    }
    return out + "]";
  }

  void Serve(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    std::string body;
    {
      std::ostringstream text;
      Poco::StreamCopier::copyStream(req.stream(), text);
      body = text.str();
    }
    std::string path = Poco::URI(req.getURI()).getPath();
    const std::string prefix = "/bot" + options.token + "/";
    if (path.rfind("/bot", 0) != 0) return Answer(resp, 404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
    if (path.rfind(prefix, 0) != 0) return Answer(resp, 401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
    const std::string method = path.substr(prefix.size());
    JsonValue params = Params(req, body);
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back({method, params.Serialize()});
    }
    if (method == "getMe") {
      JsonValue me = JsonValue::Object();
      me.Set("id", JsonValue::Signed(kBotId))
          .Set("is_bot", JsonValue::Bool(true))
          .Set("first_name", Str("Stub"))
          .Set("username", Str("stub_bot"))
          .Set("can_join_groups", JsonValue::Bool(true))
          .Set("can_read_all_group_messages", JsonValue::Bool(false))
          .Set("supports_inline_queries", JsonValue::Bool(false));
      return Answer(resp, 200, Ok(std::move(me)));
    }
    if (method == "getUpdates") {
      std::string list = Updates(Integer(params, "offset", 0), std::chrono::seconds(Integer(params, "timeout", 0)),
                                 Integer(params, "limit", 100));
      return Answer(resp, 200, "{\"ok\":true,\"result\":" + list + "}");
    }
    if (method == "sendMessage" || method == "editMessageText") {
      std::string chat_id = Text(params, "chat_id"), text = Text(params, "text"), message;
      {
        std::lock_guard<std::mutex> lock(mu);
        sent.push_back({method, chat_id, text});
        message = Message(chat_id, text);
      }
      return Answer(resp, 200, "{\"ok\":true,\"result\":" + message + "}");
    }
    if (method == "setWebhook" || method == "deleteWebhook") {
      std::lock_guard<std::mutex> lock(mu);
      webhook_url = method == "setWebhook" ? Text(params, "url") : "";
      webhook_secret = method == "setWebhook" ? Text(params, "secret_token") : "";
    }
    if (method == "getWebhookInfo") {
      JsonValue info = JsonValue::Object();
      std::lock_guard<std::mutex> lock(mu);
      info.Set("url", Str(webhook_url)).Set("has_custom_certificate", JsonValue::Bool(false)).Set("pending_update_count", JsonValue::Unsigned(0));
      return Answer(resp, 200, Ok(std::move(info)));
    }
    return Answer(resp, 200, Ok(JsonValue::Bool(true)));
  }

  std::string Update(int64_t from, const std::string& first_name, const std::string& text) {
    JsonValue user = JsonValue::Object();
    user.Set("id", JsonValue::Signed(from)).Set("is_bot", JsonValue::Bool(false)).Set("first_name", Str(first_name));
    JsonValue chat = JsonValue::Object();
    chat.Set("id", JsonValue::Signed(from)).Set("type", Str("private")).Set("first_name", Str(first_name));
    JsonValue message = JsonValue::Object();
    message.Set("message_id", JsonValue::Signed(next_message++))
        .Set("date", JsonValue::Signed(Now()))
        .Set("chat", std::move(chat))
        .Set("from", std::move(user))
        .Set("text", Str(text));
    JsonValue update = JsonValue::Object();
    update.Set("message", std::move(message));
    return update.Serialize();
  }
};

TelegramStub::TelegramStub(TelegramStubOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

TelegramStub::~TelegramStub() { Stop(); }

Status TelegramStub::Start() {
  HttpServerOptions o;
  o.what = "Telegram stub";
  o.max_threads = 16;
  o.tls_cert_file = impl_->options.tls_cert_file;
  o.tls_key_file = impl_->options.tls_key_file;
  return impl_->server.Start(impl_->options.address, impl_->options.port, o);
}

void TelegramStub::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->queued.notify_all();
  impl_->server.Stop();
}

uint16_t TelegramStub::port() const { return impl_->server.port(); }

int64_t TelegramStub::SendText(int64_t from, const std::string& first_name, const std::string& text) {
  int64_t id;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    id = impl_->next_update++;
    impl_->updates.emplace_back(id, impl_->Update(from, first_name, text));
  }
  impl_->queued.notify_all();
  return id;
}

std::string TelegramStub::TextUpdate(int64_t from, const std::string& first_name, const std::string& text) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::string update = impl_->Update(from, first_name, text);
  return "{\"update_id\":" + std::to_string(impl_->next_update++) + "," + update.substr(1);
}

std::vector<BotCall> TelegramStub::Calls() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->calls;
}

std::vector<SentMessage> TelegramStub::Sent() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->sent;
}

size_t TelegramStub::CallsOf(const std::string& method) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  size_t n = 0;
  for (const BotCall& c : impl_->calls) n += c.method == method;
  return n;
}

std::string TelegramStub::webhook_url() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->webhook_url;
}

std::string TelegramStub::webhook_secret() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->webhook_secret;
}

}  // namespace clawhive::stub
