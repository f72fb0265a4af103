#pragma once

// The fast JSON parser: a recursive-descent scanner, bounded by the depth limit, that validates
// exactly what nlohmann::json::parse accepts and builds the same DOM directly (strings are scanned
// 16 bytes at a time and appended in runs; objects insert each member in place).
#include "litellm/detail/fast_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

namespace litellm::detail {
namespace json_scan {

using object_t = json::object_t;
using array_t = json::array_t;

LITELLM_INLINE bool is_digit(char c) noexcept {
  return static_cast<unsigned char>(c - '0') < 10;
}

/// The value of hex digit `c`, or -1.
LITELLM_INLINE int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = static_cast<char>(c | 0x20);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

/// The code unit of the 4 hex digits at `p` (which has at least 4 bytes), or -1.
LITELLM_INLINE int hex4(const char* p) noexcept {
  const int a = hex_value(p[0]);
  const int b = hex_value(p[1]);
  const int c = hex_value(p[2]);
  const int d = hex_value(p[3]);
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/// A continuation byte 10xxxxxx.
LITELLM_INLINE bool is_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
}

/// Writes code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8 at `dst`; returns the end.
LITELLM_INLINE char* put_utf8(char* dst, std::uint32_t cp) noexcept {
  if (cp < 0x80) {
    *dst++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *dst++ = static_cast<char>(0xC0u | (cp >> 6));
    *dst++ = static_cast<char>(0x80u | (cp & 0x3Fu));
  } else if (cp < 0x10000) {
    *dst++ = static_cast<char>(0xE0u | (cp >> 12));
    *dst++ = static_cast<char>(0x80u | ((cp >> 6) & 0x3Fu));
    *dst++ = static_cast<char>(0x80u | (cp & 0x3Fu));
  } else {
    *dst++ = static_cast<char>(0xF0u | (cp >> 18));
    *dst++ = static_cast<char>(0x80u | ((cp >> 12) & 0x3Fu));
    *dst++ = static_cast<char>(0x80u | ((cp >> 6) & 0x3Fu));
    *dst++ = static_cast<char>(0x80u | (cp & 0x3Fu));
  }
  return dst;
}

/// Copies [p, end) up to the first backslash to `dst`; advances both. The destination must have
/// room for all of [p, end) (whole 16-byte blocks are stored before they are searched).
LITELLM_INLINE void copy_to_backslash(const char*& p, const char* end, char*& dst) noexcept {
#if defined(__SSE2__)
  const __m128i backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), bytes);
    const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, backslash));
    if (mask != 0) {
      const int offset = __builtin_ctz(static_cast<unsigned>(mask));
      p += offset;
      dst += offset;
      return;
    }
    p += 16;
    dst += 16;
  }
#endif
  while (p != end && *p != '\\') *dst++ = *p++;
}

/// Decodes the body [p, end) of a string scan_string accepted into `dst`, which has room for
/// end - p bytes (decoding never lengthens); returns the end of the decoded text.
LITELLM_INLINE char* decode_string(const char* p, const char* end, char* dst) noexcept {
  for (;;) {
    copy_to_backslash(p, end, dst);
    if (p == end) return dst;
    const char simple = kSimpleEscapes[static_cast<unsigned char>(p[1])];
    if (simple != 0) {
      *dst++ = simple;
      p += 2;
      continue;
    }
    // \uXXXX, validated: a high surrogate is followed by \uXXXX with the low one.
    const auto unit = static_cast<std::uint32_t>(hex4(p + 2));
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const auto low = static_cast<std::uint32_t>(hex4(p + 8));
      dst = put_utf8(dst, 0x10000u + ((unit - 0xD800u) << 10) + (low - 0xDC00u));
      p += 12;
    } else {
      dst = put_utf8(dst, unit);
      p += 6;
    }
  }
}

// ---- numbers ------------------------------------------------------------------------------

/// A number token, scanned: its first (up to) 19 significant digits and a decimal exponent.
struct NumberToken {
  const char* begin;       // the '-' or the first digit
  const char* end;         // the byte after the token
  const char* int_begin;   // the integer digits
  const char* int_end;     //
  std::uint64_t mantissa;  // the first significant digits (0 when every digit is 0)
  int digits;              // how many digits `mantissa` has
  bool truncated;          // more significant digits followed (then value > mantissa * 10^exponent)
  bool negative;
  bool is_float;          // has a fraction or an exponent
  std::int64_t exponent;  // value ~ mantissa * 10^exponent
};

