#pragma once

// The libcurl transport.
//
// Each thread keeps one easy handle and one multi handle and reuses them for every exchange, so
// connections (kept in the multi handle's cache), TLS sessions and DNS answers are reused. The
// exchange is driven by a small curl_multi_poll loop of our own, which gives millisecond first-byte
// and idle timeouts for streams (curl's own low-speed limits have one-second resolution).
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <vector>

#include "litellm/detail/curl_common.hpp"
#include "litellm/detail/redact.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"

namespace litellm {
namespace detail {

/// One thread's reusable handles, and what the easy handle is configured for.
struct ThreadHandles {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  ExchangeState state;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  // What `easy` is set up for: a repeated call (same transport, URL, limits) only sets its
  // body and its header list, as a hand-written curl loop would.
  detail::EasyConfig config;
  detail::HeaderListCache header_lists{16};  // one list per key (header set) this thread used
  std::shared_ptr<const detail::CurlSlist> header_list;  // the one `easy` points at

  ThreadHandles() {
    detail::curl_global_init_once();
    easy = curl_easy_init();
    multi = curl_multi_init();
    if (easy == nullptr || multi == nullptr) throw ConnectionError("cannot create curl handles");
  }
  ~ThreadHandles() {
    curl_multi_cleanup(multi);
    curl_easy_cleanup(easy);
  }
  ThreadHandles(const ThreadHandles&) = delete;
  ThreadHandles& operator=(const ThreadHandles&) = delete;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlOptions options)
      : options_(std::move(options)),
        setup_{&options_, next_id(), options_.proxy.empty() && detail::no_proxy_in_environment()} {
    detail::curl_global_init_once();
    // The non-blocking side keeps curl's default connection cache (4 per transfer handle), so
    // every concurrent transfer finds its connection again.
    multi_ = curl_multi_init();
    if (multi_ == nullptr) throw ConnectionError("cannot create a curl multi handle");
  }

  ~CurlTransport() override {
    for (const auto& exchange : slots_) {
      if (exchange->request != nullptr) curl_multi_remove_handle(multi_, exchange->easy);
      curl_easy_cleanup(exchange->easy);
    }
    curl_multi_cleanup(multi_);
  }

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void send(const HttpRequest& request, ResponseSink& sink) override {
    thread_local ThreadHandles handles;
    if (handles.state.sink != nullptr) {
      throw ConfigError("Transport::send called again from inside its own response sink");
    }
    ExchangeState& state = handles.state;
    char* error_buffer = handles.error_buffer;
    error_buffer[0] = '\0';
    std::shared_ptr<const detail::CurlSlist> header_list =
        detail::header_list_for(handles.header_lists, request);
    if (handles.config.matches(setup_.transport_id, request)) {
      detail::set_exchange(handles.easy, request, header_list->get(), state, error_buffer);
    } else {
      detail::configure_easy(handles.easy, request, setup_, header_list->get(), state, error_buffer,
                             handles.config);
    }
    handles.header_list = std::move(header_list);  // curl reads it until the next call
    state.reset(&sink, request.stream);
    struct SinkGuard {
      ExchangeState& state;
      ~SinkGuard() {
        state.sink = nullptr;
        state.request_headers = nullptr;
      }
    } sink_guard{state};

    curl_multi_setopt(handles.multi, CURLMOPT_MAXCONNECTS, options_.max_idle_connections);
    if (curl_multi_add_handle(handles.multi, handles.easy) != CURLM_OK) {
      throw ConnectionError("cannot start the transfer");
    }
    struct Attached {
      CURLM* multi;
      CURL* easy;
      ~Attached() { curl_multi_remove_handle(multi, easy); }
    } attached{handles.multi, handles.easy};

    const auto start = std::chrono::steady_clock::now();
    CURLcode result = CURLE_OK;
    while (true) {
      int running = 0;
      const CURLMcode mc = curl_multi_perform(handles.multi, &running);
      if (mc != CURLM_OK) throw ConnectionError(std::string("curl: ") + curl_multi_strerror(mc));
      if (running == 0) {
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(handles.multi, &queued)) {
          if (msg->msg == CURLMSG_DONE) result = msg->data.result;
        }
        break;
      }
      std::chrono::milliseconds next_check{1000};
      const auto now = std::chrono::steady_clock::now();
      if (state.sink_complete) {
        // The stream is whole but its body still open: done (the handle is detached on return,
        // which closes its connection).
        if (detail::complete_stream_due(state, now, &next_check)) break;
      } else if (auto expired =
                     detail::stream_timeout_expired(state, request, start, now, &next_check)) {
        state.timeout_reason = std::move(expired->reason);
        state.timeout_code = std::move(expired->code);
        result = CURLE_OPERATION_TIMEDOUT;
        break;
      }
      curl_multi_poll(handles.multi, nullptr, 0, static_cast<int>(next_check.count()), nullptr);
    }
    if (result != CURLE_OK || state.failure || state.cancelled) {
      detail::throw_transfer_error(result, state, error_buffer, handles.easy);
    }
    if (!state.headers_delivered) {
      long status = 0;
      curl_easy_getinfo(handles.easy, CURLINFO_RESPONSE_CODE, &status);
      state.status = static_cast<int>(status);
      if (!state.deliver_headers()) {
        detail::throw_transfer_error(result, state, error_buffer, handles.easy);
      }
    }
  }

