// Stream merging: merge_delta_to_stream, merge_streams, StreamAccumulator, finalize_message.
//
// Every merge is written once as a template over the source's constness: the `const json&`
// instantiation copies what it keeps, the `json&` instantiation (used by
// StreamAccumulator::add(json&&)) moves strings, arrays and objects out of the chunk. Strings
// that are already present are appended in place, so a stream of k deltas costs O(total length)
// and never copies the accumulated text.
#include "litellm/merge.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

namespace litellm {
namespace {

using object_t = json::object_t;
using array_t = json::array_t;

/// The source of a merge: read-only, or owned (and then emptied by moves).
template <bool kMove>
using Src = std::conditional_t<kMove, json&, const json&>;

/// `value` itself when moving, else a copy.
template <bool kMove>
json take(Src<kMove> value) {
  if constexpr (kMove) {
    return std::move(value);
  } else {
    return value;
  }
}

template <bool kMove>
auto& object_of(Src<kMove> value) {
  if constexpr (kMove) {
    return value.template get_ref<object_t&>();
  } else {
    return value.template get_ref<const object_t&>();
  }
}

template <bool kMove>
auto& array_of(Src<kMove> value) {
  if constexpr (kMove) {
    return value.template get_ref<array_t&>();
  } else {
    return value.template get_ref<const array_t&>();
  }
}

/// `text == literal`, comparing sizes first (no strlen, no out-of-line compare).
template <std::size_t N>
bool is(const std::string& text, const char (&literal)[N]) {
  return text.size() == N - 1 && std::memcmp(text.data(), literal, N - 1) == 0;
}

/// The member `name` of object `object`, or nullptr. A linear scan with cheap comparisons:
/// faster than a map lookup by C string for the handful of members a chunk object has.
template <std::size_t N>
const json* find_member(const json& object, const char (&name)[N]) {
  for (const auto& member : object.get_ref<const object_t&>()) {
    if (is(member.first, name)) return &member.second;
  }
  return nullptr;
}

/// Fields that name something rather than carry text: set once, never concatenated.
bool is_identity_key(const std::string& key) {
  switch (key.size()) {
    case 2:
      return is(key, "id");
    case 4:
      return is(key, "role") || is(key, "type") || is(key, "name");
    default:
      return false;
  }
}

/// Absent-equivalent values for identity fields: null and "".
bool is_unset(const json& value) {
  return value.is_null() || (value.is_string() && value.get_ref<const std::string&>().empty());
}

/// The values Azure's prompt-filter chunk carries in place of real ones: null, "", 0.
bool is_empty_value(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return true;
    case json::value_t::string:
      return value.get_ref<const std::string&>().empty();
    case json::value_t::number_integer:
      return value.get<std::int64_t>() == 0;
    case json::value_t::number_unsigned:
      return value.get<std::uint64_t>() == 0;
    case json::value_t::number_float:
      return value.get<double>() == 0.0;
    default:
      return false;
  }
}

template <bool kMove>
void merge_object(json& dst, Src<kMove> src);

/// Merges `src` into `dst` by the rules of merge_delta_to_stream (any JSON types).
template <bool kMove>
void merge_value(json& dst, Src<kMove> src) {
  switch (src.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return;
    case json::value_t::object:
      // Rebuilt key by key even when dst is absent, so nulls are dropped and nested
      // tool_calls are normalised the same way whatever arrived first.
      if (!dst.is_object()) dst = json::object();
      merge_object<kMove>(dst, src);
      return;
    case json::value_t::array:
      if (!dst.is_array()) {
        dst = take<kMove>(src);
      } else {
        auto& out = dst.get_ref<array_t&>();
        auto& in = array_of<kMove>(src);
        if constexpr (kMove) {
          out.insert(out.end(), std::make_move_iterator(in.begin()),
                     std::make_move_iterator(in.end()));
        } else {
          out.insert(out.end(), in.begin(), in.end());
        }
      }
      return;
    case json::value_t::string:
      if (dst.is_string()) {
        dst.get_ref<std::string&>() += src.template get_ref<const std::string&>();
      } else {
        dst = take<kMove>(src);
      }
      return;
    default:  // numbers and booleans: the latest value wins
      dst = src;
      return;
  }
}

/// The call's `index` when it is an integer.
bool integer_index(const json& object, std::int64_t& out) {
  const json* index = find_member(object, "index");
  if (index == nullptr || !index->is_number_integer()) return false;
  out = index->get<std::int64_t>();
  return true;
}

/// The non-empty string `id` of an object, or nullptr.
const std::string* non_empty_id(const json& object) {
  const json* value = find_member(object, "id");
  if (value == nullptr || !value->is_string()) return nullptr;
  const auto& id = value->get_ref<const std::string&>();
  return id.empty() ? nullptr : &id;
}

/// Merges an array of tool-call fragments into the merged calls.
template <bool kMove>
void merge_tool_calls(json& calls, Src<kMove> fragments) {
  auto& merged = calls.get_ref<array_t&>();
  for (auto& fragment : array_of<kMove>(fragments)) {
    if (!fragment.is_object()) continue;
    json* target = nullptr;
    const std::string* id = non_empty_id(fragment);
    std::int64_t index = 0;
    if (integer_index(fragment, index)) {
      // From the back: a call opened later on the same index (new id) takes what follows.
      for (auto it = merged.rbegin(); it != merged.rend(); ++it) {
        std::int64_t call_index = 0;
        if (integer_index(*it, call_index) && call_index == index) {
          target = &*it;
          break;
        }
      }
      if (target != nullptr && id != nullptr) {
        const std::string* target_id = non_empty_id(*target);
        if (target_id != nullptr && *target_id != *id) target = nullptr;  // a new call
      }
    } else if (id != nullptr) {
      for (auto it = merged.rbegin(); it != merged.rend(); ++it) {
        const std::string* call_id = non_empty_id(*it);
        if (call_id != nullptr && *call_id == *id) {
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
    merge_object<kMove>(*target, fragment);
  }
}

/// Merges the members of object `src` into object `dst`.
template <bool kMove>
void merge_object(json& dst, Src<kMove> src) {
  auto& out = dst.get_ref<object_t&>();
  for (auto& member : object_of<kMove>(src)) {
    const std::string& key = member.first;
    auto& value = member.second;
    if (value.is_null()) continue;
    if (is_identity_key(key)) {
      const auto it = out.find(key);
      if (it == out.end()) {
        out.emplace(key, take<kMove>(value));
      } else if (is_unset(it->second)) {
        it->second = take<kMove>(value);
      }
      continue;
    }
    if (is(key, "tool_calls")) {
      if (!value.is_array()) continue;  // not a list of calls: nothing usable
      json& calls = out[key];
      if (!calls.is_array()) calls = json::array();
      merge_tool_calls<kMove>(calls, value);
      continue;
    }
    const auto it = out.find(key);
    if (it == out.end()) {
      if (value.is_object()) {
        merge_value<kMove>(out[key], value);
      } else {
        out.emplace(key, take<kMove>(value));
      }
    } else {
      merge_value<kMove>(it->second, value);
    }
  }
}

/// The choice index of a chunk's choice object: missing or null means 0.
int choice_index(const json& choice) {
  const json* it = find_member(choice, "index");
  if (it == nullptr || it->is_null()) return 0;
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    if (value >= static_cast<std::uint64_t>(kMaxStreamChoices)) {
      throw ProtocolError("stream chunk has choice index " + std::to_string(value) +
                          ", at or above the limit of " + std::to_string(kMaxStreamChoices));
    }
    return static_cast<int>(value);
  }
  if (it->is_number_integer()) {  // signed: built in code rather than parsed
    const auto value = it->get<std::int64_t>();
    if (value < 0) {
      throw ProtocolError("stream chunk has a negative choice index " + std::to_string(value));
    }
    if (value >= kMaxStreamChoices) {
      throw ProtocolError("stream chunk has choice index " + std::to_string(value) +
                          ", at or above the limit of " + std::to_string(kMaxStreamChoices));
    }
    return static_cast<int>(value);
  }
  throw ProtocolError("stream chunk has a choice index that is not an integer: " +
                      it->dump().substr(0, 64));
}

/// What a top-level chunk member is for.
enum class TopField { choices, usage, identity, noise, other };

/// Classifies a top-level chunk member; for identity fields (kept from the first chunk that has
/// a non-empty value) `bit` is the field's bit in StreamAccumulator::identity_settled_.
TopField classify_top(const std::string& key, unsigned& bit) {
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
json empty_message() {
  return json{{"role", "assistant"}, {"content", nullptr}};
}

}  // namespace

json& merge_delta_to_stream(json& merged_stream, const json& delta) {
  if (merged_stream.is_null()) merged_stream = json::object();
  if (!delta.is_object()) return merged_stream;
  if (!merged_stream.is_object()) merged_stream = json::object();  // a type mismatch replaces
  merge_object<false>(merged_stream, delta);
  return merged_stream;
}

json finalize_message(json merged_delta) {
  if (!merged_delta.is_object()) merged_delta = json::object();
  auto& message = merged_delta.get_ref<object_t&>();
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
  } else if (is_unset(role->second)) {
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
      if (!call.contains("type") || is_unset(call["type"])) call["type"] = "function";
    }
  }
  return merged_delta;
}

struct StreamAccumulator::Impl {
  template <bool kMove>
  static void add(StreamAccumulator& self, Src<kMove> chunk) {
    if (!chunk.is_object()) {
      ++self.chunk_count_;
      return;
    }
    // Validate every choice index before changing anything, so a rejected chunk leaves the
    // accumulator as it was.
    const json* choices = find_member(chunk, "choices");
    if (choices != nullptr && !choices->is_array()) choices = nullptr;
    if (choices != nullptr) {
      for (const auto& choice : *choices) {
        if (choice.is_object()) choice_index(choice);
      }
    }
    ++self.chunk_count_;
    for (auto& member : object_of<kMove>(chunk)) {
      const std::string& key = member.first;
      auto& value = member.second;
      if (value.is_null()) continue;
      unsigned bit = 0;
      switch (classify_top(key, bit)) {
        case TopField::choices:
          if (choices != nullptr) {
            for (auto& choice : array_of<kMove>(value)) {
              if (choice.is_object()) add_choice<kMove>(self, choice);
            }
          }
          break;
        case TopField::usage:
          self.usage_ = take<kMove>(value);
          break;
        case TopField::identity: {
          if ((self.identity_settled_ & bit) != 0) break;  // already has a non-empty value
          auto& top = self.top_.get_ref<object_t&>();
          const auto it = top.find(key);
          if (it == top.end()) {
            top.emplace(key, take<kMove>(value));
          } else if (is_empty_value(it->second) && !is_empty_value(value)) {
            it->second = take<kMove>(value);
          } else {
            break;
          }
          if (!is_empty_value(top.find(key)->second)) self.identity_settled_ |= bit;
          break;
        }
        case TopField::noise:
          break;  // object, obfuscation: per-chunk values
        case TopField::other:
          self.top_[key] = take<kMove>(value);  // prompt_filter_results, ...: the latest
          break;
      }
    }
  }

