// Rate budgets: the headers they learn from, the cost estimates, and the key pool's pacing per
// key and model (fake clock, no sleeping).
#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "litellm/api_info.hpp"
#include "litellm/call_cost.hpp"
#include "litellm/detail/daily_reset.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/rate_limits.hpp"

using namespace litellm;
using namespace std::chrono_literals;

namespace {

ApiInfo budget_key(int i) {
  return ApiInfo{"openai", std::nullopt, "sk-test-budget-00000000000000" + std::to_string(i),
                 std::nullopt};
}

std::vector<ApiInfo> budget_keys(int count) {
  std::vector<ApiInfo> out;
  for (int i = 0; i < count; ++i) out.push_back(budget_key(i));
  return out;
}

struct BudgetFixture {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<KeyRegistry> registry = std::make_shared<KeyRegistry>(clock);

  KeyPool pool(int count, std::vector<RateLimits> limits = {}) {
    KeyPoolOptions options;
    options.wait_per_key = 0s;
    options.rate_limits = std::move(limits);
    return KeyPool(budget_keys(count), options, registry);
  }
};

KeyDemand demand(double input, double output, std::string model = "gpt-test") {
  KeyDemand d;
  d.cost.input_tokens = input;
  d.cost.output_tokens = output;
  d.model_for = [model](const ApiInfo&) { return model; };
  return d;
}

/// A pool's wait_per_key of 0 still needs time to pass between two uses of a key ("strictly
/// more than the wait"): each take moves the fake clock by 1 ms first.
std::optional<KeyLease> take(BudgetFixture& f, KeyPool& pool, const KeyDemand& d,
                             std::chrono::milliseconds* retry_after = nullptr) {
  f.clock->advance(1ms);
  return pool.try_acquire(retry_after, &d);
}

RateLimits limits(std::optional<double> rpm, std::optional<double> tpm,
                  std::chrono::milliseconds window = 1000ms) {
  RateLimits l;
  l.rpm = rpm;
  l.tpm = tpm;
  l.window = window;
  return l;
}

const ModelBudgetSnapshot* model_of(const KeyStateSnapshot& s, const std::string& model) {
  for (const auto& m : s.models) {
    if (m.model == model) return &m;
  }
  return nullptr;
}

}  // namespace

// ---- headers -----------------------------------------------------------------------------------

TEST_CASE("OpenAI's rate-limit headers are read with their Go-duration resets") {
  const Headers headers{
      {"X-RateLimit-Limit-Requests", "5000"},     {"x-ratelimit-remaining-requests", "4999"},
      {"x-ratelimit-reset-requests", "12ms"},     {"x-ratelimit-limit-tokens", "160000"},
      {"x-ratelimit-remaining-tokens", "159972"}, {"x-ratelimit-reset-tokens", "4m12.172s"},
      {"content-type", "application/json"}};
  const RateLimitReport r = rate_limits_from_headers(headers);
  CHECK(r[RateDimension::requests].limit == 5000);
  CHECK(r[RateDimension::requests].remaining == 4999);
  CHECK(r[RateDimension::requests].reset == 12ms);
  CHECK(r[RateDimension::tokens].limit == 160000);
  CHECK(r[RateDimension::tokens].remaining == 159972);
  CHECK(r[RateDimension::tokens].reset == 252172ms);
  CHECK(r[RateDimension::input_tokens].empty());
  CHECK_FALSE(r.empty());
}

TEST_CASE("Azure's remaining-only headers: -1, and 0 without a limit, mean unknown") {
  CHECK(rate_limits_from_headers({{"x-ratelimit-remaining-requests", "-1"}}).empty());
  CHECK(rate_limits_from_headers({{"x-ratelimit-remaining-tokens", "0"}}).empty());
  const RateLimitReport r = rate_limits_from_headers(
      {{"x-ratelimit-remaining-requests", "59"}, {"x-ratelimit-remaining-tokens", "abc"}});
  CHECK(r[RateDimension::requests].remaining == 59);
  CHECK_FALSE(r[RateDimension::requests].limit);
  CHECK(r[RateDimension::tokens].empty());
  // With a limit, 0 is real.
  CHECK(rate_limits_from_headers({{"x-ratelimit-limit-requests", "3"},
                                  {"x-ratelimit-remaining-requests", "0"}})[RateDimension::requests]
            .remaining == 0);
}

