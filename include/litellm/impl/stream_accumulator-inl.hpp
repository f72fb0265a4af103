#pragma once

// StreamAccumulator: the chat.completion of a stream, chunk by chunk. Its three ways in (add by
// copy, add by move, add_chunk_text) run one template, Impl::add, over a value source
// (json_source.hpp); the deltas are merged by the rules of merge_rules.hpp.
#include "litellm/merge.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "litellm/detail/json_tape.hpp"
#include "litellm/detail/merge_rules.hpp"

namespace litellm {
namespace detail {

/// The error for a chunk that is not valid JSON, quoting its start.
[[noreturn]] LITELLM_INLINE void throw_invalid_chunk(std::string_view text) {
  const std::size_t shown = std::min<std::size_t>(text.size(), 64);
  throw ProtocolError("stream chunk is not valid JSON: " +
                      json(std::string(text.substr(0, shown)))
                          .dump(-1, ' ', false, json::error_handler_t::replace) +
                      (shown < text.size() ? " (" + std::to_string(text.size()) + " bytes)" : ""));
}

[[noreturn]] LITELLM_INLINE void throw_choice_index_too_large(std::uint64_t index) {
  throw ProtocolError("stream chunk has choice index " + std::to_string(index) +
                      ", at or above the limit of " + std::to_string(kMaxStreamChoices));
}

[[noreturn]] LITELLM_INLINE void throw_choice_index_negative(std::int64_t index) {
  throw ProtocolError("stream chunk has a negative choice index " + std::to_string(index));
}

[[noreturn]] LITELLM_INLINE void throw_choice_index_not_integer(const std::string& text) {
  throw ProtocolError("stream chunk has a choice index that is not an integer: " +
                      text.substr(0, 64));
}

/// The choice index of a chunk's choice object: missing or null means 0.
/// @throws ProtocolError when it is negative, not an integer, or >= kMaxStreamChoices.
template <class Source>
int choice_index(Source choice) {
  const Source index = choice.find("index");
  if (!index || index.is_null()) return 0;
  switch (index.type()) {
    case json::value_t::number_unsigned: {
      const std::uint64_t value = index.uint64();
      if (value >= static_cast<std::uint64_t>(kMaxStreamChoices)) {
        throw_choice_index_too_large(value);
      }
      return static_cast<int>(value);
    }
    case json::value_t::number_integer: {  // signed: negative when parsed
      const std::int64_t value = index.int64();
      if (value < 0) throw_choice_index_negative(value);
      if (value >= kMaxStreamChoices)
        throw_choice_index_too_large(static_cast<std::uint64_t>(value));
      return static_cast<int>(value);
    }
    default:
      throw_choice_index_not_integer(index.dump());
  }
}

}  // namespace detail

struct StreamAccumulator::Impl {
  /// Merges one chunk. Every choice index is checked before anything changes, so a rejected
  /// chunk leaves the accumulator as it was.
  template <class Source>
  static void add(StreamAccumulator& self, Source chunk) {
    if (!chunk.is_object()) {
      ++self.chunk_count_;
      return;
    }
    const Source choices = chunk.find("choices");
    const bool has_choices = choices && choices.is_array();
    // The choices' indexes, read once here (the first kKeptIndexes of them kept for the merge).
    constexpr std::size_t kKeptIndexes = 8;
    int indexes[kKeptIndexes];
    std::size_t count = 0;
    if (has_choices) {
      choices.for_each_element([&indexes, &count](auto choice) {
        if (!choice.is_object()) return;
        const int index = detail::choice_index(choice);
        if (count < kKeptIndexes) indexes[count] = index;
        ++count;
      });
    }
    ++self.chunk_count_;
    chunk.for_each_member([&self, has_choices, &indexes](std::string_view key, auto value) {
      unsigned bit = 0;
      const detail::TopField field = detail::classify_top(key, bit);
      if (field == detail::TopField::choices) {
        if (!has_choices) return;
        std::size_t at = 0;  // `value` is `choices`: the same choices in the same order
        value.for_each_element([&self, &indexes, &at](auto choice) {
          if (!choice.is_object()) return;
          add_choice(self, choice, at < kKeptIndexes ? indexes[at] : detail::choice_index(choice));
          ++at;
        });
      } else {
        add_top_member(self, field, bit, key, value);
      }
    });
  }

