// shm:// key state: KeyRegistry::open, the shared-memory region (layout, capacity, robust mutex)
// and real processes sharing keys through it. No test here calls KeyRegistry::global() in this
// process: the one that checks LITELLM_KEY_STATE does it in a fresh child.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
#include "key_state_checks.hpp"
#include "key_state_processes.hpp"
#include "litellm/detail/shm_key_store.hpp"
#include "litellm/key_pool.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using litellm::test::contains;
using litellm::test::expect_error;

namespace {

/// A region name of its own for one test, removed before and after.
struct ShmName {
  std::string name;
  explicit ShmName(const std::string& what)
      : name("test-" + what + "-" + std::to_string(::getpid())) {
    detail::ShmKeyStore::remove(name);
  }
  ~ShmName() { detail::ShmKeyStore::remove(name); }
  std::string url(const std::string& query = "") const { return "shm://" + name + query; }
};

ApiInfo shm_key(int i) {
  return ApiInfo{"openai", std::nullopt, "sk-shm-test-key-0000000000000" + std::to_string(i),
                 std::nullopt};
}

std::vector<ApiInfo> shm_keys(int count) {
  std::vector<ApiInfo> out;
  for (int i = 0; i < count; ++i) out.push_back(shm_key(i));
  return out;
}

KeyPool shm_pool(const std::shared_ptr<KeyRegistry>& registry, int count, Clock::duration wait) {
  KeyPoolOptions options;
  options.wait_per_key = wait;
  return KeyPool(shm_keys(count), options, registry);
}

}  // namespace

TEST_CASE("KeyRegistry::open refuses bad URLs with a ConfigError", "[key_state]") {
  for (const char* url :
       {"", "shm", "nope://x", "shm://", "shm://a/b", "shm://x?keys=0", "shm://x?keys=abc",
        "shm://x?bogus=1", "shm://x?keys", "memory://x", "memory://?recheck_ms=1", "://x"}) {
    INFO(url);
    expect_error<ConfigError>([&] { KeyRegistry::open(url); });
  }
  const ConfigError unknown =
      expect_error<ConfigError>([] { KeyRegistry::open("shm://x?bogus=1"); });
  CHECK(contains(unknown.message(), "bogus"));
  CHECK(contains(unknown.message(), "recheck_ms"));
}

TEST_CASE("memory:// is an in-process registry", "[key_state]") {
  auto registry = KeyRegistry::open("memory://");
  CHECK(registry->url() == "memory://");
  auto other = KeyRegistry::open("memory://");
  KeyPool a = shm_pool(registry, 1, 1h);
  KeyPool b = shm_pool(other, 1, 1h);
  CHECK(a.try_get_key());
  CHECK(b.try_get_key());  // separate registries: separate timers
}

TEST_CASE("Two registries on one shm:// name share every key's state", "[key_state]") {
  ShmName shm("share");
  auto one = KeyRegistry::open(shm.url());
  auto two = KeyRegistry::open(shm.url());
  CHECK(one->url() == shm.url());
  KeyPool a = shm_pool(one, 2, 1h);
  KeyPool b = shm_pool(two, 2, 1h);

  litellm::test::check_registries_share_key_state(a, b);
}

TEST_CASE("shm:// budgets are shared: configured limits hold across registries", "[key_state]") {
  ShmName shm("budget");
  auto one = KeyRegistry::open(shm.url());
  auto two = KeyRegistry::open(shm.url());
  litellm::test::check_registries_share_budgets(one, two, shm_key(0));
}

TEST_CASE("KeyRegistry::remove deletes a shm:// region; later opens start afresh", "[key_state]") {
  ShmName shm("remove");
  {
    const auto first = KeyRegistry::open(shm.url());
    KeyPool pool = shm_pool(first, 1, 1h);
    REQUIRE(pool.try_get_key());
    CHECK_FALSE(pool.try_get_key());  // used: not again within the hour
    CHECK(KeyRegistry::remove(shm.url()));
    CHECK_FALSE(pool.try_get_key());  // this process still has the old region
  }
  CHECK_FALSE(KeyRegistry::remove(shm.url()));  // already gone
  const auto fresh = KeyRegistry::open(shm.url());
  KeyPool pool = shm_pool(fresh, 1, 1h);
  CHECK(pool.try_get_key());  // a new region: the key was never used
  CHECK_FALSE(KeyRegistry::remove("memory://"));
  CHECK_THROWS_AS(KeyRegistry::remove("no-scheme"), ConfigError);
}

