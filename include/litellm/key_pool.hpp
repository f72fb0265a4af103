/// @file
/// Key rotation: the pool behind `LiteLLMBackend::get_key`.
///
/// A `KeyPool` hands out the ApiInfos it was given so that each key is used at most once per
/// `wait_per_key`: it picks the least recently used ready key (ties to the first given), stamping
/// it in the same critical section, and when no key is ready it waits (without holding any lock)
/// until the earliest one is. Calls report their outcome back, which puts a rate-limited key on a
/// cooldown and takes a rejected key out of rotation.
///
/// ## Rate budgets
/// Providers limit each key by requests and tokens per minute, per model (rate_limits.hpp). A
/// call that says what it will spend (`KeyDemand`: its estimated CallCost and the model each key
/// would be called with) goes to a key only when that key and model's budget covers it; else to
/// another ready key (least recently used first, as always); else it waits for the earliest. It
/// reserves its cost when it takes the key, so calls in flight together never spend the same
/// budget twice, and its report settles the reservation with the actual usage and teaches the
/// budget what the response's rate-limit headers say (see detail/rate_budget.hpp). Budgets
/// come from `KeyPoolOptions::rate_limits` (configured) or from the headers (learned); with
/// neither, and for calls without a demand, keys are chosen by `wait_per_key` alone, as in the
/// Python original. A 429 cools down only the key and model it came for, and a per-day quota
/// (OpenAI's "requests per day", Gemini's `...PerDay...` quotas) takes that key and model out
/// until its reset.
///
/// Per-key state lives in a `KeyRegistry`, process-wide by default and keyed by
/// `make_unique_api_info_key`, so two pools (or backends) given the same key share its timer, as
/// in the Python original. `KeyRegistry::open` (or the environment variable `LITELLM_KEY_STATE`)
/// puts that state in shared memory (`shm://NAME`: the processes of one host) or in Redis
/// (`redis://host:port`: many machines), so that every process using a key shares its timer,
/// cooldowns, rotation and budgets with the same semantics.
///
/// ## Key identifiers
/// `make_unique_api_info_key(info)` is `<backend_used>:<redact_key(api_key)>:<hash>` where
/// `<hash>` is the first 16 hex digits of SHA-256 over the length-prefixed backend, effective base
/// URL (api_base, or the backend's default, without trailing slashes) and key. It is the same in
/// every process and on every platform, differs for distinct (backend, key, base), and contains
/// no key material beyond the redacted hint, e.g. `openai:sk-...Wxyz:3f9a1c0d2e4b5a69`.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "litellm/api_info.hpp"
#include "litellm/call_cost.hpp"
#include "litellm/detail/key_state.hpp"
#include "litellm/detail/key_state_store.hpp"
#include "litellm/detail/rate_budget.hpp"
#include "litellm/errors.hpp"
#include "litellm/rate_limits.hpp"
#include "litellm/retry.hpp"

namespace litellm {

/// The time source of the key pool: a steady clock, or a fake one in tests.
class LITELLM_API Clock {
 public:
  /// Steady time.
  using time_point = std::chrono::steady_clock::time_point;
  /// Steady durations.
  using duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  /// The current time.
  virtual time_point now() const = 0;
  /// Blocks on `cv` (whose mutex `lock` holds) until notified or until `deadline` on this clock;
  /// spurious wake-ups are allowed, as with `std::condition_variable::wait_until`.
  virtual void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          time_point deadline) = 0;
};

/// The real clock (`std::chrono::steady_clock`), shared.
LITELLM_API std::shared_ptr<Clock> steady_clock();

/// A clock that moves only when told to: tests move time without sleeping.
///
/// Threads blocked in `wait_until` wake when `advance` passes their deadline (or when their
/// condition variable is notified). `wait_for_waiters` lets a test wait, on a condition rather
/// than a sleep, until its threads are blocked.
class LITELLM_API FakeClock final : public Clock {
 public:
  /// Starts at `start` (an arbitrary point, one hour after the epoch by default).
  explicit FakeClock(time_point start = time_point(std::chrono::hours(1)));

  time_point now() const override;
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  time_point deadline) override;

  /// Moves time forward by `step` and wakes every waiter.
  void advance(duration step);
  /// The number of threads currently blocked in `wait_until`.
  std::size_t waiters() const;
  /// Blocks until at least `count` threads have blocked in `wait_until` since the last `advance`
  /// (so each has seen the latest time); false if that has not happened within `real_timeout` of
  /// real time (a safety net against a hung test, not a wait).
  bool wait_for_waiters(std::size_t count,
                        std::chrono::milliseconds real_timeout = std::chrono::seconds(30)) const;

 private:
  struct Waiter {
    std::condition_variable* cv;
    std::mutex* mutex;
    std::uint64_t generation;  // advance() count when the waiter blocked
    std::uint64_t id;          // unique per wait
  };
  mutable std::mutex mutex_;
  mutable std::condition_variable waiters_changed_;
  time_point now_;
  std::uint64_t generation_ = 0;
  std::uint64_t next_id_ = 0;
  std::vector<Waiter> waiters_;
};

