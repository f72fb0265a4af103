// Value sources: the one interface through which the merge rules (merge_rules.hpp) read what they
// merge, so that a json (read-only, or moved from) and a chunk's text indexed by JsonTape
// (json_tape.hpp) are merged by the same code. JsonValue adapts a json; TapeValue is the tape's.
//
// A source `s` is a cheap handle (passed by value) to one value, or to none:
//   explicit operator bool     present (a find that found nothing gives an absent source)
//   type(), is_null(), is_object(), is_array(), is_string(), is_number_integer(): as json's
//   for_each_member(f)         calls f(std::string_view key, auto member) once per distinct key,
//                              with the last value of a duplicated key (as json::parse keeps it),
//                              in no particular order; `member` is a source, maybe of another type
//   for_each_element(f)        calls f(auto element) for each array element, in order
//   find("name")               the member called name (the last of duplicates), or absent
//   take()                     the value as a json: copied, moved out (JsonValue<true>), or built
//   append_string(out)         appends a string value's text to out
//   string(scratch)            a string value's text (maybe decoded into scratch)
//   string_empty(), object_empty(), int64(), uint64(), number(): as empty() and get<T>() of json
//   dump()                     json's dump() of the value (for error messages)
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

// The small steps the merge rules run for every member of every chunk (key tests): inlined for
// sure, as the calls would cost about as much as the steps.
#if defined(__GNUC__)
#define LITELLM_MERGE_INLINE [[gnu::always_inline]] inline
#else
#define LITELLM_MERGE_INLINE inline
#endif

namespace litellm {

using json = nlohmann::json;

namespace detail {

/// The `Word` (an unsigned integer type) in the bytes at `p`.
template <class Word>
Word load(const char* p) noexcept {
  Word word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

/// `n` bytes at `a` and at `b` are equal: word compares, inline (keys are short).
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
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

/// `text == literal`, comparing sizes first, then whole words (no strlen, no memcmp call).
template <std::size_t N>
bool is(std::string_view text, const char (&literal)[N]) noexcept {
  return text.size() == N - 1 && same_bytes(text.data(), literal, N - 1);
}

/// A json as a value source (see above): read-only (copied from), or with kMove owned and emptied
/// by take().
template <bool kMove>
class JsonValue {
 public:
  using Json = std::conditional_t<kMove, json, const json>;
  using Object = std::conditional_t<kMove, json::object_t, const json::object_t>;
  using Array = std::conditional_t<kMove, json::array_t, const json::array_t>;

  JsonValue() noexcept = default;
  explicit JsonValue(Json& value) noexcept : value_(&value) {}

  explicit operator bool() const noexcept { return value_ != nullptr; }
  json::value_t type() const noexcept { return value_->type(); }
  bool is_null() const noexcept { return value_->is_null(); }
  bool is_object() const noexcept { return value_->is_object(); }
  bool is_array() const noexcept { return value_->is_array(); }
  bool is_string() const noexcept { return value_->is_string(); }
  bool is_number_integer() const noexcept { return value_->is_number_integer(); }

  template <class F>
  void for_each_member(F&& f) const {
    for (auto& member : *value_->template get_ptr<Object*>()) {
      f(std::string_view(member.first), JsonValue(member.second));
    }
  }

  template <class F>
  void for_each_element(F&& f) const {
    for (auto& element : *value_->template get_ptr<Array*>()) f(JsonValue(element));
  }

  template <std::size_t N>
  JsonValue find(const char (&name)[N]) const noexcept {
    for (auto& member : *value_->template get_ptr<Object*>()) {
      if (is(member.first, name)) return JsonValue(member.second);
    }
    return JsonValue();
  }

  json take() const {
    if constexpr (kMove) {
      return std::move(*value_);
    } else {
      return *value_;
    }
  }

  void append_string(std::string& out) const { out += string_ref(); }
  std::string_view string(std::string& /*scratch*/) const noexcept { return string_ref(); }
  bool string_empty() const noexcept { return string_ref().empty(); }
  bool object_empty() const noexcept { return value_->empty(); }
  std::int64_t int64() const noexcept { return value_->template get<std::int64_t>(); }
  std::uint64_t uint64() const noexcept { return value_->template get<std::uint64_t>(); }
  double number() const noexcept { return value_->template get<double>(); }
  std::string dump() const { return value_->dump(); }

 private:
  const std::string& string_ref() const noexcept {
    return *value_->template get_ptr<const std::string*>();
  }

  Json* value_ = nullptr;
};

/// A read-only source for a json (the merged state, when a rule reads it as a source).
inline JsonValue<false> view(const json& value) noexcept {
  return JsonValue<false>(value);
}

}  // namespace detail
}  // namespace litellm

#include "litellm/detail/header_end.hpp"
