#pragma once

#include "litellm/detail/call_spec.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>

#include "litellm/detail/fast_json.hpp"
#include "litellm/detail/option_checks.hpp"

namespace litellm::detail {

using std::chrono::milliseconds;

/// Parameters that route the call (the ApiInfo fixes them) or that the backend consumes: never
/// sent in the body.
inline constexpr std::string_view kNonBodyParams[] = {
    "model",  "api_key", "api_base",        "base_url",      "api_version", "custom_llm_provider",
    "stream", "timeout", "request_timeout", "extra_headers", "num_retries", "max_retries",
};

LITELLM_INLINE void check_timeouts(const Timeouts& t, const std::string& where) {
  check_duration(t.connect, where + "timeouts.connect", false);
  check_duration(t.total, where + "timeouts.total", false);
  check_duration(t.first_byte, where + "timeouts.first_byte", true, "no limit");
  check_duration(t.idle, where + "timeouts.idle", true, "no limit");
  check_duration(t.stream_total, where + "timeouts.stream_total", true, "no limit");
}

LITELLM_INLINE void check_retry(const RetryPolicy& retry, const std::string& where) {
  if (retry.max_attempts < 1) {
    throw ConfigError(where + "retry.max_attempts must be at least 1, got " +
                      std::to_string(retry.max_attempts));
  }
  if (retry.max_rate_limit_retries < 0) {
    throw ConfigError(where + "retry.max_rate_limit_retries must not be negative, got " +
                      std::to_string(retry.max_rate_limit_retries));
  }
  check_duration(retry.max_retry_after, where + "retry.max_retry_after", true,
                 "no server-requested wait is honoured");
}

LITELLM_INLINE void check_key_wait(const std::optional<milliseconds>& wait,
                                   const std::string& where) {
  if (wait)
    check_duration(*wait, where + "max_key_wait", true, "fail at once when no key is ready");
}

/// The first byte at or after `p` that is not ASCII (`end` when none).
LITELLM_INLINE const char* find_non_ascii(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p != end && static_cast<unsigned char>(*p) < 0x80) ++p;
  return p;
}

/// The offset of the first byte of `text` that is not part of well-formed UTF-8, or npos. The
/// same rules as the request writer (append_json_string), which would replace such bytes.
LITELLM_INLINE std::size_t invalid_utf8_at(std::string_view text) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  while ((p = find_non_ascii(p, end)) != end) {
    const char* after = json_scan::skip_utf8(p, end);
    if (after == nullptr) return static_cast<std::size_t>(p - text.data());
    p = after;
  }
  return std::string_view::npos;
}

/// False when `value` holds something the request body cannot carry faithfully: a NaN or
/// infinite number (written as null), a string or member name that is not well-formed UTF-8
/// (written with U+FFFD), a discarded value. Then `problem` says what and `path` where below
/// `value` ("[0].content"), built while unwinding: on success nothing is built or copied.
LITELLM_INLINE bool sendable(const json& value, std::string& path, std::string& problem) {
  switch (value.type()) {
    case json::value_t::number_float:
      if (std::isfinite(value.get_ref<const json::number_float_t&>())) return true;
      problem = "is NaN or infinite, which JSON cannot carry";
      return false;
    case json::value_t::string: {
      const std::size_t at = invalid_utf8_at(value.get_ref<const std::string&>());
      if (at == std::string_view::npos) return true;
      problem = "is not valid UTF-8 (at byte " + std::to_string(at) + ")";
      return false;
    }
    case json::value_t::array: {
      const auto& elements = value.get_ref<const json::array_t&>();
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (!sendable(elements[i], path, problem)) {
          path.insert(0, "[" + std::to_string(i) + "]");
          return false;
        }
      }
      return true;
    }
    case json::value_t::object:
      for (const auto& [name, member] : value.get_ref<const json::object_t&>()) {
        if (const std::size_t at = invalid_utf8_at(name); at != std::string_view::npos) {
          problem =
              "has a member name that is not valid UTF-8 (at byte " + std::to_string(at) + ")";
          return false;
        }
        if (!sendable(member, path, problem)) {
          path.insert(0, "." + name);
          return false;
        }
      }
      return true;
    case json::value_t::discarded:
      problem = "is a discarded value (a failed parse), which JSON cannot carry";
      return false;
    default:
      return true;
  }
}

/// `value` for a message: a number as written (NaN and infinities by name), else its type.
LITELLM_INLINE std::string describe(const json& value) {
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::isnan(number)) return "NaN";
    if (std::isinf(number)) return number > 0 ? "infinity" : "-infinity";
  }
  if (!value.is_number()) return std::string("a ") + value.type_name();
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  return text;
}

/// The `n` of a chat call: null is 1; else an integer from 1 to kMaxChoices.
LITELLM_INLINE int read_n(const json& value) {
  if (value.is_null()) return 1;
  if (value.is_number_unsigned()) {
    const auto n = value.get<unsigned long long>();
    if (n >= 1 && n <= static_cast<unsigned long long>(kMaxChoices)) return static_cast<int>(n);
  } else if (value.is_number_integer()) {
    const auto n = value.get<long long>();
    if (n >= 1 && n <= kMaxChoices) return static_cast<int>(n);
  }
  throw ConfigError("n must be an integer from 1 to " + std::to_string(kMaxChoices) + ", got " +
                    describe(value));
}

