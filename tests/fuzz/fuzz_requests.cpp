// Fuzzes request building: arbitrary JSON as chat parameters for each provider's adapter
// (OpenAI, Azure, Anthropic), and OpenAI / Azure error and response bodies. Only
// litellm::Error may escape; every header built must be free of CR and LF.
#include <cstdint>
#include <string_view>

#include "litellm/providers/anthropic.hpp"
#include "litellm/providers/openai.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const litellm::json params = litellm::json::parse(bytes, nullptr, false);
  if (params.is_discarded()) return 0;
  const litellm::ApiInfo infos[] = {
      {"openai", std::nullopt, "sk-fuzz-key-0000000000000000", std::nullopt},
      {"azure", std::string("2024-10-21"), "azure-fuzz-key-000000000",
       std::string("https://r.azure.test")},
      {"anthropic", std::nullopt, "sk-ant-fuzz-0000000000000", std::nullopt}};
  const litellm::ApiInfo& info = infos[data[0] % 3];
  const litellm::ProviderAdapter& adapter = litellm::adapter_for(info);
  try {
    const litellm::HttpRequest request =
        adapter.chat_request(info, "model/x y", params, data[0] & 4);
    for (const auto& [name, value] : request.headers) {
      if (value.find_first_of("\r\n") != std::string::npos) __builtin_trap();
    }
    if (!litellm::json::accept(request.body)) __builtin_trap();  // always valid JSON
  } catch (const litellm::Error&) {
  }
  try {
    (void)adapter.chat_response(params);
  } catch (const litellm::Error&) {
  }
  litellm::HttpResponse response;
  response.status = 429;
  response.body = std::string(bytes);
  (void)litellm::error_from_http(response, "openai");
  (void)litellm::error_from_stream_event(params, "openai");
  return 0;
}
