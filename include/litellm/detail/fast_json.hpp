// The hand-written JSON parser, parse_json: the same nlohmann::json DOM as json::parse, several
// times faster, from the scanner steps of json_scan.hpp.
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
// tests/unit/test_fast_json.cpp and the fuzz targets decide every expectation with json::parse.
//
// Where the hand-written readers are used, each the only reader of JSON text on its path:
// - parse_json: OpenAI-format stream chunks handed to a chunk callback (StreamCall, call-inl.hpp:
//   parsed into the previous chunk's json, reusing its allocations, then merged from that DOM),
//   the OpenAI stream translator (openai-inl.hpp), and whole response bodies of OpenAI-format
//   calls (call-inl.hpp, backend-inl.hpp). These are the per-chunk and per-response hot paths,
//   where json::parse costs several times more.
// - is_valid_json / scan_top_level: the I/O thread of batch calls checks a response body (valid,
//   not an error, `choices` a list) without building it, so the calling thread parses it later
//   with parse_json: two readers of one body, on two threads, by design (the I/O thread stays
//   cheap); both make the same decision.
// - JsonTape (json_tape.hpp): StreamAccumulator::add_chunk_text, chunks nobody else reads (no
//   callback): one validating pass over the text, merged from the tape without a DOM.
// Everything else (Anthropic, provider errors, rare paths) uses json::parse.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "litellm/detail/json_scan.hpp"
#include "litellm/detail/json_writer.hpp"

namespace litellm {
namespace detail {

/// Parses `text`, which must be exactly one JSON value (surrounding whitespace allowed), into
/// `out`: the same DOM, value types and double values as `json::parse(text)`. Returns false, with
/// `out` unspecified, for anything json::parse rejects, and for containers nested more than
/// `max_depth` deep. The recursion is bounded by `max_depth`: about 128 bytes of stack per level
/// (some 64 KB at the default), whatever the input. A value `out` already holds is reused (its
/// keys, strings and arrays overwritten in place): parsing a stream's chunks one after the other
/// into one json allocates next to nothing.
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

namespace json_scan {

/// Parses one value starting exactly at `p` into `out`, as skip_value. `out` is unspecified on
/// failure.
const char* parse_value(const char* p, const char* end, json& out, std::size_t depth);

}  // namespace json_scan
}  // namespace detail
}  // namespace litellm

#include "litellm/detail/header_end.hpp"
