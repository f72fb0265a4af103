// `redis://[user:password@]host:port[/db]`: the key state of processes on many machines, in Redis.
//
// Rows: one Redis hash per key and pool, `<prefix>{<pool>}:<key id>`, where <pool> is a hash of
// the pool's sorted key ids: every key one script touches carries the same hash tag, so it works
// on Redis Cluster (one slot per pool). The hash holds the key's row (lu: last use, cd: cooldown
// end, rot/dk/dr: rotation, le: last error, uses/ok/fail/rl/crl/inf: counters, v: a version
// bumped by every write) and one field per model, `b:<model>`, holding that budget (29 numbers).
// Every write sets an expiry (`ttl_s`, one hour by default, at least twice the wait; never
// shortened). Pools over different sets of keys therefore keep separate rows for a key they share.
//
// Times are the server's (TIME inside the scripts; Redis 7 allows it), in microseconds, so that
// machines whose clocks differ agree. This process maps them to its steady clock with one offset,
// measured when it first reaches the server, on the safe side: this process's "now" maps to at
// most the server's (up to one round trip earlier), so its own steps never refill a budget early.
// - Choosing is one round trip: a Lua script (EVALSHA) chooses the least recently used ready key
//   with the pool's rules (strictly more than the wait since its last use, ties to the first given,
//   cooldowns, rotation, budgets), stamps it and reserves its budget, atomically.
// - Ending a lease, reporting, undoing and restoring read the rows (one script), run the pool's own
//   step on them and write them back if no other process wrote them since (compare-and-set on the
//   versions, retried on a conflict): two round trips, the same code as memory:// and shm://.
// Faults: when Redis is unreachable (at open or later), slow (no answer within `timeout_ms`) or
// answers with an error, calls go on with this process's rows (the memory:// logic), a warning is
// given once per outage (to KeyRegistry::open's sink; standard error by default), and the shared
// rows are read again as soon as Redis answers (reconnects at most every `backoff_ms`). A wrong
// password, a denied command or a bad database is a ConfigError from open(); after open, such a
// refusal is handled as an outage (a lease ending in a destructor must not throw).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "litellm/detail/key_state_store.hpp"
#include "litellm/detail/key_state_url.hpp"
#include "litellm/detail/redis_connection.hpp"

namespace litellm::detail {

/// An instant of this process on the server's clock (µs), where `offset_ns` is this process's
/// steady clock minus the server's: rounded up, so a bucket's refill time written back is never
/// earlier than the refill this process counted (rounding down counts up to 1 µs twice per step,
/// which adds up over a run and lets a budget overspend).
std::int64_t server_us_of(BudgetTime t, std::int64_t offset_ns) noexcept;
/// The server's instant `server_us` on this process's steady clock: server_us_of's inverse.
BudgetTime local_time_of(std::int64_t server_us, std::int64_t offset_ns) noexcept;

/// The Redis store.
class RedisKeyStore final : public KeyStateStore {
 public:
  /// Connects to `url` (`redis://...?prefix=P&timeout_ms=T&connect_timeout_ms=C&backoff_ms=B&
  /// recheck_ms=R&ttl_s=S`). An unreachable server is not an error (see the file comment).
  /// @throws ConfigError for a bad URL or option, `rediss://` (no TLS in Debian's hiredis 0.14),
  /// a refused password or database, or a denied command (EVALSHA, SCRIPT, TIME).
  static std::shared_ptr<RedisKeyStore> open(const KeyStateUrl& url,
                                             std::function<void(const std::string&)> warn = {});

  const std::string& url() const noexcept override { return url_; }
  std::chrono::milliseconds recheck_interval() const noexcept override { return recheck_; }
  void exchange(KeyStateScope& scope, const std::function<void()>& step) override;
  bool choose(KeyStateScope& scope, const KeyChoiceRequest& request, KeyChoice& choice) override;

  /// The server time (µs) of the last key this store chose: tests compare stamps across processes
  /// on the server's clock.
  std::int64_t last_choice_server_us() const noexcept { return last_choice_us_; }
  /// Outages warned about so far.
  int warnings() const noexcept { return warnings_; }

 private:
  RedisKeyStore(std::string url, std::string prefix, std::unique_ptr<RedisConnection> connection,
                std::chrono::milliseconds recheck, std::chrono::milliseconds ttl,
                std::chrono::milliseconds backoff, std::function<void(const std::string&)> warn);
  /// Sends a warning to the sink (standard error when none was given).
  void warn(const std::string& text) const;
  /// True during the backoff after a failure: Redis is not asked (one call never waits on a
  /// failing Redis twice).
  bool quiet() const noexcept;
  void exchange_with_redis(KeyStateScope& scope, const std::function<void()>& step);
  bool choose_with_redis(KeyStateScope& scope, const KeyChoiceRequest& request, KeyChoice& choice);
  /// Measures the offset of the server's clock when not known yet; false: Redis unavailable.
  bool know_offset();
  /// Redis did not answer (or answered with an error): warn once per outage.
  void lost(const std::string& problem);
  /// Redis answered.
  void answered();
  std::string row_key(std::uint64_t pool, const std::string& id) const;
  std::int64_t to_server_us(BudgetTime t) const noexcept;
  BudgetTime to_local(std::int64_t server_us) const noexcept;
  std::string budget_text(const RateBudget& budget) const;
  bool parse_budget(const std::string& text, RateBudget& budget) const;
  /// Copies a row (HGETALL's array) into `state`; returns its version.
  std::string load_row(const RedisReply& fields, KeyState& state) const;
  /// The rows of `scope` into its states; false: Redis unavailable. Fills `versions`.
  bool read_rows(KeyStateScope& scope, std::vector<std::string>& keys,
                 std::vector<std::string>& versions);

  std::string url_;
  std::string prefix_;
  std::unique_ptr<RedisConnection> connection_;
  std::chrono::milliseconds recheck_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds backoff_;
  std::function<void(const std::string&)> warn_;
  std::chrono::steady_clock::time_point quiet_until_{};
  bool have_offset_ = false;
  std::int64_t offset_ns_ = 0;  // local steady ns = server µs * 1000 + offset
  bool degraded_ = false;
  int warnings_ = 0;
  std::int64_t last_choice_us_ = 0;
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
