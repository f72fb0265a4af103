#include <chrono>
#include <optional>

#include "catch.hpp"
#include "litellm/detail/retry_loop.hpp"
#include "litellm/errors.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/retry.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::system_clock;

namespace {

/// 1994-11-06T08:49:37Z, the RFC 9110 example date: 784111777 s after the epoch.
const system_clock::time_point kExampleDate =
    system_clock::time_point(std::chrono::seconds(784111777));

std::optional<milliseconds> ms(long long value) {
  return milliseconds(value);
}

}  // namespace

TEST_CASE("backoff doubles from the initial delay up to the maximum") {
  const BackoffPolicy policy;  // 0.5 s doubling to 8 s
  CHECK(policy.delay(1, 0.0) == 500ms);
  CHECK(policy.delay(2, 0.0) == 1000ms);
  CHECK(policy.delay(4, 0.0) == 4000ms);
  CHECK(policy.delay(5, 0.0) == 8000ms);
  CHECK(policy.delay(50, 0.0) == 8000ms);
}

TEST_CASE("backoff jitter removes at most its fraction of the delay") {
  const BackoffPolicy policy;  // jitter 0.25
  CHECK(policy.delay(1, 0.999) > 375ms - 1ms);
  CHECK(policy.delay(1, 0.5) == 437ms);
  for (int i = 0; i < 100; ++i) {
    const auto d = policy.delay(3);
    CHECK(d >= 1500ms);
    CHECK(d <= 2000ms);
  }
}

TEST_CASE("Retry-After in seconds, with fractions") {
  CHECK(parse_retry_after("30", kExampleDate) == ms(30000));
  CHECK(parse_retry_after(" 1.5 ", kExampleDate) == ms(1500));
  CHECK(parse_retry_after("0", kExampleDate) == ms(0));
}

TEST_CASE("Retry-After as an HTTP date in each of the three formats") {
  const auto now = kExampleDate - 10s;
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == ms(10000));
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == ms(10000));
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == ms(10000));
}

TEST_CASE("a Retry-After date in the past means no wait") {
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kExampleDate + 1h) == ms(0));
}

TEST_CASE("garbage Retry-After values are ignored") {
  for (const char* bad : {"", "soon", "-5", "1e3", "inf", "nan", "0x10",
                          "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT", "1 2"}) {
    INFO(bad);
    CHECK_FALSE(parse_retry_after(bad, kExampleDate).has_value());
  }
}

TEST_CASE("huge waits are clamped to a day") {
  CHECK(parse_retry_after("99999999999999999999", kExampleDate) == ms(24 * 3600 * 1000LL));
  CHECK(parse_reset_duration("100000h", kExampleDate) == ms(24 * 3600 * 1000LL));
}

TEST_CASE("rate-limit reset durations in Go style, seconds, and RFC 3339") {
  const auto now = kExampleDate;
  CHECK(parse_reset_duration("1s", now) == ms(1000));
  CHECK(parse_reset_duration("6m0s", now) == ms(360000));
  CHECK(parse_reset_duration("20ms", now) == ms(20));
  CHECK(parse_reset_duration("1h2m3.5s", now) == ms(3723500));
  CHECK(parse_reset_duration("250us", now) == ms(1));  // rounded up
  CHECK(parse_reset_duration("0.5", now) == ms(500));
  CHECK(parse_reset_duration("1994-11-06T08:50:07Z", now) == ms(30000));
  CHECK(parse_reset_duration("1994-11-06T09:50:07.5+01:00", now) == ms(30500));
  CHECK_FALSE(parse_reset_duration("5 minutes", now).has_value());
  CHECK_FALSE(parse_reset_duration("1x", now).has_value());
  CHECK_FALSE(parse_reset_duration("s", now).has_value());
}

