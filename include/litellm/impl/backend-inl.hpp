#pragma once

#include "litellm/backend.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>

#include "litellm/detail/backend_state.hpp"
#include "litellm/detail/batch.hpp"
#include "litellm/detail/call_spec.hpp"
#include "litellm/detail/failure.hpp"
#include "litellm/detail/retry_loop.hpp"

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

/// Runs `spec` on the engine, with a future for its result (a failure is thrown by get()).
LITELLM_INLINE std::future<json> submit_future(BackendState& state, CallSpec spec) {
  auto promise = std::make_shared<std::promise<json>>();
  std::future<json> future = promise->get_future();
  state.submit(std::move(spec), [promise](CallResult result) {
    // Moved, never copied: the engine thread must keep no reference to what the caller reads.
    if (result.failure) {
      promise->set_exception(result.failure->exception());
    } else {
      promise->set_value(std::move(result.value));
    }
  });
  return future;
}

/// The library's error of `failure`, for BatchItem::error and EmbeddingBatch::errors (none for
/// an exception from elsewhere: that one is only in `exception`).
LITELLM_INLINE std::optional<Error> error_of(const Failure& failure) {
  if (const Error* error = failure.error()) return *error;
  return std::nullopt;
}

}  // namespace detail

// ---- LiteLLMBackend ----------------------------------------------------------------------------

LITELLM_INLINE LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name,
                                              json kwargs)
    : LiteLLMBackend(std::move(api_infos), std::move(model_name), std::move(kwargs),
                     BackendOptions{}) {}

LITELLM_INLINE LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name,
                                              json kwargs, BackendOptions options) {
  detail::check_backend_options(options);
  if (kwargs.is_null()) kwargs = json::object();
  if (!kwargs.is_object()) {
    throw ConfigError(std::string("kwargs must be a JSON object, got ") + kwargs.type_name());
  }
  KeyPoolOptions pool_options = options.key_pool;
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
  if (model_name.is_map()) {
    bool any = false;
    for (const ApiInfo& info : api_infos) {
      try {
        model_name.for_backend(info.backend_used);
        any = true;
      } catch (const ConfigError&) {
      }
    }
    if (!any && !api_infos.empty()) {
      throw ConfigError("model_name names none of the api_infos' backends");
    }
  }
  if (!options.key_registry) options.key_registry = KeyRegistry::global();
  auto pool = std::make_unique<KeyPool>(std::move(api_infos), pool_options, options.key_registry);
  if (!options.transport) options.transport = make_curl_transport(options.curl);
  state_ = std::make_unique<detail::BackendState>(std::move(model_name), std::move(options),
                                                  std::move(pool));
}

LITELLM_INLINE LiteLLMBackend::~LiteLLMBackend() = default;

LITELLM_INLINE ApiInfo LiteLLMBackend::get_key() {
  return state_->pool().get_key();
}

LITELLM_INLINE KeyPool& LiteLLMBackend::key_pool() noexcept {
  return state_->pool();
}

LITELLM_INLINE const ModelName& LiteLLMBackend::model_name() const noexcept {
  return state_->model_name();
}

LITELLM_INLINE const BackendOptions& LiteLLMBackend::options() const noexcept {
  return state_->options();
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
    completion_object = detail::run_call(state_->context(),
                                         detail::make_call_spec(detail::CallKind::chat_stream,
                                                                defaults_, std::move(params),
                                                                nullptr, CallOptions{}, options()))
                            .take();
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
  return detail::run_call(state_->context(),
                          detail::make_call_spec(kind, defaults_, std::move(params), on_chunk,
                                                 call_options, options()))
      .take();
}

LITELLM_INLINE json LiteLLMBackend::embedding(json params) {
  return embedding(std::move(params), CallOptions{});
}

LITELLM_INLINE json LiteLLMBackend::embedding(json params, const CallOptions& call_options) {
  return detail::run_call(
             state_->context(),
             detail::make_call_spec(detail::CallKind::embedding, defaults_, std::move(params),
                                    nullptr, call_options, options()))
      .take();
}

LITELLM_INLINE std::future<json> LiteLLMBackend::completion_async(json params,
                                                                  CallOptions call_options) {
  return detail::submit_future(
      *state_, detail::make_call_spec(detail::CallKind::chat, defaults_, std::move(params), nullptr,
                                      call_options, options()));
}

LITELLM_INLINE std::future<json> LiteLLMBackend::completion_async(json params,
                                                                  ChunkCallback on_chunk,
                                                                  CallOptions call_options) {
  const auto kind = on_chunk ? detail::CallKind::chat_stream : detail::CallKind::chat;
  return detail::submit_future(
      *state_, detail::make_call_spec(kind, defaults_, std::move(params), std::move(on_chunk),
                                      call_options, options()));
}

LITELLM_INLINE std::future<json> LiteLLMBackend::embedding_async(json params,
                                                                 CallOptions call_options) {
  return detail::submit_future(
      *state_, detail::make_call_spec(detail::CallKind::embedding, defaults_, std::move(params),
                                      nullptr, call_options, options()));
}

LITELLM_INLINE std::vector<BatchItem> LiteLLMBackend::batch_completion(
    std::vector<json> requests, const BatchOptions& options) {
  std::vector<detail::CallSpec> specs;
  specs.reserve(requests.size());
  for (json& request : requests) {
    specs.push_back(detail::make_call_spec(detail::CallKind::chat, defaults_, std::move(request),
                                           nullptr, options.call, this->options()));
    specs.back().defer_body_parse = true;  // parsed on this thread, beside the I/O thread
  }
  std::vector<BatchItem> items(requests.size());
  detail::run_batch(*state_, std::move(specs), options,
                    [&](std::size_t index, detail::CallResult&& result) {
                      if (result.failure) {
                        items[index].error = detail::error_of(*result.failure);
                        items[index].exception = result.failure->exception();
                      } else {
                        items[index].value = std::move(result.value);
                      }
                    });
  return items;
}

LITELLM_INLINE EmbeddingBatch LiteLLMBackend::batch_embedding(
    const std::vector<std::string>& inputs, json params, const BatchOptions& options) {
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
                               options.call, this->options());
    spec.embedding_result = detail::EmbeddingResult::raw_body;  // decoded straight into floats
    spec.defer_body_parse = true;  // parsed and decoded on this thread, beside the I/O thread
    specs.push_back(std::move(spec));
  }
  out.requests = specs.size();
  json usage = json::object();
  detail::run_batch(
      *state_, std::move(specs), options, [&](std::size_t request, detail::CallResult&& result) {
        const std::size_t first = request * per_request;
        const std::size_t count = std::min(per_request, inputs.size() - first);
        std::optional<detail::Failure> failure = std::move(result.failure);
        if (!failure) {
          failure =
              detail::read_embedding_response(result.value, count, &out.vectors[first], usage);
        }
        if (!failure) return;
        ++out.failed_requests;
        const std::optional<Error> error = detail::error_of(*failure);
        const std::exception_ptr exception = failure->exception();
        for (std::size_t i = first; i < first + count; ++i) {
          out.vectors[i].clear();
          out.errors[i] = error;
          out.exceptions[i] = exception;
        }
      });
  out.usage = std::move(usage);
  return out;
}

}  // namespace litellm
