// What every shared key-state store (shm://, redis://) must show: two pools over the same keys,
// on two registries opened on one store, see one state. Catch2 sections, run from a test case
// of each store's test file.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "catch.hpp"
#include "expect_error.hpp"
#include "key_state_processes.hpp"
#include "litellm/key_pool.hpp"
#include "text.hpp"

namespace litellm::test {

/// `a` and `b`: pools over the same two keys (in the same order) with a wait of an hour, on two
/// registries of one shared store, nothing used yet.
inline void check_registries_share_key_state(KeyPool& a, KeyPool& b) {
  using namespace std::chrono_literals;
  REQUIRE(a.api_infos().size() == 2);
  REQUIRE(a.api_infos() == b.api_infos());
  const ApiInfo& first = a.api_infos()[0];
  const ApiInfo& second = a.api_infos()[1];

  SECTION("least recently used first, ties to the first given, across registries") {
    CHECK(a.try_get_key()->api_key == first.api_key);
    CHECK(b.try_get_key()->api_key == second.api_key);
    std::chrono::milliseconds retry_after{0};
    CHECK_FALSE(a.try_acquire(&retry_after));
    CHECK(retry_after > 59min);
    const auto snap = b.snapshot();
    CHECK(snap[0].uses == 1);
    CHECK(snap[1].uses == 1);
    REQUIRE(snap[0].last_used_ago);
    CHECK(*snap[0].last_used_ago < 10s);
  }
  SECTION("out of rotation with its reason, and restored, across registries") {
    a.report(first, KeyOutcome::auth_failed("HTTP 401 invalid key"));
    const auto snap = b.snapshot();
    CHECK_FALSE(snap[0].in_rotation);
    CHECK(snap[0].disabled_reason == "HTTP 401 invalid key");
    CHECK(b.try_get_key()->api_key == second.api_key);
    a.report(second, KeyOutcome::quota_exhausted("no credit"));
    const AuthError all_out = expect_error<AuthError>([&] { b.get_key(); });
    CHECK(contains(all_out.message(), "no credit"));
    CHECK(contains(all_out.message(), "HTTP 401 invalid key"));
    b.restore(first);
    CHECK(a.snapshot()[0].in_rotation);
    CHECK(a.try_get_key()->api_key == first.api_key);
  }
  SECTION("a cooldown set by one is kept by the other") {
    auto lease = a.try_acquire();
    REQUIRE(lease);
    lease->report(KeyOutcome::rate_limited(std::chrono::milliseconds(30000)));
    const auto snap = b.snapshot();
    CHECK(snap[0].rate_limits == 1);
    CHECK(snap[0].cooldown_left > 29s);
    CHECK(snap[0].in_flight == 0);
  }
  SECTION("undo_use gives the use back to everyone") {
    auto lease = a.try_acquire();
    REQUIRE(lease);
    CHECK(b.snapshot()[0].in_flight == 1);
    lease->undo_use();
    CHECK(b.snapshot()[0].uses == 0);
    CHECK(b.try_get_key()->api_key == first.api_key);
  }
}

/// `one` and `two`: two registries of one shared store, `key` never used there. A configured
/// budget of 3 requests a minute holds for both together, the snapshot shows the reservations,
/// and a 429 gives its reservation back and cools that model down, for both.
inline void check_registries_share_budgets(const std::shared_ptr<KeyRegistry>& one,
                                           const std::shared_ptr<KeyRegistry>& two,
                                           const ApiInfo& key) {
  using namespace std::chrono_literals;
  KeyPoolOptions options;
  options.wait_per_key = 0s;
  RateLimits limits;
  limits.rpm = 3;
  limits.window = std::chrono::minutes(1);
  options.rate_limits = {limits};
  KeyPool a({key}, options, one);
  KeyPool b({key}, options, two);
  KeyDemand demand;
  demand.cost = CallCost{1, 0, 0};
  demand.model_for = [](const ApiInfo&) { return std::string("gpt-4o-mini"); };
  std::chrono::milliseconds retry_after{0};
  auto l1 = a.try_acquire(&retry_after, &demand);
  auto l2 = b.try_acquire(&retry_after, &demand);
  auto l3 = a.try_acquire(&retry_after, &demand);
  REQUIRE(l1);
  REQUIRE(l2);
  REQUIRE(l3);
  CHECK_FALSE(b.try_acquire(&retry_after, &demand));  // 3 per minute, together
  CHECK(retry_after > 10s);
  auto snap = b.snapshot();
  REQUIRE(snap[0].models.size() == 1);
  CHECK(snap[0].models[0].model == "gpt-4o-mini");
  CHECK(snap[0].models[0].in_flight == 3);
  CHECK(snap[0].models[0].windows[0].reserved == Approx(3));
  l1->report(KeyOutcome::rate_limited(std::chrono::milliseconds(20000)));
  snap = b.snapshot();
  CHECK(snap[0].models[0].in_flight == 2);
  CHECK(snap[0].models[0].cooldown_left > 19s);
  CHECK(snap[0].models[0].rate_limits == 1);
}

/// A run of processes under `plan.limits` (requests only) kept the bucket's law between every
/// two uses, and used the budget: about rpm + rpm / window * duration uses (unshared processes
/// would each spend it all).
inline void check_budget_kept(const ChooserRun& run, const ChooserPlan& plan) {
  REQUIRE(plan.limits);
  const RateLimits& limits = *plan.limits;
  CHECK(budget_violations(run, limits) == 0);
  const double rpm = limits.rpm.value_or(0);
  const double expected = rpm + rpm * std::chrono::duration<double>(plan.duration) /
                                    std::chrono::duration<double>(limits.window);
  INFO("uses " << run.uses.size() << ", the budget allows " << expected);
  CHECK(static_cast<double>(run.uses.size()) <= expected + 1);
  CHECK(static_cast<double>(run.uses.size()) >= 0.8 * expected);
}

}  // namespace litellm::test
