// litellm-bench-keystate: the key-state stores (KeyRegistry::open) compared.
//
//   litellm-bench-keystate [--iterations N] [--processes P] [--keys K] [--wait-ms W]
//                          [--seconds S] [--stores memory,shm,redis]
//
// 1. The cost of one key choice per store: one thread, K keys, no wait, N times acquire (timed
//    alone) then report success; prints p50 / p99 / mean of the acquire in µs, and of the whole
//    acquire + report.
// 2. The aggregate rate of P processes sharing K keys with a wait of W ms for S seconds (fork()ed
//    children, tests/support/key_state_processes.hpp): uses / (K / W x S), and the uses of one key
//    closer than W (stamped by the store: the host's steady clock for shm, the server's for Redis).
//    memory:// is the unshared baseline: each process keeps its own timers, so the ratio is ~P.
// Redis runs against a redis-server this program starts on a free 127.0.0.1 port
// (tests/support/redis_server.hpp); without one, the Redis lines are skipped.
// Prints one JSON line per measurement.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <litellm/detail/redis_key_store.hpp>  // NOLINT: used with LITELLM_HAS_HIREDIS
#include <litellm/detail/shm_key_store.hpp>
#include <litellm/key_pool.hpp>
#include <nlohmann/json.hpp>

#include "key_state_processes.hpp"
#include "redis_server.hpp"

#ifndef LITELLM_HAS_HIREDIS
#define LITELLM_HAS_HIREDIS 0
#endif