/// Digits kept in NumberToken::mantissa: 19 always fit 64 bits.
inline constexpr int kMantissaDigits = 19;
/// Exponent parts are saturated here (the value is then 0 or infinite whatever the digits).
inline constexpr std::int64_t kExponentCap = 1'000'000'000'000'000;

/// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `p` (a '-' or a digit).
LITELLM_INLINE const char* scan_number(const char* p, const char* end, NumberToken& t) noexcept {
  t.begin = p;
  t.negative = *p == '-';
  if (t.negative && ++p == end) return nullptr;
  std::uint64_t mantissa = 0;
  int digits = 0;
  std::int64_t exponent = 0;
  bool truncated = false;
  t.int_begin = p;
  if (*p == '0') {
    ++p;
  } else if (is_digit(*p)) {
    const char* const first = p;
    const char* const limit = end - p > kMantissaDigits ? p + kMantissaDigits : end;
    do {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
      ++p;
    } while (p != limit && is_digit(*p));
    digits = static_cast<int>(p - first);
    for (; p != end && is_digit(*p); ++p) {  // beyond 19 digits
      ++exponent;
      truncated |= *p != '0';
    }
  } else {
    return nullptr;
  }
  t.int_end = p;
  t.is_float = false;
  if (p != end && *p == '.') {
    const char* const fraction = ++p;
    if (mantissa == 0) {  // 0.000ddd: leading zeros are not significant
      while (p != end && *p == '0') ++p;
      exponent -= p - fraction;
    }
    const char* const first = p;
    const auto room = static_cast<std::ptrdiff_t>(kMantissaDigits - digits);
    const char* const limit = end - p > room ? p + room : end;
    while (p != limit && is_digit(*p)) {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
      ++p;
    }
    digits += static_cast<int>(p - first);
    exponent -= p - first;
    for (; p != end && is_digit(*p); ++p) truncated |= *p != '0';  // beyond 19 digits
    if (p == fraction) return nullptr;
    t.is_float = true;
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative_exponent = false;
    if (p != end && (*p == '+' || *p == '-')) {
      negative_exponent = *p == '-';
      ++p;
    }
    const char* const exponent_digits = p;
    std::int64_t value = 0;
    while (p != end && is_digit(*p)) {
      if (value < kExponentCap) value = value * 10 + (*p - '0');
      ++p;
    }
    if (p == exponent_digits) return nullptr;
    exponent += negative_exponent ? -value : value;
    t.is_float = true;
  }
  t.mantissa = mantissa;
  t.digits = digits;
  t.truncated = truncated;
  t.exponent = exponent;
  t.end = p;
  return p;
}

inline constexpr double kPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// The correctly rounded double of the token (what strtod returns); false when it is infinite.
LITELLM_INLINE bool to_double(const NumberToken& t, double& out) noexcept {
  if (t.mantissa == 0) {
    out = t.negative ? -0.0 : 0.0;
    return true;
  }
  // Exact when the digits fit 53 bits and the power of ten is exact (Clinger's fast path).
  if (!t.truncated && t.mantissa <= (std::uint64_t{1} << 53) && t.exponent >= -22 &&
      t.exponent <= 22) {
    double value = static_cast<double>(t.mantissa);
    if (t.exponent < 0) {
      value /= kPowersOf10[-t.exponent];
    } else {
      value *= kPowersOf10[t.exponent];
    }
    out = t.negative ? -value : value;
    return true;
  }
  double value = 0;
  const auto result = std::from_chars(t.begin, t.end, value);
  if (result.ec == std::errc() && result.ptr == t.end) {
    out = value;
    return true;
  }
  if (result.ec != std::errc::result_out_of_range) return false;  // not expected
  // Out of range: the correctly rounded value is 0 (an underflow, which strtod returns) or
  // infinite (which nlohmann rejects). The value lies below 10^(digits + exponent).
  if (t.digits + t.exponent > 0) return false;
  out = t.negative ? -0.0 : 0.0;
  return true;
}

