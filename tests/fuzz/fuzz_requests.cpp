// Fuzzes request building: arbitrary JSON as chat parameters for each provider's adapter
// (OpenAI, Azure, Anthropic), and OpenAI / Azure error and response bodies. Only
// litellm::Error may escape; every header built must be free of CR and LF. The body writer
// (detail::append_json) must write what nlohmann's dump writes, for the parsed parameters and
// for the raw input bytes as one string (which may be invalid UTF-8); and scan_top_level (the
// batch check of a response body) must accept exactly what is_valid_json accepts.
#include <cstdint>
#include <string_view>

#include "litellm/detail/fast_json.hpp"
#include "litellm/providers/anthropic.hpp"
#include "litellm/providers/openai.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto writes_as_dump = [](const litellm::json& value) {
    std::string written;
    litellm::detail::append_json(written, value);
    return written == value.dump(-1, ' ', false, litellm::json::error_handler_t::replace);
  };
  if (!writes_as_dump(litellm::json(std::string(bytes)))) __builtin_trap();
  // The batch check of a response body accepts exactly what the parser accepts.
  static constexpr std::string_view kNames[] = {"error", "choices", "data"};
  litellm::json::value_t kinds[3];
  if (litellm::detail::scan_top_level(bytes, kNames, kinds, 3) !=
      litellm::detail::is_valid_json(bytes)) {
    __builtin_trap();
  }
  const litellm::json params = litellm::json::parse(bytes, nullptr, false);
  if (params.is_discarded()) return 0;
  if (!writes_as_dump(params)) __builtin_trap();
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
