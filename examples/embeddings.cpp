// Embeddings for a few sentences and their cosine similarities. The vectors are floats whatever
// the encoding_format (base64 answers are decoded).
#include <cmath>
#include <iostream>
#include <vector>

#include "example_support.hpp"

int main() {
  return example::run([] {
    const std::string model =
        example::env("LITELLM_EXAMPLE_EMBEDDING_MODEL", "text-embedding-3-small");
    litellm::LiteLLMBackend backend(example::api_infos(), model, {{"wait_time_per_key", 0}});
    const std::vector<std::string> texts = {"The cat sat on the mat.", "A cat is on a rug.",
                                            "Quarterly revenue grew by 4%."};
    const litellm::json response =
        backend.embedding({{"input", texts}, {"encoding_format", "base64"}});
    std::vector<std::vector<double>> vectors;
    for (const auto& item : response["data"]) {
      vectors.push_back(item["embedding"].get<std::vector<double>>());
    }
    auto cosine = [](const std::vector<double>& a, const std::vector<double>& b) {
      double dot = 0, na = 0, nb = 0;
      for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += b[i] * b[i];
      }
      return dot / (std::sqrt(na) * std::sqrt(nb));
    };
    std::cout << vectors.size() << " vectors of " << vectors.at(0).size() << " floats\n";
    for (std::size_t i = 0; i < texts.size(); ++i) {
      for (std::size_t j = i + 1; j < texts.size(); ++j) {
        std::cout << "cos(" << i << "," << j << ") = " << cosine(vectors[i], vectors[j]) << "\n";
      }
    }
  });
}
