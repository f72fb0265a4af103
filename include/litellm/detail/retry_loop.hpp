// The retry loop: one call's attempts, from its first key to the result or the failure it ends
// with. Everything that decides what follows an attempt lives here, as in google-cloud-cpp's
// retry loop, with the retry policy (RetryPolicy: how many attempts, how long a wait the server
// may ask for) and the backoff policy (BackoffPolicy: how long to wait) kept apart:
// - taking a key, within the call's key deadline (max_key_wait, counted from when the call
//   starts looking for a key);
// - after each attempt: reporting its outcome to the key pool, then finishing (success, or a
//   failure that is not retried), rotating (the key left the rotation: the next key, which does
//   not count as an attempt) or retrying (after the backoff or the server's wait hint);
// - when the call resumes after a wait.
// Two drivers step through the same loop: run_call on the caller's thread (it blocks in the key
// pool and sleeps between attempts), and the engine (engine.hpp) on the I/O thread, which waits
// on timers instead and never blocks.
//
// Failures travel as values (Failure, CallResult) and are thrown once, at the public edge (the
// facade's synchronous methods, a future's get(), BatchItem::rethrow). Exceptions are still caught
// where the code called reports by throwing, and nowhere else:
// - the transport (Transport is a public interface: send throws, start's callback receives an
//   exception_ptr): run_call and the engine catch it, CallRunner::end_attempt turns it into a
//   Failure. What runs inside the response sink (the SSE parser, the stream translators, the
//   caller's chunk callback) throws through the transport and arrives the same way;
// - the provider adapters' request builders and response parsers, ModelName::for_backend and the
//   header check: CallRunner::begin_attempt and end_attempt (failure_of);
// - the key pool (a public API: every key out of rotation, the deadline passed): wait_for_key and
//   try_take_key here;
// - callbacks that must not break the library: the logger (ignored: CallContext::log), a
//   completion handler and the I/O thread's own loop (logged: Engine::finish, Engine::run).
// An exception that is not the library's (std::bad_alloc, a callback's own) ends the call at once,
// leaves the key's record alone, and reaches the caller as it was thrown: never relabelled.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include "litellm/detail/call.hpp"
#include "litellm/detail/call_spec.hpp"
#include "litellm/detail/failure.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/retry.hpp"

namespace litellm::detail {

/// What follows a failed attempt.
enum class Verdict {
  give_up,     ///< The call ends with the attempt's error.
  rotate_key,  ///< The key left the rotation: the next key, without counting an attempt.
  retry,       ///< Another attempt, after retry_delay.
  /// A 429: another attempt once a key and model's budget allows (the key pool waits), without
  /// counting an attempt (RetryPolicy::max_rate_limit_retries bounds these).
  wait_for_budget,
};

/// True for a failure the caller caused (a cancellation, a ConfigError): never retried, and not
/// reported against the key.
bool is_callers_doing(const Error& error) noexcept;

/// The retry policy applied to a failed attempt. `error` carries the call's context, `outcome` is
/// what it means for the key, `delivered` whether a chunk reached the caller, `attempts` the
/// attempts made so far (this one included), `rate_limit_waits` the 429s already waited out.
Verdict verdict_after(const Error& error, const KeyOutcome& outcome, bool delivered, int attempts,
                      const RetryPolicy& policy, int rate_limit_waits = 0);

/// The backoff policy applied to a retry after `error` (attempt number `attempts` failed): the
/// server's wait hint, else the backoff; none after a rate limit, which waits in the key pool
/// instead (that key cools down, another may be ready at once).
std::chrono::milliseconds retry_delay(const Error& error, int attempts,
                                      const BackoffPolicy& backoff);

/// One call's retry loop, stepped through by a driver:
/// start, then (wait_for_key or try_take_key, exchange request() into sink(), end_attempt) until
/// a step finishes the call.
class RetryLoop {
 public:
  /// What the driver does after an attempt.
  struct Step {
    enum class Kind { finish, retry };
    Kind kind = Kind::finish;
    CallResult result;              ///< finish: what the call ends with.
    Clock::time_point resume_at{};  ///< retry: when to look for the next key.
  };

  /// How taking a key without waiting went.
  struct KeyStep {
    enum class Kind {
      started,  ///< An attempt has begun: exchange request() into sink().
      wait,     ///< No key is ready: try again at `ready_at`.
      finish,   ///< The call ends with `result`.
    };
    Kind kind = Kind::started;
    Clock::time_point ready_at{};  ///< wait: when the pool's earliest key is ready.
    /// No key was ready (wait, or finish because none is ready before the key deadline): other
    /// calls on the same pool need not try before `ready_at` either.
    bool no_key_ready = false;
    CallResult result;  ///< finish.
  };

  RetryLoop(const CallContext& context, CallSpec spec);

  /// What the call will spend, for the key pool's rate budgets.
  const KeyDemand& demand() const noexcept { return demand_; }

  /// The call starts looking for its first key: its key deadline counts from now.
  void start();
  /// The latest time to take a key for the next attempt (Clock::time_point::max(): no limit).
  Clock::time_point key_deadline() const noexcept { return key_deadline_; }
  /// Attempts begun so far (moving off a rejected key does not count).
  int attempts() const noexcept { return attempts_; }

  /// Waits in the key pool for a key, until the key deadline, and begins an attempt on it. The
  /// call's end when no key came or the request cannot be built for the key.
  std::optional<CallResult> wait_for_key();
  /// Takes a key if one is ready at `now`, without waiting, and begins an attempt on it.
  KeyStep try_take_key(Clock::time_point now);

  /// The request of the current attempt.
  const HttpRequest& request() const noexcept { return runner_.request(); }
  /// The sink of the current attempt.
  ResponseSink& sink() noexcept { return runner_.sink(); }

  /// Ends the current attempt, given how its exchange ended (null: it completed): reports the
  /// outcome to the key pool and decides. `call_cancelled`: the caller cancelled the call
  /// meanwhile, so that instead of another attempt it ends with CancelledError.
  Step end_attempt(std::exception_ptr transport_error, bool call_cancelled = false);

 private:
  std::optional<CallResult> begin_attempt(KeyLease lease);
  /// What the call ends with when taking a key failed with `pool_failure`. When every key is out
  /// of rotation and this call's last response took a key out (401 / 403, an exhausted quota),
  /// that is the response's error (status, provider message, type, code, request id, key id)
  /// with the pool's list of reasons as its message; otherwise `pool_failure`.
  Failure key_failure(Failure pool_failure) const;
  /// The key deadline of a wait for a key that begins at `begin`.
  Clock::time_point key_deadline_from(Clock::time_point begin) const;

  CallContext context_;
  CallRunner runner_;
  Clock& clock_;
  int attempts_ = 0;
  int rate_limit_waits_ = 0;  ///< 429s waited out (not counted in attempts_)
  KeyDemand demand_;
  /// The error of the last attempt when it took its key out of rotation and no attempt began
  /// since (see key_failure).
  std::optional<Error> rejection_;
  std::optional<KeyLease> lease_;
  Clock::time_point key_deadline_ = Clock::time_point::max();
};

/// Runs a call to its end on the calling thread (blocking key waits and retry waits).
CallResult run_call(const CallContext& context, CallSpec spec);

/// Blocks until `clock` reaches `deadline` (so a fake clock can drive it in tests).
void sleep_until(Clock& clock, Clock::time_point deadline);

/// A call's end by cancellation: CancelledError saying `why`.
CallResult cancelled_call(const std::string& why);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
