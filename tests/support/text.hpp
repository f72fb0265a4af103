// Small text helpers the tests share: substring checks and the text of chat completions and
// chunks.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace litellm::test {

/// True when `needle` occurs in `haystack`.
inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// How many times `needle` occurs in `text`, without overlaps.
inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

/// The text a streamed chunk adds, over all its choices (a usage chunk has none).
inline std::string delta_text(const nlohmann::json& chunk) {
  std::string text;
  for (const nlohmann::json& choice : chunk.value("choices", nlohmann::json::array())) {
    const nlohmann::json content =
        choice.value("delta", nlohmann::json::object()).value("content", nlohmann::json());
    if (content.is_string()) text += content.get<std::string>();
  }
  return text;
}

/// The message text of choice `choice` of a chat.completion ("" when it has none).
inline std::string text_of(const nlohmann::json& completion, int choice = 0) {
  const nlohmann::json& content = completion["choices"][choice]["message"]["content"];
  return content.is_string() ? content.get<std::string>() : std::string();
}

}  // namespace litellm::test
