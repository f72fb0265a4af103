#pragma once

#include "litellm/detail/aws_eventstream.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "litellm/errors.hpp"

namespace litellm::detail {

/// The table of the reflected CRC-32 polynomial 0xEDB88320.
constexpr std::array<std::uint32_t, 256> make_crc32_table() noexcept {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
    table[i] = c;
  }
  return table;
}

inline constexpr std::array<std::uint32_t, 256> kCrc32Table = make_crc32_table();

LITELLM_INLINE std::uint32_t crc32(std::string_view data, std::uint32_t crc) noexcept {
  crc = ~crc;
  for (const char ch : data) {
    crc = kCrc32Table[(crc ^ static_cast<unsigned char>(ch)) & 0xffU] ^ (crc >> 8U);
  }
  return ~crc;
}

/// The big-endian unsigned integer of `n` bytes at `p`.
LITELLM_INLINE std::uint64_t eventstream_read_be(const char* p, int n) noexcept {
  std::uint64_t value = 0;
  for (int i = 0; i < n; ++i) value = (value << 8U) | static_cast<unsigned char>(p[i]);
  return value;
}

/// Appends `value` as `n` big-endian bytes.
LITELLM_INLINE void eventstream_write_be(std::string& out, std::uint64_t value, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffU));
}

LITELLM_INLINE void EventStreamDecoder::finish() const {
  if (!buffer_.empty()) {
    throw ProtocolError("the event stream ended inside a message (" +
                        std::to_string(buffer_.size()) + " bytes of it arrived)");
  }
}

LITELLM_INLINE bool EventStreamDecoder::next_message(std::size_t& pos) {
  const std::size_t available = buffer_.size() - pos;
  if (available < kEventStreamPrelude) return false;
  const char* const start = buffer_.data() + pos;
  const auto total = static_cast<std::size_t>(eventstream_read_be(start, 4));
  const auto headers_length = static_cast<std::size_t>(eventstream_read_be(start + 4, 4));
  if (checked_at_ != pos) {
    const auto prelude_crc = static_cast<std::uint32_t>(eventstream_read_be(start + 8, 4));
    if (crc32(std::string_view(start, 8)) != prelude_crc) {
      throw ProtocolError("an event-stream message has a wrong prelude CRC");
    }
    if (total < kEventStreamMinMessage || total > max_message_) {
      throw ProtocolError("an event-stream message has a total length of " + std::to_string(total) +
                          " bytes (allowed: " + std::to_string(kEventStreamMinMessage) + " to " +
                          std::to_string(max_message_) + ")");
    }
    if (headers_length > kEventStreamMaxHeaders ||
        headers_length > total - kEventStreamMinMessage) {
      throw ProtocolError(
          "an event-stream message has a headers length of " + std::to_string(headers_length) +
          " bytes, more than " +
          (headers_length > kEventStreamMaxHeaders ? "the 128 KiB allowed" : "the message holds"));
    }
    checked_at_ = pos;
  }
  if (available < total) return false;
  const auto message_crc = static_cast<std::uint32_t>(eventstream_read_be(start + total - 4, 4));
  if (crc32(std::string_view(start, total - 4)) != message_crc) {
    throw ProtocolError("an event-stream message has a wrong message CRC");
  }

  message_.headers.clear();
  const char* p = start + kEventStreamPrelude;
  const char* const headers_end = p + headers_length;
  auto need = [&](std::size_t n) {
    if (static_cast<std::size_t>(headers_end - p) < n) {
      throw ProtocolError("an event-stream header does not fit in its message's headers");
    }
  };
  while (p < headers_end) {
    need(1);
    const auto name_length = static_cast<unsigned char>(*p++);
    if (name_length == 0) throw ProtocolError("an event-stream header has an empty name");
    need(name_length + std::size_t{1});
    EventStreamHeader header;
    header.name.assign(p, name_length);
    p += name_length;
    const auto type = static_cast<unsigned char>(*p++);
    switch (type) {
      case 0:
      case 1:
        header.value = type == 0 ? "true" : "false";
        break;
      case 2:
      case 3:
      case 4:
      case 5:
      case 8: {
        const int size = type == 2 ? 1 : type == 3 ? 2 : type == 4 ? 4 : 8;
        need(static_cast<std::size_t>(size));
        const std::uint64_t raw = eventstream_read_be(p, size);
        // Sign-extended from `size` bytes.
        const int shift = 64 - 8 * size;
        const auto value = static_cast<std::int64_t>(raw << shift) >> shift;
        header.value = std::to_string(value);
        p += size;
        break;
      }
      case 6:
      case 7: {
        need(2);
        const auto length = static_cast<std::size_t>(eventstream_read_be(p, 2));
        p += 2;
        need(length);
        header.value.assign(p, length);
        p += length;
        break;
      }
      case 9:
        need(16);
        header.value.assign(p, 16);
        p += 16;
        break;
      default:
        throw ProtocolError("an event-stream header has the unknown type " + std::to_string(type));
    }
    header.type = static_cast<EventHeaderType>(type);
    message_.headers.push_back(std::move(header));
  }
  message_.payload.assign(headers_end, start + total - 4);
  pos += total;
  return true;
}

