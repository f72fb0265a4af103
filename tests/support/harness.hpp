// The integration tests' harness: a ProviderSimulator started on a free port of 127.0.0.1, with
// ApiInfos and LiteLLMBackends pointed at it. Only for tests that link litellm_simulator
// (tests/integration): unit tests never include it (they use fake_harness.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "litellm/backend.hpp"
#include "requests.hpp"
#include "simulator.hpp"
#include "wait.hpp"

namespace litellm::test {

/// The keys of the harness's ApiInfos, by index.
inline const std::vector<std::string> kHarnessKeys = {
    "sk-harness-key-0001-aaaaaaaaaaaa", "sk-harness-key-0002-bbbbbbbbbbbb",
    "sk-harness-key-0003-cccccccccccc", "sk-harness-key-0004-dddddddddddd",
    "sk-harness-key-0005-eeeeeeeeeeee"};

/// AWS credentials ("ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]") for "bedrock" ApiInfos, by index:
/// the simulator verifies their SigV4 signatures (the second carries a session token).
inline const std::vector<std::string> kHarnessAwsKeys = {
    "AKIDHARNESS000000001:harnessSecret0001/aaaaaaaaaaaaaaaaaaaaaaa",
    "AKIDHARNESS000000002:harnessSecret0002/bbbbbbbbbbbbbbbbbbbbbbb:harnessSessionToken0002",
    "AKIDHARNESS000000003:harnessSecret0003/ccccccccccccccccccccccc"};

/// What the simulator answers to ping(): its greeting and the user's text.
inline const std::string kPingAnswer = "Hello from the simulator. You said: ping pong";

/// A chat request the simulator answers with kPingAnswer, cut to `max_tokens` words (8: all of
/// it, finish_reason "length").
inline nlohmann::json ping(int max_tokens = 8) {
  return chat_params("ping pong", max_tokens);
}

// The simulator's fault types, for the tests that script faults through the harness.
using sim::Fault;
using sim::FaultKind;

/// A fault of `kind` after `after_chunks` stream events, the other fields at their defaults.
inline Fault make_fault(FaultKind kind, int after_chunks = 1) {
  Fault fault;
  fault.kind = kind;
  fault.after_chunks = after_chunks;
  return fault;
}

/// A fault answering `status` (the provider's error body for it), with a Retry-After of
/// `retry_after_s` seconds when given.
inline Fault status_fault(int status, std::optional<double> retry_after_s = std::nullopt) {
  Fault fault = make_fault(FaultKind::status);
  fault.status = status;
  fault.retry_after_s = retry_after_s;
  return fault;
}

/// A started simulator (stopped with the harness) and backends on it.
class Harness {
 public:
  /// Simulator options that accept only kHarnessKeys and kHarnessAwsKeys (401 for any other key;
  /// Bedrock: 403 for an unknown access key or a wrong signature).
  static sim::SimulatorOptions known_keys() {
    sim::SimulatorOptions options;
    options.keys = kHarnessKeys;
    options.keys.insert(options.keys.end(), kHarnessAwsKeys.begin(), kHarnessAwsKeys.end());
    return options;
  }

  /// Starts a simulator with `options`.
  explicit Harness(sim::SimulatorOptions options = known_keys()) : simulator(std::move(options)) {
    simulator.start();
  }

  /// An ApiInfo for `key` on the simulator in `provider`'s shape: "openai" (its /v1 base),
  /// "azure" (api-version 2024-10-21), "anthropic", "gemini" or "bedrock" (region us-east-1).
  ApiInfo info_with_key(const std::string& provider, const std::string& key) const {
    if (provider == "azure") {
      return {"azure", std::string("2024-10-21"), key, simulator.base_url()};
    }
    if (provider == "bedrock") {
      return {"bedrock", std::string("us-east-1"), key, simulator.base_url()};
    }
    if (provider == "anthropic") return {"anthropic", std::nullopt, key, simulator.base_url()};
    if (provider == "gemini") return {"gemini", std::nullopt, key, simulator.base_url()};
    return {"openai", std::nullopt, key, simulator.openai_base()};
  }

  /// info_with_key for kHarnessKeys[key] (Bedrock: kHarnessAwsKeys[key]).
  ApiInfo info(const std::string& provider, std::size_t key = 0) const {
    return info_with_key(provider,
                         provider == "bedrock" ? kHarnessAwsKeys.at(key) : kHarnessKeys.at(key));
  }

  /// The first `count` keys' ApiInfos, in order.
  std::vector<ApiInfo> infos(const std::string& provider, std::size_t count) const {
    std::vector<ApiInfo> out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(info(provider, i));
    return out;
  }

  /// Options with a private key registry and retries after 1 ms (at most 5 ms).
  static BackendOptions options() {
    BackendOptions o;
    o.key_registry = std::make_shared<KeyRegistry>();
    o.backoff.initial = std::chrono::milliseconds(1);
    o.backoff.maximum = std::chrono::milliseconds(5);
    return o;
  }

  /// A backend of model "sim-model" on `infos`, no wait between two uses of a key.
  LiteLLMBackend backend(std::vector<ApiInfo> infos, BackendOptions o = options()) const {
    return LiteLLMBackend(std::move(infos), "sim-model", wait_time_per_key(0), std::move(o));
  }

  /// The bytes the simulator wrote for its last recorded request, once that response ended; 0
  /// when it did not end within 10 s. The simulator records them just after its last write,
  /// which may come after the client saw the whole response: this waits for that.
  std::size_t last_bytes_sent() const {
    std::size_t bytes = 0;
    eventually(
        [&] {
          const auto requests = simulator.requests();
          bytes = requests.empty() ? 0 : requests.back().bytes_sent;
          return bytes > 0;
        },
        std::chrono::seconds(10));
    return bytes;
  }

  sim::ProviderSimulator simulator;  ///< Running from construction to destruction.
};

}  // namespace litellm::test