/// What a call on a key ended with, as reported back to the pool.
struct LITELLM_API KeyOutcome {
  /// The classes of outcome the pool acts on.
  enum class Kind {
    success,          ///< Clears the key's cooldown and its rate-limit streak.
    rate_limited,     ///< 429: the key (and model) cools down for `retry_after`, else the
                      ///< backoff policy; a per-day quota (`daily_quota`) until its reset.
    auth_failed,      ///< 401 / 403: the key leaves the rotation.
    quota_exhausted,  ///< 429 insufficient_quota: the key leaves the rotation.
    failed,           ///< Any other failure: counted, no cooldown (not the key's fault).
  };
  Kind kind = Kind::success;  ///< What happened.
  /// The server's wait hint (for rate_limited), already parsed from the headers.
  std::optional<std::chrono::milliseconds> retry_after;
  /// A short reason for logs and for the out-of-rotation list; never key material.
  std::string reason;
  /// rate_limited: the limit hit is a per-day quota: the key and model wait for `retry_after`,
  /// else until the next day (00:00 UTC), whatever `max_cooldown` says.
  bool daily_quota = false;
  /// What the call spent, from the answer's `usage` (settles the lease's reservation); nullopt:
  /// the reservation stands (a 429's is returned whole: the provider did not count the call).
  std::optional<CallCost> usage;
  /// What the response's rate-limit headers said (rate_limits_from_headers).
  RateLimitReport limits;

  /// A successful call.
  static KeyOutcome success() { return {}; }
  /// A 429 with the server's hint, if any.
  static KeyOutcome rate_limited(std::optional<std::chrono::milliseconds> retry_after = {},
                                 std::string reason = "rate limited");
  /// A rejected key (401 / 403).
  static KeyOutcome auth_failed(std::string reason);
  /// A key whose quota or credit is gone.
  static KeyOutcome quota_exhausted(std::string reason);
  /// Another failure.
  static KeyOutcome failed(std::string reason);
  /// The outcome an `Error` implies (auth -> auth_failed, 429 insufficient_quota ->
  /// quota_exhausted, other rate_limit -> rate_limited with its retry_after and
  /// `Error::is_daily_quota`, else failed).
  static KeyOutcome from_error(const Error& error);
};

/// Options of a `KeyPool`.
struct LITELLM_API KeyPoolOptions {
  /// The least time between two uses of one key: a key is ready when strictly more than this has
  /// passed since its last use. The Python original's `wait_time_per_key` (default 6 s). Must not
  /// be negative (ConfigError); 0: a key may be used again at once.
  std::chrono::steady_clock::duration wait_per_key = std::chrono::seconds(6);
  /// The cooldown of a rate-limited key whose response carried no wait hint, by the number of
  /// consecutive rate limits on that key (no jitter by default: the pool spreads load itself).
  /// A negative `initial` or `maximum` is a ConfigError; 0: no cooldown.
  BackoffPolicy rate_limit_backoff{std::chrono::seconds(1), 2.0, std::chrono::seconds(60), 0.0};
  /// The longest cooldown a server hint may impose. Negative is a ConfigError; 0: hints impose
  /// no cooldown.
  std::chrono::milliseconds max_cooldown{std::chrono::minutes(10)};
  /// Configured limits per key, in the order of the pool's ApiInfos (empty: none configured;
  /// otherwise one entry per key, an empty RateLimits for a key without). The api_infos JSON's
  /// `"rpm"` / `"tpm"` members land here through `rate_limits_from_config`. A size that matches
  /// neither, a limit that is not positive, or a window that is not positive is a ConfigError.
  std::vector<RateLimits> rate_limits;
  /// Pace calls by their keys' rate budgets (configured or learned). false: keys are chosen by
  /// `wait_per_key` and cooldowns alone (budgets are still learned, for the snapshot).
  bool pace_by_rate_limits = true;
};

/// What one call will spend, so that the pool can choose a key whose budget covers it.
struct LITELLM_API KeyDemand {
  CallCost cost;  ///< The estimate (estimate_chat_cost / estimate_embedding_cost).
  /// The model each key would be called with (budgets are per key and model); empty: "" for
  /// every key. Must not throw.
  std::function<std::string(const ApiInfo&)> model_for;
};

