// What a LiteLLMBackend's calls share: the model setting, the options, the key pool and, from the
// first asynchronous call or batch on, the I/O engine. The facade (backend.hpp) owns one and
// holds nothing else its calls need; the calls and the engine depend on this type, never on the
// facade.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <functional>
#include <memory>
#include <mutex>

#include "litellm/detail/call.hpp"
#include "litellm/detail/call_spec.hpp"
#include "litellm/detail/engine.hpp"
#include "litellm/detail/failure.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/options.hpp"

namespace litellm::detail {

class BackendState {
 public:
  /// Takes settings already checked (the facade's constructor checks them).
  BackendState(ModelName model_name, BackendOptions options, std::unique_ptr<KeyPool> pool);
  /// Stops the engine first (its calls end with CancelledError), then the rest goes.
  ~BackendState();
  BackendState(const BackendState&) = delete;
  BackendState& operator=(const BackendState&) = delete;

  const ModelName& model_name() const noexcept { return model_name_; }
  const BackendOptions& options() const noexcept { return options_; }
  KeyPool& pool() noexcept { return *pool_; }
  /// What each call sees of the backend.
  const CallContext& context() const noexcept { return context_; }

  /// The I/O engine, started on first use (thread-safe).
  Engine& engine();
  /// Runs `spec` on the engine; `done` gets the result or the failure on the engine thread.
  std::shared_ptr<Engine::Job> submit(CallSpec spec, std::function<void(CallResult)> done);

 private:
  ModelName model_name_;
  BackendOptions options_;
  std::unique_ptr<KeyPool> pool_;
  CallContext context_;
  std::mutex engine_mutex_;
  std::unique_ptr<Engine> engine_;  // created on the first asynchronous call
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
