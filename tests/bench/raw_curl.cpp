// The baseline: the library's requests (same URL, headers, body bytes, curl options that matter
// for speed) through bare libcurl, without parsing anything. One reused easy handle for C = 1; a
// multi handle keeping C transfers (C reused easy handles) in flight for C > 1. Streams count
// SSE events by counting blank lines ("\n\n") in the write callback, nothing else.
#include <curl/curl.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench.hpp"

namespace bench {

namespace {

struct Transfer {
  CURL* easy = nullptr;
  std::size_t request = 0;  // index of the request it carries
  SteadyClock::time_point started;
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  char last = '\0';  // last byte seen, for a "\n\n" split across pieces
  bool stream = false;
};

std::size_t write_callback(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  transfer->bytes += n;
  if (transfer->stream && n > 0) {
    const char* p = data;
    const char* const end = data + n;
    while (p < end) {
      const void* hit = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      if (hit == nullptr) break;
      const char* lf = static_cast<const char*>(hit);
      const char before = lf == data ? transfer->last : lf[-1];
      if (before == '\n') ++transfer->events;
      p = lf + 1;
    }
    transfer->last = end[-1];
  }
  return n;
}

}  // namespace

struct RawCurlDriver::Impl {
  Options options;
  std::string url;
  std::string body;
  std::vector<curl_slist*> headers;  // one list per key
  std::vector<Transfer> transfers;
  CURLM* multi = nullptr;
  CURLU* parsed_url = nullptr;  // --raw-tuned only
  std::size_t next_key = 0;

  explicit Impl(const Options& o) : options(o) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    url = options.base + (options.mode == Mode::embedding ? "/embeddings" : "/chat/completions");
    body = request_body(options);
    if (options.raw_tuned) {
      parsed_url = curl_url();
      if (parsed_url == nullptr ||
          curl_url_set(parsed_url, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
        throw std::runtime_error("curl_url_set failed");
      }
    }
    const bool stream = options.mode == Mode::stream;
    for (std::size_t i = 0; i < options.keys; ++i) {
      curl_slist* list = nullptr;
      list = curl_slist_append(list, "Content-Type: application/json");
      list = curl_slist_append(list,
                               stream ? "Accept: text/event-stream" : "Accept: application/json");
      list = curl_slist_append(list, ("Authorization: Bearer " + api_key(i)).c_str());
      headers.push_back(list);
    }
    transfers.resize(options.concurrency);
    for (Transfer& t : transfers) {
      t.stream = stream;
      t.easy = curl_easy_init();
      if (t.easy == nullptr) throw std::runtime_error("curl_easy_init failed");
      CURL* e = t.easy;
      curl_easy_setopt(e, CURLOPT_URL, url.c_str());
      curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(e, CURLOPT_USERAGENT, "litellm-cpp");
      curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
      curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
      curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
      curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
      curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 600000L);
      curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &write_callback);
      curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
      curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
      if (options.raw_tuned) {
        curl_easy_setopt(e, CURLOPT_CURLU, parsed_url);
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_NOPROXY, "");
      }
    }
    if (options.concurrency > 1) {
      multi = curl_multi_init();
      // Room for every transfer's connection to stay alive between requests.
      curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.concurrency + 16));
    }
  }

  ~Impl() {
    for (Transfer& t : transfers) {
      if (multi != nullptr) curl_multi_remove_handle(multi, t.easy);
      curl_easy_cleanup(t.easy);
    }
    if (multi != nullptr) curl_multi_cleanup(multi);
    curl_url_cleanup(parsed_url);
    for (curl_slist* list : headers) curl_slist_free_all(list);
  }

  void prepare(Transfer& t, std::size_t request) {
    t.request = request;
    t.events = 0;
    t.bytes = 0;
    t.last = '\0';
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, headers[next_key]);
    next_key = (next_key + 1) % headers.size();
    t.started = SteadyClock::now();
  }

  void finish(Transfer& t, CURLcode code, RunResult& result) {
    const auto now = SteadyClock::now();
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    result.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(now - t.started).count());
    result.events += t.events;
    if (code == CURLE_OK && status == 200) {
      ++result.ok;
    } else {
      ++result.errors;
      if (result.first_error.empty()) {
        result.first_error =
            code != CURLE_OK ? curl_easy_strerror(code) : "HTTP status " + std::to_string(status);
      }
    }
  }

  RunResult run_easy(std::size_t requests) {
    RunResult result;
    result.api = "easy";
    result.latencies_ms.reserve(requests);
    Transfer& t = transfers.front();
    for (std::size_t i = 0; i < requests; ++i) {
      prepare(t, i);
      const CURLcode code = curl_easy_perform(t.easy);
      finish(t, code, result);
    }
    return result;
  }

  RunResult run_multi(std::size_t requests) {
    RunResult result;
    result.api = "multi";
    result.latencies_ms.reserve(requests);
    std::size_t next = 0;
    for (Transfer& t : transfers) {
      if (next == requests) break;
      prepare(t, next++);
      curl_multi_add_handle(multi, t.easy);
    }
    int running = 1;
    std::size_t done = 0;
    while (done < requests) {
      if (curl_multi_perform(multi, &running) != CURLM_OK)
        throw std::runtime_error("multi_perform");
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
        if (message->msg != CURLMSG_DONE) continue;
        Transfer* t = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
        const CURLcode code = message->data.result;
        curl_multi_remove_handle(multi, t->easy);
        finish(*t, code, result);
        ++done;
        if (next < requests) {
          prepare(*t, next++);
          curl_multi_add_handle(multi, t->easy);
        }
      }
      if (done < requests) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    return result;
  }
};

RawCurlDriver::RawCurlDriver(const Options& options) : impl_(new Impl(options)) {}
RawCurlDriver::~RawCurlDriver() {
  delete impl_;
}
RunResult RawCurlDriver::run(std::size_t requests) {
  return impl_->multi != nullptr ? impl_->run_multi(requests) : impl_->run_easy(requests);
}

}  // namespace bench
