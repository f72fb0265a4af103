// LiteLLMBackend over real HTTP (libcurl) against the in-process provider simulator on 127.0.0.1:
// every provider x {plain, streamed, embeddings}, and every fault the simulator injects.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
#include "harness.hpp"
#include "litellm/backend.hpp"
#include "scoped_env.hpp"
#include "simulator.hpp"
#include "stream_collector.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

/// Streams `ping()` expecting the error `E`, and checks that it carries exactly the text the
/// callback saw. Returns the error and that text.
template <class E>
std::pair<E, std::string> expect_stream_error(LiteLLMBackend& backend) {
  StreamCollector collector;
  const E error = expect_error<E>([&] { backend.completion(ping(), collector.callback()); });
  REQUIRE(error.partial() != nullptr);
  CHECK(text_of(*error.partial()) == collector.text);
  return {error, collector.text};
}

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("each provider answers a plain completion over HTTP") {
  Harness server;
  for (const char* provider : {"openai", "azure", "anthropic"}) {
    INFO(provider);
    auto backend = server.backend({server.info(provider)});
    const json completion = backend.completion(ping());
    CHECK(completion["object"] == "chat.completion");
    CHECK(trimmed(text_of(completion)) == kPingAnswer);
    CHECK(completion["choices"][0]["finish_reason"] == "length");
    CHECK(completion["usage"]["completion_tokens"] == 8);
  }
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].provider == "openai");
  CHECK(requests[1].provider == "azure");
  CHECK(requests[2].provider == "anthropic");
  for (const auto& request : requests) CHECK(request.status == 200);
}

TEST_CASE("each provider streams a completion over HTTP") {
  Harness server;
  for (const char* provider : {"openai", "azure", "anthropic"}) {
    INFO(provider);
    auto backend = server.backend({server.info(provider)});
    StreamCollector collector;
    const json completion = backend.completion(ping(), collector.callback());
    CHECK(trimmed(collector.text) == kPingAnswer);
    CHECK(text_of(completion) == collector.text);
    CHECK(collector.chunks >= 8);
    CHECK(completion["choices"][0]["finish_reason"] == "length");
  }
}

TEST_CASE("n choices stream interleaved and come back as n messages") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  json params = ping(6);
  params["n"] = 2;
  params["stream"] = true;
  const json messages = backend(params);
  REQUIRE(messages.size() == 2);
  CHECK(trimmed(messages[0]["content"].get<std::string>()) ==
        "Hello from the simulator (choice 0).");
  CHECK(trimmed(messages[1]["content"].get<std::string>()) ==
        "Hello from the simulator (choice 1).");
}

