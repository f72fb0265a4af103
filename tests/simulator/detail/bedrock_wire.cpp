// The Bedrock wire format (see bedrock_wire.hpp).
#include "bedrock_wire.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "embeddings.hpp"
#include "litellm/detail/sigv4.hpp"
#include "text.hpp"

namespace litellm::sim::detail {
namespace {

std::uint32_t sim_crc32(const std::string& data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFU;
  for (const char ch : data)
    crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (crc >> 8U);
  return ~crc;
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}

void put_string_header(std::string& out, const std::string& name, const std::string& value) {
  out.push_back(static_cast<char>(name.size()));
  out += name;
  out.push_back(7);  // string
  out.push_back(static_cast<char>((value.size() >> 8U) & 0xFFU));
  out.push_back(static_cast<char>(value.size() & 0xFFU));
  out += value;
}

const char* bedrock_stop_reason(const std::string& finish) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls") return "tool_use";
  return "end_turn";
}

json bedrock_usage_json(const ReplyPlan& plan) {
  return json{{"inputTokens", plan.prompt_tokens},
              {"outputTokens", plan.completion_tokens},
              {"totalTokens", plan.prompt_tokens + plan.completion_tokens}};
}

/// The text of a Converse content list's blocks of one kind ("text", or "toolResult" contents).
std::string block_text(const json& content, const char* kind) {
  std::string out;
  if (!content.is_array()) return out;
  for (const json& block : content) {
    if (!block.is_object()) continue;
    if (std::string(kind) == "text" && block.contains("text") && block["text"].is_string()) {
      if (!out.empty()) out += " ";
      out += block["text"].get<std::string>();
    } else if (std::string(kind) == "toolResult" && block.contains("toolResult")) {
      const json& result = block["toolResult"];
      const std::string inner = block_text(result.value("content", json::array()), "text");
      if (!out.empty()) out += " ";
      out += inner;
    }
  }
  return out;
}

}  // namespace

