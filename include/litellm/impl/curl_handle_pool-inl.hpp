#pragma once

// The handle sets of a libcurl transport's send() calls: bound to the threads that call it, given
// back when those threads end, freed with the transport.
#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "litellm/detail/curl_handle_pool.hpp"
#include "litellm/errors.hpp"

namespace litellm::detail {

LITELLM_INLINE CurlHandles::CurlHandles(long max_idle_connections) {
  curl_global_init_once();
  easy = curl_easy_init();
  multi = curl_multi_init();
  if (easy == nullptr || multi == nullptr) {
    curl_multi_cleanup(multi);
    curl_easy_cleanup(easy);
    throw ConnectionError("cannot create curl handles");
  }
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_idle_connections);
}

LITELLM_INLINE CurlHandles::~CurlHandles() {
  curl_multi_cleanup(multi);
  curl_easy_cleanup(easy);
}

LITELLM_INLINE CurlHandles* CurlHandleStore::take_idle() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!idle.empty()) {
      CurlHandles* handles = idle.back();
      idle.pop_back();
      return handles;
    }
  }
  // Made outside the lock: creating handles is slow, and only this call waits for it.
  auto made = std::make_unique<CurlHandles>(max_idle_connections);
  std::lock_guard<std::mutex> lock(mutex);
  idle.reserve(all.size() + 1);  // so that give_back never allocates
  all.push_back(std::move(made));
  return all.back().get();
}

/// The sets bound to the calling thread, one per pool (transport) it called; each goes back to
/// its pool when the thread ends, unless the pool is gone (its sets went with it).
struct CurlThreadBindings {
  struct Binding {
    /// Its pool's store, which the binding does not keep alive. Also its identity: a weak_ptr
    /// keeps the control block, so no other store can have the same owner while it exists.
    std::weak_ptr<CurlHandleStore> store;
    CurlHandles* handles = nullptr;
  };
  std::vector<Binding> bindings;

  CurlThreadBindings() = default;
  CurlThreadBindings(const CurlThreadBindings&) = delete;
  CurlThreadBindings& operator=(const CurlThreadBindings&) = delete;
  ~CurlThreadBindings() {
    for (const Binding& binding : bindings) {
      if (const auto store = binding.store.lock()) store->give_back(binding.handles);
    }
  }
};

/// The calling thread's bindings.
LITELLM_INLINE CurlThreadBindings& curl_thread_bindings() {
  thread_local CurlThreadBindings bindings;
  return bindings;
}

LITELLM_INLINE CurlHandlePool::Lease CurlHandlePool::take() {
  CurlThreadBindings& mine = curl_thread_bindings();
  CurlThreadBindings::Binding* found = nullptr;
  for (CurlThreadBindings::Binding& binding : mine.bindings) {
    // Owner comparisons: no reference count is touched on this path.
    if (!binding.store.owner_before(store_) && !store_.owner_before(binding.store)) {
      found = &binding;
      break;
    }
  }
  if (found != nullptr && !found->handles->in_use) {
    found->handles->in_use = true;
    Lease lease(store_.get(), found->handles);
    lease.bound_ = true;
    return lease;
  }
  // The thread's first call, or a send inside a send (an unbound set for the while).
  Lease lease(store_.get(), store_->take_idle());
  if (found == nullptr) {
    // The set becomes the thread's own. Bindings to pools that are gone go.
    mine.bindings.erase(std::remove_if(mine.bindings.begin(), mine.bindings.end(),
                                       [](const auto& b) { return b.store.expired(); }),
                        mine.bindings.end());
    mine.bindings.push_back({store_, lease.handles_});  // on failure the lease gives it back
    lease.handles_->in_use = true;
    lease.bound_ = true;
  }
  return lease;
}

LITELLM_INLINE std::size_t CurlHandlePool::created() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  return store_->all.size();
}

}  // namespace litellm::detail
