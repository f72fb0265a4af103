// Loads api_infos from a JSON file shaped like the aiflows YAML configuration
// (`api_infos: [{backend_used, api_key, api_base, api_version}]`, with ${oc.env:NAME} values,
// and optional per-key `rpm` / `tpm` limits as litellm's router deployments carry them), then
// makes one call through them.
//
//   config_file <path/to/api_infos.json>
#include <fstream>
#include <iostream>

#include "example_support.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <api_infos.json>\n";
    return 2;
  }
  return example::run([&] {
    std::ifstream file(argv[1]);
    if (!file) throw litellm::ConfigError(std::string("cannot open ") + argv[1]);
    const litellm::json config = litellm::json::parse(file);
    const std::vector<litellm::ApiInfo> infos = litellm::api_infos_from_config(config);
    for (const auto& info : infos) std::cout << "loaded " << info << "\n";  // keys redacted
    litellm::BackendOptions options;
    options.key_pool.rate_limits = litellm::rate_limits_from_config(config);  // rpm / tpm
    litellm::LiteLLMBackend backend(infos, example::model(),
                                    config.value("kwargs", litellm::json::object()), options);
    const auto messages = backend({{"messages", example::user("Say hello in French.")}});
    std::cout << "answer: " << messages[0]["content"].get<std::string>() << "\n";
  });
}
