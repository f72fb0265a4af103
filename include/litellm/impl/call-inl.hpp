#pragma once

#include "litellm/detail/call.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <iterator>
#include <mutex>

#include "litellm/detail/base64.hpp"
#include "litellm/detail/fast_json.hpp"
#include "litellm/detail/header_check.hpp"
#include "litellm/detail/option_checks.hpp"
#include "litellm/detail/redact.hpp"
#include "litellm/merge.hpp"
#include "litellm/providers/openai.hpp"

namespace litellm::detail {

using std::chrono::milliseconds;

/// Parameters that route the call (the ApiInfo fixes them) or that the backend consumes: never
/// sent in the body.
inline constexpr std::string_view kNonBodyParams[] = {
    "model",  "api_key", "api_base",        "base_url",      "api_version", "custom_llm_provider",
    "stream", "timeout", "request_timeout", "extra_headers", "num_retries", "max_retries",
};

/// `text` with every occurrence of `secret` replaced by its redacted form.
LITELLM_INLINE std::string redact_secret(std::string text, const std::string& secret) {
  if (secret.size() >= kMinRedactedSecret && text.find(secret) != std::string::npos) {
    detail::redact_secret(text, secret, redact_key(secret));
  }
  return text;
}

/// `text` with every key of `keys` redacted.
LITELLM_INLINE std::string redact_keys(std::string text, const std::vector<ApiInfo>& keys) {
  for (const ApiInfo& key : keys) text = redact_secret(std::move(text), key.api_key);
  return text;
}

/// `error` with the call's context added and any echo of a key of the pool removed (a server may
/// echo the key it was sent, or, behind a proxy, another one).
LITELLM_INLINE Error with_context(const Error& error, const ApiInfo& info, const std::vector<ApiInfo>& keys,
                   const std::string& key_id, int attempts, const std::optional<json>& partial) {
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

/// The exception_ptr of `error` thrown as its kind's subclass.
LITELLM_INLINE std::exception_ptr as_exception(const Error& error) {
  try {
    rethrow_as_kind(error);
  } catch (...) {
    return std::current_exception();
  }
}

/// Sleeps for `duration` on `clock` (so a fake clock can drive it in tests).
LITELLM_INLINE void sleep_on(Clock& clock, Clock::duration duration) {
  if (duration <= Clock::duration::zero()) return;
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mutex);
  const Clock::time_point deadline = clock.now() + duration;
  while (clock.now() < deadline) clock.wait_until(cv, lock, deadline);
}

/// A 200 body that is really an error (some compatible servers do that).
LITELLM_INLINE void throw_if_error_body(const json& body, std::string_view provider) {
  if (!body.is_object()) return;
  const auto it = body.find("error");
  if (it == body.end() || it->is_null()) return;
  if (body.contains("choices") || body.contains("data")) return;
  rethrow_as_kind(error_from_stream_event(*it, provider, spec_for(provider).error_shape));
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
/// valid JSON, not an error body (throw_if_error_body), and for chat calls a completion that the
/// adapter's chat_response returns as it is (the provider's spec says `body_passthrough`: its
/// adapter checks that `choices` is a list and changes nothing).
LITELLM_INLINE bool needs_only_parsing(std::string_view body, const CallSpec& spec,
                                       const ProviderSpec& provider) {
  const bool chat = spec.kind != CallKind::embedding;
  if (chat && !provider.body_passthrough) return false;
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

LITELLM_INLINE void check_timeouts(const Timeouts& t, const std::string& where) {
  check_duration(t.connect, where + "timeouts.connect", false);
  check_duration(t.total, where + "timeouts.total", false);
  check_duration(t.first_byte, where + "timeouts.first_byte", true, "no limit");
  check_duration(t.idle, where + "timeouts.idle", true, "no limit");
  check_duration(t.stream_total, where + "timeouts.stream_total", true, "no limit");
}

LITELLM_INLINE void check_retry(const RetryPolicy& retry, const std::string& where) {
  if (retry.max_attempts < 1) {
    throw ConfigError(where + "retry.max_attempts must be at least 1, got " +
                      std::to_string(retry.max_attempts));
  }
  check_duration(retry.max_retry_after, where + "retry.max_retry_after", true,
                 "no server-requested wait is honoured");
}

LITELLM_INLINE void check_key_wait(const std::optional<milliseconds>& wait, const std::string& where) {
  if (wait)
    check_duration(*wait, where + "max_key_wait", true, "fail at once when no key is ready");
}

/// The first byte at or after `p` that is not ASCII (`end` when none).
LITELLM_INLINE const char* find_non_ascii(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p != end && static_cast<unsigned char>(*p) < 0x80) ++p;
  return p;
}

/// The offset of the first byte of `text` that is not part of well-formed UTF-8, or npos. The
/// same rules as the request writer (append_json_string), which would replace such bytes.
LITELLM_INLINE std::size_t invalid_utf8_at(std::string_view text) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  while ((p = find_non_ascii(p, end)) != end) {
    const char* after = json_scan::skip_utf8(p, end);
    if (after == nullptr) return static_cast<std::size_t>(p - text.data());
    p = after;
  }
  return std::string_view::npos;
}

/// False when `value` holds something the request body cannot carry faithfully: a NaN or
/// infinite number (written as null), a string or member name that is not well-formed UTF-8
/// (written with U+FFFD), a discarded value. Then `problem` says what and `path` where below
/// `value` ("[0].content"), built while unwinding: on success nothing is built or copied.
LITELLM_INLINE bool sendable(const json& value, std::string& path, std::string& problem) {
  switch (value.type()) {
    case json::value_t::number_float:
      if (std::isfinite(value.get_ref<const json::number_float_t&>())) return true;
      problem = "is NaN or infinite, which JSON cannot carry";
      return false;
    case json::value_t::string: {
      const std::size_t at = invalid_utf8_at(value.get_ref<const std::string&>());
      if (at == std::string_view::npos) return true;
      problem = "is not valid UTF-8 (at byte " + std::to_string(at) + ")";
      return false;
    }
    case json::value_t::array: {
      const auto& elements = value.get_ref<const json::array_t&>();
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (!sendable(elements[i], path, problem)) {
          path.insert(0, "[" + std::to_string(i) + "]");
          return false;
        }
      }
      return true;
    }
    case json::value_t::object:
      for (const auto& [name, member] : value.get_ref<const json::object_t&>()) {
        if (const std::size_t at = invalid_utf8_at(name); at != std::string_view::npos) {
          problem =
              "has a member name that is not valid UTF-8 (at byte " + std::to_string(at) + ")";
          return false;
        }
        if (!sendable(member, path, problem)) {
          path.insert(0, "." + name);
          return false;
        }
      }
      return true;
    case json::value_t::discarded:
      problem = "is a discarded value (a failed parse), which JSON cannot carry";
      return false;
    default:
      return true;
  }
}