std::optional<BedrockRoute> bedrock_route(const std::string& raw_path) {
  const std::string prefix = "/model/";
  if (raw_path.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string rest = raw_path.substr(prefix.size());
  const std::size_t slash = rest.rfind('/');
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  BedrockRoute route{percent_decode(rest.substr(0, slash)), rest.substr(slash + 1)};
  if (route.action != "converse" && route.action != "converse-stream" && route.action != "invoke") {
    return std::nullopt;
  }
  return route;
}

std::string bedrock_access_key_id(const std::string& authorization) {
  return litellm::detail::sigv4_parse_authorization(authorization).access_key_id;
}

std::string bedrock_check_signature(const httplib::Request& req, const std::string& secret) {
  const auto auth =
      litellm::detail::sigv4_parse_authorization(req.get_header_value("Authorization"));
  const std::string date = req.get_header_value("x-amz-date");
  // scope: date/region/service/aws4_request
  std::vector<std::string> scope;
  for (std::size_t pos = 0;;) {
    const std::size_t slash = auth.scope.find('/', pos);
    scope.push_back(auth.scope.substr(pos, slash - pos));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  if (auth.signature.empty() || auth.signed_headers.empty() || scope.size() != 4 ||
      date.size() != 16 || scope[0] != date.substr(0, 8) || scope[3] != "aws4_request") {
    return "IncompleteSignatureException";
  }
  litellm::detail::SigV4Request request;
  request.method = req.method;
  const std::string& target = req.target;
  const std::size_t question = target.find('?');
  const std::string path = target.substr(0, question);
  const std::string query = question == std::string::npos ? "" : target.substr(question + 1);
  request.path = path;
  request.query = query;
  for (std::size_t pos = 0;;) {
    const std::size_t semicolon = auth.signed_headers.find(';', pos);
    const std::string name = auth.signed_headers.substr(pos, semicolon - pos);
    const std::size_t count = req.get_header_value_count(name);
    if (count == 0) return "InvalidSignatureException";
    for (std::size_t i = 0; i < count; ++i) {
      request.headers.emplace_back(name, req.get_header_value(name, i));
    }
    if (semicolon == std::string::npos) break;
    pos = semicolon + 1;
  }
  request.payload_hash = litellm::detail::sha256_hex(req.body);
  const std::string expected =
      litellm::detail::sigv4_sign(request, auth.access_key_id, secret, scope[1], scope[2], date);
  return expected == req.get_header_value("Authorization") ? "" : "InvalidSignatureException";
}

std::string bedrock_error_type(int status) {
  switch (status) {
    case 400:
      return "ValidationException";
    case 401:  // AWS answers a bad credential with 403; a 401 still names an auth exception
      return "UnrecognizedClientException";
    case 403:
      return "AccessDeniedException";
    case 404:
      return "ResourceNotFoundException";
    case 408:
      return "ModelTimeoutException";
    case 424:
      return "ModelErrorException";
    case 429:
      return "ThrottlingException";
    case 503:
      return "ServiceUnavailableException";
    default:
      return status >= 500 ? "InternalServerException" : "ValidationException";
  }
}

json bedrock_error(const std::string& message) {
  return json{{"message", message}};
}

json bedrock_status_error(int status) {
  switch (status) {
    case 429:
      return bedrock_error("Too many requests, please wait before trying again.");
    case 401:
      return bedrock_error("The security token included in the request is invalid.");
    case 403:
      return bedrock_error("You don't have access to the model with the specified model ID.");
    case 404:
      return bedrock_error("The specified resource could not be found.");
    case 503:
      return bedrock_error("Bedrock is unable to process your request.");
    default:
      return bedrock_error(status >= 500 ? "The server encountered an internal error."
                                         : "The request is not valid.");
  }
}

ChatInput parse_bedrock_chat(const json& body, const BedrockRoute& route) {
  ChatInput in;
  in.model = route.model;
  in.stream = route.action == "converse-stream";
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    throw BadRequest{
        "1 validation error detected: Value at 'messages' failed to satisfy "
        "constraint: Member must not be null",
        "messages"};
  }
  if (body.contains("inferenceConfig") && body["inferenceConfig"].is_object()) {
    in.max_tokens = positive_int(body["inferenceConfig"], "maxTokens");
  }
  if (body.contains("system")) in.prompt_words += count_words(block_text(body["system"], "text"));
  if (body.contains("toolConfig") && body["toolConfig"].is_object()) {
    const json& config = body["toolConfig"];
    for (const json& tool : config.value("tools", json::array())) {
      const json spec = tool.value("toolSpec", json::object());
      if (!spec.contains("name") || !spec["name"].is_string()) {
        throw BadRequest{"The toolSpec needs a name.", "toolConfig"};
      }
      json properties = json::object();
      if (spec.contains("inputSchema") && spec["inputSchema"].is_object()) {
        properties =
            spec["inputSchema"].value("json", json::object()).value("properties", json::object());
      }
      in.tools.push_back(ToolSpec{spec["name"].get<std::string>(), properties});
    }
    const json choice = config.value("toolChoice", json::object());
    if (choice.contains("tool")) in.forced_tool = choice["tool"].value("name", "");
  }
  const json& messages = body["messages"];
  for (const json& message : messages) {
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string()) {
      throw BadRequest{"A message needs a role.", "messages"};
    }
    const json content = message.value("content", json::array());
    const std::string text = block_text(content, "text");
    in.prompt_words += count_words(text) + count_words(block_text(content, "toolResult"));
    if (message["role"] == "user" && !text.empty()) in.last_user_text = text;
  }
  const json& last = messages.back();
  const json last_content = last.value("content", json::array());
  bool has_result = false;
  for (const json& block : last_content) has_result = has_result || block.contains("toolResult");
  if (last["role"] == "user" && has_result) {
    in.tool_result = block_text(last_content, "toolResult");
  } else {
    in.last_is_user = last["role"] == "user";
  }
  return in;
}

json bedrock_message(const ReplyPlan& plan, bool unfinished) {
  const ChoicePlan& c = plan.choices.front();
  json content = json::array();
  if (c.calls.empty()) {
    content.push_back(json{{"text", c.text()}});
  } else {
    for (const ToolCallPlan& call : c.calls) {
      content.push_back(
          json{{"toolUse", {{"toolUseId", call.id}, {"name", call.name}, {"input", call.input}}}});
    }
  }
  json out{{"metrics", {{"latencyMs", 1}}},
           {"output", {{"message", {{"content", content}, {"role", "assistant"}}}}},
           {"usage", bedrock_usage_json(plan)}};
  if (!unfinished) out["stopReason"] = bedrock_stop_reason(c.finish);
  return out;
}

