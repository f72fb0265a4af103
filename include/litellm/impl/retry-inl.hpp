#pragma once

#include "litellm/retry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "litellm/detail/civil_date.hpp"

namespace litellm {
namespace detail {

using std::chrono::milliseconds;
using std::chrono::system_clock;

inline constexpr double kMaxHintSeconds = 24.0 * 3600.0;  // every hint is clamped to a day

LITELLM_INLINE milliseconds clamp_seconds(double seconds) {
  if (!(seconds > 0)) return milliseconds(0);  // also NaN
  seconds = std::min(seconds, kMaxHintSeconds);
  return milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
}

LITELLM_INLINE std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

LITELLM_INLINE bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Parses `digits[.digits]` at the front of `s`, advancing it. No sign, no exponent.
LITELLM_INLINE std::optional<double> take_number(std::string_view& s) {
  std::size_t i = 0;
  double value = 0;
  bool any = false;
  while (i < s.size() && is_digit(s[i])) {
    if (value < 1e15) value = value * 10 + (s[i] - '0');
    any = true;
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < s.size() && is_digit(s[i])) {
      value += (s[i] - '0') * scale;
      scale /= 10;
      any = true;
      ++i;
    }
  }
  if (!any) return std::nullopt;
  s.remove_prefix(i);
  return value;
}

/// A number that is the whole of `s`.
LITELLM_INLINE std::optional<double> whole_number(std::string_view s) {
  auto value = take_number(s);
  if (!value || !s.empty()) return std::nullopt;
  return value;
}

/// Parses a fixed count of digits at `s[pos]`.
LITELLM_INLINE std::optional<int> fixed_digits(std::string_view s, std::size_t pos,
                                               std::size_t count) {
  if (pos + count > s.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(s[i])) return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

LITELLM_INLINE std::optional<system_clock::time_point> make_time(int year, int month, int day,
                                                                 int hour, int minute,
                                                                 double second,
                                                                 int offset_minutes = 0) {
  // Years past 2200 are refused: system_clock counts nanoseconds in 64 bits (until 2262), and no
  // server means a wait of centuries.
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second < 0 || second >= 61) {
    return std::nullopt;
  }
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const double total = static_cast<double>(days) * 86400.0 + hour * 3600.0 + minute * 60.0 +
                       second - offset_minutes * 60.0;
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(std::chrono::duration<double>(total)));
}

LITELLM_INLINE int month_from_name(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i) {
    if (iequals(name, kMonths[i])) return i + 1;
  }
  return 0;
}

/// Parses "HH:MM:SS" that is the whole of `token`.
LITELLM_INLINE bool parse_clock(std::string_view token, int& h, int& m, int& s) {
  if (token.size() != 8 || token[2] != ':' || token[5] != ':') return false;
  const auto hh = fixed_digits(token, 0, 2);
  const auto mm = fixed_digits(token, 3, 2);
  const auto ss = fixed_digits(token, 6, 2);
  if (!hh || !mm || !ss) return false;
  h = *hh;
  m = *mm;
  s = *ss;
  return true;
}

LITELLM_INLINE std::optional<int> small_int(std::string_view token) {
  if (token.empty() || token.size() > 4) return std::nullopt;
  return fixed_digits(token, 0, token.size());
}

LITELLM_INLINE milliseconds until(system_clock::time_point when, system_clock::time_point now) {
  const double seconds = std::chrono::duration<double>(when - now).count();
  return clamp_seconds(seconds);
}

struct ResetHeader {
  std::string_view reset;
  std::string_view remaining;
};
inline constexpr ResetHeader kResetHeaders[] = {
    {"x-ratelimit-reset-requests", "x-ratelimit-remaining-requests"},
    {"x-ratelimit-reset-tokens", "x-ratelimit-remaining-tokens"},
    {"anthropic-ratelimit-requests-reset", "anthropic-ratelimit-requests-remaining"},
    {"anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-tokens-remaining"},
    {"anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-input-tokens-remaining"},
    {"anthropic-ratelimit-output-tokens-reset", "anthropic-ratelimit-output-tokens-remaining"},
};

}  // namespace detail