  /// True for a top-level chunk member that add_top_member ignores whatever its value: per-chunk
  /// noise, and the identity fields in `settled` (StreamAccumulator::identity_settled_).
  static bool ignored_top_member(std::string_view key, unsigned settled) noexcept {
    unsigned bit = 0;
    switch (detail::classify_top(key, bit)) {
      case detail::TopField::noise:
        return true;
      case detail::TopField::identity:
        return (settled & bit) != 0;
      default:
        return false;
    }
  }

  /// The members of a chunk's text that add need not read: left out of its tape.
  static detail::JsonTape::TopFilter tape_filter(const StreamAccumulator& self) noexcept {
    return detail::JsonTape::TopFilter{&ignored_top_member, self.identity_settled_};
  }

  /// Merges one top-level member of a chunk other than `choices`: `key`, classified as `field`
  /// (with its identity `bit`) by classify_top.
  template <class Source>
  static void add_top_member(StreamAccumulator& self, detail::TopField field, unsigned bit,
                             std::string_view key, Source value) {
    switch (field) {
      case detail::TopField::choices:  // merged by the caller
      case detail::TopField::noise:    // object, obfuscation: per-chunk values
        return;
      case detail::TopField::usage:
        if (!value.is_null()) self.usage_ = value.take();
        return;
      case detail::TopField::identity: {
        if ((self.identity_settled_ & bit) != 0) return;  // already has a non-empty value
        if (value.is_null()) return;
        auto& top = *self.top_.get_ptr<detail::object_t*>();
        auto it = detail::find_key(top, key);
        if (it == top.end()) {
          it = top.emplace(std::string(key), value.take()).first;
        } else if (detail::is_empty_value(detail::view(it->second)) &&
                   !detail::is_empty_value(value)) {
          it->second = value.take();
        } else {
          return;
        }
        if (!detail::is_empty_value(detail::view(it->second))) self.identity_settled_ |= bit;
        return;
      }
      case detail::TopField::other:  // prompt_filter_results, ...: the latest
        if (value.is_null()) return;
        self.top_.get_ptr<detail::object_t*>()->insert_or_assign(std::string(key), value.take());
        return;
    }
  }

  template <class Source>
  static void add_choice(StreamAccumulator& self, Source choice, int index) {
    Choice& state = self.choices_[index];
    state.last_delta = 0;
    choice.for_each_member(
        [&state](std::string_view key, auto value) { add_choice_member(state, key, value); });
  }

  /// Merges one member of a choice object into its state.
  template <class Source>
  static void add_choice_member(Choice& state, std::string_view key, Source value) {
    if (value.is_null() || detail::is(key, "index")) return;
    if (detail::is(key, "delta")) {
      if (!value.is_object()) return;
      // merge_object, noting what the delta holds before each member may be moved out.
      auto& message = *state.message.get_ptr<detail::object_t*>();
      value.for_each_member([&state, &message](std::string_view name, auto member) {
        if (!member.is_null()) detail::note_delta_member(state.last_delta, name, member);
        detail::merge_member(message, name, member);
      });
    } else if (detail::is(key, "logprobs")) {
      detail::merge_value(state.logprobs, value);
    } else if (detail::is(key, "finish_reason")) {
      state.finish_reason = value.take();
    } else {
      // content_filter_results and other per-choice annotations: the latest that says
      // something, never merged (Azure ends with an empty {} that must not erase the results).
      auto& extra = *state.extra.get_ptr<detail::object_t*>();
      const auto it = detail::find_key(extra, key);
      if (it == extra.end()) {
        extra.emplace(std::string(key), value.take());
      } else if (!(value.is_object() && value.object_empty())) {
        it->second = value.take();
      }
    }
  }

