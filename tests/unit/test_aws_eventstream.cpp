// Tests for the AWS event-stream decoder (include/litellm/detail/aws_eventstream.hpp): every
// recorded Bedrock stream decoded at every split offset and compared with the decoded view
// beside it, the encoder's round trip, and the errors of corrupt, truncated and oversize input.
#include "litellm/detail/aws_eventstream.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "litellm/errors.hpp"
#include "vectors.hpp"

namespace {

using litellm::ProtocolError;
using litellm::detail::encode_event_message;
using litellm::detail::EventHeaderType;
using litellm::detail::EventStreamDecoder;
using litellm::detail::EventStreamHeader;
using litellm::detail::EventStreamMessage;
using nlohmann::json;

/// Every message of `bytes`, fed in pieces split at `cuts` (ascending offsets).
std::vector<EventStreamMessage> decode(
    std::string_view bytes, const std::vector<std::size_t>& cuts,
    std::size_t max_message = litellm::detail::kEventStreamMaxMessage) {
  EventStreamDecoder decoder(max_message);
  std::vector<EventStreamMessage> out;
  std::size_t from = 0;
  auto take = [&](const EventStreamMessage& m) { out.push_back(m); };
  for (const std::size_t cut : cuts) {
    decoder.feed(bytes.substr(from, cut - from), take);
    from = cut;
  }
  decoder.feed(bytes.substr(from), take);
  decoder.finish();
  return out;
}

std::vector<EventStreamHeader> event_headers(const std::string& type) {
  return {{":event-type", EventHeaderType::string, type},
          {":content-type", EventHeaderType::string, "application/json"},
          {":message-type", EventHeaderType::string, "event"}};
}

std::vector<std::string> recorded_streams() {
  std::vector<std::string> out;
  for (const std::string& file : litellm::test::vector_files()) {
    if (file.rfind("bedrock/", 0) == 0 && file.size() > 4 &&
        file.compare(file.size() - 4, 4, ".bin") == 0) {
      out.push_back(file);
    }
  }
  return out;
}

/// Checks `messages` against the decoded view `view` (the .events.json) and the bytes.
void check_against_view(const std::vector<EventStreamMessage>& messages, const json& view,
                        const std::string& bytes) {
  REQUIRE(messages.size() == view.at("message_count").get<std::size_t>());
  const json& expected = view.at("messages");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    INFO("message " << i);
    const EventStreamMessage& message = messages[i];
    const json& want = expected[i];
    json headers = json::object();
    for (const EventStreamHeader& header : message.headers) {
      headers[header.name] = header.value;
      CHECK(static_cast<int>(header.type) == want.at("header_value_types")[0].get<int>());
    }
    CHECK(headers == want.at("headers"));
    CHECK(json::parse(message.payload) == want.at("payload"));
    // The encoder writes the very bytes that were recorded.
    const std::string encoded = encode_event_message(message.headers, message.payload);
    CHECK(encoded.size() == want.at("total_length").get<std::size_t>());
    CHECK(encoded == bytes.substr(want.at("offset").get<std::size_t>(), encoded.size()));
  }
}

}  // namespace

TEST_CASE("CRC-32 is zlib's", "[eventstream]") {
  CHECK(litellm::detail::crc32("123456789") == 0xCBF43926U);
  CHECK(litellm::detail::crc32("") == 0U);
  CHECK(litellm::detail::crc32("56789", litellm::detail::crc32("1234")) == 0xCBF43926U);
}

TEST_CASE("Every recorded Bedrock stream decodes as its decoded view says, split at every offset",
          "[eventstream][shared-data]") {
  const std::vector<std::string> files = recorded_streams();
  REQUIRE(files.size() >= 8);
  for (const std::string& file : files) {
    INFO(file);
    const std::string bytes = litellm::test::vector_file(file);
    const json view =
        json::parse(litellm::test::vector_file(file.substr(0, file.size() - 4) + ".events.json"));
    check_against_view(decode(bytes, {}), view, bytes);
    const std::size_t count = decode(bytes, {}).size();
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      const std::vector<EventStreamMessage> split = decode(bytes, {cut});
      REQUIRE(split.size() == count);
    }
    std::vector<std::size_t> every_byte;
    for (std::size_t i = 1; i < bytes.size(); ++i) every_byte.push_back(i);
    check_against_view(decode(bytes, every_byte), view, bytes);
  }
}

TEST_CASE("Every header type round-trips through the encoder and the decoder", "[eventstream]") {
  const std::vector<EventStreamHeader> headers = {
      {"t", EventHeaderType::bool_true, "true"},
      {"f", EventHeaderType::bool_false, "false"},
      {"b", EventHeaderType::byte, "-5"},
      {"s", EventHeaderType::int16, "-300"},
      {"i", EventHeaderType::int32, "123456789"},
      {"l", EventHeaderType::int64, "-9000000000"},
      {"bytes", EventHeaderType::bytes, std::string("\x00\x01\xff", 3)},
      {"str", EventHeaderType::string, "h\xc3\xa9llo"},
      {"ts", EventHeaderType::timestamp, "1440938160000"},
      {"id", EventHeaderType::uuid, std::string(16, '\x7f')},
  };
  const std::string bytes = encode_event_message(headers, "payload") +
                            encode_event_message({}, "") + encode_event_message(headers, "");
  const std::vector<EventStreamMessage> messages = decode(bytes, {1, 13, 40});
  REQUIRE(messages.size() == 3);
  REQUIRE(messages[0].headers.size() == headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) {
    CHECK(messages[0].headers[i].name == headers[i].name);
    CHECK(messages[0].headers[i].type == headers[i].type);
    CHECK(messages[0].headers[i].value == headers[i].value);
  }
  CHECK(messages[0].payload == "payload");
  CHECK(messages[1].headers.empty());
  CHECK(messages[1].payload.empty());
  CHECK(messages[2].payload.empty());
}

