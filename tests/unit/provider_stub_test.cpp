// Tests of the provider stub (tests/stub/): a real ProviderStubServer on 127.0.0.1 (ephemeral port),
// spoken to over real HTTP with Poco's client, or a raw socket where timing or framing matters; and the
// JSON skimmer it reads bodies with.
#include "tests/stub/provider_stub_server.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/proxy/json_skim.h"
#include "tests/stub/provider_formats.h"
#include "unit/fails_with.h"

namespace clawhive::stub {
namespace {

using clawhive::JsonValue;
using clawhive::testing::FailsWith;
using clawhive::proxy::SkimJsonObject;
using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

const char* const kKey = "sk-stub-test-key";

double MsBetween(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// One shared server for the suite: a stop costs ~0.25 s (Poco's acceptor poll), and tests tell their
// requests apart in the log by model name.
struct SharedStub {
  SharedStub() {
    ProviderStubOptions o;
    o.key = kKey;
    server = std::make_unique<ProviderStubServer>(o);
    Status s = server->Start();
    if (!s) throw std::runtime_error("stub did not start: " + s.error().message);
  }
  ~SharedStub() { server.reset(); }
  static std::unique_ptr<ProviderStubServer> server;
};
std::unique_ptr<ProviderStubServer> SharedStub::server;

uint16_t Port() { return SharedStub::server->port(); }

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::vector<std::string> events;           // SSE events, without their blank line
  std::vector<Clock::time_point> event_at;   // when each event's blank line arrived
  Clock::time_point sent_at, head_at;
  bool timed_out = false;                    // reading stopped at the read timeout
};

// Sends one request on `session` and reads the answer byte by byte as it arrives (so event times are
// arrival times), until its end or `read_timeout` of silence. `on_head` runs once the answer's head has
// arrived, before its body is read.
Reply Call(Poco::Net::HTTPClientSession& session, const std::string& method, const std::string& path,
           const std::string& body, const Headers& headers,
           std::chrono::milliseconds read_timeout = std::chrono::milliseconds(10000),
           const std::function<void()>& on_head = nullptr) {
  Reply r;
  session.setTimeout(Poco::Timespan(read_timeout.count() * 1000));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  req.setKeepAlive(true);
  for (const auto& [n, v] : headers) req.set(n, v);
  if (method == "POST") {
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  r.sent_at = Clock::now();
  session.sendRequest(req) << body;
  Poco::Net::HTTPResponse resp;
  std::istream& in = session.receiveResponse(resp);
  r.head_at = Clock::now();
  if (on_head) on_head();
  r.status = resp.getStatus();
  for (const auto& [n, v] : resp) {
    std::string lower = n;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[lower] = v;
  }
  std::streambuf* sb = in.rdbuf();
  size_t event_start = 0;
  try {
    for (int c = sb->sbumpc(); c != std::char_traits<char>::eof(); c = sb->sbumpc()) {
      r.body.push_back(static_cast<char>(c));
      if (c == '\n' && r.body.size() - event_start >= 2 && r.body[r.body.size() - 2] == '\n') {
        r.events.push_back(r.body.substr(event_start, r.body.size() - 2 - event_start));
        r.event_at.push_back(Clock::now());
        event_start = r.body.size();
      }
    }
  } catch (const Poco::TimeoutException&) {
    r.timed_out = true;
    session.reset();
  }
  return r;
}

Reply Post(const std::string& path, const std::string& body, const Headers& headers,
           std::chrono::milliseconds read_timeout = std::chrono::milliseconds(10000)) {
  Poco::Net::HTTPClientSession session("127.0.0.1", Port());
  return Call(session, "POST", path, body, headers, read_timeout);
}

Headers Bearer(const std::string& key = kKey) { return {{"Authorization", "Bearer " + key}}; }
Headers ApiKey(const std::string& key = kKey) { return {{"x-api-key", key}, {"anthropic-version", "2023-06-01"}}; }

// A request body: {"model": model, "messages": [...], "stream": stream, <extra members>}.
std::string Body(const std::string& model, bool stream, const std::string& extra = "") {
  std::string b = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"stream\":" +
                  (stream ? "true" : "false");
  if (!extra.empty()) b += "," + extra;
  return b + "}";
}

JsonValue Json(std::string_view text) {
  Result<JsonValue> v = ParseJson(text);
  BOOST_REQUIRE_MESSAGE(v.ok(), "not JSON: " << text.substr(0, 200));
  return std::move(v.value());
}

// The JSON after "data: " in an SSE event.
JsonValue Data(const std::string& event) {
  size_t at = event.find("data: ");
  BOOST_REQUIRE(at != std::string::npos);
  return Json(std::string_view(event).substr(at + 6, event.find('\n', at) - at - 6));
}

std::string EventName(const std::string& event) {
  if (event.rfind("event: ", 0) != 0) return "";
  return event.substr(7, event.find('\n') - 7);
}

uint64_t U(const JsonValue& object, std::string_view key) {
  const JsonValue* v = object.Find(key);
  BOOST_REQUIRE_MESSAGE(v && v->AsUnsigned(), "no unsigned " << key << " in " << object.Serialize());
  return *v->AsUnsigned();
}

const JsonValue& At(const JsonValue& object, std::string_view key) {
  const JsonValue* v = object.Find(key);
  BOOST_REQUIRE_MESSAGE(v, "no " << key << " in " << object.Serialize());
  return *v;
}

uint64_t PromptTokens(const std::string& body) { return (body.size() + 3) / 4; }

// The chat chunks' content deltas, concatenated, and how many chunks carried content.
std::pair<std::string, int> ChatContent(const Reply& r) {
  std::string text;
  int chunks = 0;
  for (const std::string& e : r.events) {
    if (e == "data: [DONE]") continue;
    JsonValue d = Data(e);
    const JsonValue& choices = At(d, "choices");
    if (choices.items().empty()) continue;
    const JsonValue* content = At(choices.items()[0], "delta").Find("content");
    if (content && content->is_string() && !At(choices.items()[0], "delta").Find("role")) {
      text += content->string();
      ++chunks;
    }
  }
  return {text, chunks};
}

// The error object's type and code (OpenAI format).
void CheckOpenAiError(const Reply& r, int status, const std::string& type) {
  BOOST_TEST(r.status == status);
  BOOST_TEST(r.headers.count("content-type") == 1u);
  if (r.headers.count("content-type")) BOOST_TEST(r.headers.at("content-type") == "application/json");
  JsonValue d = Json(r.body);
  const JsonValue& e = At(d, "error");
  BOOST_TEST(At(e, "type").string() == type);
  BOOST_TEST(At(e, "message").is_string());
  BOOST_TEST(e.Find("code") != nullptr);
}

void CheckAnthropicError(const Reply& r, int status, const std::string& type) {
  BOOST_TEST(r.status == status);
  JsonValue d = Json(r.body);
  BOOST_TEST(At(d, "type").string() == "error");
  BOOST_TEST(At(At(d, "error"), "type").string() == type);
  BOOST_TEST(At(At(d, "error"), "message").is_string());
}

// Raw HTTP over one socket: what Poco's client would not send, and framing checks. Reads until the
// server closes, `done` says so, or `wait` passes without data.
std::string RawExchange(const std::string& request, std::chrono::milliseconds wait = std::chrono::milliseconds(3000),
                        const std::function<bool(const std::string&)>& done = nullptr) {
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", Port()));
  s.setReceiveTimeout(Poco::Timespan(wait.count() * 1000));
  s.sendBytes(request.data(), static_cast<int>(request.size()));
  std::string got;
  char buf[65536];
  try {
    for (int n; (n = s.receiveBytes(buf, sizeof(buf))) > 0;) {
      got.append(buf, static_cast<size_t>(n));
      if (done && done(got)) break;
    }
  } catch (const Poco::TimeoutException&) {
  }
  return got;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(provider_stub, *boost::unit_test::fixture<SharedStub>())

// ---- OpenAI Chat Completions ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_chat_completion_reports_prompt_tokens_from_the_body_size_and_16_completion_tokens) {
  std::string body = Body("chat-plain", false);
  Reply r = Post("/v1/chat/completions", body, Bearer());
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.headers["content-type"] == "application/json");
  JsonValue d = Json(r.body);
  BOOST_TEST(At(d, "object").string() == "chat.completion");
  BOOST_TEST(At(d, "model").string() == "chat-plain");
  const JsonValue& message = At(At(d, "choices").items().at(0), "message");
  BOOST_TEST(At(message, "role").string() == "assistant");
  BOOST_TEST(At(message, "content").string() == AnswerText(16));
  const JsonValue& usage = At(d, "usage");
  BOOST_TEST(U(usage, "prompt_tokens") == PromptTokens(body));
  BOOST_TEST(U(usage, "completion_tokens") == 16u);
  BOOST_TEST(U(usage, "total_tokens") == PromptTokens(body) + 16);
}

BOOST_AUTO_TEST_CASE(a_smaller_max_tokens_caps_the_completion_and_a_larger_one_does_not) {
  for (const char* field : {"max_tokens", "max_completion_tokens"}) {
    Reply r = Post("/v1/chat/completions", Body("chat-max", false, "\"" + std::string(field) + "\":5"), Bearer());
    BOOST_TEST(U(At(Json(r.body), "usage"), "completion_tokens") == 5u);
  }
  Reply big = Post("/v1/chat/completions", Body("chat-max", false, "\"max_tokens\":4096"), Bearer());
  BOOST_TEST(U(At(Json(big.body), "usage"), "completion_tokens") == 16u);
}

BOOST_AUTO_TEST_CASE(a_streamed_chat_with_include_usage_ends_with_a_usage_chunk_then_done) {
  std::string body = Body("chat-stream", true, "\"stream_options\":{\"include_usage\":true}");
  Reply r = Post("/v1/chat/completions", body, Bearer());
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.headers["content-type"].rfind("text/event-stream", 0) == 0);
  BOOST_TEST(r.headers["transfer-encoding"] == "chunked");
  BOOST_REQUIRE(r.events.size() >= 4);
  for (const std::string& e : r.events) BOOST_TEST(e.rfind("data: ", 0) == 0);
  BOOST_TEST(r.events.back() == "data: [DONE]");
  // The first chunk opens the assistant message; content chunks carry "usage": null as OpenAI's do.
  JsonValue first = Data(r.events.front());
  BOOST_TEST(At(At(At(first, "choices").items().at(0), "delta"), "role").string() == "assistant");
  BOOST_TEST(At(first, "usage").is_null());
  auto [text, chunks] = ChatContent(r);
  BOOST_TEST(text == AnswerText(16));
  BOOST_TEST(chunks == 16);
  JsonValue last = Data(r.events[r.events.size() - 2]);
  BOOST_TEST(At(last, "choices").items().empty());
  BOOST_TEST(U(At(last, "usage"), "prompt_tokens") == PromptTokens(body));
  BOOST_TEST(U(At(last, "usage"), "completion_tokens") == 16u);
  JsonValue finish = Data(r.events[r.events.size() - 3]);
  BOOST_TEST(At(At(finish, "choices").items().at(0), "finish_reason").string() == "stop");
}

BOOST_AUTO_TEST_CASE(a_streamed_chat_without_include_usage_has_no_usage_chunk_and_no_usage_key) {
  for (const std::string& extra : {std::string(), std::string("\"stream_options\":{\"include_usage\":false}")}) {
    Reply r = Post("/v1/chat/completions", Body("chat-stream-nousage", true, extra), Bearer());
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.events.back() == "data: [DONE]");
    BOOST_TEST(r.body.find("\"usage\"") == std::string::npos);
    BOOST_TEST(ChatContent(r).second == 16);
  }
}

