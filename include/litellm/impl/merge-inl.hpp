#pragma once

// The public free functions of stream merging: merge_delta_to_stream, finalize_message and
// merge_streams. The rules they apply are those of merge_rules.hpp, which StreamAccumulator
// (stream_accumulator-inl.hpp) applies too.
#include "litellm/merge.hpp"

#include <string>
#include <utility>
#include <vector>

#include "litellm/detail/merge_rules.hpp"

namespace litellm {

LITELLM_INLINE json& merge_delta_to_stream(json& merged_stream, const json& delta) {
  if (merged_stream.is_null()) merged_stream = json::object();
  if (!delta.is_object()) return merged_stream;
  if (!merged_stream.is_object()) merged_stream = json::object();  // a type mismatch replaces
  detail::merge_object(merged_stream, detail::JsonValue<false>(delta));
  return merged_stream;
}

LITELLM_INLINE json finalize_message(json merged_delta) {
  if (!merged_delta.is_object()) merged_delta = json::object();
  auto& message = merged_delta.get_ref<detail::object_t&>();
  for (auto it = message.begin(); it != message.end();) {
    if (it->second.is_null()) {
      it = message.erase(it);
    } else {
      ++it;
    }
  }
  const auto role = message.find("role");
  if (role == message.end()) {
    message.emplace("role", "assistant");
  } else if (detail::is_unset(detail::view(role->second))) {
    role->second = "assistant";
  }
  const auto content = message.find("content");
  if (content == message.end()) {
    message.emplace("content", nullptr);
  } else if (content->second.is_string() && content->second.get_ref<const std::string&>().empty()) {
    content->second = nullptr;
  }
  const auto tool_calls = message.find("tool_calls");
  if (tool_calls != message.end() && tool_calls->second.is_array()) {
    for (auto& call : tool_calls->second) {
      if (!call.is_object()) continue;
      call.erase("index");
      // The API rejects an assistant tool call without its type when the message is sent back.
      if (!call.contains("type") || detail::is_unset(detail::view(call["type"])))
        call["type"] = "function";
    }
  }
  return merged_delta;
}

LITELLM_INLINE std::vector<json> merge_streams(const std::vector<json>& streamed_response,
                                               int n_chat_completion_choices) {
  StreamAccumulator accumulator(n_chat_completion_choices);
  for (const auto& chunk : streamed_response) accumulator.add(chunk);
  return accumulator.messages();
}

}  // namespace litellm
