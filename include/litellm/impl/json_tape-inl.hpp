#pragma once

// JsonTape: one pass over a chunk's text, on the scanner's steps (json_scan.hpp), recording an
// entry per value and key; TapeValue's conversions; building a json from the tape.
#include "litellm/detail/json_tape.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

namespace litellm::detail {

LITELLM_INLINE void JsonTape::grow() {
  if (capacity_ > std::numeric_limits<std::uint32_t>::max() / 2) throw std::bad_alloc();
  const std::uint32_t capacity = capacity_ * 2;
  std::unique_ptr<TapeEntry[]> entries(new TapeEntry[capacity]);
  std::memcpy(static_cast<void*>(entries.get()), static_cast<const void*>(entries_),
              std::size_t{size_} * sizeof(TapeEntry));
  heap_ = std::move(entries);
  entries_ = heap_.get();
  capacity_ = capacity;
}

// The per-value steps run for every value of every chunk: inlined for sure into the container
// loops (only containers and unusual numbers cost a call).
#if defined(__GNUC__)
#define LITELLM_TAPE_INLINE [[gnu::always_inline]] inline
#define LITELLM_TAPE_INLINE_LAMBDA __attribute__((always_inline))
#else
#define LITELLM_TAPE_INLINE inline
#define LITELLM_TAPE_INLINE_LAMBDA
#endif

LITELLM_TAPE_INLINE const char* JsonTape::value(const char* p, const char* end, std::size_t depth) {
  switch (*p) {
    case '"': {
      const std::uint32_t at = push();
      bool escaped = false;
      const char* const body = p + 1;
      p = json_scan::scan_short_string(body, end, escaped);
      if (p == nullptr) return nullptr;
      TapeEntry& entry = entries_[at];
      entry.type = json::value_t::string;
      entry.flags = escaped ? TapeEntry::kEscaped : 0;
      entry.next = at + 1;
      entry.size = static_cast<std::uint32_t>(p - 1 - body);
      entry.text = body;
      return p;
    }
    case '{':
      return object(p, end, depth);
    case '[':
      return array(p, end, depth);
    case 't':
    case 'f': {
      const std::uint32_t at = push();
      const bool truth = *p == 't';
      TapeEntry& entry = entries_[at];
      entry.type = json::value_t::boolean;
      entry.flags = 0;
      entry.next = at + 1;
      entry.boolean = truth;
      return truth ? json_scan::match_literal(p, end, "true")
                   : json_scan::match_literal(p, end, "false");
    }
    case 'n': {
      const std::uint32_t at = push();
      TapeEntry& entry = entries_[at];
      entry.type = json::value_t::null;
      entry.flags = 0;
      entry.next = at + 1;
      return json_scan::match_literal(p, end, "null");
    }
    default:
      return number(p, end);
  }
}

/// True when the 8 bytes in `word` (as loaded from the text) are all ASCII digits.
LITELLM_TAPE_INLINE bool tape_eight_digits(std::uint64_t word) noexcept {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0u;
  // Each byte 0x30-0x39 has high nibble 3, and adding 6 leaves it 3 (0x3A-0x3F would carry).
  return (word & kHigh) == 0x3030303030303030u &&
         ((word + 0x0606060606060606u) & kHigh) == 0x3030303030303030u;
}

/// The value of 8 ASCII digits loaded little-endian (the first digit in the lowest byte): pairs,
/// then quads, then the whole, each step one multiply-add per lane.
LITELLM_TAPE_INLINE std::uint64_t tape_eight_digits_value(std::uint64_t word) noexcept {
  word -= 0x3030303030303030u;
  word = (word * 10 + (word >> 8)) & 0x00FF00FF00FF00FFu;
  word = (word * 100 + (word >> 16)) & 0x0000FFFF0000FFFFu;
  return (word * 10000 + (word >> 32)) & 0xFFFFFFFFu;
}

/// Validates the value at `p` (allowing `depth` levels of containers) without recording it;
/// returns the byte after it, or nullptr. Strings and positive integers (ids, names,
/// timestamps) are checked inline, anything else by the scanner.
LITELLM_TAPE_INLINE const char* tape_skip_value(const char* p, const char* end,
                                                std::size_t depth) noexcept {
  if (*p == '"') {
    bool escaped = false;
    return json_scan::scan_short_string(p + 1, end, escaped);
  }
  if (*p >= '1' && *p <= '9') {  // as skip_number: up to 20 digits are always finite
    const char* q = p + 1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - q >= 8 && tape_eight_digits(load<std::uint64_t>(q))) q += 8;
#endif
    while (q != end && static_cast<unsigned char>(*q - '0') < 10) ++q;
    if ((q == end || (*q != '.' && *q != 'e' && *q != 'E')) && q - p <= 20) return q;
  }
  return json_scan::skip_value(p, end, depth);
}

