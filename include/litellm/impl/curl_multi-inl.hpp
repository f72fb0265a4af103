#pragma once

// The libcurl transport's non-blocking side (see CurlMultiExchanges): exchanges begun by start()
// run concurrently on one multi handle that poll() drives.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "litellm/detail/curl_common.hpp"
#include "litellm/detail/curl_multi.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

LITELLM_INLINE CurlMultiExchanges::CurlMultiExchanges(const EasySetup& setup) : setup_(setup) {
  curl_global_init_once();
  // Keeps curl's default connection cache (4 per transfer handle), so every concurrent transfer
  // finds its connection again.
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw ConnectionError("cannot create a curl multi handle");
}

LITELLM_INLINE CurlMultiExchanges::~CurlMultiExchanges() {
  for (const auto& exchange : slots_) {
    if (exchange->request != nullptr) curl_multi_remove_handle(multi_, exchange->easy);
    curl_easy_cleanup(exchange->easy);
  }
  curl_multi_cleanup(multi_);
}

LITELLM_INLINE CurlMultiExchanges::ExchangeId CurlMultiExchanges::start(const HttpRequest& request,
                                                                        ResponseSink& sink,
                                                                        DoneCallback done) {
  std::shared_ptr<const CurlSlist> headers = header_list_for(header_lists_, request);
  AsyncExchange& exchange = take_spare(request);
  const bool reuse = exchange.config.matches(request);
  exchange.request = &request;
  if (request.stream) exchange.started = std::chrono::steady_clock::now();  // stream timers
  exchange.headers = std::move(headers);
  exchange.state.reset(&sink, request.stream);
  exchange.error_buffer[0] = '\0';
  if (reuse) {
    set_exchange(exchange.easy, request, exchange.headers->get(), exchange.state,
                 exchange.error_buffer);
  } else {
    configure_easy(exchange.easy, request, setup_, exchange.headers->get(), exchange.state,
                   exchange.error_buffer, exchange.config);
  }
  curl_easy_setopt(exchange.easy, CURLOPT_PRIVATE, &exchange);
  if (curl_multi_add_handle(multi_, exchange.easy) != CURLM_OK) {
    release(exchange);
    throw ConnectionError("cannot start the transfer");
  }
  // Never 0: the id of slot 0 would then be Transport::kEndedExchange.
  if (++exchange.generation == 0) exchange.generation = 1;
  exchange.done = std::move(done);
  exchange.active_index = active_.size();
  active_.push_back(&exchange);
  if (request.stream) ++active_streams_;
  return (static_cast<ExchangeId>(exchange.generation) << 32) | exchange.slot;
}

LITELLM_INLINE std::size_t CurlMultiExchanges::poll(std::chrono::milliseconds timeout) {
  if (deliver_pending()) return active_.size();
  if (perform_and_collect() == 0) {
    const auto wait = std::min(timeout, next_stream_check());
    curl_multi_poll(multi_, nullptr, 0, static_cast<int>(std::max<long long>(wait.count(), 0)),
                    nullptr);
    perform_and_collect();
  }
  deliver_pending();
  return active_.size();
}

LITELLM_INLINE void CurlMultiExchanges::cancel(ExchangeId id) {
  const auto slot = static_cast<std::size_t>(id & 0xffffffffu);
  if (slot >= slots_.size()) return;
  AsyncExchange& exchange = *slots_[slot];
  if (exchange.request == nullptr || exchange.generation != (id >> 32)) return;  // ended
  exchange.state.cancelled = true;
  end_exchange(exchange, CURLE_ABORTED_BY_CALLBACK);
}

LITELLM_INLINE CurlMultiExchanges::AsyncExchange& CurlMultiExchanges::take_spare(
    const HttpRequest& request) {
  if (spare_.empty()) {
    auto created = std::make_unique<AsyncExchange>();
    created->easy = curl_easy_init();
    if (created->easy == nullptr) throw ConnectionError("cannot create a curl handle");
    created->slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(std::move(created));
    return *slots_.back();
  }
  auto match = std::find_if(spare_.rbegin(), spare_.rend(), [&](const AsyncExchange* spare) {
    return spare->config.matches(request);
  });
  if (match == spare_.rend()) match = spare_.rbegin();
  AsyncExchange& exchange = **match;
  *match = spare_.back();
  spare_.pop_back();
  return exchange;
}

