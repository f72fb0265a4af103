// Fuzzes the OpenAI (and Azure) stream path as the backend runs it: SSE parser -> OpenAI
// translator -> accumulator. Only litellm::Error may escape; memory stays bounded.
#include <cstdint>
#include <string_view>

#include "litellm/providers/openai.hpp"
#include "sse_translation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  litellm::OpenAIStreamTranslator translator("openai");
  litellm::StreamAccumulator accumulator(1);
  try {
    litellm::fuzz::feed_sse_translation(bytes, translator, accumulator);
  } catch (const litellm::Error&) {
  }
  (void)accumulator.completion();
  (void)translator.finished();
  return 0;
}
