// Asynchronous calls and batches over libcurl's multi interface against the simulator.
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "harness.hpp"
#include "litellm/backend.hpp"
#include "requests.hpp"
#include "simulator.hpp"
#include "stream_collector.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

TEST_CASE("64 concurrent completions through the multi interface all succeed, in order") {
  Harness s;
  auto backend = s.backend(s.infos("openai", 4));
  std::vector<json> requests;
  for (int i = 0; i < 200; ++i) requests.push_back(chat_params("request " + std::to_string(i), 4));
  BatchOptions batch;
  batch.max_concurrency = 64;
  const auto items = backend.batch_completion(requests, batch);
  REQUIRE(items.size() == 200);
  for (int i = 0; i < 200; ++i) {
    INFO(i);
    REQUIRE(items[i].ok());
    CHECK(text_of(items[i].value) == "Hello from the simulator.");  // max_tokens 4: four words
  }
  // Connections are reused: far fewer client ports than requests, at most one per transfer slot.
  std::set<int> ports;
  for (const auto& request : s.simulator.requests()) ports.insert(request.client_port);
  CHECK(ports.size() <= 64);
}

TEST_CASE("concurrent transfers each send their own headers whether their list is reused or not") {
  // The transport reuses a header list for requests with equal headers: with 5 keys and a
  // per-request header taking 7 values, 64 transfers at once mix cache hits and misses, and each
  // request must still carry its own key and header.
  Harness s;
  auto backend = s.backend(s.infos("openai", 5));
  std::vector<json> requests;
  for (int i = 0; i < 300; ++i) {
    json request = chat_params("request " + std::to_string(i), 2);
    request["extra_headers"] = {{"X-Tag", "tag-" + std::to_string(i % 7)}};
    requests.push_back(std::move(request));
  }
  BatchOptions batch;
  batch.max_concurrency = 64;
  const auto items = backend.batch_completion(requests, batch);
  for (const auto& item : items) REQUIRE(item.ok());
  const auto recorded = s.simulator.requests();
  REQUIRE(recorded.size() == 300);
  std::set<std::string> used_keys;
  for (const auto& request : recorded) {
    const json body = json::parse(request.body);
    const std::string text = body["messages"][0]["content"];
    const int i = std::stoi(text.substr(std::string("request ").size()));
    INFO(text);
    CHECK(request.headers.at("x-tag") == "tag-" + std::to_string(i % 7));
    CHECK(request.headers.at("authorization") == "Bearer " + request.key);
    used_keys.insert(request.key);
  }
  CHECK(used_keys.size() == 5);
}

TEST_CASE("async streams deliver their chunks on the I/O thread as they arrive") {
  Harness s;
  auto backend = s.backend(s.infos("openai", 1));
  Fault stall = make_fault(FaultKind::stall, 3);
  stall.stall = 60s;
  s.simulator.push_fault(stall);
  std::atomic<int> seen{0};
  std::string text;
  auto future = backend.completion_async(ping(), [&](const json& chunk) {
    if (++seen == 3) s.simulator.release_stalls();  // delivered while the server is stalled
    text += delta_text(chunk);
    return true;
  });
  REQUIRE(future.wait_for(30s) == std::future_status::ready);
  const json completion = future.get();
  CHECK(text == text_of(completion));
  CHECK(seen > 3);
}

TEST_CASE("an async stream cut mid-way fails with StreamError carrying the partial text") {
  Harness s;
  auto backend = s.backend(s.infos("openai", 2));
  s.simulator.push_fault(make_fault(FaultKind::reset_mid_stream, 4));
  StreamCollector collector;
  auto future = backend.completion_async(ping(), collector.callback());
  try {
    future.get();
    FAIL("no exception");
  } catch (const StreamError& e) {
    REQUIRE(e.partial() != nullptr);
    CHECK(text_of(*e.partial()) == collector.text);
    CHECK_FALSE(collector.text.empty());
  }
  CHECK(s.simulator.request_count() == 1);
}

TEST_CASE("an async stream that stalls hits the idle timeout on the I/O thread") {
  Harness s;
  BackendOptions o = Harness::options();
  o.timeouts.idle = 300ms;
  auto backend = s.backend(s.infos("openai", 1), o);
  Fault stall = make_fault(FaultKind::stall, 3);
  stall.stall = 20s;
  s.simulator.push_fault(stall);
  auto future = backend.completion_async(ping(), [](const json&) { return true; });
  CHECK_THROWS_AS(future.get(), TimeoutError);
  s.simulator.release_stalls();
}

TEST_CASE("async calls retry server errors and resets on other keys") {
  Harness s;
  auto backend = s.backend(s.infos("openai", 3));
  s.simulator.push_fault(status_fault(503));
  s.simulator.push_fault(make_fault(FaultKind::reset_before_headers));
  CHECK(text_of(backend.completion_async(ping()).get()) == kPingAnswer);
  CHECK(s.simulator.request_count() == 3);
}

TEST_CASE("cancelling a batch aborts its stalled transfers promptly") {
  Harness s;
  auto backend = s.backend(s.infos("openai", 2));
  for (int i = 0; i < 8; ++i) {
    Fault stall = make_fault(FaultKind::stall, 0);  // before any response byte
    stall.stall = 60s;
    s.simulator.push_fault(stall);
  }
  std::atomic<bool> cancel{false};
  BatchOptions batch;
  batch.max_concurrency = 8;
  batch.cancel = &cancel;
  batch.progress_interval = 1ms;
  batch.on_progress = [&](const BatchProgress&) {
    if (s.simulator.active_stalls() == 8) cancel = true;  // every transfer is stuck
  };
  const auto start = std::chrono::steady_clock::now();
  const auto items = backend.batch_completion(std::vector<json>(8, chat_params("x", 8)), batch);
  CHECK(std::chrono::steady_clock::now() - start < 30s);
  for (const auto& item : items) {
    REQUIRE_FALSE(item.ok());
    CHECK(item.error->kind() == ErrorKind::cancelled);
  }
  s.simulator.release_stalls();
}

TEST_CASE("batch_embedding over HTTP matches single embedding calls, in order") {
  Harness s;
  auto backend = s.backend(s.infos("openai", 2));
  std::vector<std::string> inputs;
  for (int i = 0; i < 250; ++i) inputs.push_back("text number " + std::to_string(i));
  BatchOptions batch;
  batch.embedding_batch_size = 32;
  batch.max_concurrency = 4;
  const EmbeddingBatch result = backend.batch_embedding(inputs, json::object(), batch);
  REQUIRE(result.ok());
  CHECK(result.requests == 8);
  for (const int i : {0, 31, 32, 117, 249}) {
    INFO(i);
    const json single = backend.embedding(json{{"input", inputs[static_cast<std::size_t>(i)]}});
    const json& expected = single["data"][0]["embedding"];
    REQUIRE(result.vectors[static_cast<std::size_t>(i)].size() == expected.size());
    for (std::size_t j = 0; j < expected.size(); ++j) {
      CHECK(result.vectors[static_cast<std::size_t>(i)][j] == expected[j].get<float>());
    }
  }
}
