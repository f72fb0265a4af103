#pragma once

#include "litellm/key_pool.hpp"

#include <algorithm>
#include <utility>

#include "litellm/detail/daily_reset.hpp"
#include "litellm/detail/option_checks.hpp"

namespace litellm {
namespace detail {

using std::chrono::milliseconds;

class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  time_point deadline) override {
    cv.wait_until(lock, deadline);
  }
};

LITELLM_INLINE milliseconds ceil_ms(Clock::duration d) {
  if (d <= Clock::duration::zero()) return milliseconds(0);
  return std::chrono::ceil<milliseconds>(d);
}

/// FNV-1a over the sorted key ids of a pool: its identity in a shared store.
LITELLM_INLINE std::uint64_t pool_identity(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  std::uint64_t h = 14695981039346656037ULL;
  for (const std::string& id : ids) {
    for (const unsigned char c : id) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= '\n';
    h *= 1099511628211ULL;
  }
  return h;
}

LITELLM_INLINE std::string reason_of(const Error& error) {
  std::string reason;
  if (error.http_status() != 0) reason = "HTTP " + std::to_string(error.http_status());
  const std::string& code = !error.error_code().empty() ? error.error_code() : error.error_type();
  if (!code.empty()) reason += (reason.empty() ? "" : " ") + code;
  std::string text = !error.provider_message().empty() ? error.provider_message() : error.message();
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  if (!text.empty()) reason += (reason.empty() ? "" : ": ") + text;
  return reason;
}

}  // namespace detail

LITELLM_INLINE std::shared_ptr<Clock> steady_clock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<detail::SteadyClock>();
  return clock;
}

// ---- FakeClock ---------------------------------------------------------------------------------

LITELLM_INLINE FakeClock::FakeClock(time_point start) : now_(start) {}

LITELLM_INLINE FakeClock::time_point FakeClock::now() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return now_;
}

LITELLM_INLINE void FakeClock::wait_until(std::condition_variable& cv,
                                          std::unique_lock<std::mutex>& lock, time_point deadline) {
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (now_ >= deadline) return;
    id = next_id_++;
    waiters_.push_back({&cv, lock.mutex(), generation_, id});
    waiters_changed_.notify_all();
  }
  // `lock` is held from the check above until wait() releases it, and advance() takes that mutex
  // before notifying: no wake-up is lost.
  cv.wait(lock);
  std::lock_guard<std::mutex> guard(mutex_);
  const auto it =
      std::find_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.id == id; });
  if (it != waiters_.end()) waiters_.erase(it);
  waiters_changed_.notify_all();
}

LITELLM_INLINE void FakeClock::advance(duration step) {
  std::vector<Waiter> to_wake;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    now_ += step;
    ++generation_;
    to_wake = waiters_;
  }
  std::sort(to_wake.begin(), to_wake.end(),
            [](const Waiter& a, const Waiter& b) { return std::less<>()(a.cv, b.cv); });
  to_wake.erase(std::unique(to_wake.begin(), to_wake.end(),
                            [](const Waiter& a, const Waiter& b) { return a.cv == b.cv; }),
                to_wake.end());
  for (const Waiter& waiter : to_wake) {
    std::lock_guard<std::mutex> guard(*waiter.mutex);
    waiter.cv->notify_all();
  }
}

LITELLM_INLINE std::size_t FakeClock::waiters() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return waiters_.size();
}

LITELLM_INLINE bool FakeClock::wait_for_waiters(std::size_t count,
                                                std::chrono::milliseconds real_timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return waiters_changed_.wait_for(lock, real_timeout, [&] {
    const auto current = std::count_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) {
      return w.generation == generation_;
    });
    return static_cast<std::size_t>(current) >= count;
  });
}

// ---- KeyOutcome --------------------------------------------------------------------------------

namespace detail {

LITELLM_INLINE KeyOutcome make_outcome(KeyOutcome::Kind kind,
                                       std::optional<std::chrono::milliseconds> retry_after,
                                       std::string reason) {
  KeyOutcome outcome;
  outcome.kind = kind;
  outcome.retry_after = retry_after;
  outcome.reason = std::move(reason);
  return outcome;
}

}  // namespace detail

