#include "litellm/backend.hpp"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>

#include "detail/base64.hpp"
#include "detail/header_check.hpp"
#include "litellm/merge.hpp"
#include "litellm/providers/provider.hpp"

namespace litellm {

// ---- ModelName ---------------------------------------------------------------------------------

ModelName::ModelName(const json& value) {
  if (value.is_string()) {
    single_ = value.get<std::string>();
    return;
  }
  if (!value.is_object()) {
    throw ConfigError(std::string("model_name must be a string or an object from backend to "
                                  "model, got ") +
                      value.type_name());
  }
  is_map_ = true;
  for (const auto& [backend, model] : value.items()) {
    if (!model.is_string()) {
      throw ConfigError("model_name['" + backend + "'] must be a string, got " + model.type_name());
    }
    by_backend_[backend] = model.get<std::string>();
  }
}

const std::string& ModelName::for_backend(const std::string& backend_used) const {
  if (!is_map_) return single_;
  const auto it = by_backend_.find(backend_used);
  if (it == by_backend_.end()) {
    std::string known;
    for (const auto& entry : by_backend_) known += (known.empty() ? "" : ", ") + entry.first;
    throw ConfigError("model_name has no model for backend '" + backend_used +
                      "' (it has: " + (known.empty() ? std::string("none") : known) + ")");
  }
  return it->second;
}

namespace {

using std::chrono::milliseconds;

/// Parameters that route the call (the ApiInfo fixes them) or that the backend consumes: never
/// sent in the body.
constexpr std::string_view kNonBodyParams[] = {
    "model",  "api_key", "api_base",        "base_url",      "api_version", "custom_llm_provider",
    "stream", "timeout", "request_timeout", "extra_headers", "num_retries", "max_retries",
};

std::chrono::steady_clock::duration read_wait_time(const json& value) {
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

/// `text` with every occurrence of `secret` replaced by its redacted form.
std::string redact_secret(std::string text, const std::string& secret) {
  if (secret.size() < 4) return text;
  const std::string hint = redact_key(secret);
  for (std::size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + hint.size())) {
    text.replace(pos, secret.size(), hint);
  }
  return text;
}

/// `text` with every key of `keys` redacted.
std::string redact_keys(std::string text, const std::vector<ApiInfo>& keys) {
  for (const ApiInfo& key : keys) text = redact_secret(std::move(text), key.api_key);
  return text;
}

/// `error` with the call's context added and any echo of a key of the pool removed (a server may
/// echo the key it was sent, or, behind a proxy, another one).
Error with_context(const Error& error, const ApiInfo& info, const std::vector<ApiInfo>& keys,
                   const std::string& key_id, int attempts, const std::optional<json>& partial) {
  ErrorDetails details = error.details();
  if (details.provider.empty()) details.provider = info.backend_used;
  details.key_id = key_id;
  details.attempts = attempts;
  details.provider_message = redact_keys(details.provider_message, keys);
  details.error_type = redact_keys(details.error_type, keys);
  details.error_code = redact_keys(details.error_code, keys);
  details.request_id = redact_keys(details.request_id, keys);
  if (partial && !details.partial) details.partial = partial;
  return Error(error.kind(), redact_keys(error.message(), keys), std::move(details));
}

/// Sleeps for `duration` on `clock` (so a fake clock can drive it in tests).
void sleep_on(Clock& clock, Clock::duration duration) {
  if (duration <= Clock::duration::zero()) return;
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mutex);
  const Clock::time_point deadline = clock.now() + duration;
  while (clock.now() < deadline) clock.wait_until(cv, lock, deadline);
}

/// A 200 body that is really an error (some compatible servers do that).
void throw_if_error_body(const json& body, std::string_view provider) {
  if (!body.is_object()) return;
  const auto it = body.find("error");
  if (it == body.end() || it->is_null()) return;
  if (body.contains("choices") || body.contains("data")) return;
  throw error_from_stream_event(*it, provider);
}

/// Replaces base64 embeddings with float arrays.
void decode_embeddings(json& body) {
  if (!body.is_object()) throw ProtocolError("the embedding response is not a JSON object");
  const auto data = body.find("data");
  if (data == body.end() || !data->is_array()) {
    throw ProtocolError("the embedding response has no data list");
  }
  std::string bytes;
  std::vector<float> floats;
  for (json& item : *data) {
    if (!item.is_object()) continue;
    const auto embedding = item.find("embedding");
    if (embedding == item.end() || !embedding->is_string()) continue;
    if (!detail::base64_decode(embedding->get_ref<const std::string&>(), bytes) ||
        bytes.size() % 4 != 0) {
      throw ProtocolError("an embedding is not valid base64 float32 data");
    }
    detail::floats_from_le_bytes(bytes, floats);
    json values = json::array();
    values.get_ref<json::array_t&>().reserve(floats.size());
    for (const float f : floats) values.push_back(static_cast<double>(f));
    *embedding = std::move(values);
  }
}

/// Chunks that replay a non-streamed completion (for servers that answer a stream request with
/// plain JSON).
std::vector<json> chunks_of_completion(const json& completion) {
  std::vector<json> chunks;
  for (const json& choice : completion.value("choices", json::array())) {
    json chunk = {{"id", completion.value("id", "")},
                  {"object", "chat.completion.chunk"},
                  {"created", completion.value("created", 0)},
                  {"model", completion.value("model", "")}};
    chunk["choices"] =
        json::array({json{{"index", choice.value("index", 0)},
                          {"delta", choice.value("message", json::object())},
                          {"logprobs", choice.value("logprobs", json())},
                          {"finish_reason", choice.value("finish_reason", json())}}});
    chunks.push_back(std::move(chunk));
  }
  if (completion.contains("usage")) {
    chunks.push_back(json{{"id", completion.value("id", "")},
                          {"object", "chat.completion.chunk"},
                          {"choices", json::array()},
                          {"usage", completion["usage"]}});
  }
  return chunks;
}

/// The response sink of a streamed call: SSE parser -> provider translator -> accumulator and the
/// caller's callback, as the bytes arrive. Error responses are buffered whole.
class StreamCall final : public ResponseSink {
 public:
  StreamCall(const ProviderAdapter& adapter, int n, const ChunkCallback* on_chunk,
             std::size_t max_bytes, SseParserOptions sse)
      : adapter_(adapter),
        translator_(adapter.stream_translator()),
        accumulator_(n),
        on_chunk_(on_chunk),
        max_bytes_(max_bytes),
        parser_(sse) {
    if (!translator_) throw ConfigError("this provider cannot stream");
  }

