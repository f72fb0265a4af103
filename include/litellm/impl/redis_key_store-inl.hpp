#pragma once

// The Redis key-state store (detail/redis_key_store.hpp). Compiled only with hiredis
// (LITELLM_HAS_HIREDIS), like the connection it uses.
#include "litellm/detail/redis_key_store.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "litellm/errors.hpp"

namespace litellm::detail {

/// Choose, stamp and reserve in one step. KEYS[i]: the row of key i. ARGV: n, gap (µs), demand
/// (0/1), pace (0/1), the cost per dimension (4), ttl (ms); with a demand, per key: its budget's
/// field and the budget a new one starts as. A budget is 4 x (capacity, level, reserved, window µs,
/// updated µs, configured) then cooldown end, rate-limit streak, rate limits, daily quota, in
/// flight: TokenBucket / RateBudget (rate_budget.hpp), step for step.
/// Returns {1, index, now, previous use or -1} | {0, earliest - now or -1, now} | {2} all out |
/// {3} every key in rotation waits for a per-day quota.
inline constexpr const char kRedisChooseScript[] = R"lua(
local n = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local demand = ARGV[3] == '1'
local pace = ARGV[4] == '1'
local cost = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])}
local ttl = tonumber(ARGV[9])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function parse(text)
  local v = {}
  for x in string.gmatch(text, '%S+') do v[#v + 1] = tonumber(x) end
  return v
end
local function refill(b)
  for d = 0, 3 do
    local o = d * 6
    if now > b[o + 5] then
      if b[o + 1] > 0 then
        b[o + 2] = math.min(b[o + 1], b[o + 2] + b[o + 1] * (now - b[o + 5]) / b[o + 4])
      end
      b[o + 5] = now
    end
  end
end
local function ready_at(b)
  local ready = math.max(now, b[25])
  for d = 0, 3 do
    local o = d * 6
    local capacity = b[o + 1]
    if capacity > 0 then
      local need = math.min(cost[d + 1], capacity) - b[o + 2]
      if need > 0 then ready = math.max(ready, now + math.ceil(need / capacity * b[o + 4])) end
    end
  end
  return ready
end
local function text(b)
  local out = {}
  for i = 1, #b do out[i] = string.format('%.17g', b[i]) end
  return table.concat(out, ' ')
end
local best, best_lu, earliest = nil, -1, nil
local any_in, any_without_daily = false, false
local budgets = {}
for i = 1, n do
  local row = redis.call('HMGET', KEYS[i], 'lu', 'cd', 'rot')
  local lu = tonumber(row[1] or '-1')
  if row[3] ~= '0' then
    any_in = true
    local ready = tonumber(row[2] or '0')
    if lu >= 0 then ready = math.max(ready, lu + gap) end
    if demand then
      local b = parse(redis.call('HGET', KEYS[i], ARGV[8 + 2 * i]) or ARGV[9 + 2 * i])
      refill(b)
      budgets[i] = b
      if not (b[28] == 1 and b[25] > now) then any_without_daily = true end
      if pace then ready = math.max(ready, ready_at(b)) else ready = math.max(ready, b[25]) end
    end
    if ready > now then
      if earliest == nil or ready < earliest then earliest = ready end
    elseif best == nil or (best_lu >= 0 and (lu < 0 or lu < best_lu)) then
      best, best_lu = i, lu
    end
  end
end
if best then
  local key = KEYS[best]
  redis.call('HSET', key, 'lu', string.format('%.0f', now))
  redis.call('HINCRBY', key, 'uses', 1)
  redis.call('HINCRBY', key, 'inf', 1)
  redis.call('HINCRBY', key, 'v', 1)
  if demand then
    local b = budgets[best]
    for d = 0, 3 do
      b[d * 6 + 2] = b[d * 6 + 2] - cost[d + 1]
      b[d * 6 + 3] = b[d * 6 + 3] + cost[d + 1]
    end
    b[29] = b[29] + 1
    redis.call('HSET', key, ARGV[8 + 2 * best], text(b))
  end
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  return {1, best - 1, string.format('%.0f', now), string.format('%.0f', best_lu)}
end
if not any_in then return {2} end
if demand and not any_without_daily then return {3} end
if earliest == nil then return {0, '-1', string.format('%.0f', now)} end
return {0, string.format('%.0f', earliest - now), string.format('%.0f', now)}
)lua";

