// Several real processes choosing keys through one shared key-state store (shm://, redis://):
// fork()ed children that record every key they were handed, for the parent to check.
//
// Children start together (they block on a pipe the parent closes once all exist), choose for a
// given time, write their uses (key index, steady time in ns: one clock for the host) to a pipe,
// and leave with _exit (never running the test framework's teardown in a copy of it).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "litellm/key_pool.hpp"

namespace litellm::test {

/// One key handed out: which (index in the pool), by which child, and when it was stamped
/// (steady_clock, ns since its epoch).
struct KeyUse {
  std::int32_t key = 0;
  std::int32_t process = 0;
  std::int64_t at_ns = 0;
  std::int32_t shared = 1;  ///< 0: stamped by this process alone (its store was unavailable).
  std::int32_t pad = 0;
};

/// What the children of `run_key_choosers` do.
struct ChooserPlan {
  std::string url;                           ///< The key-state URL each child opens.
  int processes = 4;                         ///< Children.
  int keys = 3;                              ///< Keys in the pool (the same in every child).
  std::chrono::milliseconds wait{50};        ///< wait_per_key.
  std::chrono::milliseconds duration{2000};  ///< How long each child chooses.
  std::optional<RateLimits> limits;  ///< Configured on every key; calls then carry a demand.
  std::string key_prefix = "sk-shared-key-state-test-";  ///< Keys are this plus an index.
  /// Opens the child's registry; empty: KeyRegistry::open(url).
  std::function<std::shared_ptr<KeyRegistry>()> open;
  /// The stamp of a lease in ns, on a clock every process shares, and whether the shared store
  /// made it; empty: the lease's acquired_at (the steady clock, one for the host).
  std::function<std::int64_t(const KeyLease&, bool& shared)> stamp;
  /// Runs in the parent while the children choose (e.g. stops and restarts a server).
  std::function<void()> meanwhile;
};

/// The pool's keys for `plan`.
inline std::vector<ApiInfo> chooser_keys(const ChooserPlan& plan) {
  std::vector<ApiInfo> out;
  for (int i = 0; i < plan.keys; ++i) {
    out.push_back(ApiInfo{"openai", std::nullopt, plan.key_prefix + std::to_string(1000000 + i),
                          std::nullopt});
  }
  return out;
}

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Writes all of `data` to `fd`.
inline bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

/// The body of one child: choose until the end, recording uses to `out_fd`. Exit status 0: ok.
inline int chooser_child(const ChooserPlan& plan, int index, int start_fd, int out_fd) {
  try {
    auto registry = plan.open ? plan.open() : KeyRegistry::open(plan.url);
    KeyPoolOptions options;
    options.wait_per_key = plan.wait;
    if (plan.limits) options.rate_limits.assign(static_cast<std::size_t>(plan.keys), *plan.limits);
    KeyPool pool(chooser_keys(plan), options, registry);
    char byte = 0;
    if (::read(start_fd, &byte, 1) < 0) return 3;  // EOF once the parent closes it: start
    const auto end = std::chrono::steady_clock::now() + plan.duration;
    KeyDemand demand;
    demand.cost = CallCost{1, 0, 0};
    while (std::chrono::steady_clock::now() < end) {
      std::optional<KeyLease> lease;
      try {
        lease.emplace(pool.acquire_until(end, {}, plan.limits ? &demand : nullptr));
      } catch (const RateLimitError&) {
        break;  // no key before the end
      }
      KeyUse use;
      // The instant the store stamped (on the steady clock): what the gap is kept between.
      if (plan.stamp) {
        bool shared = true;
        use.at_ns = plan.stamp(*lease, shared);
        use.shared = shared ? 1 : 0;
      } else {
        use.at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        lease->acquired_at().time_since_epoch())
                        .count();
      }
      use.process = index;
      const auto& infos = pool.api_infos();
      use.key = static_cast<std::int32_t>(std::find(infos.begin(), infos.end(), lease->api_info()) -
                                          infos.begin());
      if (!write_all(out_fd, &use, sizeof use)) return 4;
      KeyOutcome outcome = KeyOutcome::success();
      outcome.usage = CallCost{1, 0, 0};
      lease->report(outcome);
    }
    return 0;
  } catch (const std::exception& e) {
    const std::string message = std::string("chooser child: ") + e.what() + "\n";
    write_all(2, message.data(), message.size());
    return 2;
  }
}

