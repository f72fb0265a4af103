// The libcurl transport's blocking side keeps its handles in a pool of its own: a thread's calls
// all run on the set bound to it (its connections reused), sets in use at once are distinct, a
// thread's set goes back to the pool when the thread ends, and two pools (two transports) never
// hand out the same handles. No network: handles are only created.
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "litellm/detail/curl_transport.hpp"

using litellm::CurlOptions;
using litellm::detail::CurlHandlePool;
using litellm::detail::CurlHandles;
using litellm::detail::CurlTransport;

namespace {

/// The set a new thread takes from `pool` (the thread then ends, giving it back).
const CurlHandles* taken_by_a_thread(CurlHandlePool& pool) {
  const CurlHandles* taken = nullptr;
  std::thread([&] { taken = &*pool.take(); }).join();
  return taken;
}

}  // namespace

TEST_CASE("a thread's calls all run on the handle set bound to it") {
  CurlHandlePool pool(16);
  const CurlHandles* first = nullptr;
  {
    const CurlHandlePool::Lease lease = pool.take();
    first = &*lease;
    CHECK(lease->easy != nullptr);
    CHECK(lease->multi != nullptr);
  }
  for (int call = 0; call < 3; ++call) {
    const CurlHandlePool::Lease lease = pool.take();
    CHECK(&*lease == first);
  }
  CHECK(pool.created() == 1);
}

TEST_CASE("a call inside a call on one thread runs on another set, which other calls reuse") {
  CurlHandlePool pool(16);
  const CurlHandles* outer = nullptr;
  const CurlHandles* inner = nullptr;
  {
    const CurlHandlePool::Lease a = pool.take();
    const CurlHandlePool::Lease b = pool.take();
    outer = &*a;
    inner = &*b;
    CHECK(a->easy != b->easy);
    CHECK(a->multi != b->multi);
  }
  CHECK(pool.created() == 2);
  CHECK(&*pool.take() == outer);  // the thread's own
  // The inner set went back to the pool: another thread's first call takes it.
  CHECK(taken_by_a_thread(pool) == inner);
  CHECK(pool.created() == 2);
}

TEST_CASE("a thread's set goes back to the pool when the thread ends") {
  CurlHandlePool pool(16);
  const CurlHandles* first = taken_by_a_thread(pool);
  CHECK(taken_by_a_thread(pool) == first);
  CHECK(&*pool.take() == first);
  CHECK(pool.created() == 1);
}

TEST_CASE("two pools never hand out the same handles") {
  CurlHandlePool first(16);
  CurlHandlePool second(16);
  std::set<const void*> seen;
  for (int round = 0; round < 3; ++round) {
    const CurlHandlePool::Lease a = first.take();
    const CurlHandlePool::Lease b = second.take();
    seen.insert(a->easy);
    seen.insert(b->easy);
    CHECK(a->easy != b->easy);
    CHECK(a->multi != b->multi);
  }
  CHECK(seen.size() == 2);  // one set per pool, reused every round
}

TEST_CASE("a pool that is gone leaves its threads nothing to give back") {
  auto pool = std::make_unique<CurlHandlePool>(16);
  std::mutex mutex;
  std::condition_variable cv;
  bool bound = false;
  bool pool_gone = false;
  std::thread user([&] {
    { const CurlHandlePool::Lease lease = pool->take(); }  // binds a set to this thread
    std::unique_lock<std::mutex> lock(mutex);
    bound = true;
    cv.notify_all();
    cv.wait(lock, [&] { return pool_gone; });
    // Ends now, with a binding to a pool that freed its sets.
  });
  {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return bound; });
  }
  pool.reset();  // frees every set, the thread's included
  {
    std::lock_guard<std::mutex> lock(mutex);
    pool_gone = true;
  }
  cv.notify_all();
  user.join();
  // A new pool on this thread starts afresh.
  CurlHandlePool next(16);
  CHECK(next.take()->easy != nullptr);
  CHECK(next.created() == 1);
}

TEST_CASE("two curl transports have handle pools of their own") {
  const CurlTransport first{CurlOptions{}};
  const CurlTransport second{CurlOptions{}};
  CHECK(&first.handle_pool() != &second.handle_pool());
  CHECK(first.handle_pool().created() == 0);  // made on the first send, not before
}

TEST_CASE("threads holding handle sets at once each have their own") {
  constexpr std::size_t kThreads = 8;
  CurlHandlePool pool(16);
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t holding = 0;
  std::vector<const CurlHandles*> taken(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const CurlHandlePool::Lease lease = pool.take();
      taken[t] = &*lease;
      std::unique_lock<std::mutex> lock(mutex);
      ++holding;
      cv.notify_all();
      cv.wait(lock, [&] { return holding == kThreads; });  // every lease is held now
    });
  }
  for (auto& thread : threads) thread.join();
  const std::set<const CurlHandles*> distinct(taken.begin(), taken.end());
  CHECK(distinct.size() == kThreads);
  CHECK(pool.created() == kThreads);
  // The threads ended: their sets are the pool's again, and new threads reuse them.
  for (std::size_t t = 0; t < kThreads; ++t) CHECK(distinct.count(taken_by_a_thread(pool)) == 1);
  CHECK(pool.created() == kThreads);
}