TEST_CASE("Anthropic's rate-limit headers are read with their RFC 3339 resets") {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1714564800));
  const Headers headers{{"anthropic-ratelimit-requests-limit", "50"},
                        {"anthropic-ratelimit-requests-remaining", "49"},
                        {"anthropic-ratelimit-requests-reset", "2024-05-01T12:00:01.5Z"},
                        {"anthropic-ratelimit-input-tokens-limit", "40000"},
                        {"anthropic-ratelimit-input-tokens-remaining", "39000"},
                        {"anthropic-ratelimit-output-tokens-limit", "8000"},
                        {"anthropic-ratelimit-output-tokens-remaining", "7990"},
                        {"anthropic-ratelimit-tokens-limit", "48000"}};
  const RateLimitReport r = rate_limits_from_headers(headers, now);
  CHECK(r[RateDimension::requests].limit == 50);
  CHECK(r[RateDimension::requests].reset == 1500ms);
  CHECK(r[RateDimension::input_tokens].remaining == 39000);
  CHECK(r[RateDimension::output_tokens].limit == 8000);
  CHECK(r[RateDimension::tokens].limit == 48000);
  CHECK(is_rate_limit_header("Anthropic-RateLimit-Tokens-Limit"));
  CHECK(is_rate_limit_header("retry-after-ms"));
  CHECK_FALSE(is_rate_limit_header("x-request-id"));
}

// ---- costs -------------------------------------------------------------------------------------

TEST_CASE("a chat call's cost is its prompt at 4 bytes a token plus max_tokens times n") {
  const json params = {
      {"messages", json::array({json{{"role", "system"}, {"content", "abcd"}},
                                json{{"role", "user"}, {"content", std::string(400, 'x')}}})},
      {"max_tokens", 50},
      {"n", 2}};
  const CallCost cost = estimate_chat_cost(params);
  CHECK(cost.requests == 1);
  CHECK(cost.input_tokens == 3 + (4 + 1) + (4 + 100));
  CHECK(cost.output_tokens == 100);
  // max_completion_tokens wins; none: the documented default.
  CHECK(estimate_chat_cost({{"max_completion_tokens", 7}, {"max_tokens", 50}}).output_tokens == 7);
  CHECK(estimate_chat_cost(json::object()).output_tokens == kDefaultCompletionTokensEstimate);
  CHECK(estimate_chat_cost(json("not an object")).input_tokens == 0);
  CHECK(estimate_embedding_cost({{"input", json::array({"abcdefgh", "abcd"})}}).input_tokens == 3);
}

TEST_CASE("the actual cost is read from usage, parsed or not") {
  const std::string body =
      R"({"id":"x","choices":[{"message":{"content":"usage"}}],)"
      R"("usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}})";
  const auto parsed = cost_from_usage(json::parse(body));
  const auto text = cost_from_usage_text(body);
  REQUIRE(parsed);
  REQUIRE(text);
  CHECK(parsed->input_tokens == 12);
  CHECK(parsed->output_tokens == 30);
  CHECK(text->input_tokens == 12);
  CHECK(text->output_tokens == 30);
  const auto embedding = cost_from_usage_text(R"({"usage":{"prompt_tokens":8,"total_tokens":8}})");
  REQUIRE(embedding);
  CHECK(embedding->tokens() == 8);
  CHECK_FALSE(cost_from_usage_text(R"({"choices":[]})"));
  CHECK_FALSE(cost_from_usage_text(R"({"usage":{"prompt_tokens":)"));
}

// ---- pacing ------------------------------------------------------------------------------------

