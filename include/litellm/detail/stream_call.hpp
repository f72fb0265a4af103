// The response sink of a streamed call: SSE parser (or, for backends whose spec says
// StreamFraming::aws_eventstream, the event-stream decoder, whose messages become SseEvents)
// -> provider translator -> accumulator and the caller's chunk callback, as the bytes arrive.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/detail/aws_eventstream.hpp"
#include "litellm/detail/failure.hpp"
#include "litellm/http.hpp"
#include "litellm/merge.hpp"
#include "litellm/options.hpp"
#include "litellm/providers/provider.hpp"
#include "litellm/sse.hpp"

namespace litellm::detail {

/// The sink of one streamed attempt. Error responses, and streams answered with plain JSON, are
/// buffered whole and read by `finish`.
///
/// The translator, the SSE parser and the caller's callback report failures by throwing, from
/// inside `on_body` (the transport passes that on as the exchange's error) or from `finish` (the
/// attempt runner turns it into a Failure).
class StreamCall final : public ResponseSink {
 public:
  /// @param translator the adapter's (`adapter.stream_translator(provider)`, not null).
  /// @param provider the backend errors name (the ApiInfo's `backend_used`).
  StreamCall(const ProviderAdapter& adapter, std::unique_ptr<StreamTranslator> translator, int n,
             const ChunkCallback* on_chunk, std::size_t max_bytes, SseParserOptions sse,
             std::string_view provider);

  bool on_headers(int status, const Headers& headers) override;
  /// True once the stream's end marker ([DONE], message_stop) arrived: the transport need not
  /// wait for the body's end (a server may hold it open).
  bool complete() const override;
  bool on_body(std::string_view bytes) override;

  /// After the transport returned normally: the accumulated completion, or the typed error (an
  /// error response, a body that is not JSON, a stream without its terminator).
  CallResult finish();

  /// True when the callback returned false.
  bool cancelled() const noexcept { return cancelled_; }
  /// True when the response went over max_bytes (the exchange was cancelled for it).
  bool overflowed() const noexcept { return overflowed_; }
  /// True once a chunk reached the caller's callback.
  bool delivered() const noexcept { return delivered_; }
  /// What arrived so far, when anything did.
  std::optional<json> partial() const;
  /// The response's header fields (empty before they arrived).
  const Headers& headers() const noexcept { return headers_; }

 private:
  enum class Mode { sse, json_body, error_body };

  void handle(const SseEvent& event);
  void deliver(const json& chunk);

  const ProviderAdapter& adapter_;
  std::unique_ptr<StreamTranslator> translator_;
  StreamAccumulator accumulator_;
  const ChunkCallback* on_chunk_;
  std::size_t max_bytes_;
  SseParser parser_;
  // Event-stream framing (Bedrock): the decoder, and the event each message is handed on as.
  const bool event_stream_;
  EventStreamDecoder decoder_;
  SseEvent message_event_;
  std::string provider_;  // the backend errors name (the ApiInfo's backend_used)
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
};

/// True when `data` is a JSON object if it is JSON at all (its first token is '{').
bool is_object_text(std::string_view data) noexcept;

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
