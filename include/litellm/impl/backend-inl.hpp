#pragma once

#include "litellm/backend.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>

#include "litellm/detail/call.hpp"
#include "litellm/detail/engine.hpp"
#include "litellm/detail/fast_json.hpp"

namespace litellm {

namespace detail {

LITELLM_INLINE std::chrono::steady_clock::duration read_wait_time(const json& value) {
  if (!value.is_number()) {
    throw ConfigError(std::string("wait_time_per_key must be a number of seconds, got ") +
                      value.type_name());
  }
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 365.0 * 24 * 3600) {
    throw ConfigError("wait_time_per_key must be between 0 and one year of seconds");
  }
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds));
}

}  // namespace detail

// ---- LiteLLMBackend ----------------------------------------------------------------------------

/// What the backend shares with its calls and its I/O engine.
struct LiteLLMBackend::Internals {
  detail::CallContext context;
  std::mutex engine_mutex;
  std::unique_ptr<detail::Engine> engine;  // created on the first asynchronous call

  detail::Engine& engine_instance() {
    std::lock_guard<std::mutex> lock(engine_mutex);
    if (!engine) engine = std::make_unique<detail::Engine>(context);
    return *engine;
  }

  /// Runs `spec` on the engine; `done` gets the result or the error on the engine thread.
  std::shared_ptr<detail::Engine::Job> submit(detail::CallSpec spec,
                                              std::function<void(json, std::exception_ptr)> done) {
    auto job = std::make_shared<detail::Engine::Job>();
    job->runner = std::make_unique<detail::CallRunner>(context, std::move(spec));
    job->done = std::move(done);
    engine_instance().submit(job);
    return job;
  }

  /// Runs `spec` on the engine, with a future for its result.
  std::future<json> submit_future(detail::CallSpec spec) {
    auto promise = std::make_shared<std::promise<json>>();
    std::future<json> future = promise->get_future();
    submit(std::move(spec), [promise](json result, std::exception_ptr error) {
      // Moved, never copied: the engine thread must keep no reference to what the caller reads.
      if (error) {
        promise->set_exception(std::move(error));
      } else {
        promise->set_value(std::move(result));
      }
    });
    return future;
  }
};

LITELLM_INLINE LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs)
    : LiteLLMBackend(std::move(api_infos), std::move(model_name), std::move(kwargs),
                     BackendOptions{}) {}

LITELLM_INLINE LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs,
                               BackendOptions options)
    : model_name_(std::move(model_name)), options_(std::move(options)) {
  detail::check_backend_options(options_);
  if (kwargs.is_null()) kwargs = json::object();
  if (!kwargs.is_object()) {
    throw ConfigError(std::string("kwargs must be a JSON object, got ") + kwargs.type_name());
  }
  KeyPoolOptions pool_options = options_.key_pool;
  pool_options.wait_per_key = std::chrono::seconds(6);
  if (const auto it = kwargs.find("wait_time_per_key"); it != kwargs.end()) {
    pool_options.wait_per_key = detail::read_wait_time(*it);
    kwargs.erase(it);
  }
  if (const auto it = kwargs.find("embeddings_call"); it != kwargs.end()) {
    if (!it->is_boolean()) {
      throw ConfigError(std::string("embeddings_call must be a boolean, got ") + it->type_name());
    }
    embeddings_call_ = it->get<bool>();
    kwargs.erase(it);
  }
  defaults_ = std::move(kwargs);
  if (model_name_.is_map()) {
    bool any = false;
    for (const ApiInfo& info : api_infos) {
      try {
        model_name_.for_backend(info.backend_used);
        any = true;
      } catch (const ConfigError&) {
      }
    }
    if (!any && !api_infos.empty()) {
      throw ConfigError("model_name names none of the api_infos' backends");
    }
  }
  if (!options_.key_registry) options_.key_registry = KeyRegistry::global();
  pool_ = std::make_unique<KeyPool>(std::move(api_infos), pool_options, options_.key_registry);
  if (!options_.transport) options_.transport = make_curl_transport(options_.curl);
  internals_ = std::make_unique<Internals>();
  internals_->context = detail::CallContext{&model_name_, &options_, pool_.get()};
}

LITELLM_INLINE LiteLLMBackend::~LiteLLMBackend() = default;

LITELLM_INLINE ApiInfo LiteLLMBackend::get_key() {
  return pool_->get_key();
}

LITELLM_INLINE KeyPool& LiteLLMBackend::key_pool() noexcept {
  return *pool_;
}

LITELLM_INLINE std::string LiteLLMBackend::make_unique_api_info_key(const ApiInfo& info) {
  return litellm::make_unique_api_info_key(info);
}

