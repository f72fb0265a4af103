// The simulator's HTTP server (see server.hpp): a socket stream whose waits end on stop() or a
// reset, and the connection loop (SimServer::process_and_close_socket).
#include "server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <string>

namespace litellm::sim::detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// The connection the current worker thread serves.
struct Connection {
  int sock = -1;
  bool aborted = false;
  bool close_after = false;       // close once the current response was written
  std::size_t bytes_written = 0;  // every byte sent on it
  std::uint64_t request = 0;      // the number of the request being answered (0: none)
};

thread_local Connection* tl_connection = nullptr;

void socket_address(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  const int rc = peer ? ::getpeername(sock, raw, &length) : ::getsockname(sock, raw, &length);
  if (rc != 0) return;
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    port = ntohs(v6->sin6_port);
  }
  ip = text.data();
}

/// httplib::Stream over a socket: buffered reads, and every wait also ends when the wake pipe
/// becomes readable (stop()) or the connection was reset.
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(Connection& connection, int wake_fd, milliseconds read_timeout,
               milliseconds write_timeout)
      : connection_(connection),
        wake_fd_(wake_fd),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  bool is_readable() const override { return wait_readable(read_timeout_); }

  bool is_writable() const override {
    if (!wait(POLLOUT, write_timeout_)) return false;
    // A peer that closed its end (a cancelled stream) reads as end of file.
    pollfd fd{};
    fd.fd = connection_.sock;
    fd.events = POLLIN;
    if (::poll(&fd, 1, 0) > 0 && (fd.revents & POLLIN) != 0) {
      char c = 0;
      if (::recv(connection_.sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) return false;
    }
    return true;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (position_ == length_) {
      if (!wait(POLLIN, read_timeout_)) return -1;
      ssize_t n = 0;
      do {
        n = ::recv(connection_.sock, buffer_.data(), buffer_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n < 0 ? -1 : 0;
      position_ = 0;
      length_ = static_cast<std::size_t>(n);
    }
    const std::size_t count = std::min(size, length_ - position_);
    std::memcpy(ptr, buffer_.data() + position_, count);
    position_ += count;
    return static_cast<ssize_t>(count);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!wait(POLLOUT, write_timeout_)) return -1;
    ssize_t n = 0;
    do {
      n = ::send(connection_.sock, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    connection_.bytes_written += static_cast<std::size_t>(n);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    socket_address(connection_.sock, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    socket_address(connection_.sock, false, ip, port);
  }
  socket_t socket() const override { return connection_.sock; }

  /// True when a byte (or the end of the stream) can be read within the timeout.
  bool wait_readable(milliseconds timeout) const {
    return position_ < length_ || wait(POLLIN, timeout);
  }

 private:
  bool wait(short events, milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    std::array<pollfd, 2> fds{};
    fds[0].fd = connection_.sock;
    fds[0].events = events;
    fds[1].fd = wake_fd_;
    fds[1].events = POLLIN;
    for (;;) {
      if (connection_.aborted) return false;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      const int wait_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, INT_MAX));
      const int rc = ::poll(fds.data(), fds.size(), wait_ms);
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0 || fds[1].revents != 0) return false;
      const short got = fds[0].revents;
      if ((events & POLLOUT) != 0) {
        return (got & POLLOUT) != 0 && (got & (POLLERR | POLLHUP | POLLNVAL)) == 0;
      }
      return got != 0 && (got & POLLNVAL) == 0;
    }
  }

  Connection& connection_;
  int wake_fd_;
  milliseconds read_timeout_;
  milliseconds write_timeout_;
  std::array<char, 16384> buffer_{};
  std::size_t position_ = 0;
  std::size_t length_ = 0;
};

milliseconds to_ms(time_t sec, time_t usec) {
  return milliseconds(static_cast<long long>(sec) * 1000 + static_cast<long long>(usec) / 1000);
}

}  // namespace

void close_current_connection_after_response() {
  if (tl_connection != nullptr) tl_connection->close_after = true;
}

void reset_current_connection() {
  Connection* connection = tl_connection;
  if (connection == nullptr || connection->aborted) return;
  connection->aborted = true;
  linger option{};
  option.l_onoff = 1;
  option.l_linger = 0;
  ::setsockopt(connection->sock, SOL_SOCKET, SO_LINGER, &option, sizeof option);
  ::shutdown(connection->sock, SHUT_RDWR);
}

void set_current_request(std::uint64_t number) {
  if (tl_connection != nullptr) tl_connection->request = number;
}

bool SimServer::process_and_close_socket(socket_t sock) {
  int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  Connection connection;
  connection.sock = sock;
  tl_connection = &connection;
  SocketStream stream(connection, wake_fd_, to_ms(read_timeout_sec_, read_timeout_usec_),
                      to_ms(write_timeout_sec_, write_timeout_usec_));
  // No compression: a compressed SSE stream would be buffered by the compressor.
  const std::function<void(httplib::Request&)> setup = [](httplib::Request& req) {
    req.headers.erase("Accept-Encoding");
  };
  const milliseconds keep_alive(static_cast<long long>(keep_alive_timeout_sec_) * 1000);
  bool ok = false;
  std::size_t remaining = keep_alive_max_count_;
  while (svr_sock_ != INVALID_SOCKET && remaining > 0 && !connection.aborted &&
         stream.wait_readable(keep_alive)) {
    bool connection_closed = false;
    const std::size_t before = connection.bytes_written;
    connection.request = 0;
    ok = process_request(stream, remaining == 1, connection_closed, setup);
    if (connection.request != 0 && on_response_end_) {
      on_response_end_(connection.request, connection.bytes_written - before);
    }
    if (!ok || connection_closed || connection.close_after) break;
    --remaining;
  }
  tl_connection = nullptr;
  if (!connection.aborted) ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace litellm::sim::detail
