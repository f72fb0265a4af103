// What the translating adapters (Anthropic, Gemini, Bedrock) share: reading members of
// OpenAI-format requests without throwing on a wrong type, an assistant tool call's arguments as
// the JSON object the providers want, and small text and time helpers.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include "litellm/errors.hpp"

namespace litellm::detail {

/// The member `key` of `object` when `object` is an object holding a non-null value there.
const json* member(const json& object, std::string_view key);

/// The string member `key`, or `fallback` when absent or not a string.
std::string string_member(const json& object, std::string_view key, std::string fallback = {});

/// The integer member `key`, or 0 when absent or not an integer.
long long count_member(const json& object, std::string_view key);

/// The arguments of an OpenAI assistant tool call's `function` (null: none) as a JSON object:
/// OpenAI sends them as a JSON text, which is parsed (blank: `{}`); an object is taken as it is.
/// @throws ConfigError `"<label>: arguments are not valid JSON"` or `"... must be a JSON object"`.
json tool_call_arguments(const json* function, const std::string& label);

/// Seconds since the Unix epoch (a completion's `created`).
std::int64_t unix_now();

/// True when `text` begins with `prefix`.
bool starts_with(std::string_view text, std::string_view prefix);

/// True when `text` ends with `suffix`.
bool ends_with(std::string_view text, std::string_view suffix);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