LITELLM_INLINE KeyOutcome
KeyOutcome::rate_limited(std::optional<std::chrono::milliseconds> retry_after, std::string reason) {
  return detail::make_outcome(Kind::rate_limited, retry_after, std::move(reason));
}
LITELLM_INLINE KeyOutcome KeyOutcome::auth_failed(std::string reason) {
  return detail::make_outcome(Kind::auth_failed, std::nullopt, std::move(reason));
}
LITELLM_INLINE KeyOutcome KeyOutcome::quota_exhausted(std::string reason) {
  return detail::make_outcome(Kind::quota_exhausted, std::nullopt, std::move(reason));
}
LITELLM_INLINE KeyOutcome KeyOutcome::failed(std::string reason) {
  return detail::make_outcome(Kind::failed, std::nullopt, std::move(reason));
}

LITELLM_INLINE KeyOutcome KeyOutcome::from_error(const Error& error) {
  if (error.kind() == ErrorKind::auth) return auth_failed(detail::reason_of(error));
  if (error.is_quota_exhausted()) return quota_exhausted(detail::reason_of(error));
  if (error.kind() == ErrorKind::rate_limit) {
    KeyOutcome outcome = rate_limited(error.retry_after(), detail::reason_of(error));
    outcome.daily_quota = error.is_daily_quota();
    return outcome;
  }
  return failed(detail::reason_of(error));
}

namespace detail {

LITELLM_INLINE json budget_window_json(const ModelBudgetSnapshot::Window& w) {
  return json{{"limit", *w.limit},
              {"remaining", w.remaining},
              {"reserved", w.reserved},
              {"window_ms", w.window.count()},
              {"reset_in_ms", w.reset_in.count()},
              {"configured", w.configured}};
}

/// One key and model's budget as the snapshot shows it, at `now`.
LITELLM_INLINE ModelBudgetSnapshot budget_snapshot(const std::string& model,
                                                   const RateBudget& budget,
                                                   Clock::time_point now) {
  ModelBudgetSnapshot m;
  m.model = model;
  m.in_flight = budget.in_flight;
  m.rate_limits = budget.rate_limits;
  m.cooldown_left = ceil_ms(budget.cooldown_until - now);
  m.daily_quota = budget.daily_quota && budget.cooldown_until > now;
  for (std::size_t i = 0; i < kRateDimensions; ++i) {
    TokenBucket bucket = budget.buckets[i];  // a copy, refilled to now
    bucket.refill(now);
    if (!bucket.known()) continue;
    ModelBudgetSnapshot::Window& w = m.windows[i];
    w.limit = bucket.capacity;
    w.remaining = bucket.level;
    w.reserved = bucket.reserved;
    w.window = ceil_ms(bucket.window);
    const double missing = bucket.capacity - bucket.level;
    w.reset_in =
        missing <= 0
            ? std::chrono::milliseconds(0)
            : ceil_ms(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                  missing / bucket.capacity *
                  std::chrono::duration<double>(bucket.window).count())));
    w.configured = bucket.configured;
  }
  return m;
}

}  // namespace detail

LITELLM_INLINE void to_json(json& j, const ModelBudgetSnapshot& m) {
  j = json{{"model", m.model},
           {"in_flight", m.in_flight},
           {"rate_limits", m.rate_limits},
           {"cooldown_left_ms", m.cooldown_left.count()},
           {"daily_quota", m.daily_quota}};
  for (std::size_t i = 0; i < kRateDimensions; ++i) {
    if (m.windows[i].limit) {
      j[std::string(to_string(static_cast<RateDimension>(i)))] =
          detail::budget_window_json(m.windows[i]);
    }
  }
}