TEST_CASE("a configured budget paces calls and refills continuously") {
  BudgetFixture f;
  KeyPool pool = f.pool(1, {limits(2, std::nullopt, 1000ms)});
  const KeyDemand d = demand(10, 10);
  auto first = take(f, pool, d);
  auto second = take(f, pool, d);
  REQUIRE(first);
  REQUIRE(second);
  std::chrono::milliseconds retry_after{0};
  CHECK_FALSE(take(f, pool, d, &retry_after));
  // One request refills in half the window (2 ms of it already passed).
  CHECK(retry_after == 498ms);
  // Without a demand the budget is not consulted (as before budgets).
  f.clock->advance(1ms);
  CHECK(pool.try_acquire());
  f.clock->advance(490ms);
  CHECK_FALSE(take(f, pool, d));
  f.clock->advance(10ms);
  CHECK(take(f, pool, d));
}

TEST_CASE("calls in flight reserve their cost, and the answer's usage settles it") {
  BudgetFixture f;
  KeyPool pool = f.pool(1, {limits(std::nullopt, 1000, 1000ms)});
  const KeyDemand d = demand(100, 300);  // 400 tokens each
  auto a = take(f, pool, d);
  auto b = take(f, pool, d);
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(take(f, pool, d));  // ~200 left: the two in flight hold 800
  KeyOutcome done = KeyOutcome::success();
  done.usage = CallCost{1, 100, 20};  // spent 120 of its 400
  a->report(done);
  auto c = take(f, pool, d);  // ~480 left
  CHECK(c);
  const auto snapshot = pool.snapshot();
  const ModelBudgetSnapshot* m = model_of(snapshot[0], "gpt-test");
  REQUIRE(m);
  const auto& tokens = m->windows[static_cast<std::size_t>(RateDimension::tokens)];
  CHECK(tokens.limit == 1000);
  CHECK(tokens.configured);
  CHECK(tokens.reserved == 800);
  CHECK(tokens.remaining == Approx(83));  // 1000 - 800 - 120 + 3 ms of refill
  CHECK(m->in_flight == 2);
}

TEST_CASE("limits are learned from the headers: capacity, window and what remains") {
  BudgetFixture f;
  KeyPool pool = f.pool(2);
  const KeyDemand d = demand(10, 10);
  auto lease = take(f, pool, d);
  REQUIRE(lease);
  CHECK(lease->api_info() == budget_key(0));
  KeyOutcome done = KeyOutcome::success();
  // 3 per window; 0 left, whole again in 2 s: the window is 2 s.
  done.limits[RateDimension::requests] = {3.0, 0.0, 2000ms};
  lease->report(done);
  // Key 0 has nothing left for this model; key 1 is unknown (not paced) and goes.
  auto next = take(f, pool, d);
  REQUIRE(next);
  CHECK(next->api_info() == budget_key(1));
  next->report(KeyOutcome::success());
  std::chrono::milliseconds retry_after{0};
  // Key 1 answered without headers: still unknown, so it stays ready.
  auto third = take(f, pool, d, &retry_after);
  REQUIRE(third);
  CHECK(third->api_info() == budget_key(1));
  const auto snapshot = pool.snapshot();
  const ModelBudgetSnapshot* m = model_of(snapshot[0], "gpt-test");
  REQUIRE(m);
  const auto& requests = m->windows[static_cast<std::size_t>(RateDimension::requests)];
  CHECK(requests.limit == 3);
  CHECK(requests.window == 2000ms);
  CHECK_FALSE(requests.configured);
  CHECK(requests.reset_in == 1998ms);  // 2 ms refilled since
  // Another model on the same key has a budget of its own (unknown yet).
  const KeyDemand other = demand(10, 10, "other-model");
  third->report(KeyOutcome::success());
  auto other_lease = take(f, pool, other);
  REQUIRE(other_lease);
  CHECK(other_lease->api_info() == budget_key(0));
}

TEST_CASE("a 429 cools only the key and model it came for, and returns the reservation") {
  BudgetFixture f;
  KeyPool pool = f.pool(1, {limits(std::nullopt, 1000)});
  const KeyDemand a = demand(100, 100, "model-a");
  const KeyDemand b = demand(100, 100, "model-b");
  auto lease = take(f, pool, a);
  REQUIRE(lease);
  lease->report(KeyOutcome::rate_limited(5s));
  std::chrono::milliseconds retry_after{0};
  CHECK_FALSE(take(f, pool, a, &retry_after));
  CHECK(retry_after == 4999ms);
  auto on_b = take(f, pool, b);
  CHECK(on_b);
  const auto snapshot = pool.snapshot();
  const ModelBudgetSnapshot* m = model_of(snapshot[0], "model-a");
  REQUIRE(m);
  CHECK(m->rate_limits == 1);
  CHECK(m->cooldown_left == 4998ms);
  // The 429 was not counted by the provider: the whole budget is back.
  CHECK(m->windows[static_cast<std::size_t>(RateDimension::tokens)].remaining == 1000);
  CHECK(m->windows[static_cast<std::size_t>(RateDimension::tokens)].reserved == 0);
  CHECK(snapshot[0].cooldown_left == 4998ms);
}

