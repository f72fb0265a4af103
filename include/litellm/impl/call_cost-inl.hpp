#pragma once

#include "litellm/call_cost.hpp"

#include <algorithm>
#include <cmath>

#include "litellm/detail/json_scan.hpp"

namespace litellm {
namespace detail {

/// Bytes of text per estimated token.
inline constexpr double kBytesPerToken = 4;
/// Tokens of a chat message's framing, and of the reply's priming (OpenAI's count).
inline constexpr double kTokensPerMessage = 4;
inline constexpr double kTokensPerReply = 3;
/// Tokens of one image part (a low-detail tile).
inline constexpr double kTokensPerImage = 85;

/// The bytes of every string in `value` (keys of objects included: tool schemas spend them).
LITELLM_INLINE double text_bytes(const json& value, int depth = 0) noexcept {
  if (depth > 64) return 0;
  switch (value.type()) {
    case json::value_t::string:
      return static_cast<double>(value.get_ref<const std::string&>().size());
    case json::value_t::array: {
      double sum = 0;
      for (const json& item : value) sum += text_bytes(item, depth + 1);
      return sum;
    }
    case json::value_t::object: {
      double sum = 0;
      for (auto it = value.begin(); it != value.end(); ++it) {
        sum += static_cast<double>(it.key().size()) + text_bytes(it.value(), depth + 1);
      }
      return sum;
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
    case json::value_t::boolean:
      return 2;
    default:
      return 0;
  }
}

/// The estimated tokens of one message's content (a string, or a list of parts).
LITELLM_INLINE double content_tokens(const json& content) noexcept {
  if (content.is_string()) {
    return std::ceil(static_cast<double>(content.get_ref<const std::string&>().size()) /
                     kBytesPerToken);
  }
  if (!content.is_array()) return 0;
  double tokens = 0;
  for (const json& part : content) {
    if (!part.is_object()) continue;
    const auto type = part.find("type");
    if (type != part.end() && type->is_string() &&
        (*type == "image_url" || *type == "image" || *type == "input_image")) {
      tokens += kTokensPerImage;
      continue;
    }
    const auto text = part.find("text");
    if (text != part.end() && text->is_string()) {
      tokens += std::ceil(static_cast<double>(text->get_ref<const std::string&>().size()) /
                          kBytesPerToken);
    }
  }
  return tokens;
}

/// A positive number member of `params`, else nullopt.
LITELLM_INLINE std::optional<double> positive_number(const json& params, const char* name) {
  const auto it = params.find(name);
  if (it == params.end() || !it->is_number()) return std::nullopt;
  const double value = it->get<double>();
  if (!(value > 0) || !std::isfinite(value)) return std::nullopt;
  return value;
}

/// A whole number member of `object` read from unparsed text at `p` (see cost_from_usage_text).
LITELLM_INLINE const char* usage_number(const char* p, const char* end, double& out) noexcept {
  json_scan::NumberToken token{};
  const char* after = json_scan::scan_number(p, end, token);
  if (after == nullptr) return nullptr;
  if (!token.negative) {
    out = static_cast<double>(token.mantissa) * std::pow(10.0, static_cast<double>(token.exponent));
  }
  return after;
}

/// The cost a usage object's token counts stand for; nullopt when none is given.
LITELLM_INLINE std::optional<CallCost> cost_of_usage(std::optional<double> prompt,
                                                     std::optional<double> completion,
                                                     std::optional<double> total) noexcept {
  if (!prompt && !completion && !total) return std::nullopt;
  CallCost cost;
  cost.input_tokens = std::max(0.0, prompt.value_or(total.value_or(0) - completion.value_or(0)));
  cost.output_tokens = std::max(0.0, completion.value_or(total ? *total - cost.input_tokens : 0));
  return cost;
}

}  // namespace detail

LITELLM_INLINE CallCost estimate_chat_cost(const json& params) noexcept {
  CallCost cost;
  if (!params.is_object()) return cost;
  double input = detail::kTokensPerReply;
  const auto messages = params.find("messages");
  if (messages != params.end() && messages->is_array()) {
    for (const json& message : *messages) {
      input += detail::kTokensPerMessage;
      if (!message.is_object()) continue;
      for (auto it = message.begin(); it != message.end(); ++it) {
        if (it.key() == "content") {
          input += detail::content_tokens(it.value());
        } else if (it.key() != "role") {
          input += std::ceil(detail::text_bytes(it.value()) / detail::kBytesPerToken);
        }
      }
    }
  }
  const auto tools = params.find("tools");
  if (tools != params.end()) {
    input += std::ceil(detail::text_bytes(*tools) / detail::kBytesPerToken);
  }
  cost.input_tokens = input;
  double per_choice = kDefaultCompletionTokensEstimate;
  if (auto max = detail::positive_number(params, "max_completion_tokens")) {
    per_choice = *max;
  } else if (auto max_tokens = detail::positive_number(params, "max_tokens")) {
    per_choice = *max_tokens;
  }
  const double n = detail::positive_number(params, "n").value_or(1);
  cost.output_tokens = per_choice * n;
  return cost;
}

LITELLM_INLINE CallCost estimate_embedding_cost(const json& params) noexcept {
  CallCost cost;
  if (!params.is_object()) return cost;
  const auto input = params.find("input");
  if (input == params.end()) return cost;
  double tokens = 0;
  const auto count = [&](const json& item) {
    if (item.is_string()) {
      tokens += std::ceil(static_cast<double>(item.get_ref<const std::string&>().size()) /
                          detail::kBytesPerToken);
    } else if (item.is_array()) {
      tokens += static_cast<double>(item.size());  // token ids
    } else if (item.is_number()) {
      tokens += 1;
    }
  };
  if (input->is_array() && !input->empty() && (input->front().is_number())) {
    tokens = static_cast<double>(input->size());  // one list of token ids
  } else if (input->is_array()) {
    for (const json& item : *input) count(item);
  } else {
    count(*input);
  }
  cost.input_tokens = tokens;
  return cost;
}

LITELLM_INLINE std::optional<CallCost> cost_from_usage(const json& response) noexcept {
  if (!response.is_object()) return std::nullopt;
  const auto usage = response.find("usage");
  if (usage == response.end() || !usage->is_object()) return std::nullopt;
  const auto number = [&](const char* name) -> std::optional<double> {
    const auto it = usage->find(name);
    if (it == usage->end() || !it->is_number()) return std::nullopt;
    const double value = it->get<double>();
    if (!(value >= 0) || !std::isfinite(value)) return std::nullopt;
    return value;
  };
  return detail::cost_of_usage(number("prompt_tokens"), number("completion_tokens"),
                               number("total_tokens"));
}

LITELLM_INLINE std::optional<CallCost> cost_from_usage_text(std::string_view body) noexcept {
  namespace scan = detail::json_scan;
  const char* const end = body.data() + body.size();
  const char* p = scan::next_token(body.data(), end);
  if (p == nullptr || *p != '{') return std::nullopt;
  std::optional<double> prompt;
  std::optional<double> completion;
  std::optional<double> total;
  bool found = false;
  constexpr std::size_t kDepth = 64;
  const auto on_usage_member = [&](const char* key, const char* key_end, bool,
                                   const char* at) -> const char* {
    const std::string_view name(key, static_cast<std::size_t>(key_end - key));
    std::optional<double>* slot = name == "prompt_tokens"       ? &prompt
                                  : name == "completion_tokens" ? &completion
                                  : name == "total_tokens"      ? &total
                                                                : nullptr;
    if (slot != nullptr && (*at == '-' || (*at >= '0' && *at <= '9'))) {
      double value = 0;
      const char* after = detail::usage_number(at, end, value);
      if (after != nullptr) *slot = value;
      return after;
    }
    return scan::skip_value(at, end, kDepth - 1);
  };
  const char* after = scan::walk_object(
      p, end, kDepth, [&](const char* key, const char* key_end, bool, const char* at) {
        const std::string_view name(key, static_cast<std::size_t>(key_end - key));
        if (name == "usage" && *at == '{') {
          found = true;
          return scan::walk_object(at, end, kDepth - 1, on_usage_member);
        }
        return scan::skip_value(at, end, kDepth - 1);
      });
  if (after == nullptr || !found) return std::nullopt;
  return detail::cost_of_usage(prompt, completion, total);
}

}  // namespace litellm
