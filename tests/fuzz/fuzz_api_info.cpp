// Fuzzes ApiInfo loading: from_json, validate, api_infos_from_config, redaction and the key id.
// Only ConfigError may escape, and printing never shows the key.
#include <cstdint>
#include <sstream>
#include <string_view>

#include "litellm/api_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const litellm::json config = litellm::json::parse(bytes, nullptr, false);
  if (config.is_discarded()) return 0;
  try {
    const litellm::ApiInfo info = config.get<litellm::ApiInfo>();
    std::ostringstream printed;
    printed << info;
    const std::string id = litellm::make_unique_api_info_key(info);
    if (info.api_key.size() >= 16 && (printed.str().find(info.api_key) != std::string::npos ||
                                      id.find(info.api_key) != std::string::npos)) {
      __builtin_trap();  // a long key must never be printed
    }
    info.validate();
  } catch (const litellm::ConfigError&) {
  }
  try {
    (void)litellm::api_infos_from_config(config);
  } catch (const litellm::ConfigError&) {
  }
  return 0;
}
