#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "litellm/backend.hpp"
#include "litellm/key_pool.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;

using litellm::test::contains;
namespace {

ApiInfo key(int i) {
  return ApiInfo{"openai", std::nullopt, "sk-test-key-pool-000000000000" + std::to_string(i),
                 std::nullopt};
}

std::vector<ApiInfo> keys(int count) {
  std::vector<ApiInfo> out;
  for (int i = 0; i < count; ++i) out.push_back(key(i));
  return out;
}

/// A private registry on a fake clock, and a pool on it.
struct Fixture {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<KeyRegistry> registry = std::make_shared<KeyRegistry>(clock);

  KeyPool pool(int count, Clock::duration wait) {
    KeyPoolOptions options;
    options.wait_per_key = wait;
    return KeyPool(keys(count), options, registry);
  }
};

int index_of(const ApiInfo& info) {
  for (int i = 0; i < 64; ++i) {
    if (info == key(i)) return i;
  }
  return -1;
}

}  // namespace

TEST_CASE("keys never used are handed out in the order given") {
  Fixture f;
  KeyPool pool = f.pool(3, 10s);
  CHECK(index_of(pool.get_key()) == 0);
  CHECK(index_of(pool.get_key()) == 1);
  CHECK(index_of(pool.get_key()) == 2);
}

TEST_CASE("the least recently used ready key is chosen") {
  Fixture f;
  KeyPool pool = f.pool(3, 10s);
  pool.get_key();  // key 0 at t
  f.clock->advance(1s);
  pool.get_key();  // key 1 at t+1
  f.clock->advance(1s);
  pool.get_key();  // key 2 at t+2
  f.clock->advance(20s);
  CHECK(index_of(pool.get_key()) == 0);
  CHECK(index_of(pool.get_key()) == 1);
  CHECK(index_of(pool.get_key()) == 2);
}

TEST_CASE("keys used at the same instant tie to the first given") {
  Fixture f;
  KeyPool pool = f.pool(3, 10s);
  pool.get_key();
  pool.get_key();
  pool.get_key();  // all three stamped at the same time
  f.clock->advance(11s);
  CHECK(index_of(pool.get_key()) == 0);
}

TEST_CASE("a key is ready only when strictly more than the wait has passed") {
  Fixture f;
  KeyPool pool = f.pool(1, 6s);
  pool.get_key();
  f.clock->advance(6s);
  CHECK_FALSE(pool.try_get_key().has_value());
  f.clock->advance(Clock::duration(1));
  CHECK(pool.try_get_key().has_value());
}

TEST_CASE("a zero wait hands the same key out again at once") {
  Fixture f;
  KeyPool pool = f.pool(1, 0s);
  pool.get_key();
  f.clock->advance(Clock::duration(1));
  CHECK(pool.try_get_key().has_value());
}

TEST_CASE("two pools given the same key share its timer") {
  Fixture f;
  KeyPool a = f.pool(1, 6s);
  KeyPool b = f.pool(1, 6s);
  a.get_key();
  CHECK_FALSE(b.try_get_key().has_value());
  f.clock->advance(7s);
  CHECK(b.try_get_key().has_value());
  CHECK_FALSE(a.try_get_key().has_value());
}

TEST_CASE("two backends given the same key share its timer through the global registry") {
  const ApiInfo shared{"openai", std::nullopt, "sk-shared-by-two-backends-0001", std::nullopt};
  LiteLLMBackend first({shared}, "gpt-4o-mini", json{{"wait_time_per_key", 3600}});
  LiteLLMBackend second({shared}, "gpt-4o-mini", json{{"wait_time_per_key", 3600}});
  CHECK(first.get_key() == shared);
  CHECK_FALSE(second.key_pool().try_get_key().has_value());
}

TEST_CASE("a rate-limited key cools down for the server's retry_after") {
  Fixture f;
  KeyPool pool = f.pool(1, 1s);
  const ApiInfo k = pool.get_key();
  pool.report(k, KeyOutcome::rate_limited(10s));
  f.clock->advance(5s);
  CHECK_FALSE(pool.try_get_key().has_value());
  CHECK(pool.snapshot()[0].cooldown_left == 5s);
  f.clock->advance(5s);
  CHECK(pool.try_get_key().has_value());
}

