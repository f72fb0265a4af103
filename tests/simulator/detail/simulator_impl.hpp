// The simulator's state (ProviderSimulator::Impl), shared by simulator.cpp (routing, checks,
// records, start and stop) and faults.cpp (what each fault does to a response).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <httplib.h>

#include "exchange.hpp"
#include "faults.hpp"
#include "rate_limiter.hpp"
#include "server.hpp"
#include "simulator.hpp"
#include "stream_plan.hpp"

namespace litellm::sim {
namespace detail {}  // namespace detail

struct ProviderSimulator::Impl {
  explicit Impl(SimulatorOptions configured)
      : options(std::move(configured)),
        limiter(options.rate_limit_per_key, options.token_limit_per_key,
                options.rate_limit_window) {}

  SimulatorOptions options;
  detail::RateLimiter limiter;

  // Lifecycle (start / stop), under lifecycle_mutex.
  std::mutex lifecycle_mutex;
  std::unique_ptr<detail::SimServer> server;
  std::thread thread;
  std::array<int, 2> wake_pipe{{-1, -1}};
  std::atomic<int> port{0};
  std::atomic<bool> stopping{false};

  // Shared state, under mutex; `wakeup` signals stall releases and stop.
  mutable std::mutex mutex;
  std::condition_variable wakeup;
  bool stalls_released = false;
  std::deque<Fault> faults;
  std::deque<RecordedRequest> recorded;
  std::deque<std::uint64_t> recorded_numbers;  // the request number of each recorded request
  std::size_t total_requests = 0;

  std::atomic<int> stalls{0};
  std::atomic<std::uint64_t> next_number{1};

  void handle(const httplib::Request& req, httplib::Response& res);
  void respond(const httplib::Request& req, httplib::Response& res, detail::Exchange& ex,
               RecordedRequest& rec);
  void chat(const detail::json& body, httplib::Response& res, detail::Exchange& ex,
            const std::optional<Fault>& fault);
  void reply(httplib::Response& res, detail::Exchange& ex, std::string body,
             const std::optional<Fault>& fault);
  void run_reply(httplib::Response& res, detail::RunBody body, const Fault& fault);
  bool write_stream(const detail::StreamPlan& plan, const std::optional<Fault>& fault,
                    httplib::DataSink& sink);
  bool write_run(httplib::DataSink& sink, const std::string& pattern, std::size_t bytes);
  std::optional<Fault> take_fault(const detail::Exchange& ex);
  bool stall(std::chrono::milliseconds limit);
  /// hold_open: waits with the body open; false when the client left or on stop().
  bool hold_open(const Fault& fault, httplib::DataSink& sink);
  bool pause(std::chrono::milliseconds duration);
  void record(RecordedRequest rec, std::uint64_t number);
  void response_ended(std::uint64_t number, std::size_t bytes);

  /// Bedrock SigV4 requests: finds the configured key of the access key id that signed, checks
  /// the session token and the signature, and makes that key the exchange's; false after
  /// answering AWS's 403 (UnrecognizedClientException, InvalidSignatureException, ...).
  bool bedrock_authenticate(const httplib::Request& req, httplib::Response& res,
                            detail::Exchange& ex);
  bool known_key(const std::string& key) const {
    const auto& quota = options.quota_exhausted_keys;
    return std::find(options.keys.begin(), options.keys.end(), key) != options.keys.end() ||
           std::find(quota.begin(), quota.end(), key) != quota.end();
  }
};

}  // namespace litellm::sim
