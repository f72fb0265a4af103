/// @file
/// HTTP values shared by the transports, the provider adapters and the key pool.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace litellm {

/// True when `a` and `b` are equal ignoring ASCII case (HTTP header names).
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// An ordered list of HTTP header fields; lookups ignore the name's case.
class LITELLM_API Headers {
 public:
  /// One field as received or to be sent.
  using Field = std::pair<std::string, std::string>;

  Headers() = default;
  /// Builds from `{{"name", "value"}, ...}`.
  Headers(std::initializer_list<Field> fields) : fields_(fields) {}

  /// Appends a field (a repeated name keeps every value).
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  /// Makes room for `count` fields without reallocating.
  void reserve(std::size_t count) { fields_.reserve(count); }
  /// Replaces every field called `name` with one field.
  void set(std::string_view name, std::string value) {
    erase(name);
    fields_.emplace_back(std::string(name), std::move(value));
  }
  /// Removes every field called `name`.
  void erase(std::string_view name) {
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                                 [&](const Field& field) { return iequals(field.first, name); }),
                  fields_.end());
  }
  /// The value of the first field called `name`, or nullptr.
  const std::string* find(std::string_view name) const noexcept {
    for (const auto& field : fields_) {
      if (iequals(field.first, name)) return &field.second;
    }
    return nullptr;
  }
  /// The value of the first field called `name`, or "".
  std::string value(std::string_view name) const {
    const std::string* found = find(name);
    return found ? *found : std::string();
  }
  /// True when a field called `name` is present.
  bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }

  /// Every field, in order.
  const std::vector<Field>& fields() const noexcept { return fields_; }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  void clear() noexcept { fields_.clear(); }

 private:
  std::vector<Field> fields_;
};

/// Time limits of one HTTP exchange. Zero disables a limit.
struct LITELLM_API Timeouts {
  /// Connecting, TLS included.
  std::chrono::milliseconds connect{std::chrono::seconds(10)};
  /// The whole exchange, for responses that are not streams (openai-python's default).
  std::chrono::milliseconds total{std::chrono::seconds(600)};
  /// Streams: from sending the request until the first body byte (a model may think first).
  std::chrono::milliseconds first_byte{std::chrono::seconds(180)};
  /// Streams: the longest silence between two body pieces once the body has started.
  std::chrono::milliseconds idle{std::chrono::seconds(120)};
  /// Streams: the whole exchange, however lively (0: no limit, the default: a long answer may
  /// legitimately stream for many minutes; `BackendOptions::max_response_bytes` bounds it too).
  std::chrono::milliseconds stream_total{0};
};

/// One HTTP request, as a provider adapter builds it.
struct LITELLM_API HttpRequest {
  std::string method = "POST";  ///< The method.
  std::string url;              ///< The absolute URL.
  Headers headers;              ///< Request headers (credentials included: never log them).
  std::string body;             ///< The body, JSON for every provider call.
  /// True when the response is an event stream: the total timeout is replaced by the first-byte
  /// and idle timeouts.
  bool stream = false;
  Timeouts timeouts;  ///< Limits for this exchange.
};

/// A complete (buffered) HTTP response.
struct LITELLM_API HttpResponse {
  int status = 0;    ///< The HTTP status.
  Headers headers;   ///< The final response's headers.
  std::string body;  ///< The body.
};

