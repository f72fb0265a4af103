#pragma once

#include "litellm/detail/retry_loop.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>

namespace litellm::detail {

using std::chrono::milliseconds;

// ---- The policies ------------------------------------------------------------------------------

LITELLM_INLINE bool is_callers_doing(const Error& error) noexcept {
  return error.kind() == ErrorKind::cancelled || error.kind() == ErrorKind::config;
}

LITELLM_INLINE Verdict verdict_after(const Error& error, const KeyOutcome& outcome, bool delivered,
                                     int attempts, const RetryPolicy& policy,
                                     int rate_limit_waits) {
  // A chunk that reached the caller cannot be taken back.
  if (is_callers_doing(error) || delivered) return Verdict::give_up;
  // The server's x-should-retry: false ends the call here, even when another key could be tried.
  if (error.details().should_retry == false) return Verdict::give_up;
  if (outcome.kind == KeyOutcome::Kind::auth_failed ||
      outcome.kind == KeyOutcome::Kind::quota_exhausted) {
    return Verdict::rotate_key;
  }
  // The server asks for a longer wait than we accept. Not for a per-day limit: its wait (the
  // reset, hours away) keeps that key and model out while another key may answer at once.
  if (error.retry_after() && *error.retry_after() > policy.max_retry_after &&
      !outcome.daily_quota) {
    return Verdict::give_up;
  }
  // A rate limit is waited out on the budget's schedule: not a failure of the attempt.
  if (outcome.kind == KeyOutcome::Kind::rate_limited && !outcome.daily_quota &&
      error.details().should_retry != false) {
    return rate_limit_waits < policy.max_rate_limit_retries ? Verdict::wait_for_budget
                                                            : Verdict::give_up;
  }
  if (!error.retryable() || attempts >= policy.max_attempts) return Verdict::give_up;
  // A stream that outlived Timeouts::stream_total would do so again.
  if (error.kind() == ErrorKind::timeout && error.error_code() == "stream_total") {
    return Verdict::give_up;
  }
  return Verdict::retry;
}

LITELLM_INLINE milliseconds retry_delay(const Error& error, int attempts,
                                        const BackoffPolicy& backoff) {
  if (error.kind() == ErrorKind::rate_limit) return milliseconds(0);
  return error.retry_after() ? *error.retry_after() : backoff.delay(attempts);
}

// ---- RetryLoop ---------------------------------------------------------------------------------

LITELLM_INLINE RetryLoop::RetryLoop(const CallContext& context, CallSpec spec)
    : context_(context),
      runner_(context, std::move(spec)),
      clock_(context.pool->registry()->clock()) {
  const CallSpec& s = runner_.spec();
  demand_.cost = s.kind == CallKind::embedding ? estimate_embedding_cost(s.params)
                                               : estimate_chat_cost(s.params);
  demand_.model_for = [model_name = context.model_name](const ApiInfo& info) -> std::string {
    try {
      return strip_model_prefix(model_name->for_backend(info.backend_used), info.backend_used);
    } catch (...) {
      return std::string();  // a model map without this backend: the call fails on this key
    }
  };
}

LITELLM_INLINE void RetryLoop::start() {
  key_deadline_ = key_deadline_from(clock_.now());
}

LITELLM_INLINE Clock::time_point RetryLoop::key_deadline_from(Clock::time_point begin) const {
  const std::optional<milliseconds>& max_wait = runner_.spec().max_key_wait;
  if (!max_wait) return Clock::time_point::max();
  // Saturate: a wait beyond what the clock can represent (milliseconds::max()) is no limit.
  const auto room = std::chrono::duration_cast<milliseconds>(Clock::time_point::max() - begin);
  if (*max_wait >= room) return Clock::time_point::max();
  return begin + *max_wait;
}

LITELLM_INLINE std::optional<CallResult> RetryLoop::wait_for_key() {
  std::optional<KeyLease> lease;
  if (std::optional<Failure> failure = failure_of(
          [&] { lease.emplace(context_.pool->acquire_until(key_deadline_, {}, &demand_)); })) {
    return CallResult{json(), key_failure(std::move(*failure))};
  }
  return begin_attempt(std::move(*lease));
}

LITELLM_INLINE RetryLoop::KeyStep RetryLoop::try_take_key(Clock::time_point now) {
  KeyStep step;
  step.kind = KeyStep::Kind::finish;
  milliseconds retry_after{0};
  std::optional<KeyLease> lease;
  if (std::optional<Failure> failure =
          failure_of([&] { lease = context_.pool->try_acquire(&retry_after, &demand_); })) {
    step.result.failure = key_failure(std::move(*failure));
    return step;
  }
  if (!lease) {
    step.no_key_ready = true;
    const Clock::time_point ready = now + std::max(retry_after, milliseconds(1));
    if (ready > key_deadline_) {
      // As KeyPool::acquire_until reports it to a caller that waits.
      ErrorDetails details;
      details.retry_after = retry_after;
      details.provider = context_.pool->api_infos().front().backend_used;
      step.result.failure = key_failure(
          RateLimitError("no key is ready before the deadline; the earliest is ready in " +
                             std::to_string(retry_after.count()) + " ms",
                         std::move(details)));
      return step;
    }
    step.kind = KeyStep::Kind::wait;
    step.ready_at = ready;
    return step;
  }
  if (std::optional<CallResult> ended = begin_attempt(std::move(*lease))) {
    step.result = std::move(*ended);
    return step;
  }
  step.kind = KeyStep::Kind::started;
  return step;
}

LITELLM_INLINE std::optional<CallResult> RetryLoop::begin_attempt(KeyLease lease) {
  rejection_.reset();
  if (std::optional<Failure> failure = runner_.begin_attempt(lease.api_info())) {
    lease.undo_use();  // nothing was sent: the key is not consumed
    return CallResult{json(), std::move(failure)};
  }
  lease_.emplace(std::move(lease));
  ++attempts_;
  return std::nullopt;
}

LITELLM_INLINE Failure RetryLoop::key_failure(Failure pool_failure) const {
  const Error* error = pool_failure.error();
  if (!rejection_ || error == nullptr) return pool_failure;
  // The pool's "every key is out of rotation" (AuthError, or RateLimitError with
  // insufficient_quota when every quota is gone); its deadline error is neither.
  if (error->kind() != ErrorKind::auth && !error->is_quota_exhausted()) return pool_failure;
  return Error(rejection_->kind(), error->message(), rejection_->details());
}

LITELLM_INLINE RetryLoop::Step RetryLoop::end_attempt(std::exception_ptr transport_error,
                                                      bool call_cancelled) {
  AttemptResult attempt = runner_.end_attempt(std::move(transport_error));
  Step step;
  if (!attempt.failure) {
    KeyOutcome success = KeyOutcome::success();
    success.usage = attempt.usage;
    success.limits = attempt.limits;
    lease_->report(success);
    if (attempts_ > 1) {
      context_.log(LogLevel::info, "call succeeded on attempt " + std::to_string(attempts_) +
                                       " with key " + lease_->key_id());
    }
    lease_.reset();
    step.result.value = std::move(attempt.value);
    return step;
  }
  const Error* raw = attempt.failure->error();
  if (raw == nullptr) {
    // Not the provider's doing (the caller's callback threw, memory ran out): the key's record
    // is left alone, and the exception goes to the caller as it is.
    lease_.reset();
    step.result.failure = std::move(attempt.failure);
    return step;
  }
  const Error error = with_context(*raw, lease_->api_info(), context_.pool->api_infos(),
                                   lease_->key_id(), attempts_, attempt.partial);
  const bool caller_side = is_callers_doing(error);  // not the key's doing: not reported
  KeyOutcome outcome = KeyOutcome::from_error(error);
  outcome.limits = attempt.limits;
  const std::string key_id = lease_->key_id();
  if (!caller_side) lease_->report(outcome);
  lease_.reset();
  context_.log(LogLevel::warning, "attempt " + std::to_string(attempts_) + " with key " + key_id +
                                      " failed: " + error.what());

  const CallSpec& spec = runner_.spec();
  const Verdict verdict =
      verdict_after(error, outcome, attempt.delivered, attempts_, spec.retry, rate_limit_waits_);
  const bool key_out = outcome.kind == KeyOutcome::Kind::auth_failed ||
                       outcome.kind == KeyOutcome::Kind::quota_exhausted;
  if (key_out && !caller_side && !attempt.delivered) {
    context_.log(LogLevel::warning, "key " + key_id + " is out of rotation: " + outcome.reason);
  }
  milliseconds delay{0};
  switch (verdict) {
    case Verdict::give_up:
      step.result.failure = error;
      return step;
    case Verdict::rotate_key:
      --attempts_;  // moving to the next key is not a retry
      rejection_.emplace(error);
      break;
    case Verdict::wait_for_budget:
      --attempts_;  // a rate limit waited out is not a failed attempt
      ++rate_limit_waits_;
      break;
    case Verdict::retry:
      if (error.kind() != ErrorKind::rate_limit) {
        delay = retry_delay(error, attempts_, context_.options->backoff);
        context_.log(LogLevel::info, "retrying in " + std::to_string(delay.count()) + " ms");
      }
      break;
  }
  if (call_cancelled) {
    step.result = cancelled_call("the call was cancelled");
    return step;
  }
  step.kind = Step::Kind::retry;
  step.resume_at = clock_.now() + delay;
  key_deadline_ = key_deadline_from(step.resume_at);
  return step;
}

// ---- The synchronous driver --------------------------------------------------------------------

LITELLM_INLINE CallResult run_call(const CallContext& context, CallSpec spec) {
  RetryLoop loop(context, std::move(spec));
  Clock& clock = context.pool->registry()->clock();
  Transport& transport = *context.options->transport;
  loop.start();
  while (true) {
    if (std::optional<CallResult> ended = loop.wait_for_key()) return std::move(*ended);
    std::exception_ptr error;
    try {
      transport.send(loop.request(), loop.sink());
    } catch (...) {
      error = std::current_exception();  // a value from here on (see the file comment)
    }
    RetryLoop::Step step = loop.end_attempt(std::move(error));
    if (step.kind == RetryLoop::Step::Kind::finish) return std::move(step.result);
    sleep_until(clock, step.resume_at);
  }
}

LITELLM_INLINE void sleep_until(Clock& clock, Clock::time_point deadline) {
  if (clock.now() >= deadline) return;
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mutex);
  while (clock.now() < deadline) clock.wait_until(cv, lock, deadline);
}

LITELLM_INLINE CallResult cancelled_call(const std::string& why) {
  return CallResult{json(), Failure(CancelledError(why))};
}

}  // namespace litellm::detail
