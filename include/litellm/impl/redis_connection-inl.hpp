#pragma once

// The Redis URL parser and one hiredis connection (see detail/redis_connection.hpp). Compiled
// only with hiredis (LITELLM_HAS_HIREDIS), the one file that includes it.
#include "litellm/detail/redis_connection.hpp"

#include <hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "litellm/detail/redact.hpp"
#include "litellm/detail/sha1.hpp"

namespace litellm::detail {

/// `url` as it may appear in a message: whatever lies between "://" and the last '@' (the
/// credentials) is replaced, keeping a user name before a ':' ("user:***@", or "***@").
LITELLM_INLINE std::string redis_url_for_message(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  const std::size_t at = url.rfind('@');
  if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end + 3) {
    return url;
  }
  const std::size_t start = scheme_end + 3;
  const std::string userinfo = url.substr(start, at - start);
  const std::size_t colon = userinfo.find(':');
  const std::string shown = colon == std::string::npos ? "***" : userinfo.substr(0, colon) + ":***";
  return url.substr(0, start) + shown + url.substr(at);
}

[[noreturn]] LITELLM_INLINE void throw_bad_redis_url(const std::string& url,
                                                     const std::string& why) {
  throw ConfigError("invalid Redis URL " + redis_url_for_message(url) + ": " + why +
                    " (expected redis://[user:password@]host[:port][/db] or rediss://...)");
}

LITELLM_INLINE int redis_hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes %XX escapes; nullopt when one is malformed.
LITELLM_INLINE std::optional<std::string> redis_percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = redis_hex_digit(text[i + 1]);
    const int low = redis_hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

/// A decimal number in [min, max]; nullopt otherwise.
LITELLM_INLINE std::optional<int> redis_parse_number(std::string_view text, int min, int max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

LITELLM_INLINE RedisUrl parse_redis_url(const std::string& url) {
  RedisUrl out;
  std::string_view rest(url);
  auto starts_with_ci = [&](std::string_view prefix) {
    return rest.size() >= prefix.size() && iequals(rest.substr(0, prefix.size()), prefix);
  };
  if (starts_with_ci("redis://")) {
    rest.remove_prefix(8);
  } else if (starts_with_ci("rediss://")) {
    rest.remove_prefix(9);
    out.tls = true;
  } else {
    throw_bad_redis_url(url, "the scheme must be redis:// or rediss://");
  }

  // Credentials: up to the last '@', so that an unencoded '@' or '/' in a password still parses.
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    const std::size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // A lone word could be a password written without its ':': never echo it.
      throw_bad_redis_url(url,
                          "credentials without a ':' (write user:password@, or :password@ for the "
                          "default user)");
    }
    std::optional<std::string> user = redis_percent_decode(userinfo.substr(0, colon));
    std::optional<std::string> password = redis_percent_decode(userinfo.substr(colon + 1));
    if (!user || !password) throw_bad_redis_url(url, "a malformed %-escape in the credentials");
    if (!user->empty() && password->empty()) {
      throw_bad_redis_url(url, "a user without a password");
    }
    out.user = std::move(*user);
    out.password = std::move(*password);
  }

  // Host, port and database.
  const std::size_t slash = rest.find('/');
  std::string_view host_port = rest.substr(0, slash);
  const std::string_view path =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (host_port.find_first_of("?#") != std::string_view::npos ||
      path.find_first_of("?#") != std::string_view::npos) {
    throw_bad_redis_url(url, "query parameters and fragments are not supported");
  }
  std::string_view port_text;
  bool has_port = false;
  if (!host_port.empty() && host_port.front() == '[') {
    const std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) throw_bad_redis_url(url, "an IPv6 address without ']'");
    out.host = std::string(host_port.substr(1, close - 1));
    const std::string_view after = host_port.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw_bad_redis_url(url, "characters after the IPv6 address");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = host_port.find(':');
    out.host = std::string(host_port.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = host_port.substr(colon + 1);
      has_port = true;
    }
  }
  if (out.host.empty()) throw_bad_redis_url(url, "no host");
  if (has_port) {
    const std::optional<int> port = redis_parse_number(port_text, 1, 65535);
    if (!port) throw_bad_redis_url(url, "the port is not a number from 1 to 65535");
    out.port = *port;
  }
  if (!path.empty()) {
    const std::optional<int> db = redis_parse_number(path, 0, 999999999);
    if (!db) throw_bad_redis_url(url, "the database (after '/') is not a non-negative number");
    out.db = *db;
  }
  return out;
}

LITELLM_INLINE std::string RedisUrl::redacted() const {
  std::string out = tls ? "rediss://" : "redis://";
  if (!user.empty() || !password.empty()) {
    out += user;
    out += password.empty() ? "@" : ":***@";
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port);
  if (db != 0) out += "/" + std::to_string(db);
  return out;
}