  template <bool kMove>
  static void add_choice(StreamAccumulator& self, Src<kMove> choice) {
    Choice& state = self.choices_[choice_index(choice)];
    for (auto& member : object_of<kMove>(choice)) {
      const std::string& key = member.first;
      auto& value = member.second;
      if (value.is_null() || is(key, "index")) continue;
      if (is(key, "delta")) {
        if (value.is_object()) merge_object<kMove>(state.message, value);
      } else if (is(key, "logprobs")) {
        merge_value<kMove>(state.logprobs, value);
      } else if (is(key, "finish_reason")) {
        state.finish_reason = take<kMove>(value);
      } else if (!(value.is_object() && value.empty()) || !state.extra.contains(key)) {
        // content_filter_results and other per-choice annotations: the latest that says
        // something, never merged (Azure ends with an empty {} that must not erase the results).
        state.extra[key] = take<kMove>(value);
      }
    }
  }

  static int choice_count(const StreamAccumulator& self) {
    const int seen = self.choices_.empty() ? 0 : self.choices_.rbegin()->first + 1;
    return std::max(self.n_choices_, seen);
  }
};

StreamAccumulator::StreamAccumulator(int n_choices)
    : n_choices_(std::clamp(n_choices, 0, kMaxStreamChoices)) {}

void StreamAccumulator::add(const json& chunk) {
  Impl::add<false>(*this, chunk);
}

void StreamAccumulator::add(json&& chunk) {
  Impl::add<true>(*this, chunk);
}

bool StreamAccumulator::all_choices_finished() const noexcept {
  if (choices_.empty()) return false;
  return std::all_of(choices_.begin(), choices_.end(),
                     [](const auto& entry) { return !entry.second.finish_reason.is_null(); });
}

json StreamAccumulator::completion() const {
  json out = top_;
  out["object"] = "chat.completion";
  json choices = json::array();
  const int count = Impl::choice_count(*this);
  auto& list = choices.get_ref<array_t&>();
  list.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto found = choices_.find(i);
    if (found == choices_.end()) {
      list.push_back(json{{"index", i},
                          {"message", empty_message()},
                          {"logprobs", nullptr},
                          {"finish_reason", nullptr}});
      continue;
    }
    const Choice& state = found->second;
    json choice = state.extra;
    choice["index"] = i;
    choice["message"] = finalize_message(state.message);
    choice["logprobs"] = state.logprobs;
    choice["finish_reason"] = state.finish_reason;
    list.push_back(std::move(choice));
  }
  out["choices"] = std::move(choices);
  if (!usage_.is_null()) out["usage"] = usage_;
  return out;
}

std::vector<json> StreamAccumulator::messages() const {
  const int count = Impl::choice_count(*this);
  std::vector<json> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto found = choices_.find(i);
    out.push_back(found == choices_.end() ? empty_message()
                                          : finalize_message(found->second.message));
  }
  return out;
}

std::vector<json> merge_streams(const std::vector<json>& streamed_response,
                                int n_chat_completion_choices) {
  StreamAccumulator accumulator(n_chat_completion_choices);
  for (const auto& chunk : streamed_response) accumulator.add(chunk);
  return accumulator.messages();
}

}  // namespace litellm
