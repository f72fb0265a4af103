// The libcurl transport over TLS and HTTP/2, against an nginx started by the test on 127.0.0.1
// with a CA and a server certificate made by `openssl` in a temporary folder:
// - curl's verbose trace never shows a key, whatever the line (HTTP/2's informational
//   `h2h3 [authorization: Bearer ...]` lines included), for OpenAI, Azure and Anthropic,
//   synchronous, streamed and asynchronous calls;
// - a certificate that does not verify is one attempt, a ConnectionError that is not retryable;
// - a redirect says where it pointed (without credentials or query).
// Without nginx or openssl these tests print one WARN line and pass (Catch2 v2 cannot skip).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "fake_harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "log_lines.hpp"
#include "requests.hpp"
#include "text.hpp"
#include "wait.hpp"

extern char** environ;

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";
const std::string kMarker = "TLSTRACE";
const std::string kOpenAIKey = "sk-live-TLSTRACE-openai-0123456789abcdef-zZ01";
const std::string kAzureKey = "az-live-TLSTRACE-azure-0123456789abcdef-zZ02";
const std::string kAnthropicKey = "sk-ant-TLSTRACE-anthropic-0123456789abcdef-zZ03";

const char* const kOpenAIBody =
    R"({"id":"chatcmpl-tls","object":"chat.completion","created":1,"model":"m",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"over h2"},)"
    R"("finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})";
const char* const kAnthropicBody =
    R"({"id":"msg_tls","type":"message","role":"assistant","model":"m",)"
    R"("content":[{"type":"text","text":"over h2"}],"stop_reason":"end_turn",)"
    R"("stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":2}})";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A free TCP port of 127.0.0.1 (bound once, then released for nginx).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

/// nginx serving HTTPS with HTTP/2 on 127.0.0.1, with a certificate of its own test CA:
/// `/v1/messages` answers an Anthropic message, `/redirect/...` a 302 to a URL with credentials
/// and a query, anything else an OpenAI chat completion (Azure's paths included).
class TlsServer {
 public:
  TlsServer() { start(); }
  ~TlsServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  /// False (and why_not() says why) when nginx or openssl is missing or would not start.
  bool available() const { return pid_ > 0; }
  /// Prints the WARN line of a test that cannot run; true when it cannot.
  bool skip(const char* test) const {
    if (available()) return false;
    std::cout << "WARN: skipped \"" << test << "\": " << why_not_ << std::endl;
    return true;
  }
  std::string base() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string ca_file() const { return (dir_ / "ca.pem").string(); }
  /// TLS handshakes nginx saw fail (it logs each one at level info).
  std::size_t failed_handshakes() const {
    return count_of(read_text(dir_ / "error.log"), "SSL_do_handshake() failed");
  }