  bool on_headers(int status, const Headers& headers) override {
    status_ = status;
    headers_ = headers;
    if (status < 200 || status >= 300) {
      mode_ = Mode::error_body;
    } else if (headers.value("content-type").find("application/json") != std::string::npos) {
      mode_ = Mode::json_body;
    }
    return true;
  }

  bool on_body(std::string_view bytes) override {
    received_ += bytes.size();
    if (received_ > max_bytes_) {
      overflowed_ = true;
      return false;
    }
    if (mode_ != Mode::sse) {
      body_.append(bytes);
      return true;
    }
    parser_.feed(bytes, [this](const SseEvent& event) { handle(event); });
    return !cancelled_;
  }

  /// After the transport returned normally: the completion, or the typed error.
  json finish() {
    if (mode_ == Mode::error_body) {
      throw adapter_.error_from_response(HttpResponse{status_, headers_, body_});
    }
    if (mode_ == Mode::json_body) {
      json body = json::parse(body_, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) throw ProtocolError("the response body is not JSON");
      throw_if_error_body(body, provider_name());
      const json completion = adapter_.chat_response(body);
      for (const json& chunk : chunks_of_completion(completion)) deliver(chunk);
      return accumulator_.completion();
    }
    parser_.finish([this](const SseEvent& event) { handle(event); });
    if (!translator_->finished() && !accumulator_.all_choices_finished()) {
      throw StreamError(
          "the stream ended without its terminator ([DONE], message_stop or a final "
          "finish_reason)");
    }
    return accumulator_.completion();
  }

