// The simulator's HTTP server: cpp-httplib with our own connection loop, so that a handler can
// reset the connection it runs on, idle keep-alive connections end at once on stop(), and
// compression never buffers a stream. The functions act on the connection that the calling
// worker thread serves (none outside a handler: they do nothing).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include <httplib.h>

namespace litellm::sim::detail {

/// Makes the current connection close (gracefully) once the current response was written.
void close_current_connection_after_response();

/// Ends the current connection abortively: a FIN now, an RST when the worker closes the socket.
void reset_current_connection();

/// Tells the connection loop the number of the request the current response answers.
void set_current_request(std::uint64_t number);

/// httplib::Server with our connection loop (httplib 0.11.4 gives a handler no access to its
/// socket; process_and_close_socket is virtual, process_request protected).
class SimServer final : public httplib::Server {
 public:
  /// Called when a request's response ended: (request number, bytes written for it).
  using ResponseEnd = std::function<void(std::uint64_t, std::size_t)>;

  SimServer(int wake_fd, ResponseEnd on_response_end)
      : wake_fd_(wake_fd), on_response_end_(std::move(on_response_end)) {}

  /// cpp-httplib (compiled into Debian's libcpp-httplib) listens with a backlog of 5: a burst of
  /// concurrent connects overflows it and the kernel drops SYNs, which clients retry only after
  /// one second. Listening again on the bound socket raises the backlog (Linux, BSD).
  void raise_listen_backlog() { ::listen(svr_sock_, SOMAXCONN); }

 private:
  bool process_and_close_socket(socket_t sock) override;

  int wake_fd_;
  ResponseEnd on_response_end_;
};

}  // namespace litellm::sim::detail
