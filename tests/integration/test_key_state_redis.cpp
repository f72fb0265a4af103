// redis:// key state against a real redis-server (tests/support/redis_server.hpp, on a free
// 127.0.0.1 port): KeyRegistry::open, sharing between registries and between processes, budgets,
// expiry and hash tags, and the faults (unreachable, stopped and restarted, frozen, refused).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
#include "key_state_checks.hpp"
#include "key_state_processes.hpp"
#include "litellm/detail/redis_connection.hpp"
#include "litellm/detail/redis_key_store.hpp"
#include "litellm/key_pool.hpp"
#include "redis_server.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using litellm::test::contains;
using litellm::test::expect_error;
using litellm::test::RedisServer;

namespace {

ApiInfo redis_test_key(int i) {
  return ApiInfo{"openai", std::nullopt, "sk-redis-test-key-00000000000" + std::to_string(i),
                 std::nullopt};
}

KeyPool redis_pool(const std::shared_ptr<KeyRegistry>& registry, int count, Clock::duration wait) {
  std::vector<ApiInfo> infos;
  for (int i = 0; i < count; ++i) infos.push_back(redis_test_key(i));
  KeyPoolOptions options;
  options.wait_per_key = wait;
  return KeyPool(infos, options, registry);
}

/// A plan whose children stamp their uses with the server's clock (what the gap is kept on).
void stamp_on_server(test::ChooserPlan& plan) {
  auto store = std::make_shared<std::shared_ptr<detail::RedisKeyStore>>();
  const std::string url = plan.url;
  plan.open = [store, url] {
    *store = detail::RedisKeyStore::open(detail::parse_key_state_url(url));
    return std::make_shared<KeyRegistry>(*store);
  };
  plan.stamp = [store](const KeyLease&, bool& shared) {
    // A Redis choice moves the store's last server stamp; a local one (Redis down) does not.
    static std::int64_t previous = 0;
    const std::int64_t us = (*store)->last_choice_server_us();
    shared = us != previous;
    previous = us;
    return us * 1000;
  };
}

/// Every key name under `pattern` (KEYS: a test's small database only).
std::vector<std::string> redis_keys(const RedisServer& server, const std::string& pattern) {
  detail::RedisConnection connection(detail::parse_redis_url(server.url()), 1s, 1s);
  const detail::RedisResult result = connection.command({"KEYS", pattern});
  std::vector<std::string> out;
  if (result.answered()) {
    for (const auto& element : result.reply->elements) out.push_back(element.str);
  }
  return out;
}

}  // namespace

TEST_CASE("Two registries on one redis:// share every key's state", "[redis-server][key_state]") {
  RedisServer server;
  auto one = KeyRegistry::open(server.url());
  auto two = KeyRegistry::open(server.url() + "?prefix=litellm:");
  CHECK(one->url() == server.url());
  KeyPool a = redis_pool(one, 2, 1h);
  KeyPool b = redis_pool(two, 2, 1h);

  litellm::test::check_registries_share_key_state(a, b);
  SECTION("every row carries the pool's hash tag and an expiry") {
    REQUIRE(a.try_get_key());
    REQUIRE(b.try_get_key());
    const auto names = redis_keys(server, "litellm:*");
    REQUIRE(names.size() == 2);
    std::set<std::string> tags;
    for (const std::string& name : names) {
      tags.insert(name.substr(name.find('{'), name.find('}') - name.find('{') + 1));
      detail::RedisConnection connection(detail::parse_redis_url(server.url()), 1s, 1s);
      const auto ttl = connection.command({"PTTL", name});
      REQUIRE(ttl.answered());
      CHECK(ttl.reply->integer > 3500 * 1000);  // an hour by default
    }
    CHECK(tags.size() == 1);
  }
}

TEST_CASE("redis:// budgets are shared: configured limits hold across registries",
          "[redis-server][key_state]") {
  RedisServer server;
  auto one = KeyRegistry::open(server.url());
  auto two = KeyRegistry::open(server.url());
  litellm::test::check_registries_share_budgets(one, two, redis_test_key(0));
}