TEST_CASE("A region of another layout version is a ConfigError naming both", "[key_state]") {
  ShmName shm("version");
  const std::string path = detail::ShmKeyStore::region_path(shm.name);
  const int fd = ::shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, 4096) == 0);
  void* base = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(base != MAP_FAILED);
  auto* prefix = static_cast<detail::ShmPrefix*>(base);
  prefix->magic = detail::kShmMagic;
  prefix->layout_version = 999;
  prefix->ready.store(1);
  ::munmap(base, 4096);
  ::close(fd);
  const ConfigError error = expect_error<ConfigError>([&] { KeyRegistry::open(shm.url()); });
  CHECK(contains(error.message(), "version 999"));
  CHECK(contains(error.message(), "version " + std::to_string(detail::kShmLayoutVersion)));
}

TEST_CASE("A full shm:// key table is a ConfigError naming its capacity", "[key_state]") {
  ShmName shm("full");
  auto registry = KeyRegistry::open(shm.url("?keys=2&budgets=4"));
  KeyPool two = shm_pool(registry, 2, 0s);
  CHECK(two.try_get_key());
  const ConfigError error = expect_error<ConfigError>([&] { shm_pool(registry, 3, 0s).get_key(); });
  CHECK(contains(error.message(), "2 keys"));
  // Reopened with other sizes: refused, naming both.
  const ConfigError sizes =
      expect_error<ConfigError>([&] { KeyRegistry::open(shm.url("?keys=8")); });
  CHECK(contains(sizes.message(), "2 keys"));
}

TEST_CASE("8 processes x 3 keys through shm://: no key used closer than its wait",
          "[key_state][processes]") {
  ShmName shm("gap");
  test::ChooserPlan plan;
  plan.url = shm.url("?recheck_ms=5");
  plan.processes = 8;
  plan.keys = 3;
  plan.wait = 100ms;  // room for wake-up delays on a loaded machine
  plan.duration = 2500ms;
  const test::ChooserRun run = test::run_key_choosers(plan);
  for (int code : run.exit_codes) CHECK(code == 0);
  CHECK(test::gap_violations(run, plan.keys, plan.wait) == 0);
  // K / W over the duration: each key once per wait (plus its first use).
  const double ideal = plan.keys * (static_cast<double>(plan.duration.count()) / plan.wait.count());
  INFO("uses " << run.uses.size() << " of an ideal " << ideal);
  CHECK(static_cast<double>(run.uses.size()) >= 0.95 * ideal);
  CHECK(static_cast<double>(run.uses.size()) <= ideal + plan.keys);
  // The processes took turns (which wins each key is up to the scheduler).
  std::vector<int> per_process(static_cast<std::size_t>(plan.processes), 0);
  for (const auto& use : run.uses) ++per_process[static_cast<std::size_t>(use.process)];
  CHECK(std::count_if(per_process.begin(), per_process.end(), [](int n) { return n > 0; }) >=
        plan.processes / 2);
}

TEST_CASE("2 processes with a configured rpm through shm:// never overspend it together",
          "[key_state][processes]") {
  ShmName shm("rpm");
  const test::ChooserPlan plan = test::shared_rpm_plan(shm.url("?recheck_ms=5"));
  const test::ChooserRun run = test::run_key_choosers(plan);
  for (int code : run.exit_codes) CHECK(code == 0);
  test::check_budget_kept(run, plan);
}

