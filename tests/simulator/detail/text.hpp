// Text helpers of the provider simulator: words, UTF-8 prefixes and pieces, percent-decoding,
// base64, number parsing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litellm::sim::detail {

/// The runs of non-space characters of text, in order.
std::vector<std::string> split_words(const std::string& text);

/// The number of words of text (as split_words counts them).
int count_words(const std::string& text);

/// The parts with separator between each two.
std::string join(const std::vector<std::string>& parts, const std::string& separator);

/// s with its ASCII upper-case letters in lower case.
std::string to_lower(std::string s);

/// The first max_chars code points of a UTF-8 string.
std::string utf8_prefix(const std::string& s, std::size_t max_chars);

/// Splits s into at most `parts` non-empty pieces of about equal size, at code point boundaries.
std::vector<std::string> split_pieces(const std::string& s, std::size_t parts);

/// s with its `%XX` escapes decoded; a `%` without two hex digits after it stays as it is.
std::string percent_decode(const std::string& s);

/// Standard base64, with padding.
std::string base64_encode(const std::string& bytes);

/// Parses a whole decimal integer (optionally signed); nullopt on anything else.
std::optional<long long> parse_integer(std::string_view s);

/// Parses a whole finite number (strtod syntax); nullopt on anything else.
std::optional<double> parse_number(std::string_view s);

/// s without its leading and trailing white space.
std::string_view trim(std::string_view s);

}  // namespace litellm::sim::detail
