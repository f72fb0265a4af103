/// @file
/// Anthropic's Messages API, exposed in OpenAI's chat format.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/providers/provider.hpp"

namespace litellm {

/// Anthropic: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`.
///
/// Pure translation between OpenAI's chat format and Anthropic's Messages API; no I/O.
///
/// **Request** (`chat_request`, OpenAI parameters -> Anthropic body):
/// - URL `{base}/v1/messages`, where `base` is `effective_api_base` (default
///   `https://api.anthropic.com`); a base that already ends in `/v1` gets only `/messages`.
/// - Headers: `x-api-key` (the key, the only header that carries it; omitted when the key is
///   empty), `anthropic-version` (`ApiInfo::api_version`, default `2023-06-01`),
///   `content-type: application/json`, `accept` (`text/event-stream` when streaming, else
///   `application/json`).
/// - `max_tokens` (required by Anthropic): `max_tokens`, else `max_completion_tokens`, else 4096.
/// - `system` / `developer` messages, wherever they are, are hoisted to `system`: one string
///   (joined with "\n\n") when every one is a plain string, else an array of text blocks that
///   keeps each part's `cache_control`. A native `system` parameter is kept and comes first.
/// - Messages: string content stays a string. Content parts: `text` -> text block;
///   `image_url` with a `data:<media type>;base64,` URL -> image block with a base64 source,
///   with an `http(s)` URL -> image block with a url source; `file` with `file_data` as a data
///   URL -> document block with a base64 source; `input_audio` -> ConfigError; any other part
///   (an Anthropic-native block) is passed through. `cache_control` on a part is kept.
/// - Assistant messages: text (string or parts), then `tool_calls` -> `tool_use` blocks
///   (`input` = the parsed `arguments`; "" counts as `{}`; arguments that are not a JSON object
///   -> ConfigError naming the tool call); an assistant message's `thinking_blocks` (as LiteLLM
///   returns them) are sent first, as Anthropic requires when thinking is combined with tools.
///   An assistant message with neither content nor tool calls is left out.
/// - `tool` messages -> `tool_result` blocks (`tool_use_id` = `tool_call_id`, content a string
///   or an array of translated parts) in a user message. Consecutive messages of the same role
///   (after translation, so consecutive tool results too) are merged into one message, as
///   Anthropic requires alternating roles.
/// - `tools`: `{type: "function", function: {name, description, parameters}}` ->
///   `{name, description, input_schema}` (`parameters` defaulting to
///   `{"type":"object","properties":{}}`; a tool-level `cache_control` is kept, `strict` is
///   dropped); other tool types (Anthropic server tools) are passed through; an empty list
///   is left out.
/// - `tool_choice`: "auto" -> `{type: auto}`, "required" -> `{type: any}`, "none" ->
///   `{type: none}`, `{type: function, function: {name}}` -> `{type: tool, name}`; objects
///   of another type are passed through. `parallel_tool_calls: false` sets
///   `disable_parallel_tool_use: true` on the tool choice (`{type: auto}` when none was given;
///   only when tools are sent, and not on `{type: none}`).
/// - `stop` (string or list) -> `stop_sequences`; `user` -> `metadata.user_id`;
///   `temperature`, `top_p`, `top_k`, `metadata`, `thinking` pass through unchanged (note that
///   Anthropic's temperature range is 0..1, OpenAI's 0..2: values are not rescaled).
/// - `n` > 1 -> ConfigError. Dropped, as Anthropic rejects them: `presence_penalty`,
///   `frequency_penalty`, `logit_bias`, `logprobs`, `top_logprobs`, `seed`, `response_format`,
///   `stream_options`, `n`, `parallel_tool_calls`, `max_completion_tokens`, `reasoning_effort`,
///   `service_tier` unless "auto" / "standard_only", and the OpenAI-only `store`,
///   `modalities`, `audio`, `prediction`, `prompt_cache_key`, `safety_identifier`, `verbosity`,
///   `web_search_options`. Every other key passes through (new Anthropic-native parameters).
///   Parameters whose value is null count as absent.
/// - `stream: true` when streaming.
///
/// **Response** (`chat_response`, Anthropic message -> `chat.completion`): `id`, `model`,
/// `created` (now), one choice whose message has `content` (the text blocks joined, or null),
/// `tool_calls` (tool_use blocks -> `{id, type: function, function: {name, arguments:
/// input.dump()}}`) and `reasoning_content` (the thinking blocks joined) when present;
/// `finish_reason` from `anthropic_finish_reason`; `usage` from `anthropic_usage`. An
/// `{"type": "error"}` body throws its typed error (as its kind's subclass); any other body that is
/// not a message is a ProtocolError.
///
/// **Streams**: see `AnthropicStreamTranslator`. **Embeddings**: Anthropic has none
/// (ConfigError). **Errors**: `error_from_http(response, provider, ErrorShape::anthropic)` (the
/// spec's shape), with the body's `request_id` used when no request-id header was sent.
class LITELLM_API AnthropicAdapter final : public ProviderAdapter {
 public:
  WireProtocol protocol() const noexcept override { return WireProtocol::anthropic; }
  HttpRequest chat_request(const ApiInfo& api_info, const std::string& model, const json& params,
                           bool stream) const override;
  json chat_response(json body) const override;
  using ProviderAdapter::stream_translator;
  std::unique_ptr<StreamTranslator> stream_translator(std::string_view provider) const override;
  HttpRequest embedding_request(const ApiInfo& api_info, const std::string& model,
                                const json& params) const override;
};

/// Translates one Anthropic event stream into OpenAI `chat.completion.chunk` objects, which all
/// share the `id`, `model` and `created` of `message_start`.
///
/// The event type is the SSE `event` field, or the data's `type` when the event has none.
/// - `message_start` -> a chunk with `delta {role: "assistant", content: ""}`, sent just before
///   the message's first other chunk (or at `message_stop` when there is none), so that it
///   carries the model that answers. A second `message_start` while the message is open (before
///   `message_stop`) is ignored when it has the same id, and is a ProtocolError when it has
///   another one (two messages spliced together; the error of a backend call carries what
///   arrived in `partial()`);
/// - `content_block_start` of a `fallback` block (another model answers: `to.model`) -> no
///   chunk; the following chunks name that model. A fallback block before any output (as
///   Anthropic sends it) thus makes the accumulated completion's `model` the one that answered;
/// - `content_block_start` of a `tool_use` block -> `delta.tool_calls [{index: k, id,
///   type: "function", function: {name, arguments: ""}}]`, where k counts the message's tool
///   calls (not its content blocks); a text or thinking block that starts with text yields it;
/// - `content_block_delta`: `text_delta` -> `delta.content`; `input_json_delta` ->
///   `delta.tool_calls [{index: k, function: {arguments}}]` (empty pieces are skipped);
///   `thinking_delta` -> `delta.reasoning_content`; `signature_delta`, `citations_delta` and
///   others -> nothing;
/// - `content_block_stop` -> nothing, except for a tool call that received no argument text
///   (a tool without parameters): then its `input` (`{}`) is sent as the arguments, so the
///   accumulated arguments are always JSON;
/// - `message_delta` -> a chunk with `finish_reason` (`anthropic_finish_reason`) and `usage`
///   (`anthropic_usage` of message_start's usage updated by message_delta's, which Anthropic
///   documents as cumulative);
/// - `message_stop` -> no chunk, `finished()` becomes true, and every later event (a proxy's
///   `data: [DONE]`, anything) is ignored; `ping` and unknown events -> nothing;
/// - `error` -> throws `error_from_stream_event(data.error, provider)` as its kind's subclass
///   (`ServerError` for `overloaded_error`, `RateLimitError` for `rate_limit_error`, ...).
/// Data that is not a JSON object is a ProtocolError.
class LITELLM_API AnthropicStreamTranslator final : public StreamTranslator {
 public:
  /// @param provider the name used in errors (the ApiInfo's `backend_used`; by default the
  ///        protocol's own backend, "anthropic"), whose spec's `error_shape` says how in-band
  ///        errors are read.
  explicit AnthropicStreamTranslator(
      std::string provider = std::string(spec_for(WireProtocol::anthropic).name))
      : provider_(std::move(provider)), error_shape_(spec_for(provider_).error_shape) {}
  void on_event(const SseEvent& event, std::vector<json>& out) override;
  bool finished() const noexcept override { return finished_; }

