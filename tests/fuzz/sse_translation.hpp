// The stream path every SSE fuzz target drives, as the backend runs it: a bounded SSE parser ->
// a provider's stream translator -> an accumulator.
#pragma once

#include <string_view>
#include <vector>

#include "litellm/merge.hpp"
#include "litellm/providers/provider.hpp"
#include "litellm/sse.hpp"

namespace litellm::fuzz {

/// Feeds `bytes` (then the end) through an SSE parser with small line and event bounds, each
/// event through `translator`, each chunk into `accumulator`. litellm::Error propagates.
inline void feed_sse_translation(std::string_view bytes, StreamTranslator& translator,
                                 StreamAccumulator& accumulator) {
  SseParserOptions limits;
  limits.max_line_bytes = 4096;
  limits.max_event_bytes = 8192;
  SseParser parser(limits);
  std::vector<json> chunks;
  auto on_event = [&](const SseEvent& event) {
    chunks.clear();
    translator.on_event(event, chunks);
    for (const json& chunk : chunks) accumulator.add(chunk);
  };
  parser.feed(bytes, on_event);
  parser.finish(on_event);
}

}  // namespace litellm::fuzz