std::string bedrock_event(const std::string& type, const json& payload, bool exception) {
  std::string headers;
  put_string_header(headers, exception ? ":exception-type" : ":event-type", type);
  put_string_header(headers, ":content-type", "application/json");
  put_string_header(headers, ":message-type", exception ? "exception" : "event");
  const std::string body = payload.dump();
  std::string out;
  put_u32(out, static_cast<std::uint32_t>(16 + headers.size() + body.size()));
  put_u32(out, static_cast<std::uint32_t>(headers.size()));
  put_u32(out, sim_crc32(out));
  out += headers;
  out += body;
  put_u32(out, sim_crc32(out));
  return out;
}

std::string bedrock_frame_prelude(std::size_t payload_bytes) {
  std::string out;
  const std::size_t total = std::min<std::size_t>(16 + payload_bytes, UINT32_MAX);
  put_u32(out, static_cast<std::uint32_t>(total));
  put_u32(out, 0);
  put_u32(out, sim_crc32(out));
  return out;
}

StreamPlan bedrock_stream(const ReplyPlan& plan) {
  StreamPlan out;
  out.provider = Provider::bedrock;
  const ChoicePlan& c = plan.choices.front();
  out.add(bedrock_event("messageStart", json{{"role", "assistant"}}));
  if (c.calls.empty()) {
    // Binary framing has lengths and CRCs: every event is rendered whole (no templates; the
    // flood and endless faults render their delta with content_event).
    out.content_from = out.events.size();
    out.content_event = [](const std::string& text) {
      return bedrock_event("contentBlockDelta",
                           json{{"contentBlockIndex", 0}, {"delta", {{"text", text}}}});
    };
    for (std::size_t j = 0; j < c.words.size(); ++j) {
      out.add(bedrock_event("contentBlockDelta", json{{"contentBlockIndex", 0},
                                                      {"delta", {{"text", c.word_chunk(j)}}}}));
    }
    out.add(bedrock_event("contentBlockStop", json{{"contentBlockIndex", 0}}));
  } else {
    for (std::size_t k = 0; k < c.calls.size(); ++k) {
      const ToolCallPlan& call = c.calls[k];
      out.add(bedrock_event(
          "contentBlockStart",
          json{{"contentBlockIndex", k},
               {"start", {{"toolUse", {{"name", call.name}, {"toolUseId", call.id}}}}}}));
      for (const std::string& piece : split_pieces(call.arguments, 3)) {
        out.add(bedrock_event(
            "contentBlockDelta",
            json{{"contentBlockIndex", k}, {"delta", {{"toolUse", {{"input", piece}}}}}}));
      }
      out.add(bedrock_event("contentBlockStop", json{{"contentBlockIndex", k}}));
    }
  }
  out.terminal_from = out.events.size();
  out.add(bedrock_event("messageStop", json{{"stopReason", bedrock_stop_reason(c.finish)}}));
  out.add(bedrock_event(
      "metadata", json{{"metrics", {{"latencyMs", 1}}}, {"usage", bedrock_usage_json(plan)}}));
  return out;
}

json bedrock_embeddings(const json& body, const BedrockRoute& route, const Exchange& ex) {
  const bool cohere = route.model.find("cohere.embed") != std::string::npos;
  json request{{"model", route.model}};
  if (cohere) {
    if (!body.contains("texts") || !body["texts"].is_array() || body["texts"].empty()) {
      throw BadRequest{"Malformed input request: #: required key [texts] not found", "texts"};
    }
    request["input"] = body["texts"];
  } else {
    if (!body.contains("inputText") || !body["inputText"].is_string()) {
      throw BadRequest{"Malformed input request: #: required key [inputText] not found",
                       "inputText"};
    }
    request["input"] = body["inputText"];
    if (body.contains("dimensions")) request["dimensions"] = body["dimensions"];
  }
  const json openai = embeddings_body(request, ex);
  if (cohere) {
    json vectors = json::array();
    for (const json& item : openai["data"]) vectors.push_back(item["embedding"]);
    return json{{"embeddings", vectors},
                {"id", "sim-" + ex.request_id},
                {"response_type", "embeddings_floats"},
                {"texts", body["texts"]}};
  }
  return json{{"embedding", openai["data"][0]["embedding"]},
              {"inputTextTokenCount", openai["usage"]["prompt_tokens"]}};
}

}  // namespace litellm::sim::detail
