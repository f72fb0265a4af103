// Fuzzes the Anthropic translations: the first byte picks the stream path (SSE -> Anthropic
// translator -> accumulator), the non-streamed response path (chat_response) or the error path
// (error_from_response). Only litellm::Error may escape.
#include <cstdint>
#include <string>
#include <string_view>

#include "litellm/providers/anthropic.hpp"
#include "sse_translation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const litellm::AnthropicAdapter adapter;
  try {
    switch (data[0] % 3) {
      case 0: {
        auto translator = adapter.stream_translator();
        litellm::StreamAccumulator accumulator(1);
        litellm::fuzz::feed_sse_translation(bytes, *translator, accumulator);
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