  /// The finish_reason of a choice: the one the stream sent, else "stop" for an audio stream
  /// that ended with its end marker after a complete audio (as openai-node infers), else null.
  /// The one definition completion() and all_choices_finished() share.
  static bool inferred_stop(const Choice& state) {
    return state.finish_reason.is_null() && state.last_delta == 1 &&
           detail::has_complete_audio(state.message);
  }
  static bool finished(const Choice& state) {
    return !state.finish_reason.is_null() || inferred_stop(state);
  }
  static json finish_reason(const Choice& state) {
    return inferred_stop(state) ? json("stop") : state.finish_reason;
  }

  static int choice_count(const StreamAccumulator& self) {
    const int seen = self.choices_.empty() ? 0 : self.choices_.rbegin()->first + 1;
    return std::max(self.n_choices_, seen);
  }
};

LITELLM_INLINE StreamAccumulator::StreamAccumulator(int n_choices)
    : n_choices_(std::clamp(n_choices, 0, kMaxStreamChoices)) {}

LITELLM_INLINE void StreamAccumulator::add(const json& chunk) {
  Impl::add(*this, detail::JsonValue<false>(chunk));
}

LITELLM_INLINE void StreamAccumulator::add(json&& chunk) {
  Impl::add(*this, detail::JsonValue<true>(chunk));
}

LITELLM_INLINE void StreamAccumulator::add_chunk_text(std::string_view chunk_json) {
  detail::JsonTape tape;  // the one pass over the text, validating all of it
  if (!tape.read(chunk_json, Impl::tape_filter(*this))) detail::throw_invalid_chunk(chunk_json);
  Impl::add(*this, tape.root());
}

namespace detail {

LITELLM_INLINE bool add_chunk_text_unless_error(StreamAccumulator& accumulator,
                                                std::string_view chunk_json) {
  JsonTape tape;  // the one pass over the text, validating all of it
  if (!tape.read(chunk_json, StreamAccumulator::Impl::tape_filter(accumulator))) {
    throw_invalid_chunk(chunk_json);
  }
  const auto root = tape.root();
  if (root.is_object()) {
    if (const auto error = root.find("error"); error && !error.is_null()) return false;
  }
  StreamAccumulator::Impl::add(accumulator, root);
  return true;
}

}  // namespace detail

LITELLM_INLINE bool StreamAccumulator::all_choices_finished() const noexcept {
  if (choices_.empty()) return false;
  return std::all_of(choices_.begin(), choices_.end(),
                     [](const auto& entry) { return Impl::finished(entry.second); });
}

LITELLM_INLINE json StreamAccumulator::completion() const {
  json out = top_;
  out["object"] = "chat.completion";
  json choices = json::array();
  const int count = Impl::choice_count(*this);
  auto& list = choices.get_ref<detail::array_t&>();
  list.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto found = choices_.find(i);
    if (found == choices_.end()) {
      list.push_back(json{{"index", i},
                          {"message", detail::empty_message()},
                          {"logprobs", nullptr},
                          {"finish_reason", nullptr}});
      continue;
    }
    const Choice& state = found->second;
    json choice = state.extra;
    choice["index"] = i;
    choice["message"] = finalize_message(state.message);
    choice["logprobs"] = state.logprobs;
    choice["finish_reason"] = Impl::finish_reason(state);
    list.push_back(std::move(choice));
  }
  out["choices"] = std::move(choices);
  if (!usage_.is_null()) out["usage"] = usage_;
  return out;
}

LITELLM_INLINE std::vector<json> StreamAccumulator::messages() const {
  const int count = Impl::choice_count(*this);
  std::vector<json> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto found = choices_.find(i);
    out.push_back(found == choices_.end() ? detail::empty_message()
                                          : finalize_message(found->second.message));
  }
  return out;
}

}  // namespace litellm