LITELLM_INLINE void to_json(json& j, const KeyStateSnapshot& s) {
  j = json{{"key_id", s.key_id},
           {"backend_used", s.backend_used},
           {"uses", s.uses},
           {"successes", s.successes},
           {"failures", s.failures},
           {"rate_limits", s.rate_limits},
           {"in_flight", s.in_flight},
           {"last_used_ago_ms", s.last_used_ago ? json(s.last_used_ago->count()) : json(nullptr)},
           {"ready_in_ms", s.ready_in.count()},
           {"cooldown_left_ms", s.cooldown_left.count()},
           {"in_rotation", s.in_rotation},
           {"disabled_reason", s.disabled_reason},
           {"last_error", s.last_error},
           {"models", s.models}};
}

// ---- KeyRegistry -------------------------------------------------------------------------------

LITELLM_INLINE KeyRegistry::KeyRegistry(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {
  if (!clock_) clock_ = steady_clock();
}

LITELLM_INLINE KeyRegistry::KeyRegistry(std::shared_ptr<detail::KeyStateStore> store)
    : clock_(steady_clock()), store_(std::move(store)) {}

LITELLM_INLINE KeyRegistry::~KeyRegistry() = default;

LITELLM_INLINE std::string KeyRegistry::url() const {
  return store_ ? store_->url() : std::string("memory://");
}

LITELLM_INLINE void KeyRegistry::notify_all() {
  std::lock_guard<std::mutex> guard(mutex_);
  changed_.notify_all();
}

LITELLM_INLINE KeyRegistry::State& KeyRegistry::state_locked(const std::string& key_id) {
  auto& slot = states_[key_id];
  if (!slot) slot = std::make_unique<State>();
  return *slot;
}

// ---- KeyLease ----------------------------------------------------------------------------------

LITELLM_INLINE KeyLease::KeyLease(KeyPool* pool, std::size_t index, Clock::time_point acquired_at,
                                  std::optional<Clock::time_point> previous_use,
                                  detail::RateBudget* budget, const CallCost& reserved)
    : pool_(pool),
      index_(index),
      api_info_(&pool->api_infos_[index]),
      key_id_(&pool->key_ids_[index]),
      acquired_at_(acquired_at),
      previous_use_(previous_use),
      budget_(budget),
      reserved_(reserved) {}

LITELLM_INLINE KeyLease::KeyLease(KeyLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      index_(other.index_),
      api_info_(other.api_info_),
      key_id_(other.key_id_),
      acquired_at_(other.acquired_at_),
      previous_use_(other.previous_use_),
      budget_(other.budget_),
      reserved_(other.reserved_) {}

LITELLM_INLINE KeyLease& KeyLease::operator=(KeyLease&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr) pool_->end_lease(*this, nullptr);
    pool_ = std::exchange(other.pool_, nullptr);
    index_ = other.index_;
    api_info_ = other.api_info_;
    key_id_ = other.key_id_;
    acquired_at_ = other.acquired_at_;
    previous_use_ = other.previous_use_;
    budget_ = other.budget_;
    reserved_ = other.reserved_;
  }
  return *this;
}

LITELLM_INLINE KeyLease::~KeyLease() {
  if (pool_ != nullptr) pool_->end_lease(*this, nullptr);
}

LITELLM_INLINE void KeyLease::report(const KeyOutcome& outcome) {
  if (pool_ == nullptr) return;
  KeyPool* pool = std::exchange(pool_, nullptr);
  pool->end_lease(*this, &outcome);
}

LITELLM_INLINE void KeyLease::undo_use() {
  if (pool_ == nullptr) return;
  KeyPool* pool = std::exchange(pool_, nullptr);
  pool->undo_use(*this);
}

// ---- KeyPool -----------------------------------------------------------------------------------

