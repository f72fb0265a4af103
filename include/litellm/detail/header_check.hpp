// Header validation shared by the backend (before anything is sent) and the curl transport.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <string>
#include <string_view>

#include "litellm/errors.hpp"

namespace litellm::detail {

/// Throws ConfigError when a header name or value could forge headers (CR, LF or NUL anywhere,
/// ':' or an empty name). The message names the header, never its value (it may be a key).
inline void check_header_field(std::string_view name, std::string_view value) {
  const auto forges = [](std::string_view s) {
    for (const char c : s) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte <= '\r' && (byte == '\r' || byte == '\n' || byte == 0)) return true;  // rare
    }
    return false;
  };
  if (name.empty() || forges(name) || name.find(':') != std::string_view::npos) {
    throw ConfigError("invalid HTTP header name '" + std::string(name.substr(0, 64)) + "'");
  }
  if (forges(value)) {
    throw ConfigError("the value of HTTP header '" + std::string(name) +
                      "' contains CR, LF or NUL; nothing was sent");
  }
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
