// JsonTape: a stream chunk's JSON text read in one pass into a flat index of its values (a
// "tape"), which the merge rules read through TapeValue, a value source (json_source.hpp). This
// is how StreamAccumulator::add_chunk_text merges a chunk without building a DOM: the pass
// validates every byte as parse_json does (it is made of the same scanner steps, json_scan.hpp),
// and strings stay in the text until a rule appends them where they go.
#pragma once

#include "litellm/config.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "litellm/detail/json_scan.hpp"
#include "litellm/detail/json_source.hpp"

namespace litellm::detail {

/// One value, or one object key, of a tape. An object's entry is followed by its members, each
/// a key entry (a string) and then the value's entries; an array's by its elements' entries.
struct TapeEntry {
  /// `flags` bits: a string or key with backslash escapes (its text must be decoded); an
  /// object whose keys are distinct and unescaped (the usual case: members are read in place).
  static constexpr std::uint8_t kEscaped = 1;
  static constexpr std::uint8_t kPlain = 2;

  json::value_t type;
  std::uint8_t flags;
  std::uint32_t next;  // the index after this value's entries
  std::uint32_t size;  // string: bytes of its text in the chunk; object, array: members, elements
  union {
    const char* text;  // string: its first byte (after the quote)
    std::uint64_t unsigned_value;
    std::int64_t integer_value;
    double float_value;
    bool boolean;
  };
};

class TapeValue;

/// A JSON text read into a tape. The text must outlive the tape's use.
class JsonTape {
 public:
  JsonTape() noexcept = default;
  JsonTape(const JsonTape&) = delete;
  JsonTape& operator=(const JsonTape&) = delete;

  /// Reads `text`, exactly one JSON value (surrounding whitespace allowed), in one pass. Returns
  /// false for anything parse_json (and so json::parse) rejects, including containers nested
  /// more than `max_depth` deep; the tape is then unspecified.
  bool read(std::string_view text, std::size_t max_depth = kJsonMaxDepth);

  /// The document's value (after a successful read).
  TapeValue root() const noexcept;

  const TapeEntry& operator[](std::uint32_t index) const noexcept { return entries_[index]; }

  /// Builds the value at `index` as json::parse would have built it.
  void build(std::uint32_t index, json& out) const;

 private:
  static constexpr std::uint32_t kInlineEntries = 96;

  /// Appends an entry (uninitialized) and returns its index.
  std::uint32_t push() {
    if (size_ == capacity_) grow();
    return size_++;
  }
  void grow();
  void set_text(std::uint32_t at, const char* begin, const char* end, bool escaped) noexcept;
  /// Each reads the value at `p` (allowing `depth` levels of containers) into entries and
  /// returns the byte after it, or nullptr.
  const char* value(const char* p, const char* end, std::size_t depth);
  const char* object(const char* p, const char* end, std::size_t depth);
  const char* array(const char* p, const char* end, std::size_t depth);
  const char* number(const char* p, const char* end);
  const char* any_number(const char* p, const char* end);
  bool earlier_key(std::uint32_t object, std::uint32_t key) const noexcept;

  TapeEntry* entries_ = inline_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInlineEntries;
  std::unique_ptr<TapeEntry[]> heap_;
  TapeEntry inline_[kInlineEntries];
};

/// A value of a JsonTape as a value source (json_source.hpp); absent when default-constructed.
class TapeValue {
 public:
  TapeValue() noexcept = default;
  TapeValue(const JsonTape& tape, std::uint32_t index) noexcept : tape_(&tape), index_(index) {}

  explicit operator bool() const noexcept { return tape_ != nullptr; }
  json::value_t type() const noexcept { return entry().type; }
  bool is_null() const noexcept { return type() == json::value_t::null; }
  bool is_object() const noexcept { return type() == json::value_t::object; }
  bool is_array() const noexcept { return type() == json::value_t::array; }
  bool is_string() const noexcept { return type() == json::value_t::string; }
  bool is_number_integer() const noexcept {
    return type() == json::value_t::number_integer || type() == json::value_t::number_unsigned;
  }

  template <class F>
  void for_each_member(F&& f) const {
    const TapeEntry& object = entry();
    if ((object.flags & TapeEntry::kPlain) == 0) {
      // Duplicate or escaped keys (rare): the members json::parse would keep, built.
      json built = take();
      JsonValue<true>(built).for_each_member(f);
      return;
    }
    for (std::uint32_t key = index_ + 1; key != object.next;) {
      const TapeEntry& name = (*tape_)[key];
      f(std::string_view(name.text, name.size), TapeValue(*tape_, key + 1));
      key = (*tape_)[key + 1].next;
    }
  }

  template <class F>
  void for_each_element(F&& f) const {
    const std::uint32_t end = entry().next;
    for (std::uint32_t element = index_ + 1; element != end; element = (*tape_)[element].next) {
      f(TapeValue(*tape_, element));
    }
  }

  template <std::size_t N>
  TapeValue find(const char (&name)[N]) const {
    const TapeEntry& object = entry();
    const bool plain = (object.flags & TapeEntry::kPlain) != 0;
    TapeValue found;
    std::string decoded;
    for (std::uint32_t key = index_ + 1; key != object.next; key = (*tape_)[key + 1].next) {
      if (!is(TapeValue(*tape_, key).string(decoded), name)) continue;
      found = TapeValue(*tape_, key + 1);
      if (plain) break;  // the only one
    }
    return found;
  }

  json take() const {
    json out;
    tape_->build(index_, out);
    return out;
  }

  void append_string(std::string& out) const {
    const TapeEntry& text = entry();
    json_scan::append_string_body(out, text.text, text.text + text.size,
                                  (text.flags & TapeEntry::kEscaped) != 0);
  }
  std::string_view string(std::string& scratch) const {
    const TapeEntry& text = entry();
    if ((text.flags & TapeEntry::kEscaped) == 0) return std::string_view(text.text, text.size);
    scratch.clear();
    json_scan::append_unescaped(scratch, text.text, text.text + text.size);
    return scratch;
  }
  bool string_empty() const noexcept { return entry().size == 0; }
  bool object_empty() const noexcept { return entry().size == 0; }
  std::int64_t int64() const noexcept;
  std::uint64_t uint64() const noexcept;
  double number() const noexcept;
  std::string dump() const { return take().dump(); }

 private:
  const TapeEntry& entry() const noexcept { return (*tape_)[index_]; }

  const JsonTape* tape_ = nullptr;
  std::uint32_t index_ = 0;
};

inline TapeValue JsonTape::root() const noexcept {
  return TapeValue(*this, 0);
}

}  // namespace litellm::detail

#ifdef LITELLM_HEADER_ONLY
#include "litellm/impl/json_tape-inl.hpp"
#endif
