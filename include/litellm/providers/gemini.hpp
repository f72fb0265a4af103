/// @file
/// Google's native Gemini API (generativelanguage.googleapis.com), exposed in OpenAI's chat and
/// embeddings formats.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/providers/provider.hpp"

namespace litellm {

/// Gemini: `POST {base}/v1beta/models/{model}:generateContent` (streams:
/// `:streamGenerateContent?alt=sse`, embeddings: `:batchEmbedContents`) with `x-goog-api-key`.
///
/// Pure translation between OpenAI's formats and Gemini's; no I/O.
///
/// **Request** (`chat_request`, OpenAI parameters -> GenerateContentRequest):
/// - URL `{base}/v1beta/models/{model}:generateContent`, where `base` is `effective_api_base`
///   (default `https://generativelanguage.googleapis.com`); a base that already ends in
///   `/v1beta` or `/v1` gets only `/models/...`. A `models/` prefix on the model is dropped; a
///   `tunedModels/<name>` model goes to `{base}/v1beta/tunedModels/<name>:...`; any character
///   but letters, digits, '-', '.' and '_' in the name is a ConfigError.
/// - Headers: `x-goog-api-key` (the key, the only header that carries it; omitted when the key
///   is empty), `content-type: application/json`, `accept` (`text/event-stream` when streaming).
/// - `system` / `developer` messages, wherever they are, -> `systemInstruction {parts: [{text}]}`
///   (text only; other parts are a ConfigError).
/// - `user` -> `{role: "user", parts}`, `assistant` -> `{role: "model", parts}`. Parts: a string
///   or `text` part -> `{text}`; `image_url` with a `data:<type>;base64,` URL -> `inlineData
///   {mimeType, data}`; with an `http(s)://` or `gs://` URL -> `fileData {mimeType, fileUri}`,
///   the mime type from `image_url.format` or the URL's extension (png, jpg/jpeg, webp, gif,
///   heic, heif, pdf), else a ConfigError asking for a data URL; `input_audio {data, format}` ->
///   `inlineData {mimeType: audio/<format>}`; `file` with `file_data` as a data URL ->
///   `inlineData`; any other part (a Gemini-native part) is passed through.
/// - Assistant `tool_calls` -> `functionCall {name, args}` parts (`args` = the parsed
///   `arguments`; "" counts as `{}`; arguments that are not a JSON object -> ConfigError), with
///   the call's `provider_specific_fields.thought_signature` (as this adapter returns it) sent
///   back as the part's `thoughtSignature`, which Gemini 3 requires.
/// - `tool` messages -> `{role: "user", parts: [{functionResponse {name, response}}]}`: `name`
///   is the name of the assistant tool call with the message's `tool_call_id` (else the
///   message's `name`, else a ConfigError); `response` is the content when that is a JSON
///   object (or a string holding one), else `{"content": <the content as text>}`.
/// - Consecutive contents of the same role are merged into one (parallel tool results go
///   back in one turn, as Gemini expects).
/// - `tools`: function tools -> one `{functionDeclarations: [{name, description, parameters}]}`
///   (`parameters` is left out when it is an object schema without properties, which Gemini
///   rejects; it must otherwise be in Gemini's OpenAPI schema subset); other entries (Gemini
///   tools such as `{"googleSearch": {}}` or `{"codeExecution": {}}`) are passed through.
/// - `tool_choice`: "auto" -> `toolConfig.functionCallingConfig {mode: AUTO}`, "none" -> NONE,
///   "required" -> ANY, `{type: function, function: {name}}` -> ANY with
///   `allowedFunctionNames: [name]`.
/// - `generationConfig` (starting from a native `generationConfig` object, when given):
///   `temperature`, `top_p` -> `topP`, `top_k` -> `topK`, `max_tokens` (else
///   `max_completion_tokens`) -> `maxOutputTokens`, `stop` (string or list) -> `stopSequences`,
///   `n` -> `candidateCount`, `seed`, `presence_penalty` -> `presencePenalty`,
///   `frequency_penalty` -> `frequencyPenalty`; `response_format` `json_schema` ->
///   `responseMimeType: application/json` + `responseSchema` (the schema), `json_object` ->
///   `responseMimeType` only, `text` -> nothing.
/// - Dropped, as Gemini has no such field: `logit_bias`, `logprobs`, `top_logprobs`,
///   `stream_options`, `parallel_tool_calls`, `user`, `metadata`, `reasoning_effort`,
///   `service_tier`, `store`, `modalities`, `audio`, `prediction`, `prompt_cache_key`,
///   `safety_identifier`, `verbosity`, `web_search_options`, `functions`, `function_call`.
///   Every other key passes through (Gemini-native fields: `safetySettings`,
///   `cachedContent`, `labels`, ...). Parameters whose value is null count as absent.
///
/// **Response** (`chat_response`, GenerateContentResponse -> `chat.completion`): see
/// `gemini_choice`, `gemini_finish_reason` and `gemini_usage`; `id` = `responseId`, `model` =
/// `modelVersion`, `created` = now. A response without candidates whose `promptFeedback` says
/// the prompt was blocked throws `gemini_blocked_error` (a BadRequestError, code
/// `content_filter`); one without candidates or feedback is a ProtocolError. A JSON array of
/// responses (`streamGenerateContent` without `alt=sse`) is translated as a stream and
/// accumulated.
///
/// **Streams**: see `GeminiStreamTranslator`. **Embeddings**: `embedding_request` ->
/// `POST {base}/v1beta/models/{model}:batchEmbedContents` with one request per input
/// (`{model: "models/{model}", content: {parts: [{text}]}}`, `dimensions` ->
/// `outputDimensionality`, `task_type` -> `taskType`); inputs must be strings (token arrays ->
/// ConfigError). `embedding_response` -> OpenAI's list (`data[i] {object: "embedding", index: i,
/// embedding}`, `usage` from `usageMetadata.promptTokenCount`).
/// **Errors**: `error_from_http(response, provider, ErrorShape::google)` (the spec's shape).
class LITELLM_API GeminiAdapter final : public ProviderAdapter {
 public:
  WireProtocol protocol() const noexcept override { return WireProtocol::gemini; }
  HttpRequest chat_request(const ApiInfo& api_info, const std::string& model, const json& params,
                           bool stream) const override;
  json chat_response(json body) const override;
  using ProviderAdapter::stream_translator;
  std::unique_ptr<StreamTranslator> stream_translator(std::string_view provider) const override;
  HttpRequest embedding_request(const ApiInfo& api_info, const std::string& model,
                                const json& params) const override;
  json embedding_response(json body) const override;
};

/// Translates a Gemini `streamGenerateContent?alt=sse` body into OpenAI
/// `chat.completion.chunk` objects. Every event is a whole GenerateContentResponse; each yields
/// one chunk with the `id` (`responseId`), `model` (`modelVersion`) and `created` of the first
/// event, and one choice per candidate (index: the candidate's `index`, else its position):
/// - the first delta of a choice carries `role: "assistant"`;
/// - text parts -> `delta.content`, thought parts (`"thought": true`) ->
///   `delta.reasoning_content`, `executableCode` / `codeExecutionResult` parts -> fenced blocks
///   in `delta.content` (see `gemini_choice`);
/// - `functionCall` parts (always whole) -> `delta.tool_calls [{index: k, id, type: "function",
///   function: {name, arguments}}]`, k counting the choice's calls across events; the id is
///   the call's own `id` or `call_<k>`;
/// - `finishReason` -> `finish_reason` (`gemini_finish_reason`; "tool_calls" when the choice
///   made a call in any event), and that event's chunk carries `usage` (`gemini_usage`); an
///   event without candidates but with `usageMetadata` yields a usage chunk (`choices: []`);
/// - `{"error": {...}}` -> throws `error_from_stream_event` as its kind's subclass; an event
///   whose prompt was blocked (`promptFeedback`, no candidates) throws `gemini_blocked_error`;
///   data that is not a JSON object is a ProtocolError.
/// There is no `[DONE]`: `finished()` is true once every choice seen has had its finishReason;
/// a body that ends before that is a StreamError carrying what arrived (the stream call).
class LITELLM_API GeminiStreamTranslator final : public StreamTranslator {
 public:
  /// @param provider the name used in errors (the ApiInfo's `backend_used`; by default
  ///        "gemini"), whose spec's `error_shape` says how in-band errors are read.
  explicit GeminiStreamTranslator(
      std::string provider = std::string(spec_for(WireProtocol::gemini).name))
      : provider_(std::move(provider)), error_shape_(spec_for(provider_).error_shape) {}
  void on_event(const SseEvent& event, std::vector<json>& out) override;
  /// Translates one already parsed GenerateContentResponse (an SSE event's data, or an element
  /// of the JSON array streamed without `alt=sse`).
  void on_response(const json& response, std::vector<json>& out);
  bool finished() const noexcept override;