TEST_CASE("redis:// refuses bad credentials, denied commands and TLS at open",
          "[redis-server][key_state]") {
  RedisServer server({"--requirepass", "right-password"});
  const std::string with = "redis://:wrong-password@127.0.0.1:" + std::to_string(server.port());
  const ConfigError wrong = expect_error<ConfigError>([&] { KeyRegistry::open(with); });
  CHECK_FALSE(contains(wrong.message(), "wrong-password"));
  CHECK(KeyRegistry::open("redis://:right-password@127.0.0.1:" + std::to_string(server.port()))
            ->url() == "redis://:***@127.0.0.1:" + std::to_string(server.port()));
  RedisServer acl({"--user", "alice", "on", ">pw", "~*", "+@all", "-@scripting"});
  expect_error<ConfigError>(
      [&] { KeyRegistry::open("redis://alice:pw@127.0.0.1:" + std::to_string(acl.port())); });
}

TEST_CASE("redis:// URLs and options are checked at open, before connecting", "[key_state]") {
  // No server needed: port 1 is never reached.
  const ConfigError tls =
      expect_error<ConfigError>([] { KeyRegistry::open("rediss://127.0.0.1:1"); });
  CHECK(contains(tls.message(), "TLS"));
  for (const char* url : {"redis://", "redis://127.0.0.1:1?prefix={x}",
                          "redis://127.0.0.1:1?timeout=5", "redis://127.0.0.1:1?timeout_ms=0",
                          "redis://127.0.0.1:notaport", "redis://:secret-pw@127.0.0.1:1?bogus=1"}) {
    INFO(url);
    const ConfigError error = expect_error<ConfigError>([&] { KeyRegistry::open(url); });
    CHECK_FALSE(contains(error.message(), "secret-pw"));
  }
}

TEST_CASE("redis:// maps this process's instants to the server's microsecond at or after them",
          "[key_state]") {
  const std::int64_t offset_ns = 123'456'789'012;  // this process's clock minus the server's
  const auto local = [&](std::int64_t ns) {
    return detail::BudgetTime(std::chrono::nanoseconds(ns));
  };
  const std::int64_t server_us = 5'000'000;
  const std::int64_t at = server_us * 1000 + offset_ns;
  // A server instant maps back to itself; anything after it, even by 1 ns, to the next µs: a
  // refill time written back never precedes the refill counted, so no step counts it twice.
  CHECK(detail::server_us_of(local(at), offset_ns) == server_us);
  CHECK(detail::server_us_of(local(at + 1), offset_ns) == server_us + 1);
  CHECK(detail::server_us_of(local(at + 999), offset_ns) == server_us + 1);
  CHECK(detail::server_us_of(local(at + 1000), offset_ns) == server_us + 1);
  CHECK(detail::server_us_of(local(at - 1), offset_ns) == server_us);
  CHECK(detail::local_time_of(server_us, offset_ns) == local(at));
  // Before the server's epoch (a zero time point: no cooldown) it still rounds up.
  CHECK(detail::server_us_of(local(offset_ns - 1500), offset_ns) == -1);
  CHECK(detail::server_us_of(local(offset_ns - 2000), offset_ns) == -2);
}

TEST_CASE("redis:// unreachable at open: calls go on locally", "[redis-server][key_state]") {
  int port = 0;
  {
    RedisServer gone;
    port = gone.port();
  }
  std::vector<std::string> warnings;
  auto registry =
      KeyRegistry::open("redis://127.0.0.1:" + std::to_string(port) + "?backoff_ms=60000",
                        [&](const std::string& warning) { warnings.push_back(warning); });
  KeyPool pool = redis_pool(registry, 2, 1h);
  CHECK(pool.try_get_key()->api_key == redis_test_key(0).api_key);
  CHECK(pool.try_get_key()->api_key == redis_test_key(1).api_key);
  CHECK_FALSE(pool.try_get_key());  // this process's rows keep the wait
  CHECK(pool.snapshot()[0].uses == 1);
  REQUIRE(warnings.size() == 1);  // one warning, not one per call
  CHECK(contains(warnings[0], "unavailable"));
  CHECK(contains(warnings[0], std::to_string(port)));
}