TEST_CASE("OpenAI and Azure embeddings are float vectors, base64 or not") {
  Harness server;
  for (const char* provider : {"openai", "azure"}) {
    INFO(provider);
    auto backend = server.backend({server.info(provider)});
    const json floats = backend.embedding(json{{"input", json::array({"a", "b"})}});
    const json decoded =
        backend.embedding(json{{"input", json::array({"a", "b"})}, {"encoding_format", "base64"}});
    REQUIRE(floats["data"].size() == 2);
    REQUIRE(decoded["data"].size() == 2);
    for (int i = 0; i < 2; ++i) {
      const json& a = floats["data"][i]["embedding"];
      const json& b = decoded["data"][i]["embedding"];
      REQUIRE(a.size() == 8);
      REQUIRE(b.size() == 8);
      for (std::size_t j = 0; j < 8; ++j) {
        CHECK(b[j].get<double>() == Approx(a[j].get<double>()).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("Anthropic embeddings are a ConfigError that does not consume the key") {
  Harness server;
  auto backend = server.backend({server.info("anthropic")});
  CHECK_THROWS_AS(backend.embedding(json{{"input", "x"}}), ConfigError);
  CHECK(backend.key_pool().snapshot()[0].uses == 0);
  CHECK(server.simulator.request_count() == 0);
}

TEST_CASE("tool calls round-trip through OpenAI and Anthropic") {
  Harness server;
  const json tools =
      json::array({{{"type", "function"},
                    {"function",
                     {{"name", "get_weather"},
                      {"parameters",
                       {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}}}}}}});
  for (const char* provider : {"openai", "anthropic"}) {
    INFO(provider);
    auto backend = server.backend({server.info(provider)});
    json messages = json::array({{{"role", "user"}, {"content", "weather?"}}});
    const json first =
        backend.completion(json{{"messages", messages}, {"tools", tools}, {"max_tokens", 20}});
    const json& reply = first["choices"][0]["message"];
    REQUIRE(reply["tool_calls"].size() == 1);
    CHECK(reply["tool_calls"][0]["function"]["name"] == "get_weather");
    CHECK(json::parse(reply["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
          json{{"city", "sim"}});
    CHECK(first["choices"][0]["finish_reason"] == "tool_calls");
    messages.push_back(reply);
    messages.push_back(
        {{"role", "tool"}, {"tool_call_id", reply["tool_calls"][0]["id"]}, {"content", "sunny"}});
    const json second =
        backend.completion(json{{"messages", messages}, {"tools", tools}, {"max_tokens", 4}});
    CHECK(trimmed(text_of(second)) == "Tool result received: sunny");
  }
}

TEST_CASE("sequential calls reuse one connection") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  for (int i = 0; i < 5; ++i) backend.completion(ping());
  StreamCollector collector;
  backend.completion(ping(), collector.callback());
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 6);
  for (const auto& request : requests) CHECK(request.client_port == requests[0].client_port);
}

TEST_CASE("a server error is retried on the next key") {
  Harness server;
  auto backend = server.backend(server.infos("openai", 3));
  server.simulator.push_fault(status_fault(500));
  CHECK(trimmed(text_of(backend.completion(ping()))) == kPingAnswer);
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].status == 500);
  CHECK(requests[1].status == 200);
  CHECK(requests[0].key != requests[1].key);
}

TEST_CASE("a Retry-After on a server error is honoured before the retry") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  server.simulator.push_fault(status_fault(503, 0.3));
  backend.completion(ping());
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].at - requests[0].at >= 300ms);
}

TEST_CASE("a 429 cools the key down and the call moves to another key at once") {
  Harness server;
  auto backend = server.backend(server.infos("openai", 3));
  server.simulator.push_fault(status_fault(429, 30));
  backend.completion(ping());
  const auto snapshot = backend.key_pool().snapshot();
  CHECK(snapshot[0].rate_limits == 1);
  CHECK(snapshot[0].cooldown_left > 29s);
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].key == kHarnessKeys[1]);
}

TEST_CASE("the simulator's per-key rate limit is learned and paced through the key pool") {
  sim::SimulatorOptions options = Harness::known_keys();
  options.rate_limit_per_key = 1;
  options.rate_limit_window = 400ms;
  Harness server(options);
  auto backend = server.backend(server.infos("openai", 2));
  for (int i = 0; i < 3; ++i) CHECK_NOTHROW(backend.completion(ping()));
  const auto requests = server.simulator.requests();
  // The first answers taught each key its budget (1 per 400 ms, none left): the third call
  // waited for a key's budget instead of meeting a 429.
  REQUIRE(requests.size() == 3);
  for (const auto& request : requests) CHECK(request.status == 200);
  CHECK(requests.back().at - requests.front().at >= 300ms);
  const auto snapshot = backend.key_pool().snapshot();
  REQUIRE(snapshot[0].models.size() == 1);
  const auto& learned = snapshot[0].models[0].windows[0];
  CHECK(learned.limit == 1);
  CHECK_FALSE(learned.configured);
}

TEST_CASE("a 429 beyond the budget is waited out without counting as an attempt") {
  sim::SimulatorOptions options = Harness::known_keys();
  options.rate_limit_per_key = 1;
  options.rate_limit_window = 300ms;
  Harness server(options);
  BackendOptions backend_options = Harness::options();
  backend_options.retry.max_attempts = 1;
  backend_options.key_pool.pace_by_rate_limits = false;  // so that the 429s happen
  auto backend = server.backend(server.infos("openai", 1), backend_options);
  for (int i = 0; i < 3; ++i) CHECK_NOTHROW(backend.completion(ping()));
  int limited = 0;
  for (const auto& request : server.simulator.requests()) limited += request.status == 429;
  CHECK(limited >= 1);
}

