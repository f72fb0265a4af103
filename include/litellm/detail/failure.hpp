// Failures as values: how an error travels inside the library, from where it happened (a
// response, the key pool, the transport) through the call and the retry loop to the public edge,
// which throws it once (the facade's synchronous methods, a future's get(), BatchItem::rethrow).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <exception>
#include <optional>
#include <utility>

#include "litellm/errors.hpp"

namespace litellm::detail {

/// Why a call failed: the library's `Error`, or an exception that is not the library's (a
/// std::bad_alloc, a callback's own exception), kept as thrown so that it reaches the caller
/// unchanged, never relabelled as one of the library's kinds.
class Failure {
 public:
  /// The library's error.
  Failure(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  /// What `exception` holds: a litellm::Error as its value, anything else kept as is.
  static Failure from_exception(std::exception_ptr exception);

  /// The library's error; null for an exception from elsewhere.
  const Error* error() const noexcept { return error_ ? &*error_ : nullptr; }

  /// The failure as an exception: the Error as its kind's subclass (RateLimitError, ...), or the
  /// foreign exception as it was thrown.
  std::exception_ptr exception() const;

  /// Throws `exception()`.
  [[noreturn]] void raise() const;

 private:
  Failure() = default;

  std::optional<Error> error_;
  std::exception_ptr foreign_;  // set when error_ is not
};

/// What a call ended with: its result, or why it failed.
struct CallResult {
  json value;                      ///< The result, when the call succeeded.
  std::optional<Failure> failure;  ///< Why it failed, otherwise.

  /// `value`, moved out; throws the failure instead when there is one (at the public edge).
  json take();
};

/// Runs `action` (code that reports failure by throwing: an adapter, the key pool, a header
/// check) and returns what it threw as a Failure, or nullopt when it returned.
template <typename Action>
std::optional<Failure> failure_of(Action&& action) {
  try {
    std::forward<Action>(action)();
    return std::nullopt;
  } catch (...) {
    return Failure::from_exception(std::current_exception());
  }
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
