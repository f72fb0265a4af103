// Asynchronous calls and batches on the fake transport: the engine's scheduling (key waits,
// retries, ordering, progress, cancellation, shutdown) without a network.
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "fake_harness.hpp"
#include "fake_responses.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "requests.hpp"
#include "samples.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

/// A chat completion whose content echoes the request's user text (so order can be checked).
FakeResponse echo(const HttpRequest& request) {
  const json body = json::parse(request.body);
  const std::string text = body["messages"][0]["content"];
  if (text.rfind("fail", 0) == 0) {
    return FakeResponse::json_body(
        R"({"error":{"message":"bad","type":"invalid_request_error","code":null}})", 400);
  }
  json completion = json::parse(sample_chat_completion());
  completion["choices"][0]["message"]["content"] = "echo: " + text;
  return FakeResponse::json_body(completion.dump());
}

/// An embedding response whose vector i is {length of input i, i}, base64-encoded.
FakeResponse embed(const HttpRequest& request) {
  const json body = json::parse(request.body);
  json data = json::array();
  std::size_t index = 0;
  for (const json& input : body["input"]) {
    const float values[2] = {static_cast<float>(input.get<std::string>().size()),
                             static_cast<float>(index)};
    std::string bytes(reinterpret_cast<const char*>(values), sizeof(values));
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b64;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
      const unsigned v =
          (static_cast<unsigned char>(bytes[i]) << 16) |
          ((i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0) << 8) |
          (i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0);
      b64 += kAlphabet[(v >> 18) & 63];
      b64 += kAlphabet[(v >> 12) & 63];
      b64 += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
      b64 += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
    }
    data.push_back({{"object", "embedding"}, {"index", index++}, {"embedding", b64}});
  }
  return FakeResponse::json_body(
      json{{"object", "list"},
           {"data", data},
           {"model", "m"},
           {"usage", {{"prompt_tokens", index}, {"total_tokens", index}}}}
          .dump());
}

/// A batch_embedding of four inputs in two requests, the first answered 400.
EmbeddingBatch batch_with_first_request_failed() {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::json_body(
      R"({"error":{"message":"bad","type":"invalid_request_error"}})", 400));
  h.transport->respond_with(embed);
  BatchOptions options;
  options.embedding_batch_size = 2;
  options.max_concurrency = 1;
  return backend.batch_embedding({"a", "b", "c", "d"}, json::object(), options);
}

}  // namespace

TEST_CASE("completion_async resolves to the completion") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->respond_with(echo);
  std::future<json> future = backend.completion_async(chat_params("one"));
  const json completion = future.get();
  CHECK(completion["choices"][0]["message"]["content"] == "echo: one");
}

TEST_CASE("a streamed completion_async delivers every chunk and the accumulated completion") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::event_stream(sample_stream_sse(), 64));
  std::atomic<int> chunks{0};
  std::future<json> future = backend.completion_async(chat_params("hi"), [&](const json&) {
    ++chunks;
    return true;
  });
  const json completion = future.get();
  CHECK(chunks == 33);
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
}

TEST_CASE("embedding_async resolves to float vectors") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->respond_with(embed);
  const json response = backend.embedding_async(json{{"input", json::array({"abc"})}}).get();
  CHECK(response["data"][0]["embedding"] == json::array({3.0, 0.0}));
  // OpenAI answers base64 when asked, so the library asks.
  CHECK(json::parse(h.transport->requests()[0].body)["encoding_format"] == "base64");
}

TEST_CASE("an async call's error arrives through the future as its typed exception") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->respond_with(echo);
  std::future<json> future = backend.completion_async(chat_params("fail please"));
  CHECK_THROWS_AS(future.get(), BadRequestError);
}

TEST_CASE("an async call is retried on the next key after a server error") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->push(
      FakeResponse::json_body(R"({"error":{"message":"boom","type":"server_error"}})", 500));
  h.transport->respond_with(echo);
  CHECK(backend.completion_async(chat_params("x")).get()["choices"][0]["message"]["content"] ==
        "echo: x");
  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].headers.value("authorization") != requests[1].headers.value("authorization"));
}

