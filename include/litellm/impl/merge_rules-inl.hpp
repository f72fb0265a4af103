#pragma once

// The non-template parts of the stream merge rules (merge_rules.hpp).
#include "litellm/detail/merge_rules.hpp"

#include <string>

namespace litellm::detail {

LITELLM_INLINE object_t::iterator find_key(object_t& object, std::string_view key) {
  if (object.size() > 8) return object.find(key);
  const auto end = object.end();
  for (auto it = object.begin(); it != end; ++it) {
    if (it->first.size() == key.size() && same_bytes(it->first.data(), key.data(), key.size())) {
      return it;
    }
  }
  return end;
}

LITELLM_INLINE bool is_identity_key(std::string_view key) noexcept {
  switch (key.size()) {
    case 2:
      return is(key, "id");
    case 4:
      return is(key, "role") || is(key, "type") || is(key, "name");
    default:
      return false;
  }
}

LITELLM_INLINE json& select_tool_call(array_t& merged, const std::int64_t* index,
                                      const std::string_view* id) {
  json* target = nullptr;
  std::string scratch;  // unused: merged ids are json strings
  if (index != nullptr) {
    // From the back: a call opened later on the same index (new id) takes what follows.
    for (auto it = merged.rbegin(); it != merged.rend(); ++it) {
      std::int64_t call_index = 0;
      if (it->is_object() && integer_index(view(*it), call_index) && call_index == *index) {
        target = &*it;
        break;
      }
    }
    std::string_view target_id;
    if (target != nullptr && id != nullptr && non_empty_id(view(*target), scratch, target_id) &&
        target_id != *id) {
      target = nullptr;  // a new call
    }
  } else if (id != nullptr) {
    for (auto it = merged.rbegin(); it != merged.rend(); ++it) {
      std::string_view call_id;
      if (it->is_object() && non_empty_id(view(*it), scratch, call_id) && call_id == *id) {
        target = &*it;
        break;
      }
    }
  } else if (!merged.empty()) {
    target = &merged.back();
  }
  if (target == nullptr) {
    merged.emplace_back(json::object());
    target = &merged.back();
  } else if (!target->is_object()) {
    *target = json::object();
  }
  return *target;
}

LITELLM_INLINE json empty_message() {
  return json{{"role", "assistant"}, {"content", nullptr}};
}

LITELLM_INLINE bool has_complete_audio(const json& message) {
  const auto audio = non_null_member(view(message), "audio");
  return audio && audio.is_object() && non_null_member(audio, "id") &&
         non_null_member(audio, "data") && non_null_member(audio, "transcript") &&
         non_null_member(audio, "expires_at");
}

}  // namespace litellm::detail