LITELLM_INLINE KeyPool::KeyPool(std::vector<ApiInfo> api_infos, KeyPoolOptions options,
                                std::shared_ptr<KeyRegistry> registry)
    : api_infos_(std::move(api_infos)),
      options_(std::move(options)),
      registry_(registry ? std::move(registry) : KeyRegistry::global()) {
  if (api_infos_.empty()) throw ConfigError("a key pool needs at least one ApiInfo");
  if (options_.wait_per_key < Clock::duration::zero()) {
    throw ConfigError("wait_per_key must not be negative");
  }
  detail::check_key_pool_options(options_, "KeyPoolOptions.");
  if (!options_.rate_limits.empty() && options_.rate_limits.size() != api_infos_.size()) {
    throw ConfigError("KeyPoolOptions.rate_limits has " +
                      std::to_string(options_.rate_limits.size()) + " entries for " +
                      std::to_string(api_infos_.size()) + " keys: give one per key, or none");
  }
  for (std::size_t i = 0; i < options_.rate_limits.size(); ++i) {
    detail::check_rate_limits(options_.rate_limits[i],
                              "KeyPoolOptions.rate_limits[" + std::to_string(i) + "].");
  }
  key_ids_.reserve(api_infos_.size());
  for (std::size_t i = 0; i < api_infos_.size(); ++i) {
    try {
      api_infos_[i].validate();
    } catch (const ConfigError& e) {
      throw ConfigError("api_infos[" + std::to_string(i) + "]: " + e.message());
    }
    key_ids_.push_back(make_unique_api_info_key(api_infos_[i]));
  }
  std::lock_guard<std::mutex> guard(registry_->mutex_);
  states_.reserve(key_ids_.size());
  for (const std::string& id : key_ids_) states_.push_back(&registry_->state_locked(id));
  for (std::size_t i = 0; i < key_ids_.size(); ++i) {
    scope_.ids.push_back(&key_ids_[i]);
    scope_.states.push_back(states_[i]);
  }
  scope_.pool = detail::pool_identity(key_ids_);
}

LITELLM_INLINE detail::RateBudget& KeyPool::budget_locked(std::size_t index,
                                                          const std::string& model) {
  auto& slot = states_[index]->budgets[model];
  if (!slot) {
    slot = std::make_unique<detail::RateBudget>();
    const Clock::time_point now = registry_->clock_->now();
    for (detail::TokenBucket& bucket : slot->buckets) bucket.updated = now;
    if (!options_.rate_limits.empty()) slot->configure(options_.rate_limits[index], now);
  }
  return *slot;
}

LITELLM_INLINE std::optional<KeyLease> KeyPool::choose(Clock::time_point deadline, bool wait,
                                                       std::chrono::milliseconds* retry_after,
                                                       const std::function<bool()>& should_stop,
                                                       const KeyDemand* demand) {
  // The model of each key, asked before taking the lock (the caller's function).
  std::vector<std::string> models;
  if (demand != nullptr) {
    models.reserve(api_infos_.size());
    for (const ApiInfo& info : api_infos_) {
      models.push_back(demand->model_for ? demand->model_for(info) : std::string());
    }
  }
  std::unique_lock<std::mutex> lock(registry_->mutex_);
  Clock& clock = *registry_->clock_;
  detail::KeyStateStore* const store = registry_->store_.get();
  const Clock::duration gap = options_.wait_per_key + Clock::duration(1);  // strictly more
  std::vector<detail::RateBudget*> budgets(demand != nullptr ? states_.size() : 0, nullptr);
  for (std::size_t i = 0; i < budgets.size(); ++i) budgets[i] = &budget_locked(i, models[i]);
  const bool pace = demand != nullptr && options_.pace_by_rate_limits;
  // A store that chooses server-side (Redis) is told the pool's rules once.
  std::optional<detail::KeyChoiceRequest> request;
  if (store != nullptr) {
    request.emplace();
    request->gap = gap;
    request->pace = pace;
    if (demand != nullptr) {
      request->cost = &demand->cost;
      request->budgets = budgets;
      for (const std::string& model : models) request->models.push_back(&model);
    }
  }
  while (true) {
    if (should_stop && should_stop()) throw CancelledError("cancelled while waiting for a key");
    Look look;
    if (store == nullptr) {
      look = look_locked(gap, demand, budgets, pace);
    } else if (detail::KeyChoice choice; store->choose(scope_, *request, choice)) {
      switch (choice.result) {
        case detail::KeyChoice::Result::chosen:
          look.best = choice.index;
          look.now = choice.at;
          look.previous = choice.previous;
          break;
        case detail::KeyChoice::Result::none_ready:
          look.now = clock.now();
          look.earliest = choice.earliest;
          break;
        case detail::KeyChoice::Result::all_out:
          throw_all_out_locked();
        case detail::KeyChoice::Result::daily_quota:
          throw_daily_quota_locked();
      }
    } else {
      // The same look, atomic across processes on the shared rows (its own variable: `look`
      // stays out of the std::function, and in registers on the memory:// path).
      Look shared;
      store->exchange(scope_, [&] { shared = look_locked(gap, demand, budgets, pace); });
      look = shared;
    }
    if (look.best) {
      detail::RateBudget* budget = demand != nullptr ? budgets[*look.best] : nullptr;
      const CallCost reserved = budget != nullptr ? demand->cost : CallCost{};
      return KeyLease(this, *look.best, look.now, look.previous, budget, reserved);
    }
    if (!wait || look.earliest > deadline) {
      if (retry_after != nullptr) *retry_after = detail::ceil_ms(look.earliest - look.now);
      return std::nullopt;
    }
    // Another process cannot wake this one: look again after the recheck interval at the latest.
    clock.wait_until(registry_->changed_, lock,
                     store != nullptr
                         ? std::min(look.earliest, look.now + store->recheck_interval())
                         : look.earliest);
  }
}