TEST_CASE("a rate limit without a hint cools down by the backoff policy, doubling") {
  Fixture f;
  KeyPool pool = f.pool(1, 0s);
  const ApiInfo k = pool.get_key();
  pool.report(k, KeyOutcome::rate_limited());
  CHECK(pool.snapshot()[0].cooldown_left == 1s);
  f.clock->advance(1s);
  pool.get_key();
  pool.report(k, KeyOutcome::rate_limited());
  CHECK(pool.snapshot()[0].cooldown_left == 2s);
}

TEST_CASE("a server hint longer than max_cooldown is capped") {
  Fixture f;
  KeyPoolOptions options;
  options.wait_per_key = 0s;
  options.max_cooldown = 30s;
  KeyPool pool(keys(1), options, f.registry);
  pool.report(key(0), KeyOutcome::rate_limited(std::chrono::hours(2)));
  CHECK(pool.snapshot()[0].cooldown_left == 30s);
}

TEST_CASE("success clears a cooldown") {
  Fixture f;
  KeyPool pool = f.pool(1, 0s);
  const ApiInfo k = pool.get_key();
  pool.report(k, KeyOutcome::rate_limited(60s));
  pool.report(k, KeyOutcome::success());
  f.clock->advance(Clock::duration(1));
  CHECK(pool.try_get_key().has_value());
}

TEST_CASE("a rejected key leaves the rotation and comes back on restore") {
  Fixture f;
  KeyPool pool = f.pool(2, 0s);
  pool.report(key(0), KeyOutcome::auth_failed("HTTP 401 invalid_api_key"));
  for (int i = 0; i < 3; ++i) {
    f.clock->advance(1s);
    CHECK(index_of(pool.get_key()) == 1);
  }
  const auto snapshot = pool.snapshot();
  CHECK_FALSE(snapshot[0].in_rotation);
  CHECK(snapshot[0].disabled_reason == "HTTP 401 invalid_api_key");
  pool.restore(key(0));
  f.clock->advance(1s);
  CHECK(index_of(pool.get_key()) == 0);
  CHECK(pool.snapshot()[0].in_rotation);
}

TEST_CASE("when every key is out, choosing throws an error listing the reasons, keys redacted") {
  Fixture f;
  KeyPool pool = f.pool(2, 0s);
  pool.report(key(0), KeyOutcome::auth_failed("HTTP 401 invalid_api_key"));
  pool.report(key(1), KeyOutcome::quota_exhausted("HTTP 429 insufficient_quota"));
  try {
    pool.get_key();
    FAIL("no exception");
  } catch (const AuthError& e) {
    const std::string what = e.what();
    CHECK(contains(what, "all 2 keys are out of rotation"));
    CHECK(contains(what, "invalid_api_key"));
    CHECK(contains(what, "insufficient_quota"));
    CHECK(contains(what, make_unique_api_info_key(key(0))));
    CHECK_FALSE(contains(what, key(0).api_key));
    CHECK_FALSE(contains(what, key(1).api_key));
  }
}

TEST_CASE("when every key is out of quota, the error is a quota RateLimitError") {
  Fixture f;
  KeyPool pool = f.pool(1, 0s);
  pool.report(key(0), KeyOutcome::quota_exhausted("HTTP 429 insufficient_quota"));
  try {
    pool.try_get_key();
    FAIL("no exception");
  } catch (const RateLimitError& e) {
    CHECK(e.is_quota_exhausted());
    CHECK_FALSE(e.retryable());
  }
}

TEST_CASE("a deadline before the earliest ready key throws RateLimitError with retry_after") {
  Fixture f;
  KeyPool pool = f.pool(2, 10s);
  pool.get_key();
  f.clock->advance(4s);
  pool.get_key();  // key 0 ready in 6 s, key 1 in 10 s
  try {
    pool.get_key_within(5s);
    FAIL("no exception");
  } catch (const RateLimitError& e) {
    REQUIRE(e.retry_after().has_value());
    CHECK(*e.retry_after() == 6001ms);  // ready after strictly 6 s: 6 s + 1 ns, rounded up
    CHECK(f.clock->waiters() == 0);     // thrown at once, without waiting
  }
}