/// The rows of KEYS, with the server's time: {now, HGETALL of each}.
inline constexpr const char kRedisReadScript[] = R"lua(
local t = redis.call('TIME')
local out = {t[1] .. string.format('%06d', tonumber(t[2]))}
for i = 1, #KEYS do out[#out + 1] = redis.call('HGETALL', KEYS[i]) end
return out
)lua";

/// Writes the rows of KEYS if none was written since it was read: ARGV: ttl (ms), then per row
/// its version when read, its number of fields, the fields and values. Returns 1, or 0 (written
/// meanwhile: nothing written).
inline constexpr const char kRedisWriteScript[] = R"lua(
local ttl = tonumber(ARGV[1])
local pos = 2
local spans = {}
for i = 1, #KEYS do
  local version = redis.call('HGET', KEYS[i], 'v') or '0'
  if version ~= ARGV[pos] then return 0 end
  local m = tonumber(ARGV[pos + 1])
  spans[i] = {pos + 2, m}
  pos = pos + 2 + 2 * m
end
for i = 1, #KEYS do
  local first, m = spans[i][1], spans[i][2]
  for j = 0, m - 1 do
    redis.call('HSET', KEYS[i], ARGV[first + 2 * j], ARGV[first + 2 * j + 1])
  end
  redis.call('HINCRBY', KEYS[i], 'v', 1)
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1
)lua";

/// The scripts, hashed once.
LITELLM_INLINE const RedisScript& redis_choose_script() {
  static const RedisScript script(kRedisChooseScript);
  return script;
}
LITELLM_INLINE const RedisScript& redis_read_script() {
  static const RedisScript script(kRedisReadScript);
  return script;
}
LITELLM_INLINE const RedisScript& redis_write_script() {
  static const RedisScript script(kRedisWriteScript);
  return script;
}

/// Views of `strings`, for RedisConnection.
LITELLM_INLINE std::vector<std::string_view> redis_views(const std::vector<std::string>& strings) {
  return std::vector<std::string_view>(strings.begin(), strings.end());
}

LITELLM_INLINE std::int64_t redis_integer(const RedisReply& reply, std::int64_t fallback = 0) {
  if (reply.type == RedisReplyType::integer) return reply.integer;
  if (reply.type == RedisReplyType::string || reply.type == RedisReplyType::status) {
    char* end = nullptr;
    const long long value = std::strtoll(reply.str.c_str(), &end, 10);
    if (end != reply.str.c_str()) return value;
  }
  return fallback;
}

LITELLM_INLINE std::int64_t redis_integer(const std::string& text, std::int64_t fallback = 0) {
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  return end != text.c_str() ? value : fallback;
}