LITELLM_INLINE RedisScript::RedisScript(std::string script_body)
    : body(std::move(script_body)), sha1(sha1_hex(body)) {}

/// A hiredis reply as a RedisReply.
LITELLM_INLINE RedisReply to_redis_reply(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReplyType::string;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReplyType::status;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReplyType::error;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReplyType::integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReplyType::array;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(to_redis_reply(*reply.element[i]));
      }
      break;
    default:
      out.type = RedisReplyType::nil;
      break;
  }
  return out;
}

LITELLM_INLINE timeval to_timeval(std::chrono::milliseconds duration) {
  const long long ms = std::max<long long>(duration.count(), 1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

/// Blocks SIGPIPE in the calling thread while hiredis writes (it uses write(), not
/// send(MSG_NOSIGNAL), so a write to a connection the server reset would kill the process), and
/// swallows a SIGPIPE raised meanwhile.
class RedisSigpipeGuard {
 public:
  RedisSigpipeGuard() {
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old_);
  }
  ~RedisSigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, SIGPIPE);
        const timespec zero{0, 0};
        while (sigtimedwait(&only, nullptr, &zero) == -1 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  RedisSigpipeGuard(const RedisSigpipeGuard&) = delete;
  RedisSigpipeGuard& operator=(const RedisSigpipeGuard&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

/// Why a hiredis context failed, in words (never holds a password: hiredis reports I/O only).
LITELLM_INLINE std::string redis_context_problem(const redisContext& context) {
  switch (context.err) {
    case REDIS_ERR_EOF:
      return "the server closed the connection";
    case REDIS_ERR_IO: {
      const std::string text(context.errstr);
      if (text.find("Resource temporarily unavailable") != std::string::npos ||
          text.find("timed out") != std::string::npos) {
        return "timed out";
      }
      return text.empty() ? "I/O error" : text;
    }
    case REDIS_ERR_PROTOCOL:
      return std::string("protocol error: ") + context.errstr;
    case REDIS_ERR_OOM:
      return "out of memory";
    default:
      return context.errstr[0] != '\0' ? std::string(context.errstr) : "connection failed";
  }
}

/// True for error replies that say Redis is busy or not ready for a moment (the caller falls
/// back on local state, as for an unreachable server).
LITELLM_INLINE bool is_transient_redis_error(std::string_view text) noexcept {
  for (std::string_view prefix :
       {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"}) {
    if (text.substr(0, prefix.size()) == prefix &&
        (text.size() == prefix.size() || text[prefix.size()] == ' ')) {
      return true;
    }
  }
  return false;
}

LITELLM_INLINE RedisConnection::RedisConnection(RedisUrl url,
                                                std::chrono::milliseconds connect_timeout,
                                                std::chrono::milliseconds command_timeout,
                                                std::chrono::milliseconds reconnect_backoff,
                                                RedisClock clock)
    : url_(std::move(url)),
      connect_timeout_(connect_timeout),
      command_timeout_(command_timeout),
      reconnect_backoff_(reconnect_backoff),
      clock_(std::move(clock)) {
  if (url_.tls) {
    throw ConfigError("Redis URL " + url_.redacted() +
                      ": rediss:// (TLS) is not supported: this library is built against hiredis " +
                      std::to_string(HIREDIS_MAJOR) + "." + std::to_string(HIREDIS_MINOR) +
                      " (Debian 12's), which has no TLS support (hiredis_ssl came with hiredis "
                      "1.0). Reach the server through a TLS tunnel (stunnel, spiped, ssh -L) and "
                      "use a redis:// URL to the tunnel's local end.");
  }
  if (url_.host.empty()) throw ConfigError("Redis URL " + url_.redacted() + ": no host");
}

LITELLM_INLINE RedisConnection::~RedisConnection() {
  disconnect();
}

LITELLM_INLINE void RedisConnection::disconnect() noexcept {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
}

LITELLM_INLINE std::chrono::steady_clock::time_point RedisConnection::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

LITELLM_INLINE RedisResult RedisConnection::unavailable(std::string problem) {
  disconnect();
  problem_ = problem;
  RedisResult out;
  out.problem = std::move(problem);
  return out;
}

LITELLM_INLINE void RedisConnection::check_refusal(const RedisReply& reply,
                                                   std::string_view what) const {
  if (!reply.is_error()) return;
  const std::string& text = reply.str;
  auto starts = [&](std::string_view prefix) { return text.rfind(prefix, 0) == 0; };
  const bool refused = starts("NOAUTH") || starts("WRONGPASS") || starts("NOPERM") ||
                       starts("ERR unknown command") || starts("ERR invalid password") ||
                       starts("ERR Client sent AUTH") || starts("ERR AUTH") ||
                       starts("ERR DB index");
  if (!refused) return;
  std::string message =
      "Redis at " + url_.redacted() + " refused " + std::string(what) + ": " + text +
      (starts("NOAUTH") || starts("WRONGPASS") || starts("ERR invalid password") ||
               starts("ERR AUTH") || starts("ERR Client sent AUTH")
           ? " (check the user and password of the URL)"
       : starts("ERR DB index") ? " (check the database of the URL)"
                                : " (the ACL user needs this command)");
  redact_secret(message, url_.password, "***");
  throw ConfigError(message);
}

LITELLM_INLINE RedisResult RedisConnection::round_trip(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    argvlen.push_back(arg.size());
  }
  void* raw = nullptr;
  {
    RedisSigpipeGuard guard;
    raw = redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), argvlen.data());
  }
  if (raw == nullptr) return unavailable(redis_context_problem(*context_));
  auto* reply = static_cast<redisReply*>(raw);
  RedisResult out;
  out.reply = to_redis_reply(*reply);
  freeReplyObject(reply);
  return out;
}

LITELLM_INLINE bool RedisConnection::connect() {
  if (context_ != nullptr) return true;
  attempted_ = true;
  last_attempt_ = now();
  redisContext* context = nullptr;
  {
    RedisSigpipeGuard guard;
    context = redisConnectWithTimeout(url_.host.c_str(), url_.port, to_timeval(connect_timeout_));
  }
  if (context == nullptr) {
    unavailable("cannot allocate a connection");
    return false;
  }
  if (context->err != 0) {
    std::string problem = redis_context_problem(*context);
    redisFree(context);
    unavailable(std::move(problem));
    return false;
  }
  context_ = context;
  if (redisSetTimeout(context_, to_timeval(command_timeout_)) != REDIS_OK) {
    unavailable("cannot set the command timeout");
    return false;
  }
  if (!url_.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!url_.user.empty()) auth.emplace_back(url_.user);
    auth.emplace_back(url_.password);
    RedisResult result = round_trip(auth);
    if (result.unavailable()) return false;
    if (result.reply->is_error()) {
      disconnect();
      check_refusal(*result.reply, "AUTH");
      std::string message = "Redis at " + url_.redacted() + " refused AUTH: " + result.reply->str;
      redact_secret(message, url_.password, "***");
      throw ConfigError(message);
    }
  }
  if (url_.db != 0) {
    const std::string db = std::to_string(url_.db);
    RedisResult result = round_trip({"SELECT", db});
    if (result.unavailable()) return false;
    if (result.reply->is_error()) {
      disconnect();
      check_refusal(*result.reply, "SELECT " + db);
      throw ConfigError("Redis at " + url_.redacted() + " refused SELECT " + db + ": " +
                        result.reply->str);
    }
  }
  problem_.clear();
  return true;
}