LITELLM_INLINE void sse_event_of(const EventStreamMessage& message, SseEvent& out) {
  const std::string* type = message.header(":message-type");
  out.id = type != nullptr ? *type : "event";
  out.retry.reset();
  if (out.id == "error") {
    const std::string* code = message.header(":error-code");
    const std::string* text = message.header(":error-message");
    out.event = code != nullptr ? *code : "error";
    out.data = json{{"message", text != nullptr ? *text : std::string()}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
    return;
  }
  const std::string* name =
      message.header(out.id == "exception" ? ":exception-type" : ":event-type");
  out.event = name != nullptr ? *name : std::string();
  out.data = message.payload;
}

LITELLM_INLINE std::string encode_event_message(const std::vector<EventStreamHeader>& headers,
                                                std::string_view payload) {
  std::string encoded_headers;
  for (const EventStreamHeader& header : headers) {
    encoded_headers.push_back(static_cast<char>(header.name.size()));
    encoded_headers += header.name;
    encoded_headers.push_back(static_cast<char>(header.type));
    switch (header.type) {
      case EventHeaderType::bool_true:
      case EventHeaderType::bool_false:
        break;
      case EventHeaderType::byte:
        eventstream_write_be(encoded_headers, std::stoull(header.value), 1);
        break;
      case EventHeaderType::int16:
        eventstream_write_be(encoded_headers, static_cast<std::uint64_t>(std::stoll(header.value)),
                             2);
        break;
      case EventHeaderType::int32:
        eventstream_write_be(encoded_headers, static_cast<std::uint64_t>(std::stoll(header.value)),
                             4);
        break;
      case EventHeaderType::int64:
      case EventHeaderType::timestamp:
        eventstream_write_be(encoded_headers, static_cast<std::uint64_t>(std::stoll(header.value)),
                             8);
        break;
      case EventHeaderType::bytes:
      case EventHeaderType::string:
        eventstream_write_be(encoded_headers, header.value.size(), 2);
        encoded_headers += header.value;
        break;
      case EventHeaderType::uuid:
        encoded_headers += header.value.substr(0, 16);
        encoded_headers.append(16 - std::min<std::size_t>(16, header.value.size()), '\0');
        break;
    }
  }
  std::string out;
  const std::size_t total = kEventStreamMinMessage + encoded_headers.size() + payload.size();
  eventstream_write_be(out, total, 4);
  eventstream_write_be(out, encoded_headers.size(), 4);
  eventstream_write_be(out, crc32(out), 4);
  out += encoded_headers;
  out.append(payload.data(), payload.size());
  eventstream_write_be(out, crc32(out), 4);
  return out;
}

}  // namespace litellm::detail
