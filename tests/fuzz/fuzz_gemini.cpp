// Fuzzes the Gemini translations: the first byte picks the stream path (SSE -> Gemini
// translator -> accumulator), the non-streamed response path (chat_response, objects and the
// JSON-array stream), the error path (error_from_response), or the request and embedding paths
// (the JSON as chat parameters for chat_request and embedding_request, and as a
// batchEmbedContents answer). Only litellm::Error may escape.
#include <cstdint>
#include <string>
#include <string_view>

#include "litellm/providers/gemini.hpp"
#include "sse_translation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const litellm::GeminiAdapter adapter;
  try {
    switch (data[0] % 4) {
      case 0: {
        auto translator = adapter.stream_translator();
        litellm::StreamAccumulator accumulator(1);
        litellm::fuzz::feed_sse_translation(bytes, *translator, accumulator);
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