 private:
  void start() {
    if (::access(kNginx, X_OK) != 0) {
      why_not_ = std::string(kNginx) + " is not installed (apt-get install nginx-light)";
      return;
    }
    if (std::system("openssl version > /dev/null 2>&1") != 0) {
      why_not_ = "the openssl command is not installed (apt-get install openssl)";
      return;
    }
    std::string pattern = (fs::temp_directory_path() / "litellm-tls-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      why_not_ = "cannot create a temporary folder";
      return;
    }
    dir_ = pattern;
    fs::create_directories(dir_ / "tmp");
    const std::string d = dir_.string();
    std::ofstream(dir_ / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                          "basicConstraints=CA:FALSE\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string commands =
        "cd '" + d + "' && openssl req -x509" + ec +
        " -keyout ca.key -out ca.pem -days 2 -subj '/CN=litellm test CA' && openssl req" + ec +
        " -keyout server.key -out server.csr -subj '/CN=127.0.0.1' && openssl x509 -req -in "
        "server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile "
        "server.ext";
    if (std::system(("(" + commands + ") > '" + d + "/openssl.log' 2>&1").c_str()) != 0) {
      why_not_ = "openssl could not make the test certificates: " + read_text(dir_ / "openssl.log");
      return;
    }
    port_ = free_port();
    std::ofstream(dir_ / "nginx.conf") << "master_process off;\n"
                                          "daemon off;\n"
                                          "worker_processes 1;\n"
                                          "pid "
                                       << d << "/nginx.pid;\n"
                                       << "error_log " << d << "/error.log info;\n"
                                       << "events { worker_connections 256; }\n"
                                          "http {\n"
                                          "  access_log "
                                       << d << "/access.log;\n";
    std::ofstream conf(dir_ / "nginx.conf", std::ios::app);
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      conf << "  " << temp << "_temp_path " << d << "/tmp;\n";
    }
    conf << "  server {\n"
            "    listen 127.0.0.1:"
         << port_
         << " ssl http2;\n"
            "    ssl_certificate "
         << d << "/server.pem;\n    ssl_certificate_key " << d
         << "/server.key;\n"
            "    default_type application/json;\n"
            "    location /v1/messages { return 200 '"
         << kAnthropicBody
         << "'; }\n"
            "    location /redirect/ { return 302 "
            "https://user:hunter2@example.com/v1/chat/completions?sig=SIGNATURE#frag; }\n"
            "    location / { return 200 '"
         << kOpenAIBody << "'; }\n  }\n}\n";
    conf.close();
    const std::string config = (dir_ / "nginx.conf").string();
    const std::string error_log = (dir_ / "error.log").string();
    std::vector<std::string> args = {kNginx, "-p", d, "-c", config, "-e", error_log};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, error_log.c_str(),
                                     O_WRONLY | O_APPEND | O_CREAT, 0600);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, kNginx, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      why_not_ = "cannot run nginx";
      return;
    }
    // Ready when it accepts connections; given up when it exits (it says why in error.log).
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepts_connections(port_)) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid || std::chrono::steady_clock::now() > deadline) {
        if (::waitpid(pid, &status, WNOHANG) == 0) {
          ::kill(pid, SIGKILL);
          ::waitpid(pid, &status, 0);
        }
        why_not_ = "nginx did not start: " + read_text(dir_ / "error.log");
        return;
      }
      std::this_thread::sleep_for(5ms);  // polling the condition "nginx listens"
    }
    pid_ = pid;
  }

  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = 0;
  std::string why_not_;
};

/// A short chat request: the user says "hi", the answer is four words at most.
json hi() {
  return chat_params("hi", 4);
}

BackendOptions tls_options(LogLines& trace, LogLines& log, const std::string& ca_file) {
  BackendOptions o;
  o.key_registry = std::make_shared<KeyRegistry>();
  o.curl.ca_file = ca_file;
  o.curl.verbose_log = trace.verbose_log();
  o.logger = log.logger();
  o.backoff.initial = 1ms;
  o.timeouts.connect = 10s;
  o.timeouts.total = 10s;
  o.timeouts.first_byte = 10s;
  o.timeouts.idle = 10s;
  return o;
}

}  // namespace

TEST_CASE("the verbose trace of HTTP/2 calls never shows the key, in any line") {
  TlsServer server;
  if (server.skip("verbose trace over HTTP/2")) return;
  struct Case {
    ApiInfo info;
    std::string header;  // the credential header, as HTTP/2 sends it (lower case)
  };
  const Case cases[] = {
      {{"openai", std::nullopt, kOpenAIKey, server.base() + "/v1"}, "authorization"},
      {{"azure", std::string("2024-10-21"), kAzureKey, server.base()}, "api-key"},
      {{"anthropic", std::nullopt, kAnthropicKey, server.base()}, "x-api-key"},
  };
  for (const Case& c : cases) {
    INFO(c.info.backend_used);
    LogLines trace;
    LogLines log;
    LiteLLMBackend backend({c.info}, "m", json{{"wait_time_per_key", 0}},
                           tls_options(trace, log, server.ca_file()));
    const auto on_chunk = [](const json&) { return true; };
    CHECK(text_of(backend.completion(hi())) == "over h2");
    CHECK(text_of(backend.completion(hi(), on_chunk)) == "over h2");
    CHECK(text_of(backend.completion_async(hi()).get()) == "over h2");
    CHECK(text_of(backend.completion_async(hi(), on_chunk).get()) == "over h2");

    bool http2 = false;
    std::size_t credential_lines = 0;  // curl's informational lines naming the credential
    for (const std::string& line : trace.lines()) {
      INFO(line);
      CHECK(line.find(kMarker) == std::string::npos);
      http2 = http2 || line.find("server accepted h2") != std::string::npos;
      if (line.rfind("* ", 0) == 0 && line.find("[" + c.header + ": ") != std::string::npos) {
        ++credential_lines;
        CHECK(line.find("[redacted]") != std::string::npos);
      }
    }
    CHECK(http2);
    CHECK(credential_lines >= 4);  // one per call: the trace had the lines that leaked the key
    for (const std::string& line : log.lines()) CHECK(line.find(kMarker) == std::string::npos);
  }
}