LITELLM_INLINE KeyPool::Look KeyPool::look_locked(Clock::duration gap, const KeyDemand* demand,
                                                  const std::vector<detail::RateBudget*>& budgets,
                                                  bool pace) {
  Look look;
  look.now = registry_->clock_->now();
  const Clock::time_point now = look.now;
  bool any_in_rotation = false;
  bool any_without_daily_quota = false;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    const KeyRegistry::State& state = *states_[i];
    if (!state.in_rotation) continue;
    any_in_rotation = true;
    Clock::time_point ready_at = state.cooldown_until;
    if (state.last_use) ready_at = std::max(ready_at, *state.last_use + gap);
    if (demand != nullptr) {
      detail::RateBudget& budget = *budgets[i];
      budget.refill(now);
      const bool daily_out = budget.daily_quota && budget.cooldown_until > now;
      any_without_daily_quota = any_without_daily_quota || !daily_out;
      ready_at = std::max(ready_at, pace ? budget.ready_at(demand->cost, now)
                                         : std::max(now, budget.cooldown_until));
    }
    if (ready_at > now) {
      look.earliest = std::min(look.earliest, ready_at);
      continue;
    }
    // Least recently used first (never used is oldest); ties keep the first given.
    if (!look.best) {
      look.best = i;
    } else {
      const auto& current = states_[*look.best]->last_use;
      if (current && (!state.last_use || *state.last_use < *current)) look.best = i;
    }
  }
  if (look.best) {
    KeyRegistry::State& state = *states_[*look.best];
    look.previous = state.last_use;
    state.last_use = now;
    ++state.uses;
    ++state.in_flight;
    if (demand != nullptr) budgets[*look.best]->reserve(demand->cost);
    return look;
  }
  if (!any_in_rotation) throw_all_out_locked();
  if (demand != nullptr && !any_without_daily_quota) throw_daily_quota_locked();
  return look;
}

LITELLM_INLINE void KeyPool::throw_all_out_locked() const {
  std::string message = "all " + std::to_string(states_.size()) + " keys are out of rotation:";
  bool all_quota = true;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    const KeyRegistry::State& state = *states_[i];
    message += (i == 0 ? " " : "; ") + key_ids_[i] + " (" + state.disabled_reason + ")";
    all_quota = all_quota && state.disabled_kind == ErrorKind::rate_limit;
  }
  ErrorDetails details;
  details.provider = api_infos_.front().backend_used;
  if (all_quota) {
    details.error_code = "insufficient_quota";
    throw RateLimitError(message, std::move(details));
  }
  throw AuthError(message, std::move(details));
}

