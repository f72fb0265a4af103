// Fuzzes the OpenAI (and Azure) stream path as the backend runs it: SSE parser -> OpenAI
// translator -> accumulator. Only litellm::Error may escape; memory stays bounded.
#include <cstdint>
#include <string_view>
#include <vector>

#include "litellm/merge.hpp"
#include "litellm/providers/openai.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  litellm::SseParserOptions limits;
  limits.max_line_bytes = 4096;
  limits.max_event_bytes = 8192;
  litellm::SseParser parser(limits);
  litellm::OpenAIStreamTranslator translator("openai");
  litellm::StreamAccumulator accumulator(1);
  std::vector<litellm::json> chunks;
  auto on_event = [&](const litellm::SseEvent& event) {
    chunks.clear();
    translator.on_event(event, chunks);
    for (const litellm::json& chunk : chunks) accumulator.add(chunk);
  };
  try {
    parser.feed(bytes, on_event);
    parser.finish(on_event);
  } catch (const litellm::Error&) {
  }
  (void)accumulator.completion();
  (void)translator.finished();
  return 0;
}