TEST_CASE("a waiting thread wakes at the earliest key, not before") {
  Fixture f;
  KeyPool pool = f.pool(2, 10s);
  pool.get_key();  // key 0 at t
  f.clock->advance(3s);
  pool.get_key();  // key 1 at t+3
  std::atomic<int> got{-1};
  std::thread waiter([&] { got = index_of(pool.get_key()); });
  REQUIRE(f.clock->wait_for_waiters(1));
  f.clock->advance(6s);  // t+9: nothing ready
  REQUIRE(f.clock->wait_for_waiters(1));
  CHECK(got == -1);
  f.clock->advance(2s);  // t+11: key 0 ready, key 1 not
  waiter.join();
  CHECK(got == 0);
}

TEST_CASE("a waiting thread wakes when a key's cooldown is cleared") {
  Fixture f;
  KeyPool pool = f.pool(1, 0s);
  const ApiInfo k = pool.get_key();
  pool.report(k, KeyOutcome::rate_limited(std::chrono::hours(1)));
  f.clock->advance(1s);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    pool.get_key();
    got = true;
  });
  REQUIRE(f.clock->wait_for_waiters(1));
  CHECK_FALSE(got);
  pool.report(k, KeyOutcome::success());  // releases the key without moving time
  waiter.join();
  CHECK(got);
}

TEST_CASE("a waiting thread throws when the last key leaves the rotation") {
  Fixture f;
  KeyPool pool = f.pool(1, 10s);
  pool.get_key();
  std::atomic<bool> threw{false};
  std::thread waiter([&] {
    try {
      pool.get_key();
    } catch (const AuthError&) {
      threw = true;
    }
  });
  REQUIRE(f.clock->wait_for_waiters(1));
  pool.report(key(0), KeyOutcome::auth_failed("HTTP 403"));
  waiter.join();
  CHECK(threw);
}

TEST_CASE("a wait ends with CancelledError when should_stop turns true") {
  Fixture f;
  KeyPool pool = f.pool(1, 10s);
  pool.get_key();
  std::atomic<bool> stop{false};
  std::atomic<bool> cancelled{false};
  std::thread waiter([&] {
    try {
      pool.acquire_until(Clock::time_point::max(), [&] { return stop.load(); });
    } catch (const CancelledError&) {
      cancelled = true;
    }
  });
  REQUIRE(f.clock->wait_for_waiters(1));
  stop = true;
  f.registry->notify_all();
  waiter.join();
  CHECK(cancelled);
}

TEST_CASE("a lease counts in flight until it is reported or destroyed") {
  Fixture f;
  KeyPool pool = f.pool(2, 0s);
  {
    KeyLease a = pool.acquire();
    KeyLease b = pool.acquire();
    CHECK(pool.snapshot()[0].in_flight == 1);
    CHECK(pool.snapshot()[1].in_flight == 1);
    a.report(KeyOutcome::success());
    CHECK(pool.snapshot()[0].in_flight == 0);
    CHECK(pool.snapshot()[0].successes == 1);
  }
  CHECK(pool.snapshot()[1].in_flight == 0);
  CHECK(pool.snapshot()[1].successes == 0);
}

TEST_CASE("undo_use gives the key back as if it had not been handed out") {
  Fixture f;
  KeyPool pool = f.pool(2, 10s);
  KeyLease lease = pool.acquire();
  CHECK(index_of(lease.api_info()) == 0);
  lease.undo_use();
  CHECK(pool.snapshot()[0].uses == 0);
  CHECK(pool.snapshot()[0].in_flight == 0);
  CHECK(index_of(pool.get_key()) == 0);  // still the first choice
}

TEST_CASE("KeyOutcome::from_error maps errors to what the pool does") {
  ErrorDetails quota;
  quota.http_status = 429;
  quota.error_code = "insufficient_quota";
  CHECK(KeyOutcome::from_error(RateLimitError("q", quota)).kind ==
        KeyOutcome::Kind::quota_exhausted);
  ErrorDetails limited;
  limited.http_status = 429;
  limited.retry_after = 1500ms;
  const KeyOutcome outcome = KeyOutcome::from_error(RateLimitError("slow down", limited));
  CHECK(outcome.kind == KeyOutcome::Kind::rate_limited);
  CHECK(outcome.retry_after == std::optional<std::chrono::milliseconds>(1500ms));
  CHECK(KeyOutcome::from_error(AuthError("no")).kind == KeyOutcome::Kind::auth_failed);
  CHECK(KeyOutcome::from_error(ServerError("500")).kind == KeyOutcome::Kind::failed);
}

