// The JSON writer: compact JSON text byte for byte as nlohmann's dump writes it, faster.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace litellm {

using json = nlohmann::json;

namespace detail {

/// Appends the JSON text of `value` to `out`: byte for byte what
/// `value.dump(-1, ' ', false, json::error_handler_t::replace)` returns (compact, members in the
/// object's order, UTF-8 kept, control characters escaped, invalid UTF-8 replaced by U+FFFD,
/// NaN and infinities as null), without nlohmann's per-byte decoder: runs of plain bytes are found
/// 16 at a time and copied whole. Strings with invalid UTF-8 and binary values (both rare) go
/// through nlohmann's serializer.
void append_json(std::string& out, const json& value);

/// Appends `text` as a JSON string (quoted and escaped), as append_json does for a string value.
void append_json_string(std::string& out, std::string_view text);

}  // namespace detail
}  // namespace litellm

#include "litellm/detail/header_end.hpp"