/// The `timeout` call parameter: a positive number of seconds (at most a year); null: none.
LITELLM_INLINE std::optional<milliseconds> read_timeout(const json& value) {
  constexpr double kMaxSeconds = 365.0 * 24 * 3600;
  if (value.is_null()) return std::nullopt;
  if (value.is_number()) {
    const double seconds = value.get<double>();
    if (std::isfinite(seconds) && seconds > 0 && seconds <= kMaxSeconds) {
      return std::max(milliseconds(1), milliseconds(static_cast<long long>(seconds * 1000)));
    }
  }
  throw ConfigError("timeout must be a positive number of seconds (at most one year), got " +
                    describe(value));
}

// ---- CallSpec ----------------------------------------------------------------------------------

LITELLM_INLINE void check_backend_options(const BackendOptions& options) {
  const std::string where = "BackendOptions.";
  check_timeouts(options.timeouts, where);
  check_retry(options.retry, where);
  check_duration(options.backoff.initial, where + "backoff.initial", true, "retry at once");
  check_duration(options.backoff.maximum, where + "backoff.maximum", true, "retry at once");
  check_key_wait(options.max_key_wait, where);
  if (options.max_response_bytes == 0) {
    throw ConfigError(where + "max_response_bytes must be positive, got 0");
  }
  check_key_pool_options(options.key_pool, where + "key_pool.");
}

LITELLM_INLINE void check_call_options(const CallOptions& options) {
  if (!options.timeouts && !options.retry && !options.max_key_wait) return;
  const std::string where = "CallOptions.";
  if (options.timeouts) check_timeouts(*options.timeouts, where);
  if (options.retry) check_retry(*options.retry, where);
  check_key_wait(options.max_key_wait, where);
}

LITELLM_INLINE CallSpec make_call_spec(CallKind kind, const json& defaults, json params,
                                       ChunkCallback on_chunk, const CallOptions& call_options,
                                       const BackendOptions& options) {
  // Defaults < call parameters.
  if (params.is_null()) params = json::object();
  if (!params.is_object()) {
    throw ConfigError(std::string("call parameters must be a JSON object, got ") +
                      params.type_name());
  }
  CallSpec spec;
  spec.kind = kind;
  spec.on_chunk = std::move(on_chunk);
  // The call's parameters stay where they are; defaults fill in what the call left out.
  json merged = std::move(params);
  if (defaults.is_object()) {
    for (const auto& [name, value] : defaults.items()) merged.emplace(name, value);
  }
  if (kind != CallKind::embedding) {
    const auto messages = merged.find("messages");
    if (messages == merged.end() || !messages->is_array()) {
      throw ConfigError("a chat completion needs 'messages', a list of message objects");
    }
  } else if (!merged.contains("input")) {
    throw ConfigError("an embedding call needs 'input', a string or a list of strings");
  }
  if (const auto it = merged.find("extra_headers"); it != merged.end() && !it->is_null()) {
    if (!it->is_object()) throw ConfigError("extra_headers must be an object of strings");
    for (const auto& [name, value] : it->items()) {
      if (!value.is_string()) throw ConfigError("extra_headers['" + name + "'] must be a string");
      spec.extra_headers.add(name, value.get<std::string>());
    }
  }
  check_call_options(call_options);
  spec.timeouts = call_options.timeouts.value_or(options.timeouts);
  if (const auto it = merged.find("timeout"); it != merged.end()) {
    if (const auto total = read_timeout(*it)) spec.timeouts.total = *total;
  }
  spec.retry = call_options.retry.value_or(options.retry);
  spec.max_key_wait = call_options.max_key_wait ? call_options.max_key_wait : options.max_key_wait;
  if (kind != CallKind::embedding) {
    if (const auto it = merged.find("n"); it != merged.end()) spec.n = read_n(*it);
  }
  // One pass over what will be sent: routing members out, every value checked (nothing copied).
  auto& members = merged.get_ref<json::object_t&>();
  std::string path;
  std::string problem;
  for (auto it = members.begin(); it != members.end();) {
    const bool routing = std::find(std::begin(kNonBodyParams), std::end(kNonBodyParams),
                                   std::string_view(it->first)) != std::end(kNonBodyParams);
    if (routing) {
      it = members.erase(it);
      continue;
    }
    if (invalid_utf8_at(it->first) != std::string_view::npos) {
      throw ConfigError("a request parameter's name is not valid UTF-8; nothing was sent");
    }
    if (!sendable(it->second, path, problem)) {
      throw ConfigError("request parameter " + it->first + path + " " + problem +
                        "; nothing was sent");
    }
    ++it;
  }
  spec.params = std::move(merged);
  return spec;
}

}  // namespace litellm::detail