/// Converts the token as nlohmann does; false when it would be an infinite double.
LITELLM_INLINE bool number_to_json(const NumberToken& t, json& out) {
  if (!t.is_float) {
    if (t.int_end - t.int_begin <= kMantissaDigits) {  // the mantissa is the value
      if (!t.negative) {
        out = static_cast<json::number_unsigned_t>(t.mantissa);
        return true;
      }
      constexpr std::uint64_t kMinMagnitude = std::uint64_t{1} << 63;
      if (t.mantissa < kMinMagnitude) {
        out = -static_cast<json::number_integer_t>(t.mantissa);
        return true;
      }
      if (t.mantissa == kMinMagnitude) {
        out = std::numeric_limits<json::number_integer_t>::min();
        return true;
      }
    } else if (!t.negative && t.int_end - t.int_begin == kMantissaDigits + 1) {
      // 20 digits: the 19 of the mantissa and a last one, which may still fit 64 bits.
      const auto last = static_cast<std::uint64_t>(t.int_end[-1] - '0');
      constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
      if (t.mantissa <= (kMax - last) / 10) {
        out = static_cast<json::number_unsigned_t>(t.mantissa * 10 + last);
        return true;
      }
    }
    // Too large for 64 bits: a double, as nlohmann falls back to strtod.
  }
  double value = 0;
  if (!to_double(t, value)) return false;
  out = value;
  return true;
}

/// Validates a number token's value: false when its double would be infinite.
LITELLM_INLINE bool number_is_finite(const NumberToken& t) noexcept {
  // Anything below 10^308 is finite; only larger magnitudes need the conversion.
  if (t.mantissa == 0 || t.digits + t.exponent <= 308) return true;
  double value = 0;
  return to_double(t, value);
}

// The recursive functions below keep their frames small (the depth bound times the frame size is
// the stack a parse needs): number tokens and decoded keys live in these helpers' frames only.
#if defined(__GNUC__)
#define LITELLM_JSON_NOINLINE [[gnu::noinline]]
#else
#define LITELLM_JSON_NOINLINE
#endif

/// Parses the number at `p` (a '-' or a digit) into `out`; returns the byte after it.
LITELLM_JSON_NOINLINE LITELLM_INLINE const char* parse_number(const char* p, const char* end, json& out) {
  NumberToken token;
  p = scan_number(p, end, token);
  if (p == nullptr || !number_to_json(token, out)) return nullptr;
  return p;
}

/// Validates the number at `p` (a '-' or a digit); returns the byte after it.
LITELLM_JSON_NOINLINE LITELLM_INLINE const char* skip_number(const char* p, const char* end) noexcept {
  // The usual case first: an integer of at most 20 digits is always finite.
  const char* q = p + (*p == '-' ? 1 : 0);
  if (q != end && *q >= '1' && *q <= '9') {
    const char* const digits = q;
    do {
      ++q;
    } while (q != end && is_digit(*q));
    if ((q == end || (*q != '.' && *q != 'e' && *q != 'E')) && q - digits <= 20) return q;
  }
  NumberToken token;
  p = scan_number(p, end, token);
  if (p == nullptr || !number_is_finite(token)) return nullptr;
  return p;
}

// ---- literals -----------------------------------------------------------------------------

template <std::size_t N>
const char* match_literal(const char* p, const char* end, const char (&literal)[N]) noexcept {
  constexpr std::size_t kLength = N - 1;
  if (static_cast<std::size_t>(end - p) < kLength || std::memcmp(p, literal, kLength) != 0) {
    return nullptr;
  }
  return p + kLength;
}

// ---- strings ------------------------------------------------------------------------------

/// Parses a string body at `p` (after the opening quote) into a string value in `out`, reusing
/// the buffer of a string `out` already holds.
LITELLM_JSON_NOINLINE LITELLM_INLINE const char* parse_string(const char* p, const char* end, json& out) {
  bool escaped = false;
  const char* const body = p;
  p = scan_string(p, end, escaped);
  if (p == nullptr) return nullptr;
  if (std::string* reused = out.get_ptr<std::string*>()) {
    reused->clear();
    append_string_body(*reused, body, p - 1, escaped);
  } else if (!escaped) {
    out = std::string(body, static_cast<std::size_t>(p - 1 - body));
  } else {
    out = std::string();
    append_unescaped(*out.get_ptr<std::string*>(), body, p - 1);
  }
  return p;
}

