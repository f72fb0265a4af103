/// @file
/// AWS Bedrock's Converse API (and InvokeModel for embeddings), exposed in OpenAI's chat format.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/providers/provider.hpp"

namespace litellm {

/// Bedrock: `POST {base}/model/{modelId}/converse` (`/converse-stream` when streaming), signed
/// with AWS Signature Version 4, or with a Bedrock API key as Bearer.
///
/// **Configuration**: `ApiInfo{"bedrock", REGION,
/// "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]", optional api_base}`; the api_version is the
/// region (required); a key without ':' is a Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`), sent as
/// `Authorization: Bearer`. `base` is the api_base, else
/// `https://bedrock-runtime.{region}.amazonaws.com`. `api_infos_from_env` reads
/// AWS_BEARER_TOKEN_BEDROCK, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
/// with AWS_REGION (or AWS_DEFAULT_REGION) and AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
///
/// **Signing**: service `bedrock`, the region of the ApiInfo; signed headers `content-type`,
/// `host`, `x-amz-date` and, with a session token, `x-amz-security-token`; the payload hash is
/// the body's SHA-256. The model id is percent-encoded in the URL (`a:b` -> `a%3Ab`) and encoded
/// once more in the canonical request, as AWS's SDKs do.
///
/// **Request** (`chat_request`, OpenAI parameters -> Converse body):
/// - `system` / `developer` messages -> `system: [{text}]` (in order, wherever they are).
/// - `user` content: a string -> `[{text}]`; parts: `text` -> `{text}`, `image_url` with a
///   `data:image/<png|jpeg|gif|webp>;base64,` URL -> `{image: {format, source: {bytes}}}`;
///   an http(s) image URL, audio and other parts -> ConfigError (Converse takes bytes or S3).
/// - `assistant`: text -> `{text}`; `tool_calls` -> `{toolUse: {toolUseId, name, input}}`
///   (arguments parsed; "" counts as `{}`; not a JSON object -> ConfigError).
/// - `tool` messages -> `{toolResult: {toolUseId, content: [{text}]}}` in a user message.
///   Consecutive messages of one role are merged (Converse wants alternating roles).
/// - `tools` -> `toolConfig.tools[].toolSpec {name, description, inputSchema: {json:
///   parameters}}`; `tool_choice` "auto" -> `{auto: {}}`, "required" -> `{any: {}}`, a named
///   function -> `{tool: {name}}`, "none" -> no toolConfig sent at all (Converse has no "none";
///   only when no earlier turn used tools, else the tools are kept and the choice left out).
/// - `max_tokens` (else `max_completion_tokens`) -> `inferenceConfig.maxTokens`,
///   `temperature`, `top_p` -> `topP`, `stop` (string or list) -> `stopSequences`.
/// - `thinking`, `top_k` -> `additionalModelRequestFields` (Anthropic models on Bedrock).
/// - Converse's own members pass through: `additionalModelRequestFields`,
///   `additionalModelResponseFieldPaths`, `guardrailConfig`, `performanceConfig`,
///   `promptVariables`, `requestMetadata`, `inferenceConfig` (merged under the translated
///   values), `toolConfig` (when no `tools`). `n` > 1 -> ConfigError. Every other OpenAI
///   parameter is dropped (Converse rejects members it does not know).
///
/// **Response** (`chat_response`; a body without `output.message.content` is a ProtocolError
/// carrying its `message`, as AWS's error shape has one): `output.message.content` -> `content`
/// (text blocks joined, null when none), `tool_calls` (toolUse -> `{id: toolUseId, type: function,
/// function: {name, arguments: input.dump()}}`), `reasoning_content`
/// (reasoningContent.reasoningText.text); Server tool calls (`type: server_tool_use`, run by
/// Bedrock) are left out. `redactedContent` and reasoning signatures are dropped (OpenAI's format
/// has no place for them, and they are opaque). `finish_reason` from `bedrock_finish_reason`;
/// `usage` from `bedrock_usage`. Converse sends no id or model: `id` is "chatcmpl-bedrock-<n>",
/// `model` "".
///
/// **Streams**: see `BedrockStreamTranslator`; the body is AWS's binary event stream
/// (`StreamFraming::aws_eventstream`).
///
/// **Embeddings** (InvokeModel, `POST {base}/model/{modelId}/invoke`): models whose id contains
/// `cohere.embed` get `{"texts": inputs, "input_type": input_type or "search_document"}` (plus
/// `truncate`, `embedding_types` when given); any other model (amazon.titan-embed-*) gets
/// `{"inputText": text}` (plus `dimensions`, `normalize` when given), and as Titan embeds one
/// text per call, a list of more than one input is a ConfigError. The response
/// (`embedding_response`) becomes OpenAI's list: Titan's `embedding` and `inputTextTokenCount`,
/// Cohere's `embeddings` (a list, or `{"float": [...]}`).
///
/// **Errors**: `{"message": ...}` with the exception name in the `x-amzn-ErrorType` header (the
/// part before ':'); see `bedrock_error_kind`. The request id is `x-amzn-RequestId`.
class LITELLM_API BedrockAdapter final : public ProviderAdapter {
 public:
  WireProtocol protocol() const noexcept override { return WireProtocol::bedrock; }
  HttpRequest chat_request(const ApiInfo& api_info, const std::string& model, const json& params,
                           bool stream) const override;
  json chat_response(json body) const override;
  using ProviderAdapter::stream_translator;
  std::unique_ptr<StreamTranslator> stream_translator(std::string_view provider) const override;
  HttpRequest embedding_request(const ApiInfo& api_info, const std::string& model,
                                const json& params) const override;
  json embedding_response(json body) const override;
  using ProviderAdapter::error_from_response;
  Error error_from_response(const HttpResponse& response, std::string_view provider) const override;
};

/// Translates one ConverseStream (its messages as SseEvents: `event` = the event or exception
/// type, `id` = the message type, `data` = the JSON payload) into OpenAI chunks, which share an
/// id ("chatcmpl-bedrock-<n>"), `created` and an empty `model`.
/// - `messageStart` -> `delta {role: "assistant", content: ""}`;
/// - `contentBlockStart` with `start.toolUse {toolUseId, name}` -> `delta.tool_calls [{index: k,
///   id, type: "function", function: {name, arguments: ""}}]`, k counting the tool calls; a
///   server tool's call (`type: server_tool_use`, which Bedrock runs itself) and other starts
///   (its `toolResult`) -> nothing;
/// - `contentBlockDelta`: `text` -> `delta.content`; `toolUse.input` (a piece of JSON text) ->
///   `delta.tool_calls [{index: k, function: {arguments}}]`; `reasoningContent.text` ->
///   `delta.reasoning_content`; signatures, `redactedContent` and `toolResult` -> nothing;
/// - `contentBlockStop` -> nothing, except `{}` as the arguments of a tool call that got none;
/// - `messageStop` -> a chunk with `finish_reason` (`bedrock_finish_reason`);
/// - `metadata` -> a usage chunk (`choices: []`, `bedrock_usage`); `finished()` becomes true;
/// - exceptions and errors (message type `exception` / `error`) -> thrown typed
///   (`bedrock_error_kind` of the name, the payload's `message`), as its kind's subclass;
/// - unknown events -> nothing. A payload that is not a JSON object is a ProtocolError.
class LITELLM_API BedrockStreamTranslator final : public StreamTranslator {
 public:
  /// @param provider the name used in errors (the ApiInfo's `backend_used`).
  explicit BedrockStreamTranslator(std::string provider = "bedrock");
  void on_event(const SseEvent& event, std::vector<json>& out) override;
  bool finished() const noexcept override { return finished_; }

