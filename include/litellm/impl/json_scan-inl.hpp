#pragma once

// The JSON scanner: validation of strings (escapes, UTF-8), numbers and whole values, exactly as
// nlohmann::json::parse decides, without building anything. The DOM parser (fast_json-inl.hpp)
// and the chunk tape (json_tape-inl.hpp) are built from these steps.
#include "litellm/detail/json_scan.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>

namespace litellm::detail::json_scan {

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

/// Validates the number at `p` (a '-' or a digit); returns the byte after it.
LITELLM_JSON_NOINLINE LITELLM_INLINE const char* skip_number(const char* p,
                                                             const char* end) noexcept {
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

LITELLM_INLINE const char* skip_object(const char* p, const char* end, std::size_t depth) noexcept {
  return walk_object(p, end, depth, [&](const char*, const char*, bool, const char* at) {
    return skip_value(at, end, depth - 1);
  });
}

LITELLM_INLINE const char* skip_array(const char* p, const char* end, std::size_t depth) noexcept {
  return walk_array(p, end, depth, [&](const char* at) { return skip_value(at, end, depth - 1); });
}

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

/// Bodies up to this many bytes are decoded through a buffer on the stack.
inline constexpr std::size_t kShortDecode = 128;

LITELLM_INLINE void append_unescaped(std::string& out, const char* p, const char* end) {
  const auto size = static_cast<std::size_t>(end - p);
  if (size <= kShortDecode) {
    // A short body (a stream delta's usual few bytes): decoded on the stack and appended once,
    // which costs less than growing `out` (zero-filled) and shrinking it again.
    char decoded[kShortDecode];
    out.append(decoded, static_cast<std::size_t>(decode_string(p, end, decoded) - decoded));
    return;
  }
  const std::size_t old_size = out.size();
  out.resize(old_size + size);
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
    default:  // a number, or a byte no value starts with (rejected there)
      return skip_number(p, end);
  }
}

}  // namespace litellm::detail::json_scan
