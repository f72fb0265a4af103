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

LITELLM_INLINE void curl_global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw ConnectionError("curl_global_init failed");
    }
  });
}

LITELLM_INLINE CurlSlist build_header_list(const Headers& headers, bool disable_expect) {
  CurlSlist list;
  bool has_expect = false;
  std::string line;
  for (const auto& [name, value] : headers) {
    check_header_field(name, value);
    if (iequals(name, "expect")) has_expect = true;
    line.assign(name).append(": ").append(value);
    list.append(line);
  }
  // curl would send "Expect: 100-continue" for large bodies and wait for the server's go-ahead.
  if (disable_expect && !has_expect) list.append("Expect:");
  return list;
}

LITELLM_INLINE bool no_proxy_in_environment() {
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] != '\0') return false;
  }
  return true;
}

LITELLM_INLINE std::shared_ptr<const CurlSlist> HeaderListCache::get(const Headers& headers, bool disable_expect) {
  const std::vector<Headers::Field>& fields = headers.fields();
  // Newest first; fields compared last to first, as the credentials come last and differ most.
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
    if (entry->disable_expect == disable_expect && entry->fields.size() == fields.size() &&
        std::equal(fields.rbegin(), fields.rend(), entry->fields.rbegin())) {
      return entry->list;
    }
  }
  auto list = std::make_shared<const CurlSlist>(build_header_list(headers, disable_expect));
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.push_back(Entry{disable_expect, fields, list});
  return list;
}

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

LITELLM_INLINE std::size_t header_callback(char* data, std::size_t size, std::size_t count, void* user) {
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
  if (colon != std::string_view::npos && state.keep_headers) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    state.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  return length;
}

LITELLM_INLINE std::size_t write_callback(char* data, std::size_t size, std::size_t count, void* user) {
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


/// CURLOPT_DEBUGFUNCTION: curl's verbose trace, redacted, one line at a time. `user` is the
/// handle's ExchangeState: its request's credentials are redacted wherever they appear.
LITELLM_INLINE int debug_callback(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  const auto& state = *static_cast<const ExchangeState*>(user);
  if (state.verbose_log == nullptr) return 0;
  const auto& log = *state.verbose_log;
  try {
    const char* prefix = "* ";
    switch (type) {
      case CURLINFO_TEXT:
        break;
      case CURLINFO_HEADER_OUT:
        prefix = "> ";
        break;
      case CURLINFO_HEADER_IN:
        prefix = "< ";
        break;
      case CURLINFO_DATA_OUT:
      case CURLINFO_DATA_IN:
        log(std::string(type == CURLINFO_DATA_OUT ? "> " : "< ") + "[" + std::to_string(size) +
            " bytes of body]");
        return 0;
      default:
        return 0;  // TLS records
    }
    std::string_view text(data, size);
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
      if (line.empty()) continue;
      if (type != CURLINFO_TEXT) {
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && is_secret_header(line.substr(0, colon))) {
          log(std::string(prefix) + std::string(line.substr(0, colon)) + ": [redacted]");
          continue;
        }
      }
      std::string out = std::string(prefix) + std::string(line);
      // Whatever the line's shape (HTTP/2's "h2h3 [authorization: Bearer ...]", a server echoing
      // the key in a response header ...), no credential of the request gets through.
      if (state.request_headers != nullptr) {
        redact_header_secrets(out, *state.request_headers, "[redacted]");
      }
      log(out);
    }
  } catch (...) {
    // A log sink must not break a transfer.
  }
  return 0;
}


LITELLM_INLINE void set_exchange(CURL* easy, const HttpRequest& request, curl_slist* header_list,
                  ExchangeState& state, char* error_buffer) {
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  state.request_headers = &request.headers;  // for the verbose trace's redaction
  if (request.method != "GET" && (request.method == "POST" || !request.body.empty())) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &state);
}

LITELLM_INLINE void configure_easy(CURL* easy, const HttpRequest& request, const EasySetup& setup,
                    curl_slist* header_list, ExchangeState& state, char* error_buffer,
                    EasyConfig& config) {
  const CurlOptions& options = *setup.options;
  curl_easy_reset(easy);  // the handle no longer points at config.parsed_url
  config = EasyConfig{};  // until configured in full
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  // A parsed URL, which curl then uses instead of parsing CURLOPT_URL on every transfer (with
  // CURLOPT_URL also set, curl's idea of the effective URL stays right).
  CurlUrl parsed(curl_url());
  if (parsed != nullptr &&
      curl_url_set(parsed.get(), CURLUPART_URL, request.url.c_str(),
                   CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    curl_easy_setopt(easy, CURLOPT_CURLU, parsed.get());
  } else {
    parsed.reset();
  }
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if (request.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl supports
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);   // never resend credentials elsewhere
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.ca_path.empty()) curl_easy_setopt(easy, CURLOPT_CAPATH, options.ca_path.c_str());
  if (!options.proxy.empty()) {
    curl_easy_setopt(easy, CURLOPT_PROXY, options.proxy.c_str());
  } else if (setup.no_proxy) {
    curl_easy_setopt(easy, CURLOPT_PROXY, "");  // "" is curl's "no proxy, whatever the env says"
  }
  if (!options.no_proxy.empty()) {
    curl_easy_setopt(easy, CURLOPT_NOPROXY, options.no_proxy.c_str());
  } else if (setup.no_proxy) {
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "");  // nothing to bypass: skips the NO_PROXY lookup
  }
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.timeouts.connect.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   request.stream ? 0L : static_cast<long>(request.timeouts.total.count()));
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &header_callback);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &write_callback);
  state.verbose_log = nullptr;
  if (options.verbose_log) {
    // Only ever through the redacting callback: curl's own trace would print the key.
    state.verbose_log = &options.verbose_log;
    curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, &debug_callback);
    curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &state);
    curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
  }
  set_exchange(easy, request, header_list, state, error_buffer);
  config.transport = setup.transport_id;
  config.stream = request.stream;
  config.method = request.method;
  config.url = request.url;
  config.timeouts = request.timeouts;
  config.parsed_url = std::move(parsed);
}

LITELLM_INLINE bool EasyConfig::matches(std::uint64_t transport_id, const HttpRequest& request) const {
  return transport == transport_id && stream == request.stream && method == request.method &&
         url == request.url && timeouts.connect == request.timeouts.connect &&
         timeouts.total == request.timeouts.total;
}

LITELLM_INLINE bool complete_stream_due(const ExchangeState& state, std::chrono::steady_clock::time_point now,
                         std::chrono::milliseconds* next_check) {
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - state.completed_at);
  if (waited >= kCompleteGrace) return true;
  *next_check =
      std::max(std::min(*next_check, kCompleteGrace - waited), std::chrono::milliseconds(1));
  return false;
}

LITELLM_INLINE std::optional<ExpiredTimer> stream_timeout_expired(const ExchangeState& state,
                                                   const HttpRequest& request,
                                                   std::chrono::steady_clock::time_point start,
                                                   std::chrono::steady_clock::time_point now,
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