/// The members of the objects being parsed, innermost last: each object's stretch of this
/// stack is its members in text order (a duplicate key twice), for telling whether a reused
/// object still holds members the text no longer has. One per thread, kept between parses.
LITELLM_INLINE std::vector<const json*>& members_seen() {
  thread_local std::vector<const json*> seen;
  return seen;
}

/// The member `key` of `object`, inserted as null when absent; an existing one (a member of the
/// object being reused, or a duplicate key) is returned as it is, to be overwritten: the last
/// value wins, as in nlohmann. `reused`: the object held members before this parse (they are
/// looked up first; a new object's members, unique but for duplicate keys, go straight to
/// emplace_hint, which finds a duplicate itself).
LITELLM_INLINE json& object_member(object_t& object, std::string_view key, bool reused) {
  if (reused) {
    if (object.size() <= 8) {
      // A reused chunk-sized object: its keys mostly differ in length, so a walk comparing
      // lengths first beats the tree's string comparisons.
      for (auto& [name, value] : object) {
        if (name.size() == key.size() && std::memcmp(name.data(), key.data(), key.size()) == 0) {
          return value;
        }
      }
    } else {
      const auto found = object.find(key);
      if (found != object.end()) return found->second;
    }
  }
  // Built in place; the hint makes keys that arrive sorted cost one comparison.
  return object
      .emplace_hint(object.end(), std::piecewise_construct, std::forward_as_tuple(key),
                    std::forward_as_tuple())
      ->second;
}

/// object_member for a key with escapes.
LITELLM_JSON_NOINLINE LITELLM_INLINE json& escaped_member(object_t& object, const char* key, const char* key_end,
                                           bool reused) {
  std::string decoded;
  append_unescaped(decoded, key, key_end);
  return object_member(object, decoded, reused);
}

/// True when `seen` (an object's members, see members_seen) names the same member twice.
LITELLM_INLINE bool has_repeats(const json* const* seen, std::size_t count) {
  if (count <= 16) {
    for (std::size_t i = 1; i < count; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (seen[i] == seen[j]) return true;
      }
    }
    return false;
  }
  std::vector<const json*> sorted(seen, seen + count);
  std::sort(sorted.begin(), sorted.end());
  return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
}

/// Removes the members of a reused `object` that its text did not have (the members it did have
/// are the `count` pointers at `seen`).
LITELLM_JSON_NOINLINE LITELLM_INLINE void drop_unseen_members(object_t& object, const json* const* seen,
                                               std::size_t count) {
  for (auto it = object.begin(); it != object.end();) {
    if (std::find(seen, seen + count, &it->second) == seen + count) {
      it = object.erase(it);
    } else {
      ++it;
    }
  }
}

// ---- values -------------------------------------------------------------------------------

/// Walks an object whose '{' is at `p`: for each member, `on_member(key, key_end, escaped, at)`
/// handles the value starting at `at` (parses or skips it) and returns the position after it,
/// or nullptr when it is invalid. Returns the position after the '}', or nullptr.
template <class OnMember>
const char* walk_object(const char* p, const char* end, std::size_t depth, OnMember&& on_member) {
  if (depth == 0) return nullptr;
  p = skip_space(p + 1, end);
  if (p == end) return nullptr;
  if (*p == '}') return p + 1;
  for (;;) {
    if (*p != '"') return nullptr;
    bool escaped = false;
    const char* const key = p + 1;
    p = scan_string(key, end, escaped);
    if (p == nullptr) return nullptr;
    const char* const key_end = p - 1;
    p = skip_space(p, end);
    if (p == end || *p != ':') return nullptr;
    p = skip_space(p + 1, end);
    if (p == end) return nullptr;
    p = on_member(key, key_end, escaped, p);
    if (p == nullptr) return nullptr;
    p = skip_space(p, end);
    if (p == end) return nullptr;
    if (*p == ',') {
      p = skip_space(p + 1, end);
      if (p == end) return nullptr;
      continue;
    }
    return *p == '}' ? p + 1 : nullptr;
  }
}