 private:
  /// A chunk with the stream's identity and one choice carrying `delta`.
  json make_chunk(json delta, json finish_reason = nullptr) const;

  std::string provider_;                    ///< The name used in errors.
  std::string id_;                          ///< The chunks' id.
  std::int64_t created_ = 0;                ///< Unix seconds when the translator was made.
  std::map<long long, int> tool_of_block_;  ///< Tool-call index by contentBlockIndex.
  std::map<long long, bool> tool_args_;     ///< Whether a tool block got argument text.
  int tool_calls_ = 0;                      ///< Tool calls seen so far.
  bool finished_ = false;                   ///< metadata arrived.
};

/// The OpenAI `finish_reason` of a Bedrock `stopReason`: end_turn, stop_sequence -> "stop";
/// max_tokens, model_context_window_exceeded -> "length"; tool_use -> "tool_calls";
/// guardrail_intervened, content_filtered -> "content_filter"; null -> null; other -> "stop".
LITELLM_API json bedrock_finish_reason(const json& stop_reason);

/// The OpenAI `usage` of a Bedrock usage object: `prompt_tokens` = inputTokens +
/// cacheReadInputTokens + cacheWriteInputTokens, `completion_tokens` = outputTokens,
/// `total_tokens` (totalTokens, else the sum), `prompt_tokens_details.cached_tokens` =
/// cacheReadInputTokens.
LITELLM_API json bedrock_usage(const json& usage);

/// The error kind of a Bedrock exception name (`ThrottlingException` or the stream's
/// `throttlingException`; case-insensitive on the first letter) and HTTP status:
/// Throttling, ServiceQuotaExceeded -> rate_limit; UnrecognizedClient, InvalidSignature,
/// AccessDenied, ExpiredToken, IncompleteSignature, MissingAuthenticationToken -> auth;
/// Validation -> bad_request; ResourceNotFound -> not_found; ModelTimeout -> timeout;
/// InternalServer, ServiceUnavailable, ModelNotReady, ModelStreamError (AWS: "retry your
/// request"), ModelError -> server; any other name -> by the status (bad_request for 4xx, server
/// otherwise, when the status is 0 as in streams).
LITELLM_API ErrorKind bedrock_error_kind(std::string_view name, int status);

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