/// One key and model's budget, as the snapshot shows it.
struct LITELLM_API ModelBudgetSnapshot {
  /// One limited quantity.
  struct Window {
    std::optional<double> limit;            ///< Per window; nullopt: not known (not paced).
    double remaining = 0;                   ///< Left now, after what calls in flight hold.
    double reserved = 0;                    ///< Held by calls in flight.
    std::chrono::milliseconds window{0};    ///< Time to refill from empty.
    std::chrono::milliseconds reset_in{0};  ///< Until the budget is whole again.
    bool configured = false;                ///< From options, not learned.
  };
  std::string model;                            ///< The model ("" for calls without one).
  std::array<Window, kRateDimensions> windows;  ///< Indexed by RateDimension.
  int in_flight = 0;                            ///< Calls holding a reservation.
  std::uint64_t rate_limits = 0;                ///< 429s received for this model.
  std::chrono::milliseconds cooldown_left{0};   ///< Remaining cooldown after a 429.
  bool daily_quota = false;                     ///< Waiting for a per-day quota's reset.
};

/// One key's state, as shown in logs and dashboards: no key material.
struct LITELLM_API KeyStateSnapshot {
  std::string key_id;             ///< `make_unique_api_info_key`: backend, redacted key, hash.
  std::string backend_used;       ///< The backend.
  std::uint64_t uses = 0;         ///< Times the key was handed out.
  std::uint64_t successes = 0;    ///< Calls reported successful.
  std::uint64_t failures = 0;     ///< Calls reported failed (any kind).
  std::uint64_t rate_limits = 0;  ///< Calls reported rate limited.
  int in_flight = 0;              ///< Leases not yet ended.
  /// Time since the last use; nullopt when never used.
  std::optional<std::chrono::milliseconds> last_used_ago;
  std::chrono::milliseconds ready_in{0};  ///< 0 when the key is ready now.
  /// Remaining cooldown after a rate limit: the key's, or the longest of its models' (a 429
  /// cools only the model it came for: see `models`).
  std::chrono::milliseconds cooldown_left{0};
  bool in_rotation = true;      ///< False once rejected (auth) or out of quota.
  std::string disabled_reason;  ///< Why the key left the rotation.
  std::string last_error;       ///< The last failure reported.
  /// The key's budget per model it was called with, by model name.
  std::vector<ModelBudgetSnapshot> models;
};

/// `{"key_id", "backend_used", "uses", ..., "ready_in_ms", "in_rotation", ..., "models": [{
/// "model", "requests": {"limit", "remaining", "reserved", "window_ms", "reset_in_ms",
/// "configured"}, "tokens": {...}, "input_tokens": {...}, "output_tokens": {...}, "in_flight",
/// "rate_limits", "cooldown_left_ms", "daily_quota"}]}` (quantities without a known limit are
/// left out).
LITELLM_API void to_json(json& j, const KeyStateSnapshot& snapshot);

class KeyPool;

/// The process-wide (or, in tests, private) table of per-key state, keyed by
/// `make_unique_api_info_key`. All choosing and stamping happens under its one mutex.
///
/// ## Sharing the state between processes and machines
/// `open(url)` chooses where the state lives:
/// - `memory://` (the default): in this process only, as in the Python original;
/// - `shm://NAME`: in a shared-memory region (`/dev/shm/litellm-NAME`) that every process of the
///   host opening the same NAME shares, without a server (detail/shm_key_store.hpp);
/// - `redis://[user:password@]host:port[/db]`: in Redis, across machines.
/// With a shared store, choosing and stamping a key, ending a lease and reporting an outcome are
/// atomic across all the processes; the choice semantics are the pool's, unchanged. Query
/// options, e.g. `shm://jobs?keys=512&budgets=2048&recheck_ms=10`, are listed in the README
/// ("Many processes, many machines").
class LITELLM_API KeyRegistry {
 public:
  /// A registry in this process only, whose times come from `clock`.
  explicit KeyRegistry(std::shared_ptr<Clock> clock = steady_clock());
  KeyRegistry(const KeyRegistry&) = delete;
  KeyRegistry& operator=(const KeyRegistry&) = delete;
  ~KeyRegistry();

  /// A registry whose state lives in `store` (what `open` makes from a URL; tests and tools can
  /// make one themselves). Shared stores use the steady clock.
  explicit KeyRegistry(std::shared_ptr<detail::KeyStateStore> store);

