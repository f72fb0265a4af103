// A backend on a FakeTransport, for the tests that need no network: what they script and inspect
// is the transport (fake_responses.hpp has the common answers), and nothing sleeps between
// retries. Integration tests use the simulator's Harness instead (harness.hpp).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "log_lines.hpp"
#include "requests.hpp"

namespace litellm::test {

/// The base URL of the fake-transport tests' OpenAI keys: nothing listens there, the transport
/// answers.
inline const std::string kFakeOpenAIBase = "https://api.test/v1";

/// Two keys for the fake-transport tests, long enough to be shown redacted as "sk-...AAAA".
inline const std::string kKeyA = "sk-test-fake-key-AAAAAAAAAAAAAAAAAAAA";
inline const std::string kKeyB = "sk-test-fake-key-BBBBBBBBBBBBBBBBBBBB";

/// An OpenAI ApiInfo for `key` at kFakeOpenAIBase.
inline ApiInfo openai_key(const std::string& key) {
  return ApiInfo{"openai", std::nullopt, key, kFakeOpenAIBase};
}

/// A FakeTransport, a private key registry and a log, and backends that use them.
struct FakeHarness {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<KeyRegistry> registry = std::make_shared<KeyRegistry>();
  LogLines log;  ///< Every line the backends logged.

  /// Options on the transport and registry, without backoff between retries, logging to `log`.
  BackendOptions options() {
    BackendOptions o;
    o.transport = transport;
    o.key_registry = registry;
    o.backoff.initial = std::chrono::milliseconds(0);  // no real sleeping between retries
    o.logger = log.logger();
    return o;
  }

  /// A backend with options(): `kwargs` are its default parameters (by default, no wait between
  /// two uses of a key).
  LiteLLMBackend backend(std::vector<ApiInfo> infos, ModelName model = "gpt-4o",
                         json kwargs = wait_time_per_key(0)) {
    return LiteLLMBackend(std::move(infos), std::move(model), std::move(kwargs), options());
  }
};

}  // namespace litellm::test
