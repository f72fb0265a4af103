// The libcurl transport's non-blocking side: one multi handle, driven by the backend's I/O thread.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "litellm/detail/curl_common.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

/// The exchanges a transport runs with `Transport::start`, on one multi handle of its own.
///
/// Exchanges are pooled: an ended one keeps its easy handle (and what it is configured for), its
/// header vector's capacity and its slot, and the next start() takes it back, so a steady stream
/// of calls allocates nothing here but what curl itself does. An ExchangeId is the slot and the
/// slot's generation (bumped on every start, never 0), so the id of an ended exchange never names
/// the next one in its slot, and no id is `Transport::kEndedExchange`.
///
/// Every function but wakeup() is called from the I/O thread only.
class CurlMultiExchanges {
 public:
  using ExchangeId = Transport::ExchangeId;
  using DoneCallback = Transport::DoneCallback;

  /// Configures its handles with `setup`, which must outlive it.
  explicit CurlMultiExchanges(const EasySetup& setup);
  ~CurlMultiExchanges();
  CurlMultiExchanges(const CurlMultiExchanges&) = delete;
  CurlMultiExchanges& operator=(const CurlMultiExchanges&) = delete;

  /// See Transport::start.
  ExchangeId start(const HttpRequest& request, ResponseSink& sink, DoneCallback done);
  /// See Transport::poll.
  std::size_t poll(std::chrono::milliseconds timeout);
  /// See Transport::wakeup (thread-safe).
  void wakeup() { curl_multi_wakeup(multi_); }
  /// See Transport::cancel.
  void cancel(ExchangeId id);

 private:
  struct AsyncExchange {
    CURL* easy = nullptr;
    std::uint32_t slot = 0;                ///< Its index in slots_.
    std::uint32_t generation = 0;          ///< Bumped on every start.
    std::size_t active_index = 0;          ///< Its index in active_ while running.
    const HttpRequest* request = nullptr;  ///< Set while running.
    DoneCallback done;
    ExchangeState state;
    std::shared_ptr<const CurlSlist> headers;
    std::chrono::steady_clock::time_point started;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    EasyConfig config;  ///< What `easy` is configured for.
  };
  using Pending = std::pair<DoneCallback, std::exception_ptr>;

  /// An idle exchange for `request`: preferably one whose handle is configured for the same URL
  /// and limits (it then needs only the body and headers), else any, else a new one.
  AsyncExchange& take_spare(const HttpRequest& request);
  /// Returns an exchange that is not running to the spare list.
  void release(AsyncExchange& exchange);
  /// Runs curl, ends the finished and timed-out exchanges; returns how many ended.
  std::size_t perform_and_collect();
  /// The longest poll may wait before a stream's first-byte or idle timer must be looked at.
  std::chrono::milliseconds next_stream_check() const;
  /// Detaches a running exchange, queues its done callback with its outcome and makes it spare.
  void end_exchange(AsyncExchange& exchange, CURLcode code);
  /// Calls the queued done callbacks; true when there were any.
  bool deliver_pending();

  const EasySetup& setup_;
  CURLM* multi_ = nullptr;
  std::vector<std::unique_ptr<AsyncExchange>> slots_;  // every exchange ever made, by slot
  std::vector<AsyncExchange*> active_;                 // running, in no particular order
  std::vector<AsyncExchange*> spare_;                  // idle, reused by start()
  std::size_t active_streams_ = 0;                     // running exchanges with request.stream
  HeaderListCache header_lists_;
  std::vector<Pending> pending_;
  std::vector<Pending> delivering_;
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
