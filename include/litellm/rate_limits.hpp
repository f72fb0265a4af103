/// @file
/// Rate limits of a key and model: the quantities providers limit, the limits a user configures,
/// and what every response's headers say about them.
///
/// Providers limit each key by requests and by tokens per minute, per model, and report where a
/// key stands on every answer, success or failure:
/// - OpenAI and compatible servers: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, the
///   resets as Go durations (`1s`, `12ms`, `6m0s`, `4m12.172s`);
/// - Azure OpenAI: `x-ratelimit-remaining-{requests,tokens}` only (a value of -1, or 0 without a
///   limit header, which some Azure endpoints send, means unknown);
/// - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,
///   remaining,reset}`, the resets as RFC 3339 times.
/// The key pool (key_pool.hpp) learns each key and model's limits from them and paces calls so
/// that a budget is never overspent.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "litellm/errors.hpp"
#include "litellm/http.hpp"

namespace litellm {

/// A quantity a provider limits per key and model.
enum class RateDimension {
  requests,       ///< Requests (RPM).
  tokens,         ///< Prompt and completion tokens together (TPM).
  input_tokens,   ///< Prompt tokens (Anthropic's ITPM).
  output_tokens,  ///< Completion tokens (Anthropic's OTPM).
};

/// The number of RateDimension values.
inline constexpr std::size_t kRateDimensions = 4;

/// "requests", "tokens", "input_tokens" or "output_tokens".
constexpr std::string_view to_string(RateDimension dimension) noexcept {
  switch (dimension) {
    case RateDimension::requests:
      return "requests";
    case RateDimension::tokens:
      return "tokens";
    case RateDimension::input_tokens:
      return "input_tokens";
    case RateDimension::output_tokens:
      return "output_tokens";
  }
  return "unknown";
}

/// Limits configured for a key, as litellm's router deployments carry them (`"rpm"` and `"tpm"`
/// beside the ApiInfo fields in an api_infos JSON file). They apply to every model the key is
/// called with, each model having its own budget. A configured limit is used from the first call
/// on; headers still lower what remains, never the limit.
struct LITELLM_API RateLimits {
  std::optional<double> rpm;  ///< Requests per window; nullopt: learned from headers, if sent.
  std::optional<double> tpm;  ///< Tokens per window; nullopt: learned from headers, if sent.
  /// The window both limits count in: a minute, as the providers count them (tests and the
  /// benchmark use shorter ones). Must be positive.
  std::chrono::milliseconds window{std::chrono::minutes(1)};
  /// True when no limit is set.
  bool empty() const noexcept { return !rpm && !tpm; }
};

/// One limited quantity as a response reports it. Each field is nullopt when not sent (or
/// unusable).
struct LITELLM_API RateWindowReport {
  std::optional<double> limit;      ///< The most the window allows.
  std::optional<double> remaining;  ///< What was left when the response was made.
  /// Time until the budget is whole again (providers refill continuously).
  std::optional<std::chrono::milliseconds> reset;
  /// True when nothing was reported.
  bool empty() const noexcept { return !limit && !remaining && !reset; }
};

/// Everything one response's headers say about the key's rate limits.
struct LITELLM_API RateLimitReport {
  /// Indexed by RateDimension.
  std::array<RateWindowReport, kRateDimensions> windows;

  /// The report for one quantity.
  RateWindowReport& operator[](RateDimension d) noexcept {
    return windows[static_cast<std::size_t>(d)];
  }
  /// The report for one quantity.
  const RateWindowReport& operator[](RateDimension d) const noexcept {
    return windows[static_cast<std::size_t>(d)];
  }
  /// True when no header said anything.
  bool empty() const noexcept {
    for (const auto& w : windows) {
      if (!w.empty()) return false;
    }
    return true;
  }
};

/// Reads the rate-limit headers of one response (see the file comment for the names), resets
/// relative to `now` (Anthropic's are times). Unparsable and negative values are left out.
LITELLM_API RateLimitReport rate_limits_from_headers(
    const Headers& headers,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// True for a header the rate-limit report or the retry wait is read from
/// (`x-ratelimit-*`, `anthropic-ratelimit-*`, `retry-after`, `retry-after-ms`), in any case:
/// the only headers of a successful response that a call keeps.
LITELLM_API bool is_rate_limit_header(std::string_view name) noexcept;

/// The configured limits of an api_infos JSON document (the shapes `api_infos_from_config`
/// reads): each entry's optional `"rpm"` (requests per minute) and `"tpm"` (tokens per minute),
/// beside its ApiInfo fields, as litellm's router deployments carry them. One RateLimits per
/// entry, in order (empty for an entry with neither), ready for `KeyPoolOptions::rate_limits`
/// with the ApiInfos of `api_infos_from_config(config)`; an empty vector when no entry has
/// either. A value must be a positive number, or a string of one (after `${NAME}`
/// substitution); anything else is a `ConfigError` naming the entry and member.
///
/// ```cpp
/// litellm::BackendOptions options;
/// options.key_pool.rate_limits = litellm::rate_limits_from_config(config);
/// litellm::LiteLLMBackend backend(litellm::api_infos_from_config(config), "gpt-4o-mini", {},
///                                 options);
/// ```
LITELLM_API std::vector<RateLimits> rate_limits_from_config(const json& config);

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
