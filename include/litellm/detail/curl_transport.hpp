// The libcurl transport: its blocking side's handle pool, and the transport that owns both sides.
#pragma once

#include "litellm/config.hpp"

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "litellm/detail/curl_common.hpp"
#include "litellm/detail/curl_multi.hpp"
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

  /// New handles; the multi handle keeps at most `max_idle_connections` idle connections.
  explicit CurlHandles(long max_idle_connections);
  ~CurlHandles();
  CurlHandles(const CurlHandles&) = delete;
  CurlHandles& operator=(const CurlHandles&) = delete;
};

/// The handle sets of one transport's blocking side: a thread that calls `send` takes a set,
/// runs its exchange on it and gives it back, so each concurrent `send` has a set of its own and
/// the next call finds the last one's connections (the most recently returned set first). Sets
/// are made on demand, as many as calls ever ran at once, and freed with the pool: handles never
/// pass to another transport. Thread-safe.
class CurlHandlePool {
 public:
  /// Sets made here keep at most `max_idle_connections` idle connections each.
  explicit CurlHandlePool(long max_idle_connections)
      : max_idle_connections_(max_idle_connections) {}
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  /// A set taken from a pool, given back when the lease ends. Must not outlive its pool.
  class Lease {
   public:
    Lease(CurlHandlePool& pool, std::unique_ptr<CurlHandles> handles) noexcept
        : pool_(&pool), handles_(std::move(handles)) {}
    Lease(Lease&& other) noexcept = default;  // the moved-from lease gives nothing back
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (handles_ != nullptr) pool_->give_back(std::move(handles_));
    }
    CurlHandles& operator*() const noexcept { return *handles_; }
    CurlHandles* operator->() const noexcept { return handles_.get(); }

   private:
    CurlHandlePool* pool_;
    std::unique_ptr<CurlHandles> handles_;
  };

  /// The set returned last, or a new one when every set is in use.
  Lease take();
  /// How many sets this pool has made (the most calls that ever ran at once).
  std::size_t created() const;

 private:
  void give_back(std::unique_ptr<CurlHandles> handles) noexcept;

  const long max_idle_connections_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<CurlHandles>> idle_;  // most recently returned last
  std::size_t created_ = 0;
};

/// The libcurl transport (see make_curl_transport). Everything it reuses between calls, handles
/// and the connections they keep, belongs to it alone and dies with it; only curl's global init
/// is process-wide.
class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlOptions options);
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void send(const HttpRequest& request, ResponseSink& sink) override;
  ExchangeId start(const HttpRequest& request, ResponseSink& sink, DoneCallback done) override {
    return exchanges_.start(request, sink, std::move(done));
  }
  std::size_t poll(std::chrono::milliseconds timeout) override { return exchanges_.poll(timeout); }
  void wakeup() override { exchanges_.wakeup(); }
  void cancel(ExchangeId id) override { exchanges_.cancel(id); }

  /// The blocking side's handle sets (for tests).
  const CurlHandlePool& handle_pool() const noexcept { return handles_; }

 private:
  const CurlOptions options_;
  const EasySetup setup_;         // points at options_
  CurlHandlePool handles_;        // the blocking side (send)
  CurlMultiExchanges exchanges_;  // the non-blocking side (start, poll), uses setup_
};

}  // namespace litellm::detail

#ifdef LITELLM_HEADER_ONLY
#include "litellm/impl/curl_transport-inl.hpp"
#endif