namespace {

using json = nlohmann::ordered_json;
using std::chrono::steady_clock;

long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

std::string text_arg(int argc, char** argv, const char* name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

double round_to(double value, int digits) {
  double scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  return static_cast<double>(static_cast<long long>(value * scale + 0.5)) / scale;
}

void cost_of_choice(const std::string& store, const std::string& url, long iterations, long keys) {
  auto registry = litellm::KeyRegistry::open(url);
  std::vector<litellm::ApiInfo> infos;
  for (long i = 0; i < keys; ++i) {
    infos.push_back(
        {"openai", std::nullopt, "sk-bench-key-state-0000000" + std::to_string(i), std::nullopt});
  }
  litellm::KeyPoolOptions options;
  options.wait_per_key = std::chrono::milliseconds(0);
  litellm::KeyPool pool(infos, options, registry);
  for (long i = 0; i < std::min<long>(iterations / 10, 1000); ++i) {  // warm-up
    pool.acquire().report(litellm::KeyOutcome::success());
  }
  std::vector<double> choose_us;
  std::vector<double> cycle_us;
  choose_us.reserve(static_cast<std::size_t>(iterations));
  cycle_us.reserve(static_cast<std::size_t>(iterations));
  for (long i = 0; i < iterations; ++i) {
    const auto start = steady_clock::now();
    litellm::KeyLease lease = pool.acquire();
    const auto chosen = steady_clock::now();
    lease.report(litellm::KeyOutcome::success());
    const auto end = steady_clock::now();
    choose_us.push_back(std::chrono::duration<double, std::micro>(chosen - start).count());
    cycle_us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  double mean = 0;
  for (double v : choose_us) mean += v;
  mean /= static_cast<double>(choose_us.size());
  json out;
  out["bench"] = "litellm-bench-keystate";
  out["measure"] = "choice_cost";
  out["store"] = store;
  out["keys"] = keys;
  out["iterations"] = iterations;
  out["choose_p50_us"] = round_to(percentile(choose_us, 0.50), 2);
  out["choose_p99_us"] = round_to(percentile(choose_us, 0.99), 2);
  out["choose_mean_us"] = round_to(mean, 2);
  out["acquire_report_p50_us"] = round_to(percentile(cycle_us, 0.50), 2);
  out["acquire_report_p99_us"] = round_to(percentile(cycle_us, 0.99), 2);
  std::cout << out.dump() << std::endl;
}

void aggregate(const std::string& store, const std::string& url, long processes, long keys,
               long wait_ms, long seconds) {
  litellm::test::ChooserPlan plan;
  plan.url = url;
  plan.processes = static_cast<int>(processes);
  plan.keys = static_cast<int>(keys);
  plan.wait = std::chrono::milliseconds(wait_ms);
  plan.duration = std::chrono::seconds(seconds);
#if LITELLM_HAS_HIREDIS
  if (store == "redis") {
    auto holder = std::make_shared<std::shared_ptr<litellm::detail::RedisKeyStore>>();
    plan.open = [holder, url] {
      *holder = litellm::detail::RedisKeyStore::open(litellm::detail::parse_key_state_url(url));
      return std::make_shared<litellm::KeyRegistry>(*holder);
    };
    plan.stamp = [holder](const litellm::KeyLease&, bool& shared) {
      shared = true;
      return (*holder)->last_choice_server_us() * 1000;
    };
  }
#endif
  const auto run = litellm::test::run_key_choosers(plan);
  const double ideal = static_cast<double>(keys) * static_cast<double>(seconds) * 1000.0 /
                       static_cast<double>(wait_ms);
  int failed = 0;
  for (int code : run.exit_codes) failed += code != 0 ? 1 : 0;
  json out;
  out["bench"] = "litellm-bench-keystate";
  out["measure"] = "aggregate";
  out["store"] = store;
  out["processes"] = processes;
  out["keys"] = keys;
  out["wait_ms"] = wait_ms;
  out["seconds"] = seconds;
  out["uses"] = run.uses.size();
  out["ideal_k_over_w"] = ideal;
  out["uses_of_k_over_w"] = round_to(static_cast<double>(run.uses.size()) / ideal, 3);
  out["gap_violations"] = litellm::test::gap_violations(run, plan.keys, plan.wait);
  out["children_failed"] = failed;
  std::cout << out.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = arg(argc, argv, "--iterations", 20000);
  const long processes = arg(argc, argv, "--processes", 8);
  const long keys = arg(argc, argv, "--keys", 3);
  const long wait_ms = arg(argc, argv, "--wait-ms", 50);
  const long seconds = arg(argc, argv, "--seconds", 3);
  const std::string stores = "," + text_arg(argc, argv, "--stores", "memory,shm,redis") + ",";
  const auto wants = [&](const char* store) {
    return stores.find(std::string(",") + store + ",") != std::string::npos;
  };
  try {
    const std::string shm_name = "bench-keystate-" + std::to_string(::getpid());
    std::optional<litellm::test::RedisServer> redis;
    if (wants("redis") && LITELLM_HAS_HIREDIS) {
      try {
        redis.emplace();
      } catch (const std::exception& e) {
        std::cerr << "no redis-server, Redis skipped: " << e.what() << "\n";
      }
    }
    if (wants("memory")) cost_of_choice("memory", "memory://", iterations, keys);
    if (wants("shm")) {
      litellm::detail::ShmKeyStore::remove(shm_name + "-cost");
      cost_of_choice("shm", "shm://" + shm_name + "-cost", iterations, keys);
      litellm::detail::ShmKeyStore::remove(shm_name + "-cost");
    }
    if (redis) cost_of_choice("redis", redis->url() + "?prefix=cost:", iterations / 4, keys);
    if (wants("memory")) aggregate("memory", "memory://", processes, keys, wait_ms, seconds);
    if (wants("shm")) {
      litellm::detail::ShmKeyStore::remove(shm_name + "-rate");
      aggregate("shm", "shm://" + shm_name + "-rate?recheck_ms=5", processes, keys, wait_ms,
                seconds);
      litellm::detail::ShmKeyStore::remove(shm_name + "-rate");
    }
    if (redis) {
      aggregate("redis", redis->url() + "?prefix=rate:&recheck_ms=5", processes, keys, wait_ms,
                seconds);
    }
  } catch (const std::exception& e) {
    std::cerr << "litellm-bench-keystate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
