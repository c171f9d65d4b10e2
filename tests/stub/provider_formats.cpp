#include "tests/stub/provider_formats.h"

#include <charconv>
#include <iterator>

#include "supervisor/common/json.h"

namespace clawhive::stub {
namespace {

// 4-byte pieces; cycled they read "Stub reply: lorem ipsum dolor sit amet. Stub reply: ...".
constexpr std::string_view kPieces[] = {"Stub", " rep", "ly: ", "lore", "m ip", "sum ", "dolo", "r si", "t am", "et. "};
constexpr size_t kPieceCount = sizeof(kPieces) / sizeof(kPieces[0]);

template <typename Integer>
void AppendNumber(std::string* out, Integer v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}
std::string Number(uint64_t v) {
  std::string s;
  AppendNumber(&s, v);
  return s;
}
std::string Quoted(std::string_view s) {
  std::string q;
  AppendJsonString(&q, s);
  return q;
}

std::string Id(const Turn& t) {
  switch (t.api) {
    case Api::kChatCompletions: return "\"chatcmpl-stub-" + Number(t.seq) + "\"";
    case Api::kResponses: return "\"resp_stub" + Number(t.seq) + "\"";
    case Api::kMessages: return "\"msg_stub" + Number(t.seq) + "\"";
  }
  return {};
}

// Each API's usage object; the `%`s stand for the input, output and total tokens, in that order.
std::string_view UsageFormat(Api api) {
  switch (api) {
    case Api::kChatCompletions:
      return "{\"prompt_tokens\":%,\"completion_tokens\":%,\"total_tokens\":%,"
             "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}";
    case Api::kResponses:
      return "{\"input_tokens\":%,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":%,"
             "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":%}";
    case Api::kMessages:
      return "{\"input_tokens\":%,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":%}";
  }
  return {};
}

std::string Usage(Api api, uint64_t input, uint64_t output) {
  const uint64_t values[] = {input, output, input + output};
  std::string out;
  size_t next = 0;
  for (char c : UsageFormat(api)) {
    if (c == '%') AppendNumber(&out, values[next++]);
    else out.push_back(c);
  }
  return out;
}

// A chat.completion(.chunk) object around `choices` (JSON text); `usage` is the usage member's JSON
// text, or empty for none.
void AppendChat(const Turn& t, const char* object, std::string_view choices, std::string_view usage, std::string* out) {
  out->append("{\"id\":" + Id(t) + ",\"object\":\"" + object + "\",\"created\":");
  AppendNumber(out, t.created);
  out->append(",\"model\":" + Quoted(t.model) + ",\"system_fingerprint\":\"fp_stub\",\"choices\":");
  out->append(choices);
  if (!usage.empty()) out->append(",\"usage\":").append(usage);
  out->push_back('}');
}

// One streamed chat chunk. Every chunk but the usage chunk says `"usage":null` when usage was asked
// for, as OpenAI's do.
std::string ChatChunk(const Turn& t, std::string_view choices, std::string_view usage = {}) {
  std::string e = "data: ";
  if (usage.empty() && t.include_usage && t.usage) usage = "null";
  AppendChat(t, "chat.completion.chunk", choices, usage, &e);
  e.append("\n\n");
  return e;
}

// A Responses API output message item; its content only when `with_content`.
std::string MessageItem(const Turn& t, const char* status, std::string_view text, bool with_content) {
  std::string out = "{\"type\":\"message\",\"id\":\"msg_stub" + Number(t.seq) + "\",\"status\":\"" + status +
                    "\",\"role\":\"assistant\",\"content\":[";
  if (with_content) out.append("{\"type\":\"output_text\",\"text\":" + Quoted(text) + ",\"annotations\":[]}");
  out.append("]}");
  return out;
}

// A Responses API `response` object.
void AppendResponse(const Turn& t, const char* status, std::string_view text, bool with_usage, std::string* out) {
  out->append("{\"id\":" + Id(t) + ",\"object\":\"response\",\"created_at\":");
  AppendNumber(out, t.created);
  out->append(",\"status\":\"" + std::string(status) + "\",\"model\":" + Quoted(t.model) + ",\"output\":[");
  if (std::string_view(status) == "completed") out->append(MessageItem(t, "completed", text, true));
  out->append("],\"usage\":");
  out->append(with_usage ? Usage(t.api, t.input_tokens, t.output_tokens) : "null");
  out->push_back('}');
}