 private:
  /// What is known about one open content block.
  struct Block {
    int tool_index = -1;         ///< k for a tool_use block, -1 for any other block.
    bool got_arguments = false;  ///< An input_json_delta with text arrived for it.
    json input;                  ///< The content_block_start's `input` (tool_use blocks).
  };

  /// A chunk with the stream's identity and one choice carrying `delta`.
  json make_chunk(json delta, json finish_reason = nullptr) const;
  /// Appends message_start's chunk to `out` if it has not been sent yet.
  void flush_start(std::vector<json>& out);
  /// Appends `chunk` to `out`, after message_start's chunk if that is still pending.
  void emit(std::vector<json>& out, json chunk);

  std::string provider_;               ///< The name used in errors.
  ErrorShape error_shape_;             ///< How in-band errors are read.
  std::string id_;                     ///< From message_start.
  std::string model_;                  ///< From message_start.
  std::int64_t created_ = 0;           ///< Unix seconds when message_start arrived.
  json usage_ = json::object();        ///< message_start's usage, updated by message_delta's.
  std::map<long long, Block> blocks_;  ///< Content blocks by Anthropic's block index.
  int tool_calls_ = 0;                 ///< Tool calls seen so far.
  bool finished_ = false;              ///< message_stop arrived.
  bool started_ = false;               ///< message_start arrived.
  bool start_pending_ = false;         ///< message_start's chunk is not sent yet.
};

/// The OpenAI `finish_reason` of an Anthropic `stop_reason`: end_turn, stop_sequence,
/// pause_turn -> "stop"; max_tokens, model_context_window_exceeded -> "length"; tool_use ->
/// "tool_calls"; refusal -> "content_filter"; null -> null; any other value -> "stop".
LITELLM_API json anthropic_finish_reason(const json& stop_reason);

/// The OpenAI `usage` of an Anthropic usage object: `prompt_tokens` = input_tokens +
/// cache_creation_input_tokens + cache_read_input_tokens, `completion_tokens` = output_tokens,
/// `total_tokens`, `prompt_tokens_details.cached_tokens` = cache_read_input_tokens, plus the
/// raw `cache_creation_input_tokens` and `cache_read_input_tokens` (absent counts are 0).
LITELLM_API json anthropic_usage(const json& usage);

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
