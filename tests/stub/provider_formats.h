// The provider stub's wire formats: what OpenAI's Chat Completions and Responses APIs and Anthropic's
// Messages API answer, streamed (Server-Sent Events) or not, and their error bodies.
//
// Only the shapes a metering proxy and OpenClaw read are reproduced, but with the details real
// providers add that trip naive parsers: `"usage": null` on every chat chunk when usage was asked for,
// a finish chunk with an empty delta, a `ping` event and a provisional `output_tokens: 1` in Anthropic's
// message_start (the real count is the cumulative one in message_delta), the Responses API's
// sequence numbers and item events around the text deltas.
//
// Pure functions and a per-answer script object; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace clawhive::stub {

enum class Api {
  kChatCompletions,  // OpenAI POST /v1/chat/completions
  kResponses,        // OpenAI POST /v1/responses
  kMessages,         // Anthropic POST /v1/messages
};

// True for the APIs whose errors and auth are OpenAI's.
inline bool IsOpenAi(Api api) { return api != Api::kMessages; }

// What one answer says. `model` must outlive the objects that use the Turn.
struct Turn {
  Api api = Api::kChatCompletions;
  uint64_t seq = 0;             // the ids: chatcmpl-stub-<seq>, resp_stub<seq>, msg_stub<seq>
  std::string_view model;
  int64_t created = 0;          // Unix seconds
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;
  bool usage = true;            // report usage at all (x_stub.no_usage turns it off)
  bool include_usage = false;   // chat streaming: stream_options.include_usage (adds the usage chunk)
};

// The answer for `tokens` tokens: exactly 4 bytes of ASCII per token, so a proxy that estimates
// bytes / 4 when a provider reports no usage gets the same count the stub would have reported.
std::string AnswerText(uint64_t tokens);

// Piece i of `chunks` near-equal pieces of an AnswerText of `tokens` tokens: tokens [i*T/N, (i+1)*T/N).
// Pieces are empty when there are more chunks than tokens.
std::string_view ChunkOf(std::string_view text, uint64_t tokens, uint64_t chunks, uint64_t i);

// The non-streaming answer body (JSON), appended to `out`.
void AppendCompletion(const Turn& turn, std::string_view text, std::string* out);

// The events of one streamed answer, in order: Opening(), Delta() per content chunk, Closing(). Each
// event is a complete SSE event ("data: ...\n\n" or "event: ...\ndata: ...\n\n"), to be flushed alone.
class SseScript {
 public:
  explicit SseScript(const Turn& turn) : turn_(turn) {}

  // Before the first content chunk; never empty (a hung answer stalls after the first of these).
  void Opening(std::vector<std::string>* events);
  void Delta(std::string_view text, std::string* event);
  // After the last content chunk, up to and including the end marker (`data: [DONE]` for chat).
  void Closing(std::string_view full_text, std::vector<std::string>* events);

 private:
  // "event: <name>\ndata: {\"type\":\"<name>\"" (+ the sequence number for Responses), then `fields`
  // (each starting with its comma) and the end of the event.
  std::string Event(const char* name, std::string_view fields);

  const Turn& turn_;
  uint64_t sequence_ = 0;  // Responses API sequence_number
};

// An error answer in the API's own format. OpenAI: {"error":{"message","type","param","code"}};
// Anthropic: {"type":"error","error":{"type","message"}}; type and code follow the status (429 is a rate
// limit, 5xx a server error, 529 Anthropic's overloaded_error).
std::string ErrorBody(Api api, int status, std::string_view message);
// 401 for a missing or wrong key: OpenAI's invalid_api_key, Anthropic's authentication_error.
std::string AuthErrorBody(Api api);

// GET /v1/models in OpenAI's list format, or Anthropic's when the caller authenticated like Anthropic.
std::string ModelsBody(Api api, int64_t created);

// The reason phrase for a status line ("Too Many Requests"; 529 "Overloaded").
const char* ReasonPhrase(int status);

}  // namespace clawhive::stub