TEST_CASE("the snapshot shows every key's state without key material") {
  Fixture f;
  KeyPool pool = f.pool(2, 10s);
  pool.get_key();
  f.clock->advance(4s);
  pool.report(key(1), KeyOutcome::auth_failed("HTTP 401"));
  const auto snapshot = pool.snapshot();
  REQUIRE(snapshot.size() == 2);
  CHECK(snapshot[0].uses == 1);
  CHECK(snapshot[0].last_used_ago == std::optional<std::chrono::milliseconds>(4000ms));
  CHECK(snapshot[0].ready_in == 6001ms);  // strictly more than the 10 s wait, rounded up
  CHECK(snapshot[1].uses == 0);
  CHECK_FALSE(snapshot[1].last_used_ago.has_value());
  CHECK_FALSE(snapshot[1].in_rotation);
  const std::string dumped = json(snapshot).dump();
  CHECK(contains(dumped, "\"ready_in_ms\":6001"));
  CHECK_FALSE(contains(dumped, key(0).api_key));
  CHECK_FALSE(contains(dumped, key(1).api_key));
}

TEST_CASE("make_unique_api_info_key is stable, distinct per backend, key and base, and redacted") {
  const ApiInfo a = key(0);
  CHECK(make_unique_api_info_key(a) == LiteLLMBackend::make_unique_api_info_key(a));
  CHECK_FALSE(contains(make_unique_api_info_key(a), a.api_key));
  ApiInfo other_key = a;
  other_key.api_key += "x";
  ApiInfo other_base = a;
  other_base.api_base = "https://proxy.example/v1";
  ApiInfo other_backend = a;
  other_backend.backend_used = "groq";
  CHECK(make_unique_api_info_key(a) != make_unique_api_info_key(other_key));
  CHECK(make_unique_api_info_key(a) != make_unique_api_info_key(other_base));
  CHECK(make_unique_api_info_key(a) != make_unique_api_info_key(other_backend));
  ApiInfo explicit_default = a;
  explicit_default.api_base = "https://api.openai.com/v1/";
  CHECK(make_unique_api_info_key(a) == make_unique_api_info_key(explicit_default));
}

TEST_CASE("make_unique_api_info_key matches its documented SHA-256 derivation") {
  // SHA-256("6:openai" "25:https://api.openai.com/v1" "21:sk-abcdefghijklmnopqr") computed
  // independently (python3 hashlib): first 8 bytes.
  const ApiInfo info{"openai", std::nullopt, "sk-abcdefghijklmnopqr", std::nullopt};
  CHECK(make_unique_api_info_key(info) == "openai:sk-...opqr:10fb47193873d74f");
}

TEST_CASE("M threads on K keys get K uses per wait with no gap violations (fake clock)") {
  Fixture f;
  constexpr int kKeys = 5;
  constexpr int kThreads = 8;
  constexpr auto kWait = 700ms;
  constexpr auto kStep = kWait / 7 + Clock::duration(1);  // each key is reused every 7 steps
  constexpr int kSteps = 7 * 40;
  KeyPool pool = f.pool(kKeys, kWait);

  std::mutex mutex;
  std::map<int, std::vector<Clock::time_point>> uses;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        while (true) {
          KeyLease lease =
              pool.acquire_until(Clock::time_point::max(), [&] { return stop.load(); });
          const auto now = f.clock->now();  // time moves only when every thread waits
          std::lock_guard<std::mutex> guard(mutex);
          uses[index_of(lease.api_info())].push_back(now);
        }
      } catch (const CancelledError&) {
      }
    });
  }
  const auto start = f.clock->now();
  for (int step = 0; step < kSteps; ++step) {
    REQUIRE(f.clock->wait_for_waiters(kThreads));
    f.clock->advance(kStep);
  }
  REQUIRE(f.clock->wait_for_waiters(kThreads));
  const auto elapsed = f.clock->now() - start;
  stop = true;
  f.registry->notify_all();
  for (auto& thread : threads) thread.join();

  const double expected_per_key = std::chrono::duration<double>(elapsed) / kWait;
  std::size_t total = 0;
  int violations = 0;
  for (int k = 0; k < kKeys; ++k) {
    const auto& times = uses[k];
    total += times.size();
    for (std::size_t i = 1; i < times.size(); ++i) {
      if (times[i] - times[i - 1] <= kWait) ++violations;
    }
    CHECK(std::abs(static_cast<double>(times.size()) - expected_per_key) <= 1.0);
  }
  CHECK(violations == 0);
  std::uint64_t counted = 0;
  for (const auto& s : pool.snapshot()) counted += s.uses;
  CHECK(counted == total);  // no use lost or invented
  for (const auto& s : pool.snapshot()) CHECK(s.in_flight == 0);
}

