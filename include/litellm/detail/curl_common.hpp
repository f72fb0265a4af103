// libcurl pieces shared by the synchronous transport and the concurrent engine.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/detail/header_check.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

/// curl_global_init, exactly once per process (never cleaned up: other code may still use curl).
LITELLM_PROCESS_WIDE void curl_global_init_once();

/// Owns a curl_slist.
class CurlSlist {
 public:
  CurlSlist() = default;
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  CurlSlist(CurlSlist&& other) noexcept : list_(other.list_) { other.list_ = nullptr; }
  CurlSlist& operator=(CurlSlist&& other) noexcept {
    std::swap(list_, other.list_);
    return *this;
  }
  ~CurlSlist() { curl_slist_free_all(list_); }
  /// Appends a line (copied by curl).
  void append(const std::string& line) {
    curl_slist* grown = curl_slist_append(list_, line.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    list_ = grown;
  }
  curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

/// Bodies above this size get an empty `Expect:` header, which stops curl from sending
/// `Expect: 100-continue` and waiting for the server's go-ahead. libcurl 7.88 only does that above
/// 1 MiB, older versions above 1 KiB: below this size no version does, and the header would only
/// cost curl time to format on every request.
constexpr std::size_t kExpectThreshold = 1024;

/// The request's headers as a curl list, validated; with `disable_expect`, plus an empty
/// `Expect:` (unless the request sets Expect itself).
CurlSlist build_header_list(const Headers& headers, bool disable_expect);

/// Owns a CURLU (a URL parsed once by libcurl).
struct CurlUrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

/// True when none of the proxy variables libcurl reads (`http_proxy`, `https_proxy`,
/// `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`, and `HTTP_PROXY` for good measure) is set. A
/// transport created then tells curl "no proxy" outright, sparing it the environment lookups it
/// would otherwise make on every request.
bool no_proxy_in_environment();

/// The curl lists of the header sets a transport sent recently, so that a request with the same
/// headers as an earlier one (the same key, the usual case in a batch) reuses its validated list
/// instead of building and checking a new one. Lists are shared: an exchange keeps the one it was
/// started with alive even after the cache dropped it. Holds at most `capacity` sets, dropping the
/// oldest. Not thread-safe (one per I/O thread).
class HeaderListCache {
 public:
  explicit HeaderListCache(std::size_t capacity = 64) : capacity_(capacity > 0 ? capacity : 1) {}
  /// The list for `headers` (and `disable_expect`, as build_header_list), built and validated
  /// (ConfigError) on a miss.
  std::shared_ptr<const CurlSlist> get(const Headers& headers, bool disable_expect);
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    bool disable_expect = false;
    std::vector<Headers::Field> fields;
    std::shared_ptr<const CurlSlist> list;
  };
  std::size_t capacity_;
  std::vector<Entry> entries_;  // oldest first
};

/// What the curl callbacks know about one exchange.
struct ExchangeState {
  ResponseSink* sink = nullptr;
  bool stream = false;
  int status = 0;
  Headers headers;
  bool keep_headers = true;  // the sink wants the fields of the current response (wants_headers)
  bool headers_delivered = false;
  bool body_started = false;
  bool cancelled = false;      // the sink returned false
  std::exception_ptr failure;  // the sink threw (never let it cross curl's C frames)
  std::string timeout_reason;  // set when our own first-byte / idle / total timer fired
  std::string timeout_code;    // "first_byte", "idle" or "stream_total" (the error's code)
  std::chrono::steady_clock::time_point last_body_byte;
  // Streams: the sink said it has the whole response (ResponseSink::complete) at completed_at;
  // the exchange then ends as a success, at the latest kCompleteGrace later.
  bool sink_complete = false;
  std::chrono::steady_clock::time_point completed_at;
  // The verbose trace (CurlOptions::verbose_log, set by configure_easy when there is one) and the
  // headers of the request running (set by set_exchange, null between exchanges), whose
  // credentials the trace redacts wherever they appear.
  const std::function<void(const std::string&)>* verbose_log = nullptr;
  const Headers* request_headers = nullptr;

