#pragma once

#include "litellm/detail/batch.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "litellm/detail/engine.hpp"
#include "litellm/detail/fast_json.hpp"

namespace litellm::detail {

LITELLM_INLINE void run_batch(BackendState& state, std::vector<CallSpec> specs,
                              const BatchOptions& options,
                              const std::function<void(std::size_t, CallResult&&)>& on_result) {
  const std::size_t total = specs.size();
  if (total == 0) {
    if (options.on_progress) options.on_progress(BatchProgress{});
    return;
  }
  constexpr std::size_t kDrainBatch = 32;
  struct Outcome {
    std::size_t index;
    CallResult result;
  };
  struct Shared {
    std::atomic<std::size_t> done{0};
    std::atomic<std::size_t> errors{0};
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<Outcome> ended;  // guarded by mutex: outcomes not yet handed to on_result
    // Response bodies the calling thread has parsed, handed back to be freed on the I/O thread,
    // which allocated them (guarded by mutex). Freed on the calling thread instead, every body
    // would take the I/O thread's malloc arena lock while the I/O thread allocates: measured
    // as about one futex call per request at C = 64.
    std::vector<json> spent;
    std::vector<json> freeing;  // I/O thread only: `spent` taken over, freed outside the lock
  };
  auto shared = std::make_shared<Shared>();
  shared->ended.reserve(kDrainBatch * 2);
  shared->spent.reserve(kDrainBatch * 2);
  shared->freeing.reserve(kDrainBatch * 2);
  auto group = std::make_shared<Engine::Group>(
      std::max<std::size_t>(1, std::min<std::size_t>(options.max_concurrency, 4096)));

  Engine& engine = state.engine();
  std::vector<std::shared_ptr<Engine::Job>> jobs;
  jobs.reserve(total);
  for (std::size_t index = 0; index < total; ++index) {
    // Holds `shared`: the calling thread may return as soon as the last outcome is queued,
    // before this handler has finished notifying.
    auto done = [shared, index, total](CallResult result) {
      if (result.failure) ++shared->errors;
      bool wake = false;
      {
        std::lock_guard<std::mutex> lock(shared->mutex);
        shared->ended.push_back(Outcome{index, std::move(result)});
        // `done` counts under the lock, so the waiting thread cannot miss the last wake-up.
        const bool last = shared->done.fetch_add(1) + 1 == total;
        wake = last || shared->ended.size() % kDrainBatch == 0;
        shared->freeing.swap(shared->spent);  // capacities trade places: nothing is allocated
      }
      if (wake) shared->wake.notify_all();
      shared->freeing.clear();
    };
    std::shared_ptr<Engine::Job> job = engine.make_job(std::move(specs[index]), std::move(done));
    job->group = group;
    job->keep_call = true;  // destroyed below, on this thread, once its outcome is handed on
    jobs.push_back(std::move(job));
  }

  const auto start = std::chrono::steady_clock::now();
  auto progress = [&] {
    BatchProgress p;
    p.total = total;
    p.done = shared->done.load();
    p.errors = shared->errors.load();
    const std::size_t started = group->started.load();
    p.in_flight = started > p.done ? started - p.done : 0;
    const auto elapsed = std::chrono::steady_clock::now() - start;
    p.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
    const double seconds = std::chrono::duration<double>(elapsed).count();
    p.requests_per_s = seconds > 0 ? static_cast<double>(p.done) / seconds : 0.0;
    return p;
  };
  // How often the calling thread looks up besides the wake-ups: for progress reports and the
  // cancel flag.
  std::optional<std::chrono::milliseconds> tick;
  if (options.on_progress) tick = std::max(options.progress_interval, std::chrono::milliseconds(1));
  if (options.cancel != nullptr) {
    tick = std::min(tick.value_or(std::chrono::milliseconds(20)), std::chrono::milliseconds(20));
  }
  auto last_report = start;
  bool cancelled = false;
  // The jobs' handlers point into `shared`, and their results into the caller's: whatever happens
  // here, return only once every job has ended.
  struct WaitForAll {
    Shared& shared;
    Engine& engine;
    const std::vector<std::shared_ptr<Engine::Job>>& jobs;
    std::size_t total;
    ~WaitForAll() {
      if (shared.done.load() == total) return;
      for (const auto& job : jobs) engine.cancel(job);
      std::unique_lock<std::mutex> lock(shared.mutex);
      shared.wake.wait(lock, [&] { return shared.done.load() == total; });
    }
  } wait_for_all{*shared, engine, jobs, total};
  engine.submit(jobs);

  std::vector<Outcome> ready;
  ready.reserve(kDrainBatch * 2);
  std::vector<json> spent;  // parsed bodies, handed back to the I/O thread (see Shared::spent)
  spent.reserve(kDrainBatch * 2);
  for (std::size_t handed = 0; handed < total;) {
    {
      std::unique_lock<std::mutex> lock(shared->mutex);
      const auto woken = [&] {
        return shared->ended.size() >= kDrainBatch || shared->done.load() == total;
      };
      if (tick) {
        shared->wake.wait_for(lock, *tick, woken);
      } else {
        shared->wake.wait(lock, woken);
      }
      ready.swap(shared->ended);
      if (shared->spent.empty()) shared->spent.swap(spent);
    }
    for (Outcome& outcome : ready) {
      CallResult& result = outcome.result;
      if (!result.failure && is_unparsed_body(result.value)) {
        json parsed;
        if (!parse_json(result.value.get_ref<const std::string&>(), parsed)) {
          // Not reached: the I/O thread checked the body with the same parser's rules.
          result.failure = ProtocolError("the response body is not JSON");
        }
        spent.push_back(std::move(result.value));
        result.value = std::move(parsed);
      }
      on_result(outcome.index, std::move(result));
      jobs[outcome.index]->call.reset();  // the engine is done with it (see Job::keep_call)
    }
    handed += ready.size();
    ready.clear();
    if (!cancelled && options.cancel != nullptr && options.cancel->load()) {
      cancelled = true;
      for (const auto& job : jobs) engine.cancel(job);
    }
    if (options.on_progress && handed < total &&
        std::chrono::steady_clock::now() - last_report >= options.progress_interval) {
      last_report = std::chrono::steady_clock::now();
      options.on_progress(progress());
    }
  }
  if (options.on_progress) options.on_progress(progress());
}

LITELLM_INLINE std::optional<Failure> read_embedding_response(const json& body, std::size_t count,
                                                              std::vector<float>* vectors,
                                                              json& usage) {
  try {
    const json& data = body.at("data");
    for (const json& item : data) {
      const std::size_t index = item.value("index", std::size_t{0});
      if (index >= count) return ProtocolError("an embedding index is out of range");
      if (std::optional<Error> error = decode_embedding(item.at("embedding"), vectors[index])) {
        return std::move(*error);
      }
    }
    if (data.size() != count) {
      return ProtocolError("the embedding response has " + std::to_string(data.size()) +
                           " vectors for " + std::to_string(count) + " inputs");
    }
    const json request_usage = body.value("usage", json::object());
    for (const auto& [name, value] : request_usage.items()) {
      if (value.is_number_integer()) usage[name] = usage.value(name, 0LL) + value.get<long long>();
    }
    return std::nullopt;
  } catch (const json::exception&) {
    // nlohmann's accessors (at, value) report a body of another shape by throwing.
    return ProtocolError("the embedding response is not shaped as expected");
  } catch (...) {
    return Failure::from_exception(std::current_exception());
  }
}

}  // namespace litellm::detail
