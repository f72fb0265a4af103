/// @file
/// Retry and backoff policies (kept apart, as google-cloud-cpp does), and the parsing of the wait
/// hints servers send: `retry-after-ms`, `Retry-After` (seconds or an HTTP date) and the rate-limit
/// reset headers of OpenAI (`x-ratelimit-reset-*`), Azure and Anthropic
/// (`anthropic-ratelimit-*-reset`).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <optional>
#include <string_view>

#include "litellm/http.hpp"

namespace litellm {

/// How long to wait before the next attempt: exponential, capped, with jitter.
///
/// delay(n) = min(initial * multiplier^(n-1), maximum) * (1 - jitter * u), u uniform in [0, 1).
struct LITELLM_API BackoffPolicy {
  std::chrono::milliseconds initial{500};   ///< The delay before the first retry.
  double multiplier = 2.0;                  ///< Growth per retry.
  std::chrono::milliseconds maximum{8000};  ///< The cap before jitter.
  double jitter = 0.25;  ///< Fraction of the delay removed at random (0: none, 1: full jitter).

  /// The delay before retry number `retry` (1 for the first retry), for a uniform draw `u` in
  /// [0, 1). Deterministic, so tests can pin it.
  std::chrono::milliseconds delay(int retry, double u) const noexcept;
  /// The same with a random draw.
  std::chrono::milliseconds delay(int retry) const;
};

/// Which failures are retried, and how often.
struct LITELLM_API RetryPolicy {
  /// Attempts per call, the first included (1: never retry). Attempts that fail because a key was
  /// rejected (401/403, exhausted quota) move to the next key without counting here.
  int max_attempts = 3;
  /// The longest server-requested wait (Retry-After and friends) that is honoured before a retry;
  /// a longer hint ends the call with the error instead, except for a per-day limit
  /// (`ErrorDetails::daily_quota`), whose key waits for its reset while another key is tried.
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(60)};
  /// 429s (rate limits, not exhausted quotas) that a call waits out on its keys' budgets and
  /// cooldowns before giving up; they do not count in `max_attempts`. Must not be negative (0:
  /// a 429 ends the call). A call also ends with RateLimitError when its `max_key_wait` cannot
  /// be met.
  int max_rate_limit_retries = 20;
};

/// Parses a `Retry-After` value: delta-seconds (fractions accepted) or an HTTP date (IMF-fixdate,
/// RFC 850 or asctime), relative to `now`. A date in the past gives 0. Garbage gives nullopt.
LITELLM_API std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

/// Parses a rate-limit reset duration: Go-style (`1s`, `6m0s`, `20ms`, `1h2m3.5s`, `250us`), a
/// bare number of seconds (`30`, `0.5`), or an RFC 3339 timestamp (Anthropic), relative to `now`.
LITELLM_API std::optional<std::chrono::milliseconds> parse_reset_duration(
    std::string_view value, std::chrono::system_clock::time_point now);

/// Parses an HTTP date (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850, asctime), for the
/// years 1970 to 2200.
LITELLM_API std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view value);

/// Parses an RFC 3339 timestamp (`2024-05-01T12:00:30Z`, fractions and offsets accepted), for
/// the years 1970 to 2200.
LITELLM_API std::optional<std::chrono::system_clock::time_point> parse_rfc3339(
    std::string_view value);

/// The wait a response asks for, from its headers, first match wins:
/// 1. `retry-after-ms` (Azure, OpenAI);
/// 2. `Retry-After`, seconds or HTTP date;
/// 3. the rate-limit reset headers (`x-ratelimit-reset-requests` / `-tokens`,
///    `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset`): the longest of
///    those whose matching `remaining` header is 0, else the shortest.
/// Values are clamped to [0, 24 h]. nullopt when no usable header is present.
LITELLM_API std::optional<std::chrono::milliseconds> retry_after_from_headers(
    const Headers& headers,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
