// A fast JSON parser that builds the same nlohmann::json DOM as json::parse, and the scanner
// pieces it is made of, shared with StreamAccumulator::add_chunk_text (src/merge.cpp).
//
// Accept/reject decisions and results are those of nlohmann::json::parse (3.11) for every input,
// except that containers nested deeper than `max_depth` are rejected (nlohmann has no limit):
// - RFC 8259 grammar: no comments, trailing commas, single quotes, NaN/Infinity, leading zeros,
//   `+` signs, `.5` or `1.`; whitespace is space, tab, LF and CR only;
// - strings: control characters (< 0x20) must be escaped; bytes must be well-formed UTF-8
//   (no overlongs, surrogates or code points above U+10FFFF); `\u` escapes must pair
//   surrogates (a lone high or low surrogate is rejected); `\u0000` is accepted;
// - numbers: a token without `.`/`e` is number_unsigned when non-negative, number_integer when
//   negative ("-0" is number_integer 0), and number_float (the correctly rounded double) when it
//   does not fit 64 bits; a token with `.`/`e` is number_float; a number whose double would be
//   infinite (1e400) is rejected, one that underflows becomes 0.0 (or -0.0);
// - duplicate object keys: the last value wins;
// - nlohmann quirks kept: a UTF-8 BOM (EF BB BF) at the very start is skipped, and a NUL byte
//   where a token would start after the value ends the input ("1\0junk" is accepted as 1).
#pragma once

#include "litellm/config.hpp"
#if defined(LITELLM_HEADER_ONLY) && !defined(LITELLM_DETAIL_IN_HEADER)
#define LITELLM_DETAIL_IN_HEADER
#define LITELLM_DETAIL_OUTERMOST_DETAIL_FAST_JSON_HPP
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace litellm {

using json = nlohmann::json;

namespace detail {

/// The default bound on container nesting (arrays and objects) for the parsers below.
inline constexpr std::size_t kJsonMaxDepth = 512;

/// Parses `text`, which must be exactly one JSON value (surrounding whitespace allowed), into
/// `out`: the same DOM, value types and double values as `json::parse(text)`. Returns false, with
/// `out` unspecified, for anything json::parse rejects, and for containers nested more than
/// `max_depth` deep. The recursion is bounded by `max_depth`: about 128 bytes of stack per level
/// (some 64 KB at the default), whatever the input.
bool parse_json(std::string_view text, json& out, std::size_t max_depth = kJsonMaxDepth);

/// True when `parse_json(text, ...)` would succeed; builds nothing.
bool is_valid_json(std::string_view text, std::size_t max_depth = kJsonMaxDepth) noexcept;

/// Validates `text` as parse_json does (the same accept/reject decision) and reports, without
/// building anything, the kind of value of each top-level member named in `names`: `kinds[i]`
/// is the type of the last member called `names[i]` (value_t::number_integer for any number), or
/// value_t::discarded when there is none or the document is not an object. For deciding what a
/// response is before (or instead of) parsing it. Returns false when parse_json would fail.
bool scan_top_level(std::string_view text, const std::string_view* names, json::value_t* kinds,
                    std::size_t count, std::size_t max_depth = kJsonMaxDepth);

/// Appends the JSON text of `value` to `out`: byte for byte what
/// `value.dump(-1, ' ', false, json::error_handler_t::replace)` returns (compact, members in the
/// object's order, UTF-8 kept, control characters escaped, invalid UTF-8 replaced by U+FFFD,
/// NaN and infinities as null), without nlohmann's per-byte decoder: runs of plain bytes are found
/// 16 at a time and copied whole. Strings with invalid UTF-8 and binary values (both rare) go
/// through nlohmann's serializer.
void append_json(std::string& out, const json& value);

/// Appends `text` as a JSON string (quoted and escaped), as append_json does for a string value.
void append_json_string(std::string& out, std::string_view text);

/// The scanner parse_json is built from. Every function takes the text as [p, end) and returns
/// where it stopped, or nullptr when the text is not valid JSON.
namespace json_scan {

/// JSON whitespace: space, tab, LF, CR.
inline bool is_space(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/// The first byte at or after `p` that is not whitespace (`end` when none).
inline const char* skip_space(const char* p, const char* end) noexcept {
  while (p != end && is_space(*p)) ++p;
  return p;
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

/// Parses one value starting exactly at `p` into `out`, as skip_value. `out` is unspecified on
/// failure.
const char* parse_value(const char* p, const char* end, json& out, std::size_t depth);

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

}  // namespace json_scan
}  // namespace detail
}  // namespace litellm

// Header-only mode: the outermost litellm header, once complete, brings the definitions.
#ifdef LITELLM_DETAIL_OUTERMOST_DETAIL_FAST_JSON_HPP
#undef LITELLM_DETAIL_OUTERMOST_DETAIL_FAST_JSON_HPP
#undef LITELLM_DETAIL_IN_HEADER
#include "litellm/impl/header_only.hpp"
#endif
