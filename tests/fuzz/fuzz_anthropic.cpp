// Fuzzes the Anthropic translations: the first byte picks the stream path (SSE -> Anthropic
// translator -> accumulator), the non-streamed response path (chat_response) or the error path
// (error_from_response). Only litellm::Error may escape.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/merge.hpp"
#include "litellm/providers/anthropic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const litellm::AnthropicAdapter adapter;
  try {
    switch (data[0] % 3) {
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
        break;
      }
      case 1: {
        const litellm::json body = litellm::json::parse(bytes, nullptr, false);
        if (!body.is_discarded()) (void)adapter.chat_response(body);
        break;
      }
      default: {
        litellm::HttpResponse response;
        response.status = 400 + static_cast<int>(size % 200);
        response.body = std::string(bytes);
        response.headers.add("retry-after", std::string(bytes.substr(0, 32)));
        (void)adapter.error_from_response(response);
        break;
      }
    }
  } catch (const litellm::Error&) {
  }
  return 0;
}