/// Walks an array whose '[' is at `p`: `on_element(at)` handles each value as `on_member` does.
template <class OnElement>
const char* walk_array(const char* p, const char* end, std::size_t depth, OnElement&& on_element) {
  if (depth == 0) return nullptr;
  p = skip_space(p + 1, end);
  if (p == end) return nullptr;
  if (*p == ']') return p + 1;
  for (;;) {
    p = on_element(p);
    if (p == nullptr) return nullptr;
    p = skip_space(p, end);
    if (p == end) return nullptr;
    if (*p == ',') {
      p = skip_space(p + 1, end);
      if (p == end) return nullptr;
      continue;
    }
    return *p == ']' ? p + 1 : nullptr;
  }
}

// An object or array that `out` already holds is reused: members whose key comes again are
// overwritten in place (their key, and their value's allocations, reused), elements likewise by
// position, and only what the text no longer has is freed. Parsing a stream's chunks one after
// the other into the same json so allocates next to nothing after the first one.

LITELLM_INLINE const char* parse_object(const char* p, const char* end, json& out, std::size_t depth) {
  if (depth == 0) return nullptr;
  if (!out.is_object()) out = json::value_t::object;
  auto& object = *out.get_ptr<object_t*>();
  const bool reused = !object.empty();
  // Only a reused object records its members (a new one cannot hold any the text lacks).
  std::vector<const json*>* const seen = reused ? &members_seen() : nullptr;
  const std::size_t first = reused ? seen->size() : 0;
  p = walk_object(
      p, end, depth, [&](const char* key, const char* key_end, bool escaped, const char* at) {
        json& member =
            escaped ? escaped_member(object, key, key_end, reused)
                    : object_member(object,
                                    std::string_view(key, static_cast<std::size_t>(key_end - key)),
                                    reused);
        if (reused) seen->push_back(&member);
        return parse_value(at, end, member, depth - 1);
      });
  if (!reused) return p;
  if (p != nullptr) {
    // The text named `count` members (a repeated key counts twice): when the object holds just
    // as many and none was named twice, it holds exactly the text's members.
    const std::size_t count = seen->size() - first;
    if (count != object.size() || has_repeats(seen->data() + first, count)) {
      drop_unseen_members(object, seen->data() + first, count);
    }
  }
  seen->resize(first);
  return p;
}

LITELLM_INLINE const char* parse_array(const char* p, const char* end, json& out, std::size_t depth) {
  if (depth == 0) return nullptr;
  if (!out.is_array()) out = json::value_t::array;
  auto& array = *out.get_ptr<array_t*>();
  std::size_t count = 0;
  p = walk_array(p, end, depth, [&](const char* at) {
    if (count == array.size()) array.emplace_back();
    return parse_value(at, end, array[count++], depth - 1);
  });
  if (p != nullptr) array.erase(array.begin() + static_cast<std::ptrdiff_t>(count), array.end());
  return p;
}

LITELLM_INLINE const char* skip_object(const char* p, const char* end, std::size_t depth) noexcept {
  return walk_object(p, end, depth, [&](const char*, const char*, bool, const char* at) {
    return skip_value(at, end, depth - 1);
  });
}

LITELLM_INLINE const char* skip_array(const char* p, const char* end, std::size_t depth) noexcept {
  return walk_array(p, end, depth, [&](const char* at) { return skip_value(at, end, depth - 1); });
}

#undef LITELLM_JSON_NOINLINE


LITELLM_INLINE const char* skip_escape(const char* p, const char* end) noexcept {
  if (end - p < 2) return nullptr;
  switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      return p + 2;
    case 'u': {
      if (end - p < 6) return nullptr;
      const int unit = hex4(p + 2);
      if (unit < 0) return nullptr;
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        if (end - p < 12 || p[6] != '\\' || p[7] != 'u') return nullptr;
        const int low = hex4(p + 8);
        if (low < 0xDC00 || low > 0xDFFF) return nullptr;
        return p + 12;
      }
      if (unit >= 0xDC00 && unit <= 0xDFFF) return nullptr;  // a lone low surrogate
      return p + 6;
    }
    default:
      return nullptr;
  }
}

