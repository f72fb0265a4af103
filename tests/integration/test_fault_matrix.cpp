// The fault matrix: every fault the simulator injects x every provider (OpenAI, Azure, Anthropic,
// Gemini, Bedrock, each on its own wire) x {plain, streamed, embeddings} x {one key, three keys},
// over real HTTP. Each case asserts the outcome (success after rotation or retry, or the typed
// error), that a broken stream's error carries exactly what reached the caller, the key pool's
// state afterwards, and that waits honour Retry-After. Run under ASan as well (no crash, no leak).
#include <algorithm>
#include <chrono>
#include <functional>
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

enum class Mode { plain, streamed, embeddings };

/// Every provider's wire the simulator speaks.
const char* const kProviders[] = {"openai", "azure", "anthropic", "gemini", "bedrock"};

/// The embedding model a provider's simulator route serves (Anthropic has no embeddings).
std::optional<std::string> embedding_model(const std::string& provider) {
  if (provider == "anthropic") return std::nullopt;
  if (provider == "bedrock") return std::string("amazon.titan-embed-text-v2:0");
  return std::string("sim-embedding");
}

/// What one call did.
struct Outcome {
  bool ok = false;
  std::optional<ErrorKind> error;
  std::string message;          // the error's
  std::string code;             // the error's error_code
  bool quota = false;           // the error was an exhausted quota
  bool partial_matches = true;  // a carried partial equals what the callback saw
  bool has_partial = false;
  std::string seen;  // text the chunk callback saw
  std::vector<sim::RecordedRequest> requests;
  std::vector<KeyStateSnapshot> pool;
};

/// One call of `mode` to `provider` with `key_count` keys, after `fault` was pushed; `adjust`
/// changes the backend's options (short timeouts by default).
Outcome run(const std::string& provider, const Fault& fault, Mode mode, std::size_t key_count,
            const std::function<void(BackendOptions&)>& adjust = {}) {
  Harness harness;  // the simulator knows every key
  sim::ProviderSimulator& simulator = harness.simulator;
  BackendOptions options = Harness::options();
  options.timeouts.total = 400ms;
  options.timeouts.first_byte = 400ms;
  options.timeouts.idle = 400ms;
  options.retry.max_retry_after = 5s;
  if (adjust) adjust(options);
  const std::string model =
      mode == Mode::embeddings ? embedding_model(provider).value_or("") : "sim-model";
  LiteLLMBackend backend(harness.infos(provider, key_count), model, wait_time_per_key(0), options);
  simulator.push_fault(fault);

  Outcome out;
  StreamCollector collector;
  try {
    if (mode == Mode::plain) {
      backend.completion(ping());
    } else if (mode == Mode::streamed) {
      backend.completion(ping(), collector.callback());
    } else {
      backend.embedding(json{{"input", "ping pong"}});
    }
    out.ok = true;
  } catch (const Error& e) {
    out.error = e.kind();
    out.message = e.what();
    out.code = e.error_code();
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

const char* mode_name(Mode mode) {
  return mode == Mode::plain ? "plain" : mode == Mode::streamed ? "streamed" : "embeddings";
}

/// Calls `check(provider, mode, keys)` for every provider, each of `modes` it has, and one and
/// three keys, with the case in Catch's INFO.
void for_each_case(std::initializer_list<Mode> modes,
                   const std::function<void(const std::string&, Mode, std::size_t)>& check) {
  for (const std::string provider : kProviders) {
    for (const Mode mode : modes) {
      if (mode == Mode::embeddings && !embedding_model(provider)) continue;
      for (const std::size_t keys : {std::size_t{1}, std::size_t{3}}) {
        INFO(provider << ", " << mode_name(mode) << ", " << keys << (keys == 1 ? " key" : " keys"));
        check(provider, mode, keys);
      }
    }
  }
}

const std::initializer_list<Mode> kAllModes = {Mode::plain, Mode::streamed, Mode::embeddings};
/// The modes whose answer is one body (no stream).
const std::initializer_list<Mode> kBodyModes = {Mode::plain, Mode::embeddings};

/// Success after one failed attempt: on another key when there is one.
void check_recovered(const Outcome& o, std::size_t keys) {
  INFO("error: " << o.message);
  CHECK(o.ok);
  REQUIRE(o.requests.size() == 2);
  CHECK(o.requests[1].status == 200);
  if (keys > 1) CHECK(o.requests[0].key != o.requests[1].key);
  CHECK(o.pool[0].in_rotation);
}

/// A stream broke after chunks reached the caller: the typed error, with exactly what arrived,
/// and no retry.
void check_broken_stream(const Outcome& o, ErrorKind kind) {
  INFO("error: " << o.message);
  REQUIRE(o.error.has_value());
  CHECK(*o.error == kind);
  CHECK(o.has_partial);
  CHECK(o.partial_matches);
  CHECK_FALSE(o.seen.empty());
  CHECK(o.requests.size() == 1);
  CHECK(o.pool[0].in_rotation);
}

}  // namespace

TEST_CASE("fault matrix: a 500 is retried and the call succeeds") {
  for_each_case(kAllModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    const Outcome o = run(provider, make(FaultKind::status, 4, 500), mode, keys);
    check_recovered(o, keys);
    CHECK(o.pool[0].failures == 1);
  });
}

