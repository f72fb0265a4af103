// One connection to a Redis server (hiredis, blocking, with timeouts), for the Redis key-state
// store: the URL it is named by, the replies it returns as plain values, and the two outcomes a
// caller must tell apart:
// - Redis is unavailable (unreachable, a connect or command timeout, the connection lost): a
//   RedisResult without a reply. Not an error: the caller goes on with local state. After such a
//   failure the connection is dropped, and the next command reconnects, but not sooner than the
//   reconnect backoff after the last attempt, so a dead Redis costs nothing per call;
// - Redis refuses us (a wrong password, NOAUTH, WRONGPASS, a command denied by an ACL or
//   renamed away, a database index out of range): litellm::ConfigError, whose message never holds
//   the password. Other error replies (a script's runtime error, WRONGTYPE, ...) are replies.
//
// TLS (`rediss://`): parsed, but refused by RedisConnection with a ConfigError. Debian 12's hiredis
// (0.14.1) has no TLS support at all (hiredis_ssl came with hiredis 1.0), so this is the nearest
// right thing: say so at open, never send a password in clear text to a server that expects TLS.
// A TLS tunnel (stunnel, spiped, an SSH forward) to a local redis:// URL is the workaround.
//
// Time bounds: a command on an open connection blocks at most command_timeout per read or write
// (hiredis sets SO_RCVTIMEO / SO_SNDTIMEO); a command that reconnects first adds the connect
// (connect_timeout) and the AUTH and SELECT round trips (command_timeout each), and happens at
// most once per reconnect backoff. A host name is resolved by hiredis with a blocking
// getaddrinfo that no timeout bounds: give an IP address where that matters.
//
// Not thread-safe: one RedisConnection is used by one thread at a time (the Redis store guards
// it with its own mutex). Nothing here logs, so no key and no password can reach a log.
//
// hiredis types never leave impl/redis_connection-inl.hpp (compiled only when the library is
// built with hiredis: LITELLM_HAS_HIREDIS). This header declares, so it compiles without hiredis.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/errors.hpp"

struct redisContext;

namespace litellm::detail {

/// A parsed `redis://[user:password@]host[:port][/db]` or `rediss://...` URL.
struct RedisUrl {
  std::string host;      ///< A host name or an IP address (IPv6 without its brackets).
  int port = 6379;       ///< 6379 when the URL gives none.
  std::string user;      ///< The ACL user; empty: the default user.
  std::string password;  ///< Empty: no AUTH.
  int db = 0;            ///< The database SELECTed after connecting.
  bool tls = false;      ///< `rediss://`.

  /// The URL with the password replaced by `***` (for messages and logs).
  std::string redacted() const;
};

/// Parses a Redis URL: `redis://` or `rediss://`, an optional `user:password@` or `:password@`
/// (percent-encoded characters decoded), a host (`[::1]` for IPv6), an optional port (default
/// 6379) and an optional `/db` (default 0).
/// @throws litellm::ConfigError naming what is wrong; the message never holds the password.
LITELLM_API RedisUrl parse_redis_url(const std::string& url);

/// The kind of a Redis reply (RESP2, all hiredis 0.14 speaks).
enum class RedisReplyType { nil, integer, string, status, error, array };

/// One Redis reply as a plain value.
struct RedisReply {
  RedisReplyType type = RedisReplyType::nil;  ///< What it is.
  long long integer = 0;                      ///< The value of an integer reply.
  std::string str;  ///< The bytes of a string, the text of a status or error reply.
  std::vector<RedisReply> elements;  ///< The elements of an array reply.

  /// True for an error reply.
  bool is_error() const noexcept { return type == RedisReplyType::error; }
  /// True for a nil reply.
  bool is_nil() const noexcept { return type == RedisReplyType::nil; }
  /// True for a status reply equal to `text` (e.g. "OK", "PONG").
  bool is_status(std::string_view text) const noexcept {
    return type == RedisReplyType::status && str == text;
  }
};

/// What a command came back with: a reply (which may be an error reply), or no reply because
/// Redis is unavailable.
struct RedisResult {
  std::optional<RedisReply> reply;  ///< The reply; empty when Redis is unavailable.
  std::string problem;  ///< Why Redis is unavailable ("connection refused", "timed out", ...).