/// The bit of a key in an object's 64-bit summary of its keys (a one-hash Bloom filter on the
/// key's length and its first and last bytes, which the members of one object seldom share: the
/// keys of OpenAI's and Anthropic's chunk objects all differ): keys with different bits differ;
/// equal bits are compared in full. For an empty key both bytes are quotes (`key - 1` is the
/// opening one), so the read stays in the text.
LITELLM_TAPE_INLINE std::uint64_t key_bit(const char* key, std::size_t size) noexcept {
  const auto first = static_cast<unsigned char>(key[0]);
  const auto last = static_cast<unsigned char>(key[static_cast<std::ptrdiff_t>(size) - 1]);
  return std::uint64_t{1} << ((first + last * 3u + size) & 63u);
}

/// Objects with more members than this are not checked for duplicate keys while read: they are
/// read as not plain (the check would cost a comparison per earlier key).
inline constexpr std::uint32_t kMaxCheckedMembers = 24;

LITELLM_TAPE_INLINE void JsonTape::add_key(ObjectKeys& keys, std::uint32_t object,
                                           std::uint32_t member, const char* key,
                                           const char* key_end, bool escaped) noexcept {
  TapeEntry& entry = entries_[member];
  entry.key = key;
  entry.key_size = static_cast<std::uint32_t>(key_end - key);
  if (escaped) entry.flags |= TapeEntry::kKeyEscaped;
  if (keys.plain) {
    if (escaped || keys.count == kMaxCheckedMembers) {
      keys.plain = false;
    } else {
      const std::uint64_t bit = key_bit(key, entry.key_size);
      if ((keys.bits & bit) != 0 && earlier_key(object, member)) keys.plain = false;
      keys.bits |= bit;
    }
  }
  ++keys.count;
}

LITELLM_JSON_NOINLINE LITELLM_INLINE const char* JsonTape::object(const char* p, const char* end,
                                                                  std::size_t depth,
                                                                  const TopFilter* filter) {
  const std::uint32_t at = push();
  ObjectKeys keys;
  p = json_scan::walk_object(
      p, end, depth,
      [&](const char* key, const char* key_end, bool escaped, const char* value_at)
          LITELLM_TAPE_INLINE_LAMBDA {
            if (filter != nullptr && !escaped &&
                filter->skip(std::string_view(key, static_cast<std::size_t>(key_end - key)),
                             filter->context)) {
              return tape_skip_value(value_at, end, depth - 1);
            }
            const std::uint32_t member = size_;
            const char* const after = value(value_at, end, depth - 1);
            if (after != nullptr) add_key(keys, at, member, key, key_end, escaped);
            return after;
          });
  if (p == nullptr) return nullptr;
  TapeEntry& entry = entries_[at];
  entry.type = json::value_t::object;
  entry.flags = keys.plain ? TapeEntry::kPlain : 0;
  entry.next = size_;
  entry.size = keys.count;
  return p;
}

LITELLM_INLINE bool JsonTape::earlier_key(std::uint32_t object,
                                          std::uint32_t member) const noexcept {
  const TapeEntry& named = entries_[member];
  for (std::uint32_t other = object + 1; other != member; other = entries_[other].next) {
    const TapeEntry& earlier = entries_[other];
    if (earlier.key_size == named.key_size &&
        std::memcmp(earlier.key, named.key, named.key_size) == 0) {
      return true;
    }
  }
  return false;
}

LITELLM_JSON_NOINLINE LITELLM_INLINE const char* JsonTape::array(const char* p, const char* end,
                                                                 std::size_t depth) {
  const std::uint32_t at = push();
  std::uint32_t count = 0;
  p = json_scan::walk_array(p, end, depth, [&](const char* element) LITELLM_TAPE_INLINE_LAMBDA {
    ++count;
    return value(element, end, depth - 1);
  });
  if (p == nullptr) return nullptr;
  TapeEntry& entry = entries_[at];
  entry.type = json::value_t::array;
  entry.flags = 0;
  entry.next = size_;
  entry.size = count;
  return p;
}

LITELLM_TAPE_INLINE const char* JsonTape::number(const char* p, const char* end) {
  // The usual case inline: a non-negative integer of at most 19 digits (it fits 64 bits).
  if (static_cast<unsigned char>(*p - '0') < 10) {
    const char* q = p;
    std::uint64_t value = 0;
    if (*q == '0') {
      ++q;
    } else {
      const char* const limit = end - q > 19 ? q + 19 : end;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      // Timestamps and token counts: their first 8 digits at once.
      if (end - q >= 8) {
        const auto word = load<std::uint64_t>(q);
        if (tape_eight_digits(word)) {
          value = tape_eight_digits_value(word);
          q += 8;
        }
      }
#endif
      while (q != limit && static_cast<unsigned char>(*q - '0') < 10) {
        value = value * 10 + static_cast<std::uint64_t>(*q - '0');
        ++q;
      }
    }
    if (q == end ||
        (static_cast<unsigned char>(*q - '0') >= 10 && *q != '.' && *q != 'e' && *q != 'E')) {
      const std::uint32_t at = push();
      TapeEntry& entry = entries_[at];
      entry.type = json::value_t::number_unsigned;
      entry.flags = 0;
      entry.next = at + 1;
      entry.unsigned_value = value;
      return q;
    }
  }
  return any_number(p, end);
}