LITELLM_INLINE void KeyPool::throw_daily_quota_locked() const {
  std::string message = "every key in rotation has used up a per-day quota for this model:";
  std::optional<std::chrono::milliseconds> soonest;
  const Clock::time_point now = registry_->clock_->now();
  for (std::size_t i = 0; i < states_.size(); ++i) {
    const KeyRegistry::State& state = *states_[i];
    if (!state.in_rotation) continue;
    for (const auto& [model, budget] : state.budgets) {
      if (!budget->daily_quota || budget->cooldown_until <= now) continue;
      const auto left = detail::ceil_ms(budget->cooldown_until - now);
      message += " " + key_ids_[i] + " (" + (model.empty() ? "any model" : model) + ", resets in " +
                 std::to_string(left.count() / 1000) + " s)";
      if (!soonest || left < *soonest) soonest = left;
    }
  }
  ErrorDetails details;
  details.provider = api_infos_.front().backend_used;
  details.error_code = "daily_quota";
  details.daily_quota = true;
  details.retry_after = soonest;
  throw RateLimitError(message, std::move(details));
}

LITELLM_INLINE ApiInfo KeyPool::get_key() {
  return acquire().api_info();
}

LITELLM_INLINE std::optional<ApiInfo> KeyPool::try_get_key() {
  auto lease = try_acquire();
  if (!lease) return std::nullopt;
  return lease->api_info();
}

LITELLM_INLINE ApiInfo KeyPool::get_key_until(Clock::time_point deadline) {
  return acquire_until(deadline).api_info();
}

LITELLM_INLINE ApiInfo KeyPool::get_key_within(Clock::duration max_wait) {
  const Clock::time_point now = registry_->clock().now();
  const Clock::time_point deadline =
      max_wait >= Clock::time_point::max() - now ? Clock::time_point::max() : now + max_wait;
  return get_key_until(deadline);
}

LITELLM_INLINE KeyLease KeyPool::acquire() {
  return acquire_until(Clock::time_point::max());
}

LITELLM_INLINE std::optional<KeyLease> KeyPool::try_acquire() {
  return choose(Clock::time_point::min(), /*wait=*/false, nullptr, {}, nullptr);
}

LITELLM_INLINE std::optional<KeyLease> KeyPool::try_acquire(std::chrono::milliseconds* retry_after,
                                                            const KeyDemand* demand) {
  return choose(Clock::time_point::min(), /*wait=*/false, retry_after, {}, demand);
}

LITELLM_INLINE KeyLease KeyPool::acquire_until(Clock::time_point deadline,
                                               const std::function<bool()>& should_stop,
                                               const KeyDemand* demand) {
  std::chrono::milliseconds retry_after{0};
  std::optional<KeyLease> lease =
      choose(deadline, /*wait=*/true, &retry_after, should_stop, demand);
  if (!lease) {
    ErrorDetails details;
    details.retry_after = retry_after;
    details.provider = api_infos_.front().backend_used;
    throw RateLimitError("no key is ready before the deadline; the earliest is ready in " +
                             std::to_string(retry_after.count()) + " ms",
                         std::move(details));
  }
  return std::move(*lease);
}

LITELLM_INLINE void KeyPool::report(const ApiInfo& key, const KeyOutcome& outcome) {
  const auto it = std::find(api_infos_.begin(), api_infos_.end(), key);
  const std::string id = it != api_infos_.end()
                             ? key_ids_[static_cast<std::size_t>(it - api_infos_.begin())]
                             : make_unique_api_info_key(key);
  std::lock_guard<std::mutex> guard(registry_->mutex_);
  KeyRegistry::State& state = registry_->state_locked(id);
  const auto step = [&] { apply_outcome_locked(state, nullptr, outcome); };
  if (detail::KeyStateStore* store = registry_->store_.get()) {
    detail::KeyStateScope scope{{&id}, {&state}, scope_.pool};
    store->exchange(scope, step);
  } else {
    step();
  }
  registry_->changed_.notify_all();
}