LITELLM_INLINE RedisResult RedisConnection::command(const std::vector<std::string_view>& args) {
  if (context_ == nullptr) {
    if (attempted_ && now() - last_attempt_ < reconnect_backoff_) {
      RedisResult out;
      out.problem = problem_.empty() ? "not connected" : problem_;
      return out;
    }
    if (!connect()) {
      RedisResult out;
      out.problem = problem_;
      return out;
    }
  }
  RedisResult result = round_trip(args);
  if (result.answered() && result.reply->is_error()) {
    if (is_transient_redis_error(result.reply->str)) {
      // The connection is fine: keep it, but report Redis unavailable for this call.
      problem_ = result.reply->str.substr(0, result.reply->str.find(' '));
      RedisResult out;
      out.problem = problem_;
      return out;
    }
    check_refusal(*result.reply, args.empty() ? std::string_view("a command") : args.front());
  }
  return result;
}

LITELLM_INLINE RedisResult RedisConnection::eval_script(const RedisScript& script,
                                                        const std::vector<std::string_view>& keys,
                                                        const std::vector<std::string_view>& args) {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back("EVALSHA");
  argv.emplace_back(script.sha1);
  argv.emplace_back(key_count);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  RedisResult result = command(argv);
  if (!result.answered() || !result.reply->is_error() ||
      result.reply->str.rfind("NOSCRIPT", 0) != 0) {
    return result;
  }
  RedisResult loaded = command({"SCRIPT", "LOAD", script.body});
  if (!loaded.answered() || loaded.reply->is_error()) return loaded;
  return command(argv);
}

LITELLM_INLINE RedisResult RedisConnection::eval_script(const std::string& script_body,
                                                        const std::vector<std::string_view>& keys,
                                                        const std::vector<std::string_view>& args) {
  return eval_script(RedisScript(script_body), keys, args);
}

}  // namespace litellm::detail
