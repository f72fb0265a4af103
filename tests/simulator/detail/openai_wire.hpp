// The OpenAI and Azure OpenAI wire formats: the chat request, the chat completion body and its
// stream events (Azure: content filter results, the prompt filter chunk), and the error bodies
// (Azure: its gateway's errors).
#pragma once

#include <string>

#include "exchange.hpp"
#include "reply_plan.hpp"
#include "stream_plan.hpp"

namespace litellm::sim::detail {

/// An OpenAI error body: `{"error": {"message", "type", "param", "code"}}`.
json openai_error(const std::string& message, const std::string& type, json code,
                  json param = nullptr);

/// An Azure API gateway error body: `{"error": {"code": "<status>", "message"}}`.
json azure_gateway_error(int status, const std::string& message);

/// The error body for a status other than 429 (Azure: the gateway's for 401 and 404).
json openai_status_error(int status, bool azure);

/// OpenAI's 429 body, for a retry after `whole` seconds.
json openai_rate_limit_error(long long whole);

/// Azure's 429 body for the operation of `route`, for a retry after `whole` seconds.
json azure_rate_limit_error(Route route, const std::string& api_version, long long whole);

/// The 429 insufficient_quota body.
json openai_quota_error();

/// The chat request (Azure: without `model`, the deployment names it). Throws BadRequest.
ChatInput parse_openai_chat(const json& body, bool azure);

/// The chat.completion body; `unfinished`: the no_terminator fault's non-stream form
/// (finish_reason null).
json openai_completion(const ReplyPlan& plan, bool azure, bool unfinished);

/// The chat.completion.chunk events, one word per chunk, then finish chunks, usage (when asked
/// for) and `data: [DONE]`.
StreamPlan openai_stream(const ReplyPlan& plan, bool azure, bool include_usage);

}  // namespace litellm::sim::detail