LITELLM_JSON_NOINLINE LITELLM_INLINE const char* JsonTape::any_number(const char* p,
                                                                      const char* end) {
  json number;
  json_scan::NumberToken token;
  p = json_scan::scan_number(p, end, token);
  if (p == nullptr || !json_scan::number_to_json(token, number)) return nullptr;
  const std::uint32_t at = push();
  TapeEntry& entry = entries_[at];
  entry.type = number.type();
  entry.flags = 0;
  entry.next = at + 1;
  switch (entry.type) {
    case json::value_t::number_unsigned:
      entry.unsigned_value = number.get<std::uint64_t>();
      break;
    case json::value_t::number_integer:
      entry.integer_value = number.get<std::int64_t>();
      break;
    default:
      entry.float_value = number.get<double>();
      break;
  }
  return p;
}

LITELLM_INLINE bool JsonTape::read(std::string_view text, std::size_t max_depth) {
  return read(text, TopFilter{nullptr, 0}, max_depth);
}

LITELLM_INLINE bool JsonTape::read(std::string_view text, TopFilter filter, std::size_t max_depth) {
  size_ = 0;
  const char* const end = text.data() + text.size();
  const char* p = json_scan::begin_document(text.data(), end);
  if (p == nullptr) return false;
  p = json_scan::skip_space(p, end);
  if (p == end) return false;
  p = *p == '{' && filter.skip != nullptr ? object(p, end, max_depth, &filter)
                                          : value(p, end, max_depth);
  return p != nullptr && json_scan::at_document_end(p, end);
}

LITELLM_INLINE void build_json(const TapeEntry* base, const TapeEntry* entry, json& out) {
  switch (entry->type) {
    case json::value_t::string:
      if ((entry->flags & TapeEntry::kEscaped) == 0) {
        out = std::string(entry->text, entry->size);
      } else {
        out = std::string();
        json_scan::append_unescaped(*out.get_ptr<std::string*>(), entry->text,
                                    entry->text + entry->size);
      }
      return;
    case json::value_t::object: {
      out = json::value_t::object;
      auto& object = *out.get_ptr<json::object_t*>();
      const bool plain = (entry->flags & TapeEntry::kPlain) != 0;
      std::string decoded;
      const TapeEntry* const end = base + entry->next;
      for (const TapeEntry* member_entry = entry + 1; member_entry != end;
           member_entry = base + member_entry->next) {
        const std::string_view name = TapeValue::key_of(*member_entry, decoded);
        // A plain object's keys are distinct; otherwise the last value of a key wins.
        json& member = plain
                           ? object
                                 .emplace_hint(object.end(), std::piecewise_construct,
                                               std::forward_as_tuple(name), std::forward_as_tuple())
                                 ->second
                           : object[std::string(name)];
        build_json(base, member_entry, member);
      }
      return;
    }
    case json::value_t::array: {
      out = json::value_t::array;
      auto& array = *out.get_ptr<json::array_t*>();
      array.reserve(entry->size);
      const TapeEntry* const end = base + entry->next;
      for (const TapeEntry* element = entry + 1; element != end; element = base + element->next) {
        array.emplace_back();
        build_json(base, element, array.back());
      }
      return;
    }
    case json::value_t::boolean:
      out = entry->boolean;
      return;
    case json::value_t::number_unsigned:
      out = static_cast<json::number_unsigned_t>(entry->unsigned_value);
      return;
    case json::value_t::number_integer:
      out = static_cast<json::number_integer_t>(entry->integer_value);
      return;
    case json::value_t::number_float:
      out = static_cast<json::number_float_t>(entry->float_value);
      return;
    default:
      out = nullptr;
      return;
  }
}

LITELLM_INLINE std::int64_t TapeValue::int64() const noexcept {
  const TapeEntry& value = *entry_;
  switch (value.type) {
    case json::value_t::number_unsigned:
      return static_cast<std::int64_t>(value.unsigned_value);
    case json::value_t::number_integer:
      return value.integer_value;
    case json::value_t::number_float:
      return static_cast<std::int64_t>(value.float_value);
    default:
      return 0;
  }
}

LITELLM_INLINE std::uint64_t TapeValue::uint64() const noexcept {
  const TapeEntry& value = *entry_;
  switch (value.type) {
    case json::value_t::number_unsigned:
      return value.unsigned_value;
    case json::value_t::number_integer:
      return static_cast<std::uint64_t>(value.integer_value);
    case json::value_t::number_float:
      return static_cast<std::uint64_t>(value.float_value);
    default:
      return 0;
  }
}

LITELLM_INLINE double TapeValue::number() const noexcept {
  const TapeEntry& value = *entry_;
  switch (value.type) {
    case json::value_t::number_unsigned:
      return static_cast<double>(value.unsigned_value);
    case json::value_t::number_integer:
      return static_cast<double>(value.integer_value);
    case json::value_t::number_float:
      return value.float_value;
    default:
      return 0;
  }
}

}  // namespace litellm::detail
