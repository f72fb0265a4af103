// The Redis connection of the key-state store: URL parsing (no server), then against a real
// redis-server on 127.0.0.1 (cases tagged [redis-server]): replies, scripts by SHA-1 with the
// NOSCRIPT fallback, refusals as ConfigError, and an unavailable Redis (stopped, restarted,
// frozen) as a quick "unavailable" outcome with a reconnect bounded by the backoff.
#include <chrono>
#include <string>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
#include "litellm/detail/redis_connection.hpp"
#include "litellm/detail/sha1.hpp"
#include "litellm/errors.hpp"
#include "redis_server.hpp"

using litellm::ConfigError;
using litellm::detail::parse_redis_url;
using litellm::detail::RedisConnection;
using litellm::detail::RedisReplyType;
using litellm::detail::RedisResult;
using litellm::detail::RedisScript;
using litellm::detail::RedisUrl;
using litellm::test::expect_error;
using litellm::test::RedisServer;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSecret = "hunter2-Secret";

/// A clock the test moves by hand (the reconnect backoff is measured in it).
struct ManualClock {
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  litellm::detail::RedisClock clock() {
    return [this] { return now; };
  }
};

RedisUrl local_url(const RedisServer& server) {
  return parse_redis_url(server.url());
}

}  // namespace

