#pragma once

#include "litellm/detail/engine.hpp"

#include <algorithm>

namespace litellm::detail {

using std::chrono::milliseconds;

inline constexpr milliseconds kMaxPollWait{1000};  // also how soon a freed key is noticed at worst

LITELLM_INLINE Engine::Engine(const CallContext& context)
    : context_(context),
      transport_(*context.options->transport),
      clock_(context.pool->registry()->clock()),
      thread_([this] { run(); }) {}

LITELLM_INLINE Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  transport_.wakeup();
  thread_.join();
}

LITELLM_INLINE std::shared_ptr<Engine::Job> Engine::make_job(
    CallSpec spec, std::function<void(CallResult result)> done) const {
  auto job = std::make_shared<Job>();
  job->call = std::make_unique<RetryLoop>(context_, std::move(spec));
  job->done = std::move(done);
  return job;
}

LITELLM_INLINE void Engine::submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    incoming_.push_back(std::move(job));
  }
  wake_.notify_all();
  transport_.wakeup();
}

LITELLM_INLINE void Engine::submit(std::vector<std::shared_ptr<Job>> jobs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& job : jobs) incoming_.push_back(std::move(job));
  }
  wake_.notify_all();
  transport_.wakeup();
}

LITELLM_INLINE void Engine::cancel(const std::shared_ptr<Job>& job) {
  job->cancelled = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_requested_ = true;
  }
  wake_.notify_all();
  transport_.wakeup();
}

LITELLM_INLINE void Engine::finish(const std::shared_ptr<Job>& job, CallResult result) {
  if (job->active) {
    job->active = false;
    --job->group->active;
  }
  try {
    job->done(std::move(result));
  } catch (...) {
    context_.log(LogLevel::error, "an asynchronous call's completion handler threw");
  }
  // Release the handler (and the promise it holds) now: the caller's future then holds the last
  // reference to the result, which is destroyed on the caller's side, not whenever the engine
  // drops the job.
  job->done = nullptr;
  if (!job->keep_call) job->call.reset();
}

LITELLM_INLINE bool Engine::promote_grouped_jobs() {
  bool promoted = false;
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& group = **it;
    while (!group.queue.empty() &&
           (group.active < group.max_active || group.queue.front()->cancelled)) {
      std::shared_ptr<Job> job = std::move(group.queue.front());
      group.queue.pop_front();
      ++group.started;
      if (job->cancelled) {
        finish(job, cancelled_call("the call was cancelled"));
        continue;
      }
      job->active = true;
      ++group.active;
      job->call->start();
      waiting_.push_back(std::move(job));
      promoted = true;
    }
    if (group.queue.empty() && group.active == 0) {
      group.registered = false;
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
  return promoted;
}

LITELLM_INLINE void Engine::start_ready_jobs(Clock::time_point now, Clock::time_point* next_wake) {
  bool no_key_now = false;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const std::shared_ptr<Job> job = *it;
    if (job->cancelled) {
      it = waiting_.erase(it);
      finish(job, cancelled_call("the call was cancelled"));
      continue;
    }
    if (job->wake_at > now) {
      *next_wake = std::min(*next_wake, job->wake_at);
      ++it;
      continue;
    }
    if (no_key_now) {  // every job sees the same pool: try again when a key is ready
      ++it;
      continue;
    }
    RetryLoop::KeyStep step = job->call->try_take_key(now);
    no_key_now = step.no_key_ready;
    if (step.kind == RetryLoop::KeyStep::Kind::wait) {
      *next_wake = std::min(*next_wake, step.ready_at);
      ++it;
      continue;
    }
    it = waiting_.erase(it);
    if (step.kind == RetryLoop::KeyStep::Kind::finish) {
      finish(job, std::move(step.result));
      continue;
    }
    job->in_flight_index = in_flight_.size();
    in_flight_.push_back(job);
    // Two pointers fit std::function's own storage (no allocation); in_flight_ keeps `job` alive.
    Job* const started = job.get();
    try {
      job->exchange = transport_.start(
          job->call->request(), job->call->sink(),
          [this, started](std::exception_ptr error) { completed_.emplace_back(started, error); });
    } catch (...) {
      // Nothing was sent (no handle, no memory): the attempt ends with that error.
      completed_.emplace_back(started, std::current_exception());
    }
  }
}