 private:
  /// What is known about one choice.
  struct Choice {
    int tool_calls = 0;     ///< Function calls seen so far.
    bool finished = false;  ///< Its finishReason arrived.
  };

  std::string provider_;                 ///< The name used in errors.
  ErrorShape error_shape_;               ///< How in-band errors are read.
  std::string id_;                       ///< From the first event's responseId.
  std::string model_;                    ///< From the first event's modelVersion.
  std::int64_t created_ = 0;             ///< Unix seconds when the first event arrived.
  bool started_ = false;                 ///< An event arrived.
  std::map<long long, Choice> choices_;  ///< Choices by index.
};

/// The OpenAI `finish_reason` of a Gemini `finishReason`: STOP -> "stop" ("tool_calls" when
/// `made_tool_calls`), MAX_TOKENS -> "length", SAFETY, RECITATION, BLOCKLIST,
/// PROHIBITED_CONTENT, SPII, IMAGE_SAFETY -> "content_filter"; null -> null; any other value
/// (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, ...) -> "stop" ("tool_calls" when
/// `made_tool_calls`).
LITELLM_API json gemini_finish_reason(const json& finish_reason, bool made_tool_calls);

/// The OpenAI `usage` of a Gemini `usageMetadata`: `prompt_tokens` = promptTokenCount,
/// `completion_tokens` = candidatesTokenCount + thoughtsTokenCount, `total_tokens` =
/// totalTokenCount (else their sum; Google's total also counts toolUsePromptTokenCount),
/// `completion_tokens_details.reasoning_tokens` = thoughtsTokenCount,
/// `prompt_tokens_details.cached_tokens` = cachedContentTokenCount (absent counts are 0).
LITELLM_API json gemini_usage(const json& usage_metadata);

/// The OpenAI choice of one Gemini candidate, `{index, message, logprobs: null,
/// finish_reason}`: `message.content` = the text parts joined (null when there are none),
/// with `executableCode` parts as "```{language}\n{code}\n```\n" and `codeExecutionResult`
/// parts as "```output\n{output}\n```\n" in their place; `reasoning_content` = the thought
/// parts joined (when any); `tool_calls` from the `functionCall` parts (`{id: the call's id or
/// "call_<calls_before + k>", type: "function", function: {name, arguments: args as JSON
/// text}}` plus `provider_specific_fields.thought_signature` when the part has a
/// `thoughtSignature`).
/// @param position the candidate's position, used when it has no `index`.
/// @param calls_before the calls the choice made before this candidate (earlier stream events).
LITELLM_API json gemini_choice(const json& candidate, std::size_t position, int calls_before = 0);

/// The typed error of a response whose prompt was blocked (`promptFeedback` and no
/// candidates): a BadRequestError with code `content_filter`, type the `blockReason` (SAFETY,
/// OTHER, BLOCKLIST, PROHIBITED_CONTENT, IMAGE_SAFETY; "BLOCK_REASON_UNSPECIFIED" when
/// absent), and the `blockReasonMessage` as the provider message. Not retried: the same prompt
/// would be blocked again.
LITELLM_API Error gemini_blocked_error(const json& prompt_feedback, std::string_view provider);

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
