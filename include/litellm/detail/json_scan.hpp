// The JSON scanner: the steps that validate JSON text exactly as nlohmann::json::parse decides
// (RFC 8259 grammar, UTF-8, escapes, numbers; see fast_json.hpp for the full list), without
// building anything. Both hand-written readers of JSON text are made of these steps, so they
// share one grammar: parse_json (fast_json.hpp), which builds a DOM, and JsonTape
// (json_tape.hpp), which indexes a stream chunk for StreamAccumulator::add_chunk_text.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace litellm {

using json = nlohmann::json;

namespace detail {

/// The default bound on container nesting (arrays and objects) for the readers of JSON text.
inline constexpr std::size_t kJsonMaxDepth = 512;

// The recursive readers keep their frames small (the depth bound times the frame size is the
// stack a parse needs): number tokens and decoded keys live in noinline helpers' frames only.
#if defined(__GNUC__)
#define LITELLM_JSON_NOINLINE [[gnu::noinline]]
#define LITELLM_JSON_ALWAYS_INLINE [[gnu::always_inline]] inline
#else
#define LITELLM_JSON_NOINLINE
#define LITELLM_JSON_ALWAYS_INLINE inline
#endif

/// The scanner the JSON readers are built from. Every function takes the text as [p, end) and
/// returns where it stopped, or nullptr when the text is not valid JSON.
namespace json_scan {

/// JSON whitespace: space, tab, LF, CR.
inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/// The first byte at or after `p` that is not whitespace (`end` when none).
inline const char* skip_space(const char* p, const char* end) noexcept {
  if (p != end && static_cast<unsigned char>(*p) > ' ') return p;  // the usual case: none
  while (p != end && is_space(*p)) ++p;
  return p;
}

/// The first byte at or after `p` that is not whitespace, or nullptr at the end of the text.
LITELLM_JSON_ALWAYS_INLINE const char* next_token(const char* p, const char* end) noexcept {
  if (p != end && static_cast<unsigned char>(*p) > ' ') return p;  // the usual case: no space
  p = skip_space(p, end);
  return p != end ? p : nullptr;
}

/// The first byte at or after `p` a string scan must stop at: `"`, `\`, a control character or a
/// non-ASCII byte; `end` when none. Reads only [p, end).
inline const char* find_string_special(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" also catches non-ASCII.
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                     _mm_cmplt_epi8(bytes, space));
    const int mask = _mm_movemask_epi8(special);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
  }
  return end;
}

/// The byte a one-character escape (`\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t`) stands for, by the
/// character after the backslash; 0 for every other character (`u` included).
inline constexpr std::array<char, 256> kSimpleEscapes = [] {
  std::array<char, 256> table{};
  table['"'] = '"';
  table['\\'] = '\\';
  table['/'] = '/';
  table['b'] = '\b';
  table['f'] = '\f';
  table['n'] = '\n';
  table['r'] = '\r';
  table['t'] = '\t';
  return table;
}();

/// Validates the escape at `p` (a backslash): one of \" \\ \/ \b \f \n \r \t \uXXXX, where a
/// high surrogate must be followed by an escaped low surrogate and a low one may not stand alone.
/// Returns the byte after it.
const char* skip_escape(const char* p, const char* end) noexcept;

/// Validates the UTF-8 sequences starting at `p` (a byte >= 0x80) up to the next ASCII byte.
/// Returns that byte's position (or `end`).
const char* skip_utf8(const char* p, const char* end) noexcept;

/// Validates a string's body; `p` is just after its opening quote. Returns the byte after the
/// closing quote, and sets `escaped` when the body has a backslash escape (then it must be
/// decoded with append_string_body; otherwise the body is the raw bytes).
inline const char* scan_string(const char* p, const char* end, bool& escaped) noexcept {
  for (;;) {
    p = find_string_special(p, end);
    if (p == end) return nullptr;
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') return p + 1;
    if (c == '\\') {
      escaped = true;
      if (end - p >= 2 && kSimpleEscapes[static_cast<unsigned char>(p[1])] != 0) {
        p += 2;
        continue;
      }
      p = skip_escape(p, end);
    } else if (c >= 0x80) {
      p = skip_utf8(p, end);
    } else {
      return nullptr;  // an unescaped control character
    }
    if (p == nullptr) return nullptr;
  }
}

/// scan_string with its usual case inline (keys, short values): the closing quote within the
/// next 32 bytes, with no escape, control character or non-ASCII byte before it.
LITELLM_JSON_ALWAYS_INLINE const char* scan_short_string(const char* p, const char* end,
                                                         bool& escaped) noexcept {
#if defined(__SSE2__)
  for (int block = 0; block < 2 && end - p >= 16; ++block) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                                                      _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))),
                                         _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)));
    const int mask = _mm_movemask_epi8(special);
    if (mask != 0) {
      const char* const first = p + __builtin_ctz(static_cast<unsigned>(mask));
      if (*first == '"') return first + 1;
      return scan_string(first, end, escaped);  // an escape or a control byte before the quote
    }
    p += 16;  // 16 plain bytes
  }