TEST_CASE("a certificate that does not verify fails at once, not retryable") {
  TlsServer server;
  if (server.skip("certificate verification failure")) return;
  for (const bool async : {false, true}) {
    INFO((async ? "async" : "sync"));
    const std::size_t handshakes_before = server.failed_handshakes();
    LogLines trace;
    LogLines log;
    // Default retry policy; the test CA is not trusted (the system's CAs are used).
    BackendOptions options = tls_options(trace, log, "");
    options.curl.verbose_log = nullptr;
    LiteLLMBackend backend({{"openai", std::nullopt, kOpenAIKey, server.base() + "/v1"}}, "m",
                           json{{"wait_time_per_key", 0}}, options);
    REQUIRE(options.retry.max_attempts > 1);
    try {
      if (async) {
        backend.completion_async(hi()).get();
      } else {
        backend.completion(hi());
      }
      FAIL("the call succeeded");
    } catch (const ConnectionError& e) {
      CHECK_FALSE(e.retryable());
      CHECK(e.error_code() == "tls_verification");
      CHECK(e.details().attempts == 1);
      CHECK(e.message().find("certificate verification failed") != std::string::npos);
      CHECK(std::string(e.what()).find(kMarker) == std::string::npos);
    }
    std::size_t attempts_logged = 0;
    for (const std::string& line : log.lines()) {
      if (line.rfind("attempt ", 0) == 0) ++attempts_logged;
      CHECK(line.find("retrying") == std::string::npos);
    }
    CHECK(attempts_logged == 1);
    // nginx saw exactly one handshake fail (it logs it once the client's alert has arrived).
    eventually([&] { return server.failed_handshakes() != handshakes_before; }, 10s);
    CHECK(server.failed_handshakes() == handshakes_before + 1);
  }
}

TEST_CASE("a redirect over HTTPS names its status and target, without credentials or query") {
  TlsServer server;
  if (server.skip("redirect over HTTPS")) return;
  LogLines trace;
  LogLines log;
  LiteLLMBackend backend({{"openai", std::nullopt, kOpenAIKey, server.base() + "/redirect/v1"}},
                         "m", json{{"wait_time_per_key", 0}},
                         tls_options(trace, log, server.ca_file()));
  try {
    backend.completion(hi());
    FAIL("the call succeeded");
  } catch (const Error& e) {
    CHECK(e.http_status() == 302);
    CHECK_FALSE(e.retryable());
    CHECK(e.message() ==
          "the server redirected (HTTP 302) to https://example.com/v1/chat/completions; "
          "redirects are not followed");
    const std::string what = e.what();
    CHECK(what.find("hunter2") == std::string::npos);
    CHECK(what.find("SIGNATURE") == std::string::npos);
  }
}

TEST_CASE("a refused redirect says where the server pointed, without credentials or query") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kOpenAIKey)}, "m");
  FakeResponse moved = FakeResponse::json_body("", 301);
  moved.headers.add("Location", "https://me:secret@eu.api.test/v1/chat/completions?token=abc");
  h.transport->push(moved);
  try {
    backend.completion(hi());
    FAIL("the call succeeded");
  } catch (const Error& e) {
    CHECK(e.http_status() == 301);
    CHECK(e.message() ==
          "the server redirected (HTTP 301) to https://eu.api.test/v1/chat/completions; "
          "redirects are not followed");
    CHECK(std::string(e.what()).find("secret") == std::string::npos);
    CHECK(std::string(e.what()).find("token") == std::string::npos);
  }
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("a refused redirect without a Location says so") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kOpenAIKey)}, "m");
  h.transport->push(FakeResponse::json_body("", 307));
  try {
    backend.completion(hi(), [](const json&) { return true; });
    FAIL("the call succeeded");
  } catch (const Error& e) {
    CHECK(e.message() ==
          "the server redirected (HTTP 307) without a Location; redirects are not followed");
  }
}
