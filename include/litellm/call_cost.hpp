/// @file
/// What a call spends of a key's rate budgets: estimated before it is sent, so that calls in
/// flight together reserve their share, and corrected with the answer's `usage` afterwards.
///
/// ## The estimator
/// Prompt tokens: one token per 4 bytes of UTF-8 text (OpenAI's rule of thumb for English; the
/// cookbook's parallel request processor counts the same way within a few percent), rounded up,
/// over every string in the messages (contents and their text parts, tool call arguments, names)
/// and the tool definitions, plus 4 tokens per message and 3 for the reply's priming, as OpenAI
/// counts a chat. Images count 85 tokens each (a low-detail tile).
/// Completion tokens: `max_completion_tokens`, else `max_tokens`, else
/// `kDefaultCompletionTokensEstimate`, times `n` (providers count each choice's tokens).
/// Embeddings: the input's tokens (strings at 4 bytes per token, token arrays as they are).
///
/// The estimate only needs to be close: after the answer the reservation is corrected with the
/// actual usage, and every response's rate-limit headers bring the budget back to what the
/// provider says remains.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "litellm/rate_limits.hpp"

namespace litellm {

using json = nlohmann::json;

/// The completion tokens a chat call is estimated to spend per choice when it sets no
/// `max_tokens` / `max_completion_tokens`.
inline constexpr double kDefaultCompletionTokensEstimate = 256;

/// What a call spends, per limited quantity.
struct LITELLM_API CallCost {
  double requests = 1;       ///< Requests: 1 per call.
  double input_tokens = 0;   ///< Prompt tokens.
  double output_tokens = 0;  ///< Completion tokens (all choices).

  /// Prompt and completion tokens.
  double tokens() const noexcept { return input_tokens + output_tokens; }
  /// The amount of one quantity.
  double of(RateDimension dimension) const noexcept {
    switch (dimension) {
      case RateDimension::requests:
        return requests;
      case RateDimension::tokens:
        return tokens();
      case RateDimension::input_tokens:
        return input_tokens;
      case RateDimension::output_tokens:
        return output_tokens;
    }
    return 0;
  }
};

/// The estimated cost of a chat completion with these OpenAI-format parameters (see the file
/// comment). Never throws on odd input: what is not understood counts nothing.
LITELLM_API CallCost estimate_chat_cost(const json& params) noexcept;

/// The estimated cost of an embeddings call with these parameters (`input`).
LITELLM_API CallCost estimate_embedding_cost(const json& params) noexcept;

/// The actual cost from a response's `usage` (`prompt_tokens`, `completion_tokens`, or
/// `total_tokens` alone for embeddings); nullopt when it has none.
LITELLM_API std::optional<CallCost> cost_from_usage(const json& response) noexcept;

/// The same, read from a response body that was not parsed (a top-level `usage` member), without
/// parsing the rest; nullopt when it has none or the text is not a JSON object.
LITELLM_API std::optional<CallCost> cost_from_usage_text(std::string_view body) noexcept;

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
