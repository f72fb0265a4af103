// A real redis-server for the tests: started on a free 127.0.0.1 port in a fresh temporary folder
// (no persistence), ready once it answers PING, stopped (SIGTERM), killed (SIGKILL), restarted on
// the same port, or frozen (SIGSTOP: a server that accepts connections but answers nothing, the
// "slow Redis") on demand; stopped and its folder deleted by the destructor.
//
// Which binary: $LITELLM_REDIS_SERVER, else the one CMake found (LITELLM_REDIS_SERVER_PATH), else
// redis-server on the PATH. Test cases that need one are tagged [redis-server] and registered with
// litellm_add_test(... REDIS_SERVER), which reports them skipped when CMake found none.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace litellm::test {

/// One redis-server process owned by the test.
class RedisServer {
 public:
  /// Starts a server; `extra_args` are added to its command line (e.g. {"--requirepass", "pw"},
  /// or {"--user", "alice", "on", ">pw", "~*", "+@all", "-@scripting"} for an ACL user).
  /// @throws std::runtime_error when no server comes up (the log's tail in the message).
  explicit RedisServer(std::vector<std::string> extra_args = {})
      : extra_args_(std::move(extra_args)) {
    char folder[] = "/tmp/litellm-redis-XXXXXX";
    if (::mkdtemp(folder) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = folder;
    std::string why;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (launch(why)) return;
    }
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("redis-server did not start: " + why);
  }
  ~RedisServer() {
    try {
      stop();
    } catch (...) {
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// The binary used.
  static std::string binary() {
    if (const char* env = std::getenv("LITELLM_REDIS_SERVER"); env != nullptr && *env != '\0') {
      return env;
    }
#ifdef LITELLM_REDIS_SERVER_PATH
    return LITELLM_REDIS_SERVER_PATH;
#else
    return "redis-server";
#endif
  }

  /// The port it listens on (the same across restarts).
  int port() const noexcept {
    return port_;
  }
  /// "redis://127.0.0.1:PORT" (add credentials yourself).
  std::string url() const {
    return "redis://127.0.0.1:" + std::to_string(port_);
  }
  /// The temporary folder (its log is redis.log there).
  const std::string& dir() const noexcept {
    return dir_;
  }
  /// True while the process runs.
  bool running() const noexcept {
    return pid_ > 0;
  }

  /// SIGTERM, then waits for the exit (SIGKILL after 10 s). Nothing when not running.
  void stop() {
    if (pid_ <= 0) return;
    thaw();
    ::kill(pid_, SIGTERM);
    if (!wait_exit(std::chrono::seconds(10))) {
      ::kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(10));
    }
    pid_ = -1;
  }
  /// SIGKILL, then waits for the exit.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
    pid_ = -1;
    frozen_ = false;
  }
  /// Starts it again on the same port (after stop() or kill(); stops it first otherwise).
  void restart() {
    stop();
    std::string why;
    for (int attempt = 0; attempt < 50; ++attempt) {  // the old socket may linger a moment
      if (launch(why)) return;
    }
    throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_) +
                             ": " + why);
  }
  /// SIGSTOP: the kernel still accepts connections, but nothing is answered (a slow server).
  void freeze() {
    if (pid_ > 0 && !frozen_) {
      ::kill(pid_, SIGSTOP);
      frozen_ = true;
    }
  }
  /// SIGCONT after freeze().
  void thaw() {
    if (pid_ > 0 && frozen_) {
      ::kill(pid_, SIGCONT);
      frozen_ = false;
    }
  }

  /// Sends one inline command on a fresh connection and returns the first line of the answer
  /// ("" when none came within `timeout`). For set-up and checks, e.g. send("SCRIPT FLUSH").
  std::string send(const std::string& command,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return "";
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      const std::string line = command + "\r\n";
      if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        char buffer[512];
        while (answer.find("\r\n") == std::string::npos) {
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
              deadline - std::chrono::steady_clock::now());
          if (left.count() <= 0) break;
          pollfd poll_fd{fd, POLLIN, 0};
          if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) break;
          const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
          if (n <= 0) break;
          answer.append(buffer, static_cast<std::size_t>(n));
        }
      }
    }
    ::close(fd);
    const std::size_t end = answer.find("\r\n");
    return end == std::string::npos ? "" : answer.substr(0, end);
  }

 private:
  /// A port nothing listens on now: bind port 0, read it, close (a race with other programs is
  /// caught by the start failing, and retried with another port).
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }

  /// Spawns the server and waits until it answers PING (any answer: NOAUTH is one too).
  bool launch(std::string& why) {
    const std::string bin = binary();
    std::vector<std::string> args = {bin,      "--port",       std::to_string(port_),
                                     "--bind", "127.0.0.1",    "--save",
                                     "",       "--appendonly", "no",
                                     "--dir",  dir_,           "--daemonize",
                                     "no",     "--logfile",    dir_ + "/redis.log"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawnp(&pid, bin.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
      why = "cannot run " + bin;
      return false;
    }
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        why = "it exited at start; log: " + log_tail();
        return false;
      }
      if (!send("PING", std::chrono::milliseconds(200)).empty()) return true;
      // The server is starting: wait for its port, a condition, bounded by the deadline.
      std::this_thread::yield();
    }
    kill();
    why = "no answer to PING within 10 s; log: " + log_tail();
    return false;
  }

  bool wait_exit(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_ || done < 0) return true;
      std::this_thread::yield();
    }
    return false;
  }

  std::string log_tail() const {
    std::ifstream in(dir_ + "/redis.log");
    std::stringstream text;
    text << in.rdbuf();
    std::string all = text.str();
    return all.size() > 800 ? all.substr(all.size() - 800) : all;
  }

  std::vector<std::string> extra_args_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool frozen_ = false;
};

}  // namespace litellm::test
