// JsonTape: a stream chunk's JSON text read in one pass into a flat index of its values (a
// "tape"), which the merge rules read through TapeValue, a value source (json_source.hpp). This
// is how StreamAccumulator::add_chunk_text merges a chunk without building a DOM: the pass
// validates every byte as parse_json does (it is made of the same scanner steps, json_scan.hpp),
// and strings stay in the text until a rule appends them where they go. The accumulator passes a
// TopFilter: top-level members it would ignore (object, the identity fields it already has) are
// validated but get no entries.
#pragma once

#include "litellm/detail/header_begin.hpp"

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

/// One value of a tape. An object's or an array's entry is followed by the entries of its
/// members (each carrying its key) or elements.
struct TapeEntry {
  /// `flags` bits: a string with backslash escapes (its text must be decoded); a member whose
  /// key has escapes; an object whose keys are distinct and unescaped (the usual case: members
  /// are read in place).
  static constexpr std::uint8_t kEscaped = 1;
  static constexpr std::uint8_t kPlain = 2;
  static constexpr std::uint8_t kKeyEscaped = 4;

  json::value_t type;
  std::uint8_t flags;
  std::uint32_t next;      // the index after this value's entries
  std::uint32_t size;      // string: bytes of its text; object, array: members, elements
  std::uint32_t key_size;  // a member: bytes of its key's text
  const char* key;         // a member: its key's first byte (after the quote)
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

  /// Members of a top-level object that the tape's reader will never look at: those whose
  /// (unescaped) key `skip(key, context)` accepts. They are validated as usual, but left out of
  /// the tape, as if the text did not have them.
  struct TopFilter {
    bool (*skip)(std::string_view key, unsigned context) noexcept;
    unsigned context;
  };

  /// Reads `text`, exactly one JSON value (surrounding whitespace allowed), in one pass. Returns
  /// false for anything parse_json (and so json::parse) rejects, including containers nested
  /// more than `max_depth` deep; the tape is then unspecified.
  bool read(std::string_view text, std::size_t max_depth = kJsonMaxDepth);

  /// read, leaving out the members of a top-level object that `filter` skips (StreamAccumulator:
  /// the identity fields it already has, which come again in every chunk).
  bool read(std::string_view text, TopFilter filter, std::size_t max_depth = kJsonMaxDepth);

  /// The document's value (after a successful read).
  TapeValue root() const noexcept;

 private:
  static constexpr std::uint32_t kInlineEntries = 96;

  /// Appends an entry (uninitialized) and returns its index.
  std::uint32_t push() {
    if (size_ == capacity_) grow();
    return size_++;
  }
  void grow();
  /// Each reads the value at `p` (allowing `depth` levels of containers) into entries and
  /// returns the byte after it, or nullptr.
  const char* value(const char* p, const char* end, std::size_t depth);
  const char* object(const char* p, const char* end, std::size_t depth,
                     const TopFilter* filter = nullptr);
  const char* array(const char* p, const char* end, std::size_t depth);
  const char* number(const char* p, const char* end);
  const char* any_number(const char* p, const char* end);
  /// What reading an object's members found of its keys so far.
  struct ObjectKeys {
    std::uint64_t bits = 0;  // a summary of the keys' lengths (a one-hash Bloom filter)
    bool plain = true;       // distinct and unescaped
    std::uint32_t count = 0;
  };
  /// Records the key of `member`, the latest member of `object`.
  void add_key(ObjectKeys& keys, std::uint32_t object, std::uint32_t member, const char* key,
               const char* key_end, bool escaped) noexcept;
  bool earlier_key(std::uint32_t object, std::uint32_t member) const noexcept;

  TapeEntry* entries_ = inline_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = kInlineEntries;
  std::unique_ptr<TapeEntry[]> heap_;
  TapeEntry inline_[kInlineEntries];
};

/// Builds the value at `entry` of the tape whose first entry is `base` as json::parse would have
/// built it.
void build_json(const TapeEntry* base, const TapeEntry* entry, json& out);