TEST_CASE("async calls wait for keys on timers: one key, wait W, three calls span 2 W") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)}, "gpt-4o", wait_time_per_key(0.15));
  h.transport->respond_with(echo);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::future<json>> futures;
  for (int i = 0; i < 3; ++i)
    futures.push_back(backend.completion_async(chat_params(std::to_string(i))));
  for (auto& future : futures) future.get();
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);  // a lower bound: never flaky
  CHECK(backend.key_pool().snapshot()[0].uses == 3);
}

TEST_CASE("a call that cannot get a key within max_key_wait fails with RateLimitError") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)}, "gpt-4o", wait_time_per_key(3600));
  h.transport->respond_with(echo);
  backend.completion(chat_params("hi"));  // the only key is now busy for an hour
  CallOptions call;
  call.max_key_wait = 50ms;
  std::future<json> future = backend.completion_async(chat_params("hi"), call);
  try {
    future.get();
    FAIL("no exception");
  } catch (const RateLimitError& e) {
    REQUIRE(e.retry_after().has_value());
    CHECK(*e.retry_after() > 3500s);
  }
}

TEST_CASE("destroying the backend ends its waiting async calls with CancelledError") {
  FakeHarness h;
  std::future<json> waiting;
  {
    auto backend = h.backend({openai_key(kKeyA)}, "gpt-4o", wait_time_per_key(3600));
    h.transport->respond_with(echo);
    backend.completion(chat_params("hi"));
    waiting = backend.completion_async(chat_params("hi"));
  }
  CHECK_THROWS_AS(waiting.get(), CancelledError);
}

TEST_CASE("batch_completion returns results and errors in input order") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->respond_with(echo);
  std::vector<json> requests;
  for (int i = 0; i < 40; ++i)
    requests.push_back(chat_params((i % 7 == 3 ? "fail " : "") + std::to_string(i)));
  BatchOptions options;
  options.max_concurrency = 8;
  std::vector<BatchProgress> reports;
  options.on_progress = [&](const BatchProgress& p) { reports.push_back(p); };
  const std::vector<BatchItem> items = backend.batch_completion(requests, options);
  REQUIRE(items.size() == 40);
  int errors = 0;
  for (int i = 0; i < 40; ++i) {
    INFO(i);
    if (i % 7 == 3) {
      REQUIRE_FALSE(items[i].ok());
      CHECK(items[i].error->kind() == ErrorKind::bad_request);
      ++errors;
    } else {
      REQUIRE(items[i].ok());
      CHECK(items[i].value["choices"][0]["message"]["content"] == "echo: " + std::to_string(i));
    }
  }
  REQUIRE_FALSE(reports.empty());
  CHECK(reports.back().done == 40);
  CHECK(reports.back().total == 40);
  CHECK(reports.back().errors == static_cast<std::size_t>(errors));
  CHECK(reports.back().in_flight == 0);
}

TEST_CASE("a cancelled batch ends its unfinished requests with CancelledError") {
  FakeHarness h;
  auto backend =
      h.backend({openai_key(kKeyA)}, "gpt-4o",
                wait_time_per_key(3600));  // one key, one use per hour: requests queue up
  h.transport->respond_with(echo);
  std::atomic<bool> cancel{false};
  BatchOptions options;
  options.max_concurrency = 4;
  options.cancel = &cancel;
  options.progress_interval = 1ms;
  options.on_progress = [&](const BatchProgress& p) {
    if (p.done >= 1) cancel = true;  // after the first request, the rest wait an hour for a key
  };
  std::vector<json> requests(10, chat_params("q"));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<BatchItem> items = backend.batch_completion(requests, options);
  CHECK(std::chrono::steady_clock::now() - start < 30s);
  REQUIRE(items.size() == 10);
  CHECK(items[0].ok());
  for (std::size_t i = 1; i < items.size(); ++i) {
    REQUIRE_FALSE(items[i].ok());
    CHECK(items[i].error->kind() == ErrorKind::cancelled);
  }
}

