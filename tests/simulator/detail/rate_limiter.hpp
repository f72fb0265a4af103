// The simulator's per-key rate limits, as the providers apply them: a token bucket per key for
// requests and one for tokens, each holding its limit and refilled continuously over the window
// (a limit of N per window refills N/window; a bucket is whole again `reset` after it was
// drawn down). A request is admitted when both buckets hold its cost (1 request; its prompt and
// completion tokens), which it then takes; else it is answered 429 with the wait until they do.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <httplib.h>

#include "exchange.hpp"

namespace litellm::sim::detail {

/// One quantity's standing after an admission decision.
struct RateStanding {
  double limit = 0;         ///< Per window (0: not limited).
  long long remaining = 0;  ///< Whole units left.
  milliseconds reset{0};    ///< Until the bucket is whole again.
};

/// What the limiter decided for one request.
struct RateDecision {
  bool admitted = true;
  milliseconds retry_after{0};  ///< When refused: until both buckets hold the cost.
  RateStanding requests;
  RateStanding tokens;
};

/// Per-key token buckets for requests and tokens. Thread-safe.
class RateLimiter {
 public:
  /// `requests` / `tokens` per `window` per key; 0: that quantity is not limited.
  RateLimiter(int requests, long long tokens, milliseconds window);

  /// True when anything is limited.
  bool active() const noexcept { return requests_ > 0 || tokens_ > 0; }
  /// Admits (and charges) or refuses a request of `tokens` tokens made with `key`.
  RateDecision admit(const std::string& key, double tokens, Clock::time_point now);

 private:
  struct Buckets {
    double requests = 0;
    double tokens = 0;
    Clock::time_point updated;
  };
  RateStanding standing(double limit, double level) const;

  double requests_;
  double tokens_;
  milliseconds window_;
  std::mutex mutex_;
  std::map<std::string, Buckets> keys_;
};

/// Sets the rate-limit headers of `provider` for `decision` (OpenAI: x-ratelimit-{limit,
/// remaining,reset}-{requests,tokens}; Azure: x-ratelimit-remaining-*; Anthropic:
/// anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}, resets as RFC 3339 times),
/// and, when refused, `retry-after` and `retry-after-ms`.
void set_rate_limit_headers(httplib::Response& res, Provider provider,
                            const RateDecision& decision);

}  // namespace litellm::sim::detail