LITELLM_INLINE json LiteLLMBackend::operator()(json params) {
  if (embeddings_call_) {
    json response = embedding(std::move(params));
    return std::move(response["data"]);
  }
  bool stream = defaults_.value("stream", false);
  if (params.is_object()) stream = params.value("stream", stream);
  json completion_object;
  if (stream) {
    // Streamed as Python does, but no chunk is read here: they are merged without building them.
    completion_object = detail::run_call(
        internals_->context,
        detail::make_call_spec(detail::CallKind::chat_stream, defaults_, std::move(params), nullptr,
                               CallOptions{}, options_));
  } else {
    completion_object = completion(std::move(params));
  }
  json messages = json::array();
  for (const json& choice : completion_object.at("choices")) {
    messages.push_back(choice.value("message", json::object()));
  }
  return messages;
}

LITELLM_INLINE json LiteLLMBackend::completion(json params) {
  return completion(std::move(params), nullptr, CallOptions{});
}

LITELLM_INLINE json LiteLLMBackend::completion(json params, const ChunkCallback& on_chunk) {
  return completion(std::move(params), on_chunk, CallOptions{});
}

LITELLM_INLINE json LiteLLMBackend::completion(json params, const ChunkCallback& on_chunk,
                                const CallOptions& call_options) {
  const auto kind = on_chunk ? detail::CallKind::chat_stream : detail::CallKind::chat;
  return detail::run_call(
      internals_->context,
      detail::make_call_spec(kind, defaults_, std::move(params), on_chunk, call_options, options_));
}

LITELLM_INLINE json LiteLLMBackend::embedding(json params) {
  return embedding(std::move(params), CallOptions{});
}

LITELLM_INLINE json LiteLLMBackend::embedding(json params, const CallOptions& call_options) {
  return detail::run_call(
      internals_->context,
      detail::make_call_spec(detail::CallKind::embedding, defaults_, std::move(params), nullptr,
                             call_options, options_));
}

LITELLM_INLINE std::future<json> LiteLLMBackend::completion_async(json params, CallOptions call_options) {
  return internals_->submit_future(detail::make_call_spec(
      detail::CallKind::chat, defaults_, std::move(params), nullptr, call_options, options_));
}

LITELLM_INLINE std::future<json> LiteLLMBackend::completion_async(json params, ChunkCallback on_chunk,
                                                   CallOptions call_options) {
  const auto kind = on_chunk ? detail::CallKind::chat_stream : detail::CallKind::chat;
  return internals_->submit_future(detail::make_call_spec(
      kind, defaults_, std::move(params), std::move(on_chunk), call_options, options_));
}

LITELLM_INLINE std::future<json> LiteLLMBackend::embedding_async(json params, CallOptions call_options) {
  return internals_->submit_future(detail::make_call_spec(
      detail::CallKind::embedding, defaults_, std::move(params), nullptr, call_options, options_));
}