TEST_CASE("M threads hammering a pool on the real clock never use a key twice within its wait") {
  auto registry = std::make_shared<KeyRegistry>();
  constexpr int kKeys = 4;
  constexpr int kThreads = 8;
  constexpr auto kWait = 5ms;
  constexpr auto kRun = 150ms;
  KeyPoolOptions options;
  options.wait_per_key = kWait;
  KeyPool pool(keys(kKeys), options, registry);
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + kRun;
  std::mutex mutex;
  std::map<std::string, std::vector<Clock::time_point>> stamps;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        while (true) {
          KeyLease lease = pool.acquire_until(end);
          {
            std::lock_guard<std::mutex> guard(mutex);
            stamps[lease.key_id()].push_back(lease.acquired_at());
          }
          lease.report(KeyOutcome::success());
        }
      } catch (const RateLimitError&) {
        // the deadline passed: done
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::size_t total = 0;
  int violations = 0;
  for (auto& [id, times] : stamps) {
    std::sort(times.begin(), times.end());
    for (std::size_t i = 1; i < times.size(); ++i) {
      if (times[i] - times[i - 1] <= kWait) ++violations;
    }
    total += times.size();
  }
  CHECK(violations == 0);
  CHECK(stamps.size() == kKeys);  // every key was used
  std::uint64_t counted = 0;
  for (const auto& s : pool.snapshot()) {
    CHECK(s.in_flight == 0);
    CHECK(s.uses == s.successes);
    counted += s.uses;
  }
  CHECK(counted == total);
}

TEST_CASE("LiteLLMBackend reads wait_time_per_key and embeddings_call and keeps other kwargs") {
  Fixture f;
  BackendOptions options;
  options.key_registry = f.registry;
  LiteLLMBackend backend(
      keys(1), "gpt-4o",
      json{{"wait_time_per_key", 2.5}, {"embeddings_call", true}, {"temperature", 0.2}}, options);
  CHECK(backend.embeddings_call());
  CHECK(backend.default_params() == json{{"temperature", 0.2}});
  CHECK(backend.key_pool().options().wait_per_key == 2500ms);
  CHECK_THROWS_AS(LiteLLMBackend(keys(1), "m", json{{"wait_time_per_key", "6"}}), ConfigError);
  CHECK_THROWS_AS(LiteLLMBackend(keys(1), "m", json{{"embeddings_call", 1}}), ConfigError);
  CHECK_THROWS_AS(LiteLLMBackend({}, "m"), ConfigError);
}

TEST_CASE("a model map names the model per backend and a missing backend is a ConfigError") {
  const ModelName by_map(
      std::map<std::string, std::string>{{"openai", "gpt-4o"}, {"azure", "my-deployment"}});
  CHECK(by_map.for_backend("azure") == "my-deployment");
  CHECK_THROWS_WITH(by_map.for_backend("anthropic"), Catch::Contains("anthropic"));
  const ModelName by_json(json{{"openai", "gpt-4o"}});
  CHECK(by_json.for_backend("openai") == "gpt-4o");
  const ModelName literal("gpt-4o-mini");
  CHECK(literal.for_backend("anything") == "gpt-4o-mini");
  CHECK_THROWS_AS(ModelName(json(42)), ConfigError);
}

TEST_CASE("a negative cooldown option is a ConfigError naming it") {
  Fixture f;
  KeyPoolOptions negative_backoff;
  negative_backoff.rate_limit_backoff.initial = -1ms;
  CHECK_THROWS_WITH(KeyPool(keys(1), negative_backoff, f.registry),
                    Catch::Contains("KeyPoolOptions.rate_limit_backoff.initial"));
  KeyPoolOptions negative_cap;
  negative_cap.max_cooldown = -1ms;
  CHECK_THROWS_WITH(KeyPool(keys(1), negative_cap, f.registry),
                    Catch::Contains("KeyPoolOptions.max_cooldown"));
}
