// litellm-bench: end-to-end throughput, latency and cost of litellm-cpp against a local server,
// next to a minimal libcurl baseline sending the same bytes; plus micro-benchmarks of the hot
// paths (SSE parse + merge, embedding decode, key choice). Prints one JSON line per run.
//
//   litellm-bench --base http://127.0.0.1:PORT/v1 --mode completion|stream|embedding
//                 [--requests N] [--concurrency C] [--keys K] [--wait-ms W]
//                 [--raw-curl | --raw-tuned] [--max-tokens T] [--provider openai]
//                 [--warmup N] [--label TEXT]
//                 [--api auto|sync|threads|batch|async] [--progress-ms P] [--dimensions D]
//                 [--inputs N]
//   litellm-bench --micro [--micro-seconds S]
//
// Library mode: K keys ("sk-bench-key-<i>-xxxxxxxxxxxx", backend openai, api_base = --base) in
// one LiteLLMBackend with wait_time_per_key = W / 1000 and a private KeyRegistry, one attempt
// per call (no retries: errors are counted, not hidden). C = 1: synchronous calls; C > 1: the
// batch API (batch_completion / batch_embedding), or completion_async with a chunk callback,
// C in flight, for streams. --raw-curl: the same requests through one reused easy handle (C = 1)
// or a curl multi loop keeping C transfers in flight, without parsing anything. --raw-tuned: the
// same, with the two curl settings the library adds (CURLOPT_CURLU, no proxy).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <litellm/litellm.hpp>

#include "bench.hpp"