LITELLM_INLINE std::shared_ptr<Engine::Job> Engine::take_in_flight(Job* job) {
  const std::size_t index = job->in_flight_index;
  std::shared_ptr<Job> owned = std::move(in_flight_[index]);
  if (index + 1 != in_flight_.size()) {
    in_flight_[index] = std::move(in_flight_.back());
    in_flight_[index]->in_flight_index = index;
  }
  in_flight_.pop_back();
  return owned;
}

LITELLM_INLINE void Engine::process_completions(Clock::time_point* next_wake) {
  while (!completed_.empty()) {
    // The two vectors trade places so that neither loses its capacity.
    std::vector<std::pair<Job*, std::exception_ptr>> done = std::move(processing_);
    done.swap(completed_);
    for (auto& [started, error] : done) {
      const std::shared_ptr<Job> job = take_in_flight(started);
      RetryLoop::Step step = job->call->end_attempt(std::move(error), job->cancelled);
      if (step.kind == RetryLoop::Step::Kind::retry) {
        job->wake_at = step.resume_at;
        if (next_wake != nullptr) *next_wake = std::min(*next_wake, job->wake_at);
        waiting_.push_back(job);
      } else {
        finish(job, std::move(step.result));
      }
    }
    done.clear();
    processing_ = std::move(done);
  }
}

LITELLM_INLINE void Engine::run() {
  while (true) {
    bool cancel_pass = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) break;
      for (auto& job : incoming_) {
        if (job->group) {
          Group& group = *job->group;
          group.queue.push_back(std::move(job));
          if (!group.registered) {
            group.registered = true;
            groups_.push_back(group.queue.back()->group);
          }
        } else {
          job->call->start();
          waiting_.push_back(std::move(job));
        }
      }
      incoming_.clear();
      cancel_pass = std::exchange(cancel_requested_, false);
    }
    try {
      if (cancel_pass) {
        for (const auto& job : in_flight_) {
          if (job->cancelled) transport_.cancel(job->exchange);
        }
        // Cancelled jobs still queued in a full window end now, not when the window frees.
        for (const auto& group : groups_) {
          auto& queue = group->queue;
          for (auto it = queue.begin(); it != queue.end();) {
            if ((*it)->cancelled) {
              const std::shared_ptr<Job> job = std::move(*it);
              it = queue.erase(it);
              ++group->started;
              finish(job, cancelled_call("the call was cancelled"));
            } else {
              ++it;
            }
          }
        }
      }
      promote_grouped_jobs();
      Clock::time_point now = clock_.now();
      Clock::time_point next_wake = now + kMaxPollWait;
      start_ready_jobs(now, &next_wake);
      process_completions(&next_wake);
      // Exchanges that ended inside start() freed window slots: fill them before waiting.
      while (promote_grouped_jobs()) {
        now = clock_.now();
        start_ready_jobs(now, &next_wake);
        process_completions(&next_wake);
      }
      auto wait = std::chrono::ceil<milliseconds>(next_wake - clock_.now());
      wait = std::clamp(wait, milliseconds(0), kMaxPollWait);
      if (!in_flight_.empty()) {
        transport_.poll(wait);
      } else {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, wait,
                       [&] { return stopping_ || cancel_requested_ || !incoming_.empty(); });
      }
      process_completions(nullptr);  // re-queued jobs are looked at on the next turn
    } catch (const std::exception& e) {
      // A safety net: the engine's own code reports nothing by throwing.
      context_.log(LogLevel::error, std::string("the I/O thread caught: ") + e.what());
    }
  }

  // Stopping: abort what runs, fail what waits.
  for (const auto& job : in_flight_) {
    job->cancelled = true;
    transport_.cancel(job->exchange);
  }
  for (int round = 0; !in_flight_.empty() && round < 1000; ++round) {
    transport_.poll(milliseconds(10));
    process_completions(nullptr);
  }
  std::deque<std::shared_ptr<Job>> rest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rest.swap(incoming_);
  }
  for (auto& job : waiting_) rest.push_back(job);
  waiting_.clear();
  for (auto& group : groups_) {
    for (auto& job : group->queue) rest.push_back(job);
    group->queue.clear();
  }
  groups_.clear();
  for (const auto& job : rest) {
    finish(job, cancelled_call("the backend was destroyed"));
  }
}

}  // namespace litellm::detail
