/// @file
/// `FakeTransport`: a `Transport` that replays scripted responses, for tests (the library's and
/// yours). Bodies can be delivered in pieces of any size, and transport failures injected before
/// the headers or after part of the body.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "litellm/errors.hpp"
#include "litellm/http.hpp"

namespace litellm {

/// One scripted answer of a `FakeTransport`.
struct FakeResponse {
  int status = 200;  ///< The HTTP status.
  Headers headers;   ///< Response headers.
  std::string body;  ///< The body.
  /// Deliver the body in pieces of this many bytes (0: in one piece).
  std::size_t piece_size = 0;
  /// Fail with `ConnectionError` before any header (a reset or refused connection).
  bool fail_before_headers = false;
  /// Deliver only the first `fail_after_bytes` bytes of the body, then fail with
  /// `ConnectionError` (a connection cut mid-body). Negative: never.
  long fail_after_bytes = -1;
  /// Fail with `TimeoutError` instead of `ConnectionError` in the two cases above.
  bool fail_as_timeout = false;
  /// Called with the request before answering (e.g. to check it, or to block).
  std::function<void(const HttpRequest&)> on_request;

  /// A 200 `application/json` response.
  static FakeResponse json_body(std::string body, int status = 200) {
    FakeResponse r;
    r.status = status;
    r.headers.add("content-type", "application/json");
    r.body = std::move(body);
    return r;
  }
  /// A 200 `text/event-stream` response delivered in `piece_size`-byte pieces.
  static FakeResponse event_stream(std::string body, std::size_t piece_size = 0) {
    FakeResponse r;
    r.headers.add("content-type", "text/event-stream");
    r.body = std::move(body);
    r.piece_size = piece_size;
    return r;
  }
};

/// Answers each request with the next scripted `FakeResponse` (FIFO), else with the responder
/// function, and records every request. Thread-safe. With neither, a request fails with
/// `ConnectionError`.
class FakeTransport final : public Transport {
 public:
  /// Computes an answer from the request, for requests with no scripted answer left.
  using Responder = std::function<FakeResponse(const HttpRequest&)>;

  /// Queues an answer.
  void push(FakeResponse response) {
    std::lock_guard<std::mutex> guard(mutex_);
    responses_.push_back(std::move(response));
  }

  /// Sets the function that answers when no scripted answer is left.
  void respond_with(Responder responder) {
    std::lock_guard<std::mutex> guard(mutex_);
    responder_ = std::move(responder);
  }

  /// Every request received so far.
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return requests_;
  }

  /// The number of answers not used yet.
  std::size_t pending() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return responses_.size();
  }

  void send(const HttpRequest& request, ResponseSink& sink) override {
    FakeResponse response;
    Responder responder;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      requests_.push_back(request);
      if (!responses_.empty()) {
        response = std::move(responses_.front());
        responses_.pop_front();
      } else if (responder_) {
        responder = responder_;
      } else {
        throw ConnectionError("FakeTransport: no scripted response left");
      }
    }
    if (responder) response = responder(request);
    if (response.on_request) response.on_request(request);
    if (response.fail_before_headers) fail(response, "connection reset before the response");
    if (!sink.on_headers(response.status, response.headers)) {
      throw CancelledError("the response handler cancelled the exchange");
    }
    std::size_t end = response.body.size();
    if (response.fail_after_bytes >= 0) {
      end = std::min(end, static_cast<std::size_t>(response.fail_after_bytes));
    }
    const std::size_t piece =
        response.piece_size == 0 ? std::max<std::size_t>(end, 1) : response.piece_size;
    for (std::size_t pos = 0; pos < end; pos += piece) {
      const std::size_t length = std::min(piece, end - pos);
      if (!sink.on_body(std::string_view(response.body).substr(pos, length))) {
        throw CancelledError("the response handler cancelled the exchange");
      }
    }
    if (response.fail_after_bytes >= 0)
      fail(response, "connection reset in the middle of the body");
  }

 private:
  [[noreturn]] static void fail(const FakeResponse& response, const std::string& what) {
    if (response.fail_as_timeout) throw TimeoutError("FakeTransport: " + what);
    throw ConnectionError("FakeTransport: " + what);
  }

  mutable std::mutex mutex_;
  std::deque<FakeResponse> responses_;
  Responder responder_;
  std::vector<HttpRequest> requests_;
};

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
