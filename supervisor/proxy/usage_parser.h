// Token usage as providers report it, read from a response while it streams through the proxy.
//
// Streaming (Server-Sent Events), fed chunk by chunk as they pass, with events split anywhere:
//   OpenAI chat      a chunk with "usage": {"prompt_tokens", "completion_tokens"} (include_usage)
//   OpenAI responses "response.completed": response.usage {"input_tokens", "output_tokens"}
//   Anthropic        message_start: message.usage.input_tokens; message_delta: usage.output_tokens
// Non-streaming: the whole JSON body's "usage" (either naming). Only events that mention "usage" are
// parsed, so a 60 KB stream costs one scan. Counts text bytes of deltas too, for an estimate when the
// provider reports nothing. Not thread-safe (one per request).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::proxy {

struct Usage {
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> completion_tokens;
  bool complete() const { return prompt_tokens.has_value() && completion_tokens.has_value(); }
};

class SseUsageParser {
 public:
  void Feed(std::string_view bytes);
  const Usage& usage() const { return usage_; }
  int64_t events() const { return events_; }
  int64_t data_bytes() const { return data_bytes_; }  // bytes of data: lines, for estimates

 private:
  void Event(std::string_view data);
  std::string pending_;  // an unfinished line
  std::string data_;     // data lines of the current event
  Usage usage_;
  int64_t events_ = 0;
  int64_t data_bytes_ = 0;
};

// From a complete non-streaming JSON response body.
Usage UsageOfBody(std::string_view body);

// What the proxy needs from a request body (JSON), without keeping the document.
struct RequestInfo {
  std::string model;
  bool stream = false;
  bool include_usage = false;          // stream_options.include_usage
  std::optional<int64_t> max_tokens;   // max_tokens / max_completion_tokens / max_output_tokens
};

// kInvalidArgument (a message for the agent) for a body that is not a JSON object with a string "model".
Result<RequestInfo> ParseRequest(std::string_view body);
// The same body with "model" replaced (for the fallback model).
Result<std::string> WithModel(std::string_view body, const std::string& model);

}  // namespace clawhive::proxy
