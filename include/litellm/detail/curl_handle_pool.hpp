// The libcurl transport's blocking side: the handle sets a transport's send() calls run on.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <curl/curl.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "litellm/detail/curl_common.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

/// The handles one blocking exchange (`Transport::send`) runs on: an easy handle and the multi
/// handle that drives it (whose connection cache keeps connections, TLS sessions and DNS answers
/// for the next exchange), and what the easy handle is configured for.
struct CurlHandles {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  ExchangeState state;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  /// What `easy` is set up for: a repeated call (same URL, limits) only sets its body and its
  /// header list, as a hand-written curl loop would.
  EasyConfig config;
  HeaderListCache header_lists{16};  ///< One list per key (header set) used on these handles.
  std::shared_ptr<const CurlSlist> header_list;  ///< The one `easy` points at.
  /// For a set bound to a thread (see CurlHandlePool): that thread is running an exchange on it.
  /// Only that thread reads or writes it while the set is bound.
  bool in_use = false;

  /// New handles; the multi handle keeps at most `max_idle_connections` idle connections.
  explicit CurlHandles(long max_idle_connections);
  ~CurlHandles();
  CurlHandles(const CurlHandles&) = delete;
  CurlHandles& operator=(const CurlHandles&) = delete;
};

/// What a CurlHandlePool owns: every set it made, and those bound to no thread. Shared only so
/// that a thread that ends can give its set back to a pool that still exists.
struct CurlHandleStore {
  explicit CurlHandleStore(long max_idle) : max_idle_connections(max_idle) {}
  /// Puts a set that no thread holds back on the idle list. Never allocates.
  void give_back(CurlHandles* handles) noexcept {
    std::lock_guard<std::mutex> lock(mutex);
    idle.push_back(handles);
  }
  /// An idle set (the one given back last), else a new one.
  CurlHandles* take_idle();

  const long max_idle_connections;
  std::mutex mutex;
  std::vector<std::unique_ptr<CurlHandles>> all;  ///< Every set made.
  std::vector<CurlHandles*> idle;                 ///< Bound to no thread; room for all of them.
};

/// The handle sets of one transport's blocking side. The first `send` of a thread binds a set to
/// that thread, and its later calls run on it without any lock, finding its connections again;
/// when the thread ends the set goes back to the pool for other threads. (A `send` called from
/// inside a sink of another `send` on the same thread takes a set of its own for the while.)
/// Sets are made on demand, as many as threads ever used the transport at once, and are freed
/// with the pool: they never pass to another transport. Thread-safe.
class CurlHandlePool {
 public:
  /// Sets made here keep at most `max_idle_connections` idle connections each.
  explicit CurlHandlePool(long max_idle_connections)
      : store_(std::make_shared<CurlHandleStore>(max_idle_connections)) {}
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  /// A set taken for one exchange, given back when the lease ends. Must not outlive its pool.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : store_(other.store_),
          handles_(std::exchange(other.handles_, nullptr)),
          bound_(other.bound_) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (handles_ == nullptr) return;  // moved from
      if (bound_) {
        handles_->in_use = false;  // stays with its thread
      } else {
        store_->give_back(handles_);
      }
    }
    CurlHandles& operator*() const noexcept { return *handles_; }
    CurlHandles* operator->() const noexcept { return handles_; }

   private:
    friend class CurlHandlePool;
    Lease(CurlHandleStore* store, CurlHandles* handles) noexcept
        : store_(store), handles_(handles) {}
    CurlHandleStore* store_;
    CurlHandles* handles_;
    bool bound_ = false;
  };

  /// The calling thread's set, or, when it has none free, one bound to no thread.
  Lease take();
  /// How many sets this pool has made.
  std::size_t created() const;

 private:
  std::shared_ptr<CurlHandleStore> store_;
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
