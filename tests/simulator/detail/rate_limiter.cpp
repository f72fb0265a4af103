#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace litellm::sim::detail {

RateLimiter::RateLimiter(int requests, long long tokens, milliseconds window)
    : requests_(requests), tokens_(static_cast<double>(tokens)), window_(window) {}

RateStanding RateLimiter::standing(double limit, double level) const {
  RateStanding s;
  s.limit = limit;
  s.remaining = static_cast<long long>(std::floor(std::max(0.0, level)));
  const double missing = std::max(0.0, limit - level);
  s.reset = milliseconds(
      static_cast<long long>(std::ceil(missing / limit * static_cast<double>(window_.count()))));
  return s;
}

RateDecision RateLimiter::admit(const std::string& key, double tokens, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, fresh] = keys_.try_emplace(key);
  Buckets& b = it->second;
  if (fresh) {
    b.requests = requests_;
    b.tokens = tokens_;
    b.updated = now;
  }
  const double elapsed = std::chrono::duration<double, std::milli>(now - b.updated).count();
  const double span = static_cast<double>(window_.count());
  if (elapsed > 0) {
    b.requests = std::min(requests_, b.requests + requests_ * elapsed / span);
    b.tokens = std::min(tokens_, b.tokens + tokens_ * elapsed / span);
    b.updated = now;
  }
  // A request larger than a whole bucket waits for a whole one (as providers admit it).
  const double token_cost = std::min(tokens, tokens_);
  double wait_ms = 0;
  if (requests_ > 0 && b.requests < 1) wait_ms = (1 - b.requests) / requests_ * span;
  if (tokens_ > 0 && b.tokens < token_cost) {
    wait_ms = std::max(wait_ms, (token_cost - b.tokens) / tokens_ * span);
  }
  RateDecision decision;
  if (wait_ms > 0) {
    decision.admitted = false;
    decision.retry_after = milliseconds(std::max<long long>(1, std::llround(std::ceil(wait_ms))));
  } else {
    if (requests_ > 0) b.requests -= 1;
    if (tokens_ > 0) b.tokens -= tokens;
  }
  if (requests_ > 0) decision.requests = standing(requests_, b.requests);
  if (tokens_ > 0) decision.tokens = standing(tokens_, b.tokens);
  return decision;
}

namespace {

std::string rfc3339_after(milliseconds wait) {
  const auto when = std::chrono::system_clock::now() + wait;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  const auto ms = std::chrono::duration_cast<milliseconds>(when.time_since_epoch()).count() % 1000;
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(ms));
  return std::string(text) + fraction;
}

void set_standing(httplib::Response& res, Provider provider, const char* what,
                  const RateStanding& s) {
  if (s.limit <= 0) return;
  const std::string limit = std::to_string(static_cast<long long>(s.limit));
  const std::string remaining = std::to_string(s.remaining);
  switch (provider) {
    case Provider::openai:
      res.set_header(std::string("x-ratelimit-limit-") + what, limit);
      res.set_header(std::string("x-ratelimit-remaining-") + what, remaining);
      res.set_header(std::string("x-ratelimit-reset-") + what,
                     std::to_string(s.reset.count()) + "ms");
      break;
    case Provider::azure:
      res.set_header(std::string("x-ratelimit-remaining-") + what, remaining);
      break;
    case Provider::anthropic:
      res.set_header(std::string("anthropic-ratelimit-") + what + "-limit", limit);
      res.set_header(std::string("anthropic-ratelimit-") + what + "-remaining", remaining);
      res.set_header(std::string("anthropic-ratelimit-") + what + "-reset", rfc3339_after(s.reset));
      break;
    case Provider::gemini:
    case Provider::bedrock:
      break;  // Gemini and Bedrock send no rate-limit headers: only their 429s beyond them
  }
}

}  // namespace

void set_rate_limit_headers(httplib::Response& res, Provider provider,
                            const RateDecision& decision) {
  set_standing(res, provider, "requests", decision.requests);
  set_standing(res, provider, "tokens", decision.tokens);
  if (!decision.admitted) {
    const long long ms = decision.retry_after.count();
    res.set_header("retry-after", std::to_string((ms + 999) / 1000));
    res.set_header("retry-after-ms", std::to_string(ms));
  }
}

}  // namespace litellm::sim::detail
