// Fuzzes the Gemini translations: the first byte picks the stream path (SSE -> Gemini
// translator -> accumulator), the non-streamed response path (chat_response, objects and the
// JSON-array stream), the error path (error_from_response), or the request and embedding paths
// (the JSON as chat parameters for chat_request and embedding_request, and as a
// batchEmbedContents answer). Only litellm::Error may escape.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/merge.hpp"
#include "litellm/providers/gemini.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const litellm::GeminiAdapter adapter;
  try {
    switch (data[0] % 4) {
      case 0: {
        litellm::SseParserOptions limits;
        limits.max_line_bytes = 4096;
        limits.max_event_bytes = 8192;
        litellm::SseParser parser(limits);
        auto translator = adapter.stream_translator();
        litellm::StreamAccumulator accumulator(1);
        std::vector<litellm::json> chunks;
        auto on_event = [&](const litellm::SseEvent& event) {
          chunks.clear();
          translator->on_event(event, chunks);
          for (const litellm::json& chunk : chunks) accumulator.add(chunk);
        };
        parser.feed(bytes, on_event);
        parser.finish(on_event);
        (void)accumulator.completion();
        (void)translator->finished();
        break;
      }
      case 1: {
        const litellm::json body = litellm::json::parse(bytes, nullptr, false);
        if (!body.is_discarded()) (void)adapter.chat_response(body);
        break;
      }
      case 2: {
        litellm::HttpResponse response;
        response.status = 400 + static_cast<int>(size % 200);
        response.body = std::string(bytes);
        (void)adapter.error_from_response(response);
        break;
      }
      default: {
        const litellm::json body = litellm::json::parse(bytes, nullptr, false);
        if (body.is_discarded()) break;
        const litellm::ApiInfo info{"gemini", std::nullopt, "AIza-fuzz-key", std::nullopt};
        try {
          (void)adapter.chat_request(info, "gemini-2.5-flash", body, data[0] & 4);
        } catch (const litellm::Error&) {
        }
        try {
          (void)adapter.embedding_request(info, "gemini-embedding-001", body);
        } catch (const litellm::Error&) {
        }
        (void)adapter.embedding_response(body);
        break;
      }
    }
  } catch (const litellm::Error&) {
  }
  return 0;
}