namespace bench {

using json = nlohmann::json;

double round_to(double value, int digits) {
  if (!std::isfinite(value)) return 0;
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string model_name(const Options& options) {
  return options.mode == Mode::embedding ? "bench-embed" : "bench-model";
}

std::string api_key(std::size_t index) {
  return "sk-bench-key-" + std::to_string(index) + "-xxxxxxxxxxxx";
}

std::vector<std::string> embedding_inputs(const Options& options) {
  static const char* const kWords[] = {"alpha", "bravo",   "charlie", "delta",
                                       "echo",  "foxtrot", "golf",    "hotel"};
  std::vector<std::string> inputs;
  for (std::size_t i = 0; i < options.embedding_inputs; ++i) {
    inputs.push_back(std::string("bench input ") + kWords[i % 8] + " " + std::to_string(i));
  }
  return inputs;
}

json request_params(const Options& options) {
  if (options.mode == Mode::embedding) {
    json params = {{"input", embedding_inputs(options)}, {"encoding_format", "base64"}};
    if (options.dimensions > 0) params["dimensions"] = options.dimensions;
    return params;
  }
  return {{"messages", json::array({{{"role", "user"}, {"content", "hello bench"}}})},
          {"max_tokens", options.max_tokens}};
}

std::string request_body(const Options& options) {
  // What OpenAIAdapter builds: the parameters, the model, and for streams on "openai"
  // stream + stream_options.include_usage; dumped compactly (keys sorted, as nlohmann does).
  json body = request_params(options);
  body["model"] = model_name(options);
  if (options.mode == Mode::stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- library driver ----------------------------------------------------------------------------

struct LibraryDriver::Impl {
  Options options;
  json params;
  std::unique_ptr<litellm::LiteLLMBackend> backend;
  std::string api;  // sync, threads, batch, async
  // The last batch's results, released only after the run's window (before the next one).
  std::vector<litellm::BatchItem> kept_items;
  std::optional<litellm::EmbeddingBatch> kept_embeddings;
  std::vector<json> kept_requests;

  explicit Impl(const Options& o) : options(o), params(request_params(o)), api(o.api) {
    std::vector<litellm::ApiInfo> infos;
    for (std::size_t i = 0; i < options.keys; ++i) {
      infos.push_back({options.provider, std::nullopt, api_key(i), options.base});
    }
    litellm::BackendOptions backend_options;
    backend_options.key_registry = std::make_shared<litellm::KeyRegistry>();
    backend_options.retry.max_attempts = 1;  // errors are counted, not retried
    backend = std::make_unique<litellm::LiteLLMBackend>(
        infos, model_name(options),
        json{{"wait_time_per_key", static_cast<double>(options.wait_ms) / 1000.0}},
        backend_options);
  }

  // One synchronous call; true when it succeeded.
  bool call_once(std::uint64_t& events, std::string& error) {
    try {
      switch (options.mode) {
        case Mode::completion:
          backend->completion(params);
          break;
        case Mode::stream:
          backend->completion(params, [&events](const json&) {
            ++events;
            return true;
          });
          break;
        case Mode::embedding:
          backend->embedding(params);
          break;
      }
      return true;
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
      return false;
    }
  }

  RunResult run_sync(std::size_t requests) {
    RunResult result;
    result.api = "sync";
    result.latencies_ms.reserve(requests);
    for (std::size_t i = 0; i < requests; ++i) {
      const auto start = SteadyClock::now();
      const bool ok = call_once(result.events, result.first_error);
      result.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
      ++(ok ? result.ok : result.errors);
    }
    return result;
  }

  // C threads, each making synchronous calls: the library without its batch engine. The
  // threads live as long as the driver, so the warm-up's connections (one per thread: the
  // transport keeps a handle set per calling thread) serve the measured run.
  struct ThreadPool {
    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable done;
    std::vector<std::thread> threads;
    std::uint64_t generation = 0;
    std::size_t requests = 0;
    std::atomic<std::size_t> next{0};
    std::size_t finished_threads = 0;
    bool stop = false;
    RunResult result;
  };
  std::unique_ptr<ThreadPool> pool;

  ~Impl() {
    if (pool) {
      {
        const std::lock_guard<std::mutex> lock(pool->mutex);
        pool->stop = true;
      }
      pool->wake.notify_all();
      for (auto& thread : pool->threads) thread.join();
    }
  }

  void worker() {
    std::uint64_t seen = 0;
    while (true) {
      std::size_t requests = 0;
      {
        std::unique_lock<std::mutex> lock(pool->mutex);
        pool->wake.wait(lock, [&] { return pool->stop || pool->generation != seen; });
        if (pool->stop) return;
        seen = pool->generation;
        requests = pool->requests;
      }
      RunResult local;
      while (pool->next.fetch_add(1) < requests) {
        const auto start = SteadyClock::now();
        const bool ok = call_once(local.events, local.first_error);
        local.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
        ++(ok ? local.ok : local.errors);
      }
      const std::lock_guard<std::mutex> lock(pool->mutex);
      RunResult& result = pool->result;
      result.ok += local.ok;
      result.errors += local.errors;
      result.events += local.events;
      result.latencies_ms.insert(result.latencies_ms.end(), local.latencies_ms.begin(),
                                 local.latencies_ms.end());
      if (result.first_error.empty()) result.first_error = local.first_error;
      if (++pool->finished_threads == pool->threads.size()) pool->done.notify_all();
    }
  }

  RunResult run_threads(std::size_t requests) {
    if (!pool) {
      pool = std::make_unique<ThreadPool>();
      for (std::size_t t = 0; t < options.concurrency; ++t) {
        pool->threads.emplace_back([this] { worker(); });
      }
    }
    std::unique_lock<std::mutex> lock(pool->mutex);
    pool->result = RunResult();
    pool->requests = requests;
    pool->next = 0;
    pool->finished_threads = 0;
    ++pool->generation;
    pool->wake.notify_all();
    pool->done.wait(lock, [&] { return pool->finished_threads == pool->threads.size(); });
    RunResult result = std::move(pool->result);
    result.api = "threads";
    return result;
  }

  // Completion times as the batch's progress callback sees them (one entry per finished
  // request), paired in order with the start times they imply: the first C requests start with
  // the batch, request j >= C when the (j - C)-th request finished. Exact when requests finish
  // in the order they started (equal work each), an estimate otherwise.
  struct ProgressClock {
    SteadyClock::time_point start;
    std::vector<SteadyClock::time_point> finished;
    std::size_t seen = 0;
    void on_progress(const litellm::BatchProgress& progress) {
      const auto now = SteadyClock::now();
      while (seen < progress.done) {
        finished.push_back(now);
        ++seen;
      }
    }
    std::vector<double> latencies(std::size_t concurrency) const {
      std::vector<double> out;
      for (std::size_t j = 0; j < finished.size(); ++j) {
        const auto started = j < concurrency ? start : finished[j - concurrency];
        out.push_back(std::chrono::duration<double, std::milli>(finished[j] - started).count());
      }
      return out;
    }
  };

  litellm::BatchOptions batch_options(ProgressClock& clock) const {
    litellm::BatchOptions batch;
    batch.max_concurrency = options.concurrency;
    batch.progress_interval = std::chrono::milliseconds(options.progress_ms);
    batch.on_progress = [&clock](const litellm::BatchProgress& p) { clock.on_progress(p); };
    return batch;
  }

  RunResult run_batch(std::size_t requests) {
    RunResult result;
    result.api = "batch";
    result.latency_note = options.progress_ms <= 1
                              ? "from batch progress (1 ms granularity), FIFO-paired"
                              : "not measured (--progress-ms > 1)";
    kept_items.clear();
    kept_embeddings.reset();
    kept_requests.clear();
    ProgressClock clock;
    clock.finished.reserve(requests);
    if (options.mode == Mode::embedding) {
      std::vector<std::string> inputs;
      const auto one = embedding_inputs(options);
      inputs.reserve(requests * one.size());
      for (std::size_t i = 0; i < requests; ++i)
        inputs.insert(inputs.end(), one.begin(), one.end());
      json extra = params;
      extra.erase("input");
      litellm::BatchOptions batch = batch_options(clock);
      batch.embedding_batch_size = one.size();
      const Window window;
      clock.start = SteadyClock::now();
      kept_embeddings = backend->batch_embedding(inputs, extra, batch);
      window.stop(result);
      const litellm::EmbeddingBatch& out = *kept_embeddings;
      result.ok = out.requests - out.failed_requests;
      result.errors = out.failed_requests;
      for (const auto& error : out.errors) {
        if (error && result.first_error.empty()) result.first_error = error->what();
      }
    } else {
      kept_requests.assign(requests, params);
      const litellm::BatchOptions batch = batch_options(clock);
      const Window window;
      clock.start = SteadyClock::now();
      kept_items = backend->batch_completion(std::move(kept_requests), batch);  // not copied
      window.stop(result);
      for (const auto& item : kept_items) {
        if (item.ok()) {
          ++result.ok;
        } else {
          ++result.errors;
          if (result.first_error.empty()) result.first_error = item.error->what();
        }
      }
    }
    // With a longer progress interval finishes are seen in bursts: no latency can be derived.
    if (options.progress_ms <= 1) result.latencies_ms = clock.latencies(options.concurrency);
    return result;
  }

  // completion_async, C in flight; a slot is refilled when the oldest call finishes (streams of
  // equal length finish in order). Latency: submission to the last chunk, taken on the I/O thread.
  RunResult run_async(std::size_t requests) {
    RunResult result;
    result.api = "async";
    result.latency_note = "submission to last chunk";
    struct Slot {
      SteadyClock::time_point submitted;
      SteadyClock::time_point last_chunk;
      std::uint64_t chunks = 0;
    };
    std::vector<Slot> slots(requests);
    std::deque<std::pair<std::size_t, std::future<json>>> in_flight;
    const bool stream = options.mode == Mode::stream;
    auto submit = [&](std::size_t i) {
      slots[i].submitted = SteadyClock::now();
      if (options.mode == Mode::embedding) {
        in_flight.emplace_back(i, backend->embedding_async(params));
      } else if (stream) {
        Slot* slot = &slots[i];
        in_flight.emplace_back(i, backend->completion_async(params, [slot](const json&) {
          ++slot->chunks;
          slot->last_chunk = SteadyClock::now();
          return true;
        }));
      } else {
        in_flight.emplace_back(i, backend->completion_async(params));
      }
    };
    std::size_t next = 0;
    while (next < requests || !in_flight.empty()) {
      while (next < requests && in_flight.size() < options.concurrency) submit(next++);
      auto [i, future] = std::move(in_flight.front());
      in_flight.pop_front();
      bool ok = true;
      try {
        future.get();
      } catch (const std::exception& e) {
        ok = false;
        if (result.first_error.empty()) result.first_error = e.what();
      }
      const auto end = stream && slots[i].chunks > 0 ? slots[i].last_chunk : SteadyClock::now();
      result.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(end - slots[i].submitted).count());
      result.events += slots[i].chunks;
      ++(ok ? result.ok : result.errors);
    }
    return result;
  }

  RunResult run(std::size_t requests) {
    if (api == "sync") return run_sync(requests);
    if (api == "threads") return run_threads(requests);
    if (api == "batch") return run_batch(requests);
    if (api == "async") return run_async(requests);
    throw std::runtime_error("--api " + api + " is not available in this build");
  }
};

LibraryDriver::LibraryDriver(const Options& options) : impl_(new Impl(options)) {}
LibraryDriver::~LibraryDriver() {
  delete impl_;
}
RunResult LibraryDriver::run(std::size_t requests) {
  return impl_->run(requests);
}

}  // namespace bench

namespace {

using bench::Mode;
using bench::Options;

constexpr const char* kUsage =
    "usage: litellm-bench --base URL [--mode completion|stream|embedding] [--requests N]\n"
    "                     [--concurrency C] [--keys K] [--wait-ms W]\n"
    "                     [--raw-curl | --raw-tuned]\n"
    "                     [--max-tokens T] [--provider openai] [--warmup N] [--label TEXT]\n"
    "                     [--api auto|sync|threads|batch|async] [--progress-ms P]\n"
    "                     [--dimensions D] [--inputs N]\n"
    "       litellm-bench --micro [--micro-seconds S]\n"
    "\n"
    "  --base URL       the OpenAI base URL, /v1 included (http://127.0.0.1:PORT/v1)\n"
    "  --mode M         completion (default), stream or embedding\n"
    "  --requests N     measured requests (default 200)\n"
    "  --concurrency C  requests in flight (default 1: sequential)\n"
    "  --keys K         API keys in the pool (default 8)\n"
    "  --wait-ms W      wait_time_per_key in ms (default 0)\n"
    "  --raw-curl       the baseline: the same requests through bare libcurl, nothing parsed\n"
    "  --raw-tuned      the baseline with the library's curl settings (CURLOPT_CURLU, no proxy)\n"
    "  --max-tokens T   words per answer (default 16; stream: 200, one chunk per word)\n"
    "  --warmup N       unmeasured requests first (default 20)\n"
    "  --label TEXT     copied into the output\n"
    "  --api A          library: auto (sync for C = 1, else batch; async for streams), sync,\n"
    "                   threads (C threads of synchronous calls), batch, async\n"
    "  --progress-ms P  batch API: progress_interval in ms (default 1; above 1 no latencies)\n"
    "  --dimensions D   embedding: send \"dimensions\": D (default: not sent)\n"
    "  --inputs N       embedding: inputs per request (default 8)\n"
    "  --micro          the micro-benchmarks (sse_merge, embedding_decode, key_pool_choose)\n"
    "  --micro-seconds S  least time per micro-benchmark (default 0.5)\n"
    "\n"
    "Prints one JSON line per run on stdout.\n";

int usage_error(const std::string& message) {
  std::cerr << "litellm-bench: " << message << "\n\n" << kUsage;
  return 2;
}

bool parse_size(const std::string& text, std::size_t min, std::size_t& out) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text[0] == '-' || value < min) return false;
  out = static_cast<std::size_t>(value);
  return true;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // Nearest rank.
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The 1-minute load average (/proc/loadavg), or -1: other work on the machine skews timings.
double load_average() {
  std::FILE* file = std::fopen("/proc/loadavg", "r");
  if (file == nullptr) return -1;
  double load = -1;
  if (std::fscanf(file, "%lf", &load) != 1) load = -1;
  std::fclose(file);
  return load;
}

void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::completion:
      return "completion";
    case Mode::stream:
      return "stream";
    case Mode::embedding:
      return "embedding";
  }
  return "?";
}

