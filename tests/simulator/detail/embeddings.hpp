// The embeddings endpoints (OpenAI and Azure; Gemini batchEmbedContents): its request checks and
// its response body, whose vectors are deterministic unit vectors that depend only on their input
// text.
#pragma once

#include "exchange.hpp"

namespace litellm::sim::detail {

/// The response body to an embeddings request body: one vector per input (`dimensions`, default
/// 8; `encoding_format` "float" or "base64"), usage counting words. Throws BadRequest.
json embeddings_body(const json& body, const Exchange& ex);

/// The response body to a Gemini batchEmbedContents request body (`requests[]`, each with
/// `content.parts[].text` and an optional `outputDimensionality`): `{"embeddings": [{"values"}],
/// "usageMetadata": {"promptTokenCount", "promptTokenDetails"}}` with the same vectors.
/// Throws BadRequest.
json gemini_embeddings_body(const json& body, const Exchange& ex);

}  // namespace litellm::sim::detail