TEST_CASE("an exhausted quota takes the key out of rotation and the call succeeds on the next") {
  sim::SimulatorOptions options = Harness::known_keys();
  options.quota_exhausted_keys = {kHarnessKeys[0]};
  Harness server(options);
  for (const char* provider : {"openai", "anthropic"}) {
    INFO(provider);
    auto backend = server.backend(server.infos(provider, 2));
    CHECK_NOTHROW(backend.completion(ping()));
    const auto snapshot = backend.key_pool().snapshot();
    CHECK_FALSE(snapshot[0].in_rotation);
    CHECK(snapshot[1].successes == 1);
  }
}

TEST_CASE("an unknown key gets 401, leaves the rotation, and the next key answers") {
  sim::SimulatorOptions options;
  options.keys = {kHarnessKeys[1], kHarnessKeys[2]};  // the simulator does not know kHarnessKeys[0]
  Harness server(options);
  auto backend = server.backend(server.infos("openai", 2));
  CHECK_NOTHROW(backend.completion(ping()));
  const auto snapshot = backend.key_pool().snapshot();
  CHECK_FALSE(snapshot[0].in_rotation);
  CHECK(snapshot[0].disabled_reason.find("401") != std::string::npos);
  CHECK(snapshot[0].disabled_reason.find(kHarnessKeys[0]) == std::string::npos);
}

TEST_CASE("a reset before the headers is retried") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  server.simulator.push_fault(make_fault(FaultKind::reset_before_headers));
  CHECK(trimmed(text_of(backend.completion(ping()))) == kPingAnswer);
  CHECK(server.simulator.request_count() == 2);
}

TEST_CASE("a reset in the middle of a stream is a StreamError with the partial text") {
  Harness server;
  for (const char* provider : {"openai", "anthropic"}) {
    INFO(provider);
    server.simulator.clear_requests();
    auto backend = server.backend(server.infos(provider, 2));
    server.simulator.push_fault(make_fault(FaultKind::reset_mid_stream, 5));
    const std::string seen = expect_stream_error<StreamError>(backend).second;
    CHECK_FALSE(seen.empty());
    CHECK(kPingAnswer.rfind(seen, 0) == 0);        // a prefix of the answer
    CHECK(server.simulator.request_count() == 1);  // never retried after chunks arrived
  }
}

TEST_CASE("a stall before the response hits the timeout and is retried") {
  Harness server;
  BackendOptions options = Harness::options();
  options.timeouts.total = 300ms;
  options.timeouts.first_byte = 300ms;
  auto backend = server.backend({server.info("openai")}, options);
  Fault stall = make_fault(FaultKind::stall, 0);
  stall.stall = 20s;
  server.simulator.push_fault(stall);
  CHECK(trimmed(text_of(backend.completion(ping()))) == kPingAnswer);
  server.simulator.push_fault(stall);
  StreamCollector collector;
  CHECK_NOTHROW(backend.completion(ping(), collector.callback()));
  CHECK(server.simulator.request_count() == 4);
  server.simulator.release_stalls();
}

TEST_CASE("a stall in the middle of a stream hits the idle timeout with the partial text") {
  Harness server;
  BackendOptions options = Harness::options();
  options.timeouts.idle = 300ms;
  auto backend = server.backend({server.info("openai")}, options);
  Fault stall = make_fault(FaultKind::stall, 4);
  stall.stall = 20s;
  server.simulator.push_fault(stall);
  expect_stream_error<TimeoutError>(backend);
  server.simulator.release_stalls();
  CHECK(server.simulator.request_count() == 1);
}

TEST_CASE("chunks reach the callback as they arrive, before a stall ends") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  Fault stall = make_fault(FaultKind::stall, 3);  // role chunk + two words, then a stall
  stall.stall = 60s;                              // ended by the callback, not by time
  server.simulator.push_fault(stall);
  const auto start = std::chrono::steady_clock::now();
  std::atomic<int> seen{0};
  std::chrono::steady_clock::duration seen_third_after{};
  const json completion = backend.completion(ping(), [&](const json&) {
    if (++seen == 3) {
      // The server is stalled (or about to be) and cannot end before release_stalls(): this
      // chunk was delivered as it arrived, not buffered until the end of the response.
      seen_third_after = std::chrono::steady_clock::now() - start;
      server.simulator.release_stalls();
    }
    return true;
  });
  CHECK(seen_third_after < 30s);
  CHECK(trimmed(text_of(completion)) == kPingAnswer);
  CHECK(seen > 3);
}

