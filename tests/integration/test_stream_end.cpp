// A stream ends with its end marker (`data: [DONE]`, Anthropic's `message_stop`), not with its
// HTTP body: a server that sent the whole stream and then holds the body open (no terminating
// chunk) must not cost the caller the idle timeout and a TimeoutError. Real HTTP against the
// simulator's hold_open fault, for OpenAI, Azure and Anthropic, synchronous and asynchronous.
#include <chrono>
#include <set>
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

using SteadyClock = std::chrono::steady_clock;

/// Far below the idle timeout (30 s) and the hold (60 s): a call that waited for either fails.
constexpr auto kPromptly = 10s;

const char* const kProviders[] = {"openai", "azure", "anthropic"};

/// The harness, with backends whose streams would wait for a held-open body to end.
struct Server : Harness {
  /// A backend whose streams would wait 30 s for a held-open body to end.
  LiteLLMBackend backend(const std::string& backend_used) const {
    BackendOptions options = Harness::options();
    options.timeouts.idle = 30s;
    options.timeouts.first_byte = 30s;
    return Harness::backend({info(backend_used)}, options);
  }

  /// The next request sends its whole stream, then holds the body open for a minute.
  void hold_next_stream() {
    Fault fault = make_fault(FaultKind::hold_open);
    fault.stall = 60s;
    simulator.push_fault(fault);
  }
};

/// Checks a held-open stream's call: the full completion, delivered promptly, chunk by chunk.
void check_complete(const json& completion, const std::string& streamed,
                    SteadyClock::duration took) {
  CHECK(took < kPromptly);
  CHECK(text_of(completion) == kPingAnswer);
  CHECK(completion["choices"][0]["finish_reason"] == "length");  // max_tokens: 8 words
  CHECK(streamed == text_of(completion));
}

}  // namespace

TEST_CASE(
    "a synchronous stream held open after its end marker returns the full completion at once") {
  for (const char* provider : kProviders) {
    INFO(provider);
    Server server;
    auto backend = server.backend(provider);
    server.hold_next_stream();
    StreamCollector streamed;
    const auto start = SteadyClock::now();
    const json completion = backend.completion(ping(), streamed.callback());
    check_complete(completion, streamed.text, SteadyClock::now() - start);
    const auto requests = server.simulator.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].fault == "hold_open");
  }
}

TEST_CASE(
    "an asynchronous stream held open after its end marker returns the full completion at once") {
  for (const char* provider : kProviders) {
    INFO(provider);
    Server server;
    auto backend = server.backend(provider);
    server.hold_next_stream();
    StreamCollector streamed;  // written on the I/O thread, read after get()
    const auto start = SteadyClock::now();
    auto future = backend.completion_async(ping(), streamed.callback());
    REQUIRE(future.wait_for(kPromptly) == std::future_status::ready);
    const json completion = future.get();
    check_complete(completion, streamed.text, SteadyClock::now() - start);
    CHECK(server.simulator.requests().at(0).fault == "hold_open");
  }
}

TEST_CASE("the connection of a stream held open is not reused, and the next call succeeds") {
  for (const bool async : {false, true}) {
    INFO((async ? "async" : "sync"));
    Server server;
    auto backend = server.backend("openai");
    server.hold_next_stream();
    const auto on_chunk = [](const json&) { return true; };
    const auto call = [&] {
      return async ? backend.completion_async(ping(), on_chunk).get()
                   : backend.completion(ping(), on_chunk);
    };
    call();
    const json second = call();
    CHECK(text_of(second) == kPingAnswer);
    const auto requests = server.simulator.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].client_port != requests[1].client_port);
  }
}

TEST_CASE("streams whose body ends after their end marker keep reusing one connection") {
  Server server;
  auto backend = server.backend("openai");
  for (int i = 0; i < 5; ++i) backend.completion(ping(), [](const json&) { return true; });
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == 5);
  for (const auto& request : requests) CHECK(request.client_port == requests[0].client_port);
}