TEST_CASE("fault matrix: a 503 with Retry-After waits that long before the retry") {
  for_each_case(kAllModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    const Outcome o = run(provider, make(FaultKind::status, 4, 503, 0.3), mode, keys);
    check_recovered(o, keys);
    CHECK(o.requests[1].at - o.requests[0].at >= 300ms);
  });
}

TEST_CASE("fault matrix: a 429 cools the key down; one key waits Retry-After, three rotate") {
  for_each_case(kAllModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    const Outcome o = run(provider, make(FaultKind::status, 4, 429, 0.3), mode, keys);
    check_recovered(o, keys);
    CHECK(o.pool[0].rate_limits == 1);
    if (keys == 1) {
      CHECK(o.requests[1].at - o.requests[0].at >= 300ms);  // the pool's cooldown
    } else {
      CHECK(o.pool[0].cooldown_left > 0ms);  // still cooling down; another key answered
    }
  });
}

TEST_CASE("fault matrix: a 401 or 403 takes the key out; with no other key the call fails") {
  for (const int status : {401, 403}) {
    INFO(status);
    for_each_case(kAllModes, [status](const std::string& provider, Mode mode, std::size_t keys) {
      const Outcome o = run(provider, make(FaultKind::status, 4, status), mode, keys);
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
    });
  }
}

TEST_CASE("fault matrix: an exhausted quota takes the key out, a per-day one waits for its reset") {
  for_each_case(kAllModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    const Outcome o = run(provider, make(FaultKind::insufficient_quota), mode, keys);
    if (provider == "bedrock" || provider == "gemini") {
      // Their quota errors are per-day limits, waited out, not final: Bedrock's
      // ServiceQuotaExceededException "Too many tokens per day" (AWS has no exhausted credit), and
      // Gemini's RESOURCE_EXHAUSTED with a PerDay quota id (back at midnight Pacific time).
      CHECK(o.pool[0].in_rotation);
      // Waiting for the day's reset, marked as such.
      CHECK(o.pool[0].cooldown_left > 0ms);
      CHECK(std::any_of(o.pool[0].models.begin(), o.pool[0].models.end(),
                        [](const ModelBudgetSnapshot& m) { return m.daily_quota; }));
      if (keys == 1) {
        REQUIRE(o.error.has_value());
        CHECK(*o.error == ErrorKind::rate_limit);
        CHECK(o.code == "daily_quota");
        CHECK(o.requests.size() == 1);
      } else {
        CHECK(o.ok);
      }
      return;
    }
    CHECK_FALSE(o.pool[0].in_rotation);
    if (keys == 1) {
      REQUIRE(o.error.has_value());
      CHECK(*o.error == ErrorKind::rate_limit);
      CHECK(o.quota);
    } else {
      CHECK(o.ok);
    }
  });
}

TEST_CASE("fault matrix: a reset before the headers is retried") {
  for_each_case(kAllModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_recovered(run(provider, make(FaultKind::reset_before_headers), mode, keys), keys);
  });
}

TEST_CASE("fault matrix: a reset mid-body is retried, mid-stream it keeps the partial text") {
  for_each_case(kBodyModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_recovered(run(provider, make(FaultKind::reset_mid_stream), mode, keys), keys);
  });
  for_each_case({Mode::streamed}, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_broken_stream(run(provider, make(FaultKind::reset_mid_stream), mode, keys),
                        ErrorKind::stream);
  });
}

TEST_CASE("fault matrix: a stall before any byte times out and is retried") {
  for_each_case(kAllModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_recovered(run(provider, make(FaultKind::stall, 0), mode, keys), keys);
  });
}

