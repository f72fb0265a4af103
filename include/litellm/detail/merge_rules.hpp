// The stream merge rules, written once (DESIGN.md "Stream merging"), as templates over a value
// source (json_source.hpp): merge_delta_to_stream and StreamAccumulator::add(const json&) read a
// json (copying), StreamAccumulator::add(json&&) moves out of it, and add_chunk_text reads the
// chunk's text through a JsonTape. Every path runs these functions and no other merge code.
//
// - objects merge recursively (nulls dropped); strings concatenate in place (a stream of k
//   deltas costs O(total length), the accumulated text is never copied);
// - identity fields (`role`, `type`, `id`, `name`) are set once: a later value replaces only an
//   absent, null or empty one;
// - `tool_calls` merge by `index`; a fragment without `index` goes to the call with its `id`, or
//   opens a new call when its `id` is new, else to the last call; a new `id` on an index whose
//   call has a different id opens a new call;
// - null never overwrites; other arrays append; numbers and booleans take the latest value; a
//   value of another type replaces the old one.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "litellm/detail/json_source.hpp"

namespace litellm::detail {

using object_t = json::object_t;
using array_t = json::array_t;

/// `object.find(key)`, by a linear scan with inline compares when the object is small (as
/// messages and choices are): cheaper than the tree's memcmp-based descent.
object_t::iterator find_key(object_t& object, std::string_view key);

/// Fields that name something rather than carry text: set once, never concatenated.
bool is_identity_key(std::string_view key) noexcept;

/// Absent-equivalent values for identity fields: null and "".
template <class Source>
bool is_unset(Source value) {
  return value.is_null() || (value.is_string() && value.string_empty());
}

/// The values Azure's prompt-filter chunk carries in place of real ones: null, "", 0.
template <class Source>
bool is_empty_value(Source value) {
  switch (value.type()) {
    case json::value_t::null:
      return true;
    case json::value_t::string:
      return value.string_empty();
    case json::value_t::number_integer:
      return value.int64() == 0;
    case json::value_t::number_unsigned:
      return value.uint64() == 0;
    case json::value_t::number_float:
      return value.number() == 0.0;
    default:
      return false;
  }
}

/// The merged call a tool-call fragment goes to, given the fragment's integer `index` and
/// non-empty `id` (nullptr when it has none): opened (appended) when there is none.
json& select_tool_call(array_t& merged, const std::int64_t* index, const std::string_view* id);

template <class Source>
void merge_object(json& dst, Source src);

/// Merges `src` into `dst` (any JSON types).
template <class Source>
void merge_value(json& dst, Source src) {
  switch (src.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return;
    case json::value_t::object:
      // Rebuilt key by key even when dst is absent, so nulls are dropped and nested
      // tool_calls are normalised the same way whatever arrived first.
      if (!dst.is_object()) dst = json::object();
      merge_object(dst, src);
      return;
    case json::value_t::array:
      if (!dst.is_array()) {
        dst = src.take();
      } else {
        auto& out = *dst.get_ptr<array_t*>();
        src.for_each_element([&out](auto element) { out.push_back(element.take()); });
      }
      return;
    case json::value_t::string:
      if (dst.is_string()) {
        src.append_string(*dst.get_ptr<std::string*>());
      } else {
        dst = src.take();
      }
      return;
    default:  // numbers and booleans: the latest value wins
      dst = src.take();
      return;
  }
}

/// The `index` of a tool call (fragment or merged) when it is an integer.
template <class Source>
bool integer_index(Source call, std::int64_t& out) {
  const auto index = call.find("index");
  if (!index || !index.is_number_integer()) return false;
  out = index.int64();
  return true;
}

/// The non-empty string `id` of a tool call (fragment or merged), or false.
template <class Source>
bool non_empty_id(Source call, std::string& scratch, std::string_view& out) {
  const auto id = call.find("id");
  if (!id || !id.is_string() || id.string_empty()) return false;
  out = id.string(scratch);
  return true;
}

/// Merges an array of tool-call fragments into the merged calls.
template <class Source>
void merge_tool_calls(json& calls, Source fragments) {
  auto& merged = *calls.get_ptr<array_t*>();
  fragments.for_each_element([&merged](auto fragment) {
    if (!fragment.is_object()) return;
    std::string scratch;
    std::string_view id;
    const bool has_id = non_empty_id(fragment, scratch, id);
    std::int64_t index = 0;
    const bool has_index = integer_index(fragment, index);
    json& target = select_tool_call(merged, has_index ? &index : nullptr, has_id ? &id : nullptr);
    merge_object(target, fragment);
  });
}

/// Merges one member (`key`: `value`) of a source object into the object `out`.
template <class Source>
void merge_member(object_t& out, std::string_view key, Source value) {
  if (value.is_null()) return;
  if (is_identity_key(key)) {
    const auto it = find_key(out, key);
    if (it == out.end()) {
      out.emplace(std::string(key), value.take());
    } else if (is_unset(view(it->second))) {
      it->second = value.take();
    }
    return;
  }
  if (is(key, "tool_calls")) {
    if (!value.is_array()) return;  // not a list of calls: nothing usable
    json& calls = out.try_emplace(std::string(key)).first->second;
    if (!calls.is_array()) calls = json::array();
    merge_tool_calls(calls, value);
    return;
  }
  const auto it = find_key(out, key);
  if (it == out.end()) {
    if (value.is_object()) {
      merge_value(out.try_emplace(std::string(key)).first->second, value);
    } else {
      out.emplace(std::string(key), value.take());
    }
  } else {
    merge_value(it->second, value);
  }
}

/// Merges the members of object `src` into object `dst`.
template <class Source>
void merge_object(json& dst, Source src) {
  auto& out = *dst.get_ptr<object_t*>();
  src.for_each_member([&out](std::string_view key, auto value) { merge_member(out, key, value); });
}

// ---- the accumulator's rules for what surrounds the deltas ----------------------------------

/// What a top-level chunk member is for.
enum class TopField { choices, usage, identity, noise, other };

/// Classifies a top-level chunk member; for identity fields (kept from the first chunk that has
/// a non-empty value) `bit` is the field's bit in StreamAccumulator::identity_settled_.
LITELLM_MERGE_INLINE TopField classify_top(std::string_view key, unsigned& bit) noexcept {
  switch (key.size()) {
    case 2:
      if (is(key, "id")) {
        bit = 1u;
        return TopField::identity;
      }
      break;
    case 5:
      if (is(key, "model")) {
        bit = 2u;
        return TopField::identity;
      }
      if (is(key, "usage")) return TopField::usage;
      break;
    case 6:
      if (is(key, "object")) return TopField::noise;
      break;
    case 7:
      if (is(key, "created")) {
        bit = 4u;
        return TopField::identity;
      }
      if (is(key, "choices")) return TopField::choices;
      break;
    case 11:
      if (is(key, "obfuscation")) return TopField::noise;
      break;
    case 12:
      if (is(key, "service_tier")) {
        bit = 8u;
        return TopField::identity;
      }
      break;
    case 18:
      if (is(key, "system_fingerprint")) {
        bit = 16u;
        return TopField::identity;
      }
      break;
    default:
      break;
  }
  return TopField::other;
}

/// The message of a choice the stream never mentioned.
json empty_message();

/// The member `name` of `object` when it is there and not null, else an absent source.
template <class Source, std::size_t N>
Source non_null_member(Source object, const char (&name)[N]) {
  const Source value = object.find(name);
  return value && !value.is_null() ? value : Source();
}

/// True for an `audio` delta value that only marks the end of the audio: `expires_at` without
/// `id`, `data` or `transcript` (OpenAI's last audio delta).
template <class Source>
bool is_audio_end_marker(Source audio) {
  return audio.is_object() && non_null_member(audio, "expires_at") &&
         !non_null_member(audio, "id") && !non_null_member(audio, "data") &&
         !non_null_member(audio, "transcript");
}

/// Notes one non-null member of a choice's delta in `last_delta` (see StreamAccumulator::Choice).
template <class Source>
void note_delta_member(unsigned char& last_delta, std::string_view key, Source value) {
  if (last_delta == 0 && is(key, "audio") && is_audio_end_marker(value)) {
    last_delta = 1;
  } else {
    last_delta = 2;
  }
}

/// True for a merged message whose audio is complete: id, data, transcript and expires_at.
bool has_complete_audio(const json& message);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
