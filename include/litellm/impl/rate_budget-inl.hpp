#pragma once

#include "litellm/detail/rate_budget.hpp"

#include <algorithm>
#include <cmath>

namespace litellm::detail {

/// The shortest and longest windows a response can teach.
inline constexpr BudgetDuration kMinRateWindow = std::chrono::milliseconds(10);
inline constexpr BudgetDuration kMaxRateWindow = std::chrono::hours(24);

LITELLM_INLINE double clamp_cost(const TokenBucket& bucket, double cost) noexcept {
  return std::min(cost, bucket.capacity);
}

LITELLM_INLINE void TokenBucket::refill(BudgetTime now) noexcept {
  if (now <= updated) return;
  if (known()) {
    const double elapsed = std::chrono::duration<double>(now - updated).count();
    const double span = std::chrono::duration<double>(window).count();
    level = std::min(capacity, level + capacity * elapsed / span);
  }
  updated = now;
}

LITELLM_INLINE BudgetTime TokenBucket::ready_at(double cost, BudgetTime now) const noexcept {
  if (!known()) return now;
  const double need = clamp_cost(*this, cost) - level;
  if (need <= 0) return now;
  const double seconds = need / capacity * std::chrono::duration<double>(window).count();
  return now + std::chrono::ceil<BudgetDuration>(std::chrono::duration<double>(seconds));
}

LITELLM_INLINE void TokenBucket::reserve(double cost) noexcept {
  level -= cost;
  reserved += cost;
}

LITELLM_INLINE void TokenBucket::settle(double reserved_cost, double actual) noexcept {
  reserved = std::max(0.0, reserved - reserved_cost);
  level += reserved_cost - actual;
  if (known()) level = std::min(level, capacity);
}

LITELLM_INLINE void TokenBucket::observe(const RateWindowReport& report, BudgetTime now) noexcept {
  refill(now);
  if (!configured) {
    const bool was_known = known();
    if (report.limit) {
      capacity = *report.limit;
    } else if (report.remaining && *report.remaining > capacity) {
      capacity = *report.remaining;  // no limit sent (Azure): the most ever left stands for it
    }
    // First news: full but for what the calls in flight hold, lowered by remaining below.
    if (!was_known && known()) level = capacity - reserved;
    if (report.limit && report.remaining && report.reset && *report.remaining < *report.limit) {
      const double deficit = *report.limit - *report.remaining;
      // Too small a deficit says little (rounding of remaining and reset).
      if (deficit >= std::max(1.0, *report.limit * 0.01) && report.reset->count() > 0) {
        const double seconds =
            std::chrono::duration<double>(*report.reset).count() * *report.limit / deficit;
        window =
            std::clamp(std::chrono::ceil<BudgetDuration>(std::chrono::duration<double>(seconds)),
                       kMinRateWindow, kMaxRateWindow);
      }
    }
  }
  if (known() && report.remaining) {
    level = std::min(level, std::min(*report.remaining, capacity) - reserved);
  }
}

LITELLM_INLINE void RateBudget::configure(const RateLimits& limits, BudgetTime now) noexcept {
  const auto set = [&](RateDimension d, const std::optional<double>& limit) {
    if (!limit || !(*limit > 0)) return;
    TokenBucket& bucket = (*this)[d];
    bucket.capacity = *limit;
    bucket.level = *limit;
    bucket.window = limits.window;
    bucket.updated = now;
    bucket.configured = true;
  };
  set(RateDimension::requests, limits.rpm);
  set(RateDimension::tokens, limits.tpm);
}

LITELLM_INLINE void RateBudget::refill(BudgetTime now) noexcept {
  for (TokenBucket& bucket : buckets) bucket.refill(now);
}

LITELLM_INLINE BudgetTime RateBudget::ready_at(const CallCost& cost,
                                               BudgetTime now) const noexcept {
  BudgetTime ready = std::max(now, cooldown_until);
  for (std::size_t i = 0; i < kRateDimensions; ++i) {
    ready = std::max(ready, buckets[i].ready_at(cost.of(static_cast<RateDimension>(i)), now));
  }
  return ready;
}

LITELLM_INLINE void RateBudget::reserve(const CallCost& cost) noexcept {
  for (std::size_t i = 0; i < kRateDimensions; ++i) {
    buckets[i].reserve(cost.of(static_cast<RateDimension>(i)));
  }
  ++in_flight;
}

LITELLM_INLINE void RateBudget::settle(const CallCost& reserved_cost,
                                       const CallCost& actual) noexcept {
  for (std::size_t i = 0; i < kRateDimensions; ++i) {
    const auto d = static_cast<RateDimension>(i);
    buckets[i].settle(reserved_cost.of(d), actual.of(d));
  }
  if (in_flight > 0) --in_flight;
}

LITELLM_INLINE void RateBudget::observe(const RateLimitReport& report, BudgetTime now) noexcept {
  for (std::size_t i = 0; i < kRateDimensions; ++i) {
    buckets[i].observe(report.windows[i], now);
  }
}

}  // namespace litellm::detail