TEST_CASE("a stream without its terminator is a StreamError carrying what arrived") {
  Harness server;
  for (const char* provider : {"openai", "azure", "anthropic"}) {
    INFO(provider);
    auto backend = server.backend({server.info(provider)});
    server.simulator.push_fault(make_fault(FaultKind::no_terminator, 4));
    expect_stream_error<StreamError>(backend);
  }
}

TEST_CASE("a malformed chunk is a ProtocolError carrying what arrived") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  server.simulator.push_fault(make_fault(FaultKind::malformed_chunk, 3));
  expect_stream_error<ProtocolError>(backend);
  CHECK(server.simulator.request_count() == 1);
}

TEST_CASE("an in-band error event becomes a typed, retryable-kind error with the partial text") {
  Harness server;
  for (const char* provider : {"openai", "anthropic"}) {
    INFO(provider);
    auto backend = server.backend({server.info(provider)});
    server.simulator.push_fault(make_fault(FaultKind::inband_error, 4));
    CHECK(expect_stream_error<ServerError>(backend).first.provider() == provider);
  }
}

TEST_CASE("an in-band error before any chunk reached the caller is retried") {
  Harness server;
  auto backend = server.backend(server.infos("openai", 2));
  server.simulator.push_fault(make_fault(FaultKind::inband_error, 0));
  StreamCollector collector;
  CHECK_NOTHROW(backend.completion(ping(), collector.callback()));
  CHECK(trimmed(collector.text) == kPingAnswer);
  CHECK(server.simulator.request_count() == 2);
}

TEST_CASE("a fault on every attempt ends with the typed error after max_attempts") {
  Harness server;
  auto backend = server.backend(server.infos("openai", 3));
  for (int i = 0; i < 3; ++i) {
    server.simulator.push_fault(status_fault(502));
  }
  try {
    backend.completion(ping());
    FAIL("no exception");
  } catch (const ServerError& e) {
    CHECK(e.http_status() == 502);
    CHECK(e.details().attempts == 3);
    CHECK_FALSE(e.request_id().empty());
  }
  CHECK(server.simulator.request_count() == 3);
}

TEST_CASE("a small request is sent without an Expect header") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  backend.completion(ping());
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].headers.count("expect") == 0);
}

TEST_CASE("a request body over a mebibyte is sent at once, without waiting for 100-continue") {
  Harness server;
  auto backend = server.backend({server.info("openai")});
  const std::string long_text(1536 * 1024, 'a');
  json params = ping();
  params["messages"][0]["content"] = long_text;
  backend.completion(params);
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].headers.count("expect") == 0);
  CHECK(requests[0].body.size() > long_text.size());
}

namespace {

/// A 127.0.0.1 port that nothing listens on (a simulator started and stopped).
int closed_port() {
  sim::ProviderSimulator gone;
  gone.start();
  const int port = gone.port();
  gone.stop();
  return port;
}

}  // namespace

TEST_CASE("a proxy variable set when the backend is created carries its requests") {
  Harness server;
  const std::string proxy = "http://127.0.0.1:" + std::to_string(closed_port());
  ScopedEnv no_proxy("no_proxy", nullptr);
  ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
  ScopedEnv http_proxy("http_proxy", proxy.c_str());
  BackendOptions options = Harness::options();
  options.transport = make_curl_transport();  // a new transport reads the environment
  auto backend = server.backend({server.info("openai")}, options);
  CHECK_THROWS_AS(backend.completion(ping()), ConnectionError);  // the proxy is not there
  CHECK(server.simulator.request_count() == 0);
}

TEST_CASE("a backend created without proxy variables goes direct, even when one is set later") {
  Harness server;
  ScopedEnv cleared("http_proxy", nullptr);
  ScopedEnv cleared_all("ALL_PROXY", nullptr);
  ScopedEnv cleared_all_lower("all_proxy", nullptr);
  BackendOptions options = Harness::options();
  options.transport = make_curl_transport();
  auto backend = server.backend({server.info("openai")}, options);
  const std::string proxy = "http://127.0.0.1:" + std::to_string(closed_port());
  ScopedEnv http_proxy("http_proxy", proxy.c_str());
  CHECK(trimmed(text_of(backend.completion(ping()))) == kPingAnswer);
  CHECK(server.simulator.request_count() == 1);
}