  bool cancelled() const noexcept { return cancelled_; }
  bool overflowed() const noexcept { return overflowed_; }
  /// True once a chunk reached the caller's callback.
  bool delivered() const noexcept { return delivered_; }
  /// What arrived so far, when anything did.
  std::optional<json> partial() const {
    if (accumulator_.chunk_count() == 0) return std::nullopt;
    return accumulator_.completion();
  }

 private:
  enum class Mode { sse, json_body, error_body };

  std::string_view provider_name() const {
    switch (adapter_.protocol()) {
      case WireProtocol::azure:
        return "azure";
      case WireProtocol::anthropic:
        return "anthropic";
      case WireProtocol::openai:
        break;
    }
    return "openai";
  }

  void handle(const SseEvent& event) {
    if (cancelled_) return;
    chunks_.clear();
    translator_->on_event(event, chunks_);
    for (const json& chunk : chunks_) {
      deliver(chunk);
      if (cancelled_) return;
    }
  }

  void deliver(const json& chunk) {
    accumulator_.add(chunk);
    if (on_chunk_ != nullptr && *on_chunk_) {
      delivered_ = true;
      if (!(*on_chunk_)(chunk)) cancelled_ = true;
    }
  }

  const ProviderAdapter& adapter_;
  std::unique_ptr<StreamTranslator> translator_;
  StreamAccumulator accumulator_;
  const ChunkCallback* on_chunk_;
  std::size_t max_bytes_;
  SseParser parser_;
  std::vector<json> chunks_;
  Mode mode_ = Mode::sse;
  int status_ = 0;
  Headers headers_;
  std::string body_;
  std::size_t received_ = 0;
  bool cancelled_ = false;
  bool overflowed_ = false;
  bool delivered_ = false;
};

}  // namespace

// ---- LiteLLMBackend ----------------------------------------------------------------------------

LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs)
    : LiteLLMBackend(std::move(api_infos), std::move(model_name), std::move(kwargs),
                     BackendOptions{}) {}

LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs,
                               BackendOptions options)
    : model_name_(std::move(model_name)), options_(std::move(options)) {
  if (kwargs.is_null()) kwargs = json::object();
  if (!kwargs.is_object()) {
    throw ConfigError(std::string("kwargs must be a JSON object, got ") + kwargs.type_name());
  }
  KeyPoolOptions pool_options = options_.key_pool;
  pool_options.wait_per_key = std::chrono::seconds(6);
  if (const auto it = kwargs.find("wait_time_per_key"); it != kwargs.end()) {
    pool_options.wait_per_key = read_wait_time(*it);
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
}

LiteLLMBackend::~LiteLLMBackend() = default;

ApiInfo LiteLLMBackend::get_key() {
  return pool_->get_key();
}

KeyPool& LiteLLMBackend::key_pool() noexcept {
  return *pool_;
}

std::string LiteLLMBackend::make_unique_api_info_key(const ApiInfo& info) {
  return litellm::make_unique_api_info_key(info);
}

void LiteLLMBackend::log(LogLevel level, const std::string& message) const {
  if (!options_.logger) return;
  try {
    options_.logger(level, message);
  } catch (...) {
    // A logger must not break a call.
  }
}

json LiteLLMBackend::operator()(json params) {
  if (embeddings_call_) {
    json response = embedding(std::move(params));
    return std::move(response["data"]);
  }
  bool stream = defaults_.value("stream", false);
  if (params.is_object()) stream = params.value("stream", stream);
  const json completion_object =
      stream ? completion(std::move(params), [](const json&) { return true; })
             : completion(std::move(params));
  json messages = json::array();
  for (const json& choice : completion_object.at("choices")) {
    messages.push_back(choice.value("message", json::object()));
  }
  return messages;
}

json LiteLLMBackend::completion(json params) {
  return call(CallKind::chat, std::move(params), nullptr, CallOptions{});
}

json LiteLLMBackend::completion(json params, const ChunkCallback& on_chunk) {
  return call(CallKind::chat_stream, std::move(params), &on_chunk, CallOptions{});
}

json LiteLLMBackend::completion(json params, const ChunkCallback& on_chunk,
                                const CallOptions& call_options) {
  if (!on_chunk) return call(CallKind::chat, std::move(params), nullptr, call_options);
  return call(CallKind::chat_stream, std::move(params), &on_chunk, call_options);
}

json LiteLLMBackend::embedding(json params) {
  return call(CallKind::embedding, std::move(params), nullptr, CallOptions{});
}

json LiteLLMBackend::embedding(json params, const CallOptions& call_options) {
  return call(CallKind::embedding, std::move(params), nullptr, call_options);
}

json LiteLLMBackend::call(CallKind kind, json params, const ChunkCallback* on_chunk,
                          const CallOptions& call_options) {
  // Defaults < call parameters.
  if (params.is_null()) params = json::object();
  if (!params.is_object()) {
    throw ConfigError(std::string("call parameters must be a JSON object, got ") +
                      params.type_name());
  }
  json merged = defaults_;
  for (auto& [name, value] : params.items()) merged[name] = std::move(value);
  if (kind != CallKind::embedding) {
    const auto messages = merged.find("messages");
    if (messages == merged.end() || !messages->is_array()) {
      throw ConfigError("a chat completion needs 'messages', a list of message objects");
    }
  } else if (!merged.contains("input")) {
    throw ConfigError("an embedding call needs 'input', a string or a list of strings");
  }

  Headers extra_headers;
  if (const auto it = merged.find("extra_headers"); it != merged.end() && !it->is_null()) {
    if (!it->is_object()) throw ConfigError("extra_headers must be an object of strings");
    for (const auto& [name, value] : it->items()) {
      if (!value.is_string()) throw ConfigError("extra_headers['" + name + "'] must be a string");
      extra_headers.add(name, value.get<std::string>());
    }
  }
  Timeouts timeouts = call_options.timeouts.value_or(options_.timeouts);
  if (const auto it = merged.find("timeout"); it != merged.end() && it->is_number()) {
    const double seconds = it->get<double>();
    if (!std::isfinite(seconds) || seconds <= 0) throw ConfigError("timeout must be positive");
    timeouts.total = milliseconds(static_cast<long long>(seconds * 1000));
  }
  const RetryPolicy retry = call_options.retry.value_or(options_.retry);
  const std::optional<milliseconds> max_key_wait =
      call_options.max_key_wait ? call_options.max_key_wait : options_.max_key_wait;
  int n = 1;
  if (const auto it = merged.find("n"); it != merged.end() && it->is_number_integer()) {
    n = std::max(1, std::min(it->get<int>(), kMaxStreamChoices));
  }
  for (const std::string_view name : kNonBodyParams) merged.erase(std::string(name));

  const bool stream = kind == CallKind::chat_stream;
  Clock& clock = pool_->registry()->clock();
  int attempts = 0;
  while (true) {
    const Clock::time_point deadline =
        max_key_wait ? clock.now() + *max_key_wait : Clock::time_point::max();
    KeyLease lease = pool_->acquire_until(deadline);
    const ApiInfo& info = lease.api_info();
    const ProviderAdapter& adapter = adapter_for(info);
    HttpRequest request;
    try {
      const std::string model =
          strip_model_prefix(model_name_.for_backend(info.backend_used), info.backend_used);
      request = kind == CallKind::embedding ? adapter.embedding_request(info, model, merged)
                                            : adapter.chat_request(info, model, merged, stream);
      for (const auto& [name, value] : extra_headers) request.headers.set(name, value);
      for (const auto& [name, value] : request.headers) detail::check_header_field(name, value);
    } catch (const ConfigError&) {
      lease.undo_use();  // nothing was sent: the key is not consumed
      throw;
    }
    request.timeouts = timeouts;
    ++attempts;

    std::optional<StreamCall> stream_call;
    try {
      json result;
      if (stream) {
        stream_call.emplace(adapter, n, on_chunk, options_.max_response_bytes, options_.sse);
        options_.transport->send(request, *stream_call);
        result = stream_call->finish();
      } else {
        BufferingSink sink(options_.max_response_bytes);
        try {
          options_.transport->send(request, sink);
        } catch (const CancelledError&) {
          if (sink.overflowed()) {
            throw ProtocolError("the response is larger than max_response_bytes (" +
                                std::to_string(options_.max_response_bytes) + " bytes)");
          }
          throw;
        }
        HttpResponse& response = sink.response();
        if (response.status < 200 || response.status >= 300) {
          throw adapter.error_from_response(response);
        }
        json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
        if (body.is_discarded()) {
          ErrorDetails details;
          details.http_status = response.status;
          throw ProtocolError("the response body is not JSON", std::move(details));
        }
        throw_if_error_body(body, info.backend_used);
        if (kind == CallKind::embedding) {
          decode_embeddings(body);
          result = std::move(body);
        } else {
          result = adapter.chat_response(body);
        }
      }
      lease.report(KeyOutcome::success());
      if (attempts > 1) {
        log(LogLevel::info, "call succeeded on attempt " + std::to_string(attempts) + " with key " +
                                lease.key_id());
      }
      return result;
    } catch (const Error& raw) {
      std::optional<json> partial = stream_call ? stream_call->partial() : std::nullopt;
      const Error* source = &raw;
      std::optional<Error> replaced;
      if (stream_call && raw.kind() == ErrorKind::cancelled && stream_call->overflowed()) {
        replaced.emplace(ProtocolError("the stream is larger than max_response_bytes (" +
                                       std::to_string(options_.max_response_bytes) + " bytes)"));
        source = &*replaced;
      } else if (stream_call && raw.kind() == ErrorKind::cancelled && stream_call->cancelled()) {
        replaced.emplace(CancelledError("the chunk callback cancelled the stream"));
        source = &*replaced;
      } else if (stream_call && partial && raw.kind() == ErrorKind::connection) {
        // The connection broke after the stream started: a stream error, with what arrived.
        replaced.emplace(StreamError("the stream was cut: " + raw.message(), raw.details()));
        source = &*replaced;
      }
      const Error error =
          with_context(*source, info, pool_->api_infos(), lease.key_id(), attempts, partial);
      const bool caller_side =
          error.kind() == ErrorKind::cancelled || error.kind() == ErrorKind::config;
      const KeyOutcome outcome = KeyOutcome::from_error(error);
      if (!caller_side) lease.report(outcome);
      log(LogLevel::warning, "attempt " + std::to_string(attempts) + " with key " + lease.key_id() +
                                 " failed: " + error.what());

      const bool delivered = stream_call && stream_call->delivered();
      if (caller_side || delivered) rethrow_as_kind(error);
      if (outcome.kind == KeyOutcome::Kind::auth_failed ||
          outcome.kind == KeyOutcome::Kind::quota_exhausted) {
        log(LogLevel::warning, "key " + lease.key_id() + " is out of rotation: " + outcome.reason);
        --attempts;  // moving to the next key is not a retry
        continue;
      }
      if (!error.retryable() || attempts >= retry.max_attempts) rethrow_as_kind(error);
      if (error.retry_after() && *error.retry_after() > retry.max_retry_after) {
        rethrow_as_kind(error);  // the server asks for a longer wait than we accept
      }
      if (error.kind() != ErrorKind::rate_limit) {
        // Rate limits wait in the key pool (this key cools down, another may be ready at once).
        const milliseconds delay =
            error.retry_after() ? *error.retry_after() : options_.backoff.delay(attempts);
        log(LogLevel::info, "retrying in " + std::to_string(delay.count()) + " ms");
        sleep_on(clock, delay);
      }
    }
  }
}

}  // namespace litellm