TEST_CASE("batch_embedding splits inputs into requests and reassembles the vectors in order") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->respond_with(embed);
  std::vector<std::string> inputs;
  for (int i = 0; i < 23; ++i) inputs.push_back(std::string(static_cast<std::size_t>(i + 1), 'x'));
  BatchOptions options;
  options.embedding_batch_size = 5;
  options.max_concurrency = 3;
  const EmbeddingBatch batch = backend.batch_embedding(inputs, json{{"dimensions", 2}}, options);
  CHECK(batch.ok());
  CHECK(batch.requests == 5);
  CHECK(h.transport->requests().size() == 5);
  REQUIRE(batch.vectors.size() == 23);
  for (std::size_t i = 0; i < 23; ++i) {
    INFO(i);
    REQUIRE(batch.vectors[i].size() == 2);
    CHECK(batch.vectors[i][0] == static_cast<float>(i + 1));  // the input's length
    CHECK(batch.vectors[i][1] == static_cast<float>(i % 5));  // its index in its request
  }
  CHECK(batch.usage["prompt_tokens"] == 23);
  CHECK(json::parse(h.transport->requests()[0].body)["dimensions"] == 2);
}

TEST_CASE("a failed embedding request marks its inputs and keeps the others") {
  const EmbeddingBatch batch = batch_with_first_request_failed();
  CHECK_FALSE(batch.ok());
  CHECK(batch.failed_requests == 1);
  CHECK(batch.vectors[0].empty());
  CHECK(batch.errors[0].has_value());
  CHECK(batch.errors[1].has_value());
  CHECK_FALSE(batch.errors[2].has_value());
  CHECK(batch.vectors[3].size() == 2);
}

TEST_CASE("a batch checks every 200 body on the I/O thread before its caller parses it") {
  // Batch results are parsed on the calling thread; the I/O thread still decides what a body is,
  // so error bodies are retried and malformed ones fail exactly as for a single call.
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  const std::string completion = sample_chat_completion();
  // Request 0: a 200 error body (a server error: retried), then a completion.
  h.transport->push(
      FakeResponse::json_body(R"({"error":{"message":"busy","type":"server_error"}})"));
  h.transport->push(FakeResponse::json_body(completion));
  // Request 1: not JSON. Request 2: no choices list. Request 3: escapes and non-ASCII text.
  h.transport->push(FakeResponse::json_body("{\"choices\":[]"));
  h.transport->push(FakeResponse::json_body(R"({"id":"x","choices":{"0":{}}})"));
  const std::string unusual =
      R"({"id":"c\u00e9","choices":[{"index":0,"message":{"role":"assistant","content":"a\"b\\c \ud83d\ude00 é"}}],"n":-0.0})";
  h.transport->push(FakeResponse::json_body(unusual));
  BatchOptions options;
  options.max_concurrency = 1;  // the scripted answers go to the requests in order
  const std::vector<BatchItem> items =
      backend.batch_completion(std::vector<json>(4, chat_params("hi")), options);
  REQUIRE(items.size() == 4);
  REQUIRE(items[0].ok());
  CHECK(items[0].value == json::parse(completion));
  REQUIRE_FALSE(items[1].ok());
  CHECK(items[1].error->kind() == ErrorKind::protocol);
  REQUIRE_FALSE(items[2].ok());
  CHECK(items[2].error->kind() == ErrorKind::protocol);
  REQUIRE(items[3].ok());
  CHECK(items[3].value == json::parse(unusual));
  CHECK(items[3].value["n"].is_number_float());
  CHECK(h.transport->requests().size() == 5);
}

TEST_CASE("a batch hands every result over when fewer than a wake-up's worth remain") {
  // The calling thread is woken per 32 results and at the end: 33 and 70 leave remainders.
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->respond_with(echo);
  for (const std::size_t count : {std::size_t{1}, std::size_t{33}, std::size_t{70}}) {
    std::vector<json> requests;
    for (std::size_t i = 0; i < count; ++i) requests.push_back(chat_params(std::to_string(i)));
    BatchOptions options;
    options.max_concurrency = 16;
    const std::vector<BatchItem> items = backend.batch_completion(requests, options);
    REQUIRE(items.size() == count);
    for (std::size_t i = 0; i < count; ++i) {
      INFO(count << " requests, item " << i);
      REQUIRE(items[i].ok());
      CHECK(items[i].value["choices"][0]["message"]["content"] == "echo: " + std::to_string(i));
    }
  }
}

