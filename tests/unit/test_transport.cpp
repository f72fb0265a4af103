// The `Transport` interface's default asynchronous half: a transport that implements only `send`
// works with the backend's asynchronous calls, and the interface itself holds no state.
#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include "catch.hpp"
#include "litellm/errors.hpp"
#include "litellm/fake_transport.hpp"
#include "litellm/http.hpp"

using namespace litellm;

namespace {

/// A transport with `send` only, as a user would write one.
class SendOnlyTransport final : public Transport {
 public:
  void send(const HttpRequest& request, ResponseSink& sink) override {
    ++sends;
    if (request.url == "fail") throw ConnectionError("refused");
    sink.on_headers(200, Headers{});
    sink.on_body(request.body);
  }
  int sends = 0;
};

HttpRequest request_to(std::string url, std::string body = "hello") {
  HttpRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  return request;
}

}  // namespace

// The interface's only member is its virtual table: nothing a transport shares between calls
// lives in the base class.
static_assert(sizeof(Transport) == sizeof(void*), "Transport holds no state");

TEST_CASE("the default start runs the exchange with send and calls done before returning") {
  SendOnlyTransport transport;
  const HttpRequest request = request_to("http://127.0.0.1:1/x");
  BufferingSink sink;
  int done_calls = 0;
  std::exception_ptr seen;
  const Transport::ExchangeId id = transport.start(request, sink, [&](std::exception_ptr error) {
    ++done_calls;
    seen = error;
  });
  CHECK(id == Transport::kEndedExchange);
  CHECK(done_calls == 1);
  CHECK(seen == nullptr);
  CHECK(transport.sends == 1);
  CHECK(sink.response().status == 200);
  CHECK(sink.response().body == "hello");
  // Nothing is left to do or to abort.
  CHECK(transport.poll(std::chrono::milliseconds(0)) == 0);
  transport.cancel(id);
  transport.wakeup();
  CHECK(done_calls == 1);
}

TEST_CASE("the default start hands send's exception to done") {
  SendOnlyTransport transport;
  const HttpRequest request = request_to("fail");
  BufferingSink sink;
  std::exception_ptr seen;
  transport.start(request, sink, [&](std::exception_ptr error) { seen = error; });
  REQUIRE(seen != nullptr);
  CHECK_THROWS_AS(std::rethrow_exception(seen), ConnectionError);
}

TEST_CASE("every exchange of the default start, on any transport, returns the same ended id") {
  FakeTransport first;
  FakeTransport second;
  first.push(FakeResponse::json_body("{}"));
  first.push(FakeResponse::json_body("{}"));
  second.push(FakeResponse::json_body("{}"));
  const HttpRequest request = request_to("http://127.0.0.1:1/x");
  BufferingSink a;
  BufferingSink b;
  BufferingSink c;
  int done_calls = 0;
  auto count = [&](std::exception_ptr error) {
    CHECK(error == nullptr);
    ++done_calls;
  };
  CHECK(first.start(request, a, count) == Transport::kEndedExchange);
  CHECK(first.start(request, b, count) == Transport::kEndedExchange);
  CHECK(second.start(request, c, count) == Transport::kEndedExchange);
  CHECK(done_calls == 3);
  CHECK(first.pending() == 0);
  CHECK(second.pending() == 0);
}
