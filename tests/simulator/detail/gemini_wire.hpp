// Google's Gemini API wire format: the generateContent request, the response body and its SSE
// stream (streamGenerateContent?alt=sse), batchEmbedContents, and Google's error bodies.
#pragma once

#include <string>

#include "exchange.hpp"
#include "reply_plan.hpp"
#include "stream_plan.hpp"

namespace litellm::sim::detail {

/// A Google error body: `{"error": {"code", "message", "status"}}`, with `details` when given.
json gemini_error(int code, const std::string& status, const std::string& message,
                  json details = nullptr);

/// The error body for a status other than 429 (400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403
/// PERMISSION_DENIED, 404 NOT_FOUND, 500 INTERNAL, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED).
json gemini_status_error(int status);

/// The 429 RESOURCE_EXHAUSTED body of a per-minute quota, with a RetryInfo of `whole` seconds.
json gemini_rate_limit_error(long long whole);

/// The 429 RESOURCE_EXHAUSTED body of an exhausted per-day quota (QuotaFailure quotaId
/// "GenerateRequestsPerDayPerProjectPerModel-FreeTier").
json gemini_quota_error();

/// The 400 answer to a key that is not valid (ErrorInfo reason API_KEY_INVALID), or the 403 to
/// a request without a key.
json gemini_key_error(bool missing);

/// The generateContent request: `contents` required; the model and whether it streams come from
/// the path (`ex.model`, `ex.gemini_stream`). Throws BadRequest.
ChatInput parse_gemini_chat(const json& body, const Exchange& ex);

/// The GenerateContentResponse; `unfinished`: the no_terminator fault's non-stream form (no
/// finishReason).
json gemini_response(const ReplyPlan& plan, bool unfinished);

/// The stream: one event per word of each choice (or one with a choice's whole function calls),
/// then a final event with finishReason and usage; events end with CRLF CRLF, no [DONE].
StreamPlan gemini_stream(const ReplyPlan& plan);

}  // namespace litellm::sim::detail
