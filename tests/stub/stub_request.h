// What the provider stub reads from a request body: the few fields every API shares (model, stream,
// stream_options.include_usage, the max-token field) and the test controls in the top-level "x_stub"
// object, plus the deterministic usage the stub reports for it.
//
// The body must be one well-formed JSON object (json_skim.h checks the whole text; the fields read here
// get the strict supervisor/common/json.h reader); anything else is a 400.
// Unknown x_stub controls are a 400 too, so a misspelt control fails a test instead of being ignored.
//
// Plain values and pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::stub {

// x_stub: {"delay_ms", "chunks", "chunk_delay_ms", "status", "no_usage", "completion_tokens", "hang",
// "abort_after_chunks"}. -1 / 0 / false: not given.
struct StubControls {
  int64_t delay_ms = 0;             // before the response head
  int64_t chunks = -1;              // content chunks when streaming; default one per completion token
  int64_t chunk_delay_ms = 0;       // between consecutive content chunks
  int status = 0;                   // answer this error status (400..599) in the API's format
  bool no_usage = false;            // omit usage everywhere
  int64_t completion_tokens = -1;   // override the completion token count
  bool hang = false;                // send the head and the first event (or body bytes), then stall
  int64_t abort_after_chunks = -1;  // streaming: drop the connection after this many content chunks
};

struct StubRequest {
  std::string model;
  bool stream = false;
  bool include_usage = false;                // stream_options.include_usage
  std::optional<uint64_t> max_tokens;        // max_completion_tokens, max_tokens or max_output_tokens
  bool has_controls = false;                 // an x_stub object was present
  StubControls controls;
};

// Completion tokens when nothing caps them lower.
inline constexpr uint64_t kDefaultCompletionTokens = 16;

// Reads a request body. kInvalidArgument with a message fit for the provider's error body.
Result<StubRequest> ParseStubRequest(std::string_view body);

// Prompt/input tokens: body bytes / 4, rounded up.
inline uint64_t InputTokens(size_t body_bytes) { return (body_bytes + 3) / 4; }
// Completion/output tokens: x_stub.completion_tokens if given; else the request's max if below the
// default; else the default.
uint64_t OutputTokens(const StubRequest& request);

}  // namespace clawhive::stub
