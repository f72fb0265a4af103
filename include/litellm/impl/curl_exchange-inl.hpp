#pragma once

// One libcurl exchange as the transport sees it: the callbacks that hand status, headers and body
// to the sink, the stream timers of our own, and the typed error of a failed transfer.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "litellm/detail/curl_common.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

LITELLM_INLINE void ExchangeState::reset(ResponseSink* sink_in, bool stream_in) {
  sink = sink_in;
  stream = stream_in;
  status = 0;
  headers.clear();
  keep_headers = true;
  headers_delivered = false;
  body_started = false;
  cancelled = false;
  failure = nullptr;
  timeout_reason.clear();
  timeout_code.clear();
  sink_complete = false;
  // Only streams have first-byte and idle timers (the clock is read per body piece for them).
  if (stream) last_body_byte = std::chrono::steady_clock::now();
}

LITELLM_INLINE bool ExchangeState::deliver_headers() {
  if (headers_delivered) return true;
  headers_delivered = true;
  try {
    if (!sink->on_headers(status, headers)) {
      cancelled = true;
      return false;
    }
  } catch (...) {
    failure = std::current_exception();
    return false;
  }
  return true;
}

LITELLM_INLINE std::size_t header_callback(char* data, std::size_t size, std::size_t count,
                                           void* user) {
  auto& state = *static_cast<ExchangeState*>(user);
  const std::size_t length = size * count;
  std::string_view line(data, length);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line: a 1xx, a proxy's CONNECT answer, or the final response.
    state.headers.clear();
    const std::size_t space = line.find(' ');
    state.status = 0;
    if (space != std::string_view::npos) {
      for (std::size_t i = space + 1; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
        state.status = state.status * 10 + (line[i] - '0');
      }
    }
    try {
      state.keep_headers = state.sink->wants_headers(state.status);
    } catch (...) {
      state.failure = std::current_exception();
      return 0;
    }
    return length;
  }
  if (line.empty()) {
    // The end of a header block: the final one when the status is not 1xx.
    if (state.status >= 200 && !state.deliver_headers()) return 0;
    return length;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos &&
      (state.keep_headers || state.sink->wants_header_field(line.substr(0, colon)))) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    state.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  return length;
}

LITELLM_INLINE std::size_t write_callback(char* data, std::size_t size, std::size_t count,
                                          void* user) {
  auto& state = *static_cast<ExchangeState*>(user);
  const std::size_t length = size * count;
  if (!state.deliver_headers()) return 0;
  state.body_started = true;
  if (state.stream) state.last_body_byte = std::chrono::steady_clock::now();
  try {
    if (!state.sink->on_body(std::string_view(data, length))) {
      state.cancelled = true;
      return 0;
    }
    // Not aborted here: the body's own end usually follows at once (often in this very read),
    // and a transfer that ends by itself keeps its connection reusable. The I/O loops end it
    // after kCompleteGrace if it does not.
    if (state.stream && !state.sink_complete && state.sink->complete()) {
      state.sink_complete = true;
      state.completed_at = state.last_body_byte;
    }
  } catch (...) {
    state.failure = std::current_exception();
    return 0;
  }
  return length;
}

LITELLM_INLINE bool complete_stream_due(const ExchangeState& state,
                                        std::chrono::steady_clock::time_point now,
                                        std::chrono::milliseconds* next_check) {
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - state.completed_at);
  if (waited >= kCompleteGrace) return true;
  *next_check =
      std::max(std::min(*next_check, kCompleteGrace - waited), std::chrono::milliseconds(1));
  return false;
}

LITELLM_INLINE std::optional<ExpiredTimer> stream_timeout_expired(
    const ExchangeState& state, const HttpRequest& request,
    std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point now,
    std::chrono::milliseconds* next_check) {
  using std::chrono::milliseconds;
  *next_check = milliseconds(1000);
  if (!request.stream) return std::nullopt;
  const Timeouts& t = request.timeouts;
  if (t.stream_total.count() > 0) {
    const auto elapsed = std::chrono::duration_cast<milliseconds>(now - start);
    if (elapsed >= t.stream_total) {
      return ExpiredTimer{"the stream lasted longer than its total timeout (" +
                              std::to_string(t.stream_total.count()) + " ms)",
                          "stream_total"};
    }
    *next_check = std::min(*next_check, t.stream_total - elapsed);
  }
  if (!state.body_started) {
    if (t.first_byte.count() > 0) {
      const auto elapsed = std::chrono::duration_cast<milliseconds>(now - start);
      if (elapsed >= t.first_byte) {
        return ExpiredTimer{"no response body within the first-byte timeout (" +
                                std::to_string(t.first_byte.count()) + " ms)",
                            "first_byte"};
      }
      *next_check = std::min(*next_check, t.first_byte - elapsed);
    }
  } else if (t.idle.count() > 0) {
    const auto silent = std::chrono::duration_cast<milliseconds>(now - state.last_body_byte);
    if (silent >= t.idle) {
      return ExpiredTimer{"the stream was idle longer than the idle timeout (" +
                              std::to_string(t.idle.count()) + " ms)",
                          "idle"};
    }
    *next_check = std::min(*next_check, t.idle - silent);
  }
  if (next_check->count() < 1) *next_check = milliseconds(1);
  return std::nullopt;
}

/// The failures of certificate or host name verification (and of the local TLS files that
/// verification needs): sending again cannot help.
LITELLM_INLINE bool is_tls_verification_failure(CURLcode code) noexcept {
  // CURLE_SSL_CACERT is an alias of CURLE_PEER_FAILED_VERIFICATION in libcurl >= 7.62: a list,
  // not a switch, takes both spellings.
  for (const CURLcode failure :
       {CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT, CURLE_SSL_CACERT_BADFILE,
        CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE,
        CURLE_SSL_CERTPROBLEM}) {
    if (code == failure) return true;
  }
  return false;
}

[[noreturn]] LITELLM_INLINE void throw_transfer_error(CURLcode code, const ExchangeState& state,
                                                      const char* error_buffer, CURL* easy) {
  if (state.failure) std::rethrow_exception(state.failure);
  ErrorDetails details;
  details.http_status = state.headers_delivered ? state.status : 0;
  if (!state.timeout_reason.empty()) {
    details.error_code = state.timeout_code;
    throw TimeoutError(state.timeout_reason, std::move(details));
  }
  if (state.cancelled)
    throw CancelledError("the response handler cancelled the exchange", std::move(details));
  std::string text = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (code == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t connect_us = 0;
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    throw TimeoutError(
        std::string(connect_us == 0 ? "connect timeout: " : "request timeout: ") + text,
        std::move(details));
  }
  if (is_tls_verification_failure(code)) {
    details.error_code = "tls_verification";  // not retryable (Error::retryable)
    throw ConnectionError("TLS certificate verification failed: " + text, std::move(details));
  }
  throw ConnectionError(text, std::move(details));
}

}  // namespace litellm::detail
