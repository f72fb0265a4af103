#pragma once

#include "litellm/detail/call.hpp"

#include <string>
#include <string_view>
#include <utility>

#include "litellm/detail/base64.hpp"
#include "litellm/detail/fast_json.hpp"
#include "litellm/detail/header_check.hpp"
#include "litellm/detail/redact.hpp"
#include "litellm/detail/stream_call.hpp"
#include "litellm/providers/openai.hpp"

namespace litellm::detail {

using std::chrono::milliseconds;

/// `error` with the call's context added and any echo of a key of the pool removed (a server may
/// echo the key it was sent, or, behind a proxy, another one).
LITELLM_INLINE Error with_context(const Error& error, const ApiInfo& info,
                                  const std::vector<ApiInfo>& keys, const std::string& key_id,
                                  int attempts, const std::optional<json>& partial) {
  ErrorDetails details = error.details();
  // The backend the caller named (groq, my_vllm, ...), not the wire protocol the adapter speaks:
  // plain and streamed errors of one backend name it alike.
  details.provider = info.backend_used;
  details.key_id = key_id;
  details.attempts = attempts;
  details.provider_message = redact_keys(details.provider_message, keys);
  details.error_type = redact_keys(details.error_type, keys);
  details.error_code = redact_keys(details.error_code, keys);
  details.request_id = redact_keys(details.request_id, keys);
  if (partial && !details.partial) details.partial = partial;
  return Error(error.kind(), redact_keys(error.message(), keys), std::move(details));
}

/// The error a 200 body stands for (see call.hpp).
LITELLM_INLINE std::optional<Error> error_in_body(const json& body, std::string_view provider) {
  if (!body.is_object()) return std::nullopt;
  const auto it = body.find("error");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (body.contains("choices") || body.contains("data")) return std::nullopt;
  return error_from_stream_event(*it, provider, spec_for(provider).error_shape);
}

/// Chunks that replay a non-streamed completion (for servers that answer a stream request with
/// plain JSON).
LITELLM_INLINE std::vector<json> chunks_of_completion(const json& completion) {
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

/// True when finish_response would give `body` back only parsed (see CallSpec::defer_body_parse):
/// valid JSON, not an error body (error_in_body), and for chat calls a completion that the
/// adapter's chat_response returns as it is (the provider's spec says `body_passthrough`: its
/// adapter checks that `choices` is a list and changes nothing).
LITELLM_INLINE bool needs_only_parsing(std::string_view body, const CallSpec& spec,
                                       const ProviderSpec& provider) {
  const bool chat = spec.kind != CallKind::embedding;
  if (!provider.body_passthrough) return false;
  // Embeddings in another format (Gemini's batchEmbedContents, Bedrock's InvokeModel) need
  // their adapter.
  if (!chat && spec.embedding_result != EmbeddingResult::raw_body) return false;
  static constexpr std::string_view kNames[] = {"error", "choices", "data"};
  json::value_t kinds[3];
  if (!scan_top_level(body, kNames, kinds, 3)) return false;
  const auto absent = json::value_t::discarded;
  const bool error_body = kinds[0] != absent && kinds[0] != json::value_t::null &&
                          kinds[1] == absent && kinds[2] == absent;
  if (error_body) return false;
  return !chat || kinds[1] == json::value_t::array;
}

// ---- Embeddings --------------------------------------------------------------------------------

LITELLM_INLINE std::optional<Error> decode_embedding(const json& embedding,
                                                     std::vector<float>& out) {
  if (embedding.is_string()) {
    if (!base64_floats(embedding.get_ref<const std::string&>(), out)) {
      return ProtocolError("an embedding is not valid base64 float32 data");
    }
    return std::nullopt;
  }
  if (!embedding.is_array()) return ProtocolError("an embedding is neither a list nor base64");
  out.clear();
  out.reserve(embedding.size());
  for (const json& value : embedding) {
    if (!value.is_number()) return ProtocolError("an embedding holds a value that is not a number");
    out.push_back(value.get<float>());
  }
  return std::nullopt;
}

LITELLM_INLINE std::optional<Error> decode_embeddings_to_json(json& body) {
  if (!body.is_object()) return ProtocolError("the embedding response is not a JSON object");
  const auto data = body.find("data");
  if (data == body.end() || !data->is_array()) {
    return ProtocolError("the embedding response has no data list");
  }
  std::vector<float> floats;
  for (json& item : *data) {
    if (!item.is_object()) continue;
    const auto embedding = item.find("embedding");
    if (embedding == item.end() || !embedding->is_string()) continue;
    if (std::optional<Error> error = decode_embedding(*embedding, floats)) return error;
    // Filled as a plain vector (json::push_back checks the array's type on every call).
    json::array_t values;
    values.reserve(floats.size());
    for (const float f : floats) values.emplace_back(static_cast<double>(f));
    *embedding = json(std::move(values));
  }
  return std::nullopt;
}

// ---- CallRunner --------------------------------------------------------------------------------

LITELLM_INLINE void CallContext::log(LogLevel level, const std::string& message) const {
  if (!options->logger) return;
  try {
    options->logger(level, message);
  } catch (...) {
    // A logger must not break a call.
  }
}

LITELLM_INLINE CallRunner::CallRunner(const CallContext& context, CallSpec spec)
    : context_(context), spec_(std::move(spec)) {}

LITELLM_INLINE CallRunner::~CallRunner() = default;

LITELLM_INLINE ResponseSink& CallRunner::sink() noexcept {
  if (stream_) return *stream_;
  return *buffer_;
}

LITELLM_INLINE std::optional<Failure> CallRunner::begin_attempt(const ApiInfo& info) {
  info_ = &info;
  adapter_ = &adapter_for(info);
  const BackendOptions& options = *context_.options;
  stream_.reset();
  buffer_.reset();
  std::optional<Failure> refused;
  // The model map, the adapter and the header check report a request that cannot be built by
  // throwing ConfigError.
  std::optional<Failure> thrown = failure_of([&] {
    const std::string model =
        strip_model_prefix(context_.model_name->for_backend(info.backend_used), info.backend_used);
    if (spec_.kind == CallKind::embedding) {
      if (!spec_.params.contains("encoding_format") &&
          spec_for(info.backend_used).base64_embeddings) {
        // Base64 is ~4x smaller on the wire and decodes without a JSON number per float.
        json params = spec_.params;
        params["encoding_format"] = "base64";
        request_ = adapter_->embedding_request(info, model, params);
      } else {
        request_ = adapter_->embedding_request(info, model, spec_.params);
      }
    } else {
      request_ =
          adapter_->chat_request(info, model, spec_.params, spec_.kind == CallKind::chat_stream);
    }
    for (const auto& [name, value] : spec_.extra_headers) request_.headers.set(name, value);
    for (const auto& [name, value] : request_.headers) check_header_field(name, value);
    request_.timeouts = spec_.timeouts;
    if (spec_.kind != CallKind::chat_stream) {
      // A success's headers are read only for its rate limits.
      buffer_.emplace(options.max_response_bytes, /*keep_success_headers=*/false,
                      &is_rate_limit_header);
      return;
    }
    std::unique_ptr<StreamTranslator> translator = adapter_->stream_translator(info.backend_used);
    if (!translator) {
      refused = ConfigError("this provider cannot stream");
      return;
    }
    stream_ =
        std::make_unique<StreamCall>(*adapter_, std::move(translator), spec_.n, &spec_.on_chunk,
                                     options.max_response_bytes, options.sse, info.backend_used);
  });
  return thrown ? thrown : refused;
}

LITELLM_INLINE CallResult CallRunner::finish_response() {
  if (stream_) return stream_->finish();
  CallResult result;
  HttpResponse& response = buffer_->response();
  if (response.status < 200 || response.status >= 300) {
    result.failure = adapter_->error_from_response(response, info_->backend_used);
    return result;
  }
  if (spec_.defer_body_parse &&
      needs_only_parsing(response.body, spec_, spec_for(info_->backend_used))) {
    result.value = json(std::move(response.body));  // parsed by the caller (see CallSpec)
    return result;
  }
  json body;
  if (!parse_json(response.body, body)) {
    ErrorDetails details;
    details.http_status = response.status;
    result.failure = ProtocolError("the response body is not JSON", std::move(details));
    return result;
  }
  if (std::optional<Error> error = error_in_body(body, info_->backend_used)) {
    result.failure = std::move(*error);
  } else if (spec_.kind == CallKind::embedding) {
    body = adapter_->embedding_response(std::move(body));
    if (spec_.embedding_result == EmbeddingResult::json_floats) {
      if (std::optional<Error> bad = decode_embeddings_to_json(body))
        result.failure = std::move(*bad);
    }
    if (!result.failure) result.value = std::move(body);
  } else {
    result.value = adapter_->chat_response(std::move(body));
  }
  return result;
}

LITELLM_INLINE AttemptResult CallRunner::end_attempt(std::exception_ptr transport_error) {
  AttemptResult attempt;
  if (transport_error) {
    attempt.failure = Failure::from_exception(std::move(transport_error));
  } else {
    // The adapter's response parser, the stream translator and the caller's chunk callback
    // report by throwing.
    CallResult finished;
    if (std::optional<Failure> thrown = failure_of([&] { finished = finish_response(); })) {
      attempt.failure = std::move(thrown);
    } else if (finished.failure) {
      attempt.failure = std::move(finished.failure);
    } else {
      attempt.value = std::move(finished.value);
    }
  }
  if (attempt.failure) {
    if (stream_) attempt.partial = stream_->partial();
    attempt.failure = classify(std::move(*attempt.failure), attempt.partial.has_value());
  }
  attempt.delivered = stream_ && stream_->delivered();
  const Headers& headers = stream_ ? stream_->headers() : buffer_->response().headers;
  if (!headers.empty()) attempt.limits = rate_limits_from_headers(headers);
  if (!attempt.failure) {
    attempt.usage = is_unparsed_body(attempt.value)
                        ? cost_from_usage_text(attempt.value.get_ref<const std::string&>())
                        : cost_from_usage(attempt.value);
  }
  // What the attempt allocated is freed here, on the thread that ran it (the engine's I/O thread
  // for asynchronous calls), where the next attempts reuse the memory: freed on the thread that
  // later destroys the call, it would cost both threads malloc's slow paths.
  {
    // Moved out, so that its strings' buffers go with it (assigning a fresh HttpRequest would
    // leave request_ holding them).
    const HttpRequest spent = std::move(request_);
  }
  request_ = HttpRequest();
  buffer_.reset();
  stream_.reset();
  return attempt;
}

LITELLM_INLINE Failure CallRunner::classify(Failure raw, bool has_partial) const {
  const Error* error = raw.error();
  if (error == nullptr) return raw;  // not the library's: passed on as it is
  if (error->kind() == ErrorKind::cancelled &&
      (stream_ ? stream_->overflowed() : buffer_->overflowed())) {
    return ProtocolError(std::string(stream_ ? "the stream" : "the response") +
                         " is larger than max_response_bytes (" +
                         std::to_string(context_.options->max_response_bytes) + " bytes)");
  }
  if (stream_ && error->kind() == ErrorKind::cancelled && stream_->cancelled()) {
    return CancelledError("the chunk callback cancelled the stream");
  }
  if (stream_ && error->kind() == ErrorKind::connection && has_partial) {
    // The connection broke after the stream started: a stream error, with what arrived.
    return StreamError("the stream was cut: " + error->message(), error->details());
  }
  return raw;
}

}  // namespace litellm::detail
