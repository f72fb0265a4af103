// Civil (proleptic Gregorian) dates as days since 1970-01-01, after H. Hinnant's public-domain
// date algorithms: for HTTP dates (Retry-After) and for providers' daily quota resets.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstdint>

namespace litellm::detail {

/// Days since 1970-01-01 of a civil (proleptic Gregorian) date.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The year of a day counted since 1970-01-01.
constexpr std::int64_t year_of_day(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  return static_cast<std::int64_t>(yoe) + era * 400 + (mp >= 10 ? 1 : 0);
}

/// The day (since 1970-01-01) of the `n`-th Sunday (1-based) of month `m` of year `y`.
constexpr std::int64_t nth_sunday(std::int64_t y, unsigned m, unsigned n) noexcept {
  const std::int64_t first = days_from_civil(y, m, 1);
  const std::int64_t weekday = ((first % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday (4)
  return first + (7 - weekday) % 7 + 7 * (n - 1);
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