  /// True when Redis answered (with anything, an error reply included).
  bool answered() const noexcept { return reply.has_value(); }
  /// True when Redis is unavailable (the caller falls back on local state).
  bool unavailable() const noexcept { return !reply.has_value(); }
};

/// A Lua script and its SHA-1, computed once (EVALSHA names a script by it).
struct RedisScript {
  /// @param script_body the Lua source.
  explicit RedisScript(std::string script_body);
  std::string body;  ///< The Lua source.
  std::string sha1;  ///< Lower-case hex SHA-1 of `body`.
};

/// The time the reconnect backoff is measured in (injectable for tests).
using RedisClock = std::function<std::chrono::steady_clock::time_point()>;

/// The default shortest time between two connection attempts.
inline constexpr std::chrono::milliseconds kDefaultRedisReconnectBackoff{250};

/// One blocking hiredis connection with a connect timeout, a command timeout and a reconnect
/// backoff. Not thread-safe (see the top of this file).
class LITELLM_API RedisConnection {
 public:
  /// Nothing is connected yet: call connect(), or let the first command do it.
  /// @param url where to connect (parse_redis_url).
  /// @param connect_timeout the longest a TCP connect may take.
  /// @param command_timeout the longest a read or write of one command may block (the AUTH and
  ///        SELECT of a connect included).
  /// @param reconnect_backoff the shortest time between two connection attempts made by
  ///        commands.
  /// @param clock the time the backoff is measured in; empty: std::chrono::steady_clock.
  /// @throws litellm::ConfigError for a `rediss://` URL (no TLS in hiredis 0.14) or a URL
  ///         without a host.
  RedisConnection(RedisUrl url, std::chrono::milliseconds connect_timeout,
                  std::chrono::milliseconds command_timeout,
                  std::chrono::milliseconds reconnect_backoff = kDefaultRedisReconnectBackoff,
                  RedisClock clock = {});
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Connects now (whatever the backoff), authenticates (AUTH [user] password) and selects the
  /// database. Does nothing when connected.
  /// @return true when connected; false when Redis is unavailable (problem() says why).
  /// @throws litellm::ConfigError when Redis refuses the credentials or the database.
  bool connect();
  /// True while a connection is open (it may still turn out lost at the next command).
  bool connected() const noexcept { return context_ != nullptr; }
  /// Closes the connection; the next command reconnects (subject to the backoff).
  void disconnect() noexcept;

  /// Sends one command, binary-safe (each argument may hold any bytes), and returns its reply.
  /// Reconnects first when not connected and the backoff allows; otherwise returns unavailable at
  /// once, without any I/O.
  /// @throws litellm::ConfigError when Redis denies the command (NOPERM, NOAUTH, an unknown
  ///         command) or refuses the credentials on a reconnect.
  RedisResult command(const std::vector<std::string_view>& args);

  /// Runs a Lua script: EVALSHA with the script's SHA-1, one round trip; when the server does not
  /// know the script (NOSCRIPT: a restarted or flushed server), SCRIPT LOAD, then EVALSHA once
  /// more.
  /// @throws litellm::ConfigError as command() does (an ACL without EVALSHA or SCRIPT).
  RedisResult eval_script(const RedisScript& script, const std::vector<std::string_view>& keys,
                          const std::vector<std::string_view>& args);
  /// The same, for a script given by its body (its SHA-1 is computed on each call: prefer
  /// the RedisScript overload on a hot path).
  RedisResult eval_script(const std::string& script_body, const std::vector<std::string_view>& keys,
                          const std::vector<std::string_view>& args);

  /// Where this connection goes.
  const RedisUrl& url() const noexcept { return url_; }
  /// Why Redis was last found unavailable (empty before any failure).
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::chrono::steady_clock::time_point now() const;
  /// Records a failure: drops the connection, remembers `problem`, returns unavailable.
  RedisResult unavailable(std::string problem);
  /// Runs one command on the open connection (no reconnect, no error-reply classification).
  RedisResult round_trip(const std::vector<std::string_view>& args);
  /// Throws ConfigError for replies that mean Redis refuses us; `what` names the command.
  void check_refusal(const RedisReply& reply, std::string_view what) const;

  RedisUrl url_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds command_timeout_;
  std::chrono::milliseconds reconnect_backoff_;
  RedisClock clock_;
  redisContext* context_ = nullptr;
  bool attempted_ = false;  ///< A connection attempt was made (last_attempt_ is set).
  std::chrono::steady_clock::time_point last_attempt_{};
  std::string problem_;
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
