// Shared declarations of litellm-bench: options, per-run results and the three drivers
// (the library, the raw libcurl baseline, the micro-benchmarks).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

using SteadyClock = std::chrono::steady_clock;

/// What to benchmark: a measured run against an HTTP server.
enum class Mode { completion, stream, embedding };

/// The command line.
struct Options {
  std::string base;  ///< The OpenAI base URL, /v1 included.
  Mode mode = Mode::completion;
  std::size_t requests = 200;
  std::size_t concurrency = 1;
  std::size_t keys = 8;
  long wait_ms = 0;
  bool raw_curl = false;
  /// The raw baseline with the two curl settings the library adds (a URL parsed once with
  /// CURLOPT_CURLU, "no proxy" when no proxy variable is set): what bare libcurl can do at best.
  bool raw_tuned = false;
  int max_tokens = -1;  ///< -1: 16 for completion, 200 for stream.
  std::string provider = "openai";
  std::size_t warmup = 20;
  std::string label;
  std::string api = "auto";
  /// Library batches: BatchOptions::progress_interval. 1 ms: (nearly) every finish is seen, so
  /// latencies can be derived; 0 makes the library's batch loop poll without sleeping.
  long progress_ms = 1;  ///< Library: sync, threads, batch or async (auto resolved by main).
  int dimensions = 0;    ///< embedding: "dimensions" sent when > 0 (the simulator's default is 8).
  std::size_t embedding_inputs = 8;  ///< embedding: inputs per request.
  // --micro
  bool micro = false;
  double micro_seconds = 0.5;  ///< The least time each micro-benchmark is iterated.
};

/// What one measured run produced.
struct RunResult {
  std::size_t ok = 0;
  std::size_t errors = 0;
  std::uint64_t events = 0;          ///< SSE events (streams).
  std::vector<double> latencies_ms;  ///< One per finished request (ok or not).
  std::string api;                   ///< How requests were issued ("sync", "batch", "async", ...).
  std::string latency_note;          ///< How latencies were obtained, when not measured directly.
  std::string first_error;           ///< The first error seen, for the report.
  /// The measured window, when the driver timed it itself (to leave input preparation and the
  /// release of results out); negative: the caller times the whole run.
  double seconds = -1;
  double cpu_seconds = -1;  ///< CPU time (user + sys, whole process) in that window.
};

/// CPU time used by the process so far (user + system), in seconds.
double cpu_seconds();

/// Times a window of a run into `RunResult::seconds` / `cpu_seconds`.
class Window {
 public:
  Window() : cpu_(cpu_seconds()), start_(SteadyClock::now()) {}
  void stop(RunResult& result) const {
    result.seconds = std::chrono::duration<double>(SteadyClock::now() - start_).count();
    result.cpu_seconds = cpu_seconds() - cpu_;
  }

 private:
  double cpu_;
  SteadyClock::time_point start_;
};

/// The request parameters as the library receives them (model excluded).
nlohmann::json request_params(const Options& options);
/// The exact body the library sends for those parameters (OpenAI adapter rules).
std::string request_body(const Options& options);
/// The model name used for the mode.
std::string model_name(const Options& options);
/// The i-th API key.
std::string api_key(std::size_t index);
/// The embedding inputs of one request.
std::vector<std::string> embedding_inputs(const Options& options);

/// Drives the library: construct once (warm-up and measured runs share the backend).
class LibraryDriver {
 public:
  explicit LibraryDriver(const Options& options);
  ~LibraryDriver();
  LibraryDriver(const LibraryDriver&) = delete;
  LibraryDriver& operator=(const LibraryDriver&) = delete;
  RunResult run(std::size_t requests);

 private:
  struct Impl;
  Impl* impl_;
};

/// Drives libcurl directly: the same requests, no parsing at all.
class RawCurlDriver {
 public:
  explicit RawCurlDriver(const Options& options);
  ~RawCurlDriver();
  RawCurlDriver(const RawCurlDriver&) = delete;
  RawCurlDriver& operator=(const RawCurlDriver&) = delete;
  RunResult run(std::size_t requests);

 private:
  struct Impl;
  Impl* impl_;
};

/// Runs the micro-benchmarks, printing one JSON line each; returns the exit status.
int run_micro(const Options& options);

/// Rounds to `digits` decimals (for readable JSON).
double round_to(double value, int digits);

}  // namespace bench