TEST_CASE("RFC 3339 parsing rejects malformed timestamps") {
  CHECK(parse_rfc3339("1994-11-06T08:49:37Z") == kExampleDate);
  for (const char* bad :
       {"1994-11-06", "1994-11-06T08:49:37", "1994-13-06T08:49:37Z", "1994-11-06T08:49:37.Z",
        "1994-11-06T08:49:37+1:00", "abcd-11-06T08:49:37Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("retry-after-ms wins over Retry-After") {
  const Headers headers{{"Retry-After", "20"}, {"retry-after-ms", "1250"}};
  CHECK(retry_after_from_headers(headers, kExampleDate) == ms(1250));
}

TEST_CASE("Retry-After wins over the rate-limit reset headers") {
  const Headers headers{{"x-ratelimit-reset-requests", "1m"}, {"retry-after", "7"}};
  CHECK(retry_after_from_headers(headers, kExampleDate) == ms(7000));
}

TEST_CASE("the exhausted limit's reset is used when several are sent") {
  const Headers headers{{"x-ratelimit-remaining-requests", "59"},
                        {"x-ratelimit-reset-requests", "1s"},
                        {"x-ratelimit-remaining-tokens", "0"},
                        {"x-ratelimit-reset-tokens", "6m0s"}};
  CHECK(retry_after_from_headers(headers, kExampleDate) == ms(360000));
}

TEST_CASE("without an exhausted limit the shortest reset is used") {
  const Headers headers{{"x-ratelimit-reset-requests", "2s"}, {"x-ratelimit-reset-tokens", "6m0s"}};
  CHECK(retry_after_from_headers(headers, kExampleDate) == ms(2000));
}

TEST_CASE("Anthropic's RFC 3339 reset headers are understood") {
  const Headers headers{{"anthropic-ratelimit-requests-remaining", "0"},
                        {"anthropic-ratelimit-requests-reset", "1994-11-06T08:49:52Z"}};
  CHECK(retry_after_from_headers(headers, kExampleDate) == ms(15000));
}

TEST_CASE("no usable header gives no hint") {
  CHECK_FALSE(retry_after_from_headers(Headers{}, kExampleDate).has_value());
  CHECK_FALSE(
      retry_after_from_headers(Headers{{"retry-after", "later"}}, kExampleDate).has_value());
}

TEST_CASE("header lookups ignore case") {
  const Headers headers{{"RETRY-AFTER-MS", "10"}};
  CHECK(retry_after_from_headers(headers, kExampleDate) == ms(10));
}

TEST_CASE("dates too far in the future are refused rather than overflowing the clock") {
  // Found by fuzz_retry_after: the year 7997 overflowed system_clock's nanoseconds.
  CHECK_FALSE(parse_http_date("Sun Nov  6 08:49:30 7997").has_value());
  CHECK_FALSE(parse_retry_after("Sun Nov  6 08:49:30 7997", kExampleDate).has_value());
  CHECK_FALSE(parse_rfc3339("9999-12-31T23:59:59Z").has_value());
  CHECK(parse_rfc3339("2200-01-01T00:00:00Z").has_value());
}

// ---- The retry loop's policies (detail/retry_loop.hpp) -----------------------------------------

namespace {

using litellm::detail::retry_delay;
using litellm::detail::Verdict;
using litellm::detail::verdict_after;

Verdict verdict(const Error& error, int attempts = 1, bool delivered = false,
                RetryPolicy policy = RetryPolicy{}) {
  return verdict_after(error, KeyOutcome::from_error(error), delivered, attempts, policy);
}

Error with_status(ErrorKind kind, int status, std::optional<milliseconds> retry_after = {},
                  std::optional<bool> should_retry = {}) {
  ErrorDetails details;
  details.http_status = status;
  details.retry_after = retry_after;
  details.should_retry = should_retry;
  return Error(kind, "failed", std::move(details));
}

}  // namespace

TEST_CASE("the retry policy retries what may succeed again, up to max_attempts") {
  CHECK(verdict(with_status(ErrorKind::server, 500)) == Verdict::retry);
  CHECK(verdict(ConnectionError("reset")) == Verdict::retry);
  CHECK(verdict(with_status(ErrorKind::server, 500), 2) == Verdict::retry);
  CHECK(verdict(with_status(ErrorKind::server, 500), 3) == Verdict::give_up);
  CHECK(verdict(with_status(ErrorKind::bad_request, 400)) == Verdict::give_up);
}

TEST_CASE("the retry policy waits out 429s on the budget, apart from max_attempts") {
  const Error limited = with_status(ErrorKind::rate_limit, 429);
  CHECK(verdict(limited) == Verdict::wait_for_budget);
  // However many attempts failed before: a rate limit is not the attempt's failure.
  CHECK(verdict(limited, 3) == Verdict::wait_for_budget);
  RetryPolicy policy;
  policy.max_rate_limit_retries = 2;
  CHECK(verdict_after(limited, KeyOutcome::from_error(limited), false, 1, policy, 1) ==
        Verdict::wait_for_budget);
  CHECK(verdict_after(limited, KeyOutcome::from_error(limited), false, 1, policy, 2) ==
        Verdict::give_up);
  // Not after a chunk reached the caller, nor when the server says not to retry, nor for a wait
  // longer than max_retry_after.
  CHECK(verdict(limited, 1, /*delivered=*/true) == Verdict::give_up);
  CHECK(verdict(with_status(ErrorKind::rate_limit, 429, {}, false)) == Verdict::give_up);
  CHECK(verdict(with_status(ErrorKind::rate_limit, 429, 61s)) == Verdict::give_up);
  // A per-day quota is retried as other failures are (on another key), within max_attempts.
  ErrorDetails daily;
  daily.http_status = 429;
  daily.daily_quota = true;
  CHECK(verdict(RateLimitError("per day", daily)) == Verdict::retry);
  CHECK(verdict(RateLimitError("per day", daily), 3) == Verdict::give_up);
  // Its wait is the reset, hours away and beyond max_retry_after: that key waits, another is
  // tried.
  daily.retry_after = std::chrono::hours(7);
  CHECK(verdict(RateLimitError("per day", daily)) == Verdict::retry);
}

TEST_CASE("the retry policy gives up on what the caller caused or already received") {
  CHECK(verdict(CancelledError("stop")) == Verdict::give_up);
  CHECK(verdict(ConfigError("bad")) == Verdict::give_up);
  CHECK(verdict(with_status(ErrorKind::server, 500), 1, /*delivered=*/true) == Verdict::give_up);
  ErrorDetails stream_total;
  stream_total.error_code = "stream_total";
  CHECK(verdict(TimeoutError("too long", stream_total)) == Verdict::give_up);
}

TEST_CASE("the retry policy rotates a rejected key without counting it as an attempt") {
  CHECK(verdict(with_status(ErrorKind::auth, 401), 3) == Verdict::rotate_key);
  ErrorDetails quota;
  quota.error_code = "insufficient_quota";
  CHECK(verdict(RateLimitError("quota", quota)) == Verdict::rotate_key);
  // x-should-retry: false ends the call even when another key could be tried.
  CHECK(verdict(with_status(ErrorKind::auth, 401, {}, false)) == Verdict::give_up);
}

TEST_CASE("the retry policy follows x-should-retry and refuses waits over max_retry_after") {
  CHECK(verdict(with_status(ErrorKind::bad_request, 400, {}, true)) == Verdict::retry);
  CHECK(verdict(with_status(ErrorKind::server, 503, {}, false)) == Verdict::give_up);
  CHECK(verdict(with_status(ErrorKind::server, 503, 61s)) == Verdict::give_up);
  CHECK(verdict(with_status(ErrorKind::server, 503, 60s)) == Verdict::retry);
}

TEST_CASE("the backoff policy waits the server's hint, else the backoff, never after a 429") {
  const BackoffPolicy backoff{500ms, 2.0, 8000ms, 0.0};
  CHECK(retry_delay(with_status(ErrorKind::server, 503), 2, backoff) == 1000ms);
  CHECK(retry_delay(with_status(ErrorKind::server, 503, 3s), 2, backoff) == 3000ms);
  CHECK(retry_delay(with_status(ErrorKind::rate_limit, 429, 3s), 2, backoff) == 0ms);
}