  /// Ready for a new exchange into `sink`.
  void reset(ResponseSink* sink_in, bool stream_in);
  /// Hands status and headers to the sink once; false when it cancelled or threw.
  bool deliver_headers();
};

/// CURLOPT_HEADERFUNCTION: collects the final response's headers and delivers them.
std::size_t header_callback(char* data, std::size_t size, std::size_t count, void* user);
/// CURLOPT_WRITEFUNCTION: hands body pieces to the sink.
std::size_t write_callback(char* data, std::size_t size, std::size_t count, void* user);

/// The header list a request needs (see build_header_list), from `cache`.
inline std::shared_ptr<const CurlSlist> header_list_for(HeaderListCache& cache,
                                                        const HttpRequest& request) {
  return cache.get(request.headers, request.body.size() > kExpectThreshold);
}

struct EasyConfig;

/// How a transport sets up its easy handles (every handle it configures belongs to it alone).
struct EasySetup {
  const CurlOptions* options = nullptr;
  bool no_proxy = false;  ///< See no_proxy_in_environment.
};

/// Resets `easy` and sets every option of `request` (TLS verification on, redirects off, no
/// signals, gzip accepted, http/https only, timeouts, callbacks into `state`); `config` then
/// describes the handle (and owns the parsed URL it uses).
void configure_easy(CURL* easy, const HttpRequest& request, const EasySetup& setup,
                    curl_slist* header_list, ExchangeState& state, char* error_buffer,
                    EasyConfig& config);

/// Sets only what differs between two exchanges with the same `EasyConfig`: the body, the
/// header list, the callbacks' state and the error buffer.
void set_exchange(CURL* easy, const HttpRequest& request, curl_slist* header_list,
                  ExchangeState& state, char* error_buffer);

/// What an easy handle was configured for by `configure_easy`, besides the exchange itself: a
/// handle whose config matches the next request needs only `set_exchange`.
struct EasyConfig {
  bool configured = false;  ///< False until configure_easy has set the handle up in full.
  std::string method;
  std::string url;
  Timeouts timeouts;
  bool stream = false;
  /// `url` parsed once (CURLOPT_CURLU): libcurl 7.88 would otherwise parse and re-assemble the
  /// URL on every request (about 12k instructions). Null when curl could not parse it (curl then
  /// parses CURLOPT_URL and reports the error).
  CurlUrl parsed_url;
  /// True when the handle is set up for `request`'s method, URL, stream flag and limits.
  bool matches(const HttpRequest& request) const;
};

/// How long a stream whose sink is complete (ResponseSink::complete: `[DONE]` or `message_stop`
/// arrived) may take to end its body by itself. A server that ends it (the usual case: the last
/// chunk follows the end marker at once) keeps its connection reusable; one that holds the body
/// open has its exchange ended after this grace, as a success, and its connection closed.
constexpr std::chrono::milliseconds kCompleteGrace{100};

/// For a stream whose sink is complete: true when its grace (kCompleteGrace) is over at `now`;
/// else false and `next_check` lowered to when it will be.
bool complete_stream_due(const ExchangeState& state, std::chrono::steady_clock::time_point now,
                         std::chrono::milliseconds* next_check);

/// A stream timer that expired: its error message and code.
struct ExpiredTimer {
  std::string reason;
  std::string code;  ///< "first_byte", "idle" or "stream_total"
};

/// For streams: which of the first-byte, idle and total timers expired at `now`; else nullopt and
/// `next_check` set to when to look again.
std::optional<ExpiredTimer> stream_timeout_expired(const ExchangeState& state,
                                                   const HttpRequest& request,
                                                   std::chrono::steady_clock::time_point start,
                                                   std::chrono::steady_clock::time_point now,
                                                   std::chrono::milliseconds* next_check);

/// Throws the typed error of a failed exchange (the sink's own exception first).
[[noreturn]] void throw_transfer_error(CURLcode code, const ExchangeState& state,
                                       const char* error_buffer, CURL* easy);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