/// `value` for a message: a number as written (NaN and infinities by name), else its type.
LITELLM_INLINE std::string describe(const json& value) {
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::isnan(number)) return "NaN";
    if (std::isinf(number)) return number > 0 ? "infinity" : "-infinity";
  }
  if (!value.is_number()) return std::string("a ") + value.type_name();
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  return text;
}

/// The `n` of a chat call: null is 1; else an integer from 1 to kMaxChoices.
LITELLM_INLINE int read_n(const json& value) {
  if (value.is_null()) return 1;
  if (value.is_number_unsigned()) {
    const auto n = value.get<unsigned long long>();
    if (n >= 1 && n <= static_cast<unsigned long long>(kMaxChoices)) return static_cast<int>(n);
  } else if (value.is_number_integer()) {
    const auto n = value.get<long long>();
    if (n >= 1 && n <= kMaxChoices) return static_cast<int>(n);
  }
  throw ConfigError("n must be an integer from 1 to " + std::to_string(kMaxChoices) + ", got " +
                    describe(value));
}

/// The `timeout` call parameter: a positive number of seconds (at most a year); null: none.
LITELLM_INLINE std::optional<milliseconds> read_timeout(const json& value) {
  constexpr double kMaxSeconds = 365.0 * 24 * 3600;
  if (value.is_null()) return std::nullopt;
  if (value.is_number()) {
    const double seconds = value.get<double>();
    if (std::isfinite(seconds) && seconds > 0 && seconds <= kMaxSeconds) {
      return std::max(milliseconds(1), milliseconds(static_cast<long long>(seconds * 1000)));
    }
  }
  throw ConfigError("timeout must be a positive number of seconds (at most one year), got " +
                    describe(value));
}