TEST_CASE("A process killed while holding the shm:// lock does not wedge the others",
          "[key_state][processes]") {
  ShmName shm("kill");
  auto registry = KeyRegistry::open(shm.url());
  KeyPool pool = shm_pool(registry, 3, 0s);
  REQUIRE(pool.try_get_key());  // one use before the holder dies: kept

  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t holder = ::fork();
  if (holder == 0) {
    try {
      auto store = detail::ShmKeyStore::open(detail::parse_key_state_url(shm.url()));
      store->hold_lock_for_test();
      test::write_all(ready[1], "x", 1);
      while (true) ::pause();  // holding the lock until killed
    } catch (...) {
    }
    ::_exit(1);
  }
  ::close(ready[1]);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);  // the holder holds the lock now
  ::close(ready[0]);

  // Two choosers block on the held lock, then go on once the holder is gone.
  test::ChooserPlan plan;
  plan.url = shm.url();
  std::vector<pid_t> choosers;
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        auto child_registry = KeyRegistry::open(shm.url());
        KeyPool child_pool = shm_pool(child_registry, 3, 0s);
        for (int n = 0; n < 5; ++n) child_pool.get_key();
        ::_exit(0);
      } catch (...) {
        ::_exit(2);
      }
    }
    choosers.push_back(pid);
  }
  ::kill(holder, SIGKILL);
  CHECK(test::wait_child(holder, 10s) == 128 + SIGKILL);
  for (pid_t pid : choosers) CHECK(test::wait_child(pid, 10s) == 0);
  std::uint64_t uses = 0;
  for (const auto& s : pool.snapshot()) uses += s.uses;
  CHECK(uses == 1 + 2 * 5);
}

TEST_CASE("KeyRegistry::global() opens LITELLM_KEY_STATE, read once", "[key_state][processes]") {
  ShmName shm("global");
  const auto in_child = [](const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      int code = 1;
      try {
        code = body();
      } catch (...) {
        code = 3;
      }
      ::_exit(code);
    }
    return test::wait_child(pid, 10s);
  };
  const std::string url = shm.url();
  CHECK(in_child([&] {
          ::setenv("LITELLM_KEY_STATE", url.c_str(), 1);
          const auto& registry = KeyRegistry::global();
          ::setenv("LITELLM_KEY_STATE", "memory://", 1);  // read once: no effect now
          if (registry->url() != url || KeyRegistry::global()->url() != url) return 1;
          KeyPool pool = shm_pool(registry, 1, 1h);
          return pool.try_get_key() ? 0 : 2;
        }) == 0);
  // The child's use is in the region: a second process sees it.
  auto registry = KeyRegistry::open(url);
  CHECK(shm_pool(registry, 1, 1h).snapshot()[0].uses == 1);
  CHECK(in_child([] {
          ::setenv("LITELLM_KEY_STATE", "shm://bad/name", 1);
          try {
            KeyRegistry::global();
          } catch (const ConfigError& e) {
            return std::string(e.what()).find("LITELLM_KEY_STATE") != std::string::npos ? 0 : 1;
          }
          return 2;
        }) == 0);
  CHECK(in_child([] {
          ::unsetenv("LITELLM_KEY_STATE");
          return KeyRegistry::global()->url() == "memory://" ? 0 : 1;
        }) == 0);
}

TEST_CASE("Threads of two registries on one shm:// region keep every key's wait", "[key_state]") {
  ShmName shm("threads");
  auto one = KeyRegistry::open(shm.url("?recheck_ms=2"));
  auto two = KeyRegistry::open(shm.url("?recheck_ms=2"));
  KeyPool a = shm_pool(one, 3, 20ms);
  KeyPool b = shm_pool(two, 3, 20ms);
  std::mutex mutex;
  std::vector<std::pair<std::string, Clock::time_point>> uses;
  const auto end = std::chrono::steady_clock::now() + 400ms;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    KeyPool& pool = t % 2 == 0 ? a : b;
    threads.emplace_back([&] {
      while (true) {
        try {
          KeyLease lease = pool.acquire_until(end);
          std::lock_guard<std::mutex> guard(mutex);
          uses.emplace_back(lease.key_id(), lease.acquired_at());
        } catch (const RateLimitError&) {
          return;  // no key before the end
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::sort(uses.begin(), uses.end(),
            [](const auto& x, const auto& y) { return x.second < y.second; });
  std::map<std::string, Clock::time_point> last;
  int violations = 0;
  for (const auto& [id, at] : uses) {
    const auto it = last.find(id);
    if (it != last.end() && at - it->second <= 20ms) ++violations;
    last[id] = at;
  }
  CHECK(violations == 0);
  CHECK(uses.size() >= 3 * 15);  // about 3 keys x 400 / 20 ms, shared
  CHECK(uses.size() <= 3 * 21);
  std::uint64_t counted = 0;
  for (const auto& s : a.snapshot()) counted += s.uses;
  CHECK(counted == uses.size());
}