TEST_CASE("A frozen redis:// never holds a call longer than its timeout",
          "[redis-server][key_state]") {
  RedisServer server;
  auto store = detail::RedisKeyStore::open(
      detail::parse_key_state_url(server.url() + "?timeout_ms=50&backoff_ms=60000"));
  auto registry = std::make_shared<KeyRegistry>(store);
  KeyPool pool = redis_pool(registry, 3, 1h);
  REQUIRE(pool.try_get_key());
  server.freeze();
  const auto start = std::chrono::steady_clock::now();
  auto second = pool.try_get_key();
  auto third = pool.try_get_key();
  const auto took = std::chrono::steady_clock::now() - start;
  server.thaw();
  REQUIRE(second);
  REQUIRE(third);
  CHECK(second->api_key == redis_test_key(1).api_key);
  CHECK(third->api_key == redis_test_key(2).api_key);
  CHECK(took < 400ms);  // one timeout (50 ms), then local at once during the backoff
  CHECK(store->warnings() == 1);
}

TEST_CASE("8 processes x 3 keys through redis://: no key used closer than its wait",
          "[redis-server][key_state][processes]") {
  RedisServer server;
  test::ChooserPlan plan;
  // A generous command timeout: this checks sharing, not the fallback a slow Redis gets (the
  // stop-and-restart case below does), and a loaded CI machine can stall Redis past 50 ms.
  plan.url = server.url() + "?recheck_ms=5&timeout_ms=2000";
  plan.processes = 8;
  plan.keys = 3;
  plan.wait = 100ms;  // room for wake-up delays on a loaded machine
  plan.duration = 2500ms;
  stamp_on_server(plan);
  const test::ChooserRun run = test::run_key_choosers(plan);
  for (int code : run.exit_codes) CHECK(code == 0);
  for (const auto& use : run.uses) CHECK(use.shared == 1);
  CHECK(test::gap_violations(run, plan.keys, plan.wait) == 0);
  const double ideal = plan.keys * (static_cast<double>(plan.duration.count()) / plan.wait.count());
  INFO("uses " << run.uses.size() << " of an ideal " << ideal);
  CHECK(static_cast<double>(run.uses.size()) >= 0.95 * ideal);
  CHECK(static_cast<double>(run.uses.size()) <= ideal + plan.keys);
}

TEST_CASE("2 processes with a configured rpm through redis:// never overspend it together",
          "[redis-server][key_state][processes]") {
  RedisServer server;
  // A generous command timeout: this checks sharing, not the fallback a slow Redis gets (the
  // stop-and-restart case below does), and a loaded CI machine can stall Redis past 50 ms.
  test::ChooserPlan plan = test::shared_rpm_plan(server.url() + "?recheck_ms=5&timeout_ms=2000");
  stamp_on_server(plan);
  const test::ChooserRun run = test::run_key_choosers(plan);
  for (int code : run.exit_codes) CHECK(code == 0);
  for (const auto& use : run.uses) CHECK(use.shared == 1);
  test::check_budget_kept(run, plan);
}

TEST_CASE("redis:// stopped and restarted mid-run: calls go on, then share again",
          "[redis-server][key_state][processes]") {
  RedisServer server;
  test::ChooserPlan plan;
  plan.url = server.url() + "?recheck_ms=5&timeout_ms=50&backoff_ms=50";
  plan.processes = 4;
  plan.keys = 3;
  plan.wait = 50ms;
  plan.duration = 2500ms;
  stamp_on_server(plan);
  std::int64_t restarted_ns = 0;
  plan.meanwhile = [&] {
    // The scenario's timeline (not a synchronisation): shared, down, shared again.
    std::this_thread::sleep_for(700ms);
    server.stop();
    std::this_thread::sleep_for(600ms);
    server.restart();
    restarted_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();  // the server's clock (TIME) on this host
  };
  const test::ChooserRun run = test::run_key_choosers(plan);
  for (int code : run.exit_codes) CHECK(code == 0);
  int local = 0;
  for (const auto& use : run.uses) local += use.shared == 0 ? 1 : 0;
  CHECK(local > 0);  // calls went on while Redis was down
  // Shared again after the restart: server stamps, and no gap broken among them.
  REQUIRE(restarted_ns > 0);
  int shared_after = 0;
  for (const auto& use : run.uses) shared_after += use.shared == 1 && use.at_ns > restarted_ns;
  CHECK(shared_after > 0);
  CHECK(test::gap_violations(run, plan.keys, plan.wait) == 0);
}