LITELLM_INLINE std::shared_ptr<RedisKeyStore> RedisKeyStore::open(
    const KeyStateUrl& url, std::function<void(const std::string&)> warn) {
  check_key_state_options(
      url, {"prefix", "timeout_ms", "connect_timeout_ms", "backoff_ms", "recheck_ms", "ttl_s"});
  std::string prefix = "litellm:";
  for (const auto& [name, value] : url.query) {
    if (name == "prefix") prefix = value;
  }
  if (prefix.find_first_of("{}") != std::string::npos) {
    throw ConfigError("key state URL '" + url.shown + "': the prefix must not hold '{' or '}'");
  }
  const std::chrono::milliseconds timeout(key_state_option(url, "timeout_ms", 50, 1, 60000));
  const std::chrono::milliseconds connect_timeout(
      key_state_option(url, "connect_timeout_ms", timeout.count(), 1, 60000));
  const std::chrono::milliseconds backoff(key_state_option(url, "backoff_ms", 250, 0, 600000));
  const std::chrono::milliseconds recheck(key_state_option(url, "recheck_ms", 10, 1, 1000));
  const std::chrono::milliseconds ttl(
      std::chrono::seconds(key_state_option(url, "ttl_s", 3600, 1, 86400 * 365)));
  RedisUrl parsed = parse_redis_url(url.scheme + "://" + url.rest);
  const std::string shown = parsed.redacted();
  auto connection =
      std::make_unique<RedisConnection>(std::move(parsed), connect_timeout, timeout, backoff);
  std::shared_ptr<RedisKeyStore> store(new RedisKeyStore(shown, prefix, std::move(connection),
                                                         recheck, ttl, backoff, std::move(warn)));
  // Reach it now: a refused password or a denied command is a ConfigError here; an unreachable
  // server only a warning (calls go on locally and join when it answers).
  if (!store->connection_->connect()) {
    store->lost(store->connection_->problem());
  } else {
    store->know_offset();  // runs a script (EVALSHA, SCRIPT LOAD, TIME): denied -> ConfigError
    RedisResult probe = store->connection_->eval_script(redis_write_script(), {},
                                                        std::vector<std::string_view>{"1"});
    if (probe.answered() && probe.reply->is_error()) {
      throw ConfigError(shown + ": the key-state script failed: " + probe.reply->str);
    }
    (void)redis_choose_script();
  }
  return store;
}

LITELLM_INLINE RedisKeyStore::RedisKeyStore(std::string url, std::string prefix,
                                            std::unique_ptr<RedisConnection> connection,
                                            std::chrono::milliseconds recheck,
                                            std::chrono::milliseconds ttl,
                                            std::chrono::milliseconds backoff,
                                            std::function<void(const std::string&)> warn)
    : url_(std::move(url)),
      prefix_(std::move(prefix)),
      connection_(std::move(connection)),
      recheck_(recheck),
      ttl_(ttl),
      backoff_(backoff),
      warn_(std::move(warn)) {}

LITELLM_INLINE void RedisKeyStore::warn(const std::string& text) const {
  if (warn_) {
    try {
      warn_(text);
    } catch (...) {
      // A sink that throws loses its warning, never the call.
    }
    return;
  }
  std::fprintf(stderr, "%s\n", text.c_str());
}

LITELLM_INLINE bool RedisKeyStore::quiet() const noexcept {
  return degraded_ && std::chrono::steady_clock::now() < quiet_until_;
}

LITELLM_INLINE void RedisKeyStore::lost(const std::string& problem) {
  quiet_until_ = std::chrono::steady_clock::now() + backoff_;
  if (degraded_) return;
  degraded_ = true;
  ++warnings_;
  warn("litellm: warning: key state " + url_ + " unavailable (" +
       (problem.empty() ? std::string("no answer") : problem) +
       "): going on with this process's own key state until it answers again");
}

LITELLM_INLINE void RedisKeyStore::answered() {
  if (!degraded_) return;
  degraded_ = false;
  warn("litellm: key state " + url_ + " answers again: shared key state rejoined");
}

LITELLM_INLINE bool RedisKeyStore::know_offset() {
  if (quiet()) return false;
  if (have_offset_) return true;
  RedisResult result = connection_->eval_script(redis_read_script(), {}, {});
  const auto after = std::chrono::steady_clock::now();
  if (result.unavailable() || result.reply->is_error() || result.reply->elements.empty()) {
    lost(result.answered() ? result.reply->str : result.problem);
    return false;
  }
  const std::int64_t server_us = redis_integer(result.reply->elements[0]);
  // The server read its clock before `after`: mapped through this offset, this process's "now"
  // is never later than the server's (by up to a round trip earlier), so a budget refilled by
  // this process's steps never gains tokens before the server would.
  const std::int64_t local_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(after.time_since_epoch()).count();
  offset_ns_ = local_ns - server_us * 1000;
  have_offset_ = true;
  answered();
  return true;
}

LITELLM_INLINE std::string RedisKeyStore::row_key(std::uint64_t pool, const std::string& id) const {
  char tag[24];
  std::snprintf(tag, sizeof tag, "%016" PRIx64, pool);
  return prefix_ + "{" + tag + "}:" + id;
}