  /// A registry whose state lives where `url` says: `memory://` (a new in-process registry),
  /// `shm://NAME`, `redis://...`, `rediss://...`. Shared stores use the steady clock.
  /// @throws ConfigError for a malformed or unsupported URL, a shared-memory region of another
  /// layout version, or a Redis server that refuses the credentials or the commands.
  static std::shared_ptr<KeyRegistry> open(const std::string& url);
  /// Receives the shared store's warnings (Redis unavailable, and available again); never a key
  /// or a password.
  using WarningSink = std::function<void(const std::string& warning)>;
  /// As `open(url)`, with the store's warnings sent to `on_warning` (empty: standard error, as
  /// `open(url)` does).
  static std::shared_ptr<KeyRegistry> open(const std::string& url, WarningSink on_warning);
  /// Deletes the shared-memory region of a `shm://NAME` URL (`/dev/shm/litellm-NAME`), which
  /// outlives the processes that used it: processes that have it open keep using it, later
  /// `open`s start afresh. False when there was none, and for other schemes (Redis rows expire by
  /// themselves). @throws ConfigError for a malformed URL.
  static bool remove(const std::string& url);

  /// The registry every pool uses unless given another: the only global mutable state of the
  /// library, as in the Python original. When the environment variable `LITELLM_KEY_STATE`
  /// holds a URL (read once, at the first call), it is `open(that URL)`; else in-process.
  /// @throws ConfigError when `LITELLM_KEY_STATE` is not a valid URL (at every call).
  LITELLM_PROCESS_WIDE static const std::shared_ptr<KeyRegistry>& global();

  /// The clock the registry's times come from.
  Clock& clock() const noexcept { return *clock_; }

  /// Where the state lives: `memory://`, or the URL opened (without any password).
  std::string url() const;

  /// Wakes every thread waiting for a key, e.g. so it can notice a cancellation.
  void notify_all();

 private:
  friend class KeyPool;
  using State = detail::KeyState;
  State& state_locked(const std::string& key_id);

  std::shared_ptr<Clock> clock_;
  std::shared_ptr<detail::KeyStateStore> store_;  // null: memory://
  std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<std::string, std::unique_ptr<State>> states_;
};

/// A key handed out by `KeyPool::acquire`: counts as in flight until reported or destroyed.
class LITELLM_API KeyLease {
 public:
  KeyLease(KeyLease&& other) noexcept;
  KeyLease& operator=(KeyLease&& other) noexcept;
  KeyLease(const KeyLease&) = delete;
  KeyLease& operator=(const KeyLease&) = delete;
  /// Ends the lease (in-flight count) without an outcome, if `report` was not called.
  ~KeyLease();

  /// The key to use.
  const ApiInfo& api_info() const noexcept { return *api_info_; }
  /// Its identifier (`make_unique_api_info_key`): safe to log.
  const std::string& key_id() const noexcept { return *key_id_; }
  /// The instant the pool stamped the key as used (on the registry's clock).
  Clock::time_point acquired_at() const noexcept { return acquired_at_; }
  /// Reports how the call went and ends the lease. Later calls do nothing.
  void report(const KeyOutcome& outcome);
  /// Ends the lease as if the key had not been handed out: its last use and use count go back to
  /// what they were (for a call that failed before sending anything, e.g. a model map without
  /// this key's backend). Later calls do nothing.
  void undo_use();

 private:
  friend class KeyPool;
  KeyLease(KeyPool* pool, std::size_t index, Clock::time_point acquired_at,
           std::optional<Clock::time_point> previous_use, detail::RateBudget* budget,
           const CallCost& reserved);
  KeyPool* pool_;
  std::size_t index_;
  const ApiInfo* api_info_;
  const std::string* key_id_;
  Clock::time_point acquired_at_;
  std::optional<Clock::time_point> previous_use_;
  detail::RateBudget* budget_;  // the key and model's budget, when the call had a demand
  CallCost reserved_;           // what the lease holds of it
};

/// Hands out keys so that each is used at most once per `wait_per_key`. Thread-safe.
class LITELLM_API KeyPool {
 public:
  /// A pool over `api_infos` (at least one; each validated) with `options` in range (see
  /// KeyPoolOptions' fields); `ConfigError` otherwise.
  explicit KeyPool(std::vector<ApiInfo> api_infos, KeyPoolOptions options = {},
                   std::shared_ptr<KeyRegistry> registry = KeyRegistry::global());
  KeyPool(const KeyPool&) = delete;
  KeyPool& operator=(const KeyPool&) = delete;