namespace detail {

/// Runs a batch of prepared calls on the engine in one concurrency window of
/// `options.max_concurrency`. `on_result(index, result, error)` runs on the calling thread, once
/// per index, as calls end: the I/O thread only queues each outcome, and wakes the calling thread
/// once per kDrainBatch outcomes (and at the end), never once per request. Calls prepared with
/// CallSpec::defer_body_parse leave their response bodies for this thread to parse, so building
/// the results' JSON runs beside the I/O thread, not on it.
LITELLM_INLINE void run_batch(LiteLLMBackend::Internals& internals, std::vector<detail::CallSpec> specs,
               const BatchOptions& options,
               const std::function<void(std::size_t, json&&, std::exception_ptr)>& on_result) {
  const std::size_t total = specs.size();
  if (total == 0) {
    if (options.on_progress) options.on_progress(BatchProgress{});
    return;
  }
  constexpr std::size_t kDrainBatch = 32;
  struct Outcome {
    std::size_t index;
    json result;
    std::exception_ptr error;
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
  auto group = std::make_shared<detail::Engine::Group>(
      std::max<std::size_t>(1, std::min<std::size_t>(options.max_concurrency, 4096)));

  std::vector<std::shared_ptr<detail::Engine::Job>> jobs;
  jobs.reserve(total);
  for (std::size_t index = 0; index < total; ++index) {
    auto job = std::make_shared<detail::Engine::Job>();
    job->runner = std::make_unique<detail::CallRunner>(internals.context, std::move(specs[index]));
    job->group = group;
    job->keep_runner = true;  // destroyed below, on this thread, once its outcome is handed on
    // Holds `shared`: the calling thread may return as soon as the last outcome is queued,
    // before this handler has finished notifying.
    job->done = [shared, index, total](json result, std::exception_ptr error) {
      if (error) ++shared->errors;
      bool wake = false;
      {
        std::lock_guard<std::mutex> lock(shared->mutex);
        shared->ended.push_back(Outcome{index, std::move(result), std::move(error)});
        // `done` counts under the lock, so the waiting thread cannot miss the last wake-up.
        const bool last = shared->done.fetch_add(1) + 1 == total;
        wake = last || shared->ended.size() % kDrainBatch == 0;
        shared->freeing.swap(shared->spent);  // capacities trade places: nothing is allocated
      }
      if (wake) shared->wake.notify_all();
      shared->freeing.clear();
    };
    jobs.push_back(std::move(job));
  }
  detail::Engine& engine = internals.engine_instance();

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
    detail::Engine& engine;
    const std::vector<std::shared_ptr<detail::Engine::Job>>& jobs;
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
      if (!outcome.error && detail::is_unparsed_body(outcome.result)) {
        json parsed;
        if (!detail::parse_json(outcome.result.get_ref<const std::string&>(), parsed)) {
          // Not reached: the I/O thread checked the body with the same parser's rules.
          outcome.error = std::make_exception_ptr(ProtocolError("the response body is not JSON"));
        }
        spent.push_back(std::move(outcome.result));
        outcome.result = std::move(parsed);
      }
      on_result(outcome.index, std::move(outcome.result), std::move(outcome.error));
      jobs[outcome.index]->runner.reset();  // the engine is done with it (see Job::keep_runner)
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

/// The Error held by `error`, or a generic one for exceptions from elsewhere.
LITELLM_INLINE Error error_of(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    return Error(ErrorKind::cancelled, std::string("the request failed: ") + e.what());
  } catch (...) {
    return Error(ErrorKind::cancelled, "the request failed with an unknown exception");
  }
}

}  // namespace detail

LITELLM_INLINE std::vector<BatchItem> LiteLLMBackend::batch_completion(std::vector<json> requests,
                                                        const BatchOptions& options) {
  std::vector<detail::CallSpec> specs;
  specs.reserve(requests.size());
  for (json& request : requests) {
    specs.push_back(detail::make_call_spec(detail::CallKind::chat, defaults_, std::move(request),
                                           nullptr, options.call, options_));
    specs.back().defer_body_parse = true;  // parsed on this thread, beside the I/O thread
  }
  std::vector<BatchItem> items(requests.size());
  detail::run_batch(*internals_, std::move(specs), options,
            [&](std::size_t index, json&& result, std::exception_ptr error) {
              if (error) {
                items[index].error = detail::error_of(error);
                items[index].exception = std::move(error);
              } else {
                items[index].value = std::move(result);
              }
            });
  return items;
}

LITELLM_INLINE EmbeddingBatch LiteLLMBackend::batch_embedding(const std::vector<std::string>& inputs, json params,
                                               const BatchOptions& options) {
  if (params.is_null()) params = json::object();
  if (!params.is_object()) throw ConfigError("batch_embedding parameters must be an object");
  const std::size_t per_request = std::max<std::size_t>(1, options.embedding_batch_size);
  EmbeddingBatch out;
  out.vectors.resize(inputs.size());
  out.errors.resize(inputs.size());
  out.exceptions.resize(inputs.size());
  std::vector<detail::CallSpec> specs;
  for (std::size_t first = 0; first < inputs.size(); first += per_request) {
    const std::size_t count = std::min(per_request, inputs.size() - first);
    json request = params;
    request["input"] =
        std::vector<std::string>(inputs.begin() + static_cast<std::ptrdiff_t>(first),
                                 inputs.begin() + static_cast<std::ptrdiff_t>(first + count));
    detail::CallSpec spec =
        detail::make_call_spec(detail::CallKind::embedding, defaults_, std::move(request), nullptr,
                               options.call, options_);
    spec.embedding_result = detail::EmbeddingResult::raw_body;  // decoded straight into floats
    spec.defer_body_parse = true;  // parsed and decoded on this thread, beside the I/O thread
    specs.push_back(std::move(spec));
  }
  out.requests = specs.size();
  json usage = json::object();
  detail::run_batch(*internals_, std::move(specs), options,
            [&](std::size_t request, json&& body, std::exception_ptr error) {
              const std::size_t first = request * per_request;
              const std::size_t count = std::min(per_request, inputs.size() - first);
              if (!error) {
                try {
                  const json& data = body.at("data");
                  for (const json& item : data) {
                    const std::size_t index = item.value("index", std::size_t{0});
                    if (index >= count) throw ProtocolError("an embedding index is out of range");
                    detail::decode_embedding(item.at("embedding"), out.vectors[first + index]);
                  }
                  if (data.size() != count) {
                    throw ProtocolError("the embedding response has " +
                                        std::to_string(data.size()) + " vectors for " +
                                        std::to_string(count) + " inputs");
                  }
                  const json request_usage = body.value("usage", json::object());
                  for (const auto& [name, value] : request_usage.items()) {
                    if (value.is_number_integer()) {
                      usage[name] = usage.value(name, 0LL) + value.get<long long>();
                    }
                  }
                  return;
                } catch (const json::exception&) {
                  error = std::make_exception_ptr(
                      ProtocolError("the embedding response is not shaped as expected"));
                } catch (...) {
                  error = std::current_exception();
                }
              }
              ++out.failed_requests;
              const Error failure = detail::error_of(error);
              for (std::size_t i = first; i < first + count; ++i) {
                out.vectors[i].clear();
                out.errors[i] = failure;
                out.exceptions[i] = error;
              }
            });
  out.usage = std::move(usage);
  return out;
}

}  // namespace litellm
