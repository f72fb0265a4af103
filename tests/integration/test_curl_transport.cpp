// The libcurl transport's connections belong to the transport: real HTTP against the simulator,
// whose recorded client port tells connections apart (equal ports: a reused connection).
// - a transport reuses its connection from call to call;
// - two transports used from one thread never share a connection (their handles are their own);
// - many threads calling one transport's send at once each run on a handle set of their own,
//   and those sets keep their connections.
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "litellm/detail/curl_transport.hpp"
#include "litellm/http.hpp"
#include "simulator.hpp"

using namespace litellm;

namespace {

struct Server {
  sim::ProviderSimulator simulator;
  Server() { simulator.start(); }

  HttpRequest chat() const {
    HttpRequest request;
    request.url = simulator.openai_base() + "/chat/completions";
    request.headers.add("Content-Type", "application/json");
    request.headers.add("Authorization", "Bearer sk-transport-test-0001");
    request.body = R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":2})";
    return request;
  }

  /// One exchange on `transport`; the client port the simulator saw for it.
  int send(Transport& transport) {
    BufferingSink sink;
    transport.send(chat(), sink);
    REQUIRE(sink.response().status == 200);
    const auto requests = simulator.requests();
    REQUIRE(!requests.empty());
    return requests.back().client_port;
  }
};

}  // namespace

TEST_CASE("a curl transport reuses its connection and shares it with no other transport") {
  Server server;
  const auto first = make_curl_transport();
  const auto second = make_curl_transport();
  const int first_port = server.send(*first);
  CHECK(server.send(*first) == first_port);
  // The same thread, the same server: still a connection of its own.
  const int second_port = server.send(*second);
  CHECK(second_port != first_port);
  CHECK(server.send(*second) == second_port);
  CHECK(server.send(*first) == first_port);
}

TEST_CASE("a curl transport's connections end with it") {
  Server server;
  auto first = make_curl_transport();
  const int first_port = server.send(*first);
  first.reset();
  const auto second = make_curl_transport();
  CHECK(server.send(*second) != first_port);
}

TEST_CASE("threads calling one curl transport at once each get handles, kept for the next calls") {
  constexpr std::size_t kThreads = 6;
  constexpr int kRounds = 5;
  Server server;
  detail::CurlTransport transport{CurlOptions{}};
  std::mutex mutex;
  std::condition_variable all_in;
  std::size_t in_sink = 0;

  // Every thread's first exchange waits in its sink until all of them are inside one: kThreads
  // exchanges then run at once, each on a handle set of its own.
  class MeetingSink final : public ResponseSink {
   public:
    MeetingSink(std::mutex& mutex, std::condition_variable& cv, std::size_t& count)
        : mutex_(mutex), cv_(cv), count_(count) {}
    bool on_headers(int status, const Headers&) override {
      std::unique_lock<std::mutex> lock(mutex_);
      ++count_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return count_ >= kThreads; });
      return status == 200;
    }
    bool on_body(std::string_view) override { return true; }

   private:
    std::mutex& mutex_;
    std::condition_variable& cv_;
    std::size_t& count_;
  };

  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      MeetingSink meeting(mutex, all_in, in_sink);
      transport.send(server.chat(), meeting);
      for (int i = 1; i < kRounds; ++i) {
        BufferingSink sink;
        transport.send(server.chat(), sink);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  CHECK(transport.handle_pool().created() == kThreads);
  const auto requests = server.simulator.requests();
  REQUIRE(requests.size() == kThreads * kRounds);
  std::set<int> ports;
  for (const auto& request : requests) {
    CHECK(request.status == 200);
    ports.insert(request.client_port);
  }
  // One connection per handle set: every later call found one of them.
  CHECK(ports.size() == kThreads);
}
