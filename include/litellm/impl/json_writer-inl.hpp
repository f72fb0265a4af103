#pragma once

// The JSON writer: what nlohmann's dump writes, with runs of plain bytes copied whole.
#include "litellm/detail/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "litellm/detail/json_scan.hpp"

namespace litellm::detail {

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