/// Receives a response as it arrives. Returning false from either call cancels the exchange,
/// which then ends with `CancelledError`.
class LITELLM_API ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  /// The status and headers of the final response (after any 1xx), before any body byte.
  virtual bool on_headers(int status, const Headers& headers) = 0;
  /// The next piece of the body, as soon as it arrived.
  virtual bool on_body(std::string_view bytes) = 0;
  /// For streams (`HttpRequest::stream`): true once the sink holds the whole response although
  /// the body has not ended, e.g. an event stream's end marker (`data: [DONE]`, Anthropic's
  /// `message_stop`) arrived. Asked after each body piece of a stream. The exchange then ends as
  /// a success without waiting for the body's end: the libcurl transport waits a moment (100 ms)
  /// for the server to end it, then closes the connection, so a server that holds a finished
  /// stream open costs neither the idle timeout nor a failure. Default: never.
  virtual bool complete() const { return false; }
  /// A hint: false when this sink never reads the header fields of a response with `status`.
  /// The transport may then skip collecting them and pass an empty list to `on_headers` (the
  /// libcurl transport does). Default: always wanted.
  virtual bool wants_headers(int status) const {
    (void)status;
    return true;
  }
  /// A hint, for a response whose fields `wants_headers` declined: true for a field this sink
  /// reads all the same (the backend's sinks read the rate-limit headers of every response).
  /// The transport then passes only such fields. Default: none.
  virtual bool wants_header_field(std::string_view name) const {
    (void)name;
    return false;
  }
};

/// A sink that keeps everything, for responses that are not streams. `max_body_bytes` bounds
/// memory: a larger body is a `ProtocolError`.
class LITELLM_API BufferingSink final : public ResponseSink {
 public:
  /// Chooses which header fields a sink keeps (see BufferingSink).
  using FieldFilter = bool (*)(std::string_view name) noexcept;

  /// Keeps at most `max_body_bytes` of body; the headers of a success (2xx) only when
  /// `keep_success_headers` (a caller that reads only an error's headers saves their copy), and
  /// else those fields that `success_fields` (when given) chooses.
  explicit BufferingSink(std::size_t max_body_bytes = std::size_t{64} << 20,
                         bool keep_success_headers = true, FieldFilter success_fields = nullptr)
      : max_body_bytes_(max_body_bytes),
        keep_success_headers_(keep_success_headers),
        success_fields_(success_fields) {}
  bool wants_headers(int status) const override {
    return keep_success_headers_ || status < 200 || status >= 300;
  }
  bool wants_header_field(std::string_view name) const override {
    return success_fields_ != nullptr && success_fields_(name);
  }
  bool on_headers(int status, const Headers& headers) override {
    response_.status = status;
    if (wants_headers(status)) {
      response_.headers = headers;
    } else if (success_fields_ != nullptr) {
      for (const auto& [name, value] : headers) {
        if (success_fields_(name)) response_.headers.add(name, value);
      }
    }
    return true;
  }
  bool on_body(std::string_view bytes) override {
    if (response_.body.size() + bytes.size() > max_body_bytes_) {
      overflow_ = true;
      return false;
    }
    response_.body.append(bytes);
    return true;
  }
  /// True when the body went over the limit (the exchange was cancelled for it).
  bool overflowed() const noexcept { return overflow_; }
  /// The response so far.
  HttpResponse& response() noexcept { return response_; }

 private:
  std::size_t max_body_bytes_;
  bool keep_success_headers_;
  FieldFilter success_fields_;
  bool overflow_ = false;
  HttpResponse response_;
};

/// How the library moves bytes: the test seam between the backend and the network.
///
/// `send` performs one exchange and returns when the response has ended (or, for a stream, when
/// the sink reported it `complete`), having passed the headers and every body piece to `sink` as
/// they arrived. It throws:
/// - `ConnectionError` when no complete response arrived (DNS, connect, TLS, reset; the
///   error's `details().http_status` is the status if headers had arrived). A failed TLS
///   certificate or host name verification has `error_code()` "tls_verification" and is not
///   retryable: it would fail the same way again;
/// - `TimeoutError` when a limit of `request.timeouts` expired;
/// - `CancelledError` when the sink returned false.
/// `send` is thread-safe: many threads may call it at once.
///
/// The backend's asynchronous calls use the non-blocking half: `start` begins an exchange, and
/// `poll`, called in a loop by the backend's one I/O thread, performs the I/O of every started
/// exchange and reports each end through its `done` callback. A transport that has no concurrent
/// I/O of its own (the default implementation) runs the whole exchange inside `start` with
/// `send`, then calls `done`: correct, only not concurrent.
///
/// The interface holds no state: a transport that implements only `send` has nothing to set up
/// for the asynchronous calls.
class LITELLM_API Transport {
 public:
  /// Identifies an exchange begun with `start`.
  using ExchangeId = std::uint64_t;
  /// What the default `start` returns: its exchange has already ended, so the id names nothing
  /// that `cancel` could abort (and no running exchange of a transport ever has it).
  static constexpr ExchangeId kEndedExchange = 0;
  /// Called once when an exchange begun with `start` has ended: with null, or with the error
  /// `send` would have thrown.
  using DoneCallback = std::function<void(std::exception_ptr error)>;

