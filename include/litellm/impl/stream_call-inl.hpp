#pragma once

#include "litellm/detail/stream_call.hpp"

#include <utility>

#include "litellm/detail/call.hpp"
#include "litellm/detail/fast_json.hpp"
#include "litellm/providers/openai.hpp"

namespace litellm::detail {

LITELLM_INLINE StreamCall::StreamCall(const ProviderAdapter& adapter,
                                      std::unique_ptr<StreamTranslator> translator, int n,
                                      const ChunkCallback* on_chunk, std::size_t max_bytes,
                                      SseParserOptions sse, std::string_view provider)
    : adapter_(adapter),
      translator_(std::move(translator)),
      accumulator_(n),
      on_chunk_(on_chunk),
      max_bytes_(max_bytes),
      parser_(sse),
      event_stream_(spec_for(provider).stream_framing == StreamFraming::aws_eventstream),
      provider_(provider),
      openai_chunks_(spec_for(provider).body_passthrough),
      has_callback_(on_chunk != nullptr && *on_chunk) {}

LITELLM_INLINE bool StreamCall::on_headers(int status, const Headers& headers) {
  status_ = status;
  headers_ = headers;
  if (status < 200 || status >= 300) {
    mode_ = Mode::error_body;
  } else if (headers.value("content-type").find("application/json") != std::string::npos) {
    mode_ = Mode::json_body;
  }
  return true;
}

LITELLM_INLINE bool StreamCall::complete() const {
  return mode_ == Mode::sse && translator_->finished();
}

LITELLM_INLINE bool StreamCall::on_body(std::string_view bytes) {
  received_ += bytes.size();
  if (received_ > max_bytes_) {
    overflowed_ = true;
    return false;
  }
  if (mode_ != Mode::sse) {
    body_.append(bytes);
    return true;
  }
  if (event_stream_) {
    decoder_.feed(bytes, [this](const EventStreamMessage& message) {
      sse_event_of(message, message_event_);
      handle(message_event_);
    });
    return !cancelled_;
  }
  parser_.feed(bytes, [this](const SseEvent& event) { handle(event); });
  return !cancelled_;
}

LITELLM_INLINE CallResult StreamCall::finish() {
  CallResult result;
  if (mode_ == Mode::error_body) {
    result.failure =
        adapter_.error_from_response(HttpResponse{status_, headers_, body_}, provider_);
    return result;
  }
  if (mode_ == Mode::json_body) {
    json body;
    if (!parse_json(body_, body)) {
      result.failure = ProtocolError("the response body is not JSON");
      return result;
    }
    if (std::optional<Error> error = error_in_body(body, provider_)) {
      result.failure = std::move(*error);
      return result;
    }
    const json completion = adapter_.chat_response(std::move(body));
    for (const json& chunk : chunks_of_completion(completion)) deliver(chunk);
    result.value = accumulator_.completion();
    return result;
  }
  if (event_stream_) {
    decoder_.finish();
  } else {
    parser_.finish([this](const SseEvent& event) { handle(event); });
  }
  if (!translator_->finished() && !accumulator_.all_choices_finished()) {
    result.failure = StreamError(
        "the stream ended without its terminator ([DONE], message_stop or a final "
        "finish_reason)");
    return result;
  }
  result.value = accumulator_.completion();
  return result;
}

LITELLM_INLINE std::optional<json> StreamCall::partial() const {
  if (accumulator_.chunk_count() == 0) return std::nullopt;
  return accumulator_.completion();
}

LITELLM_INLINE void StreamCall::handle(const SseEvent& event) {
  if (cancelled_) return;
  if (openai_chunks_ && event.event == "message" && is_object_text(event.data)) {
    // An OpenAI-format chunk (not [DONE]); an in-band error goes to the translator below, which
    // throws it typed. The chunk's text is read once on either path.
    if (!has_callback_) {
      // Nobody reads the chunk: merged from its text (validated in full), no DOM built.
      if (add_chunk_text_unless_error(accumulator_, event.data)) return;
    } else if (parse_json(event.data, chunk_) && !OpenAIStreamTranslator::is_error_chunk(chunk_)) {
      // The callback's json is the previous chunk's, overwritten: chunks have the same shape, so
      // its keys, strings and arrays are reused and the parse allocates next to nothing. Merging
      // from that DOM is then cheaper than from the text again.
      accumulator_.add(chunk_);
      delivered_ = true;
      if (!(*on_chunk_)(chunk_)) cancelled_ = true;
      return;
    }
    // Not JSON, or an in-band error: the translator throws its typed error.
  }
  chunks_.clear();
  translator_->on_event(event, chunks_);
  for (const json& chunk : chunks_) {
    deliver(chunk);
    if (cancelled_) return;
  }
}

LITELLM_INLINE void StreamCall::deliver(const json& chunk) {
  accumulator_.add(chunk);
  if (on_chunk_ != nullptr && *on_chunk_) {
    delivered_ = true;
    if (!(*on_chunk_)(chunk)) cancelled_ = true;
  }
}

LITELLM_INLINE bool is_object_text(std::string_view data) noexcept {
  const char* const end = data.data() + data.size();
  const char* p = json_scan::begin_document(data.data(), end);
  if (p == nullptr) return false;
  p = json_scan::skip_space(p, end);
  return p != end && *p == '{';
}

}  // namespace litellm::detail
