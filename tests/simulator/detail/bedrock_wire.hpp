// The Bedrock wire format: Converse requests, answers and ConverseStream events (AWS's binary
// event-stream framing, encoded here with the simulator's own encoder), InvokeModel embeddings,
// the error bodies and their x-amzn-ErrorType names, and the SigV4 check of a request.
#pragma once

#include <optional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "exchange.hpp"
#include "reply_plan.hpp"
#include "stream_plan.hpp"

namespace litellm::sim::detail {

/// What a Bedrock path asks for: the model id (percent-decoded) and the action ("converse",
/// "converse-stream", "invoke"); nullopt for any other path.
struct BedrockRoute {
  std::string model;
  std::string action;
};
std::optional<BedrockRoute> bedrock_route(const std::string& raw_path);

/// The access key id of a SigV4 `Authorization` value ("" when it is not one).
std::string bedrock_access_key_id(const std::string& authorization);

/// Checks the SigV4 signature of `req` with `secret` (the headers it names, the raw path and
/// query, the body's hash, the date, region and service of its scope), as AWS does. The empty
/// string when it is valid, else the exception name to answer with (InvalidSignatureException,
/// IncompleteSignatureException).
std::string bedrock_check_signature(const httplib::Request& req, const std::string& secret);

/// The exception name AWS sends for an HTTP status (x-amzn-ErrorType).
std::string bedrock_error_type(int status);

/// `{"message": <message>}`.
json bedrock_error(const std::string& message);

/// The error body for a status.
json bedrock_status_error(int status);

/// The Converse request. Throws BadRequest (ValidationException).
ChatInput parse_bedrock_chat(const json& body, const BedrockRoute& route);

/// The Converse answer; `unfinished`: the no_terminator fault's non-stream form (no stopReason).
json bedrock_message(const ReplyPlan& plan, bool unfinished);

/// One encoded event-stream message: an event (`:event-type`) or, with `exception`, an
/// exception (`:exception-type`), JSON payload.
std::string bedrock_event(const std::string& type, const json& payload, bool exception = false);

/// The 12-byte prelude of a message declaring `payload_bytes` of payload after no headers (total
/// length, headers length 0, prelude CRC), for the long_line fault: a frame over any limit.
std::string bedrock_frame_prelude(std::size_t payload_bytes);

/// The ConverseStream events: messageStart, text deltas (one word each) or toolUse blocks (their
/// input in three pieces), messageStop, metadata.
StreamPlan bedrock_stream(const ReplyPlan& plan);

/// The InvokeModel embeddings answer: Titan (`inputText`) or Cohere (`texts`), the vectors of
/// the OpenAI endpoint's. Throws BadRequest.
json bedrock_embeddings(const json& body, const BedrockRoute& route, const Exchange& ex);

}  // namespace litellm::sim::detail
