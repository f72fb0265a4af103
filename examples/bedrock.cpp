// AWS Bedrock through the Converse API: a plain answer, a streamed one and an embedding, with
// SigV4-signed requests (or a Bedrock API key).
//
// Credentials: ApiInfo{"bedrock", REGION, "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]"} or a
// Bedrock API key, here from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION, or AWS_BEARER_TOKEN_BEDROCK). With LITELLM_EXAMPLE_BASE set
// (examples/run-demo.sh) it calls the bundled provider simulator, which checks the signatures.
// The models: LITELLM_EXAMPLE_MODEL (default us.amazon.nova-micro-v1:0) and
// LITELLM_EXAMPLE_EMBEDDING_MODEL (default amazon.titan-embed-text-v2:0).
#include <iostream>
#include <vector>

#include "example_support.hpp"

int main() {
  std::vector<litellm::ApiInfo> infos;
  if (const std::string base = example::simulator_base(); !base.empty()) {
    // The demo key run-demo.sh gives the simulator: it checks signatures with this secret.
    infos.push_back({"bedrock", std::string("us-east-1"),
                     "AKIDDEMOKEY000000001:demoSecretKey/aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", base});
  } else {
    for (const litellm::ApiInfo& info : litellm::api_infos_from_env()) {
      if (info.backend_used == "bedrock") infos.push_back(info);
    }
  }
  if (infos.empty()) {
    std::cerr << "No AWS credentials found. Set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
                 "AWS_REGION (or AWS_BEARER_TOKEN_BEDROCK and AWS_REGION), or run "
                 "examples/run-demo.sh to use the bundled provider simulator.\n";
    return 2;
  }
  const std::string model = example::env("LITELLM_EXAMPLE_MODEL", "us.amazon.nova-micro-v1:0");
  const std::string embedding_model =
      example::env("LITELLM_EXAMPLE_EMBEDDING_MODEL", "amazon.titan-embed-text-v2:0");
  return example::run([&] {
    litellm::LiteLLMBackend chat(infos, model, {{"wait_time_per_key", 0}});
    const litellm::json answer =
        chat.completion({{"messages", example::user("Name the capital of France in one word.")},
                         {"max_tokens", 50}});
    std::cout << "plain: " << answer["choices"][0]["message"]["content"] << "\n";

    std::cout << "streamed: ";
    const litellm::json streamed = chat.completion(
        {{"messages", example::user("Count from one to five.")}, {"max_tokens", 50}},
        [](const litellm::json& chunk) {
          for (const auto& choice : chunk["choices"]) {
            const auto content = choice["delta"].value("content", litellm::json());
            if (content.is_string()) std::cout << content.get<std::string>() << std::flush;
          }
          return true;
        });
    std::cout << "\n[finish_reason " << streamed["choices"][0]["finish_reason"] << ", usage "
              << streamed.value("usage", litellm::json()).dump() << "]\n";

    litellm::LiteLLMBackend embed(infos, embedding_model, {{"wait_time_per_key", 0}});
    const litellm::json vectors = embed.embedding({{"input", "Bedrock embeddings"}});
    std::cout << "embedding: " << vectors["data"][0]["embedding"].size() << " floats\n";
  });
}