// ---- OpenAI Responses -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_response_reports_input_output_and_total_tokens) {
  std::string body = Body("resp-plain", false, "\"max_output_tokens\":7");
  Reply r = Post("/v1/responses", body, Bearer());
  BOOST_TEST(r.status == 200);
  JsonValue d = Json(r.body);
  BOOST_TEST(At(d, "object").string() == "response");
  BOOST_TEST(At(d, "status").string() == "completed");
  const JsonValue& content = At(At(d, "output").items().at(0), "content").items().at(0);
  BOOST_TEST(At(content, "text").string() == AnswerText(7));
  BOOST_TEST(U(At(d, "usage"), "input_tokens") == PromptTokens(body));
  BOOST_TEST(U(At(d, "usage"), "output_tokens") == 7u);
  BOOST_TEST(U(At(d, "usage"), "total_tokens") == PromptTokens(body) + 7);
}

BOOST_AUTO_TEST_CASE(a_streamed_response_sends_created_text_deltas_and_completed_with_usage) {
  std::string body = Body("resp-stream", true, "\"x_stub\":{\"chunks\":3}");
  Reply r = Post("/v1/responses", body, Bearer());
  BOOST_TEST(r.status == 200);
  BOOST_REQUIRE(!r.events.empty());
  BOOST_TEST(EventName(r.events.front()) == "response.created");
  BOOST_TEST(EventName(r.events.back()) == "response.completed");
  std::string text;
  int deltas = 0;
  uint64_t sequence = 0;
  for (const std::string& e : r.events) {
    JsonValue d = Data(e);
    BOOST_TEST(At(d, "type").string() == EventName(e));
    BOOST_TEST(U(d, "sequence_number") == sequence++);
    if (EventName(e) == "response.output_text.delta") {
      text += At(d, "delta").string();
      ++deltas;
    }
  }
  BOOST_TEST(deltas == 3);
  BOOST_TEST(text == AnswerText(16));
  JsonValue done = Data(r.events.back());
  const JsonValue& usage = At(At(done, "response"), "usage");
  BOOST_TEST(U(usage, "input_tokens") == PromptTokens(body));
  BOOST_TEST(U(usage, "output_tokens") == 16u);
  BOOST_TEST(U(usage, "total_tokens") == PromptTokens(body) + 16);
}