LITELLM_INLINE void CurlMultiExchanges::release(AsyncExchange& exchange) {
  exchange.request = nullptr;
  exchange.state.sink = nullptr;
  exchange.state.request_headers = nullptr;
  exchange.headers.reset();
  spare_.push_back(&exchange);
}

LITELLM_INLINE std::size_t CurlMultiExchanges::perform_and_collect() {
  int running = 0;
  curl_multi_perform(multi_, &running);
  std::size_t ended = 0;
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    void* data = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &data);
    auto* exchange = static_cast<AsyncExchange*>(data);
    if (exchange == nullptr || exchange->request == nullptr) continue;
    end_exchange(*exchange, msg->data.result);
    ++ended;
  }
  if (active_streams_ == 0) return ended;  // only streams have timers of our own
  const auto now = std::chrono::steady_clock::now();
  // Backwards: end_exchange moves the last exchange into the ended one's place.
  for (std::size_t i = active_.size(); i-- > 0;) {
    AsyncExchange& exchange = *active_[i];
    std::chrono::milliseconds ignored{0};
    if (exchange.state.sink_complete) {
      // The stream is whole but its body still open: a success (detaching the handle closes
      // its connection).
      if (complete_stream_due(exchange.state, now, &ignored)) {
        end_exchange(exchange, CURLE_OK);
        ++ended;
      }
      continue;
    }
    if (auto expired = stream_timeout_expired(exchange.state, *exchange.request, exchange.started,
                                              now, &ignored)) {
      exchange.state.timeout_reason = std::move(expired->reason);
      exchange.state.timeout_code = std::move(expired->code);
      end_exchange(exchange, CURLE_OPERATION_TIMEDOUT);
      ++ended;
    }
  }
  return ended;
}

LITELLM_INLINE std::chrono::milliseconds CurlMultiExchanges::next_stream_check() const {
  std::chrono::milliseconds next{1000};
  if (active_streams_ == 0) return next;
  const auto now = std::chrono::steady_clock::now();
  for (const AsyncExchange* exchange : active_) {
    std::chrono::milliseconds check{1000};
    if (exchange->state.sink_complete) {
      complete_stream_due(exchange->state, now, &check);
    } else {
      stream_timeout_expired(exchange->state, *exchange->request, exchange->started, now, &check);
    }
    next = std::min(next, check);
  }
  return next;
}

LITELLM_INLINE void CurlMultiExchanges::end_exchange(AsyncExchange& exchange, CURLcode code) {
  AsyncExchange* last = active_.back();
  active_[exchange.active_index] = last;
  last->active_index = exchange.active_index;
  active_.pop_back();
  if (exchange.request->stream) --active_streams_;
  curl_multi_remove_handle(multi_, exchange.easy);
  std::exception_ptr error;
  ExchangeState& state = exchange.state;
  try {
    if (code != CURLE_OK || state.failure || state.cancelled || !state.timeout_reason.empty()) {
      throw_transfer_error(code, state, exchange.error_buffer, exchange.easy);
    }
    if (!state.headers_delivered) {
      long status = 0;
      curl_easy_getinfo(exchange.easy, CURLINFO_RESPONSE_CODE, &status);
      state.status = static_cast<int>(status);
      if (!state.deliver_headers()) {
        throw_transfer_error(code, state, exchange.error_buffer, exchange.easy);
      }
    }
  } catch (...) {
    error = std::current_exception();
  }
  pending_.emplace_back(std::move(exchange.done), error);
  exchange.done = nullptr;
  release(exchange);
}

LITELLM_INLINE bool CurlMultiExchanges::deliver_pending() {
  if (pending_.empty()) return false;
  // The two vectors trade places so that neither loses its capacity (a callback may start a new
  // exchange, which queues into pending_ again).
  std::vector<Pending> ready = std::move(delivering_);
  ready.swap(pending_);
  for (auto& [done, error] : ready) done(error);
  ready.clear();
  delivering_ = std::move(ready);
  return true;
}

}  // namespace litellm::detail
