// SkimJsonObject: checks that a text is one well-formed JSON object and reports the raw text of each of
// its top-level members, without building the document.
//
// Why not supervisor/common/json.h's reader: it builds (and allocates) every string of a body, which for
// OpenClaw's ~61 KB chat bodies cost the stub ~0.4 ms of CPU per request — most of its time — while the
// stub needs five small top-level fields. The skimmer allocates nothing and checks the RFC 8259 grammar
// (structure, strings with their escapes and no raw control characters, numbers, literals, nesting up
// to max_depth) at a few hundred MB/s; the small member values it reports are then read with
// json.h. Not checked (the proxy under test is not meant to rely on the stub for these): UTF-8 validity
// and duplicate keys.
//
// Pure function; thread-compatible.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::proxy {

// Calls on_member(raw_key, raw_value) for each top-level member in order: raw_key is the key's text
// between its quotes (escapes not decoded), raw_value the member value's exact text. kInvalidArgument
// ("malformed JSON at byte N: ...") when the text is not a single JSON object.
Status SkimJsonObject(std::string_view text, size_t max_depth,
                      const std::function<void(std::string_view raw_key, std::string_view raw_value)>& on_member);

}  // namespace clawhive::proxy
