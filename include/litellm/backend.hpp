/// @file
/// `LiteLLMBackend`: the C++ counterpart of `aiflows.backends.llm_lite.LiteLLMBackend`.
///
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/api_info.hpp"
#include "litellm/errors.hpp"
#include "litellm/key_pool.hpp"

namespace litellm {

/// The model to call: one name for every backend, or one per `backend_used`.
///
/// Converts implicitly from a string (a literal works), from a JSON string or object, and from a
/// `std::map<std::string, std::string>` from backend name to model. A provider prefix
/// (`azure/<deployment>`, `anthropic/<model>`, ...) is stripped before sending.
class ModelName {
 public:
  /// One model name for every backend.
  ModelName(const char* name) : single_(name ? name : "") {}  // NOLINT(google-explicit-constructor)
  /// One model name for every backend.
  ModelName(std::string name) : single_(std::move(name)) {}  // NOLINT(google-explicit-constructor)
  /// A map from backend name to model.
  ModelName(std::map<std::string, std::string> by_backend)  // NOLINT(google-explicit-constructor)
      : by_backend_(std::move(by_backend)), is_map_(true) {}
  /// A JSON string (one name) or object (backend -> model); anything else is a ConfigError.
  ModelName(const json& value);  // NOLINT(google-explicit-constructor)

  /// The model for `backend_used`.
  /// @throws ConfigError naming the backend when this is a map without it.
  const std::string& for_backend(const std::string& backend_used) const;
  /// True when this maps backends to models.
  bool is_map() const noexcept { return is_map_; }

 private:
  std::string single_;
  std::map<std::string, std::string> by_backend_;
  bool is_map_ = false;
};

/// Per-backend settings that are not request parameters.
struct BackendOptions {
  /// The key registry the backend's pool uses: the process-wide one by default, so backends
  /// given the same key share its timer (as in the Python original).
  std::shared_ptr<KeyRegistry> key_registry = KeyRegistry::global();
  /// Cooldown policy for rate-limited keys and its cap. `wait_per_key` here is ignored: it comes
  /// from the `wait_time_per_key` kwarg.
  KeyPoolOptions key_pool;
};

/// Rotates calls across many API keys. (The provider calls come with the provider adapters.)
///
/// As in Python, `kwargs` may hold `wait_time_per_key` (seconds, default 6: the least time
/// between two uses of one key) and `embeddings_call` (default false); every other member is a
/// default request parameter sent on every call.
class LiteLLMBackend {
 public:
  /// @throws ConfigError for an empty or invalid `api_infos`, a bad `wait_time_per_key` or
  /// `embeddings_call`, or a model map that names none of the keys' backends.
  LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name,
                 json kwargs = json::object());
  /// As above, with options that are not request parameters.
  LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs,
                 BackendOptions options);

  /// The next key to use: the least recently used one whose last use is more than
  /// `wait_time_per_key` ago, stamped as used now; waits until one is.
  ApiInfo get_key();

  /// `litellm::make_unique_api_info_key(info)` (see key_pool.hpp for the format).
  static std::string make_unique_api_info_key(const ApiInfo& info);

  /// The key pool (snapshots, restore, non-blocking choice).
  KeyPool& key_pool() noexcept { return *pool_; }
  /// The default request parameters (kwargs without the consumed members).
  const json& default_params() const noexcept { return defaults_; }
  /// The model setting.
  const ModelName& model_name() const noexcept { return model_name_; }
  /// Whether `operator()` calls the embeddings endpoint (`embeddings_call`).
  bool embeddings_call() const noexcept { return embeddings_call_; }

 private:
  ModelName model_name_;
  json defaults_;
  bool embeddings_call_ = false;
  BackendOptions options_;
  std::unique_ptr<KeyPool> pool_;
};

}  // namespace litellm