LITELLM_INLINE void KeyPool::end_lease(const KeyLease& lease, const KeyOutcome* outcome) {
  std::lock_guard<std::mutex> guard(registry_->mutex_);
  if (detail::KeyStateStore* store = registry_->store_.get()) {
    detail::KeyStateScope scope{{&key_ids_[lease.index_]}, {states_[lease.index_]}, scope_.pool};
    try {
      store->exchange(scope, [&] { end_lease_locked(lease, outcome); });
    } catch (const Error&) {
      // The store failed before the step (a lease may end in a destructor): this process's row.
      end_lease_locked(lease, outcome);
    }
  } else {
    end_lease_locked(lease, outcome);
  }
  registry_->changed_.notify_all();
}

LITELLM_INLINE void KeyPool::end_lease_locked(const KeyLease& lease, const KeyOutcome* outcome) {
  KeyRegistry::State& state = *states_[lease.index_];
  if (state.in_flight > 0) --state.in_flight;
  if (detail::RateBudget* budget = lease.budget_) {
    // What the call spent: the answer's usage; nothing after a 429 (the provider did not count
    // it); else the reservation stands.
    CallCost spent = lease.reserved_;
    if (outcome != nullptr && outcome->kind == KeyOutcome::Kind::rate_limited) {
      spent = CallCost{0, 0, 0};
    } else if (outcome != nullptr && outcome->kind == KeyOutcome::Kind::success && outcome->usage) {
      spent = *outcome->usage;
      spent.requests = lease.reserved_.requests;
    }
    budget->settle(lease.reserved_, spent);
    if (outcome != nullptr) budget->observe(outcome->limits, registry_->clock_->now());
  }
  if (outcome != nullptr) apply_outcome_locked(state, lease.budget_, *outcome);
}

LITELLM_INLINE void KeyPool::apply_outcome_locked(KeyRegistry::State& state,
                                                  detail::RateBudget* budget,
                                                  const KeyOutcome& outcome) {
  const Clock::time_point now = registry_->clock_->now();
  switch (outcome.kind) {
    case KeyOutcome::Kind::success:
      ++state.successes;
      state.consecutive_rate_limits = 0;
      state.cooldown_until = Clock::time_point{};
      if (budget != nullptr) {
        budget->consecutive_rate_limits = 0;
        budget->cooldown_until = Clock::time_point{};
        budget->daily_quota = false;
      }
      break;
    case KeyOutcome::Kind::rate_limited: {
      ++state.failures;
      ++state.rate_limits;
      state.last_error = outcome.reason;
      // A 429 cools the key and model it came for; without a model, the key.
      int& streak =
          budget != nullptr ? budget->consecutive_rate_limits : state.consecutive_rate_limits;
      Clock::time_point& until = budget != nullptr ? budget->cooldown_until : state.cooldown_until;
      ++streak;
      if (budget != nullptr) ++budget->rate_limits;
      Clock::time_point ends;
      if (outcome.daily_quota) {
        // Per day: its reset, however far (max_cooldown is for per-minute hints).
        ends = outcome.retry_after ? now + *outcome.retry_after : detail::next_utc_midnight(now);
        if (budget != nullptr) budget->daily_quota = true;
      } else {
        ends = now + (outcome.retry_after ? std::min(*outcome.retry_after, options_.max_cooldown)
                                          : options_.rate_limit_backoff.delay(streak));
      }
      until = std::max(until, ends);
      break;
    }
    case KeyOutcome::Kind::auth_failed:
    case KeyOutcome::Kind::quota_exhausted:
      ++state.failures;
      state.in_rotation = false;
      state.disabled_kind =
          outcome.kind == KeyOutcome::Kind::auth_failed ? ErrorKind::auth : ErrorKind::rate_limit;
      state.disabled_reason = outcome.reason.empty() ? "rejected" : outcome.reason;
      state.last_error = state.disabled_reason;
      break;
    case KeyOutcome::Kind::failed:
      ++state.failures;
      state.last_error = outcome.reason;
      break;
  }
}

