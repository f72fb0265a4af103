#pragma once

#include "litellm/detail/failure.hpp"

namespace litellm::detail {

LITELLM_INLINE Failure Failure::from_exception(std::exception_ptr exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const Error& error) {
    return Failure(error);
  } catch (...) {
    Failure foreign;
    foreign.foreign_ = std::move(exception);
    return foreign;
  }
}

LITELLM_INLINE std::exception_ptr Failure::exception() const {
  if (!error_) return foreign_;
  try {
    rethrow_as_kind(*error_);
  } catch (...) {
    return std::current_exception();
  }
}

LITELLM_INLINE void Failure::raise() const {
  if (!error_) std::rethrow_exception(foreign_);
  rethrow_as_kind(*error_);
}

LITELLM_INLINE json CallResult::take() {
  if (failure) failure->raise();
  return std::move(value);
}

}  // namespace litellm::detail