// The fields of the Responses API's stream events, each starting with its comma.
std::string ResponseField(const Turn& t, const char* status, std::string_view text, bool with_usage) {
  std::string out = ",\"response\":";
  AppendResponse(t, status, text, with_usage, &out);
  return out;
}
std::string ItemField(const Turn& t, const char* status, std::string_view text, bool with_content) {
  return ",\"output_index\":0,\"item\":" + MessageItem(t, status, text, with_content);
}
// Where a text event points: the message item and its one content part.
std::string TextRef(const Turn& t) {
  return ",\"item_id\":\"msg_stub" + Number(t.seq) + "\",\"output_index\":0,\"content_index\":0";
}
std::string PartField(const Turn& t, std::string_view text) {
  return TextRef(t) + ",\"part\":{\"type\":\"output_text\",\"text\":" + Quoted(text) + ",\"annotations\":[]}";
}
std::string TextField(const Turn& t, const char* key, std::string_view text) {
  return TextRef(t) + ",\"" + key + "\":" + Quoted(text) + ",\"logprobs\":[]";
}

// An Anthropic `message` object; `content` and `stop_reason` are JSON text, `output_tokens` what its
// usage (when reported) says.
void AppendMessage(const Turn& t, std::string_view content, std::string_view stop_reason, uint64_t output_tokens,
                   std::string* out) {
  out->append("{\"id\":" + Id(t) + ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + Quoted(t.model));
  out->append(",\"content\":").append(content);
  out->append(",\"stop_reason\":").append(stop_reason).append(",\"stop_sequence\":null");
  if (t.usage) out->append(",\"usage\":" + Usage(Api::kMessages, t.input_tokens, output_tokens));
  out->push_back('}');
}

// Per status: OpenAI's error type and code (nullptr: null), and Anthropic's error type.
struct ErrorKind {
  int status;
  const char* openai_type;
  const char* openai_code;
  const char* anthropic_type;
};
constexpr ErrorKind kErrorKinds[] = {
    {401, "invalid_request_error", "invalid_api_key", "authentication_error"},
    {403, "permission_error", nullptr, "permission_error"},
    {404, "invalid_request_error", "not_found", "not_found_error"},
    {413, "invalid_request_error", "request_too_large", "request_too_large"},
    {429, "requests", "rate_limit_exceeded", "rate_limit_error"},
    {529, "server_error", nullptr, "overloaded_error"},
};

ErrorKind KindOf(int status) {
  for (const ErrorKind& k : kErrorKinds)
    if (k.status == status) return k;
  if (status >= 500) return {status, "server_error", nullptr, "api_error"};
  return {status, "invalid_request_error", nullptr, "invalid_request_error"};
}

}  // namespace

std::string AnswerText(uint64_t tokens) {
  std::string s;
  s.reserve(tokens * 4);
  for (uint64_t i = 0; i < tokens; ++i) s.append(kPieces[i % kPieceCount]);
  return s;
}

std::string_view ChunkOf(std::string_view text, uint64_t tokens, uint64_t chunks, uint64_t i) {
  if (chunks == 0 || i >= chunks) return {};
  uint64_t from = i * tokens / chunks, to = (i + 1) * tokens / chunks;
  return text.substr(from * 4, (to - from) * 4);
}

void AppendCompletion(const Turn& t, std::string_view text, std::string* out) {
  switch (t.api) {
    case Api::kChatCompletions:
      AppendChat(t, "chat.completion",
                 "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + Quoted(text) +
                     ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}]",
                 t.usage ? Usage(t.api, t.input_tokens, t.output_tokens) : "", out);
      return;
    case Api::kResponses:
      AppendResponse(t, "completed", text, t.usage, out);
      return;
    case Api::kMessages:
      AppendMessage(t, "[{\"type\":\"text\",\"text\":" + Quoted(text) + "}]", "\"end_turn\"", t.output_tokens, out);
      return;
  }
}

// ---- streaming ----------------------------------------------------------------------------------

std::string SseScript::Event(const char* name, std::string_view fields) {
  std::string e = "event: ";
  e.append(name).append("\ndata: {\"type\":\"").append(name).push_back('"');
  if (turn_.api == Api::kResponses) {
    e.append(",\"sequence_number\":");
    AppendNumber(&e, sequence_++);
  }
  e.append(fields).append("}\n\n");
  return e;
}

