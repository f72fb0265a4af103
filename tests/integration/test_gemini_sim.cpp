// The native Gemini backend over real HTTP (libcurl) against the simulator's Gemini API: plain,
// streamed and embeddings calls, tool calls, RetryInfo, unknown keys, candidateCount. The faults
// x {plain, streamed, embeddings} x {one key, three keys} are in test_fault_matrix.cpp, with
// every other provider's.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
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

const Mode kModes[] = {Mode::plain, Mode::streamed, Mode::embeddings};

const char* name_of(Mode mode) {
  switch (mode) {
    case Mode::plain:
      return "plain";
    case Mode::streamed:
      return "streamed";
    case Mode::embeddings:
      return "embeddings";
  }
  return "";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

/// One call of `mode` on `backend`; the text the callback saw goes to `collector`.
json call(LiteLLMBackend& backend, Mode mode, StreamCollector& collector) {
  switch (mode) {
    case Mode::plain:
      return backend.completion(ping());
    case Mode::streamed:
      return backend.completion(ping(), collector.callback());
    case Mode::embeddings:
      break;
  }
  return backend.embedding(json{{"input", {"ping pong", "hello"}}, {"dimensions", 16}});
}

/// A backend on `count` gemini keys of the harness, with short timeouts.
LiteLLMBackend gemini_backend(Harness& harness, std::size_t count) {
  BackendOptions options = Harness::options();
  options.timeouts.total = 2s;
  options.retry.max_retry_after = 5s;
  return harness.backend(harness.infos("gemini", count), options);
}

}  // namespace

TEST_CASE("gemini answers plain, streamed and embeddings calls over HTTP") {
  Harness server;
  auto backend = gemini_backend(server, 1);
  StreamCollector collector;

  const json plain = call(backend, Mode::plain, collector);
  CHECK(plain["object"] == "chat.completion");
  CHECK(trimmed(text_of(plain)) == kPingAnswer);
  CHECK(plain["choices"][0]["finish_reason"] == "length");
  CHECK(plain["usage"]["completion_tokens"] == 8);
  CHECK(plain["model"] == "sim-model");

  const json streamed = call(backend, Mode::streamed, collector);
  CHECK(trimmed(collector.text) == kPingAnswer);
  CHECK(text_of(streamed) == collector.text);
  CHECK(collector.chunks >= 8);
  CHECK(streamed["choices"][0]["finish_reason"] == "length");
  CHECK(streamed["usage"]["completion_tokens"] == 8);

  const json embedded = call(backend, Mode::embeddings, collector);
  REQUIRE(embedded["data"].size() == 2);
  CHECK(embedded["data"][1]["index"] == 1);
  CHECK(embedded["data"][0]["embedding"].size() == 16);
  CHECK(embedded["usage"]["prompt_tokens"] == 3);

  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 3);
  for (const auto& request : requests) {
    CHECK(request.provider == "gemini");
    CHECK(request.status == 200);
    CHECK(request.headers.count("x-goog-api-key") == 1);
  }
  CHECK(requests[0].path == "/v1beta/models/sim-model:generateContent");
  CHECK(requests[1].path == "/v1beta/models/sim-model:streamGenerateContent");
  CHECK(requests[2].path == "/v1beta/models/sim-model:batchEmbedContents");
}

TEST_CASE("gemini tool calls round-trip through the simulator") {
  Harness server;
  auto backend = gemini_backend(server, 1);
  const json tools = json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])");
  json params{{"messages", {{{"role", "user"}, {"content", "weather?"}}}}, {"tools", tools}};
  const json first = backend.completion(params);
  const json& message = first["choices"][0]["message"];
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["function"]["name"] == "get_weather");
  CHECK(json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
        json{{"city", "sim"}});
  CHECK(first["choices"][0]["finish_reason"] == "tool_calls");

  params["messages"].push_back(message);
  params["messages"].push_back(json{
      {"role", "tool"}, {"tool_call_id", message["tool_calls"][0]["id"]}, {"content", "sunny"}});
  StreamCollector collector;
  const json second = backend.completion(params, collector.callback());
  CHECK(starts_with(text_of(second), "Tool result received: "));
  CHECK(text_of(second).find("sunny") != std::string::npos);
}

TEST_CASE("gemini: a 429 with RetryInfo cools the key and the call moves to the next key") {
  for (const Mode mode : kModes) {
    INFO(name_of(mode));
    Harness server;
    auto backend = gemini_backend(server, 3);
    server.simulator.push_fault(status_fault(429, 3));
    StreamCollector collector;
    CHECK_NOTHROW(call(backend, mode, collector));
    const auto requests = server.simulator.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].status == 429);
    CHECK(requests[0].key != requests[1].key);
    const auto pool = backend.key_pool().snapshot();
    CHECK(pool[0].in_rotation);
    CHECK(pool[0].rate_limits == 1);
    CHECK(pool[0].cooldown_left > 1s);  // RetryInfo / Retry-After: 3 s
  }
}

TEST_CASE("gemini: a key the simulator does not know is an AuthError that takes it out") {
  for (const Mode mode : kModes) {
    INFO(name_of(mode));
    Harness server;
    std::vector<ApiInfo> infos{server.info_with_key("gemini", "AIza-unknown-key-0000000000"),
                               server.info("gemini", 0)};
    BackendOptions options = Harness::options();
    auto backend = server.backend(infos, options);
    StreamCollector collector;
    CHECK_NOTHROW(call(backend, mode, collector));
    const auto requests = server.simulator.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].status == 400);  // Google: API_KEY_INVALID
    const auto pool = backend.key_pool().snapshot();
    CHECK_FALSE(pool[0].in_rotation);
  }
  Harness server;
  auto only_bad = server.backend({server.info_with_key("gemini", "AIza-unknown-key-0000000000")});
  const auto error = expect_error<AuthError>([&] { only_bad.completion(ping()); });
  CHECK(error.error_code() == "API_KEY_INVALID");
}

TEST_CASE("gemini: n = 2 becomes candidateCount and two choices, plain and streamed") {
  Harness server;
  auto backend = gemini_backend(server, 1);
  json params = ping();
  params["n"] = 2;
  const json plain = backend.completion(params);
  REQUIRE(plain["choices"].size() == 2);
  CHECK(text_of(plain, 1).find("(choice 1)") != std::string::npos);
  StreamCollector collector;
  const json streamed = backend.completion(params, collector.callback());
  REQUIRE(streamed["choices"].size() == 2);
  CHECK(text_of(streamed, 0) == text_of(plain, 0));
  CHECK(text_of(streamed, 1) == text_of(plain, 1));
  CHECK(streamed["choices"][1]["finish_reason"] == "length");
  const auto requests = server.simulator.requests();
  CHECK(json::parse(requests[0].body)["generationConfig"]["candidateCount"] == 2);
}