// ---- Anthropic Messages ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_message_reports_input_and_output_tokens) {
  std::string body = Body("claude-plain", false, "\"max_tokens\":1024");
  Reply r = Post("/v1/messages", body, ApiKey());
  BOOST_TEST(r.status == 200);
  JsonValue d = Json(r.body);
  BOOST_TEST(At(d, "type").string() == "message");
  BOOST_TEST(At(d, "role").string() == "assistant");
  BOOST_TEST(At(d, "stop_reason").string() == "end_turn");
  BOOST_TEST(At(At(d, "content").items().at(0), "text").string() == AnswerText(16));
  BOOST_TEST(U(At(d, "usage"), "input_tokens") == PromptTokens(body));
  BOOST_TEST(U(At(d, "usage"), "output_tokens") == 16u);
}

BOOST_AUTO_TEST_CASE(a_streamed_message_follows_anthropics_event_sequence_with_usage_at_start_and_delta) {
  std::string body = Body("claude-stream", true, "\"max_tokens\":6");
  Reply r = Post("/v1/messages", body, ApiKey());
  BOOST_TEST(r.status == 200);
  std::vector<std::string> names;
  std::string text;
  for (const std::string& e : r.events) {
    names.push_back(EventName(e));
    BOOST_TEST(At(Data(e), "type").string() == names.back());
    if (names.back() == "content_block_delta") text += At(At(Data(e), "delta"), "text").string();
  }
  std::vector<std::string> expected = {"message_start", "content_block_start", "ping"};
  for (int i = 0; i < 6; ++i) expected.push_back("content_block_delta");
  for (const char* n : {"content_block_stop", "message_delta", "message_stop"}) expected.push_back(n);
  BOOST_TEST(names == expected, boost::test_tools::per_element());
  BOOST_TEST(text == AnswerText(6));
  BOOST_TEST(U(At(At(Data(r.events.front()), "message"), "usage"), "input_tokens") == PromptTokens(body));
  BOOST_TEST(U(At(Data(r.events[r.events.size() - 2]), "usage"), "output_tokens") == 6u);
}

