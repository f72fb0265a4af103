// litellm-bench-budget: pacing by rate budgets against the simulator's per-key limits.
//
//   litellm-bench-budget [--requests N] [--keys K] [--concurrency C] [--prompt-words P]
//                        [--max-tokens M] [--window-ms W] [--scenario tokens|requests|all]
//
// Each scenario limits every key as a provider does (requests and tokens per window, refilled
// continuously: tests/simulator) and sends N chat completions (prompts of P words, max_tokens
// M, so each costs P + M tokens as the simulator counts them) through K keys with
// batch_completion, C in flight, three times, each against a fresh simulator:
//   learned     budgets on, nothing configured (limits learned from the rate-limit headers);
//   configured  budgets on, the limits given as KeyPoolOptions::rate_limits;
//   off         KeyPoolOptions::pace_by_rate_limits = false (wait_per_key and 429 cooldowns
//               only, as before budgets).
// Scenario "tokens": the token limit binds (tpm = 10 requests' worth per window, rpm = 100);
// "requests": the request limit binds (rpm = 10, tpm = 100 requests' worth).
// Prints one JSON line per run: the 429s the simulator answered (and their share of the
// requests sent), requests lost (ended in an error), and the binding quantity's use of the keys'
// aggregate limit: `used_of_limit` = spent / (K x limit x elapsed / window), and
// `sustained_of_limit`, the same without the first window's worth that full buckets grant at
// the start (spent - K x limit) / (K x limit x elapsed / window).
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <litellm/litellm.hpp>
#include <nlohmann/json.hpp>

#include "simulator.hpp"

namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

struct Settings {
  std::size_t requests = 600;
  std::size_t keys = 3;
  std::size_t concurrency = 16;
  int prompt_words = 100;
  int max_tokens = 50;
  milliseconds window{1000};
  std::string scenario = "all";
};

struct Limits {
  int rpm = 0;
  long long tpm = 0;
  bool tokens_bind = true;
};

enum class Pacing { learned, configured, off };

const char* pacing_name(Pacing pacing) {
  switch (pacing) {
    case Pacing::learned:
      return "learned";
    case Pacing::configured:
      return "configured";
    case Pacing::off:
      return "off";
  }
  return "?";
}

json run(const Settings& s, const Limits& limits, Pacing pacing, const std::string& scenario) {
  litellm::sim::SimulatorOptions sim_options;
  sim_options.rate_limit_per_key = limits.rpm;
  sim_options.token_limit_per_key = limits.tpm;
  sim_options.rate_limit_window = s.window;
  sim_options.threads = static_cast<int>(s.concurrency) + 4;
  sim_options.max_recorded = 1;  // counted through on_request instead
  std::atomic<std::size_t> sent{0};
  std::atomic<std::size_t> limited{0};
  sim_options.on_request = [&](const litellm::sim::RecordedRequest& r) {
    ++sent;
    if (r.status == 429) ++limited;
  };
  litellm::sim::ProviderSimulator simulator(sim_options);
  simulator.start();

  std::vector<litellm::ApiInfo> infos;
  for (std::size_t i = 0; i < s.keys; ++i) {
    infos.push_back({"openai", std::nullopt, "sk-budget-" + std::to_string(i) + "-xxxxxxxxxxxx",
                     simulator.openai_base()});
  }
  litellm::BackendOptions options;
  options.key_registry = std::make_shared<litellm::KeyRegistry>();
  options.key_pool.pace_by_rate_limits = pacing != Pacing::off;
  if (pacing == Pacing::configured) {
    litellm::RateLimits configured;
    configured.rpm = limits.rpm;
    configured.tpm = static_cast<double>(limits.tpm);
    configured.window = s.window;
    options.key_pool.rate_limits.assign(s.keys, configured);
  }
  litellm::LiteLLMBackend backend(infos, "bench-model", json{{"wait_time_per_key", 0}}, options);

  std::string prompt;
  for (int i = 0; i < s.prompt_words; ++i) prompt += i == 0 ? "word" : " word";
  std::vector<json> requests(
      s.requests, json{{"messages", json::array({json{{"role", "user"}, {"content", prompt}}})},
                       {"max_tokens", s.max_tokens}});
  litellm::BatchOptions batch;
  batch.max_concurrency = s.concurrency;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<litellm::BatchItem> items =
      backend.batch_completion(std::move(requests), batch);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  simulator.stop();

  std::size_t lost = 0;
  double tokens = 0;
  std::string first_error;
  for (const litellm::BatchItem& item : items) {
    if (!item.ok()) {
      ++lost;
      if (first_error.empty() && item.error) first_error = item.error->what();
      continue;
    }
    tokens += static_cast<double>(s.prompt_words + s.max_tokens);
  }
  const double done = static_cast<double>(items.size() - lost);
  const double windows = elapsed / std::chrono::duration<double>(s.window).count();
  const double keys = static_cast<double>(s.keys);
  const double limit = limits.tokens_bind ? static_cast<double>(limits.tpm) : limits.rpm;
  const double spent = limits.tokens_bind ? tokens : done;
  json out{{"bench", "budget"},
           {"scenario", scenario},
           {"pacing", pacing_name(pacing)},
           {"binding", limits.tokens_bind ? "tokens" : "requests"},
           {"requests", s.requests},
           {"keys", s.keys},
           {"concurrency", s.concurrency},
           {"rpm_per_key", limits.rpm},
           {"tpm_per_key", limits.tpm},
           {"window_ms", s.window.count()},
           {"sent", sent.load()},
           {"answered_429", limited.load()},
           {"share_429", sent ? static_cast<double>(limited) / static_cast<double>(sent) : 0.0},
           {"lost", lost},
           {"seconds", elapsed},
           {"requests_per_window", done / windows},
           {"tokens_per_window", tokens / windows},
           {"used_of_limit", spent / (keys * limit * windows)},
           {"sustained_of_limit", (spent - keys * limit) / (keys * limit * windows)}};
  if (!first_error.empty()) out["first_error"] = first_error.substr(0, 300);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    const std::string value = argv[i + 1];
    if (arg == "--requests") {
      s.requests = std::stoul(value);
    } else if (arg == "--keys") {
      s.keys = std::stoul(value);
    } else if (arg == "--concurrency") {
      s.concurrency = std::stoul(value);
    } else if (arg == "--prompt-words") {
      s.prompt_words = std::stoi(value);
    } else if (arg == "--max-tokens") {
      s.max_tokens = std::stoi(value);
    } else if (arg == "--window-ms") {
      s.window = milliseconds(std::stol(value));
    } else if (arg == "--scenario") {
      s.scenario = value;
    } else {
      std::cerr << "unknown option " << arg
                << " (see the comment at the top of budget_bench.cpp)\n";
      return 2;
    }
  }
  const long long per_request = s.prompt_words + s.max_tokens;
  std::vector<std::pair<std::string, Limits>> scenarios;
  if (s.scenario == "tokens" || s.scenario == "all") {
    scenarios.push_back({"tokens", Limits{100, 10 * per_request, true}});
  }
  if (s.scenario == "requests" || s.scenario == "all") {
    scenarios.push_back({"requests", Limits{10, 100 * per_request, false}});
  }
  int status = 0;
  for (const auto& [name, limits] : scenarios) {
    for (Pacing pacing : {Pacing::learned, Pacing::configured, Pacing::off}) {
      const json out = run(s, limits, pacing, name);
      std::cout << out.dump() << std::endl;
      if (pacing != Pacing::off && out["lost"].get<std::size_t>() > 0) status = 1;
    }
  }
  return status;
}
