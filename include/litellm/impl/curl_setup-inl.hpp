#pragma once

// How the libcurl transport sets up its handles: curl's global init, the request's header lists
// (validated, cached), the proxy environment check, every option of an easy handle, and curl's
// verbose trace through the redacting filter.
#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/detail/curl_common.hpp"
#include "litellm/detail/redact.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

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

LITELLM_INLINE std::shared_ptr<const CurlSlist> HeaderListCache::get(const Headers& headers,
                                                                     bool disable_expect) {
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

/// CURLOPT_DEBUGFUNCTION: curl's verbose trace, redacted, one line at a time. `user` is the
/// handle's ExchangeState: its request's credentials are redacted wherever they appear.
LITELLM_INLINE int debug_callback(CURL*, curl_infotype type, char* data, std::size_t size,
                                  void* user) {
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
                                   curl_slist* header_list, ExchangeState& state,
                                   char* error_buffer, EasyConfig& config) {
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
  config.configured = true;
  config.stream = request.stream;
  config.method = request.method;
  config.url = request.url;
  config.timeouts = request.timeouts;
  config.parsed_url = std::move(parsed);
}

LITELLM_INLINE bool EasyConfig::matches(const HttpRequest& request) const {
  return configured && stream == request.stream && method == request.method && url == request.url &&
         timeouts.connect == request.timeouts.connect && timeouts.total == request.timeouts.total;
}

}  // namespace litellm::detail
