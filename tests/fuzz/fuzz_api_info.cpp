// Fuzzes ApiInfo loading: from_json, validate, api_infos_from_config, redaction and the key id.
// Only ConfigError may escape, and printing never shows the key.
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "litellm/api_info.hpp"

namespace {

/// What printing shows of an ApiInfo: operator<< and the key id.
std::string shown(const litellm::ApiInfo& info) {
  std::ostringstream printed;
  printed << info << ' ' << litellm::make_unique_api_info_key(info);
  return printed.str();
}

std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos;
       at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

/// True when printing shows the key. The key's text may also occur in other fields (a key equal
/// to part of the api_base): compare with the same ApiInfo holding another key of that length.
bool key_shown(const litellm::ApiInfo& info) {
  litellm::ApiInfo other = info;
  other.api_key.assign(info.api_key.size(), '#');
  return occurrences(shown(info), info.api_key) > occurrences(shown(other), info.api_key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const litellm::json config = litellm::json::parse(bytes, nullptr, false);
  if (config.is_discarded()) return 0;
  try {
    const litellm::ApiInfo info = config.get<litellm::ApiInfo>();
    if (info.api_key.size() >= 16 && key_shown(info)) {
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
