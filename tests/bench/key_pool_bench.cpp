// Key rotation on the real clock: M threads loop on the pool for S seconds; prints one JSON line
// with the achieved rate against the ideal K / W, the per-key gap violations (uses of one key
// less than W apart, measured on the pool's own stamps: must be 0) and the cost of one choice.
//
//   litellm-bench-keypool [--keys K] [--wait-ms W] [--threads M] [--seconds S]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <litellm/key_pool.hpp>

namespace {

long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono;
  const long keys = arg(argc, argv, "--keys", 8);
  const long wait_ms = arg(argc, argv, "--wait-ms", 50);
  const long threads = arg(argc, argv, "--threads", 16);
  const long seconds = arg(argc, argv, "--seconds", 3);

  std::vector<litellm::ApiInfo> infos;
  for (long i = 0; i < keys; ++i) {
    infos.push_back(
        {"openai", std::nullopt, "sk-bench-key-pool-00000000" + std::to_string(i), std::nullopt});
  }
  litellm::KeyPoolOptions options;
  options.wait_per_key = milliseconds(wait_ms);
  litellm::KeyPool pool(infos, options, std::make_shared<litellm::KeyRegistry>());

  const auto start = steady_clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  std::mutex mutex;
  std::map<std::string, std::vector<steady_clock::time_point>> stamps;
  std::vector<std::thread> workers;
  for (long t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::vector<std::pair<std::string, steady_clock::time_point>> local;
      try {
        while (true) {
          litellm::KeyLease lease = pool.acquire_until(end);
          local.emplace_back(lease.key_id(), lease.acquired_at());
          lease.report(litellm::KeyOutcome::success());
        }
      } catch (const litellm::RateLimitError&) {
      }
      std::lock_guard<std::mutex> guard(mutex);
      for (auto& [id, at] : local) stamps[id].push_back(at);
    });
  }
  for (auto& worker : workers) worker.join();
  const double elapsed = duration<double>(steady_clock::now() - start).count();

  long uses = 0;
  long violations = 0;
  double min_gap_ms = 1e300;
  for (auto& [id, times] : stamps) {
    std::sort(times.begin(), times.end());
    uses += static_cast<long>(times.size());
    for (std::size_t i = 1; i < times.size(); ++i) {
      const auto gap = times[i] - times[i - 1];
      min_gap_ms = std::min(min_gap_ms, duration<double, std::milli>(gap).count());
      if (gap <= milliseconds(wait_ms)) ++violations;
    }
  }

  // The cost of one uncontended choice, with a zero wait so a key is always ready.
  litellm::KeyPoolOptions fast;
  fast.wait_per_key = milliseconds(0);
  litellm::KeyPool choose_pool(infos, fast, std::make_shared<litellm::KeyRegistry>());
  constexpr int kChoices = 200000;
  const auto choose_start = steady_clock::now();
  for (int i = 0; i < kChoices; ++i) choose_pool.acquire().report(litellm::KeyOutcome::success());
  const double choose_ns =
      duration<double, std::nano>(steady_clock::now() - choose_start).count() / kChoices;

  // Keys can be stamped only within the deadline window [start, end], so rate over it; each key
  // is also used once at the very start, hence "within one per key".
  const double achieved = uses / static_cast<double>(seconds);
  const double ideal = static_cast<double>(keys) * 1000.0 / static_cast<double>(wait_ms);
  std::printf(
      "{\"bench\":\"key_pool\",\"keys\":%ld,\"wait_ms\":%ld,\"threads\":%ld,\"seconds\":%.3f,"
      "\"uses\":%ld,\"ideal_uses\":%.0f,\"achieved_per_s\":%.2f,\"ideal_per_s\":%.2f,\"ratio\":%."
      "4f,"
      "\"gap_violations\":%ld,\"min_gap_ms\":%.3f,\"acquire_report_ns\":%.1f}\n",
      keys, wait_ms, threads, elapsed, uses, ideal * static_cast<double>(seconds), achieved, ideal,
      achieved / ideal, violations, min_gap_ms, choose_ns);
  return violations == 0 ? 0 : 1;
}