LITELLM_INLINE std::chrono::milliseconds BackoffPolicy::delay(int retry, double u) const noexcept {
  if (retry < 1) retry = 1;
  double ms = static_cast<double>(initial.count()) *
              std::pow(multiplier < 1.0 ? 1.0 : multiplier, std::min(retry - 1, 64));
  ms = std::min(ms, static_cast<double>(maximum.count()));
  const double j = std::clamp(jitter, 0.0, 1.0);
  u = std::clamp(u, 0.0, 1.0);
  ms *= 1.0 - j * u;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::max(0.0, ms)));
}

LITELLM_INLINE std::chrono::milliseconds BackoffPolicy::delay(int retry) const {
  thread_local std::minstd_rand engine{std::random_device{}()};
  return delay(retry, std::uniform_real_distribution<double>(0.0, 1.0)(engine));
}

LITELLM_INLINE std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view value) {
  value = detail::trim(value);
  // Split on spaces, dropping empty tokens (asctime pads the day with a space).
  std::string_view tokens[6];
  std::size_t count = 0;
  while (!value.empty()) {
    const std::size_t space = value.find(' ');
    const std::string_view token = value.substr(0, space);
    if (!token.empty()) {
      if (count == 6) return std::nullopt;
      tokens[count++] = token;
    }
    if (space == std::string_view::npos) break;
    value.remove_prefix(space + 1);
  }
  int h = 0, m = 0, s = 0;
  if (count == 6 && iequals(tokens[5], "GMT") && tokens[0].size() == 4 && tokens[0][3] == ',') {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    const auto day = detail::small_int(tokens[1]);
    const int month = detail::month_from_name(tokens[2]);
    const auto year = detail::small_int(tokens[3]);
    if (!day || !month || !year || tokens[3].size() != 4 ||
        !detail::parse_clock(tokens[4], h, m, s)) {
      return std::nullopt;
    }
    return detail::make_time(*year, month, *day, h, m, s);
  }
  if (count == 4 && iequals(tokens[3], "GMT") && !tokens[0].empty() && tokens[0].back() == ',') {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    const std::string_view date = tokens[1];
    if (date.size() != 9 || date[2] != '-' || date[6] != '-') return std::nullopt;
    const auto day = detail::fixed_digits(date, 0, 2);
    const int month = detail::month_from_name(date.substr(3, 3));
    const auto yy = detail::fixed_digits(date, 7, 2);
    if (!day || !month || !yy || !detail::parse_clock(tokens[2], h, m, s)) return std::nullopt;
    const int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
    return detail::make_time(year, month, *day, h, m, s);
  }
  if (count == 5) {
    // asctime: Sun Nov  6 08:49:37 1994
    const int month = detail::month_from_name(tokens[1]);
    const auto day = detail::small_int(tokens[2]);
    const auto year = detail::small_int(tokens[4]);
    if (!month || !day || !year || tokens[4].size() != 4 ||
        !detail::parse_clock(tokens[3], h, m, s)) {
      return std::nullopt;
    }
    return detail::make_time(*year, month, *day, h, m, s);
  }
  return std::nullopt;
}