LITELLM_INLINE const char* skip_utf8(const char* p, const char* end) noexcept {
  // RFC 3629 well-formed sequences (the table nlohmann's lexer checks).
  do {
    const auto lead = static_cast<unsigned char>(*p);
    const auto left = end - p;
    if (lead < 0xC2) return nullptr;  // a continuation byte, or an overlong C0/C1 lead
    if (lead < 0xE0) {
      if (left < 2 || !is_continuation(p[1])) return nullptr;
      p += 2;
    } else if (lead < 0xF0) {
      if (left < 3) return nullptr;
      const auto second = static_cast<unsigned char>(p[1]);
      const unsigned low = lead == 0xE0 ? 0xA0 : 0x80;   // no overlongs
      const unsigned high = lead == 0xED ? 0x9F : 0xBF;  // no surrogates
      if (second < low || second > high || !is_continuation(p[2])) return nullptr;
      p += 3;
    } else if (lead < 0xF5) {
      if (left < 4) return nullptr;
      const auto second = static_cast<unsigned char>(p[1]);
      const unsigned low = lead == 0xF0 ? 0x90 : 0x80;   // no overlongs
      const unsigned high = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
      if (second < low || second > high || !is_continuation(p[2]) || !is_continuation(p[3])) {
        return nullptr;
      }
      p += 4;
    } else {
      return nullptr;
    }
  } while (p != end && static_cast<unsigned char>(*p) >= 0x80);
  return p;
}

LITELLM_INLINE void append_unescaped(std::string& out, const char* p, const char* end) {
  const std::size_t old_size = out.size();
  out.resize(old_size + static_cast<std::size_t>(end - p));
  char* const start = &out[0];
  char* const decoded_end = decode_string(p, end, start + old_size);
  out.resize(static_cast<std::size_t>(decoded_end - start));
}

LITELLM_INLINE json::value_t kind_at(char c) noexcept {
  switch (c) {
    case '"':
      return json::value_t::string;
    case '{':
      return json::value_t::object;
    case '[':
      return json::value_t::array;
    case 't':
    case 'f':
      return json::value_t::boolean;
    case 'n':
      return json::value_t::null;
    default:
      return json::value_t::number_integer;
  }
}

LITELLM_INLINE const char* skip_value(const char* p, const char* end, std::size_t depth) noexcept {
  switch (*p) {
    case '"': {
      bool escaped = false;
      return scan_string(p + 1, end, escaped);
    }
    case '{':
      return skip_object(p, end, depth);
    case '[':
      return skip_array(p, end, depth);
    case 't':
      return match_literal(p, end, "true");
    case 'f':
      return match_literal(p, end, "false");
    case 'n':
      return match_literal(p, end, "null");
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return skip_number(p, end);
    default:
      return nullptr;
  }
}

LITELLM_INLINE const char* parse_value(const char* p, const char* end, json& out, std::size_t depth) {
  switch (*p) {
    case '"':
      return parse_string(p + 1, end, out);
    case '{':
      return parse_object(p, end, out, depth);
    case '[':
      return parse_array(p, end, out, depth);
    case 't':
      out = true;
      return match_literal(p, end, "true");
    case 'f':
      out = false;
      return match_literal(p, end, "false");
    case 'n':
      out = nullptr;
      return match_literal(p, end, "null");
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return parse_number(p, end, out);
    default:
      return nullptr;
  }
}

}  // namespace json_scan

LITELLM_INLINE bool parse_json(std::string_view text, json& out, std::size_t max_depth) {
  const char* const end = text.data() + text.size();
  const char* p = json_scan::begin_document(text.data(), end);
  if (p == nullptr) return false;
  p = json_scan::skip_space(p, end);
  if (p == end) return false;
  p = json_scan::parse_value(p, end, out, max_depth);
  return p != nullptr && json_scan::at_document_end(p, end);
}

LITELLM_INLINE bool is_valid_json(std::string_view text, std::size_t max_depth) noexcept {
  const char* const end = text.data() + text.size();
  const char* p = json_scan::begin_document(text.data(), end);
  if (p == nullptr) return false;
  p = json_scan::skip_space(p, end);
  if (p == end) return false;
  p = json_scan::skip_value(p, end, max_depth);
  return p != nullptr && json_scan::at_document_end(p, end);
}