#endif
  return scan_string(p, end, escaped);
}

/// Appends the decoded body [p, end) of a string that scan_string accepted, with escapes.
void append_unescaped(std::string& out, const char* p, const char* end);

/// Appends the decoded body [p, end) of a string that scan_string accepted.
inline void append_string_body(std::string& out, const char* p, const char* end, bool escaped) {
  if (escaped) {
    append_unescaped(out, p, end);
  } else {
    out.append(p, static_cast<std::size_t>(end - p));
  }
}

/// The type of the value whose first byte is `c` (any number: number_integer; a byte no value
/// starts with: number_integer too, the value is then rejected by skip_value).
json::value_t kind_at(char c) noexcept;

/// Validates one value starting exactly at `p` (not whitespace), allowing `depth` more levels of
/// containers. Returns the byte after it.
const char* skip_value(const char* p, const char* end, std::size_t depth) noexcept;

/// Validates an object (`{` at `p`) or an array (`[` at `p`), as skip_value.
const char* skip_object(const char* p, const char* end, std::size_t depth) noexcept;
const char* skip_array(const char* p, const char* end, std::size_t depth) noexcept;

/// The start of a document: skips a UTF-8 BOM at the very start (nlohmann does); nullptr for a
/// broken BOM.
inline const char* begin_document(const char* p, const char* end) noexcept {
  if (p != end && static_cast<unsigned char>(*p) == 0xEF) {
    if (end - p < 3 || static_cast<unsigned char>(p[1]) != 0xBB ||
        static_cast<unsigned char>(p[2]) != 0xBF) {
      return nullptr;
    }
    p += 3;
  }
  return p;
}

/// True when only whitespace follows the value that ended at `p`, up to the end of the text or a
/// NUL byte (which nlohmann takes as the end of input).
inline bool at_document_end(const char* p, const char* end) noexcept {
  p = skip_space(p, end);
  return p == end || *p == '\0';
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

/// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `p` (a '-' or a digit);
/// returns the byte after it, or nullptr.
const char* scan_number(const char* p, const char* end, NumberToken& t) noexcept;

/// Converts the token as nlohmann does (unsigned, integer or double); false when it would be an
/// infinite double.
bool number_to_json(const NumberToken& t, json& out);

/// Validates the number at `p` (a '-' or a digit); returns the byte after it.
const char* skip_number(const char* p, const char* end) noexcept;

// ---- literals and containers --------------------------------------------------------------

/// The byte after `literal` when the text at `p` is that literal, else nullptr.
template <std::size_t N>
const char* match_literal(const char* p, const char* end, const char (&literal)[N]) noexcept {
  constexpr std::size_t kLength = N - 1;
  if (static_cast<std::size_t>(end - p) < kLength || std::memcmp(p, literal, kLength) != 0) {
    return nullptr;
  }
  return p + kLength;
}

/// Walks an object whose '{' is at `p`: for each member, `on_member(key, key_end, escaped, at)`
/// handles the value starting at `at` (parses or skips it) and returns the position after it,
/// or nullptr when it is invalid. Returns the position after the '}', or nullptr.
template <class OnMember>
const char* walk_object(const char* p, const char* end, std::size_t depth, OnMember&& on_member) {
  if (depth == 0) return nullptr;
  p = next_token(p + 1, end);
  if (p == nullptr) return nullptr;
  if (*p == '}') return p + 1;
  for (;;) {
    if (*p != '"') return nullptr;
    bool escaped = false;
    const char* const key = p + 1;
    p = scan_short_string(key, end, escaped);
    if (p == nullptr) return nullptr;
    const char* const key_end = p - 1;
    p = next_token(p, end);
    if (p == nullptr || *p != ':') return nullptr;
    p = next_token(p + 1, end);
    if (p == nullptr) return nullptr;
    p = on_member(key, key_end, escaped, p);
    if (p == nullptr) return nullptr;
    p = next_token(p, end);
    if (p == nullptr) return nullptr;
    if (*p != ',') return *p == '}' ? p + 1 : nullptr;
    p = next_token(p + 1, end);
    if (p == nullptr) return nullptr;
  }
}

/// Walks an array whose '[' is at `p`: `on_element(at)` handles each value as `on_member` does.
template <class OnElement>
const char* walk_array(const char* p, const char* end, std::size_t depth, OnElement&& on_element) {
  if (depth == 0) return nullptr;
  p = next_token(p + 1, end);
  if (p == nullptr) return nullptr;
  if (*p == ']') return p + 1;
  for (;;) {
    p = on_element(p);
    if (p == nullptr) return nullptr;
    p = next_token(p, end);
    if (p == nullptr) return nullptr;
    if (*p != ',') return *p == ']' ? p + 1 : nullptr;
    p = next_token(p + 1, end);
    if (p == nullptr) return nullptr;
  }
}

}  // namespace json_scan
}  // namespace detail
}  // namespace litellm

#include "litellm/detail/header_end.hpp"
