#pragma once

// The libcurl transport and its blocking side.
//
// A call to send() runs on the calling thread's handle set of this transport (an easy handle and
// one multi handle, see CurlHandlePool), so connections (kept in the multi handle's cache), TLS
// sessions and DNS answers are reused by the thread's next call. The exchange is driven by a small
// curl_multi_poll loop of our own, which gives millisecond first-byte and idle timeouts for
// streams (curl's own low-speed limits have one-second resolution). The non-blocking side is
// CurlMultiExchanges (curl_multi-inl.hpp).
#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "litellm/detail/curl_common.hpp"
#include "litellm/detail/curl_handle_pool.hpp"
#include "litellm/detail/curl_transport.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"

namespace litellm {
namespace detail {

LITELLM_INLINE CurlTransport::CurlTransport(CurlOptions options)
    : options_(std::move(options)),
      setup_{&options_, options_.proxy.empty() && no_proxy_in_environment()},
      handles_(options_.max_idle_connections),
      exchanges_(setup_) {}

LITELLM_INLINE void CurlTransport::send(const HttpRequest& request, ResponseSink& sink) {
  const CurlHandlePool::Lease lease = handles_.take();
  CurlHandles& handles = *lease;
  ExchangeState& state = handles.state;
  char* error_buffer = handles.error_buffer;
  error_buffer[0] = '\0';
  std::shared_ptr<const CurlSlist> header_list = header_list_for(handles.header_lists, request);
  if (handles.config.matches(request)) {
    set_exchange(handles.easy, request, header_list->get(), state, error_buffer);
  } else {
    configure_easy(handles.easy, request, setup_, header_list->get(), state, error_buffer,
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
      if (complete_stream_due(state, now, &next_check)) break;
    } else if (auto expired = stream_timeout_expired(state, request, start, now, &next_check)) {
      state.timeout_reason = std::move(expired->reason);
      state.timeout_code = std::move(expired->code);
      result = CURLE_OPERATION_TIMEDOUT;
      break;
    }
    curl_multi_poll(handles.multi, nullptr, 0, static_cast<int>(next_check.count()), nullptr);
  }
  if (result != CURLE_OK || state.failure || state.cancelled) {
    throw_transfer_error(result, state, error_buffer, handles.easy);
  }
  if (!state.headers_delivered) {
    long status = 0;
    curl_easy_getinfo(handles.easy, CURLINFO_RESPONSE_CODE, &status);
    state.status = static_cast<int>(status);
    if (!state.deliver_headers()) {
      throw_transfer_error(result, state, error_buffer, handles.easy);
    }
  }
}

}  // namespace detail

LITELLM_INLINE std::shared_ptr<Transport> make_curl_transport(CurlOptions options) {
  return std::make_shared<detail::CurlTransport>(std::move(options));
}

}  // namespace litellm
