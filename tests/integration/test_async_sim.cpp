// Asynchronous calls and batches over libcurl's multi interface against the simulator.
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "litellm/backend.hpp"
#include "simulator.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using sim::Fault;
using sim::FaultKind;

using litellm::test::delta_text;
using litellm::test::text_of;
namespace {

std::vector<ApiInfo> keys(const sim::ProviderSimulator& simulator, int count) {
  std::vector<ApiInfo> out;
  for (int i = 0; i < count; ++i) {
    out.push_back({"openai", std::nullopt, "sk-async-integration-000" + std::to_string(i),
                   simulator.openai_base()});
  }
  return out;
}

BackendOptions options() {
  BackendOptions o;
  o.key_registry = std::make_shared<KeyRegistry>();
  o.backoff.initial = 1ms;
  return o;
}

json ping(const std::string& text, int max_tokens = 8) {
  return json{{"messages", json::array({{{"role", "user"}, {"content", text}}})},
              {"max_tokens", max_tokens}};
}

struct Started {
  sim::ProviderSimulator simulator;
  explicit Started(sim::SimulatorOptions o = {}) : simulator(std::move(o)) { simulator.start(); }
};

}  // namespace

TEST_CASE("64 concurrent completions through the multi interface all succeed, in order") {
  Started s;
  LiteLLMBackend backend(keys(s.simulator, 4), "m", json{{"wait_time_per_key", 0}}, options());
  std::vector<json> requests;
  for (int i = 0; i < 200; ++i) requests.push_back(ping("request " + std::to_string(i), 4));
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
  Started s;
  LiteLLMBackend backend(keys(s.simulator, 5), "m", json{{"wait_time_per_key", 0}}, options());
  std::vector<json> requests;
  for (int i = 0; i < 300; ++i) {
    json request = ping("request " + std::to_string(i), 2);
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
  Started s;
  LiteLLMBackend backend(keys(s.simulator, 1), "m", json{{"wait_time_per_key", 0}}, options());
  Fault stall;
  stall.kind = FaultKind::stall;
  stall.after_chunks = 3;
  stall.stall = 60s;
  s.simulator.push_fault(stall);
  std::atomic<int> seen{0};
  std::string text;
  auto future = backend.completion_async(ping("ping pong"), [&](const json& chunk) {
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
  Started s;
  LiteLLMBackend backend(keys(s.simulator, 2), "m", json{{"wait_time_per_key", 0}}, options());
  Fault reset;
  reset.kind = FaultKind::reset_mid_stream;
  reset.after_chunks = 4;
  s.simulator.push_fault(reset);
  std::string text;
  auto future = backend.completion_async(ping("ping pong"), [&](const json& chunk) {
    text += delta_text(chunk);
    return true;
  });
  try {
    future.get();
    FAIL("no exception");
  } catch (const StreamError& e) {
    REQUIRE(e.partial() != nullptr);
    CHECK(text_of(*e.partial()) == text);
    CHECK_FALSE(text.empty());
  }
  CHECK(s.simulator.request_count() == 1);
}

TEST_CASE("an async stream that stalls hits the idle timeout on the I/O thread") {
  Started s;
  BackendOptions o = options();
  o.timeouts.idle = 300ms;
  LiteLLMBackend backend(keys(s.simulator, 1), "m", json{{"wait_time_per_key", 0}}, o);
  Fault stall;
  stall.kind = FaultKind::stall;
  stall.after_chunks = 3;
  stall.stall = 20s;
  s.simulator.push_fault(stall);
  auto future = backend.completion_async(ping("ping pong"), [](const json&) { return true; });
  CHECK_THROWS_AS(future.get(), TimeoutError);
  s.simulator.release_stalls();
}

TEST_CASE("async calls retry server errors and resets on other keys") {
  Started s;
  LiteLLMBackend backend(keys(s.simulator, 3), "m", json{{"wait_time_per_key", 0}}, options());
  Fault status;
  status.kind = FaultKind::status;
  status.status = 503;
  s.simulator.push_fault(status);
  Fault reset;
  reset.kind = FaultKind::reset_before_headers;
  s.simulator.push_fault(reset);
  CHECK(text_of(backend.completion_async(ping("ping pong")).get()) ==
        "Hello from the simulator. You said: ping pong");
  CHECK(s.simulator.request_count() == 3);
}

TEST_CASE("cancelling a batch aborts its stalled transfers promptly") {
  Started s;
  LiteLLMBackend backend(keys(s.simulator, 2), "m", json{{"wait_time_per_key", 0}}, options());
  for (int i = 0; i < 8; ++i) {
    Fault stall;
    stall.kind = FaultKind::stall;
    stall.after_chunks = 0;  // before any response byte
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
  const auto items = backend.batch_completion(std::vector<json>(8, ping("x")), batch);
  CHECK(std::chrono::steady_clock::now() - start < 30s);
  for (const auto& item : items) {
    REQUIRE_FALSE(item.ok());
    CHECK(item.error->kind() == ErrorKind::cancelled);
  }
  s.simulator.release_stalls();
}

TEST_CASE("batch_embedding over HTTP matches single embedding calls, in order") {
  Started s;
  LiteLLMBackend backend(keys(s.simulator, 2), "m", json{{"wait_time_per_key", 0}}, options());
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
