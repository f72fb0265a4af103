#pragma once

// Stream merging: merge_delta_to_stream, merge_streams, StreamAccumulator, finalize_message.
//
// Every merge is written once as a template over the source's constness: the `const json&`
// instantiation copies what it keeps, the `json&` instantiation (used by
// StreamAccumulator::add(json&&)) moves strings, arrays and objects out of the chunk. Strings
// that are already present are appended in place, so a stream of k deltas costs O(total length)
// and never copies the accumulated text.
//
// StreamAccumulator::add_chunk_text scans the chunk's text once (ChunkScanner, below), validating
// all of it, and records what to do as a list of operations; only when the whole text is valid
// are they applied. String members of a delta are appended straight from the text; members of
// other shapes are parsed (parse_json's scanner) and merged by the same member-level functions
// add() uses, so both paths have one definition of the semantics.
#include "litellm/merge.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "litellm/detail/fast_json.hpp"

namespace litellm {
namespace detail {

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

/// The `Word` (an unsigned integer type) in the bytes at `p`.
template <class Word>
Word load(const char* p) noexcept {
  Word word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

/// `text == literal`, comparing sizes first, then whole words (no strlen, no memcmp call).
template <std::size_t N>
bool is(std::string_view text, const char (&literal)[N]) {
  constexpr std::size_t kSize = N - 1;
  if (text.size() != kSize) return false;
  const char* const data = text.data();
  if constexpr (kSize >= 8) {
    // 8-byte words from the front, then the last 8 bytes (overlapping).
    for (std::size_t i = 0; i + 8 <= kSize; i += 8) {
      if (load<std::uint64_t>(data + i) != load<std::uint64_t>(literal + i)) return false;
    }
    return kSize % 8 == 0 ||
           load<std::uint64_t>(data + kSize - 8) == load<std::uint64_t>(literal + kSize - 8);
  } else if constexpr (kSize >= 4) {
    return load<std::uint32_t>(data) == load<std::uint32_t>(literal) &&
           load<std::uint32_t>(data + kSize - 4) == load<std::uint32_t>(literal + kSize - 4);
  } else {
    for (std::size_t i = 0; i < kSize; ++i) {
      if (data[i] != literal[i]) return false;
    }
    return true;
  }
}

/// `n` bytes at `a` and at `b` are equal: word compares, inline (keys are short).
LITELLM_INLINE bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      if (load<std::uint64_t>(a + i) != load<std::uint64_t>(b + i)) return false;
    }
    return load<std::uint64_t>(a + n - 8) == load<std::uint64_t>(b + n - 8);
  }
  if (n >= 4) {
    return load<std::uint32_t>(a) == load<std::uint32_t>(b) &&
           load<std::uint32_t>(a + n - 4) == load<std::uint32_t>(b + n - 4);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// `object.find(key)`, by a linear scan with inline compares when the object is small (as
/// messages and choices are): cheaper than the tree's memcmp-based descent.
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
LITELLM_INLINE bool is_identity_key(std::string_view key) {
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
LITELLM_INLINE bool is_unset(const json& value) {
  return value.is_null() || (value.is_string() && value.get_ref<const std::string&>().empty());
}

/// The values Azure's prompt-filter chunk carries in place of real ones: null, "", 0.
LITELLM_INLINE bool is_empty_value(const json& value) {
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
LITELLM_INLINE bool integer_index(const json& object, std::int64_t& out) {
  const json* index = find_member(object, "index");
  if (index == nullptr || !index->is_number_integer()) return false;
  out = index->get<std::int64_t>();
  return true;
}

/// The non-empty string `id` of an object, or nullptr.
LITELLM_INLINE const std::string* non_empty_id(const json& object) {
  const json* value = find_member(object, "id");
  if (value == nullptr || !value->is_string()) return nullptr;
  const auto& id = value->get_ref<const std::string&>();
  return id.empty() ? nullptr : &id;
}

/// The merged call a tool-call fragment goes to, given the fragment's integer `index` and
/// non-empty `id` (nullptr when it has none): opened (appended) when there is none.
LITELLM_INLINE json& select_tool_call(array_t& merged, const std::int64_t* index, const std::string_view* id) {
  json* target = nullptr;
  if (index != nullptr) {
    // From the back: a call opened later on the same index (new id) takes what follows.
    for (auto it = merged.rbegin(); it != merged.rend(); ++it) {
      std::int64_t call_index = 0;
      if (integer_index(*it, call_index) && call_index == *index) {
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
  return *target;
}

/// Merges an array of tool-call fragments into the merged calls.
template <bool kMove>
void merge_tool_calls(json& calls, Src<kMove> fragments) {
  auto& merged = calls.get_ref<array_t&>();
  for (auto& fragment : array_of<kMove>(fragments)) {
    if (!fragment.is_object()) continue;
    const std::string* id = non_empty_id(fragment);
    const std::string_view id_view = id != nullptr ? std::string_view(*id) : std::string_view();
    std::int64_t index = 0;
    const bool has_index = integer_index(fragment, index);
    json& target =
        select_tool_call(merged, has_index ? &index : nullptr, id != nullptr ? &id_view : nullptr);
    merge_object<kMove>(target, fragment);
  }
}

/// Merges one member (`key`: `value`) of a source object into the object `out`.
template <bool kMove>
void merge_member(object_t& out, std::string_view key, Src<kMove> value) {
  if (value.is_null()) return;
  if (is_identity_key(key)) {
    const auto it = find_key(out, key);
    if (it == out.end()) {
      out.emplace(std::string(key), take<kMove>(value));
    } else if (is_unset(it->second)) {
      it->second = take<kMove>(value);
    }
    return;
  }
  if (is(key, "tool_calls")) {
    if (!value.is_array()) return;  // not a list of calls: nothing usable
    json& calls = out.try_emplace(std::string(key)).first->second;
    if (!calls.is_array()) calls = json::array();
    merge_tool_calls<kMove>(calls, value);
    return;
  }
  const auto it = find_key(out, key);
  if (it == out.end()) {
    if (value.is_object()) {
      merge_value<kMove>(out.try_emplace(std::string(key)).first->second, value);
    } else {
      out.emplace(std::string(key), take<kMove>(value));
    }
  } else {
    merge_value<kMove>(it->second, value);
  }
}

/// Merges the members of object `src` into object `dst`.
template <bool kMove>
void merge_object(json& dst, Src<kMove> src) {
  auto& out = dst.get_ref<object_t&>();
  for (auto& member : object_of<kMove>(src)) {
    merge_member<kMove>(out, member.first, member.second);
  }
}

/// The choice index of a chunk's choice object: missing or null means 0.
LITELLM_INLINE int choice_index(const json& choice) {
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
LITELLM_INLINE TopField classify_top(std::string_view key, unsigned& bit) {
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
LITELLM_INLINE json empty_message() {
  return json{{"role", "assistant"}, {"content", nullptr}};
}

/// The member `name` of object `object` when it is there and not null, else nullptr.
template <std::size_t N>
const json* non_null_member(const json& object, const char (&name)[N]) {
  const json* value = find_member(object, name);
  return value != nullptr && !value->is_null() ? value : nullptr;
}

/// True for an `audio` delta value that only marks the end of the audio: `expires_at` without
/// `id`, `data` or `transcript` (OpenAI's last audio delta).
LITELLM_INLINE bool is_audio_end_marker(const json& audio) {
  return audio.is_object() && non_null_member(audio, "expires_at") != nullptr &&
         non_null_member(audio, "id") == nullptr && non_null_member(audio, "data") == nullptr &&
         non_null_member(audio, "transcript") == nullptr;
}

/// Notes one non-null member of a choice's delta in `last_delta` (see StreamAccumulator::Choice):
/// the one record every route shares of what the latest delta held.
LITELLM_INLINE void note_delta_member(unsigned char& last_delta, std::string_view key, const json* value) {
  if (last_delta == 0 && value != nullptr && is(key, "audio") && is_audio_end_marker(*value)) {
    last_delta = 1;
  } else {
    last_delta = 2;
  }
}

/// True for a merged message whose audio is complete: id, data, transcript and expires_at.
LITELLM_INLINE bool has_complete_audio(const json& message) {
  const json* audio = non_null_member(message, "audio");
  return audio != nullptr && audio->is_object() && non_null_member(*audio, "id") != nullptr &&
         non_null_member(*audio, "data") != nullptr &&
         non_null_member(*audio, "transcript") != nullptr &&
         non_null_member(*audio, "expires_at") != nullptr;
}

// ---- add_chunk_text: the chunk scanner ----------------------------------------------------

namespace scan = detail::json_scan;

// The scanner's small steps run once or more per member of every chunk: inline them for sure.
#if defined(__GNUC__)
#define LITELLM_SCAN_INLINE [[gnu::always_inline]] inline
#else
#define LITELLM_SCAN_INLINE inline
#endif

/// The container nesting parse_json allows; the scanner applies the same bound.
inline constexpr std::size_t kMaxDepth = detail::kJsonMaxDepth;

/// A string value as it appears in the chunk text: its body between the quotes.
struct RawText {
  const char* begin;
  const char* end;
  bool escaped;  // has backslash escapes: decode before use
};

/// Appends the decoded text to `out`.
LITELLM_INLINE void append_text(std::string& out, const RawText& text) {
  scan::append_string_body(out, text.begin, text.end, text.escaped);
}

/// The decoded text as a JSON string.
LITELLM_INLINE json text_value(const RawText& text) {
  std::string decoded;
  append_text(decoded, text);
  return json(std::move(decoded));
}

/// Merges a string member of a delta straight from the text: merge_member for a string value.
LITELLM_INLINE void merge_text_member(object_t& out, std::string_view key, const RawText& text) {
  const auto it = find_key(out, key);
  if (it == out.end()) {
    out.emplace(std::string(key), text_value(text));
  } else if (is_identity_key(key)) {
    if (is_unset(it->second)) it->second = text_value(text);
  } else if (it->second.is_string()) {
    append_text(it->second.get_ref<std::string&>(), text);  // in place, no copy
  } else {
    it->second = text_value(text);
  }
}

/// What add_chunk_text does with one part of a chunk once the whole text is known valid.
enum class OpKind : std::uint8_t {
  choice,         // the following ops apply to the choice in slot `slot`
  delta_text,     // a string member `key` of the delta: `text`
  delta_value,    // any other non-null delta member: `value`
  finish_text,    // the choice's finish_reason as a string: `text`
  choice_value,   // any other non-null choice member (logprobs, content_filter_results, ...)
  top_value,      // a non-null top-level member other than choices: usage, unsettled identity
                  // fields, prompt_filter_results, ...
  tool_calls,     // the delta's tool_calls array: the following tool_call ops go to it
  tool_call,      // one fragment of it: `number` is its index (-1: none), `text` its id and
                  // `text2` its type (begin == nullptr: absent); `has_function` when it has one
  function_text,  // a string member `key` of that fragment's function object: `text`
};

/// A key in the chunk text (a string_view that is trivially constructible, so that arrays of
/// them cost nothing to create).
struct Name {
  const char* data;
  std::size_t size;

  std::string_view view() const noexcept { return std::string_view(data, size); }
};

/// One operation. Plain data: the scanner's array of them is never initialized as a whole.
struct Op {
  OpKind kind;
  bool has_function;
  int number;  // choice: the slot of its index; tool_call: its index, or -1
  Name key;
  RawText text;
  RawText text2;
  json* value;
};

/// Scans a chunk's JSON text once, validating every byte as parse_json would, and records the
/// operations that merge it. Unusual shapes (duplicate or escaped keys at the levels it
/// interprets, a choice index that is not a small integer literal, more parts than its fixed
/// capacity) make it give up with `fallback`: the chunk is then parsed whole and added by add().
class ChunkScanner {
 public:
  enum class Status { ok, invalid, fallback };

  static constexpr int kMaxOps = 48;
  static constexpr int kMaxValues = 24;
  static constexpr int kMaxChoices = 8;
  static constexpr int kMaxKeys = 32;

  /// `settled`: StreamAccumulator::identity_settled_, whose fields are only validated.
  ChunkScanner(std::string_view text, unsigned settled) noexcept
      : p_(text.data()), end_(text.data() + text.size()), settled_(settled) {}
  ChunkScanner(const ChunkScanner&) = delete;
  ChunkScanner& operator=(const ChunkScanner&) = delete;
  ~ChunkScanner() {
    for (int i = 0; i < value_count_; ++i) value_at(i)->~json();
  }

  /// Scans the whole text.
  Status scan() {
    p_ = scan::begin_document(p_, end_);
    if (p_ == nullptr) return Status::invalid;
    p_ = scan::skip_space(p_, end_);
    if (p_ == end_) return Status::invalid;
    if (*p_ != '{') {  // not an object: it only counts
      p_ = scan::skip_value(p_, end_, kMaxDepth);
      return p_ != nullptr && scan::at_document_end(p_, end_) ? Status::ok : Status::invalid;
    }
    is_object_ = true;
    if (!scan_top()) return status_;
    return scan::at_document_end(p_, end_) ? Status::ok : Status::invalid;
  }

  bool is_object() const noexcept { return is_object_; }
  const Op* begin() const noexcept { return ops_; }
  const Op* end() const noexcept { return ops_ + op_count_; }
  /// The choice index of slot `slot`.
  int choice_index(int slot) const noexcept { return choice_index_[slot]; }

 private:
  // Every `bool` step below returns false to stop, with the reason in status_.
  bool invalid() noexcept {
    status_ = Status::invalid;
    return false;
  }
  bool fallback() noexcept {
    status_ = Status::fallback;
    return false;
  }

  json* value_at(int i) noexcept {
    return std::launder(
        reinterpret_cast<json*>(values_ + static_cast<std::size_t>(i) * sizeof(json)));
  }

  bool push(OpKind kind, int slot, std::string_view key, RawText text, json* value) noexcept {
    if (op_count_ == kMaxOps) return fallback();
    ops_[op_count_++] = Op{kind, false, slot, Name{key.data(), key.size()}, text, RawText{}, value};
    return true;
  }

  /// Records `key` in `scope` (an object of the chunk); a duplicate means fallback, since the
  /// DOM would keep only its last value.
  bool record_key(std::string_view key, int scope) noexcept {
    for (int i = 0; i < key_count_; ++i) {
      if (key_scopes_[i] == scope && keys_[i].view() == key) return fallback();
    }
    if (key_count_ == kMaxKeys) return fallback();
    keys_[key_count_] = Name{key.data(), key.size()};
    key_scopes_[key_count_] = scope;
    ++key_count_;
    return true;
  }

  /// Sets `bit` in `seen`; false (fallback) when it was already set: a duplicate key.
  bool first_time(unsigned& seen, unsigned bit) noexcept {
    if ((seen & bit) != 0) return fallback();
    seen |= bit;
    return true;
  }

  /// Moves past whitespace; false at the end of the text.
  LITELLM_SCAN_INLINE bool space() noexcept {
    if (p_ != end_ && static_cast<unsigned char>(*p_) > ' ') return true;  // the usual case
    p_ = scan::skip_space(p_, end_);
    return p_ != end_ || invalid();
  }

  /// Reads a member's key and its colon, leaving p_ at the value.
  LITELLM_SCAN_INLINE bool key(std::string_view& out) noexcept {
    if (*p_ != '"') return invalid();
    bool escaped = false;
    const char* const begin = p_ + 1;
    const char* const after = scan::scan_string(begin, end_, escaped);
    if (after == nullptr) return invalid();
    if (escaped) return fallback();  // compared raw below: let the DOM decode it
    out = std::string_view(begin, static_cast<std::size_t>(after - 1 - begin));
    p_ = after;
    if (p_ == end_ || *p_ != ':') {
      p_ = scan::skip_space(p_, end_);
      if (p_ == end_ || *p_ != ':') return invalid();
    }
    ++p_;
    return space();
  }

  /// Calls `on_member(key)` for each member of the object at p_, with p_ at the member's value;
  /// `on_member` must consume the value.
  template <class OnMember>
  bool members(OnMember&& on_member) {
    ++p_;
    if (!space()) return false;
    if (*p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      std::string_view name;
      if (!key(name) || !on_member(name) || !space()) return false;
      if (*p_ == ',') {
        ++p_;
        if (!space()) return false;
        continue;
      }
      if (*p_ != '}') return invalid();
      ++p_;
      return true;
    }
  }

  /// Calls `on_element()` for each element of the array at p_, with p_ at the element;
  /// `on_element` must consume it.
  template <class OnElement>
  bool elements(OnElement&& on_element) {
    ++p_;
    if (!space()) return false;
    if (*p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!on_element() || !space()) return false;
      if (*p_ == ',') {
        ++p_;
        if (!space()) return false;
        continue;
      }
      if (*p_ != ']') return invalid();
      ++p_;
      return true;
    }
  }

  /// Validates the value at p_ (allowing `depth` levels of containers) and moves past it.
  LITELLM_SCAN_INLINE bool skip(std::size_t depth) noexcept {
    if (*p_ == '"') {  // the usual case, inline
      bool escaped = false;
      p_ = scan::scan_string(p_ + 1, end_, escaped);
    } else {
      p_ = scan::skip_value(p_, end_, depth);
    }
    return p_ != nullptr || invalid();
  }

  /// Moves past a `null` at p_, if there is one.
  LITELLM_SCAN_INLINE bool null_value() noexcept {
    if (end_ - p_ >= 4 && std::memcmp(p_, "null", 4) == 0) {
      p_ += 4;
      return true;
    }
    return false;
  }

  /// Parses the value at p_ into a new pooled value.
  bool parse(std::size_t depth, json*& out) {
    if (value_count_ == kMaxValues) return fallback();
    out = new (values_ + static_cast<std::size_t>(value_count_) * sizeof(json)) json();
    ++value_count_;
    p_ = scan::parse_value(p_, end_, *out, depth);
    return p_ != nullptr || invalid();
  }

  /// Reads the string at p_ (a quote).
  LITELLM_SCAN_INLINE bool text(RawText& out) noexcept {
    bool escaped = false;
    const char* const begin = p_ + 1;
    const char* const after = scan::scan_string(begin, end_, escaped);
    if (after == nullptr) return invalid();
    out = RawText{begin, after - 1, escaped};
    p_ = after;
    return true;
  }

  /// The top-level object (depth 1: its members' values may nest kMaxDepth - 1 more).
  bool scan_top() {
    unsigned seen = 0;
    return members([&](std::string_view name) {
      unsigned bit = 0;
      switch (classify_top(name, bit)) {
        case TopField::choices:
          if (!first_time(seen, 1u << 8)) return false;
          return *p_ == '[' ? scan_choices() : skip(kMaxDepth - 1);
        case TopField::noise:
          if (!first_time(seen, name.size() == 6 ? 1u << 6 : 1u << 7)) return false;
          return skip(kMaxDepth - 1);
        case TopField::identity:
          if (!first_time(seen, bit)) return false;
          if ((settled_ & bit) != 0) return skip(kMaxDepth - 1);  // already has its value
          break;
        case TopField::usage:
          if (!first_time(seen, 1u << 5)) return false;
          break;
        case TopField::other:
          if (!record_key(name, 0)) return false;
          break;
      }
      if (null_value()) return true;
      json* value = nullptr;
      return parse(kMaxDepth - 1, value) && push(OpKind::top_value, 0, name, RawText{}, value);
    });
  }

  /// The choices array (depth 2).
  bool scan_choices() {
    return elements([this] {
      return *p_ == '{' ? scan_choice() : skip(kMaxDepth - 2);  // not an object: add() ignores it
    });
  }

  /// One choice object (depth 3).
  bool scan_choice() {
    if (choice_count_ == kMaxChoices) return fallback();
    const int slot = choice_count_++;
    choice_index_[slot] = 0;  // absent or null: 0
    if (!push(OpKind::choice, slot, {}, RawText{}, nullptr)) return false;
    unsigned seen = 0;
    return members([&](std::string_view name) {
      if (is(name, "index")) return first_time(seen, 1u) && scan_index(slot);
      if (is(name, "delta")) {
        if (!first_time(seen, 2u)) return false;
        return *p_ == '{' ? scan_delta(slot) : skip(kMaxDepth - 3);  // a non-object is ignored
      }
      if (is(name, "finish_reason")) {
        if (!first_time(seen, 4u)) return false;
        if (*p_ == '"') {
          RawText value{};
          return text(value) && push(OpKind::finish_text, slot, name, value, nullptr);
        }
      } else if (!record_key(name, 1 + 2 * slot)) {
        return false;
      }
      if (null_value()) return true;
      json* value = nullptr;
      return parse(kMaxDepth - 3, value) &&
             push(OpKind::choice_value, slot, name, RawText{}, value);
    });
  }

  /// A choice's index: null, or a small non-negative integer literal; anything else is left to
  /// add(), which rejects it with its own message (or accepts e.g. -0).
  bool scan_index(int slot) noexcept {
    return null_value() || small_integer(choice_index_[slot]) || fallback();
  }

  /// A choice's delta object (depth 4).
  bool scan_delta(int slot) {
    return members([&](std::string_view name) {
      if (!record_key(name, 2 + 2 * slot)) return false;
      if (null_value()) return true;
      const bool tool_calls = is(name, "tool_calls");
      if (*p_ == '"' && !tool_calls) {
        RawText value{};
        return text(value) && push(OpKind::delta_text, slot, name, value, nullptr);
      }
      if (tool_calls && *p_ == '[') {
        // The usual fragments are merged from the text; any other shape from a parsed value.
        const char* const start = p_;
        const int ops = op_count_;
        const int keys = key_count_;
        unusual_ = false;
        if (scan_tool_calls()) return true;
        if (!unusual_) return false;
        p_ = start;
        op_count_ = ops;
        key_count_ = keys;
      }
      json* value = nullptr;
      return parse(kMaxDepth - 4, value) && push(OpKind::delta_value, slot, name, RawText{}, value);
    });
  }

  /// Stops a fast scan of a part that add()'s code can merge instead (it is then parsed).
  bool unusual() noexcept {
    unusual_ = true;
    return false;
  }

  /// A delta's tool_calls array (depth 5) whose fragments are objects with at most an integer
  /// `index`, string `id` and `type`, and a `function` object of strings (`name`, `arguments`).
  bool scan_tool_calls() {
    if (!push(OpKind::tool_calls, 0, {}, RawText{}, nullptr)) return false;
    return elements([this] {
      return *p_ == '{' ? scan_tool_call() : unusual();  // add() skips it: not worth a fast path
    });
  }

  /// One tool-call fragment (depth 6).
  bool scan_tool_call() {
    const int at = op_count_;
    if (!push(OpKind::tool_call, -1, {}, RawText{}, nullptr)) return false;
    unsigned seen = 0;
    return members([&](std::string_view name) {
      if (is(name, "index")) {
        if ((seen & 1u) != 0) return unusual();
        seen |= 1u;
        int index = 0;
        if (!small_integer(index)) return unusual();
        ops_[at].number = index;
        return true;
      }
      const bool id = is(name, "id");
      if (id || is(name, "type")) {
        const unsigned bit = id ? 2u : 4u;
        if ((seen & bit) != 0 || *p_ != '"') return unusual();
        seen |= bit;
        RawText value{};
        if (!text(value)) return false;
        if (value.escaped && id) return unusual();  // compared raw when choosing the call
        (id ? ops_[at].text : ops_[at].text2) = value;
        return true;
      }
      if (is(name, "function")) {
        if ((seen & 8u) != 0 || *p_ != '{') return unusual();
        seen |= 8u;
        ops_[at].has_function = true;
        return scan_function(at);
      }
      return unusual();
    });
  }

  /// A fragment's function object (depth 7): string (or null) members only.
  bool scan_function(int at) {
    return members([&](std::string_view name) {
      if (is(name, "tool_calls")) return unusual();  // merge_member would drop it
      if (!record_key(name, 1000 + at)) return false;
      if (null_value()) return true;
      if (*p_ != '"') return unusual();
      RawText value{};
      return text(value) && push(OpKind::function_text, 0, name, value, nullptr);
    });
  }

  /// A small non-negative integer literal at p_ (below kMaxStreamChoices, no leading zero or
  /// fraction); false, with p_ unchanged, for anything else.
  bool small_integer(int& out) noexcept {
    const char* q = p_;
    int value = 0;
    if (q != end_ && *q == '0') {
      ++q;
    } else {
      while (q != end_ && static_cast<unsigned char>(*q - '0') < 10 && q - p_ < 5) {
        value = value * 10 + (*q - '0');
        ++q;
      }
      if (q == p_) return false;
    }
    if (q != end_ &&
        (static_cast<unsigned char>(*q - '0') < 10 || *q == '.' || *q == 'e' || *q == 'E')) {
      return false;
    }
    if (value >= kMaxStreamChoices) return false;
    out = value;
    p_ = q;
    return true;
  }

  const char* p_;
  const char* const end_;
  const unsigned settled_;
  Status status_ = Status::invalid;
  bool is_object_ = false;
  bool unusual_ = false;
  int op_count_ = 0;
  int value_count_ = 0;
  int choice_count_ = 0;
  int key_count_ = 0;
  Op ops_[kMaxOps];
  int choice_index_[kMaxChoices];
  Name keys_[kMaxKeys];
  int key_scopes_[kMaxKeys];
  alignas(json) unsigned char values_[kMaxValues * sizeof(json)];
};

/// The error for a chunk that is not valid JSON, quoting its start.
[[noreturn]] LITELLM_INLINE void throw_invalid_chunk(std::string_view text) {
  const std::size_t shown = std::min<std::size_t>(text.size(), 64);
  throw ProtocolError("stream chunk is not valid JSON: " +
                      json(std::string(text.substr(0, shown)))
                          .dump(-1, ' ', false, json::error_handler_t::replace) +
                      (shown < text.size() ? " (" + std::to_string(text.size()) + " bytes)" : ""));
}

}  // namespace detail

LITELLM_INLINE json& merge_delta_to_stream(json& merged_stream, const json& delta) {
  if (merged_stream.is_null()) merged_stream = json::object();
  if (!delta.is_object()) return merged_stream;
  if (!merged_stream.is_object()) merged_stream = json::object();  // a type mismatch replaces
  detail::merge_object<false>(merged_stream, delta);
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
  } else if (detail::is_unset(role->second)) {
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
      if (!call.contains("type") || detail::is_unset(call["type"])) call["type"] = "function";
    }
  }
  return merged_delta;
}

struct StreamAccumulator::Impl {
  template <bool kMove>
  static void add(StreamAccumulator& self, detail::Src<kMove> chunk) {
    if (!chunk.is_object()) {
      ++self.chunk_count_;
      return;
    }
    // Validate every choice index before changing anything, so a rejected chunk leaves the
    // accumulator as it was.
    const json* choices = detail::find_member(chunk, "choices");
    if (choices != nullptr && !choices->is_array()) choices = nullptr;
    if (choices != nullptr) {
      for (const auto& choice : *choices) {
        if (choice.is_object()) detail::choice_index(choice);
      }
    }
    ++self.chunk_count_;
    for (auto& member : detail::object_of<kMove>(chunk)) {
      if (detail::is(member.first, "choices")) {
        if (choices != nullptr) {
          for (auto& choice : detail::array_of<kMove>(member.second)) {
            if (choice.is_object()) add_choice<kMove>(self, choice);
          }
        }
      } else {
        add_top_member<kMove>(self, member.first, member.second);
      }
    }
  }

  /// Merges one top-level member of a chunk other than `choices`.
  template <bool kMove>
  static void add_top_member(StreamAccumulator& self, std::string_view key, detail::Src<kMove> value) {
    if (value.is_null()) return;
    unsigned bit = 0;
    switch (detail::classify_top(key, bit)) {
      case detail::TopField::choices:  // merged by the caller
      case detail::TopField::noise:    // object, obfuscation: per-chunk values
        return;
      case detail::TopField::usage:
        self.usage_ = detail::take<kMove>(value);
        return;
      case detail::TopField::identity: {
        if ((self.identity_settled_ & bit) != 0) return;  // already has a non-empty value
        auto& top = self.top_.get_ref<detail::object_t&>();
        auto it = detail::find_key(top, key);
        if (it == top.end()) {
          it = top.emplace(std::string(key), detail::take<kMove>(value)).first;
        } else if (detail::is_empty_value(it->second) && !detail::is_empty_value(value)) {
          it->second = detail::take<kMove>(value);
        } else {
          return;
        }
        if (!detail::is_empty_value(it->second)) self.identity_settled_ |= bit;
        return;
      }
      case detail::TopField::other:  // prompt_filter_results, ...: the latest
        self.top_.get_ref<detail::object_t&>().insert_or_assign(std::string(key), detail::take<kMove>(value));
        return;
    }
  }

  template <bool kMove>
  static void add_choice(StreamAccumulator& self, detail::Src<kMove> choice) {
    Choice& state = self.choices_[detail::choice_index(choice)];
    state.last_delta = 0;
    for (auto& member : detail::object_of<kMove>(choice)) {
      add_choice_member<kMove>(state, member.first, member.second);
    }
  }

  /// Merges one member of a choice object into its state.
  template <bool kMove>
  static void add_choice_member(Choice& state, std::string_view key, detail::Src<kMove> value) {
    if (value.is_null() || detail::is(key, "index")) return;
    if (detail::is(key, "delta")) {
      if (!value.is_object()) return;
      // Noted before the merge, which may move the values out.
      for (const auto& member : value.template get_ref<const detail::object_t&>()) {
        if (!member.second.is_null())
          detail::note_delta_member(state.last_delta, member.first, &member.second);
        if (state.last_delta == 2) break;
      }
      detail::merge_object<kMove>(state.message, value);
    } else if (detail::is(key, "logprobs")) {
      detail::merge_value<kMove>(state.logprobs, value);
    } else if (detail::is(key, "finish_reason")) {
      state.finish_reason = detail::take<kMove>(value);
    } else {
      // content_filter_results and other per-choice annotations: the latest that says
      // something, never merged (Azure ends with an empty {} that must not erase the results).
      auto& extra = state.extra.get_ref<detail::object_t&>();
      const auto it = detail::find_key(extra, key);
      if (it == extra.end()) {
        extra.emplace(std::string(key), detail::take<kMove>(value));
      } else if (!(value.is_object() && value.empty())) {
        it->second = detail::take<kMove>(value);
      }
    }
  }

  /// add_chunk_text: scan and validate the whole text, then apply what the scan recorded.
  static void add_text(StreamAccumulator& self, std::string_view text) {
    detail::ChunkScanner scanner(text, self.identity_settled_);
    switch (scanner.scan()) {
      case detail::ChunkScanner::Status::ok:
        break;
      case detail::ChunkScanner::Status::invalid:
        detail::throw_invalid_chunk(text);
      case detail::ChunkScanner::Status::fallback: {
        json chunk;
        if (!detail::parse_json(text, chunk)) detail::throw_invalid_chunk(text);
        add<true>(self, chunk);
        return;
      }
    }
    ++self.chunk_count_;
    if (!scanner.is_object()) return;
    Choice* state = nullptr;
    json* calls = nullptr;     // the tool_calls array of state's message
    json* function = nullptr;  // the function object of the latest tool-call fragment's call
    for (const detail::Op& op : scanner) {
      switch (op.kind) {
        case detail::OpKind::choice:
          state = &self.choices_[scanner.choice_index(op.number)];
          state->last_delta = 0;
          break;
        case detail::OpKind::tool_calls: {
          detail::note_delta_member(state->last_delta, "tool_calls", nullptr);
          // merge_member for an array value, then merge_tool_calls fragment by fragment.
          calls = &state->message.get_ref<detail::object_t&>().try_emplace("tool_calls").first->second;
          if (!calls->is_array()) *calls = json::array();
          break;
        }
        case detail::OpKind::tool_call: {
          const std::int64_t index = op.number;
          const std::string_view id =
              op.text.begin != nullptr
                  ? std::string_view(op.text.begin,
                                     static_cast<std::size_t>(op.text.end - op.text.begin))
                  : std::string_view();
          auto& call = detail::select_tool_call(calls->get_ref<detail::array_t&>(), index >= 0 ? &index : nullptr,
                                        id.empty() ? nullptr : &id)
                           .get_ref<detail::object_t&>();
          // merge_object of the fragment: its members are distinct keys, merged independently.
          if (index >= 0) {
            json value(static_cast<json::number_unsigned_t>(index));
            detail::merge_member<true>(call, "index", value);
          }
          if (op.text.begin != nullptr) detail::merge_text_member(call, "id", op.text);
          if (op.text2.begin != nullptr) detail::merge_text_member(call, "type", op.text2);
          if (op.has_function) {
            function = &call.try_emplace("function").first->second;
            if (!function->is_object()) *function = json::object();
          }
          break;
        }
        case detail::OpKind::function_text:
          detail::merge_text_member(function->get_ref<detail::object_t&>(), op.key.view(), op.text);
          break;
        case detail::OpKind::delta_text:
          detail::note_delta_member(state->last_delta, op.key.view(), nullptr);
          detail::merge_text_member(state->message.get_ref<detail::object_t&>(), op.key.view(), op.text);
          break;
        case detail::OpKind::delta_value:
          detail::note_delta_member(state->last_delta, op.key.view(), op.value);
          detail::merge_member<true>(state->message.get_ref<detail::object_t&>(), op.key.view(), *op.value);
          break;
        case detail::OpKind::finish_text:
          state->finish_reason = detail::text_value(op.text);
          break;
        case detail::OpKind::choice_value:
          add_choice_member<true>(*state, op.key.view(), *op.value);
          break;
        case detail::OpKind::top_value:
          add_top_member<true>(self, op.key.view(), *op.value);
          break;
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
  Impl::add<false>(*this, chunk);
}

LITELLM_INLINE void StreamAccumulator::add(json&& chunk) {
  Impl::add<true>(*this, chunk);
}

LITELLM_INLINE void StreamAccumulator::add_chunk_text(std::string_view chunk_json) {
  Impl::add_text(*this, chunk_json);
}

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

LITELLM_INLINE std::vector<json> merge_streams(const std::vector<json>& streamed_response,
                                int n_chat_completion_choices) {
  StreamAccumulator accumulator(n_chat_completion_choices);
  for (const auto& chunk : streamed_response) accumulator.add(chunk);
  return accumulator.messages();
}

}  // namespace litellm
