// The libcurl transport, which owns its blocking side (a handle pool) and its non-blocking side.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <utility>

#include "litellm/detail/curl_common.hpp"
#include "litellm/detail/curl_handle_pool.hpp"
#include "litellm/detail/curl_multi.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

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

#include "litellm/detail/header_end.hpp"