// ---- models ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(models_are_listed_in_the_format_of_the_callers_auth) {
  Poco::Net::HTTPClientSession session("127.0.0.1", Port());
  Reply openai = Call(session, "GET", "/v1/models", "", Bearer());
  BOOST_TEST(openai.status == 200);
  JsonValue o = Json(openai.body);
  BOOST_TEST(At(o, "object").string() == "list");
  BOOST_TEST(At(At(o, "data").items().at(0), "object").string() == "model");
  Reply anthropic = Call(session, "GET", "/v1/models", "", ApiKey());
  BOOST_TEST(anthropic.status == 200);
  BOOST_TEST(At(At(Json(anthropic.body), "data").items().at(0), "type").string() == "model");
  Reply bad = Call(session, "GET", "/v1/models", "", Bearer("nope"));
  CheckOpenAiError(bad, 401, "invalid_request_error");
}

// ---- controls -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(no_usage_removes_usage_from_every_api_streamed_or_not) {
  const std::string x = "\"x_stub\":{\"no_usage\":true},\"stream_options\":{\"include_usage\":true}";
  for (bool stream : {false, true}) {
    Reply chat = Post("/v1/chat/completions", Body("nousage", stream, x), Bearer());
    Reply resp = Post("/v1/responses", Body("nousage", stream, x), Bearer());
    Reply msg = Post("/v1/messages", Body("nousage", stream, x), ApiKey());
    for (const Reply* r : {&chat, &resp, &msg}) {
      BOOST_TEST(r->status == 200);
      BOOST_TEST(r->body.find("_tokens") == std::string::npos, r->body.substr(0, 300));
    }
    if (stream) {
      BOOST_TEST(chat.events.back() == "data: [DONE]");
      BOOST_TEST(EventName(resp.events.back()) == "response.completed");
      BOOST_TEST(EventName(msg.events.back()) == "message_stop");
    }
  }
}

BOOST_AUTO_TEST_CASE(completion_tokens_and_chunks_override_the_defaults) {
  std::string body = Body("override", true, "\"stream_options\":{\"include_usage\":true},\"max_tokens\":2,"
                                            "\"x_stub\":{\"completion_tokens\":40,\"chunks\":5}");
  Reply r = Post("/v1/chat/completions", body, Bearer());
  auto [text, chunks] = ChatContent(r);
  BOOST_TEST(chunks == 5);
  BOOST_TEST(text == AnswerText(40));
  BOOST_TEST(U(At(Data(r.events[r.events.size() - 2]), "usage"), "completion_tokens") == 40u);
}

BOOST_AUTO_TEST_CASE(a_status_control_answers_that_error_in_the_apis_own_format) {
  Reply a = Post("/v1/chat/completions", Body("err", true, "\"x_stub\":{\"status\":500}"), Bearer());
  CheckOpenAiError(a, 500, "server_error");
  Reply b = Post("/v1/responses", Body("err", false, "\"x_stub\":{\"status\":429}"), Bearer());
  CheckOpenAiError(b, 429, "requests");
  BOOST_TEST(At(At(Json(b.body), "error"), "code").string() == "rate_limit_exceeded");
  BOOST_TEST(b.headers["retry-after"] == "1");
  Reply c = Post("/v1/chat/completions", Body("err", false, "\"x_stub\":{\"status\":400}"), Bearer());
  CheckOpenAiError(c, 400, "invalid_request_error");
  // 529 over a raw socket: Poco's client cannot hold a status beyond its enum (511).
  std::string overloaded = Body("err", true, "\"x_stub\":{\"status\":529}");
  std::string raw = RawExchange("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + std::string(kKey) +
                                "\r\nContent-Length: " + std::to_string(overloaded.size()) + "\r\n\r\n" + overloaded);
  BOOST_TEST(raw.rfind("HTTP/1.1 529 Overloaded\r\n", 0) == 0);
  BOOST_TEST(raw.find("Content-Type: application/json\r\n") != std::string::npos);
  size_t body_at = raw.find("\r\n\r\n");
  BOOST_REQUIRE(body_at != std::string::npos);
  JsonValue d = Json(std::string_view(raw).substr(body_at + 4));
  BOOST_TEST(At(At(d, "error"), "type").string() == "overloaded_error");
  Reply e = Post("/v1/messages", Body("err", false, "\"x_stub\":{\"status\":429}"), ApiKey());
  CheckAnthropicError(e, 429, "rate_limit_error");
  Reply f = Post("/v1/messages", Body("err", false, "\"x_stub\":{\"status\":500}"), ApiKey());
  CheckAnthropicError(f, 500, "api_error");
}