void SseScript::Opening(std::vector<std::string>* events) {
  const Turn& t = turn_;
  switch (t.api) {
    case Api::kChatCompletions:
      events->push_back(ChatChunk(t, "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                                     "\"logprobs\":null,\"finish_reason\":null}]"));
      return;
    case Api::kResponses: {
      const std::string response = ResponseField(t, "in_progress", {}, false);
      events->push_back(Event("response.created", response));
      events->push_back(Event("response.in_progress", response));
      events->push_back(Event("response.output_item.added", ItemField(t, "in_progress", {}, false)));
      events->push_back(Event("response.content_part.added", PartField(t, {})));
      return;
    }
    case Api::kMessages: {
      std::string message = ",\"message\":";
      AppendMessage(t, "[]", "null", 1, &message);  // a provisional output count, as Anthropic sends it
      events->push_back(Event("message_start", message));
      events->push_back(Event("content_block_start", ",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}"));
      events->push_back(Event("ping", {}));
      return;
    }
  }
}

void SseScript::Delta(std::string_view text, std::string* e) {
  const Turn& t = turn_;
  switch (t.api) {
    case Api::kChatCompletions:
      e->append(ChatChunk(t, "[{\"index\":0,\"delta\":{\"content\":" + Quoted(text) +
                                 "},\"logprobs\":null,\"finish_reason\":null}]"));
      return;
    case Api::kResponses:
      e->append(Event("response.output_text.delta", TextField(t, "delta", text)));
      return;
    case Api::kMessages:
      e->append(Event("content_block_delta", ",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":" + Quoted(text) + "}"));
      return;
  }
}

void SseScript::Closing(std::string_view full_text, std::vector<std::string>* events) {
  const Turn& t = turn_;
  switch (t.api) {
    case Api::kChatCompletions:
      events->push_back(ChatChunk(t, "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]"));
      if (t.include_usage && t.usage) events->push_back(ChatChunk(t, "[]", Usage(t.api, t.input_tokens, t.output_tokens)));
      events->push_back("data: [DONE]\n\n");
      return;
    case Api::kResponses:
      events->push_back(Event("response.output_text.done", TextField(t, "text", full_text)));
      events->push_back(Event("response.content_part.done", PartField(t, full_text)));
      events->push_back(Event("response.output_item.done", ItemField(t, "completed", full_text, true)));
      events->push_back(Event("response.completed", ResponseField(t, "completed", full_text, t.usage)));
      return;
    case Api::kMessages: {
      events->push_back(Event("content_block_stop", ",\"index\":0"));
      std::string delta = ",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null}";
      if (t.usage) delta.append(",\"usage\":{\"output_tokens\":" + Number(t.output_tokens) + "}");
      events->push_back(Event("message_delta", delta));
      events->push_back(Event("message_stop", {}));
      return;
    }
  }
}

// ---- errors and lists -----------------------------------------------------------------------------

std::string ErrorBody(Api api, int status, std::string_view message) {
  const ErrorKind k = KindOf(status);
  if (!IsOpenAi(api))
    return "{\"type\":\"error\",\"error\":{\"type\":\"" + std::string(k.anthropic_type) + "\",\"message\":" + Quoted(message) + "}}";
  return "{\"error\":{\"message\":" + Quoted(message) + ",\"type\":\"" + k.openai_type + "\",\"param\":null,\"code\":" +
         (k.openai_code ? "\"" + std::string(k.openai_code) + "\"" : std::string("null")) + "}}";
}

std::string AuthErrorBody(Api api) {
  return IsOpenAi(api) ? ErrorBody(api, 401, "Incorrect API key provided.") : ErrorBody(api, 401, "invalid x-api-key");
}

std::string ModelsBody(Api api, int64_t created) {
  static constexpr std::string_view kModels[] = {"stub-model", "stub-model-mini", "claude-stub"};
  const bool openai = IsOpenAi(api);
  std::string out = openai ? "{\"object\":\"list\",\"data\":[" : "{\"data\":[";
  for (size_t i = 0; i < std::size(kModels); ++i) {
    const std::string m(kModels[i]);
    if (i > 0) out.push_back(',');
    if (openai) {
      out.append("{\"id\":\"" + m + "\",\"object\":\"model\",\"created\":");
      AppendNumber(&out, created);
      out.append(",\"owned_by\":\"clawhive-stub\"}");
    } else {
      out.append("{\"type\":\"model\",\"id\":\"" + m + "\",\"display_name\":\"" + m + "\",\"created_at\":\"2025-01-01T00:00:00Z\"}");
    }
  }
  out.append(openai ? "]}" : "],\"has_more\":false,\"first_id\":\"stub-model\",\"last_id\":\"claude-stub\"}");
  return out;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 529: return "Overloaded";
    default: return status >= 500 ? "Server Error" : "Client Error";
  }
}

}  // namespace clawhive::stub