TEST_CASE("a per-day quota takes the key and model out until its reset") {
  BudgetFixture f;
  KeyPool pool = f.pool(2);
  const KeyDemand d = demand(1, 1);
  auto first = take(f, pool, d);
  REQUIRE(first);
  KeyOutcome daily = KeyOutcome::rate_limited(std::chrono::hours(3), "per day");
  daily.daily_quota = true;
  first->report(daily);  // longer than max_cooldown (10 min): a daily reset is honoured whole
  auto second = take(f, pool, d);
  REQUIRE(second);
  CHECK(second->api_info() == budget_key(1));
  second->report(daily);
  try {
    (void)take(f, pool, d);
    FAIL("expected RateLimitError");
  } catch (const RateLimitError& e) {
    CHECK(e.is_daily_quota());
    REQUIRE(e.retry_after());
    CHECK(*e.retry_after() > std::chrono::minutes(179));
  }
  f.clock->advance(std::chrono::hours(3));
  CHECK(take(f, pool, d));
}

TEST_CASE("configured limits are checked") {
  BudgetFixture f;
  CHECK_THROWS_AS(f.pool(2, {limits(10, 10)}), ConfigError);  // one per key
  CHECK_THROWS_AS(f.pool(1, {limits(-1, std::nullopt)}), ConfigError);
  CHECK_THROWS_AS(f.pool(1, {limits(1, std::nullopt, 0ms)}), ConfigError);
  CHECK_NOTHROW(f.pool(2, {limits(10, 10), RateLimits{}}));
}

TEST_CASE("the api_infos JSON's rpm and tpm configure the pool's budgets") {
  const json config = json::parse(R"({"api_infos": [
    {"backend_used": "openai", "api_key": "sk-test-budget-000000000000000", "rpm": 2},
    {"backend_used": "openai", "api_key": "sk-test-budget-000000000000001", "tpm": "1500.5"},
    {"backend_used": "openai", "api_key": "sk-test-budget-000000000000002"}]})");
  const std::vector<RateLimits> configured = rate_limits_from_config(config);
  REQUIRE(configured.size() == 3);
  CHECK(configured[0].rpm == 2.0);
  CHECK_FALSE(configured[0].tpm);
  CHECK_FALSE(configured[1].rpm);
  CHECK(configured[1].tpm == 1500.5);
  CHECK(configured[2].empty());
  CHECK(configured[0].window == std::chrono::minutes(1));

  // The limits pace the pool built from the same document: two requests a minute on key 0.
  BudgetFixture f;
  KeyPoolOptions options;
  options.wait_per_key = 0s;
  options.rate_limits = configured;
  KeyPool pool(api_infos_from_config(config), options, f.registry);
  const KeyDemand d = demand(10, 10);
  int on_first_key = 0;
  for (int i = 0; i < 6; ++i) {
    auto lease = take(f, pool, d);
    REQUIRE(lease);
    if (lease->api_info().api_key.back() == '0') ++on_first_key;
    lease->report(KeyOutcome::success());
  }
  CHECK(on_first_key == 2);
  const auto snapshot = pool.snapshot();
  const ModelBudgetSnapshot* first = model_of(snapshot[0], "gpt-test");
  REQUIRE(first);
  const auto& requests = first->windows[static_cast<std::size_t>(RateDimension::requests)];
  REQUIRE(requests.limit);
  CHECK(*requests.limit == 2.0);
  CHECK(requests.configured);
}