LITELLM_INLINE std::int64_t server_us_of(BudgetTime t, std::int64_t offset_ns) noexcept {
  const std::int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  // Ceiling division; an instant read from the server maps back to itself.
  const std::int64_t shifted = ns - offset_ns;
  return shifted >= 0 ? (shifted + 999) / 1000 : -(-shifted / 1000);
}

LITELLM_INLINE BudgetTime local_time_of(std::int64_t server_us, std::int64_t offset_ns) noexcept {
  return BudgetTime(std::chrono::duration_cast<BudgetDuration>(
      std::chrono::nanoseconds(server_us * 1000 + offset_ns)));
}

LITELLM_INLINE std::int64_t RedisKeyStore::to_server_us(BudgetTime t) const noexcept {
  return server_us_of(t, offset_ns_);
}

LITELLM_INLINE BudgetTime RedisKeyStore::to_local(std::int64_t server_us) const noexcept {
  return local_time_of(server_us, offset_ns_);
}

LITELLM_INLINE std::string RedisKeyStore::budget_text(const RateBudget& budget) const {
  std::string out;
  char number[40];
  const auto add = [&](double value) {
    std::snprintf(number, sizeof number, out.empty() ? "%.17g" : " %.17g", value);
    out += number;
  };
  for (const TokenBucket& bucket : budget.buckets) {
    add(bucket.capacity);
    add(bucket.level);
    add(bucket.reserved);
    add(static_cast<double>(
        std::chrono::duration_cast<std::chrono::microseconds>(bucket.window).count()));
    add(static_cast<double>(to_server_us(bucket.updated)));
    add(bucket.configured ? 1 : 0);
  }
  add(static_cast<double>(to_server_us(budget.cooldown_until)));
  add(budget.consecutive_rate_limits);
  add(static_cast<double>(budget.rate_limits));
  add(budget.daily_quota ? 1 : 0);
  add(budget.in_flight);
  return out;
}

LITELLM_INLINE bool RedisKeyStore::parse_budget(const std::string& text, RateBudget& budget) const {
  double values[29];
  const char* p = text.c_str();
  for (double& value : values) {
    char* end = nullptr;
    value = std::strtod(p, &end);
    if (end == p) return false;
    p = end;
  }
  const auto time_of = [&](double us) { return to_local(static_cast<std::int64_t>(us)); };
  for (std::size_t d = 0; d < kRateDimensions; ++d) {
    TokenBucket& bucket = budget.buckets[d];
    const double* v = values + d * 6;
    bucket.capacity = v[0];
    bucket.level = v[1];
    bucket.reserved = v[2];
    bucket.window = std::chrono::duration_cast<BudgetDuration>(
        std::chrono::microseconds(static_cast<std::int64_t>(v[3])));
    bucket.updated = time_of(v[4]);
    bucket.configured = v[5] != 0;
  }
  budget.cooldown_until = time_of(values[24]);
  budget.consecutive_rate_limits = static_cast<int>(values[25]);
  budget.rate_limits = static_cast<std::uint64_t>(values[26]);
  budget.daily_quota = values[27] != 0;
  budget.in_flight = static_cast<int>(values[28]);
  return true;
}