  // ---- The non-blocking side: one multi handle driven by the backend's I/O thread ----
  //
  // Exchanges are pooled: an ended one keeps its easy handle (and what it is configured for), its
  // header vector's capacity and its slot, and the next start() takes it back, so a steady stream
  // of calls allocates nothing here but what curl itself does. An ExchangeId is the slot and the
  // slot's generation (bumped on every start), so the id of an ended exchange never names the next
  // one in its slot.

  ExchangeId start(const HttpRequest& request, ResponseSink& sink, DoneCallback done) override {
    std::shared_ptr<const detail::CurlSlist> headers =
        detail::header_list_for(header_lists_, request);
    AsyncExchange& exchange = take_spare(request);
    const bool reuse = exchange.config.matches(setup_.transport_id, request);
    exchange.request = &request;
    if (request.stream) exchange.started = std::chrono::steady_clock::now();  // stream timers
    exchange.headers = std::move(headers);
    exchange.state.reset(&sink, request.stream);
    exchange.error_buffer[0] = '\0';
    if (reuse) {
      detail::set_exchange(exchange.easy, request, exchange.headers->get(), exchange.state,
                           exchange.error_buffer);
    } else {
      detail::configure_easy(exchange.easy, request, setup_, exchange.headers->get(),
                             exchange.state, exchange.error_buffer, exchange.config);
    }
    curl_easy_setopt(exchange.easy, CURLOPT_PRIVATE, &exchange);
    if (curl_multi_add_handle(multi_, exchange.easy) != CURLM_OK) {
      release(exchange);
      throw ConnectionError("cannot start the transfer");
    }
    if (++exchange.generation == 0) exchange.generation = 1;  // 0 never names an exchange
    exchange.done = std::move(done);
    exchange.active_index = active_.size();
    active_.push_back(&exchange);
    if (request.stream) ++active_streams_;
    return (static_cast<ExchangeId>(exchange.generation) << 32) | exchange.slot;
  }

