// The backend's I/O thread: runs many calls at once without a thread each.
//
// Jobs (one call's RetryLoop each) are submitted from any thread. The engine thread drives each
// call's retry loop without blocking: it takes keys when they are ready (a job waits, on a timer,
// until the pool's earliest key is ready), starts exchanges on the transport's non-blocking
// interface, polls it, and on each exchange's end lets the retry loop decide: finish, or retry
// at a later time (a timer again). Results go to each job's callback, on the engine thread.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "litellm/detail/call.hpp"
#include "litellm/detail/call_spec.hpp"
#include "litellm/detail/failure.hpp"
#include "litellm/detail/retry_loop.hpp"

namespace litellm::detail {

class Engine {
 public:
  struct Job;

  /// Jobs that share a concurrency window (a batch): at most `max_active` of them are started
  /// and not finished at once; the engine starts the next queued one as one finishes.
  struct Group {
    explicit Group(std::size_t max) : max_active(max) {}
    const std::size_t max_active;
    std::atomic<std::size_t> started{0};  ///< Jobs taken from the queue so far (any thread).

    // Engine thread only.
    std::size_t active = 0;
    std::deque<std::shared_ptr<Job>> queue;
    bool registered = false;
  };

  /// One call run by the engine.
  struct Job {
    std::unique_ptr<RetryLoop> call;
    /// Called once, on the engine thread, with the result or the failure.
    std::function<void(CallResult result)> done;
    /// Set from any thread by Engine::cancel.
    std::atomic<bool> cancelled{false};

    /// The window this job belongs to, if any.
    std::shared_ptr<Group> group;
    /// When set, the call outlives the job's end: the submitter destroys it once it has the
    /// result (a batch does so on its calling thread, sparing the I/O thread that work). The
    /// engine no longer touches a job once `done` has been called.
    bool keep_call = false;

    // Engine thread only.
    bool active = false;              ///< Counted in its group's window.
    Clock::time_point wake_at{};      ///< When the call's retry loop resumes.
    std::size_t in_flight_index = 0;  ///< Its place in in_flight_ while in flight.
    Transport::ExchangeId exchange = 0;
  };

  explicit Engine(const CallContext& context);
  /// Cancels every job (their callbacks get CancelledError) and joins the thread.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// A job running `spec`, whose `done` is `done` (not submitted yet).
  std::shared_ptr<Job> make_job(CallSpec spec, std::function<void(CallResult result)> done) const;
  /// Runs `job` (thread-safe).
  void submit(std::shared_ptr<Job> job);
  /// Runs every job of `jobs` (thread-safe), taking the engine's lock once.
  void submit(std::vector<std::shared_ptr<Job>> jobs);
  /// Ends `job` with CancelledError unless it has finished (thread-safe).
  void cancel(const std::shared_ptr<Job>& job);

 private:
  void run();
  /// Moves queued jobs of each group into waiting_ while its window has room; true when it
  /// moved any.
  bool promote_grouped_jobs();
  void start_ready_jobs(Clock::time_point now, Clock::time_point* next_wake);
  /// Ends or re-queues the jobs whose exchange ended; `next_wake` (if given) learns when a
  /// re-queued job wants to run.
  void process_completions(Clock::time_point* next_wake);
  /// Removes `job` from in_flight_ and returns it.
  std::shared_ptr<Job> take_in_flight(Job* job);
  void finish(const std::shared_ptr<Job>& job, CallResult result);

  CallContext context_;
  Transport& transport_;
  Clock& clock_;

  std::mutex mutex_;  // guards incoming_, stopping_, cancel_requested_
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> incoming_;
  bool stopping_ = false;
  bool cancel_requested_ = false;

  // Engine thread only.
  std::deque<std::shared_ptr<Job>> waiting_;
  std::vector<std::shared_ptr<Group>> groups_;
  std::vector<std::shared_ptr<Job>> in_flight_;                  // in no particular order
  std::vector<std::pair<Job*, std::exception_ptr>> completed_;   // ended exchanges (in in_flight_)
  std::vector<std::pair<Job*, std::exception_ptr>> processing_;  // completed_'s spare capacity

  std::thread thread_;
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