LITELLM_INLINE std::string RedisKeyStore::load_row(const RedisReply& fields,
                                                   KeyState& state) const {
  std::string version = "0";
  // A row not written yet is a key never used: start from a fresh row.
  std::unordered_map<std::string, std::unique_ptr<RateBudget>> budgets = std::move(state.budgets);
  const std::int64_t slot = state.shared_slot;
  state = KeyState{};
  state.budgets = std::move(budgets);
  state.shared_slot = slot;
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].str;
    const std::string& value = fields.elements[i + 1].str;
    if (name == "v") {
      version = value;
    } else if (name == "lu") {
      const std::int64_t us = redis_integer(value, -1);
      if (us >= 0) state.last_use = to_local(us);
    } else if (name == "cd") {
      state.cooldown_until = to_local(redis_integer(value));
    } else if (name == "rot") {
      state.in_rotation = value != "0";
    } else if (name == "dk") {
      state.disabled_kind = static_cast<ErrorKind>(redis_integer(value));
    } else if (name == "dr") {
      state.disabled_reason = value;
    } else if (name == "le") {
      state.last_error = value;
    } else if (name == "uses") {
      state.uses = static_cast<std::uint64_t>(redis_integer(value));
    } else if (name == "ok") {
      state.successes = static_cast<std::uint64_t>(redis_integer(value));
    } else if (name == "fail") {
      state.failures = static_cast<std::uint64_t>(redis_integer(value));
    } else if (name == "rl") {
      state.rate_limits = static_cast<std::uint64_t>(redis_integer(value));
    } else if (name == "crl") {
      state.consecutive_rate_limits = static_cast<int>(redis_integer(value));
    } else if (name == "inf") {
      state.in_flight = static_cast<int>(redis_integer(value));
    } else if (name.rfind("b:", 0) == 0) {
      auto& budget = state.budgets[name.substr(2)];
      if (!budget) budget = std::make_unique<RateBudget>();
      parse_budget(value, *budget);
    }
  }
  return version;
}

LITELLM_INLINE bool RedisKeyStore::read_rows(KeyStateScope& scope, std::vector<std::string>& keys,
                                             std::vector<std::string>& versions) {
  keys.clear();
  for (const std::string* id : scope.ids) keys.push_back(row_key(scope.pool, *id));
  RedisResult result = connection_->eval_script(redis_read_script(), redis_views(keys), {});
  if (result.unavailable() || result.reply->is_error() ||
      result.reply->elements.size() != keys.size() + 1) {
    lost(result.answered() ? result.reply->str : result.problem);
    return false;
  }
  answered();
  versions.clear();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    versions.push_back(load_row(result.reply->elements[i + 1], *scope.states[i]));
  }
  return true;
}

LITELLM_INLINE void RedisKeyStore::exchange(KeyStateScope& scope,
                                            const std::function<void()>& step) {
  bool stepped = false;
  const std::function<void()> counted = [&] {
    stepped = true;
    step();
  };
  try {
    exchange_with_redis(scope, counted);
  } catch (const ConfigError& e) {
    // Refused after open (an ACL changed, a password rotated): this process's rows, as when
    // Redis is down; the lease ends and the call goes on.
    lost(e.message());
    if (!stepped) step();
  }
}

LITELLM_INLINE void RedisKeyStore::exchange_with_redis(KeyStateScope& scope,
                                                       const std::function<void()>& step) {
  std::vector<std::string> keys;
  std::vector<std::string> versions;
  // A conflict means another process wrote one of the rows meanwhile: read them again.
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (!know_offset() || !read_rows(scope, keys, versions)) {
      step();  // this process's rows, as memory:// does
      return;
    }
    step();
    std::vector<std::string> args;
    args.push_back(std::to_string(ttl_.count()));
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const KeyState& state = *scope.states[i];
      args.push_back(versions[i]);
      const std::size_t count_at = args.size();
      args.emplace_back();
      const std::size_t first = args.size();
      const auto field = [&](const char* name, std::string value) {
        args.emplace_back(name);
        args.push_back(std::move(value));
      };
      field("lu", state.last_use ? std::to_string(to_server_us(*state.last_use)) : "-1");
      field("cd", std::to_string(to_server_us(state.cooldown_until)));
      field("rot", state.in_rotation ? "1" : "0");
      field("dk", std::to_string(static_cast<int>(state.disabled_kind)));
      field("dr", state.disabled_reason);
      field("le", state.last_error);
      field("uses", std::to_string(state.uses));
      field("ok", std::to_string(state.successes));
      field("fail", std::to_string(state.failures));
      field("rl", std::to_string(state.rate_limits));
      field("crl", std::to_string(state.consecutive_rate_limits));
      field("inf", std::to_string(state.in_flight));
      for (const auto& [model, budget] : state.budgets) {
        args.push_back("b:" + model);
        args.push_back(budget_text(*budget));
      }
      args[count_at] = std::to_string((args.size() - first) / 2);
    }
    RedisResult result =
        connection_->eval_script(redis_write_script(), redis_views(keys), redis_views(args));
    if (result.unavailable() || result.reply->is_error()) {
      lost(result.answered() ? result.reply->str : result.problem);
      return;  // the step stands in this process's rows
    }
    if (redis_integer(*result.reply) == 1) return;
  }
}

