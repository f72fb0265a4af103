// The libcurl transport's blocking side keeps its handles in a pool of its own: a handle set given
// back is the next call's (its connections reused), sets in use at once are distinct, and two
// pools (two transports) never hand out the same handles. No network: handles are only created.
#include <condition_variable>
#include <cstddef>
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

TEST_CASE("a handle set given back is the one the next call takes") {
  CurlHandlePool pool(16);
  CurlHandles* first = nullptr;
  {
    const CurlHandlePool::Lease lease = pool.take();
    first = &*lease;
    CHECK(lease->easy != nullptr);
    CHECK(lease->multi != nullptr);
  }
  {
    const CurlHandlePool::Lease lease = pool.take();
    CHECK(&*lease == first);
  }
  CHECK(pool.created() == 1);
}

TEST_CASE("handle sets in use at once are distinct, and the last one given back comes first") {
  CurlHandlePool pool(16);
  CurlHandles* kept = nullptr;
  {
    const CurlHandlePool::Lease a = pool.take();
    const CurlHandlePool::Lease b = pool.take();
    CHECK(&*a != &*b);
    CHECK(a->easy != b->easy);
    CHECK(a->multi != b->multi);
    kept = &*a;  // `a` is given back after `b`
  }
  CHECK(pool.created() == 2);
  const CurlHandlePool::Lease again = pool.take();
  CHECK(&*again == kept);
  CHECK(pool.created() == 2);
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
  CHECK(std::set<const CurlHandles*>(taken.begin(), taken.end()).size() == kThreads);
  CHECK(pool.created() == kThreads);
  // All given back: the next takes reuse them.
  std::set<const CurlHandles*> again;
  {
    std::vector<CurlHandlePool::Lease> leases;
    leases.reserve(kThreads);
    for (std::size_t i = 0; i < kThreads; ++i) leases.emplace_back(pool.take());
    for (const auto& lease : leases) again.insert(&*lease);
  }
  CHECK(again == std::set<const CurlHandles*>(taken.begin(), taken.end()));
  CHECK(pool.created() == kThreads);
}