BOOST_AUTO_TEST_CASE(delay_ms_holds_the_response_head) {
  Reply r = Post("/v1/chat/completions", Body("delay", false, "\"x_stub\":{\"delay_ms\":200}"), Bearer());
  BOOST_TEST(r.status == 200);
  BOOST_TEST(MsBetween(r.sent_at, r.head_at) >= 195.0);
}

BOOST_AUTO_TEST_CASE(chunk_delays_spread_the_events_over_time) {
  // 5 content chunks 60 ms apart: 240 ms from the first content chunk to the last one and the events
  // after it, none of it buffered into one write. Bounds leave room for this client being scheduled
  // late on a loaded machine: the stub cannot send early, but we may read late.
  Reply r = Post("/v1/messages", Body("spread", true, "\"x_stub\":{\"chunks\":5,\"chunk_delay_ms\":60}"), ApiKey());
  BOOST_TEST(r.status == 200);
  std::vector<Clock::time_point> deltas;
  for (size_t i = 0; i < r.events.size(); ++i)
    if (EventName(r.events[i]) == "content_block_delta") deltas.push_back(r.event_at[i]);
  BOOST_REQUIRE(deltas.size() == 5u);
  BOOST_TEST(MsBetween(r.sent_at, r.event_at.back()) >= 240.0);
  BOOST_TEST(MsBetween(r.event_at.front(), r.event_at.back()) >= 200.0);
  BOOST_TEST(MsBetween(deltas.front(), deltas.back()) >= 200.0);
  BOOST_TEST(MsBetween(r.event_at.front(), r.event_at.back()) < 2000.0);
  // The opening events come at once, before any delay.
  BOOST_TEST(MsBetween(r.head_at, deltas.front()) < 200.0);
}

BOOST_AUTO_TEST_CASE(a_hung_stream_sends_its_head_and_first_event_then_nothing) {
  Reply r = Post("/v1/chat/completions", Body("hang", true, "\"x_stub\":{\"hang\":true}"), Bearer(),
                 std::chrono::milliseconds(400));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.timed_out);
  BOOST_REQUIRE(r.events.size() == 1u);
  BOOST_TEST(At(At(At(Data(r.events[0]), "choices").items().at(0), "delta"), "role").string() == "assistant");
}

BOOST_AUTO_TEST_CASE(a_hung_plain_answer_sends_its_head_and_a_few_bytes_then_nothing) {
  Reply r = Post("/v1/messages", Body("hang", false, "\"x_stub\":{\"hang\":true}"), ApiKey(), std::chrono::milliseconds(400));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.timed_out);
  BOOST_TEST(!r.body.empty());
  BOOST_TEST(r.body.size() < 20u);
}

BOOST_AUTO_TEST_CASE(a_hung_answer_frees_its_thread_when_the_client_goes_away) {
  // One thread serves one connection at a time: the next request is answered only if the stalled
  // answer noticed its client leave.
  ProviderStubOptions o;
  o.threads = 1;
  ProviderStubServer one(o);
  BOOST_REQUIRE(one.Start().ok());
  {
    Poco::Net::HTTPClientSession s("127.0.0.1", one.port());
    Reply hung = Call(s, "POST", "/v1/responses", Body("hang", true, "\"x_stub\":{\"hang\":true}"), {},
                      std::chrono::milliseconds(200));
    BOOST_TEST(hung.timed_out);
    BOOST_TEST(EventName(hung.events.at(0)) == "response.created");
  }  // closes the connection
  Poco::Net::HTTPClientSession s("127.0.0.1", one.port());
  Reply next = Call(s, "POST", "/v1/responses", Body("after-hang", false), {}, std::chrono::milliseconds(3000));
  BOOST_TEST(next.status == 200);
  BOOST_TEST(!next.timed_out);
}