TEST_CASE("the api_infos JSON's rpm and tpm are checked, and may be absent") {
  CHECK(rate_limits_from_config(json::parse(R"([{"backend_used": "openai", "api_key": "k"}])"))
            .empty());
  for (const char* bad : {R"([{"rpm": 0}])", R"([{"rpm": -5}])", R"([{"tpm": "fast"}])",
                          R"([{"tpm": true}])", R"([{"rpm": [1]}])"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(rate_limits_from_config(json::parse(bad)), ConfigError);
  }
  CHECK_THROWS_WITH(rate_limits_from_config(json::parse(R"([{}, {"tpm": "fast"}])")),
                    Catch::Contains("api_infos[1].tpm"));
}

TEST_CASE("many threads never overspend a budget window", "[concurrency]") {
  BudgetFixture f;
  constexpr double kTokens = 1000;  // per 1 s window
  KeyPool pool = f.pool(1, {limits(std::nullopt, kTokens, 1000ms)});
  constexpr int kThreads = 8;
  constexpr int kCallsEach = 12;
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, double>> spent;  // when, how much
  std::atomic<int> live{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        const KeyDemand d = demand(50 + 10 * t, 100);  // 150 to 220 tokens
        KeyLease lease = pool.acquire_until(Clock::time_point::max(), {}, &d);
        {
          std::lock_guard<std::mutex> guard(mutex);
          spent.emplace_back(lease.acquired_at(), d.cost.tokens());
        }
        KeyOutcome done = KeyOutcome::success();
        done.usage = d.cost;
        lease.report(done);
      }
      --live;
    });
  }
  while (live.load() > 0) {
    if (f.clock->wait_for_waiters(static_cast<std::size_t>(live.load()), 50ms)) {
      f.clock->advance(10ms);
    }
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(spent.size() == kThreads * kCallsEach);
  std::sort(spent.begin(), spent.end());
  // A bucket of kTokens refilled at kTokens per second: over any span of L seconds no more than
  // kTokens * (1 + L) may start.
  for (std::size_t i = 0; i < spent.size(); ++i) {
    double sum = 0;
    for (std::size_t j = i; j < spent.size(); ++j) {
      sum += spent[j].second;
      const double span = std::chrono::duration<double>(spent[j].first - spent[i].first).count();
      INFO("from call " << i << " to " << j);
      REQUIRE(sum <= kTokens * (1 + span) + 1e-6);
    }
  }
  // And the budget was used: the calls took about as long as the budget allows, not longer.
  const double total_span =
      std::chrono::duration<double>(spent.back().first - spent.front().first).count();
  double total = 0;
  for (const auto& s : spent) total += s.second;
  CHECK(total_span <= (total - kTokens) / kTokens + 0.5);
}

TEST_CASE("Google's per-day quotas reset at 00:00 Pacific time, across daylight saving") {
  using std::chrono::system_clock;
  // (now, the next Pacific midnight), both in UTC seconds, worked out by hand.
  const std::pair<std::int64_t, std::int64_t> cases[] = {
      {1796328000, 1796371200},  // 2026-12-03 20:00 UTC, 12:00 PST -> 12-04 08:00 UTC
      {1796371199, 1796371200},  // one second before midnight PST
      {1796371200, 1796457600},  // midnight itself: the next one, a day later
      {1782885600, 1782889200},  // 2026-07-01 06:00 UTC, 23:00 PDT -> 07:00 UTC
      {1772958600, 1773039600},  // 2026-03-08 00:30 PST, the day PDT starts -> 03-09 07:00 UTC
      {1793521800, 1793606400},  // 2026-11-01 01:30 PDT, the day PST returns -> 11-02 08:00 UTC
      {1798759800, 1798790400},  // 2026-12-31 15:30 PST -> 2027-01-01 08:00 UTC
      {1709208000, 1709280000},  // 2024-02-29 04:00 PST (leap day) -> 03-01 08:00 UTC
  };
  for (const auto& [now, reset] : cases) {
    INFO(now);
    const system_clock::time_point at{std::chrono::seconds(now)};
    CHECK(detail::next_pacific_midnight(at) ==
          system_clock::time_point{std::chrono::seconds(reset)});
    CHECK(detail::until_pacific_midnight(at) == std::chrono::seconds(reset - now));
  }
}