LITELLM_INLINE void KeyPool::undo_use(const KeyLease& lease) {
  std::lock_guard<std::mutex> guard(registry_->mutex_);
  KeyRegistry::State& state = *states_[lease.index_];
  const auto step = [&] {
    if (state.in_flight > 0) --state.in_flight;
    if (lease.budget_ != nullptr) lease.budget_->settle(lease.reserved_, CallCost{0, 0, 0});
    // Only if nobody used the key since (it may be shared with another pool or process).
    if (state.last_use == lease.acquired_at_) {
      state.last_use = lease.previous_use_;
      if (state.uses > 0) --state.uses;
    }
  };
  if (detail::KeyStateStore* store = registry_->store_.get()) {
    detail::KeyStateScope scope{{&key_ids_[lease.index_]}, {&state}, scope_.pool};
    store->exchange(scope, step);
  } else {
    step();
  }
  registry_->changed_.notify_all();
}

LITELLM_INLINE void KeyPool::restore(const ApiInfo& key) {
  const auto it = std::find(api_infos_.begin(), api_infos_.end(), key);
  const std::string id = it != api_infos_.end()
                             ? key_ids_[static_cast<std::size_t>(it - api_infos_.begin())]
                             : make_unique_api_info_key(key);
  std::lock_guard<std::mutex> guard(registry_->mutex_);
  KeyRegistry::State& state = registry_->state_locked(id);
  const auto step = [&] {
    state.in_rotation = true;
    state.disabled_reason.clear();
    state.cooldown_until = Clock::time_point{};
    state.consecutive_rate_limits = 0;
    for (auto& [model, budget] : state.budgets) {
      budget->cooldown_until = Clock::time_point{};
      budget->consecutive_rate_limits = 0;
      budget->daily_quota = false;
    }
  };
  if (detail::KeyStateStore* store = registry_->store_.get()) {
    detail::KeyStateScope scope{{&id}, {&state}, scope_.pool};
    store->exchange(scope, step);
  } else {
    step();
  }
  registry_->changed_.notify_all();
}

LITELLM_INLINE std::vector<KeyStateSnapshot> KeyPool::snapshot() const {
  std::lock_guard<std::mutex> guard(registry_->mutex_);
  if (detail::KeyStateStore* store = registry_->store_.get()) {
    // Refresh this process's rows from the shared ones (a step that changes nothing).
    detail::KeyStateScope scope = scope_;
    store->exchange(scope, [] {});
  }
  const Clock::time_point now = registry_->clock_->now();
  const Clock::duration gap = options_.wait_per_key + Clock::duration(1);
  std::vector<KeyStateSnapshot> out;
  out.reserve(states_.size());
  for (std::size_t i = 0; i < states_.size(); ++i) {
    const KeyRegistry::State& state = *states_[i];
    KeyStateSnapshot s;
    s.key_id = key_ids_[i];
    s.backend_used = api_infos_[i].backend_used;
    s.uses = state.uses;
    s.successes = state.successes;
    s.failures = state.failures;
    s.rate_limits = state.rate_limits;
    s.in_flight = state.in_flight;
    if (state.last_use) s.last_used_ago = detail::ceil_ms(now - *state.last_use);
    Clock::time_point ready_at = state.cooldown_until;
    if (state.last_use) ready_at = std::max(ready_at, *state.last_use + gap);
    s.ready_in = detail::ceil_ms(ready_at - now);
    s.cooldown_left = detail::ceil_ms(state.cooldown_until - now);
    s.in_rotation = state.in_rotation;
    s.disabled_reason = state.disabled_reason;
    s.last_error = state.last_error;
    for (const auto& [model, budget] : state.budgets) {
      s.models.push_back(detail::budget_snapshot(model, *budget, now));
      s.cooldown_left = std::max(s.cooldown_left, s.models.back().cooldown_left);
    }
    std::sort(s.models.begin(), s.models.end(),
              [](const ModelBudgetSnapshot& a, const ModelBudgetSnapshot& b) {
                return a.model < b.model;
              });
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace litellm
