// What a backend refuses before sending anything: options out of range (at construction and per
// call) and request values that JSON cannot carry as given (NaN, invalid UTF-8, a bad `n`).
#include <cmath>
#include <functional>
#include <future>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
#include "fake_harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "requests.hpp"
#include "samples.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

/// The fake harness, with backends on one key.
struct OneKeyHarness : FakeHarness {
  LiteLLMBackend backend(BackendOptions o, json kwargs = wait_time_per_key(0)) {
    return LiteLLMBackend({openai_key(kKeyA)}, "gpt-4o", std::move(kwargs), std::move(o));
  }
  LiteLLMBackend backend() { return backend(options()); }
};

/// The ConfigError message `call` throws, or "" when it throws none.
std::string config_error_of(const std::function<void()>& call) {
  const auto error = error_of<ConfigError>(call);
  return error ? error->what() : "";
}

struct OptionCase {
  const char* field;
  std::function<void(BackendOptions&)> set;
};

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// ---- Options -----------------------------------------------------------------------------------

TEST_CASE("a backend option out of its range is a ConfigError naming the field") {
  const std::vector<OptionCase> cases = {
      {"timeouts.connect", [](BackendOptions& o) { o.timeouts.connect = 0ms; }},
      {"timeouts.connect", [](BackendOptions& o) { o.timeouts.connect = -1ms; }},
      {"timeouts.total", [](BackendOptions& o) { o.timeouts.total = -5ms; }},
      {"timeouts.total", [](BackendOptions& o) { o.timeouts.total = 0ms; }},
      {"timeouts.first_byte", [](BackendOptions& o) { o.timeouts.first_byte = -1ms; }},
      {"timeouts.idle", [](BackendOptions& o) { o.timeouts.idle = -1ms; }},
      {"timeouts.stream_total", [](BackendOptions& o) { o.timeouts.stream_total = -1ms; }},
      {"retry.max_attempts", [](BackendOptions& o) { o.retry.max_attempts = 0; }},
      {"retry.max_attempts", [](BackendOptions& o) { o.retry.max_attempts = -3; }},
      {"retry.max_retry_after", [](BackendOptions& o) { o.retry.max_retry_after = -1ms; }},
      {"backoff.initial", [](BackendOptions& o) { o.backoff.initial = -1ms; }},
      {"backoff.maximum", [](BackendOptions& o) { o.backoff.maximum = -1ms; }},
      {"max_key_wait", [](BackendOptions& o) { o.max_key_wait = -1ms; }},
      {"max_response_bytes", [](BackendOptions& o) { o.max_response_bytes = 0; }},
      {"key_pool.rate_limit_backoff.initial",
       [](BackendOptions& o) { o.key_pool.rate_limit_backoff.initial = -1ms; }},
      {"key_pool.rate_limit_backoff.maximum",
       [](BackendOptions& o) { o.key_pool.rate_limit_backoff.maximum = -1ms; }},
      {"key_pool.max_cooldown", [](BackendOptions& o) { o.key_pool.max_cooldown = -1ms; }},
  };
  for (const OptionCase& c : cases) {
    INFO(c.field);
    OneKeyHarness h;
    BackendOptions options = h.options();
    c.set(options);
    const std::string message = config_error_of([&] { h.backend(options); });
    CHECK(contains(message, std::string("BackendOptions.") + c.field));
  }
}

TEST_CASE("zero is accepted where the option documents what it means") {
  OneKeyHarness h;
  BackendOptions options = h.options();
  options.timeouts.first_byte = 0ms;
  options.timeouts.idle = 0ms;
  options.timeouts.stream_total = 0ms;
  options.retry.max_retry_after = 0ms;
  options.backoff.initial = 0ms;
  options.backoff.maximum = 0ms;
  options.max_key_wait = 0ms;
  options.key_pool.rate_limit_backoff.initial = 0ms;
  options.key_pool.max_cooldown = 0ms;
  auto backend = h.backend(options);
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  CHECK_NOTHROW(backend.completion(chat_params()));
}

