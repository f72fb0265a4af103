// The rate budget of one key and model: a token bucket per limited quantity (requests, tokens,
// input and output tokens), refilled continuously as the providers refill theirs (and as the
// OpenAI cookbook's parallel request processor paces), with the calls in flight holding
// reservations. Plain data and pure steps, so that a shared key-state store can hold it too.
//
// How a bucket learns, from each response's rate-limit report (rate_limits.hpp):
// - its capacity from the limit header (a configured limit is kept: headers never raise it);
//   without a limit header (Azure), the largest remaining seen stands for it;
// - its window (capacity / refill rate) from limit, remaining and reset: a budget short of
//   (limit - remaining) refills in `reset`, so the whole refills in reset * limit /
//   (limit - remaining). Until a response says otherwise (or when configured), a minute;
// - its level from remaining: the level becomes at most remaining minus what the other calls in
//   flight hold. Those may already be counted by the provider, so the level may be low by that
//   much, which only delays a call: it never makes one overspend. The level is never raised by
//   a header (a late response can carry an old remaining).
// A reservation is settled when the call ends: with the actual usage after a success, returned
// whole after a 429 (the provider did not count the call), kept after other failures.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <cstdint>
#include <string>

#include <chrono>

#include "litellm/call_cost.hpp"
#include "litellm/rate_limits.hpp"

namespace litellm::detail {

/// The key pool's time (Clock in key_pool.hpp, which includes this file).
using BudgetTime = std::chrono::steady_clock::time_point;
using BudgetDuration = std::chrono::steady_clock::duration;

/// One limited quantity's bucket.
struct TokenBucket {
  double capacity = 0;  ///< The most it holds; 0: not known (the quantity is not paced).
  double level = 0;     ///< What remains now (negative: overdrawn by reservations).
  double reserved = 0;  ///< What calls in flight hold.
  BudgetDuration window = std::chrono::minutes(1);  ///< Time to refill from empty.
  BudgetTime updated{};                             ///< When `level` was last refilled.
  bool configured = false;                          ///< Capacity and window from options.

  bool known() const noexcept { return capacity > 0; }
  /// Adds what refilled since `updated`.
  void refill(BudgetTime now) noexcept;
  /// When `cost` (at most the capacity) is available, given a refilled bucket: `now` if it is.
  BudgetTime ready_at(double cost, BudgetTime now) const noexcept;
  /// Takes a call's share.
  void reserve(double cost) noexcept;
  /// Ends a reservation of `reserved` that spent `actual`.
  void settle(double reserved_cost, double actual) noexcept;
  /// Learns from one response's report of this quantity (see the file comment).
  void observe(const RateWindowReport& report, BudgetTime now) noexcept;
};

/// The budget of one key and model.
struct RateBudget {
  std::array<TokenBucket, kRateDimensions> buckets;
  BudgetTime cooldown_until{};  ///< After a 429 on this model.
  int consecutive_rate_limits = 0;
  std::uint64_t rate_limits = 0;  ///< 429s received.
  bool daily_quota = false;       ///< The cooldown waits for a per-day quota's reset.
  int in_flight = 0;              ///< Calls holding a reservation.

  TokenBucket& operator[](RateDimension d) noexcept { return buckets[static_cast<std::size_t>(d)]; }
  const TokenBucket& operator[](RateDimension d) const noexcept {
    return buckets[static_cast<std::size_t>(d)];
  }

  /// Sets configured limits (empty: nothing), starting full at `now`.
  void configure(const RateLimits& limits, BudgetTime now) noexcept;
  /// Refills every bucket.
  void refill(BudgetTime now) noexcept;
  /// When a call of `cost` may start, given refilled buckets (the cooldown included).
  BudgetTime ready_at(const CallCost& cost, BudgetTime now) const noexcept;
  /// Takes a call's share.
  void reserve(const CallCost& cost) noexcept;
  /// Ends a reservation.
  void settle(const CallCost& reserved_cost, const CallCost& actual) noexcept;
  /// Learns from one response's report.
  void observe(const RateLimitReport& report, BudgetTime now) noexcept;
};

/// `cost` without what no known bucket limits (so a call larger than a budget waits for a full
/// bucket, not forever).
double clamp_cost(const TokenBucket& bucket, double cost) noexcept;

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
