#pragma once

#include "litellm/detail/translation.hpp"

#include <chrono>

namespace litellm::detail {

LITELLM_INLINE const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

LITELLM_INLINE std::string string_member(const json& object, std::string_view key,
                                         std::string fallback) {
  const json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::move(fallback);
}

LITELLM_INLINE long long count_member(const json& object, std::string_view key) {
  const json* value = member(object, key);
  return value != nullptr && value->is_number_integer() ? value->get<long long>() : 0;
}

LITELLM_INLINE json tool_call_arguments(const json* function, const std::string& label) {
  json arguments = json::object();
  if (const json* given = function != nullptr ? member(*function, "arguments") : nullptr) {
    if (given->is_string()) {
      const auto& text = given->get_ref<const std::string&>();
      if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
        arguments = json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (arguments.is_discarded()) {
          throw ConfigError(label + ": arguments are not valid JSON");
        }
      }
    } else {
      arguments = *given;
    }
  }
  if (!arguments.is_object()) throw ConfigError(label + ": arguments must be a JSON object");
  return arguments;
}

LITELLM_INLINE std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

LITELLM_INLINE bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

LITELLM_INLINE bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace litellm::detail