// ---- StreamCall --------------------------------------------------------------------------------

/// The response sink of a streamed call: SSE parser -> provider translator -> accumulator and the
/// caller's callback, as the bytes arrive. Error responses are buffered whole.
class StreamCall final : public ResponseSink {
 public:
  /// @param provider the backend errors name (the ApiInfo's `backend_used`).
  StreamCall(const ProviderAdapter& adapter, std::string_view provider, int n,
             const ChunkCallback* on_chunk, std::size_t max_bytes, SseParserOptions sse)
      : adapter_(adapter),
        provider_(provider),
        translator_(adapter.stream_translator(provider)),
        accumulator_(n),
        on_chunk_(on_chunk),
        max_bytes_(max_bytes),
        parser_(sse),
        openai_chunks_(spec_for(provider).body_passthrough),
        has_callback_(on_chunk != nullptr && *on_chunk) {
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

  /// True once the stream's end marker ([DONE], message_stop) arrived: the transport need not
  /// wait for the body's end (a server may hold it open).
  bool complete() const override { return mode_ == Mode::sse && translator_->finished(); }

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
      rethrow_as_kind(
          adapter_.error_from_response(HttpResponse{status_, headers_, body_}, provider_));
    }
    if (mode_ == Mode::json_body) {
      json body;
      if (!parse_json(body_, body)) throw ProtocolError("the response body is not JSON");
      throw_if_error_body(body, provider_);
      const json completion = adapter_.chat_response(std::move(body));
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

  void handle(const SseEvent& event) {
    if (cancelled_) return;
    if (openai_chunks_ && event.event == "message" && is_object_text(event.data) &&
        !mentions_error(event.data)) {
      // An OpenAI-format chunk (not [DONE], not an in-band error).
      if (!has_callback_) {
        // Nobody reads the chunk: merged from its text (validated in full), no DOM built.
        accumulator_.add_chunk_text(event.data);
        return;
      }
      // The callback's json is the previous chunk's, overwritten: chunks have the same shape, so
      // its keys, strings and arrays are reused and the parse allocates next to nothing. Merging
      // from that DOM is then cheaper than from the text again.
      if (parse_json(event.data, chunk_)) {
        accumulator_.add(chunk_);
        delivered_ = true;
        if (!(*on_chunk_)(chunk_)) cancelled_ = true;
        return;
      }
      // Not JSON: the translator throws its error for it.
    }
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
  std::string provider_;
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
  json chunk_;  // the chunk handed to the callback, reused from one chunk to the next
  // OpenAI-format chunks skip the translator: merged from their text without a callback, from
  // chunk_ with one (in-band errors, [DONE] and other events still go through the translator).
  const bool openai_chunks_;
  const bool has_callback_;

  /// True when `data` has the text `"error"` anywhere (an in-band error event has it as a key;
  /// other chunks almost never). Looks for the `"e` pair 16 bytes at a time.
  static bool mentions_error(std::string_view data) noexcept {
    constexpr std::string_view kNeedle = "\"error\"";
    const char* p = data.data();
    const char* const end = data.data() + data.size();
    if (data.size() < kNeedle.size()) return false;
    const char* const last = end - kNeedle.size();  // the last place the needle can start
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i letter = _mm_set1_epi8('e');
    while (last - p >= 16) {  // p[0..16] are readable
      const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
      auto mask = static_cast<unsigned>(_mm_movemask_epi8(
          _mm_and_si128(_mm_cmpeq_epi8(here, quote), _mm_cmpeq_epi8(next, letter))));
      while (mask != 0) {
        const char* candidate = p + __builtin_ctz(mask);
        if (std::memcmp(candidate, kNeedle.data(), kNeedle.size()) == 0) return true;
        mask &= mask - 1;
      }
      p += 16;
    }
#endif
    for (; p <= last; ++p) {
      if (*p == '"' && std::memcmp(p, kNeedle.data(), kNeedle.size()) == 0) return true;
    }
    return false;
  }

  /// True when `data` is a JSON object if it is JSON at all (its first token is '{').
  static bool is_object_text(std::string_view data) noexcept {
    const char* const end = data.data() + data.size();
    const char* p = json_scan::begin_document(data.data(), end);
    if (p == nullptr) return false;
    p = json_scan::skip_space(p, end);
    return p != end && *p == '{';
  }
};

// ---- Embeddings --------------------------------------------------------------------------------

LITELLM_INLINE void decode_embedding(const json& embedding, std::vector<float>& out) {
  if (embedding.is_string()) {
    if (!base64_floats(embedding.get_ref<const std::string&>(), out)) {
      throw ProtocolError("an embedding is not valid base64 float32 data");
    }
    return;
  }
  if (!embedding.is_array()) throw ProtocolError("an embedding is neither a list nor base64");
  out.clear();
  out.reserve(embedding.size());
  for (const json& value : embedding) {
    if (!value.is_number()) throw ProtocolError("an embedding holds a value that is not a number");
    out.push_back(value.get<float>());
  }
}

LITELLM_INLINE void decode_embeddings_to_json(json& body) {
  if (!body.is_object()) throw ProtocolError("the embedding response is not a JSON object");
  const auto data = body.find("data");
  if (data == body.end() || !data->is_array()) {
    throw ProtocolError("the embedding response has no data list");
  }
  std::vector<float> floats;
  for (json& item : *data) {
    if (!item.is_object()) continue;
    const auto embedding = item.find("embedding");
    if (embedding == item.end() || !embedding->is_string()) continue;
    decode_embedding(*embedding, floats);
    // Filled as a plain vector (json::push_back checks the array's type on every call).
    json::array_t values;
    values.reserve(floats.size());
    for (const float f : floats) values.emplace_back(static_cast<double>(f));
    *embedding = json(std::move(values));
  }
}

// ---- CallSpec ----------------------------------------------------------------------------------

LITELLM_INLINE void check_backend_options(const BackendOptions& options) {
  const std::string where = "BackendOptions.";
  check_timeouts(options.timeouts, where);
  check_retry(options.retry, where);
  check_duration(options.backoff.initial, where + "backoff.initial", true, "retry at once");
  check_duration(options.backoff.maximum, where + "backoff.maximum", true, "retry at once");
  check_key_wait(options.max_key_wait, where);
  if (options.max_response_bytes == 0) {
    throw ConfigError(where + "max_response_bytes must be positive, got 0");
  }
  check_key_pool_options(options.key_pool, where + "key_pool.");
}

LITELLM_INLINE void check_call_options(const CallOptions& options) {
  if (!options.timeouts && !options.retry && !options.max_key_wait) return;
  const std::string where = "CallOptions.";
  if (options.timeouts) check_timeouts(*options.timeouts, where);
  if (options.retry) check_retry(*options.retry, where);
  check_key_wait(options.max_key_wait, where);
}

LITELLM_INLINE CallSpec make_call_spec(CallKind kind, const json& defaults, json params, ChunkCallback on_chunk,
                        const CallOptions& call_options, const BackendOptions& options) {
  // Defaults < call parameters.
  if (params.is_null()) params = json::object();
  if (!params.is_object()) {
    throw ConfigError(std::string("call parameters must be a JSON object, got ") +
                      params.type_name());
  }
  CallSpec spec;
  spec.kind = kind;
  spec.on_chunk = std::move(on_chunk);
  // The call's parameters stay where they are; defaults fill in what the call left out.
  json merged = std::move(params);
  if (defaults.is_object()) {
    for (const auto& [name, value] : defaults.items()) merged.emplace(name, value);
  }
  if (kind != CallKind::embedding) {
    const auto messages = merged.find("messages");
    if (messages == merged.end() || !messages->is_array()) {
      throw ConfigError("a chat completion needs 'messages', a list of message objects");
    }
  } else if (!merged.contains("input")) {
    throw ConfigError("an embedding call needs 'input', a string or a list of strings");
  }
  if (const auto it = merged.find("extra_headers"); it != merged.end() && !it->is_null()) {
    if (!it->is_object()) throw ConfigError("extra_headers must be an object of strings");
    for (const auto& [name, value] : it->items()) {
      if (!value.is_string()) throw ConfigError("extra_headers['" + name + "'] must be a string");
      spec.extra_headers.add(name, value.get<std::string>());
    }
  }
  check_call_options(call_options);
  spec.timeouts = call_options.timeouts.value_or(options.timeouts);
  if (const auto it = merged.find("timeout"); it != merged.end()) {
    if (const auto total = read_timeout(*it)) spec.timeouts.total = *total;
  }
  spec.retry = call_options.retry.value_or(options.retry);
  spec.max_key_wait = call_options.max_key_wait ? call_options.max_key_wait : options.max_key_wait;
  if (kind != CallKind::embedding) {
    if (const auto it = merged.find("n"); it != merged.end()) spec.n = read_n(*it);
  }
  // One pass over what will be sent: routing members out, every value checked (nothing copied).
  auto& members = merged.get_ref<json::object_t&>();
  std::string path;
  std::string problem;
  for (auto it = members.begin(); it != members.end();) {
    const bool routing = std::find(std::begin(kNonBodyParams), std::end(kNonBodyParams),
                                   std::string_view(it->first)) != std::end(kNonBodyParams);
    if (routing) {
      it = members.erase(it);
      continue;
    }
    if (invalid_utf8_at(it->first) != std::string_view::npos) {
      throw ConfigError("a request parameter's name is not valid UTF-8; nothing was sent");
    }
    if (!sendable(it->second, path, problem)) {
      throw ConfigError("request parameter " + it->first + path + " " + problem +
                        "; nothing was sent");
    }
    ++it;
  }
  spec.params = std::move(merged);
  return spec;
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

LITELLM_INLINE Clock::time_point CallRunner::key_deadline() const {
  if (!spec_.max_key_wait) return Clock::time_point::max();
  const Clock::time_point now = context_.pool->registry()->clock().now();
  // Saturate: a wait beyond what the clock can represent (milliseconds::max()) is no limit.
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  if (*spec_.max_key_wait >= room) return Clock::time_point::max();
  return now + *spec_.max_key_wait;
}

LITELLM_INLINE ResponseSink& CallRunner::sink() noexcept {
  if (stream_) return *stream_;
  return *buffer_;
}

LITELLM_INLINE void CallRunner::begin_attempt(KeyLease lease) {
  rejection_.reset();
  const ApiInfo& info = lease.api_info();
  adapter_ = &adapter_for(info);
  try {
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
  } catch (const ConfigError&) {
    lease.undo_use();  // nothing was sent: the key is not consumed
    throw;
  }
  request_.timeouts = spec_.timeouts;
  const BackendOptions& options = *context_.options;
  stream_.reset();
  buffer_.reset();
  if (spec_.kind == CallKind::chat_stream) {
    stream_ = std::make_unique<StreamCall>(*adapter_, info.backend_used, spec_.n, &spec_.on_chunk,
                                           options.max_response_bytes, options.sse);
  } else {
    buffer_.emplace(options.max_response_bytes, /*keep_success_headers=*/false);
  }
  lease_.emplace(std::move(lease));
  ++attempts_;
}

LITELLM_INLINE json CallRunner::finish_response() {
  if (stream_) return stream_->finish();
  HttpResponse& response = buffer_->response();
  if (response.status < 200 || response.status >= 300) {
    rethrow_as_kind(adapter_->error_from_response(response, lease_->api_info().backend_used));
  }
  if (spec_.defer_body_parse &&
      needs_only_parsing(response.body, spec_, spec_for(lease_->api_info().backend_used))) {
    return json(std::move(response.body));  // parsed by the caller (see CallSpec)
  }
  json body;
  if (!parse_json(response.body, body)) {
    ErrorDetails details;
    details.http_status = response.status;
    throw ProtocolError("the response body is not JSON", std::move(details));
  }
  throw_if_error_body(body, lease_->api_info().backend_used);
  if (spec_.kind == CallKind::embedding) {
    if (spec_.embedding_result == EmbeddingResult::json_floats) decode_embeddings_to_json(body);
    return body;
  }
  return adapter_->chat_response(std::move(body));
}

LITELLM_INLINE CallRunner::Decision CallRunner::end_attempt(std::exception_ptr transport_error) {
  Decision decision = decide_attempt(std::move(transport_error));
  // What the attempt allocated is freed here, on the thread that ran it (the engine's I/O thread
  // for asynchronous calls), where the next attempts reuse the memory: freed on the thread that
  // later destroys the runner, it would cost both threads malloc's slow paths.
  {
    // Moved out, so that its strings' buffers go with it (assigning a fresh HttpRequest would
    // leave request_ holding them).
    const HttpRequest spent = std::move(request_);
  }
  request_ = HttpRequest();
  buffer_.reset();
  stream_.reset();
  return decision;
}

LITELLM_INLINE CallRunner::Decision CallRunner::decide_attempt(std::exception_ptr transport_error) {
  try {
    if (transport_error) std::rethrow_exception(transport_error);
    Decision done;
    done.kind = Decision::Kind::done;
    done.result = finish_response();
    lease_->report(KeyOutcome::success());
    if (attempts_ > 1) {
      context_.log(LogLevel::info, "call succeeded on attempt " + std::to_string(attempts_) +
                                       " with key " + lease_->key_id());
    }
    lease_.reset();
    return done;
  } catch (const Error& raw) {
    return decide(raw);
  } catch (...) {
    // Not the provider's doing (the caller's callback threw, memory ran out): pass it on as is.
    lease_.reset();
    Decision fail;
    fail.error = std::current_exception();
    return fail;
  }
}

LITELLM_INLINE CallRunner::Decision CallRunner::decide(const Error& raw) {
  const BackendOptions& options = *context_.options;
  std::optional<json> partial = stream_ ? stream_->partial() : std::nullopt;
  const Error* source = &raw;
  std::optional<Error> replaced;
  if (raw.kind() == ErrorKind::cancelled &&
      (stream_ ? stream_->overflowed() : buffer_->overflowed())) {
    replaced.emplace(ProtocolError(std::string(stream_ ? "the stream" : "the response") +
                                   " is larger than max_response_bytes (" +
                                   std::to_string(options.max_response_bytes) + " bytes)"));
    source = &*replaced;
  } else if (stream_ && raw.kind() == ErrorKind::cancelled && stream_->cancelled()) {
    replaced.emplace(CancelledError("the chunk callback cancelled the stream"));
    source = &*replaced;
  } else if (stream_ && partial && raw.kind() == ErrorKind::connection) {
    // The connection broke after the stream started: a stream error, with what arrived.
    replaced.emplace(StreamError("the stream was cut: " + raw.message(), raw.details()));
    source = &*replaced;
  }
  const ApiInfo& info = lease_->api_info();
  const Error error =
      with_context(*source, info, context_.pool->api_infos(), lease_->key_id(), attempts_, partial);
  const bool caller_side =
      error.kind() == ErrorKind::cancelled || error.kind() == ErrorKind::config;
  const KeyOutcome outcome = KeyOutcome::from_error(error);
  const std::string key_id = lease_->key_id();
  if (!caller_side) lease_->report(outcome);
  lease_.reset();
  context_.log(LogLevel::warning, "attempt " + std::to_string(attempts_) + " with key " + key_id +
                                      " failed: " + error.what());

  Decision decision;
  decision.error = as_exception(error);
  const bool delivered = stream_ && stream_->delivered();
  if (caller_side || delivered) return decision;
  const bool key_out = outcome.kind == KeyOutcome::Kind::auth_failed ||
                       outcome.kind == KeyOutcome::Kind::quota_exhausted;
  if (key_out) {
    context_.log(LogLevel::warning, "key " + key_id + " is out of rotation: " + outcome.reason);
  }
  // The server's x-should-retry: false ends the call here, even when another key could be tried.
  if (error.details().should_retry == false) return decision;
  if (key_out) {
    --attempts_;  // moving to the next key is not a retry
    rejection_.emplace(error);
    decision.kind = Decision::Kind::retry;
    return decision;
  }
  if (!error.retryable() || attempts_ >= spec_.retry.max_attempts) return decision;
  // A stream that outlived Timeouts::stream_total would do so again.
  if (error.kind() == ErrorKind::timeout && error.error_code() == "stream_total") return decision;
  if (error.retry_after() && *error.retry_after() > spec_.retry.max_retry_after) {
    return decision;  // the server asks for a longer wait than we accept
  }
  decision.kind = Decision::Kind::retry;
  if (error.kind() != ErrorKind::rate_limit) {
    // Rate limits wait in the key pool (this key cools down, another may be ready at once).
    decision.delay = error.retry_after() ? *error.retry_after() : options.backoff.delay(attempts_);
    context_.log(LogLevel::info, "retrying in " + std::to_string(decision.delay.count()) + " ms");
  }
  return decision;
}

LITELLM_INLINE std::exception_ptr CallRunner::key_failure(std::exception_ptr error) const {
  if (!rejection_) return error;
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    // The pool's "every key is out of rotation" (AuthError, or RateLimitError with
    // insufficient_quota when every quota is gone); its deadline error is neither.
    if (e.kind() != ErrorKind::auth && !e.is_quota_exhausted()) return error;
    return as_exception(Error(rejection_->kind(), e.message(), rejection_->details()));
  } catch (...) {
    return error;
  }
}

LITELLM_INLINE json run_call(const CallContext& context, CallSpec spec) {
  CallRunner runner(context, std::move(spec));
  Clock& clock = context.pool->registry()->clock();
  Transport& transport = *context.options->transport;
  while (true) {
    std::optional<KeyLease> lease;
    try {
      lease.emplace(context.pool->acquire_until(runner.key_deadline()));
    } catch (...) {
      std::rethrow_exception(runner.key_failure(std::current_exception()));
    }
    runner.begin_attempt(std::move(*lease));
    std::exception_ptr error;
    try {
      transport.send(runner.request(), runner.sink());
    } catch (...) {
      error = std::current_exception();
    }
    CallRunner::Decision decision = runner.end_attempt(error);
    switch (decision.kind) {
      case CallRunner::Decision::Kind::done:
        return std::move(decision.result);
      case CallRunner::Decision::Kind::fail:
        std::rethrow_exception(decision.error);
      case CallRunner::Decision::Kind::retry:
        sleep_on(clock, decision.delay);
        break;
    }
  }
}

}  // namespace litellm::detail