template <class Driver>
int measure(const Options& options, const std::string& api) {
  Driver driver(options);
  if (options.warmup > 0) driver.run(options.warmup);
  const double cpu_before = bench::cpu_seconds();
  const auto start = bench::SteadyClock::now();
  bench::RunResult result = driver.run(options.requests);
  double seconds = std::chrono::duration<double>(bench::SteadyClock::now() - start).count();
  double cpu = bench::cpu_seconds() - cpu_before;
  if (result.seconds >= 0) {  // the driver timed the window itself
    seconds = result.seconds;
    cpu = result.cpu_seconds;
  }

  const auto n = static_cast<double>(options.requests);
  nlohmann::ordered_json out;
  out["bench"] = "litellm-bench";
  out["label"] = options.label;
  out["mode"] = mode_name(options.mode);
  out["impl"] = options.raw_curl ? (options.raw_tuned ? "raw-curl-tuned" : "raw-curl") : "litellm";
  out["requests"] = options.requests;
  out["concurrency"] = options.concurrency;
  out["keys"] = options.keys;
  out["wait_ms"] = options.wait_ms;
  out["ok"] = result.ok;
  out["errors"] = result.errors;
  out["seconds"] = bench::round_to(seconds, 4);
  out["requests_per_s"] = bench::round_to(n / seconds, 1);
  if (result.latencies_ms.empty()) {
    out["p50_ms"] = nullptr;
    out["p99_ms"] = nullptr;
  } else {
    out["p50_ms"] = bench::round_to(percentile(result.latencies_ms, 50), 3);
    out["p99_ms"] = bench::round_to(percentile(result.latencies_ms, 99), 3);
  }
  out["events_per_s"] = options.mode == Mode::stream
                            ? bench::round_to(static_cast<double>(result.events) / seconds, 0)
                            : 0.0;
  out["cpu_s_per_request"] = bench::round_to(cpu / n, 7);
  out["peak_rss_mb"] = bench::round_to(peak_rss_mb(), 1);
  out["api"] = result.api.empty() ? api : result.api;
  if (options.mode != Mode::embedding) out["max_tokens"] = options.max_tokens;
  if (options.mode == Mode::embedding) {
    out["inputs_per_request"] = options.embedding_inputs;
    out["dimensions"] = options.dimensions > 0 ? options.dimensions : 8;
  }
  out["events"] = result.events;
  out["loadavg_1m"] = load_average();
  if (!result.latency_note.empty()) out["latency_note"] = result.latency_note;
  if (!result.first_error.empty()) out["first_error"] = result.first_error.substr(0, 300);
  std::cout << out.dump() << std::endl;
  return result.errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string api = "auto";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--raw-curl") {
      options.raw_curl = true;
      continue;
    }
    if (arg == "--raw-tuned") {
      options.raw_curl = true;
      options.raw_tuned = true;
      continue;
    }
    if (arg == "--micro") {
      options.micro = true;
      continue;
    }
    if (i + 1 >= argc) return usage_error("missing value for " + arg + " (or unknown option)");
    const std::string value = argv[++i];
    std::size_t number = 0;
    if (arg == "--base") {
      options.base = value;
    } else if (arg == "--mode") {
      if (value == "completion") {
        options.mode = Mode::completion;
      } else if (value == "stream") {
        options.mode = Mode::stream;
      } else if (value == "embedding") {
        options.mode = Mode::embedding;
      } else {
        return usage_error("invalid --mode " + value);
      }
    } else if (arg == "--requests") {
      if (!parse_size(value, 1, options.requests)) return usage_error("invalid --requests");
    } else if (arg == "--concurrency") {
      if (!parse_size(value, 1, options.concurrency) || options.concurrency > 4096)
        return usage_error("invalid --concurrency (1 to 4096)");
    } else if (arg == "--keys") {
      if (!parse_size(value, 1, options.keys)) return usage_error("invalid --keys");
    } else if (arg == "--wait-ms") {
      if (!parse_size(value, 0, number)) return usage_error("invalid --wait-ms");
      options.wait_ms = static_cast<long>(number);
    } else if (arg == "--max-tokens") {
      if (!parse_size(value, 1, number) || number > 100000)
        return usage_error("invalid --max-tokens");
      options.max_tokens = static_cast<int>(number);
    } else if (arg == "--provider") {
      if (value != "openai") return usage_error("only --provider openai is supported");
      options.provider = value;
    } else if (arg == "--warmup") {
      if (!parse_size(value, 0, options.warmup)) return usage_error("invalid --warmup");
    } else if (arg == "--label") {
      options.label = value;
    } else if (arg == "--api") {
      if (value != "auto" && value != "sync" && value != "threads" && value != "batch" &&
          value != "async")
        return usage_error("invalid --api " + value);
      api = value;
    } else if (arg == "--progress-ms") {
      if (!parse_size(value, 0, number)) return usage_error("invalid --progress-ms");
      options.progress_ms = static_cast<long>(number);
    } else if (arg == "--dimensions") {
      if (!parse_size(value, 1, number) || number > 16384)
        return usage_error("invalid --dimensions");
      options.dimensions = static_cast<int>(number);
    } else if (arg == "--inputs") {
      if (!parse_size(value, 1, options.embedding_inputs)) return usage_error("invalid --inputs");
    } else if (arg == "--micro-seconds") {
      char* end = nullptr;
      options.micro_seconds = std::strtod(value.c_str(), &end);
      if (*end != '\0' || !(options.micro_seconds > 0))
        return usage_error("invalid --micro-seconds");
    } else {
      return usage_error("unknown option " + arg);
    }
  }

  try {
    if (options.micro) {
      return bench::run_micro(options);
    }
    if (options.base.empty()) return usage_error("--base is required");
    while (options.base.size() > 1 && options.base.back() == '/') options.base.pop_back();
    if (options.max_tokens < 0) options.max_tokens = options.mode == Mode::stream ? 200 : 16;
    raise_fd_limit();

    if (options.raw_curl) {
      return measure<bench::RawCurlDriver>(options, options.concurrency == 1 ? "easy" : "multi");
    }
    if (api == "auto") {
      if (options.concurrency == 1) {
        api = "sync";
      } else {
        api = options.mode == Mode::stream ? "async" : "batch";
      }
    }
    if (api == "sync" && options.concurrency != 1) {
      return usage_error("--api sync needs --concurrency 1");
    }
    options.api = api;
    return measure<bench::LibraryDriver>(options, api);
  } catch (const std::exception& e) {
    std::cerr << "litellm-bench: " << e.what() << '\n';
    return 1;
  }
}
