// The fault matrix: every fault the simulator injects x {plain, streamed} x {one key, three keys},
// over real HTTP. Each case asserts the outcome (success after rotation or retry, or the typed
// error), that a broken stream's error carries exactly what reached the caller, the key pool's
// state afterwards, and that waits honour Retry-After. Run under ASan as well (no crash, no leak).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "harness.hpp"
#include "litellm/backend.hpp"
#include "simulator.hpp"
#include "stream_collector.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

enum class Mode { plain, streamed };

/// What one call did.
struct Outcome {
  bool ok = false;
  std::optional<ErrorKind> error;
  bool quota = false;           // the error was an exhausted quota
  bool partial_matches = true;  // a carried partial equals what the callback saw
  bool has_partial = false;
  std::string seen;  // text the chunk callback saw
  std::vector<sim::RecordedRequest> requests;
  std::vector<KeyStateSnapshot> pool;
};

Outcome run(const Fault& fault, Mode mode, std::size_t key_count) {
  Harness harness;  // the simulator knows every key
  sim::ProviderSimulator& simulator = harness.simulator;
  BackendOptions options = Harness::options();
  options.timeouts.total = 400ms;
  options.timeouts.first_byte = 400ms;
  options.timeouts.idle = 400ms;
  options.retry.max_retry_after = 5s;
  LiteLLMBackend backend = harness.backend(harness.infos("openai", key_count), options);
  simulator.push_fault(fault);

  Outcome out;
  StreamCollector collector;
  try {
    if (mode == Mode::plain) {
      backend.completion(ping());
    } else {
      backend.completion(ping(), collector.callback());
    }
    out.ok = true;
  } catch (const Error& e) {
    out.error = e.kind();
    out.quota = e.is_quota_exhausted();
    if (const json* partial = e.partial()) {
      out.has_partial = true;
      out.partial_matches = text_of(*partial) == collector.text;
    }
  }
  out.seen = collector.text;
  simulator.release_stalls();
  out.requests = simulator.requests();
  out.pool = backend.key_pool().snapshot();
  return out;
}

Fault make(FaultKind kind, int after_chunks = 4, int status = 500,
           std::optional<double> retry_after = std::nullopt) {
  Fault f = make_fault(kind, after_chunks);
  f.status = status;
  f.retry_after_s = retry_after;
  f.stall = 5s;
  return f;
}

std::string label(Mode mode, std::size_t keys) {
  return std::string(mode == Mode::plain ? "plain" : "streamed") + ", " + std::to_string(keys) +
         (keys == 1 ? " key" : " keys");
}

/// Success after one failed attempt: on another key when there is one.
void check_recovered(const Outcome& o, std::size_t keys) {
  CHECK(o.ok);
  REQUIRE(o.requests.size() == 2);
  CHECK(o.requests[1].status == 200);
  if (keys > 1) CHECK(o.requests[0].key != o.requests[1].key);
  CHECK(o.pool[0].in_rotation);
}

/// A stream broke after chunks reached the caller: the typed error, with exactly what arrived,
/// and no retry.
void check_broken_stream(const Outcome& o, ErrorKind kind) {
  REQUIRE(o.error.has_value());
  CHECK(*o.error == kind);
  CHECK(o.has_partial);
  CHECK(o.partial_matches);
  CHECK_FALSE(o.seen.empty());
  CHECK(o.requests.size() == 1);
  CHECK(o.pool[0].in_rotation);
}

const Mode kModes[] = {Mode::plain, Mode::streamed};
const std::size_t kKeyCounts[] = {1, 3};

}  // namespace

TEST_CASE("fault matrix: a 500 is retried and the call succeeds") {
  for (const Mode mode : kModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      const Outcome o = run(make(FaultKind::status, 4, 500), mode, keys);
      check_recovered(o, keys);
      CHECK(o.pool[0].failures == 1);
    }
  }
}

TEST_CASE("fault matrix: a 503 with Retry-After waits that long before the retry") {
  for (const Mode mode : kModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      const Outcome o = run(make(FaultKind::status, 4, 503, 0.3), mode, keys);
      check_recovered(o, keys);
      CHECK(o.requests[1].at - o.requests[0].at >= 300ms);
    }
  }
}

