// When providers' per-day quotas reset: 00:00 UTC by default (OpenAI, Bedrock), 00:00 Pacific
// time for Google's Gemini API ("Requests per day (RPD) quotas reset at midnight Pacific time",
// ai.google.dev/gemini-api/docs/rate-limits). Pacific time is UTC-8, or UTC-7 from the second
// Sunday of March 02:00 local to the first Sunday of November 02:00 local (the US rule since
// 2007), computed here without a time-zone database.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <cstdint>

#include "litellm/detail/civil_date.hpp"

namespace litellm::detail {

/// The next 00:00 UTC after `now` (on any steady clock), when a per-day quota with no wait hint
/// resets.
template <class TimePoint>
TimePoint next_utc_midnight(TimePoint now) {
  const auto wall = std::chrono::system_clock::now();
  const auto since_midnight = wall.time_since_epoch() % std::chrono::hours(24);
  return now + std::chrono::duration_cast<typename TimePoint::duration>(std::chrono::hours(24) -
                                                                        since_midnight);
}

/// The next 00:00 Pacific time strictly after `now`.
inline std::chrono::system_clock::time_point next_pacific_midnight(
    std::chrono::system_clock::time_point now) {
  using std::chrono::hours;
  using std::chrono::seconds;
  constexpr std::int64_t kDay = 86400;
  const std::int64_t t = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
  const std::int64_t utc_day = (t >= 0 ? t : t - kDay + 1) / kDay;
  const std::int64_t year = year_of_day(utc_day);
  // Daylight time, in UTC: from 10:00 on the start Sunday (02:00 PST) to 09:00 on the end Sunday
  // (02:00 PDT).
  const std::int64_t dst_start = nth_sunday(year, 3, 2) * kDay + 10 * 3600;
  const std::int64_t dst_end = nth_sunday(year, 11, 1) * kDay + 9 * 3600;
  const auto offset_at = [&](std::int64_t instant) {
    return instant >= dst_start && instant < dst_end ? -7 * 3600 : -8 * 3600;
  };
  const std::int64_t local = t + offset_at(t);
  const std::int64_t next_local_midnight =
      ((local >= 0 ? local : local - kDay + 1) / kDay + 1) * kDay;
  // The switches happen at 02:00 local, never at midnight: the offset at that midnight is the one
  // in force at the UTC instant it would be in standard time.
  std::int64_t utc = next_local_midnight - offset_at(next_local_midnight + 8 * 3600);
  if (utc <= t) utc += kDay;  // cannot happen, but never go backwards
  return std::chrono::system_clock::time_point(seconds(utc));
}

/// How long from `now` until Google's per-day quotas reset (see next_pacific_midnight).
inline std::chrono::milliseconds until_pacific_midnight(std::chrono::system_clock::time_point now) {
  return std::chrono::ceil<std::chrono::milliseconds>(next_pacific_midnight(now) - now);
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