BOOST_AUTO_TEST_CASE(stop_ends_hung_and_delayed_answers) {
  ProviderStubServer s({});
  BOOST_REQUIRE(s.Start().ok());
  const uint16_t port = s.port();
  // Each answer has begun (its head arrived) before Stop(): one stalls for good, one waits a minute
  // before its second chunk.
  std::promise<void> hung_begun, delayed_begun;
  auto in_flight = [port](std::string body, std::promise<void>& begun) {
    return std::thread([port, body, &begun] {
      try {
        Poco::Net::HTTPClientSession c("127.0.0.1", port);
        Call(c, "POST", "/v1/chat/completions", body, {}, std::chrono::milliseconds(10000), [&] { begun.set_value(); });
      } catch (...) {
      }
    });
  };
  std::thread hung = in_flight(Body("hang", true, "\"x_stub\":{\"hang\":true}"), hung_begun);
  std::thread delayed = in_flight(Body("slow", true, "\"x_stub\":{\"chunks\":2,\"chunk_delay_ms\":60000}"), delayed_begun);
  BOOST_TEST((hung_begun.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready));
  BOOST_TEST((delayed_begun.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready));
  auto t0 = Clock::now();
  s.Stop();
  BOOST_TEST(MsBetween(t0, Clock::now()) < 2000.0);
  hung.join();
  delayed.join();
}

BOOST_AUTO_TEST_CASE(abort_after_chunks_drops_the_connection_mid_stream) {
  Reply r = Post("/v1/chat/completions", Body("abort", true, "\"x_stub\":{\"abort_after_chunks\":2}"), Bearer());
  BOOST_TEST(r.status == 200);
  BOOST_TEST(ChatContent(r).second == 2);
  BOOST_TEST(r.body.find("[DONE]") == std::string::npos);
  // On the wire: no terminating zero-length chunk either.
  std::string body = Body("abort", true, "\"x_stub\":{\"abort_after_chunks\":1}");
  std::string raw = RawExchange("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kKey) +
                                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  BOOST_TEST(raw.find("200 OK") != std::string::npos);
  BOOST_TEST(raw.find("\r\n0\r\n\r\n") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unknown_or_mistyped_control_is_a_400) {
  CheckOpenAiError(Post("/v1/chat/completions", Body("ctl", false, "\"x_stub\":{\"delay\":5}"), Bearer()), 400, "invalid_request_error");
  CheckOpenAiError(Post("/v1/chat/completions", Body("ctl", false, "\"x_stub\":{\"status\":200}"), Bearer()), 400, "invalid_request_error");
  CheckAnthropicError(Post("/v1/messages", Body("ctl", false, "\"x_stub\":{\"hang\":1}"), ApiKey()), 400, "invalid_request_error");
  CheckAnthropicError(Post("/v1/messages", Body("ctl", false, "\"x_stub\":[]"), ApiKey()), 400, "invalid_request_error");
}

// ---- auth -----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_wrong_or_missing_key_is_a_401_in_the_apis_own_format) {
  Reply a = Post("/v1/chat/completions", Body("auth", false), Bearer("sk-wrong"));
  CheckOpenAiError(a, 401, "invalid_request_error");
  BOOST_TEST(At(At(Json(a.body), "error"), "code").string() == "invalid_api_key");
  CheckOpenAiError(Post("/v1/responses", Body("auth", false), {}), 401, "invalid_request_error");
  // The right key in the other provider's header is still no key.
  CheckOpenAiError(Post("/v1/chat/completions", Body("auth", false), ApiKey()), 401, "invalid_request_error");
  CheckAnthropicError(Post("/v1/messages", Body("auth", false), ApiKey("sk-wrong")), 401, "authentication_error");
  CheckAnthropicError(Post("/v1/messages", Body("auth", false), Bearer()), 401, "authentication_error");
  CheckAnthropicError(Post("/v1/messages", Body("auth", false), {}), 401, "authentication_error");
}

BOOST_AUTO_TEST_CASE(without_a_key_the_stub_accepts_any_caller) {
  ProviderStubServer open({});
  BOOST_REQUIRE(open.Start().ok());
  Poco::Net::HTTPClientSession s("127.0.0.1", open.port());
  BOOST_TEST(Call(s, "POST", "/v1/chat/completions", Body("open", false), {}).status == 200);
  BOOST_TEST(Call(s, "POST", "/v1/messages", Body("open", false), Bearer("anything")).status == 200);
}

// ---- hostile input --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(malformed_or_non_object_bodies_are_a_400) {
  for (const char* bad : {"{\"model\":\"m\",", "not json", "[1,2]", "{\"model\":\"m\"} trailing", "{\"model\":\"m\",\"x\":[1,]}",
                          "{\"model\":\"m\",\"x\":\"a\tb\"}", "{\"model\":\"m\",\"x\":01}", "", "{\"messages\":[]}",
                          "{\"model\":7}", "{\"model\":\"m\",\"stream\":\"yes\"}", "{\"model\":\"m\",\"max_tokens\":-1}"}) {
    BOOST_TEST_CONTEXT(bad) {
      CheckOpenAiError(Post("/v1/chat/completions", bad, Bearer()), 400, "invalid_request_error");
      CheckAnthropicError(Post("/v1/messages", bad, ApiKey()), 400, "invalid_request_error");
    }
  }
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_not_recursed_into) {
  std::string deep = "{\"model\":\"m\",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CheckOpenAiError(Post("/v1/chat/completions", deep, Bearer()), 400, "invalid_request_error");
}