TEST_CASE("fault matrix: a stall mid-body times out and is retried; mid-stream it keeps the text") {
  for_each_case(kBodyModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_recovered(run(provider, make(FaultKind::stall, 4), mode, keys), keys);
  });
  for_each_case({Mode::streamed}, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_broken_stream(run(provider, make(FaultKind::stall, 4), mode, keys), ErrorKind::timeout);
  });
}

TEST_CASE("fault matrix: a missing terminator is a StreamError; a plain answer is still valid") {
  for_each_case({Mode::plain}, [](const std::string& provider, Mode mode, std::size_t keys) {
    const Outcome plain = run(provider, make(FaultKind::no_terminator), mode, keys);
    CHECK(plain.ok);  // a completion whose finish_reason is null is a valid answer
    CHECK(plain.requests.size() == 1);
  });
  for_each_case({Mode::streamed}, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_broken_stream(run(provider, make(FaultKind::no_terminator), mode, keys),
                        ErrorKind::stream);
  });
}

TEST_CASE("fault matrix: a malformed body or chunk is a ProtocolError, never retried") {
  for_each_case(kBodyModes, [](const std::string& provider, Mode mode, std::size_t keys) {
    const Outcome o = run(provider, make(FaultKind::malformed_chunk, 5), mode, keys);
    REQUIRE(o.error.has_value());
    CHECK(*o.error == ErrorKind::protocol);
    CHECK(o.requests.size() == 1);
  });
  for_each_case({Mode::streamed}, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_broken_stream(run(provider, make(FaultKind::malformed_chunk, 5), mode, keys),
                        ErrorKind::protocol);
  });
}

TEST_CASE(
    "fault matrix: an in-band error is retried before any chunk, kept with the partial after") {
  for_each_case({Mode::plain}, [](const std::string& provider, Mode mode, std::size_t keys) {
    const Outcome o = run(provider, make(FaultKind::inband_error), mode, keys);
    if (provider == "bedrock") {
      // AWS signals errors by status only: a 200 in its error shape is no Converse answer, a
      // ProtocolError (not retried) that keeps what the server said.
      REQUIRE(o.error.has_value());
      CHECK(*o.error == ErrorKind::protocol);
      CHECK(contains(o.message, "internal error"));
      CHECK(o.requests.size() == 1);
      return;
    }
    check_recovered(o, keys);
  });
  for_each_case({Mode::streamed}, [](const std::string& provider, Mode mode, std::size_t keys) {
    check_broken_stream(run(provider, make(FaultKind::inband_error), mode, keys),
                        ErrorKind::server);
  });
}

TEST_CASE(
    "fault matrix: a flood, an endless stream and an oversized line or message end with "
    "their typed errors, keeping what arrived") {
  for_each_case({Mode::streamed}, [](const std::string& provider, Mode mode, std::size_t keys) {
    Fault flood = make(FaultKind::flood);
    flood.flood_bytes = std::size_t{8} << 20;
    const Outcome flooded = run(provider, flood, mode, keys, [](BackendOptions& o) {
      o.max_response_bytes = std::size_t{1} << 20;
      o.timeouts.stream_total = 30s;  // the size limit, not a clock, must end it
      o.timeouts.total = 30s;
    });
    check_broken_stream(flooded, ErrorKind::protocol);
    CHECK(contains(flooded.message, "max_response_bytes"));
    CHECK(flooded.seen.size() > (std::size_t{1} << 19));  // the flood's text up to the limit

    Fault endless = make(FaultKind::endless);
    endless.interval = 5ms;
    const Outcome timed_out = run(provider, endless, mode, keys, [](BackendOptions& o) {
      o.timeouts.stream_total = 300ms;
      o.timeouts.idle = 2s;  // never reached: an event comes every 5 ms
    });
    check_broken_stream(timed_out, ErrorKind::timeout);
    CHECK(contains(timed_out.seen, "lorem lorem"));

    Fault oversized = make(FaultKind::long_line);
    oversized.flood_bytes = std::size_t{32} << 20;
    const Outcome refused = run(provider, oversized, mode, keys, [](BackendOptions& o) {
      o.sse.max_line_bytes = std::size_t{1} << 20;
    });
    check_broken_stream(refused, ErrorKind::protocol);
    CHECK(contains(refused.message, provider == "bedrock" ? "total length" : "max_line_bytes"));
  });
}