LITELLM_INLINE bool RedisKeyStore::choose(KeyStateScope& scope, const KeyChoiceRequest& request,
                                          KeyChoice& choice) {
  try {
    return choose_with_redis(scope, request, choice);
  } catch (const ConfigError& e) {
    lost(e.message());  // refused after open: this process chooses alone, as when Redis is down
    return false;
  }
}

LITELLM_INLINE bool RedisKeyStore::choose_with_redis(KeyStateScope& scope,
                                                     const KeyChoiceRequest& request,
                                                     KeyChoice& choice) {
  if (!know_offset()) return false;
  std::vector<std::string> keys;
  keys.reserve(scope.ids.size());
  for (const std::string* id : scope.ids) keys.push_back(row_key(scope.pool, *id));
  const auto wait_us =
      std::chrono::ceil<std::chrono::microseconds>(request.gap - BudgetDuration(1)).count();
  const std::int64_t ttl_ms = std::max<std::int64_t>(ttl_.count(), 2 * (wait_us / 1000 + 1));
  std::vector<std::string> args;
  args.reserve(9 + 2 * request.budgets.size());
  args.push_back(std::to_string(keys.size()));
  args.push_back(std::to_string(wait_us + 1));  // strictly more than the wait
  args.push_back(request.cost != nullptr ? "1" : "0");
  args.push_back(request.pace ? "1" : "0");
  for (std::size_t d = 0; d < kRateDimensions; ++d) {
    char number[40];
    std::snprintf(number, sizeof number, "%.17g",
                  request.cost != nullptr ? request.cost->of(static_cast<RateDimension>(d)) : 0.0);
    args.emplace_back(number);
  }
  args.push_back(std::to_string(ttl_ms));
  if (request.cost != nullptr) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      args.push_back("b:" + *request.models[i]);
      args.push_back(budget_text(*request.budgets[i]));
    }
  }
  RedisResult result =
      connection_->eval_script(redis_choose_script(), redis_views(keys), redis_views(args));
  if (result.unavailable() || result.reply->is_error() || result.reply->elements.empty()) {
    lost(result.answered() ? result.reply->str : result.problem);
    return false;
  }
  answered();
  const auto& e = result.reply->elements;
  const std::int64_t code = redis_integer(e[0]);
  if (code == 1 && e.size() == 4) {
    const auto index = static_cast<std::size_t>(redis_integer(e[1]));
    const std::int64_t at = redis_integer(e[2]);
    const std::int64_t previous = redis_integer(e[3], -1);
    choice.result = KeyChoice::Result::chosen;
    choice.index = index;
    choice.at = to_local(at);
    choice.previous.reset();
    if (previous >= 0) choice.previous = to_local(previous);
    last_choice_us_ = at;
    // Mirror the step into this process's row (a cache: the next read replaces it).
    KeyState& state = *scope.states[index];
    state.last_use = choice.at;
    ++state.uses;
    ++state.in_flight;
    if (request.cost != nullptr) request.budgets[index]->reserve(*request.cost);
    return true;
  }
  if (code == 2 || code == 3) {
    choice.result = code == 2 ? KeyChoice::Result::all_out : KeyChoice::Result::daily_quota;
    std::vector<std::string> versions;
    read_rows(scope, keys, versions);  // the reasons, for the error
    return true;
  }
  if (code == 0 && e.size() == 3) {
    const std::int64_t delta = redis_integer(e[1], -1);
    const std::int64_t now = redis_integer(e[2]);
    choice.result = KeyChoice::Result::none_ready;
    choice.earliest = delta < 0 ? BudgetTime::max() : to_local(now + delta);
    return true;
  }
  lost("unexpected reply to the key-choice script");
  return false;
}

}  // namespace litellm::detail