BOOST_AUTO_TEST_CASE(a_body_over_8_mib_is_a_413_whether_declared_or_chunked) {
  // Declared: refused from the head, without reading the body.
  std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kKey) +
                     "\r\nContent-Length: " + std::to_string(9u << 20) + "\r\n\r\n";
  std::string raw = RawExchange(head);
  BOOST_TEST(raw.rfind("HTTP/1.1 413", 0) == 0);
  BOOST_TEST(raw.find("\"request_too_large\"") != std::string::npos);
  // Sent in full with Poco's client, chunked: the answer still arrives (the stub drains what it refused).
  Poco::Net::HTTPClientSession session("127.0.0.1", Port());
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req("POST", "/v1/messages", Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("x-api-key", kKey);
  req.setChunkedTransferEncoding(true);
  std::ostream& out = session.sendRequest(req);
  std::string block(1 << 20, 'a');
  for (int i = 0; i < 9; ++i) out.write(block.data(), static_cast<std::streamsize>(block.size()));
  out.flush();
  Poco::Net::HTTPResponse resp;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(resp), body);
  BOOST_TEST(resp.getStatus() == 413);
  BOOST_TEST(body.find("\"request_too_large\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_a_404_and_wrong_methods_a_405) {
  CheckOpenAiError(Post("/v1/completions", Body("m", false), Bearer()), 404, "invalid_request_error");
  CheckOpenAiError(Post("/v2/chat/completions", Body("m", false), Bearer()), 404, "invalid_request_error");
  Poco::Net::HTTPClientSession s("127.0.0.1", Port());
  BOOST_TEST(Call(s, "GET", "/v1/chat/completions", "", Bearer()).status == 405);
  BOOST_TEST(Call(s, "POST", "/v1/models", "{}", Bearer()).status == 405);
  BOOST_TEST(Call(s, "GET", "/stub/nothing", "", {}).status == 404);
}

// ---- the connection -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(one_keep_alive_connection_carries_many_plain_and_streamed_answers) {
  // Three requests written at once on one socket (pipelined): three complete answers come back.
  std::string body = Body("keepalive", true, "\"stream_options\":{\"include_usage\":true}");
  std::string one = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kKey) +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  auto answers = [](const std::string& raw) {
    size_t n = 0;
    for (size_t at = raw.find("data: [DONE]"); at != std::string::npos; at = raw.find("data: [DONE]", at + 1)) ++n;
    return n;
  };
  std::string raw = RawExchange(one + one + one, std::chrono::milliseconds(3000),
                                [&](const std::string& got) { return answers(got) == 3; });
  BOOST_TEST(answers(raw) == 3u);
  // And through Poco's client, alternating kinds on one session.
  Poco::Net::HTTPClientSession s("127.0.0.1", Port());
  for (int i = 0; i < 20; ++i) {
    Reply r = Call(s, "POST", i % 2 ? "/v1/messages" : "/v1/chat/completions", Body("keepalive", i % 4 < 2),
                   i % 2 ? ApiKey() : Bearer());
    BOOST_TEST(r.status == 200);
  }
}

BOOST_AUTO_TEST_CASE(the_request_log_shows_what_the_stub_was_sent) {
  Poco::Net::HTTPClientSession s("127.0.0.1", Port());
  BOOST_TEST(Call(s, "DELETE", "/stub/requests", "", {}).status == 204);
  std::string body = Body("logged-model", true, "\"stream_options\":{\"include_usage\":true},\"x_stub\":{\"chunks\":1}");
  Headers h = Bearer();
  h.emplace_back("X-Tenant-Id", "t5");
  BOOST_TEST(Call(s, "POST", "/v1/chat/completions", body, h).status == 200);
  BOOST_TEST(Call(s, "POST", "/v1/messages", Body("logged-claude", false), Bearer("sk-wrong")).status == 401);
  Reply log = Call(s, "GET", "/stub/requests", "", {});
  BOOST_TEST(log.status == 200);
  JsonValue list = Json(log.body);
  BOOST_REQUIRE(list.items().size() == 2u);
  const JsonValue& a = list.items()[0];
  BOOST_TEST(At(a, "method").string() == "POST");
  BOOST_TEST(At(a, "path").string() == "/v1/chat/completions");
  BOOST_TEST(At(a, "authorization").string() == "Bearer " + std::string(kKey));
  BOOST_TEST(At(a, "x_api_key").is_null());
  BOOST_TEST(At(a, "model").string() == "logged-model");
  BOOST_TEST(At(a, "stream").boolean());
  BOOST_TEST(At(a, "include_usage").boolean());
  BOOST_TEST(At(a, "x_stub").boolean());
  BOOST_TEST(U(a, "body_bytes") == body.size());
  BOOST_TEST(U(a, "status") == 200u);
  std::vector<std::string> names;
  for (const JsonValue& n : At(a, "headers").items()) names.push_back(n.string());
  for (const char* want : {"authorization", "x-tenant-id", "content-length", "content-type", "host"})
    BOOST_TEST((std::find(names.begin(), names.end(), want) != names.end()), want);
  const JsonValue& b = list.items()[1];
  BOOST_TEST(At(b, "path").string() == "/v1/messages");
  BOOST_TEST(U(b, "status") == 401u);
  BOOST_TEST(At(b, "model").string() == "");  // refused before the body was read as JSON
}

