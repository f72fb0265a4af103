#pragma once

#include "litellm/detail/backend_state.hpp"

#include <utility>

namespace litellm::detail {

LITELLM_INLINE BackendState::BackendState(ModelName model_name, BackendOptions options,
                                          std::unique_ptr<KeyPool> pool)
    : model_name_(std::move(model_name)),
      options_(std::move(options)),
      pool_(std::move(pool)),
      context_{&model_name_, &options_, pool_.get()} {}

LITELLM_INLINE BackendState::~BackendState() {
  engine_.reset();  // its thread uses everything else
}

LITELLM_INLINE Engine& BackendState::engine() {
  std::lock_guard<std::mutex> lock(engine_mutex_);
  if (!engine_) engine_ = std::make_unique<Engine>(context_);
  return *engine_;
}

LITELLM_INLINE std::shared_ptr<Engine::Job> BackendState::submit(
    CallSpec spec, std::function<void(CallResult)> done) {
  Engine& io = engine();
  std::shared_ptr<Engine::Job> job = io.make_job(std::move(spec), std::move(done));
  io.submit(job);
  return job;
}

}  // namespace litellm::detail