// ---- Errors keep their details and their class -------------------------------------------------

TEST_CASE("an async 401 on the last key fails with that response's details") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(rejected_key("req_async_401"));
  std::future<json> future = backend.completion_async(chat_params("hi"));
  try {
    future.get();
    FAIL("no exception");
  } catch (const AuthError& e) {
    check_rejected_key_error(e, "req_async_401", openai_key(kKeyA));
  }
}

TEST_CASE("an async exhausted quota on the last key fails with the 429's details") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(exhausted_quota());
  std::future<json> future = backend.completion_async(chat_params("hi"));
  try {
    future.get();
    FAIL("no exception");
  } catch (const RateLimitError& e) {
    CHECK(e.http_status() == 429);
    CHECK(e.is_quota_exhausted());
    CHECK(e.provider_message() == "You exceeded your current quota");
    CHECK(e.details().key_id == make_unique_api_info_key(openai_key(kKeyA)));
  }
}

TEST_CASE("a batch item rejected on the last key keeps the 401's details and rethrows AuthError") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(rejected_key("req_async_401"));
  const std::vector<BatchItem> items = backend.batch_completion({chat_params("hi")});
  REQUIRE(items.size() == 1);
  REQUIRE_FALSE(items[0].ok());
  CHECK(items[0].error->http_status() == 401);
  CHECK(items[0].error->error_code() == "invalid_api_key");
  CHECK(items[0].error->request_id() == "req_async_401");
  CHECK(items[0].error->details().key_id == make_unique_api_info_key(openai_key(kKeyA)));
  CHECK_THROWS_AS(items[0].rethrow(), AuthError);
}

TEST_CASE("a batch item that may not wait out a 429 rethrows RateLimitError") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(rate_limited());
  h.transport->respond_with(echo);
  BatchOptions options;
  options.max_concurrency = 1;
  options.call.retry = RetryPolicy{1, std::chrono::seconds(60), /*max_rate_limit_retries=*/0};
  const std::vector<BatchItem> items =
      backend.batch_completion({chat_params("a"), chat_params("b")}, options);
  REQUIRE(items.size() == 2);
  REQUIRE_FALSE(items[0].ok());
  CHECK(items[0].error->kind() == ErrorKind::rate_limit);
  CHECK_THROWS_AS(items[0].rethrow(), RateLimitError);
  try {
    items[0].rethrow();
  } catch (const RateLimitError& e) {
    CHECK(e.http_status() == 429);
    CHECK(e.error_code() == "rate_limit_exceeded");
  }
  REQUIRE(items[1].ok());
  CHECK_NOTHROW(items[1].rethrow());
}

TEST_CASE("a batch item built by hand with only an error rethrows its kind's class") {
  BatchItem item;
  item.error = Error(ErrorKind::timeout, "slow");
  CHECK_THROWS_AS(item.rethrow(), TimeoutError);
}

TEST_CASE("a failed embedding request's inputs rethrow its error with its class") {
  const EmbeddingBatch batch = batch_with_first_request_failed();
  REQUIRE(batch.exceptions.size() == 4);
  CHECK_THROWS_AS(batch.rethrow(0), BadRequestError);
  CHECK_THROWS_AS(batch.rethrow(1), BadRequestError);
  CHECK_NOTHROW(batch.rethrow(2));
  CHECK_THROWS_AS(batch.rethrow(4), std::out_of_range);
}

// ---- Failures that are not the library's -------------------------------------------------------
// They reach the caller as they were thrown: a future's get() and BatchItem::rethrow() throw the
// original exception, never a CancelledError (nor any litellm::Error), and BatchItem::error stays
// empty for them.

