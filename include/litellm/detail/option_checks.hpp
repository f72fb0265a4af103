// Range checks of option durations, shared by the backend (BackendOptions, CallOptions:
// call_spec-inl.hpp) and the key pool (KeyPoolOptions: key_pool-inl.hpp), so one rule gives one
// message wherever the option is set.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <string>
#include <string_view>

#include "litellm/errors.hpp"
#include "litellm/key_pool.hpp"

namespace litellm::detail {

/// Throws ConfigError naming `field` unless `d` > 0 (`may_be_zero`: >= 0, with what zero means
/// said in the message).
inline void check_duration(std::chrono::milliseconds d, std::string_view field, bool may_be_zero,
                           std::string_view zero_means = {}) {
  if (d.count() > 0 || (may_be_zero && d.count() == 0)) return;
  std::string message(field);
  if (may_be_zero) {
    message += " must not be negative (0: ";
    message += zero_means;
    message += ")";
  } else {
    message += " must be positive";
  }
  message += ", got " + std::to_string(d.count()) + " ms";
  throw ConfigError(message);
}

/// The key pool's cooldown options; `where` prefixes the field names ("KeyPoolOptions.").
inline void check_key_pool_options(const KeyPoolOptions& options, const std::string& where) {
  check_duration(options.rate_limit_backoff.initial, where + "rate_limit_backoff.initial", true,
                 "no cooldown");
  check_duration(options.rate_limit_backoff.maximum, where + "rate_limit_backoff.maximum", true,
                 "no cooldown");
  check_duration(options.max_cooldown, where + "max_cooldown", true,
                 "server wait hints impose no cooldown");
}

/// Configured rate limits: each limit given must be a positive finite number, the window
/// positive; `where` prefixes the field names ("KeyPoolOptions.rate_limits[0].").
inline void check_rate_limits(const RateLimits& limits, const std::string& where) {
  const auto check = [&](const std::optional<double>& limit, const char* name) {
    if (!limit) return;
    if (!(*limit > 0) || *limit > 1e15) {
      throw ConfigError(where + name + " must be a positive number, got " + std::to_string(*limit));
    }
  };
  check(limits.rpm, "rpm");
  check(limits.tpm, "tpm");
  check_duration(limits.window, where + "window", false);
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
