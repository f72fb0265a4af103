// An SSE body read the library's way: its events parsed by SseParser, and optionally translated
// to chat.completion.chunks and accumulated, for tests that need what a stream carries rather
// than a test of the parser itself (test_sse.cpp tests the parser).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/merge.hpp"
#include "litellm/providers/provider.hpp"
#include "litellm/sse.hpp"

namespace litellm::test {

/// The data of every event of `body`, in order.
inline std::vector<std::string> sse_event_data(std::string_view body) {
  SseParser parser;
  std::vector<std::string> out;
  const auto on_event = [&out](const SseEvent& event) { out.push_back(event.data); };
  parser.feed(body, on_event);
  parser.finish(on_event);
  return out;
}

/// The data of every event of `body` but OpenAI's `[DONE]`: the chunk texts of a stream.
inline std::vector<std::string> sse_payloads(std::string_view body) {
  std::vector<std::string> out;
  for (std::string& data : sse_event_data(body)) {
    if (data != "[DONE]") out.push_back(std::move(data));
  }
  return out;
}

/// sse_payloads parsed: the chunks of an OpenAI stream as the provider sent them.
inline std::vector<nlohmann::json> sse_chunks(std::string_view body) {
  std::vector<nlohmann::json> out;
  for (const std::string& text : sse_payloads(body)) out.push_back(nlohmann::json::parse(text));
  return out;
}

/// What a stream translator made of a body.
struct TranslatedStream {
  std::vector<nlohmann::json> chunks;  ///< Every chunk it yielded, in order.
  nlohmann::json completion;           ///< Those chunks accumulated (StreamAccumulator).
  bool finished = false;               ///< The translator saw the stream's terminator.
};

/// Feeds `body` to an SseParser in pieces of `piece` bytes (0: at once), each event to
/// `translator`, and every chunk it yields to a StreamAccumulator of `n` choices.
inline TranslatedStream translate_stream(std::string_view body, StreamTranslator& translator,
                                         int n = 1, std::size_t piece = 0) {
  SseParser parser;
  StreamAccumulator accumulator(n);
  TranslatedStream run;
  const auto on_event = [&](const SseEvent& event) {
    std::vector<nlohmann::json> out;
    translator.on_event(event, out);
    for (nlohmann::json& chunk : out) {
      accumulator.add(chunk);
      run.chunks.push_back(std::move(chunk));
    }
  };
  if (piece == 0) {
    parser.feed(body, on_event);
  } else {
    for (std::size_t at = 0; at < body.size(); at += piece) {
      parser.feed(body.substr(at, piece), on_event);
    }
  }
  parser.finish(on_event);
  run.completion = accumulator.completion();
  run.finished = translator.finished();
  return run;
}

}  // namespace litellm::test