TEST_CASE("a call option out of its range is a ConfigError naming the field, nothing sent") {
  const std::vector<std::pair<const char*, std::function<void(CallOptions&)>>> cases = {
      {"timeouts.connect",
       [](CallOptions& c) { c.timeouts = Timeouts{}, c.timeouts->connect = 0ms; }},
      {"timeouts.total", [](CallOptions& c) { c.timeouts = Timeouts{}, c.timeouts->total = -5ms; }},
      {"timeouts.first_byte",
       [](CallOptions& c) { c.timeouts = Timeouts{}, c.timeouts->first_byte = -1ms; }},
      {"timeouts.idle", [](CallOptions& c) { c.timeouts = Timeouts{}, c.timeouts->idle = -1ms; }},
      {"timeouts.stream_total",
       [](CallOptions& c) { c.timeouts = Timeouts{}, c.timeouts->stream_total = -1ms; }},
      {"retry.max_attempts",
       [](CallOptions& c) {
         c.retry = RetryPolicy{0, 60s};
       }},
      {"retry.max_retry_after",
       [](CallOptions& c) {
         c.retry = RetryPolicy{3, -1ms};
       }},
      {"max_key_wait", [](CallOptions& c) { c.max_key_wait = -1ms; }},
  };
  OneKeyHarness h;
  auto backend = h.backend();
  for (const auto& [field, set] : cases) {
    INFO(field);
    CallOptions call;
    set(call);
    CHECK(contains(config_error_of([&] { backend.completion(chat_params(), nullptr, call); }),
                   std::string("CallOptions.") + field));
    CHECK(contains(config_error_of([&] { backend.completion_async(chat_params(), call); }),
                   std::string("CallOptions.") + field));
  }
  CHECK(h.transport->requests().empty());
}

TEST_CASE("a batch's call options are checked before anything is sent") {
  OneKeyHarness h;
  auto backend = h.backend();
  BatchOptions options;
  options.call.retry = RetryPolicy{0, 60s};
  CHECK(contains(config_error_of([&] { backend.batch_completion({chat_params()}, options); }),
                 "CallOptions.retry.max_attempts"));
  CHECK(h.transport->requests().empty());
}

TEST_CASE("a timeout parameter that is not a positive number is a ConfigError, nothing sent") {
  OneKeyHarness h;
  auto backend = h.backend();
  for (const json& bad : {json("abc"), json(-1), json(0), json(kNaN), json(kInf), json(true),
                          json::array({1}), json(1e300)}) {
    INFO(bad.dump());
    json params = chat_params();
    params["timeout"] = bad;
    CHECK(contains(config_error_of([&] { backend.completion(params); }), "timeout"));
  }
  CHECK(h.transport->requests().empty());
}

TEST_CASE("a null timeout parameter keeps the configured total timeout") {
  OneKeyHarness h;
  auto backend = h.backend();
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  json params = chat_params();
  params["timeout"] = nullptr;
  backend.completion(params);
  CHECK(h.transport->requests().at(0).timeouts.total == Timeouts{}.total);
}

// ---- Request values ----------------------------------------------------------------------------

TEST_CASE("a NaN or infinite parameter is a ConfigError naming it, nothing sent") {
  OneKeyHarness h;
  auto backend = h.backend();
  json params = chat_params();
  params["temperature"] = kNaN;
  const std::string message = config_error_of([&] { backend.completion(params); });
  CHECK(contains(message, "temperature"));
  CHECK(contains(message, "NaN"));

  params = chat_params();
  params["tools"] =
      json::array({{{"type", "function"},
                    {"function", {{"name", "f"}, {"parameters", {{"maximum", -kInf}}}}}}});
  CHECK(contains(config_error_of([&] { backend.completion(params); }),
                 "tools[0].function.parameters.maximum"));
  CHECK(h.transport->requests().empty());
}

