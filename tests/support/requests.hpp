// The request parameters tests send: one user message, and the backend's default parameters
// (kwargs). Plain JSON, so unit and integration tests alike build their requests here.
#pragma once

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace litellm::test {

/// The messages of a one-turn conversation: the user says `content` (a text, or content parts).
inline nlohmann::json user_messages(nlohmann::json content = "Hi") {
  return nlohmann::json::array({{{"role", "user"}, {"content", std::move(content)}}});
}

/// Chat completion parameters: one user message saying `content`, and `max_tokens` when given.
inline nlohmann::json chat_params(nlohmann::json content = "Hi",
                                  std::optional<int> max_tokens = std::nullopt) {
  nlohmann::json params{{"messages", user_messages(std::move(content))}};
  if (max_tokens) params["max_tokens"] = *max_tokens;
  return params;
}

/// A backend's default parameters (its kwargs) with `wait_time_per_key` set: the seconds a key
/// rests between two uses (0: a key can be used again at once).
inline nlohmann::json wait_time_per_key(double seconds) {
  return nlohmann::json{{"wait_time_per_key", seconds}};
}

}  // namespace litellm::test