LITELLM_INLINE bool scan_top_level(std::string_view text, const std::string_view* names, json::value_t* kinds,
                    std::size_t count, std::size_t max_depth) {
  for (std::size_t i = 0; i < count; ++i) kinds[i] = json::value_t::discarded;
  const char* const end = text.data() + text.size();
  const char* p = json_scan::begin_document(text.data(), end);
  if (p == nullptr) return false;
  p = json_scan::skip_space(p, end);
  if (p == end) return false;
  if (*p != '{') {
    p = json_scan::skip_value(p, end, max_depth);
    return p != nullptr && json_scan::at_document_end(p, end);
  }
  std::string decoded;  // an escaped key, decoded to be compared
  p = json_scan::walk_object(
      p, end, max_depth, [&](const char* key, const char* key_end, bool escaped, const char* at) {
        std::string_view name(key, static_cast<std::size_t>(key_end - key));
        if (escaped) {
          decoded.clear();
          json_scan::append_unescaped(decoded, key, key_end);
          name = decoded;
        }
        for (std::size_t i = 0; i < count; ++i) {
          if (names[i] == name) kinds[i] = json_scan::kind_at(*at);
        }
        return json_scan::skip_value(at, end, max_depth - 1);
      });
  return p != nullptr && json_scan::at_document_end(p, end);
}

// ---- Writing --------------------------------------------------------------------------------


/// nlohmann's own serializer, for what the fast writer leaves to it.
LITELLM_INLINE void append_with_nlohmann(std::string& out, const json& value) {
  nlohmann::detail::serializer<json> serializer(nlohmann::detail::output_adapter<char>(out), ' ',
                                                json::error_handler_t::replace);
  serializer.dump(value, false, false, 0);
}

/// The escape of a byte below 0x20 (as nlohmann writes it: \b \t \n \f \r or \u00xx).
LITELLM_INLINE void append_control_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\b':
      out += "\\b";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
  out.append(escape, sizeof escape);
}

/// Appends the escaped body of `text`; false (with `out` partly written) at invalid UTF-8.
LITELLM_INLINE bool append_escaped(std::string& out, const char* p, const char* const end) {
  while (p != end) {
    const char* special = json_scan::find_string_special(p, end);
    out.append(p, static_cast<std::size_t>(special - p));
    if (special == end) return true;
    const auto c = static_cast<unsigned char>(*special);
    if (c >= 0x80) {
      const char* after = json_scan::skip_utf8(special, end);
      if (after == nullptr) return false;
      out.append(special, static_cast<std::size_t>(after - special));
      p = after;
      continue;
    }
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      append_control_escape(out, c);
    }
    p = special + 1;
  }
  return true;
}


LITELLM_INLINE void append_json_string(std::string& out, std::string_view text) {
  const std::size_t start = out.size();
  out += '"';
  if (append_escaped(out, text.data(), text.data() + text.size())) {
    out += '"';
    return;
  }
  out.resize(start);  // invalid UTF-8: nlohmann's replacement rules, exactly
  append_with_nlohmann(out, json(text));
}

LITELLM_INLINE void append_json(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      const auto& object = value.get_ref<const json::object_t&>();
      out += '{';
      bool first = true;
      for (const auto& [key, member] : object) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, key);
        out += ':';
        append_json(out, member);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      const auto& array = value.get_ref<const json::array_t&>();
      out += '[';
      bool first = true;
      for (const json& element : array) {
        if (!first) out += ',';
        first = false;
        append_json(out, element);
      }
      out += ']';
      return;
    }
    case json::value_t::string:
      append_json_string(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      char buffer[24];
      const auto result =
          value.is_number_unsigned()
              ? std::to_chars(buffer, buffer + sizeof buffer, value.get<std::uint64_t>())
              : std::to_chars(buffer, buffer + sizeof buffer, value.get<std::int64_t>());
      out.append(buffer, static_cast<std::size_t>(result.ptr - buffer));
      return;
    }
    case json::value_t::number_float: {
      const double number = value.get<double>();
      if (!std::isfinite(number)) {
        out += "null";
        return;
      }
      char buffer[64];
      const char* end = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, number);
      out.append(buffer, static_cast<std::size_t>(end - buffer));
      return;
    }
    case json::value_t::null:
      out += "null";
      return;
    case json::value_t::binary:
    case json::value_t::discarded:
    default:
      append_with_nlohmann(out, value);
      return;
  }
}

}  // namespace litellm::detail