/// Waits for `pid` at most `timeout`; kills it (and returns -1) when it does not end by then.
inline int wait_child(pid_t pid, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child's exit
  }
}

/// The result of a run.
struct ChooserRun {
  std::vector<KeyUse> uses;     ///< Every child's, sorted by time.
  std::vector<int> exit_codes;  ///< Per child: 0 ok.
  std::int64_t start_ns = 0;    ///< When the children were released.
};

/// Forks `plan.processes` children that choose keys together; returns their uses.
inline ChooserRun run_key_choosers(const ChooserPlan& plan) {
  ChooserRun run;
  int start[2];
  if (::pipe(start) != 0) return run;
  std::vector<pid_t> pids;
  std::vector<int> outs;
  for (int i = 0; i < plan.processes; ++i) {
    int out[2];
    if (::pipe(out) != 0) break;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(start[1]);
      ::close(out[0]);
      for (int fd : outs) ::close(fd);
      ::_exit(chooser_child(plan, i, start[0], out[1]));
    }
    ::close(out[1]);
    pids.push_back(pid);
    outs.push_back(out[0]);
  }
  ::close(start[0]);
  run.start_ns = steady_ns();
  ::close(start[1]);  // every child reads EOF: go
  if (plan.meanwhile) plan.meanwhile();
  for (int fd : outs) {
    KeyUse use;
    std::size_t have = 0;
    char* p = reinterpret_cast<char*>(&use);
    while (true) {
      const ssize_t n = ::read(fd, p + have, sizeof use - have);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
      if (have == sizeof use) {
        run.uses.push_back(use);
        have = 0;
      }
    }
    ::close(fd);
  }
  for (pid_t pid : pids) {
    run.exit_codes.push_back(wait_child(pid, plan.duration + std::chrono::seconds(20)));
  }
  std::sort(run.uses.begin(), run.uses.end(),
            [](const KeyUse& a, const KeyUse& b) { return a.at_ns < b.at_ns; });
  return run;
}

/// Uses of one key closer together than `wait` (across every process), among the shared ones
/// stamped after `from_ns`.
inline int gap_violations(const ChooserRun& run, int keys, std::chrono::milliseconds wait,
                          std::int64_t from_ns = 0) {
  int violations = 0;
  const std::int64_t wait_ns = std::chrono::nanoseconds(wait).count();
  for (int k = 0; k < keys; ++k) {
    std::optional<std::int64_t> last;
    for (const KeyUse& use : run.uses) {
      if (use.key != k || use.shared == 0 || use.at_ns < from_ns) continue;
      if (last && use.at_ns - *last <= wait_ns) ++violations;
      last = use.at_ns;
    }
  }
  return violations;
}

/// The shared-budget scenario of the shm:// and redis:// tests: 2 processes, 1 key, no wait,
/// 1.5 s, under a configured 10 requests per 500 ms (20 per second).
inline ChooserPlan shared_rpm_plan(std::string url) {
  ChooserPlan plan;
  plan.url = std::move(url);
  plan.processes = 2;
  plan.keys = 1;
  plan.wait = std::chrono::milliseconds(0);
  plan.duration = std::chrono::milliseconds(1500);
  RateLimits limits;
  limits.rpm = 10;
  limits.window = std::chrono::milliseconds(500);
  plan.limits = limits;
  return plan;
}

/// Pairs of uses (i <= j, in time order) between which more were made than a request budget of
/// `limits` allows: the bucket's law, at most rpm + rpm / window * elapsed uses from the i-th to
/// the j-th.
inline int budget_violations(const ChooserRun& run, const RateLimits& limits) {
  const double capacity = limits.rpm.value_or(0);
  const double rate_per_ns =
      capacity / static_cast<double>(std::chrono::nanoseconds(limits.window).count());
  int violations = 0;
  for (std::size_t i = 0; i < run.uses.size(); ++i) {
    for (std::size_t j = i; j < run.uses.size(); ++j) {
      const double allowed =
          capacity + rate_per_ns * static_cast<double>(run.uses[j].at_ns - run.uses[i].at_ns);
      if (static_cast<double>(j - i + 1) > allowed + 1e-6) ++violations;
    }
  }
  return violations;
}

}  // namespace litellm::test