TEST_CASE("a NaN in the backend's default parameters fails each call, nothing sent") {
  OneKeyHarness h;
  auto backend = h.backend(h.options(), json{{"wait_time_per_key", 0}, {"top_p", kNaN}});
  CHECK(contains(config_error_of([&] { backend.completion(chat_params()); }), "top_p"));
  CHECK(h.transport->requests().empty());
}

TEST_CASE("invalid UTF-8 in a message is a ConfigError naming where, nothing sent") {
  OneKeyHarness h;
  auto backend = h.backend();
  const std::string message =
      config_error_of([&] { backend.completion(chat_params("caf\xC3 au lait")); });
  CHECK(contains(message, "messages[0].content"));
  CHECK(contains(message, "UTF-8"));
  CHECK(contains(message, "byte 3"));
  // Overlong encodings, surrogates and stray continuation bytes are refused too.
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "ok\x80", "\xF4\x90\x80\x80"}) {
    CHECK(contains(config_error_of([&] { backend.completion(chat_params(bad)); }),
                   "messages[0].content"));
  }
  json params = chat_params();
  params["messages"][0]["content"] = json::array({{{"type", "text"}, {"text", "\xFF"}}});
  CHECK(contains(config_error_of([&] { backend.completion(params); }),
                 "messages[0].content[0].text"));
  CHECK(contains(config_error_of([&] {
                   backend.embedding(json{{"input", {"a", "b\xFE"}}});
                 }),
                 "input[1]"));
  CHECK(h.transport->requests().empty());
}

TEST_CASE("invalid UTF-8 in a member name is a ConfigError, nothing sent") {
  OneKeyHarness h;
  auto backend = h.backend();
  json params = chat_params();
  params["metadata"] = {{"k\xFF", "v"}};
  const std::string message = config_error_of([&] { backend.completion(params); });
  CHECK(contains(message, "metadata"));
  CHECK(contains(message, "member name"));
  params = chat_params();
  params["bad\xFF"] = 1;
  CHECK(contains(config_error_of([&] { backend.completion(params); }), "UTF-8"));
  CHECK(h.transport->requests().empty());
}

TEST_CASE("valid UTF-8 of every length is sent unchanged") {
  OneKeyHarness h;
  auto backend = h.backend();
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  // 1 to 4 byte sequences, some past a 16-byte ASCII run.
  const std::string text = "plain ascii text here: \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 end";
  backend.completion(chat_params(text));
  CHECK(json::parse(h.transport->requests().at(0).body)["messages"][0]["content"] == text);
}

TEST_CASE("n must be an integer from 1 to kMaxChoices, nothing sent otherwise") {
  OneKeyHarness h;
  auto backend = h.backend();
  for (const json& bad : {json(0), json(-1), json(1e9), json(1000000000), json(kMaxChoices + 1),
                          json(2.0), json("2"), json(kNaN)}) {
    INFO(bad.dump());
    json params = chat_params();
    params["n"] = bad;
    CHECK(contains(config_error_of([&] { backend.completion(params); }), "n must be"));
  }
  CHECK(h.transport->requests().empty());
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  json params = chat_params();
  params["n"] = kMaxChoices;
  backend.completion(params);
  CHECK(json::parse(h.transport->requests().at(0).body)["n"] == kMaxChoices);
}

TEST_CASE("a max_key_wait beyond the clock's range waits for the key, not an overflow") {
  OneKeyHarness h;
  auto clock = std::make_shared<FakeClock>();
  BackendOptions options = h.options();
  options.key_registry = std::make_shared<KeyRegistry>(clock);
  options.max_key_wait = std::chrono::milliseconds::max();
  auto backend = h.backend(options, json{{"wait_time_per_key", 1}});
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());  // stamps the only key: the next call must wait 1 s
  auto second = std::async(std::launch::async, [&] { return backend.completion(chat_params()); });
  // Overflowing now + max_key_wait made the deadline lie in the past: an immediate RateLimitError.
  REQUIRE(clock->wait_for_waiters(1, std::chrono::seconds(10)));
  clock->advance(std::chrono::seconds(2));
  CHECK_NOTHROW(second.get());
  CHECK(h.transport->requests().size() == 2);
}
