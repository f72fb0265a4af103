#pragma once

#include "litellm/options.hpp"

#include <string>

namespace litellm {

// ---- ModelName ---------------------------------------------------------------------------------

LITELLM_INLINE ModelName::ModelName(const json& value) {
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
      throw ConfigError("model_name['" + backend + "'] must be a string, got " + model.type_name());
    }
    by_backend_[backend] = model.get<std::string>();
  }
}

LITELLM_INLINE const std::string& ModelName::for_backend(const std::string& backend_used) const {
  if (!is_map_) return single_;
  const auto it = by_backend_.find(backend_used);
  if (it == by_backend_.end()) {
    std::string known;
    for (const auto& entry : by_backend_) known += (known.empty() ? "" : ", ") + entry.first;
    throw ConfigError("model_name has no model for backend '" + backend_used +
                      "' (it has: " + (known.empty() ? std::string("none") : known) + ")");
  }
  return it->second;
}

}  // namespace litellm
