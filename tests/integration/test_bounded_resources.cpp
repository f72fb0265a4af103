// Bounded resources: a server sending 128 MiB in one response, in one stream, or in one SSE line,
// and one streaming forever, each ends with a typed error while the process's memory stays far
// below what was sent (peak RSS growth is checked) and the server sees the client stop reading.
#include <sys/resource.h>

#include <chrono>
#include <string>
#include <utility>

#include "catch.hpp"
#include "expect_error.hpp"
#include "harness.hpp"
#include "litellm/backend.hpp"
#include "requests.hpp"
#include "simulator.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

constexpr std::size_t kFlood = std::size_t{128} << 20;  // what the server sends
constexpr std::size_t kLimit = std::size_t{8} << 20;    // what the client accepts
constexpr long kMaxGrowthKb = 64 * 1024;                // far below kFlood

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/// The process's peak RSS grew less than kMaxGrowthKb since `before`. Not checked under
/// AddressSanitizer, whose quarantine keeps freed memory resident (up to 256 MiB), so the peak
/// there counts every byte ever allocated; the plain build of the suite checks it.
void check_growth_since(long before) {
  const long growth = peak_rss_kb() - before;
  if (kAddressSanitizer) {
    WARN("peak RSS growth " << growth << " KiB, not checked under AddressSanitizer");
    return;
  }
  CHECK(growth < kMaxGrowthKb);
}

/// The harness, with backends that accept kLimit bytes and faults that send kFlood.
struct Fixture : Harness {
  LiteLLMBackend backend(BackendOptions options = {}) {
    options.key_registry = std::make_shared<KeyRegistry>();
    options.max_response_bytes = kLimit;
    options.backoff.initial = 1ms;
    return Harness::backend({info("openai")}, options);
  }

  void push(FaultKind kind, int times = 1) {
    for (int i = 0; i < times; ++i) {
      Fault fault = make_fault(kind, 2);
      fault.flood_bytes = kFlood;
      fault.interval = 5ms;
      simulator.push_fault(fault);
    }
  }
};

/// A short chat request: the user says "hi", the answer is four words at most.
json hi() {
  return chat_params("hi", 4);
}

/// Streams `hi()` expecting the error `E`; returns it and how many chunks reached the callback.
template <class E>
std::pair<E, std::size_t> stream_expecting(LiteLLMBackend& backend) {
  std::size_t chunks = 0;  // counted, not kept: the text would weigh on the memory measured
  const E error = expect_error<E>([&] {
    backend.completion(hi(), [&](const json&) {
      ++chunks;
      return true;
    });
  });
  return {error, chunks};
}

}  // namespace

TEST_CASE("a response larger than max_response_bytes is a ProtocolError with bounded memory") {
  Fixture f;
  auto backend = f.backend();
  f.push(FaultKind::flood);
  const long before = peak_rss_kb();
  CHECK_THROWS_AS(backend.completion(hi()), ProtocolError);
  check_growth_since(before);
  CHECK(f.simulator.request_count() == 1);  // not retried
}

TEST_CASE("a stream larger than max_response_bytes is a ProtocolError carrying what arrived") {
  Fixture f;
  auto backend = f.backend();
  f.push(FaultKind::flood);
  const long before = peak_rss_kb();
  const auto [error, chunks] = stream_expecting<ProtocolError>(backend);
  REQUIRE(error.partial() != nullptr);
  const json& content = (*error.partial())["choices"][0]["message"]["content"];
  REQUIRE(content.is_string());
  CHECK(content.get<std::string>().size() <= kLimit);
  CHECK(content.get<std::string>().size() > kLimit / 2);
  CHECK(chunks > 1000);
  check_growth_since(before);
  CHECK(f.last_bytes_sent() < kFlood);  // the client hung up early
}

TEST_CASE("an SSE line over the parser's limit is a ProtocolError with bounded memory") {
  Fixture f;
  BackendOptions options;
  options.sse.max_line_bytes = std::size_t{1} << 20;
  options.max_response_bytes = kFlood * 2;  // the line limit, not the size limit, must act
  auto backend = f.backend(options);
  f.push(FaultKind::long_line);
  const long before = peak_rss_kb();
  const ProtocolError error = stream_expecting<ProtocolError>(backend).first;
  CHECK(std::string(error.what()).find("max_line_bytes") != std::string::npos);
  check_growth_since(before);
  CHECK(f.last_bytes_sent() < kFlood);
}

TEST_CASE("an endless lively stream ends at the stream's total timeout, not retried") {
  Fixture f;
  BackendOptions options;
  options.timeouts.idle = 2s;  // never reached: a chunk arrives every 5 ms
  options.timeouts.stream_total = 500ms;
  auto backend = f.backend(options);
  f.push(FaultKind::endless, 3);
  const auto [error, chunks] = stream_expecting<TimeoutError>(backend);
  CHECK(error.error_code() == "stream_total");
  CHECK(error.partial() != nullptr);
  CHECK(chunks > 10);
  CHECK(f.simulator.request_count() == 1);
}

TEST_CASE("an endless stream nobody reads chunk by chunk also ends at its total timeout") {
  Fixture f;
  BackendOptions options;
  options.timeouts.stream_total = 300ms;
  auto backend = f.backend(options);
  f.push(FaultKind::endless, 3);
  CHECK_THROWS_AS(backend(json{{"messages", hi()["messages"]}, {"stream", true}}), TimeoutError);
  CHECK(f.simulator.request_count() == 1);  // a stream_total timeout is never retried
}

TEST_CASE("an endless trickling response ends at the total timeout of each attempt") {
  Fixture f;
  BackendOptions options;
  options.timeouts.total = 300ms;
  auto backend = f.backend(options);
  f.push(FaultKind::endless, 3);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(backend.completion(hi()), TimeoutError);
  CHECK(f.simulator.request_count() == 3);  // retried: the server may have been slow once
  CHECK(std::chrono::steady_clock::now() - start >= 900ms);
}
