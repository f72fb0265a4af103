#pragma once

// The fast JSON parser: a recursive-descent parser on the scanner's steps (json_scan.hpp),
// bounded by the depth limit, that accepts exactly what nlohmann::json::parse accepts and builds
// the same DOM directly (strings are scanned 16 bytes at a time and appended in runs; objects
// insert each member in place).
#include "litellm/detail/fast_json.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace litellm::detail {
namespace json_scan {

using object_t = json::object_t;
using array_t = json::array_t;

/// Parses the number at `p` (a '-' or a digit) into `out`; returns the byte after it.
LITELLM_JSON_NOINLINE LITELLM_INLINE const char* parse_number(const char* p, const char* end,
                                                              json& out) {
  NumberToken token;
  p = scan_number(p, end, token);
  if (p == nullptr || !number_to_json(token, out)) return nullptr;
  return p;
}

// ---- strings ------------------------------------------------------------------------------

/// Parses a string body at `p` (after the opening quote) into a string value in `out`, reusing
/// the buffer of a string `out` already holds.
LITELLM_JSON_NOINLINE LITELLM_INLINE const char* parse_string(const char* p, const char* end,
                                                              json& out) {
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
LITELLM_JSON_NOINLINE LITELLM_INLINE json& escaped_member(object_t& object, const char* key,
                                                          const char* key_end, bool reused) {
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
LITELLM_JSON_NOINLINE LITELLM_INLINE void drop_unseen_members(object_t& object,
                                                              const json* const* seen,
                                                              std::size_t count) {
  for (auto it = object.begin(); it != object.end();) {
    if (std::find(seen, seen + count, &it->second) == seen + count) {
      it = object.erase(it);
    } else {
      ++it;
    }
  }
}

// ---- containers -----------------------------------------------------------------------------

// An object or array that `out` already holds is reused: members whose key comes again are
// overwritten in place (their key, and their value's allocations, reused), elements likewise by
// position, and only what the text no longer has is freed. Parsing a stream's chunks one after
// the other into the same json so allocates next to nothing after the first one.

LITELLM_INLINE const char* parse_object(const char* p, const char* end, json& out,
                                        std::size_t depth) {
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

LITELLM_INLINE const char* parse_array(const char* p, const char* end, json& out,
                                       std::size_t depth) {
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

LITELLM_INLINE const char* parse_value(const char* p, const char* end, json& out,
                                       std::size_t depth) {
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
    default:  // a number, or a byte no value starts with (rejected there)
      return parse_number(p, end, out);
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

LITELLM_INLINE bool scan_top_level(std::string_view text, const std::string_view* names,
                                   json::value_t* kinds, std::size_t count, std::size_t max_depth) {
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

}  // namespace litellm::detail