LITELLM_INLINE std::optional<std::chrono::system_clock::time_point> parse_rfc3339(
    std::string_view value) {
  value = detail::trim(value);
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (value.size() < 20 || value[4] != '-' || value[7] != '-' || value[13] != ':' ||
      value[16] != ':') {
    return std::nullopt;
  }
  const char t = value[10];
  if (t != 'T' && t != 't' && t != ' ') return std::nullopt;
  const auto year = detail::fixed_digits(value, 0, 4);
  const auto month = detail::fixed_digits(value, 5, 2);
  const auto day = detail::fixed_digits(value, 8, 2);
  const auto hour = detail::fixed_digits(value, 11, 2);
  const auto minute = detail::fixed_digits(value, 14, 2);
  const auto second = detail::fixed_digits(value, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::string_view rest = value.substr(19);
  double seconds = *second;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    double scale = 0.1;
    std::size_t digits = 0;
    while (!rest.empty() && detail::is_digit(rest.front())) {
      seconds += (rest.front() - '0') * scale;
      scale /= 10;
      rest.remove_prefix(1);
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  int offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    const auto oh = detail::fixed_digits(rest, 1, 2);
    const auto om = detail::fixed_digits(rest, 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = (*oh * 60 + *om) * (rest[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  return detail::make_time(*year, *month, *day, *hour, *minute, seconds, offset);
}

LITELLM_INLINE std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = detail::trim(value);
  if (value.empty()) return std::nullopt;
  if (const auto seconds = detail::whole_number(value)) return detail::clamp_seconds(*seconds);
  if (const auto when = parse_http_date(value)) return detail::until(*when, now);
  return std::nullopt;
}

LITELLM_INLINE std::optional<std::chrono::milliseconds> parse_reset_duration(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = detail::trim(value);
  if (value.empty()) return std::nullopt;
  if (const auto seconds = detail::whole_number(value)) return detail::clamp_seconds(*seconds);
  if (const auto when = parse_rfc3339(value)) return detail::until(*when, now);
  // Go duration: one or more <number><unit>.
  double total = 0;
  std::string_view rest = value;
  while (!rest.empty()) {
    const auto number = detail::take_number(rest);
    if (!number) return std::nullopt;
    double unit = 0;
    if (rest.rfind("ms", 0) == 0) {
      unit = 1e-3;
      rest.remove_prefix(2);
    } else if (rest.rfind("us", 0) == 0) {
      unit = 1e-6;
      rest.remove_prefix(2);
    } else if (rest.rfind("\xC2\xB5s", 0) == 0) {  // µs
      unit = 1e-6;
      rest.remove_prefix(3);
    } else if (rest.rfind("ns", 0) == 0) {
      unit = 1e-9;
      rest.remove_prefix(2);
    } else if (!rest.empty() && rest.front() == 'h') {
      unit = 3600;
      rest.remove_prefix(1);
    } else if (!rest.empty() && rest.front() == 'm') {
      unit = 60;
      rest.remove_prefix(1);
    } else if (!rest.empty() && rest.front() == 's') {
      unit = 1;
      rest.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total += *number * unit;
    if (total > detail::kMaxHintSeconds) total = detail::kMaxHintSeconds;
  }
  return detail::clamp_seconds(total);
}

LITELLM_INLINE std::optional<std::chrono::milliseconds> retry_after_from_headers(
    const Headers& headers, std::chrono::system_clock::time_point now) {
  if (const std::string* ms = headers.find("retry-after-ms")) {
    if (const auto value = detail::whole_number(detail::trim(*ms)))
      return detail::clamp_seconds(*value / 1000.0);
  }
  if (const std::string* retry_after = headers.find("retry-after")) {
    if (const auto value = parse_retry_after(*retry_after, now)) return value;
  }
  std::optional<std::chrono::milliseconds> longest_exhausted;
  std::optional<std::chrono::milliseconds> shortest;
  for (const detail::ResetHeader& header : detail::kResetHeaders) {
    const std::string* reset = headers.find(header.reset);
    if (reset == nullptr) continue;
    const auto wait = parse_reset_duration(*reset, now);
    if (!wait) continue;
    if (!shortest || *wait < *shortest) shortest = wait;
    const std::string* remaining = headers.find(header.remaining);
    if (remaining != nullptr && detail::trim(*remaining) == "0") {
      if (!longest_exhausted || *wait > *longest_exhausted) longest_exhausted = wait;
    }
  }
  return longest_exhausted ? longest_exhausted : shortest;
}

}  // namespace litellm