TEST_CASE("SHA-1 names scripts as Redis does", "[redis]") {
  CHECK(litellm::detail::sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(litellm::detail::sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(litellm::detail::sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(litellm::detail::sha1_hex(std::string(1000, 'a')) ==
        "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

TEST_CASE("Redis URLs: the accepted forms", "[redis]") {
  RedisUrl url = parse_redis_url("redis://localhost");
  CHECK(url.host == "localhost");
  CHECK(url.port == 6379);
  CHECK(url.db == 0);
  CHECK(url.user.empty());
  CHECK(url.password.empty());
  CHECK_FALSE(url.tls);
  CHECK(url.redacted() == "redis://localhost:6379");

  url = parse_redis_url("redis://alice:s3cret@10.0.0.5:6380/2");
  CHECK(url.host == "10.0.0.5");
  CHECK(url.port == 6380);
  CHECK(url.user == "alice");
  CHECK(url.password == "s3cret");
  CHECK(url.db == 2);
  CHECK(url.redacted() == "redis://alice:***@10.0.0.5:6380/2");

  url = parse_redis_url("redis://:onlypass@cache.internal:7000");
  CHECK(url.user.empty());
  CHECK(url.password == "onlypass");
  CHECK(url.host == "cache.internal");
  CHECK(url.redacted() == "redis://:***@cache.internal:7000");

  url = parse_redis_url("redis://[::1]:6390/1");
  CHECK(url.host == "::1");
  CHECK(url.port == 6390);
  CHECK(url.db == 1);
  CHECK(url.redacted() == "redis://[::1]:6390/1");
  CHECK(parse_redis_url("redis://[::1]").port == 6379);

  url = parse_redis_url("redis://us%40er:p%40ss%3Aw%2Fo@h:1/");
  CHECK(url.user == "us@er");
  CHECK(url.password == "p@ss:w/o");
  CHECK(url.db == 0);

  // An unencoded '@' or '/' in a password still parses: credentials end at the last '@'.
  url = parse_redis_url("redis://:a@b/c@h:2");
  CHECK(url.password == "a@b/c");
  CHECK(url.host == "h");
  CHECK(url.port == 2);

  url = parse_redis_url("rediss://u:p@secure.example:6380");
  CHECK(url.tls);
  CHECK(url.redacted() == "rediss://u:***@secure.example:6380");
  CHECK(parse_redis_url("REDIS://h").host == "h");
}

TEST_CASE("Redis URLs: bad ones are ConfigErrors that never show the password", "[redis]") {
  const std::string secret = kSecret;
  const std::vector<std::string> bad = {
      "http://h:6379",
      "redis:/h",
      "redis://",
      "redis://:" + secret + "@",
      "redis://:" + secret + "@:6379",
      "redis://u:" + secret + "@h:0",
      "redis://u:" + secret + "@h:65536",
      "redis://u:" + secret + "@h:port",
      "redis://u:" + secret + "@h:",
      "redis://u:" + secret + "@h:6379/x",
      "redis://u:" + secret + "@h:6379/-1",
      "redis://u:" + secret + "@h:6379?db=1",
      "redis://u:" + secret + "@[::1",
      "redis://u:" + secret + "@[::1]x",
      "redis://u:%zz" + secret + "@h",
      "redis://u:" + secret + "%4@h",
      "redis://" + secret + "@h",  // no ':': could be a password
      "redis://alice:@h",          // a user without a password
  };
  for (const std::string& text : bad) {
    INFO(text.substr(0, 9));
    const ConfigError error = expect_error<ConfigError>([&] { parse_redis_url(text); });
    const std::string message = error.what();
    CHECK(message.find(secret) == std::string::npos);
    CHECK(message.find("Redis URL") != std::string::npos);
  }
  const ConfigError port =
      expect_error<ConfigError>([&] { parse_redis_url("redis://u:pw@h:99999"); });
  CHECK(std::string(port.what()).find("port") != std::string::npos);
  CHECK(std::string(port.what()).find("u:***@h:99999") != std::string::npos);
}

TEST_CASE("rediss:// is refused: hiredis 0.14 has no TLS", "[redis]") {
  const ConfigError error = expect_error<ConfigError>([] {
    RedisConnection connection(parse_redis_url(std::string("rediss://u:") + kSecret + "@h:6380"),
                               100ms, 100ms);
  });
  const std::string message = error.what();
  CHECK(message.find("TLS") != std::string::npos);
  CHECK(message.find("hiredis") != std::string::npos);
  CHECK(message.find(kSecret) == std::string::npos);
}

TEST_CASE("Redis unreachable at start: unavailable, not an error", "[redis]") {
  // Port 1 on loopback: nothing listens there (refused at once).
  RedisConnection connection(parse_redis_url("redis://127.0.0.1:1"), 200ms, 200ms);
  CHECK_FALSE(connection.connect());
  CHECK_FALSE(connection.connected());
  CHECK_FALSE(connection.problem().empty());
  const RedisResult result = connection.command({"PING"});
  CHECK(result.unavailable());
  CHECK_FALSE(result.problem.empty());
}

TEST_CASE("Redis replies round-trip as plain values, binary-safe", "[redis-server]") {
  RedisServer server;
  RedisConnection connection(local_url(server), 1000ms, 1000ms);
  REQUIRE(connection.connect());
  CHECK(connection.command({"PING"}).reply->is_status("PONG"));

  const std::string value("a\0b\r\nc", 6);
  const std::string key("k\0ey", 4);
  CHECK(connection.command({"SET", key, value}).reply->is_status("OK"));
  RedisResult got = connection.command({"GET", key});
  REQUIRE(got.answered());
  CHECK(got.reply->type == RedisReplyType::string);
  CHECK(got.reply->str == value);

  CHECK(connection.command({"GET", "absent"}).reply->is_nil());
  RedisResult counter = connection.command({"INCRBY", "n", "41"});
  CHECK(counter.reply->type == RedisReplyType::integer);
  CHECK(counter.reply->integer == 41);

  RedisResult array = connection.command({"MGET", key, "absent", "n"});
  REQUIRE(array.reply->type == RedisReplyType::array);
  REQUIRE(array.reply->elements.size() == 3);
  CHECK(array.reply->elements[0].str == value);
  CHECK(array.reply->elements[1].is_nil());
  CHECK(array.reply->elements[2].str == "41");

  // An ordinary error reply is a reply, not a refusal.
  RedisResult wrong = connection.command({"LPUSH", key, "x"});
  REQUIRE(wrong.answered());
  CHECK(wrong.reply->is_error());
  CHECK(wrong.reply->str.rfind("WRONGTYPE", 0) == 0);
}

TEST_CASE("Scripts run by SHA-1, and are loaded again after SCRIPT FLUSH", "[redis-server]") {
  RedisServer server;
  RedisConnection connection(local_url(server), 1000ms, 1000ms);
  const RedisScript script(
      "redis.call('SET', KEYS[1], ARGV[1]) return {KEYS[1], ARGV[1], redis.call('INCR', "
      "KEYS[2])}");

  // Our SHA-1 is the server's.
  RedisResult loaded = connection.command({"SCRIPT", "LOAD", script.body});
  REQUIRE(loaded.answered());
  CHECK(loaded.reply->str == script.sha1);

  RedisResult first = connection.eval_script(script, {"{p}a", "{p}n"}, {"v1"});
  REQUIRE(first.answered());
  REQUIRE(first.reply->type == RedisReplyType::array);
  REQUIRE(first.reply->elements.size() == 3);
  CHECK(first.reply->elements[0].str == "{p}a");
  CHECK(first.reply->elements[1].str == "v1");
  CHECK(first.reply->elements[2].integer == 1);

  // The server forgets every script: NOSCRIPT, SCRIPT LOAD, EVALSHA again, all within one call.
  CHECK(server.send("SCRIPT FLUSH") == "+OK");
  RedisResult exists = connection.command({"SCRIPT", "EXISTS", script.sha1});
  REQUIRE(exists.answered());
  REQUIRE(exists.reply->elements.size() == 1);
  CHECK(exists.reply->elements[0].integer == 0);
  RedisResult second = connection.eval_script(script.body, {"{p}a", "{p}n"}, {"v2"});
  REQUIRE(second.answered());
  REQUIRE(second.reply->type == RedisReplyType::array);
  CHECK(second.reply->elements[1].str == "v2");
  CHECK(second.reply->elements[2].integer == 2);
  CHECK(connection.command({"GET", "{p}a"}).reply->str == "v2");

  // A script's runtime error is a reply too.
  RedisResult failed = connection.eval_script(RedisScript("return redis.call('NOPE')"), {}, {});
  REQUIRE(failed.answered());
  CHECK(failed.reply->is_error());
}

TEST_CASE("A wrong password is a ConfigError without the password", "[redis-server]") {
  RedisServer server({"--requirepass", kSecret});
  const std::string base = "127.0.0.1:" + std::to_string(server.port());

  RedisConnection good(parse_redis_url("redis://:" + std::string(kSecret) + "@" + base + "/3"),
                       1000ms, 1000ms);
  REQUIRE(good.connect());
  CHECK(good.command({"SET", "x", "in-db-3"}).reply->is_status("OK"));
  CHECK(good.command({"DBSIZE"}).reply->integer == 1);

  const std::string wrong_password = "Wrong-" + std::string(kSecret);
  RedisConnection wrong(parse_redis_url("redis://:" + wrong_password + "@" + base), 1000ms, 1000ms);
  const ConfigError error = expect_error<ConfigError>([&] { wrong.connect(); });
  const std::string message = error.what();
  CHECK(message.find("WRONGPASS") != std::string::npos);
  CHECK(message.find(wrong_password) == std::string::npos);
  CHECK(message.find(kSecret) == std::string::npos);
  CHECK_FALSE(wrong.connected());

  // No password at all: the first command meets NOAUTH.
  RedisConnection none(parse_redis_url("redis://" + base), 1000ms, 1000ms);
  REQUIRE(none.connect());
  const ConfigError noauth = expect_error<ConfigError>([&] { none.command({"GET", "x"}); });
  CHECK(std::string(noauth.what()).find("NOAUTH") != std::string::npos);

  // A database the server does not have.
  RedisConnection far(parse_redis_url("redis://:" + std::string(kSecret) + "@" + base + "/999"),
                      1000ms, 1000ms);
  const ConfigError db = expect_error<ConfigError>([&] { far.connect(); });
  CHECK(std::string(db.what()).find("SELECT 999") != std::string::npos);
  CHECK(std::string(db.what()).find(kSecret) == std::string::npos);
}

TEST_CASE("An ACL user without EVAL: a ConfigError naming the command", "[redis-server]") {
  RedisServer server(
      {"--user", "worker", "on", std::string(">") + kSecret, "~*", "&*", "+@all", "-@scripting"});
  const std::string base = "127.0.0.1:" + std::to_string(server.port());
  RedisConnection worker(parse_redis_url("redis://worker:" + std::string(kSecret) + "@" + base),
                         1000ms, 1000ms);
  REQUIRE(worker.connect());
  CHECK(worker.command({"SET", "x", "1"}).reply->is_status("OK"));
  const ConfigError denied =
      expect_error<ConfigError>([&] { worker.eval_script(RedisScript("return 1"), {}, {}); });
  const std::string message = denied.what();
  CHECK(message.find("NOPERM") != std::string::npos);
  CHECK(message.find("evalsha") != std::string::npos);
  CHECK(message.find(kSecret) == std::string::npos);
  CHECK(message.find("worker:***@") != std::string::npos);

  RedisConnection wrong(parse_redis_url("redis://worker:not-it@" + base), 1000ms, 1000ms);
  CHECK_THROWS_AS(wrong.connect(), ConfigError);
}

TEST_CASE("Redis stopped: unavailable at once; restarted: back after the backoff",
          "[redis-server]") {
  RedisServer server;
  ManualClock clock;
  RedisConnection connection(local_url(server), 500ms, 500ms, 250ms, clock.clock());
  REQUIRE(connection.connect());
  REQUIRE(connection.command({"SET", "x", "1"}).reply->is_status("OK"));

  server.stop();
  // The open connection finds the server gone.
  RedisResult lost = connection.command({"GET", "x"});
  CHECK(lost.unavailable());
  CHECK_FALSE(connection.connected());
  // The connect was long ago (in the clock's time, none): the next command tries once, is refused.
  clock.now += 1s;
  RedisResult refused = connection.command({"GET", "x"});
  CHECK(refused.unavailable());
  CHECK_FALSE(refused.problem.empty());

  server.restart();
  // Within the backoff after that attempt: no attempt at all, even though the server is back.
  clock.now += 100ms;
  RedisResult within = connection.command({"GET", "x"});
  CHECK(within.unavailable());
  CHECK_FALSE(connection.connected());
  // After the backoff: reconnected (the restarted server kept nothing: --save "").
  clock.now += 200ms;
  RedisResult back = connection.command({"GET", "x"});
  REQUIRE(back.answered());
  CHECK(back.reply->is_nil());
  CHECK(connection.connected());
}

TEST_CASE("Redis killed: unavailable, then back after a restart", "[redis-server]") {
  RedisServer server;
  ManualClock clock;
  RedisConnection connection(local_url(server), 500ms, 500ms, 250ms, clock.clock());
  REQUIRE(connection.connect());
  server.kill();
  CHECK(connection.command({"PING"}).unavailable());
  server.restart();
  clock.now += 1s;
  CHECK(connection.command({"PING"}).reply->is_status("PONG"));
}

TEST_CASE("A slow Redis: the command returns unavailable after its timeout", "[redis-server]") {
  RedisServer server;
  ManualClock clock;
  RedisConnection connection(local_url(server), 100ms, 100ms, 250ms, clock.clock());
  REQUIRE(connection.connect());
  server.freeze();
  const auto start = std::chrono::steady_clock::now();
  RedisResult slow = connection.command({"PING"});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(slow.unavailable());
  CHECK(slow.problem == "timed out");
  CHECK(took < 5s);  // bounded by the command timeout (100 ms), loosely checked

  // Within the backoff: no I/O, no waiting.
  RedisResult again = connection.command({"PING"});
  CHECK(again.unavailable());

  // A new connection to the frozen server is accepted by the kernel; the command times out.
  clock.now += 1s;
  CHECK(connection.command({"PING"}).unavailable());

  server.thaw();
  clock.now += 1s;
  CHECK(connection.command({"PING"}).reply->is_status("PONG"));
}

TEST_CASE("A large write to a killed server is unavailable", "[redis-server]") {
  RedisServer server;
  RedisConnection connection(local_url(server), 500ms, 500ms);
  REQUIRE(connection.connect());
  server.kill();
  // More than the socket buffers hold: the first bytes meet a reset and a later write() fails
  // (Linux reports ECONNRESET first; an EPIPE would raise SIGPIPE, which the connection blocks
  // around hiredis's writes, so the process survives either way).
  const std::string big(16 * 1024 * 1024, 'x');
  RedisResult result = connection.command({"SET", "big", big});
  CHECK(result.unavailable());
  CHECK_FALSE(connection.connected());
}
