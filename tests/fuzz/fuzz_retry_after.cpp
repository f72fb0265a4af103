// Fuzzes the wait-hint parsers: Retry-After, reset durations, HTTP dates, RFC 3339 and the header
// combination. Results are always within [0, 24 h].
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "litellm/retry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  const auto check = [](const std::optional<std::chrono::milliseconds>& wait) {
    if (wait && (wait->count() < 0 || *wait > std::chrono::hours(24))) __builtin_trap();
  };
  check(litellm::parse_retry_after(text, now));
  check(litellm::parse_reset_duration(text, now));
  (void)litellm::parse_http_date(text);
  (void)litellm::parse_rfc3339(text);
  litellm::Headers headers;
  const std::size_t third = size / 3;
  headers.add("retry-after-ms", std::string(text.substr(0, third)));
  headers.add("x-ratelimit-remaining-tokens", "0");
  headers.add("x-ratelimit-reset-tokens", std::string(text.substr(third, third)));
  headers.add("anthropic-ratelimit-requests-reset", std::string(text.substr(2 * third)));
  check(litellm::retry_after_from_headers(headers, now));
  return 0;
}