/// A value of a JsonTape as a value source (json_source.hpp); absent when default-constructed.
class TapeValue {
 public:
  TapeValue() noexcept = default;
  /// The value at `entry` of the tape whose first entry is `base`.
  TapeValue(const TapeEntry* base, const TapeEntry* entry) noexcept : base_(base), entry_(entry) {}

  explicit operator bool() const noexcept { return entry_ != nullptr; }
  json::value_t type() const noexcept { return entry_->type; }
  bool is_null() const noexcept { return type() == json::value_t::null; }
  bool is_object() const noexcept { return type() == json::value_t::object; }
  bool is_array() const noexcept { return type() == json::value_t::array; }
  bool is_string() const noexcept { return type() == json::value_t::string; }
  bool is_number_integer() const noexcept {
    return type() == json::value_t::number_integer || type() == json::value_t::number_unsigned;
  }

  template <class F>
  void for_each_member(F&& f) const {
    if ((entry_->flags & TapeEntry::kPlain) == 0) {
      // Duplicate or escaped keys (rare): the members json::parse would keep, built.
      json built = take();
      JsonValue<true>(built).for_each_member(f);
      return;
    }
    const TapeEntry* const end = base_ + entry_->next;
    for (const TapeEntry* member = entry_ + 1; member != end;) {
      const TapeEntry* const next = base_ + member->next;
      f(std::string_view(member->key, member->key_size), TapeValue(base_, member));
      member = next;
    }
  }

  template <class F>
  void for_each_element(F&& f) const {
    const TapeEntry* const end = base_ + entry_->next;
    for (const TapeEntry* element = entry_ + 1; element != end;) {
      const TapeEntry* const next = base_ + element->next;
      f(TapeValue(base_, element));
      element = next;
    }
  }

  template <std::size_t N>
  TapeValue find(const char (&name)[N]) const {
    const TapeEntry* const end = base_ + entry_->next;
    if ((entry_->flags & TapeEntry::kPlain) != 0) {  // raw keys, each once
      for (const TapeEntry* member = entry_ + 1; member != end; member = base_ + member->next) {
        if (is(std::string_view(member->key, member->key_size), name)) {
          return TapeValue(base_, member);
        }
      }
      return TapeValue();
    }
    TapeValue found;  // the last of duplicates, escaped keys decoded
    std::string decoded;
    for (const TapeEntry* member = entry_ + 1; member != end; member = base_ + member->next) {
      if (is(key_of(*member, decoded), name)) found = TapeValue(base_, member);
    }
    return found;
  }

  /// The key of `member` (an entry of an object's member), decoded into `scratch` if need be.
  static std::string_view key_of(const TapeEntry& member, std::string& scratch) {
    if ((member.flags & TapeEntry::kKeyEscaped) == 0) {
      return std::string_view(member.key, member.key_size);
    }
    scratch.clear();
    json_scan::append_unescaped(scratch, member.key, member.key + member.key_size);
    return scratch;
  }

  json take() const {
    json out;
    build_json(base_, entry_, out);
    return out;
  }

  void append_string(std::string& out) const {
    json_scan::append_string_body(out, entry_->text, entry_->text + entry_->size,
                                  (entry_->flags & TapeEntry::kEscaped) != 0);
  }
  std::string_view string(std::string& scratch) const {
    if ((entry_->flags & TapeEntry::kEscaped) == 0) {
      return std::string_view(entry_->text, entry_->size);
    }
    scratch.clear();
    json_scan::append_unescaped(scratch, entry_->text, entry_->text + entry_->size);
    return scratch;
  }
  bool string_empty() const noexcept { return entry_->size == 0; }
  bool object_empty() const noexcept { return entry_->size == 0; }
  std::int64_t int64() const noexcept;
  std::uint64_t uint64() const noexcept;
  double number() const noexcept;
  std::string dump() const { return take().dump(); }

 private:
  const TapeEntry* base_ = nullptr;
  const TapeEntry* entry_ = nullptr;
};

inline TapeValue JsonTape::root() const noexcept {
  return TapeValue(entries_, entries_);
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