namespace {

/// As `echo`, but a request whose text starts with "alloc" throws std::bad_alloc and one that
/// starts with "runtime" std::runtime_error, from the transport.
FakeResponse echo_or_throw(const HttpRequest& request) {
  const json body = json::parse(request.body);
  const std::string text = body["messages"][0]["content"];
  if (text.rfind("alloc", 0) == 0) throw std::bad_alloc();
  if (text.rfind("runtime", 0) == 0) throw std::runtime_error("runtime: " + text);
  return echo(request);
}

/// Checks that `rethrow` throws std::runtime_error `what`, and no litellm::Error.
template <typename Rethrow>
void check_runtime_error(Rethrow&& rethrow, const std::string& what) {
  try {
    rethrow();
    FAIL("no exception");
  } catch (const Error& e) {
    FAIL("relabelled as a litellm error: " << e.what());
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == what);
  }
}

}  // namespace

TEST_CASE("an async call's foreign exception arrives through the future as it was thrown") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->respond_with(echo_or_throw);
  CHECK_THROWS_AS(backend.completion_async(chat_params("alloc")).get(), std::bad_alloc);
  std::future<json> runtime = backend.completion_async(chat_params("runtime 1"));
  check_runtime_error([&] { runtime.get(); }, "runtime: runtime 1");
  CHECK(h.transport->requests().size() == 2);  // neither was retried
  for (const KeyStateSnapshot& state : backend.key_pool().snapshot()) CHECK(state.failures == 0);
}

TEST_CASE("an async stream's callback exception arrives through the future as it was thrown") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->respond_with(
      [](const HttpRequest&) { return FakeResponse::event_stream(sample_stream_sse(), 10); });
  std::future<json> runtime = backend.completion_async(
      chat_params(), [](const json&) -> bool { throw std::runtime_error("callback failed"); });
  check_runtime_error([&] { runtime.get(); }, "callback failed");
  std::future<json> alloc =
      backend.completion_async(chat_params(), [](const json&) -> bool { throw std::bad_alloc(); });
  CHECK_THROWS_AS(alloc.get(), std::bad_alloc);
}

TEST_CASE("a batch item's foreign exception is kept as thrown, never made a CancelledError") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->respond_with(echo_or_throw);
  BatchOptions options;
  options.max_concurrency = 2;
  std::vector<BatchProgress> reports;
  options.on_progress = [&](const BatchProgress& p) { reports.push_back(p); };
  const std::vector<BatchItem> items = backend.batch_completion(
      {chat_params("a"), chat_params("alloc"), chat_params("runtime x"), chat_params("b")},
      options);
  REQUIRE(items.size() == 4);
  CHECK(items[0].ok());
  CHECK(items[3].ok());
  for (std::size_t i : {1, 2}) {
    INFO(i);
    CHECK_FALSE(items[i].ok());
    CHECK_FALSE(items[i].error.has_value());  // not the library's: no Error made up for it
    CHECK(items[i].exception != nullptr);
  }
  CHECK_THROWS_AS(items[1].rethrow(), std::bad_alloc);
  check_runtime_error([&] { items[2].rethrow(); }, "runtime: runtime x");
  REQUIRE_FALSE(reports.empty());
  CHECK(reports.back().errors == 2);
}

TEST_CASE("a batch_embedding request's foreign exception is kept for each of its inputs") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->respond_with([](const HttpRequest& request) {
    const json first = json::parse(request.body)["input"][0];
    if (first == "alloc") throw std::bad_alloc();
    if (first == "runtime") throw std::runtime_error("no way");
    return embed(request);
  });
  BatchOptions options;
  options.embedding_batch_size = 2;
  options.max_concurrency = 1;
  const EmbeddingBatch batch =
      backend.batch_embedding({"alloc", "b", "runtime", "d", "e", "f"}, json::object(), options);
  CHECK_FALSE(batch.ok());
  CHECK(batch.failed_requests == 2);
  for (std::size_t i : {0, 1, 2, 3}) {
    INFO(i);
    CHECK(batch.vectors[i].empty());
    CHECK_FALSE(batch.errors[i].has_value());
    CHECK(batch.exceptions[i] != nullptr);
  }
  CHECK_THROWS_AS(batch.rethrow(0), std::bad_alloc);
  CHECK_THROWS_AS(batch.rethrow(1), std::bad_alloc);
  check_runtime_error([&] { batch.rethrow(3); }, "no way");
  CHECK(batch.vectors[4].size() == 2);
  CHECK_NOTHROW(batch.rethrow(5));
}