TEST_CASE("fault matrix: a 429 cools the key down; one key waits Retry-After, three rotate") {
  for (const Mode mode : kModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      const Outcome o = run(make(FaultKind::status, 4, 429, 0.3), mode, keys);
      check_recovered(o, keys);
      CHECK(o.pool[0].rate_limits == 1);
      if (keys == 1) {
        CHECK(o.requests[1].at - o.requests[0].at >= 300ms);  // the pool's cooldown
      } else {
        CHECK(o.pool[0].cooldown_left > 0ms);  // still cooling down; another key answered
      }
    }
  }
}

TEST_CASE("fault matrix: a 401 or 403 takes the key out; with no other key the call fails") {
  for (const int status : {401, 403}) {
    for (const Mode mode : kModes) {
      for (const std::size_t keys : kKeyCounts) {
        INFO(status << ", " << label(mode, keys));
        const Outcome o = run(make(FaultKind::status, 4, status), mode, keys);
        CHECK_FALSE(o.pool[0].in_rotation);
        CHECK(o.pool[0].disabled_reason.find(std::to_string(status)) != std::string::npos);
        if (keys == 1) {
          REQUIRE(o.error.has_value());
          CHECK(*o.error == ErrorKind::auth);
          CHECK(o.requests.size() == 1);
        } else {
          CHECK(o.ok);
          CHECK(o.pool[1].in_rotation);
        }
      }
    }
  }
}

TEST_CASE("fault matrix: an exhausted quota takes the key out; alone it is a quota error") {
  for (const Mode mode : kModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      const Outcome o = run(make(FaultKind::insufficient_quota), mode, keys);
      CHECK_FALSE(o.pool[0].in_rotation);
      if (keys == 1) {
        REQUIRE(o.error.has_value());
        CHECK(*o.error == ErrorKind::rate_limit);
        CHECK(o.quota);
      } else {
        CHECK(o.ok);
      }
    }
  }
}

TEST_CASE("fault matrix: a reset before the headers is retried") {
  for (const Mode mode : kModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      check_recovered(run(make(FaultKind::reset_before_headers), mode, keys), keys);
    }
  }
}

TEST_CASE("fault matrix: a reset mid-response is retried, mid-stream it keeps the partial text") {
  for (const std::size_t keys : kKeyCounts) {
    INFO(keys << " keys");
    check_recovered(run(make(FaultKind::reset_mid_stream), Mode::plain, keys), keys);
    check_broken_stream(run(make(FaultKind::reset_mid_stream), Mode::streamed, keys),
                        ErrorKind::stream);
  }
}

TEST_CASE("fault matrix: a stall before any byte times out and is retried") {
  for (const Mode mode : kModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      check_recovered(run(make(FaultKind::stall, 0), mode, keys), keys);
    }
  }
}

TEST_CASE("fault matrix: a stall mid-response times out; mid-stream it keeps the partial text") {
  for (const std::size_t keys : kKeyCounts) {
    INFO(keys << " keys");
    check_recovered(run(make(FaultKind::stall, 4), Mode::plain, keys), keys);
    check_broken_stream(run(make(FaultKind::stall, 4), Mode::streamed, keys), ErrorKind::timeout);
  }
}

TEST_CASE("fault matrix: a missing terminator is a StreamError; a plain answer is still valid") {
  for (const std::size_t keys : kKeyCounts) {
    INFO(keys << " keys");
    const Outcome plain = run(make(FaultKind::no_terminator), Mode::plain, keys);
    CHECK(plain.ok);  // a completion whose finish_reason is null is a valid answer
    CHECK(plain.requests.size() == 1);
    check_broken_stream(run(make(FaultKind::no_terminator), Mode::streamed, keys),
                        ErrorKind::stream);
  }
}

TEST_CASE("fault matrix: a malformed body or chunk is a ProtocolError, never retried") {
  for (const std::size_t keys : kKeyCounts) {
    INFO(keys << " keys");
    const Outcome plain = run(make(FaultKind::malformed_chunk, 3), Mode::plain, keys);
    REQUIRE(plain.error.has_value());
    CHECK(*plain.error == ErrorKind::protocol);
    CHECK(plain.requests.size() == 1);
    check_broken_stream(run(make(FaultKind::malformed_chunk, 3), Mode::streamed, keys),
                        ErrorKind::protocol);
  }
}

TEST_CASE(
    "fault matrix: an in-band error is retried before any chunk, kept with the partial after") {
  for (const std::size_t keys : kKeyCounts) {
    INFO(keys << " keys");
    check_recovered(run(make(FaultKind::inband_error), Mode::plain, keys), keys);
    check_broken_stream(run(make(FaultKind::inband_error), Mode::streamed, keys),
                        ErrorKind::server);
  }
}
