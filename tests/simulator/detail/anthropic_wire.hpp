// The Anthropic Messages wire format: the request, the message body and its stream events, and
// the error bodies.
#pragma once

#include <string>

#include "exchange.hpp"
#include "reply_plan.hpp"
#include "stream_plan.hpp"

namespace litellm::sim::detail {

/// An Anthropic error body: `{"type": "error", "error": {"type", "message"}, "request_id"}`.
json anthropic_error(const std::string& type, const std::string& message,
                     const std::string& request_id);

/// The error body for a status other than 429.
json anthropic_status_error(int status, const std::string& request_id);

/// The 429 rate_limit_error body, for a retry after `whole` seconds.
json anthropic_rate_limit_error(long long whole, const std::string& request_id);

/// The 400 "credit balance is too low" body.
json anthropic_quota_error(const std::string& request_id);

/// The Messages request (`max_tokens` required). Throws BadRequest.
ChatInput parse_anthropic_chat(const json& body);

/// The message body; `unfinished`: the no_terminator fault's non-stream form (stop_reason null).
json anthropic_message(const ReplyPlan& plan, bool unfinished);

/// One SSE event: `event: <type>` and `data: <data>`.
std::string anthropic_event(const std::string& type, const json& data);

/// The stream events: message_start, content blocks (a ping after the first start), one word
/// per text delta, message_delta and message_stop.
StreamPlan anthropic_stream(const ReplyPlan& plan);

}  // namespace litellm::sim::detail
