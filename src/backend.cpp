#include "litellm/backend.hpp"

#include <chrono>
#include <cmath>

namespace litellm {

// ---- ModelName ---------------------------------------------------------------------------------

ModelName::ModelName(const json& value) {
  if (value.is_string()) {
    single_ = value.get<std::string>();
    return;
  }
  if (!value.is_object()) {
    throw ConfigError(std::string("model_name must be a string or an object from backend to "
                                  "model, got ") +
                      value.type_name());
  }
  is_map_ = true;
  for (const auto& [backend, model] : value.items()) {
    if (!model.is_string()) {
      throw ConfigError("model_name['" + backend + "'] must be a string, got " +
                        model.type_name());
    }
    by_backend_[backend] = model.get<std::string>();
  }
}

const std::string& ModelName::for_backend(const std::string& backend_used) const {
  if (!is_map_) return single_;
  const auto it = by_backend_.find(backend_used);
  if (it == by_backend_.end()) {
    std::string known;
    for (const auto& entry : by_backend_) known += (known.empty() ? "" : ", ") + entry.first;
    throw ConfigError("model_name has no model for backend '" + backend_used + "' (it has: " +
                      (known.empty() ? std::string("none") : known) + ")");
  }
  return it->second;
}

namespace {

std::chrono::steady_clock::duration read_wait_time(const json& value) {
  if (!value.is_number()) {
    throw ConfigError(std::string("wait_time_per_key must be a number of seconds, got ") +
                      value.type_name());
  }
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 365.0 * 24 * 3600) {
    throw ConfigError("wait_time_per_key must be between 0 and one year of seconds");
  }
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds));
}

}  // namespace

// ---- LiteLLMBackend ----------------------------------------------------------------------------

LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs)
    : LiteLLMBackend(std::move(api_infos), std::move(model_name), std::move(kwargs),
                     BackendOptions{}) {}

LiteLLMBackend::LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs,
                               BackendOptions options)
    : model_name_(std::move(model_name)), options_(std::move(options)) {
  if (kwargs.is_null()) kwargs = json::object();
  if (!kwargs.is_object()) {
    throw ConfigError(std::string("kwargs must be a JSON object, got ") + kwargs.type_name());
  }
  KeyPoolOptions pool_options = options_.key_pool;
  pool_options.wait_per_key = std::chrono::seconds(6);
  if (const auto it = kwargs.find("wait_time_per_key"); it != kwargs.end()) {
    pool_options.wait_per_key = read_wait_time(*it);
    kwargs.erase(it);
  }
  if (const auto it = kwargs.find("embeddings_call"); it != kwargs.end()) {
    if (!it->is_boolean()) {
      throw ConfigError(std::string("embeddings_call must be a boolean, got ") + it->type_name());
    }
    embeddings_call_ = it->get<bool>();
    kwargs.erase(it);
  }
  defaults_ = std::move(kwargs);
  if (model_name_.is_map()) {
    bool any = false;
    for (const ApiInfo& info : api_infos) {
      try {
        model_name_.for_backend(info.backend_used);
        any = true;
      } catch (const ConfigError&) {
      }
    }
    if (!any && !api_infos.empty()) {
      throw ConfigError("model_name names none of the api_infos' backends");
    }
  }
  if (!options_.key_registry) options_.key_registry = KeyRegistry::global();
  pool_ = std::make_unique<KeyPool>(std::move(api_infos), pool_options, options_.key_registry);
}

ApiInfo LiteLLMBackend::get_key() { return pool_->get_key(); }

std::string LiteLLMBackend::make_unique_api_info_key(const ApiInfo& info) {
  return litellm::make_unique_api_info_key(info);
}

}  // namespace litellm
