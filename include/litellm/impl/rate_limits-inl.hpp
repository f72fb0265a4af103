#pragma once

#include "litellm/rate_limits.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "litellm/api_info.hpp"
#include "litellm/retry.hpp"

namespace litellm {
namespace detail {

/// The header names of one limited quantity.
struct RateHeaderNames {
  RateDimension dimension;
  std::string_view limit;
  std::string_view remaining;
  std::string_view reset;
};

inline constexpr RateHeaderNames kRateHeaderNames[] = {
    {RateDimension::requests, "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
     "x-ratelimit-reset-requests"},
    {RateDimension::tokens, "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens",
     "x-ratelimit-reset-tokens"},
    {RateDimension::requests, "anthropic-ratelimit-requests-limit",
     "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"},
    {RateDimension::tokens, "anthropic-ratelimit-tokens-limit",
     "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset"},
    {RateDimension::input_tokens, "anthropic-ratelimit-input-tokens-limit",
     "anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset"},
    {RateDimension::output_tokens, "anthropic-ratelimit-output-tokens-limit",
     "anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset"},
};

/// A non-negative finite number that is the whole (trimmed) header value, else nullopt.
LITELLM_INLINE std::optional<double> rate_header_number(const std::string* value) {
  if (value == nullptr) return std::nullopt;
  std::string_view text = *value;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(number) || number < 0) return std::nullopt;
  return number;
}

/// True for an `x-ratelimit-*` or `anthropic-ratelimit-*` field.
LITELLM_INLINE bool is_rate_limit_field(std::string_view name) noexcept {
  constexpr std::string_view kPrefixes[] = {"x-ratelimit-", "anthropic-ratelimit-"};
  for (const std::string_view prefix : kPrefixes) {
    if (name.size() > prefix.size() && iequals(name.substr(0, prefix.size()), prefix)) {
      return true;
    }
  }
  return false;
}

}  // namespace detail

LITELLM_INLINE RateLimitReport rate_limits_from_headers(const Headers& headers,
                                                        std::chrono::system_clock::time_point now) {
  RateLimitReport report;
  // One pass over the fields (a response has a dozen or more; few are rate-limit fields).
  for (const auto& [name, value] : headers) {
    if (!detail::is_rate_limit_field(name)) continue;
    for (const detail::RateHeaderNames& names : detail::kRateHeaderNames) {
      RateWindowReport& window = report[names.dimension];
      if (iequals(name, names.limit)) {
        if (auto limit = detail::rate_header_number(&value); limit && *limit > 0) {
          window.limit = limit;
        }
      } else if (iequals(name, names.remaining)) {
        window.remaining = detail::rate_header_number(&value);
      } else if (iequals(name, names.reset)) {
        window.reset = parse_reset_duration(value, now);
      }
    }
  }
  // Azure sends 0 (and -1, refused as negative) on endpoints that do not count: without a
  // limit, a 0 says nothing.
  for (RateWindowReport& window : report.windows) {
    if (window.remaining && *window.remaining <= 0 && !window.limit) window.remaining.reset();
  }
  return report;
}

LITELLM_INLINE bool is_rate_limit_header(std::string_view name) noexcept {
  return detail::is_rate_limit_field(name) || iequals(name, "retry-after") ||
         iequals(name, "retry-after-ms");
}

namespace detail {

/// An entry's `member` ("rpm" / "tpm"): nullopt when absent or null.
LITELLM_INLINE std::optional<double> configured_limit(const json& entry, const char* member,
                                                      std::size_t index) {
  if (!entry.is_object()) return std::nullopt;
  const auto it = entry.find(member);
  if (it == entry.end() || it->is_null()) return std::nullopt;
  std::optional<double> value;
  if (it->is_number()) {
    value = it->get<double>();
  } else if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    char* end = nullptr;
    const double parsed = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size()) value = parsed;
  }
  if (!value || !std::isfinite(*value) || *value <= 0) {
    throw ConfigError("api_infos[" + std::to_string(index) + "]." + member +
                      " must be a positive number, got " +
                      (it->is_string() ? "'" + it->get<std::string>() + "'" : it->dump()));
  }
  return value;
}

}  // namespace detail

LITELLM_INLINE std::vector<RateLimits> rate_limits_from_config(const json& config) {
  const std::vector<json> entries = detail::api_info_entries(config);
  std::vector<RateLimits> out(entries.size());
  bool any = false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    out[i].rpm = detail::configured_limit(entries[i], "rpm", i);
    out[i].tpm = detail::configured_limit(entries[i], "tpm", i);
    any = any || !out[i].empty();
  }
  if (!any) out.clear();
  return out;
}

}  // namespace litellm