  std::size_t poll(std::chrono::milliseconds timeout) override {
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

  void wakeup() override { curl_multi_wakeup(multi_); }

  void cancel(ExchangeId id) override {
    const auto slot = static_cast<std::size_t>(id & 0xffffffffu);
    if (slot >= slots_.size()) return;
    AsyncExchange& exchange = *slots_[slot];
    if (exchange.request == nullptr || exchange.generation != (id >> 32)) return;  // ended
    exchange.state.cancelled = true;
    end_exchange(exchange, CURLE_ABORTED_BY_CALLBACK);
  }

 private:
  struct AsyncExchange {
    CURL* easy = nullptr;
    std::uint32_t slot = 0;                ///< Its index in slots_.
    std::uint32_t generation = 0;          ///< Bumped on every start.
    std::size_t active_index = 0;          ///< Its index in active_ while running.
    const HttpRequest* request = nullptr;  ///< Set while running.
    DoneCallback done;
    ExchangeState state;
    std::shared_ptr<const detail::CurlSlist> headers;
    std::chrono::steady_clock::time_point started;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    detail::EasyConfig config;  ///< What `easy` is configured for.
  };

  /// An idle exchange for `request`: preferably one whose handle is configured for the same URL
  /// and limits (it then needs only the body and headers), else any, else a new one.
  AsyncExchange& take_spare(const HttpRequest& request) {
    if (spare_.empty()) {
      auto created = std::make_unique<AsyncExchange>();
      created->easy = curl_easy_init();
      if (created->easy == nullptr) throw ConnectionError("cannot create a curl handle");
      created->slot = static_cast<std::uint32_t>(slots_.size());
      slots_.push_back(std::move(created));
      return *slots_.back();
    }
    auto match = std::find_if(spare_.rbegin(), spare_.rend(), [&](const AsyncExchange* spare) {
      return spare->config.matches(setup_.transport_id, request);
    });
    if (match == spare_.rend()) match = spare_.rbegin();
    AsyncExchange& exchange = **match;
    *match = spare_.back();
    spare_.pop_back();
    return exchange;
  }

  /// Returns an exchange that is not running to the spare list.
  void release(AsyncExchange& exchange) {
    exchange.request = nullptr;
    exchange.state.sink = nullptr;
    exchange.state.request_headers = nullptr;
    exchange.headers.reset();
    spare_.push_back(&exchange);
  }

  /// Runs curl, ends the finished and timed-out exchanges; returns how many ended.
  std::size_t perform_and_collect() {
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
        if (detail::complete_stream_due(exchange.state, now, &ignored)) {
          end_exchange(exchange, CURLE_OK);
          ++ended;
        }
        continue;
      }
      if (auto expired = detail::stream_timeout_expired(exchange.state, *exchange.request,
                                                        exchange.started, now, &ignored)) {
        exchange.state.timeout_reason = std::move(expired->reason);
        exchange.state.timeout_code = std::move(expired->code);
        end_exchange(exchange, CURLE_OPERATION_TIMEDOUT);
        ++ended;
      }
    }
    return ended;
  }

  /// The longest poll may wait before a stream's first-byte or idle timer must be looked at.
  std::chrono::milliseconds next_stream_check() const {
    std::chrono::milliseconds next{1000};
    if (active_streams_ == 0) return next;
    const auto now = std::chrono::steady_clock::now();
    for (const AsyncExchange* exchange : active_) {
      std::chrono::milliseconds check{1000};
      if (exchange->state.sink_complete) {
        detail::complete_stream_due(exchange->state, now, &check);
      } else {
        detail::stream_timeout_expired(exchange->state, *exchange->request, exchange->started, now,
                                       &check);
      }
      next = std::min(next, check);
    }
    return next;
  }

  /// Detaches a running exchange, queues its done callback with its outcome and makes it spare.
  void end_exchange(AsyncExchange& exchange, CURLcode code) {
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
        detail::throw_transfer_error(code, state, exchange.error_buffer, exchange.easy);
      }
      if (!state.headers_delivered) {
        long status = 0;
        curl_easy_getinfo(exchange.easy, CURLINFO_RESPONSE_CODE, &status);
        state.status = static_cast<int>(status);
        if (!state.deliver_headers()) {
          detail::throw_transfer_error(code, state, exchange.error_buffer, exchange.easy);
        }
      }
    } catch (...) {
      error = std::current_exception();
    }
    pending_.emplace_back(std::move(exchange.done), error);
    exchange.done = nullptr;
    release(exchange);
  }

  /// Calls the queued done callbacks; true when there were any.
  bool deliver_pending() {
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

  static std::uint64_t next_id() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
  }

  using Pending = std::pair<DoneCallback, std::exception_ptr>;

  CurlOptions options_;
  // How handles are set up; its transport_id tells this transport's configuration on reused
  // thread handles.
  const detail::EasySetup setup_;
  CURLM* multi_ = nullptr;  // the non-blocking side (I/O thread only, but wakeup)
  // I/O thread only:
  std::vector<std::unique_ptr<AsyncExchange>> slots_;  // every exchange ever made, by slot
  std::vector<AsyncExchange*> active_;                 // running, in no particular order
  std::vector<AsyncExchange*> spare_;                  // idle, reused by start()
  std::size_t active_streams_ = 0;                     // running exchanges with request.stream
  detail::HeaderListCache header_lists_;
  std::vector<Pending> pending_;
  std::vector<Pending> delivering_;
};

}  // namespace detail

LITELLM_INLINE std::shared_ptr<Transport> make_curl_transport(CurlOptions options) {
  return std::make_shared<detail::CurlTransport>(std::move(options));
}

}  // namespace litellm