  /// The least recently used ready key, stamped as used now; waits as long as needed.
  /// @throws AuthError / RateLimitError when every key is out of rotation (reasons listed).
  ApiInfo get_key();
  /// A ready key, or nullopt at once when none is ready.
  std::optional<ApiInfo> try_get_key();
  /// A key no later than `deadline`.
  /// @throws RateLimitError with `retry_after` (when the earliest key is ready) if none can be
  /// had by then; it throws at once when the earliest key is ready too late, without waiting.
  ApiInfo get_key_until(Clock::time_point deadline);
  /// `get_key_until(now + max_wait)`.
  ApiInfo get_key_within(Clock::duration max_wait);

  /// As `get_key`, returning a lease that counts as in flight and reports the outcome.
  KeyLease acquire();
  /// As `try_get_key`, with a lease.
  std::optional<KeyLease> try_acquire();
  /// As `try_acquire`; when no key is ready, `*retry_after` is set to when the earliest is.
  /// With a `demand`, a key is ready only when its budget for the model covers the cost, which
  /// the lease then holds.
  std::optional<KeyLease> try_acquire(std::chrono::milliseconds* retry_after,
                                      const KeyDemand* demand = nullptr);
  /// As `get_key_until`, with a lease. `should_stop`, when given, is checked on every wake-up
  /// (see `KeyRegistry::notify_all`) and ends the wait with `CancelledError` when it is true.
  /// With a `demand`, as in `try_acquire`.
  KeyLease acquire_until(Clock::time_point deadline, const std::function<bool()>& should_stop = {},
                         const KeyDemand* demand = nullptr);

  /// Reports the outcome of a call made with `key` (which may also belong to another pool).
  void report(const ApiInfo& key, const KeyOutcome& outcome);
  /// Puts a key back into rotation and clears its cooldown.
  void restore(const ApiInfo& key);

  /// Every key's state, in the order given.
  std::vector<KeyStateSnapshot> snapshot() const;

  /// The keys, in the order given.
  const std::vector<ApiInfo>& api_infos() const noexcept { return api_infos_; }
  /// The options given.
  const KeyPoolOptions& options() const noexcept { return options_; }
  /// The registry holding the keys' state.
  const std::shared_ptr<KeyRegistry>& registry() const noexcept { return registry_; }

 private:
  friend class KeyLease;
  /// Chooses, stamps and counts the key in flight under the registry lock. nullopt: none ready
  /// by `deadline` (and `retry_after` set to when the earliest is).
  std::optional<KeyLease> choose(Clock::time_point deadline, bool wait,
                                 std::chrono::milliseconds* retry_after,
                                 const std::function<bool()>& should_stop, const KeyDemand* demand);
  /// One look at the keys: the chosen one (stamped, counted in flight, its budget reserved), or
  /// when the earliest is ready.
  struct Look {
    Clock::time_point now{};                                ///< When the look was taken.
    std::optional<std::size_t> best;                        ///< The key chosen, if any.
    std::optional<Clock::time_point> previous;              ///< Its last use before this one.
    Clock::time_point earliest = Clock::time_point::max();  ///< Else: the earliest ready.
  };
  /// Takes one look under the registry lock (with a shared store: on the rows it loaded).
  /// @throws AuthError / RateLimitError as `get_key` does when no key can ever be chosen.
  Look look_locked(Clock::duration gap, const KeyDemand* demand,
                   const std::vector<detail::RateBudget*>& budgets, bool pace);
  /// The budget of key `index` for `model`, made (and configured) on first use.
  detail::RateBudget& budget_locked(std::size_t index, const std::string& model);
  /// Ends a lease: settles its reservation and its in-flight count, and applies `outcome` when
  /// given.
  void end_lease(const KeyLease& lease, const KeyOutcome* outcome);
  /// end_lease's step, under the registry lock (with a shared store: on the rows it loaded).
  void end_lease_locked(const KeyLease& lease, const KeyOutcome* outcome);
  /// Applies `outcome` to a key's state and, when given, to its budget for the call's model.
  void apply_outcome_locked(KeyRegistry::State& state, detail::RateBudget* budget,
                            const KeyOutcome& outcome);
  void undo_use(const KeyLease& lease);
  [[noreturn]] void throw_all_out_locked() const;
  /// Every key in rotation waits for a per-day quota of the call's model.
  [[noreturn]] void throw_daily_quota_locked() const;

  std::vector<ApiInfo> api_infos_;
  std::vector<std::string> key_ids_;
  KeyPoolOptions options_;
  std::shared_ptr<KeyRegistry> registry_;
  std::vector<KeyRegistry::State*> states_;  // stable pointers into the registry
  detail::KeyStateScope scope_;              // every key, for a shared store's steps
};

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