BOOST_AUTO_TEST_CASE(the_request_log_keeps_the_last_100) {
  ProviderStubServer s({});
  BOOST_REQUIRE(s.Start().ok());
  Poco::Net::HTTPClientSession c("127.0.0.1", s.port());
  for (int i = 0; i < 130; ++i) Call(c, "POST", "/v1/chat/completions", Body("m" + std::to_string(i), false), {});
  std::vector<SeenRequest> seen = s.Requests();
  BOOST_REQUIRE(seen.size() == 100u);
  BOOST_TEST(seen.front().model == "m30");
  BOOST_TEST(seen.back().model == "m129");
  BOOST_TEST(Json(Call(c, "GET", "/stub/requests", "", {}).body).items().size() == 100u);
}

BOOST_AUTO_TEST_CASE(health_answers_ok) {
  Poco::Net::HTTPClientSession s("127.0.0.1", Port());
  Reply r = Call(s, "GET", "/stub/health", "", {});
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "{\"ok\":true}");
}

BOOST_AUTO_TEST_CASE(only_loopback_addresses_are_served) {
  for (const char* addr : {"0.0.0.0", "10.1.2.3", "::", "localhost", "example.com"}) {
    ProviderStubOptions o;
    o.address = addr;
    ProviderStubServer s(o);
    BOOST_TEST(FailsWith(s.Start(), ErrorCode::kInvalidArgument,
                         "refusing to listen on " + std::string(addr) + ": loopback addresses only"),
               addr);
  }
  ProviderStubOptions o;
  o.address = "127.0.0.2";  // any of 127.0.0.0/8 is loopback
  ProviderStubServer s(o);
  BOOST_TEST(s.Start().ok());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the JSON skimmer -----------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(json_skim)

BOOST_AUTO_TEST_CASE(top_level_members_are_reported_with_their_raw_text) {
  std::vector<std::pair<std::string, std::string>> got;
  Status s = SkimJsonObject(" {\"a\": [1, {\"b\":\"c\\\"\"}], \"k\\u0041\" :-1.5e+3,\"n\":null ,\"t\":true}\n", 8,
                            [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
  BOOST_REQUIRE(s.ok());
  BOOST_REQUIRE(got.size() == 4u);
  BOOST_TEST(got[0].first == "a");
  BOOST_TEST(got[0].second == "[1, {\"b\":\"c\\\"\"}]");
  BOOST_TEST(got[1].first == "k\\u0041");
  BOOST_TEST(got[1].second == "-1.5e+3");
  BOOST_TEST(got[2].second == "null");
  BOOST_TEST(got[3].second == "true");
  BOOST_TEST(SkimJsonObject("{}", 8, [](std::string_view, std::string_view) {}).ok());
}

BOOST_AUTO_TEST_CASE(long_strings_with_escapes_and_utf8_anywhere_are_read_whole) {
  // Specials at every offset modulo 8, so the word-at-a-time scan meets each at each position.
  for (size_t pad = 0; pad < 17; ++pad) {
    std::string s = "{\"s\":\"" + std::string(pad, 'x') + "\\\"\\\\\xc3\xa9" + std::string(pad, 'y') + "\",\"after\":1}";
    std::string last;
    BOOST_TEST(SkimJsonObject(s, 8, [&](std::string_view k, std::string_view) { last = k; }).ok(), pad);
    BOOST_TEST(last == "after");
  }
}

BOOST_AUTO_TEST_CASE(malformed_texts_are_refused_with_a_byte_position) {
  for (const char* bad : {"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1}}", "{\"a\":tru}", "{\"a\":-}",
                          "{\"a\":1.}", "{\"a\":1e}", "{\"a\":01}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}",
                          "{\"a\":\"unterminated}", "{\"a\":\"tab\there\"}", "{a:1}", "{\"a\":[1 2]}", "{\"a\":{\"b\" 1}}"}) {
    BOOST_TEST(FailsWith(SkimJsonObject(bad, 8, [](std::string_view, std::string_view) {}), ErrorCode::kInvalidArgument,
                         "malformed JSON at byte "),
               bad);
  }
}

BOOST_AUTO_TEST_CASE(nesting_beyond_the_limit_is_refused) {
  BOOST_TEST(SkimJsonObject("{\"a\":[[[1]]]}", 4, [](std::string_view, std::string_view) {}).ok());
  BOOST_TEST(FailsWith(SkimJsonObject("{\"a\":[[[[1]]]]}", 4, [](std::string_view, std::string_view) {}),
                       ErrorCode::kInvalidArgument, "nested too deep"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive::stub