  virtual ~Transport() = default;

  /// Performs `request`, streaming the response into `sink`.
  virtual void send(const HttpRequest& request, ResponseSink& sink) = 0;

  /// Begins an exchange without waiting for it. `request` and `sink` must stay valid until
  /// `done` has been called. Only called from the I/O thread that calls `poll`.
  virtual ExchangeId start(const HttpRequest& request, ResponseSink& sink, DoneCallback done) {
    std::exception_ptr error;
    try {
      send(request, sink);
    } catch (...) {
      error = std::current_exception();
    }
    done(error);
    return kEndedExchange;
  }

  /// Performs the I/O of the exchanges begun with `start`, waiting at most `timeout` for
  /// something to happen (or until `wakeup`), and calls the `done` of those that ended. Returns
  /// the number still in flight.
  virtual std::size_t poll(std::chrono::milliseconds timeout) {
    (void)timeout;
    return 0;
  }

  /// Makes a `poll` blocked in another thread return soon. Thread-safe.
  virtual void wakeup() {}

  /// Aborts an exchange begun with `start`: its `done` is called (from `poll`) with
  /// `CancelledError`. Nothing happens when it has already ended. Only called from the I/O
  /// thread.
  virtual void cancel(ExchangeId id) { (void)id; }
};

/// Settings of the libcurl transport.
struct LITELLM_API CurlOptions {
  /// A CA bundle file (CURLOPT_CAINFO); empty: libcurl's default. Verification is always on.
  std::string ca_file;
  /// A directory of CA certificates (CURLOPT_CAPATH); empty: libcurl's default.
  std::string ca_path;
  /// A proxy URL (CURLOPT_PROXY); empty: libcurl reads `http_proxy`, `https_proxy`,
  /// `ALL_PROXY` and `NO_PROXY` from the environment, as curl does. The transport looks at the
  /// environment once, when it is created: when no proxy variable is set then, it tells curl
  /// "no proxy" (sparing a handful of environment lookups per request), so a proxy variable set
  /// later applies to transports (backends) created later.
  std::string proxy;
  /// Hosts that bypass the proxy (CURLOPT_NOPROXY), comma separated.
  std::string no_proxy;
  /// The User-Agent header.
  std::string user_agent = "litellm-cpp";
  /// Idle connections kept for reuse by the synchronous calls, per calling thread (each thread
  /// that calls the transport has a set of handles of its own, which goes back to the transport
  /// when the thread ends); the asynchronous side keeps one per concurrent transfer.
  long max_idle_connections = 16;
  /// When set, libcurl's verbose trace (CURLOPT_VERBOSE) goes here, one line per call, through a
  /// redacting filter: the values of Authorization, api-key, x-api-key, Proxy-Authorization,
  /// Cookie and Set-Cookie headers are replaced by "[redacted]"; so is every occurrence, in any
  /// line (curl's informational lines too, such as HTTP/2's `h2h3 [authorization: ...]`, and the
  /// response headers), of a credential the traced request carries (such a header's value, and
  /// the key in "Bearer <key>"); bodies are reported by size only. Called on the thread running
  /// the transfer; must not throw. Unset, the filter costs nothing.
  std::function<void(const std::string& line)> verbose_log;
};

/// The libcurl transport: reused handles (connections stay alive between calls) that belong to
/// this transport alone and are freed with it, curl's global init done once per process, no
/// signals, TLS verification on, redirects off, gzip accepted.
LITELLM_API std::shared_ptr<Transport> make_curl_transport(CurlOptions options = {});

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