TEST_CASE("A wrong prelude CRC is a ProtocolError as soon as the prelude arrived",
          "[eventstream]") {
  std::string bytes = encode_event_message(event_headers("messageStart"), "{}");
  bytes[9] = static_cast<char>(bytes[9] ^ 1);
  EventStreamDecoder decoder;
  CHECK_THROWS_AS(decoder.feed(std::string_view(bytes).substr(0, 12), [](const auto&) {}),
                  ProtocolError);
}

TEST_CASE("A wrong message CRC is a ProtocolError", "[eventstream]") {
  std::string bytes = encode_event_message(event_headers("messageStart"), "{\"role\":\"x\"}");
  bytes[bytes.size() - 6] = 'y';  // inside the payload
  CHECK_THROWS_AS(decode(bytes, {}), ProtocolError);
  std::string crc = encode_event_message(event_headers("messageStart"), "{}");
  crc.back() = static_cast<char>(crc.back() ^ 0x40);
  CHECK_THROWS_AS(decode(crc, {}), ProtocolError);
}

TEST_CASE("A stream that ends inside a message is a ProtocolError at finish", "[eventstream]") {
  const std::string bytes = encode_event_message(event_headers("messageStop"), "{}");
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    EventStreamDecoder decoder;
    int messages = 0;
    decoder.feed(std::string_view(bytes).substr(0, cut), [&](const auto&) { ++messages; });
    CHECK(messages == 0);
    CHECK_THROWS_AS(decoder.finish(), ProtocolError);
  }
}

namespace {

/// A prelude with these lengths and a valid CRC.
std::string prelude(std::uint32_t total, std::uint32_t headers_length) {
  std::string out;
  for (const std::uint32_t v : {total, headers_length}) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  const std::uint32_t crc = litellm::detail::crc32(out);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

}  // namespace

TEST_CASE("Lengths beyond the limits are ProtocolErrors before the message is buffered",
          "[eventstream]") {
  // 16 MiB + 1: rejected from the prelude alone.
  CHECK_THROWS_AS(decode(prelude((16U << 20U) + 1, 0), {}), ProtocolError);
  // Headers over 128 KiB.
  CHECK_THROWS_AS(decode(prelude(1U << 20U, (128U << 10U) + 1), {}), ProtocolError);
  // Headers longer than the message holds.
  CHECK_THROWS_AS(decode(prelude(20, 5), {}), ProtocolError);
  // Shorter than a prelude and a CRC.
  CHECK_THROWS_AS(decode(prelude(15, 0), {}), ProtocolError);
  // A smaller limit of the decoder's own.
  const std::string message = encode_event_message(event_headers("x"), std::string(100, 'a'));
  CHECK_THROWS_AS(decode(message, {}, 64), ProtocolError);
}

TEST_CASE("Headers that do not fit, empty names and unknown types are ProtocolErrors",
          "[eventstream]") {
  auto with_headers = [](const std::string& raw) {
    std::string out = prelude(static_cast<std::uint32_t>(16 + raw.size()),
                              static_cast<std::uint32_t>(raw.size())) +
                      raw;
    const std::uint32_t crc = litellm::detail::crc32(out);
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    return out;
  };
  CHECK_THROWS_AS(decode(with_headers(std::string("\x01x\x0a", 3)), {}), ProtocolError);
  CHECK_THROWS_AS(decode(with_headers(std::string("\x00\x07", 2)), {}), ProtocolError);
  CHECK_THROWS_AS(decode(with_headers(std::string("\x01x\x07\x00\x09"
                                                  "ab",
                                                  7)),
                         {}),
                  ProtocolError);
  CHECK_THROWS_AS(decode(with_headers(std::string("\x05x", 2)), {}), ProtocolError);
  CHECK_THROWS_AS(decode(with_headers(std::string("\x01x\x04\x00", 4)), {}), ProtocolError);
  CHECK(decode(with_headers(std::string("\x01x\x07\x00\x02"
                                        "ab",
                                        7)),
               {})
            .size() == 1);
}

TEST_CASE("Messages become SseEvents named by their event, exception or error header",
          "[eventstream]") {
  litellm::SseEvent event;
  EventStreamMessage message;
  message.headers = event_headers("contentBlockDelta");
  message.payload = "{\"a\":1}";
  litellm::detail::sse_event_of(message, event);
  CHECK(event.event == "contentBlockDelta");
  CHECK(event.data == "{\"a\":1}");
  CHECK(event.id == "event");

  message.headers = {{":exception-type", EventHeaderType::string, "throttlingException"},
                     {":message-type", EventHeaderType::string, "exception"}};
  message.payload = "{\"message\":\"slow down\"}";
  litellm::detail::sse_event_of(message, event);
  CHECK(event.event == "throttlingException");
  CHECK(event.id == "exception");
  CHECK(event.data == "{\"message\":\"slow down\"}");

  message.headers = {{":error-code", EventHeaderType::string, "InternalFailure"},
                     {":error-message", EventHeaderType::string, "boom"},
                     {":message-type", EventHeaderType::string, "error"}};
  litellm::detail::sse_event_of(message, event);
  CHECK(event.event == "InternalFailure");
  CHECK(event.id == "error");
  CHECK(json::parse(event.data) == json{{"message", "boom"}});
}
