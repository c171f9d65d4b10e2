#include "tests/stub/provider_formats.h"

#include <charconv>

#include "supervisor/common/json.h"

namespace clawhive::stub {
namespace {

// 4-byte pieces; cycled they read "Stub reply: lorem ipsum dolor sit amet. Stub reply: ...".
constexpr std::string_view kPieces[] = {"Stub", " rep", "ly: ", "lore", "m ip", "sum ", "dolo", "r si", "t am", "et. "};
constexpr size_t kPieceCount = sizeof(kPieces) / sizeof(kPieces[0]);

void AppendU(std::string* out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}
void AppendI(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}
void AppendQuoted(std::string* out, std::string_view s) { AppendJsonString(out, s); }

void AppendId(const Turn& t, std::string* out) {
  switch (t.api) {
    case Api::kChatCompletions: out->append("\"chatcmpl-stub-"); break;
    case Api::kResponses: out->append("\"resp_stub"); break;
    case Api::kMessages: out->append("\"msg_stub"); break;
  }
  AppendU(out, t.seq);
  out->push_back('"');
}

void AppendChatUsage(const Turn& t, std::string* out) {
  out->append("{\"prompt_tokens\":");
  AppendU(out, t.input_tokens);
  out->append(",\"completion_tokens\":");
  AppendU(out, t.output_tokens);
  out->append(",\"total_tokens\":");
  AppendU(out, t.input_tokens + t.output_tokens);
  out->append(",\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}");
}

void AppendResponsesUsage(const Turn& t, std::string* out) {
  out->append("{\"input_tokens\":");
  AppendU(out, t.input_tokens);
  out->append(",\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":");
  AppendU(out, t.output_tokens);
  out->append(",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":");
  AppendU(out, t.input_tokens + t.output_tokens);
  out->push_back('}');
}

void AppendMessagesUsage(uint64_t input, uint64_t output, std::string* out) {
  out->append("{\"input_tokens\":");
  AppendU(out, input);
  out->append(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":");
  AppendU(out, output);
  out->push_back('}');
}

// The common head of a chat.completion(.chunk) object, up to and including `"choices":`.
void AppendChatHead(const Turn& t, const char* object, std::string* out) {
  out->append("{\"id\":");
  AppendId(t, out);
  out->append(",\"object\":\"");
  out->append(object);
  out->append("\",\"created\":");
  AppendI(out, t.created);
  out->append(",\"model\":");
  AppendQuoted(out, t.model);
  out->append(",\"system_fingerprint\":\"fp_stub\",\"choices\":");
}

// The end of a streamed chat chunk: `"usage":null` when usage was asked for (as OpenAI does), then "}\n\n".
void EndChatChunk(const Turn& t, std::string* event) {
  if (t.include_usage && t.usage) event->append(",\"usage\":null");
  event->append("}\n\n");
}

void AppendMessageItem(const Turn& t, const char* status, std::string_view text, bool with_content, std::string* out) {
  out->append("{\"type\":\"message\",\"id\":\"msg_stub");
  AppendU(out, t.seq);
  out->append("\",\"status\":\"");
  out->append(status);
  out->append("\",\"role\":\"assistant\",\"content\":[");
  if (with_content) {
    out->append("{\"type\":\"output_text\",\"text\":");
    AppendQuoted(out, text);
    out->append(",\"annotations\":[]}");
  }
  out->append("]}");
}

// A Responses API `response` object.
void AppendResponse(const Turn& t, const char* status, std::string_view text, bool with_usage, std::string* out) {
  out->append("{\"id\":");
  AppendId(t, out);
  out->append(",\"object\":\"response\",\"created_at\":");
  AppendI(out, t.created);
  out->append(",\"status\":\"");
  out->append(status);
  out->append("\",\"model\":");
  AppendQuoted(out, t.model);
  out->append(",\"output\":[");
  if (std::string_view(status) == "completed") AppendMessageItem(t, "completed", text, true, out);
  out->append("]");
  if (with_usage) {
    out->append(",\"usage\":");
    AppendResponsesUsage(t, out);
  } else {
    out->append(",\"usage\":null");
  }
  out->push_back('}');
}

struct ErrorKind {
  const char* type;
  const char* code;  // OpenAI only; nullptr -> null
};

ErrorKind OpenAiKind(int status) {
  switch (status) {
    case 401: return {"invalid_request_error", "invalid_api_key"};
    case 403: return {"permission_error", nullptr};
    case 404: return {"invalid_request_error", "not_found"};
    case 413: return {"invalid_request_error", "request_too_large"};
    case 429: return {"requests", "rate_limit_exceeded"};
    default: return {status >= 500 ? "server_error" : "invalid_request_error", nullptr};
  }
}

const char* AnthropicType(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
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
      AppendChatHead(t, "chat.completion", out);
      out->append("[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
      AppendQuoted(out, text);
      out->append(",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}]");
      if (t.usage) {
        out->append(",\"usage\":");
        AppendChatUsage(t, out);
      }
      out->push_back('}');
      return;
    case Api::kResponses:
      AppendResponse(t, "completed", text, t.usage, out);
      return;
    case Api::kMessages:
      out->append("{\"id\":");
      AppendId(t, out);
      out->append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
      AppendQuoted(out, t.model);
      out->append(",\"content\":[{\"type\":\"text\",\"text\":");
      AppendQuoted(out, text);
      out->append("}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null");
      if (t.usage) {
        out->append(",\"usage\":");
        AppendMessagesUsage(t.input_tokens, t.output_tokens, out);
      }
      out->push_back('}');
      return;
  }
}

// ---- streaming ----------------------------------------------------------------------------------

void SseScript::BeginEvent(const char* name, std::string* event) {
  event->append("event: ");
  event->append(name);
  event->append("\ndata: {\"type\":\"");
  event->append(name);
  event->push_back('"');
  if (turn_.api == Api::kResponses) {
    event->append(",\"sequence_number\":");
    AppendU(event, sequence_++);
  }
}

void SseScript::Opening(std::vector<std::string>* events) {
  const Turn& t = turn_;
  std::string e;
  switch (t.api) {
    case Api::kChatCompletions:
      e.append("data: ");
      AppendChatHead(t, "chat.completion.chunk", &e);
      e.append("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
               "\"logprobs\":null,\"finish_reason\":null}]");
      EndChatChunk(t, &e);
      events->push_back(std::move(e));
      return;
    case Api::kResponses:
      for (const char* name : {"response.created", "response.in_progress"}) {
        e.clear();
        BeginEvent(name, &e);
        e.append(",\"response\":");
        AppendResponse(t, "in_progress", {}, false, &e);
        e.append("}\n\n");
        events->push_back(e);
      }
      e.clear();
      BeginEvent("response.output_item.added", &e);
      e.append(",\"output_index\":0,\"item\":");
      AppendMessageItem(t, "in_progress", {}, false, &e);
      e.append("}\n\n");
      events->push_back(e);
      e.clear();
      BeginEvent("response.content_part.added", &e);
      e.append(",\"item_id\":\"msg_stub");
      AppendU(&e, t.seq);
      e.append("\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}\n\n");
      events->push_back(std::move(e));
      return;
    case Api::kMessages:
      BeginEvent("message_start", &e);
      e.append(",\"message\":{\"id\":");
      AppendId(t, &e);
      e.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
      AppendQuoted(&e, t.model);
      e.append(",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null");
      if (t.usage) {
        e.append(",\"usage\":");
        AppendMessagesUsage(t.input_tokens, 1, &e);  // provisional, as Anthropic sends it
      }
      e.append("}}\n\n");
      events->push_back(e);
      e.clear();
      BeginEvent("content_block_start", &e);
      e.append(",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
      events->push_back(e);
      events->push_back("event: ping\ndata: {\"type\":\"ping\"}\n\n");
      return;
  }
}

void SseScript::Delta(std::string_view text, std::string* e) {
  const Turn& t = turn_;
  switch (t.api) {
    case Api::kChatCompletions:
      e->append("data: ");
      AppendChatHead(t, "chat.completion.chunk", e);
      e->append("[{\"index\":0,\"delta\":{\"content\":");
      AppendQuoted(e, text);
      e->append("},\"logprobs\":null,\"finish_reason\":null}]");
      EndChatChunk(t, e);
      return;
    case Api::kResponses:
      BeginEvent("response.output_text.delta", e);
      e->append(",\"item_id\":\"msg_stub");
      AppendU(e, t.seq);
      e->append("\",\"output_index\":0,\"content_index\":0,\"delta\":");
      AppendQuoted(e, text);
      e->append(",\"logprobs\":[]}\n\n");
      return;
    case Api::kMessages:
      BeginEvent("content_block_delta", e);
      e->append(",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":");
      AppendQuoted(e, text);
      e->append("}}\n\n");
      return;
  }
}

void SseScript::Closing(std::string_view full_text, std::vector<std::string>* events) {
  const Turn& t = turn_;
  std::string e;
  switch (t.api) {
    case Api::kChatCompletions:
      e.append("data: ");
      AppendChatHead(t, "chat.completion.chunk", &e);
      e.append("[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]");
      EndChatChunk(t, &e);
      events->push_back(e);
      if (t.include_usage && t.usage) {
        e.clear();
        e.append("data: ");
        AppendChatHead(t, "chat.completion.chunk", &e);
        e.append("[],\"usage\":");
        AppendChatUsage(t, &e);
        e.append("}\n\n");
        events->push_back(e);
      }
      events->push_back("data: [DONE]\n\n");
      return;
    case Api::kResponses:
      BeginEvent("response.output_text.done", &e);
      e.append(",\"item_id\":\"msg_stub");
      AppendU(&e, t.seq);
      e.append("\",\"output_index\":0,\"content_index\":0,\"text\":");
      AppendQuoted(&e, full_text);
      e.append(",\"logprobs\":[]}\n\n");
      events->push_back(e);
      e.clear();
      BeginEvent("response.content_part.done", &e);
      e.append(",\"item_id\":\"msg_stub");
      AppendU(&e, t.seq);
      e.append("\",\"output_index\":0,\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":");
      AppendQuoted(&e, full_text);
      e.append(",\"annotations\":[]}}\n\n");
      events->push_back(e);
      e.clear();
      BeginEvent("response.output_item.done", &e);
      e.append(",\"output_index\":0,\"item\":");
      AppendMessageItem(t, "completed", full_text, true, &e);
      e.append("}\n\n");
      events->push_back(e);
      e.clear();
      BeginEvent("response.completed", &e);
      e.append(",\"response\":");
      AppendResponse(t, "completed", full_text, t.usage, &e);
      e.append("}\n\n");
      events->push_back(std::move(e));
      return;
    case Api::kMessages:
      BeginEvent("content_block_stop", &e);
      e.append(",\"index\":0}\n\n");
      events->push_back(e);
      e.clear();
      BeginEvent("message_delta", &e);
      e.append(",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null}");
      if (t.usage) {
        e.append(",\"usage\":{\"output_tokens\":");
        AppendU(&e, t.output_tokens);
        e.push_back('}');
      }
      e.append("}\n\n");
      events->push_back(e);
      events->push_back("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
      return;
  }
}

// ---- errors and lists -----------------------------------------------------------------------------

std::string ErrorBody(Api api, int status, std::string_view message) {
  std::string out;
  if (IsOpenAi(api)) {
    ErrorKind k = OpenAiKind(status);
    out.append("{\"error\":{\"message\":");
    AppendQuoted(&out, message);
    out.append(",\"type\":\"");
    out.append(k.type);
    out.append("\",\"param\":null,\"code\":");
    if (k.code) {
      out.push_back('"');
      out.append(k.code);
      out.push_back('"');
    } else {
      out.append("null");
    }
    out.append("}}");
  } else {
    out.append("{\"type\":\"error\",\"error\":{\"type\":\"");
    out.append(AnthropicType(status));
    out.append("\",\"message\":");
    AppendQuoted(&out, message);
    out.append("}}");
  }
  return out;
}

std::string AuthErrorBody(Api api) {
  return IsOpenAi(api) ? ErrorBody(api, 401, "Incorrect API key provided.") : ErrorBody(api, 401, "invalid x-api-key");
}

std::string ModelsBody(Api api, int64_t created) {
  static constexpr std::string_view kModels[] = {"stub-model", "stub-model-mini", "claude-stub"};
  std::string out;
  if (IsOpenAi(api)) {
    out.append("{\"object\":\"list\",\"data\":[");
    bool first = true;
    for (std::string_view m : kModels) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"id\":\"");
      out.append(m);
      out.append("\",\"object\":\"model\",\"created\":");
      AppendI(&out, created);
      out.append(",\"owned_by\":\"clawhive-stub\"}");
    }
    out.append("]}");
  } else {
    out.append("{\"data\":[");
    bool first = true;
    for (std::string_view m : kModels) {
      if (!first) out.push_back(',');
      first = false;
      out.append("{\"type\":\"model\",\"id\":\"");
      out.append(m);
      out.append("\",\"display_name\":\"");
      out.append(m);
      out.append("\",\"created_at\":\"2025-01-01T00:00:00Z\"}");
    }
    out.append("],\"has_more\":false,\"first_id\":\"stub-model\",\"last_id\":\"claude-stub\"}");
  }
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
