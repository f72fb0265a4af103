// AWS's binary event-stream framing (`application/vnd.amazon.eventstream`, Bedrock's
// ConverseStream and InvokeModelWithResponseStream): an incremental decoder that survives any
// split of the bytes, and an encoder for tests and fuzz seeds.
//
// A message is: total length (u32), headers length (u32), prelude CRC32 (u32, of the first 8
// bytes), the headers, the payload, and the message CRC32 (u32, of everything before it); all
// integers big-endian. A header is a name (u8 length + bytes), a type (u8) and a value whose
// layout the type gives (EventHeaderType).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/sse.hpp"

namespace litellm::detail {

/// The largest message accepted (AWS's own limit): 16 MiB.
inline constexpr std::size_t kEventStreamMaxMessage = std::size_t{16} << 20U;
/// The largest headers section accepted (AWS's own limit): 128 KiB.
inline constexpr std::size_t kEventStreamMaxHeaders = std::size_t{128} << 10U;
/// The prelude's size: total length, headers length, prelude CRC.
inline constexpr std::size_t kEventStreamPrelude = 12;
/// The smallest message: a prelude and a message CRC, no headers, no payload.
inline constexpr std::size_t kEventStreamMinMessage = kEventStreamPrelude + 4;

/// The value types of event-stream headers, as numbered on the wire.
enum class EventHeaderType : std::uint8_t {
  bool_true = 0,   ///< No value bytes.
  bool_false = 1,  ///< No value bytes.
  byte = 2,        ///< 1 byte, signed.
  int16 = 3,       ///< 2 bytes, big-endian, signed.
  int32 = 4,       ///< 4 bytes, big-endian, signed.
  int64 = 5,       ///< 8 bytes, big-endian, signed.
  bytes = 6,       ///< u16 length + bytes.
  string = 7,      ///< u16 length + UTF-8 bytes.
  timestamp = 8,   ///< 8 bytes: milliseconds since the epoch, signed.
  uuid = 9,        ///< 16 bytes.
};

/// One header of a message.
struct EventStreamHeader {
  std::string name;                                ///< ":event-type", ...
  EventHeaderType type = EventHeaderType::string;  ///< Its wire type.
  /// string, bytes, uuid: the raw bytes; bool: "true" / "false"; integers and timestamps: the
  /// decimal value.
  std::string value;
};

/// One decoded message.
struct EventStreamMessage {
  std::vector<EventStreamHeader> headers;  ///< In wire order.
  std::string payload;                     ///< The payload bytes.

  /// The value of the first header called `name`, or nullptr.
  const std::string* header(std::string_view name) const noexcept {
    for (const EventStreamHeader& h : headers) {
      if (h.name == name) return &h.value;
    }
    return nullptr;
  }
};

/// CRC-32 (IEEE 802.3, as zlib's crc32) of `data`, continuing from `crc`.
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0) noexcept;

/// Incremental decoder of an event stream.
///
/// Feed it the bytes in pieces of any size; it calls back once per complete message. Both CRCs
/// are checked, the prelude's as soon as its 12 bytes are there (so a corrupt length is never
/// trusted). A ProtocolError is thrown for a CRC mismatch, a total length under 16 bytes or over
/// the limit (16 MiB), a headers length over 128 KiB or beyond the message, a header that does
/// not fit its section, an empty header name, or an unknown header type; `finish()` throws it
/// for a stream that ends inside a message. After an error the decoder must not be fed again.
class EventStreamDecoder {
 public:
  /// @param max_message the largest total length accepted (at most kEventStreamMaxMessage is
  ///        sensible; smaller in tests).
  explicit EventStreamDecoder(std::size_t max_message = kEventStreamMaxMessage)
      : max_message_(max_message) {}

  /// Decodes what `bytes` completes; calls `on_message(const EventStreamMessage&)` for each
  /// whole message.
  template <class OnMessage>
  void feed(std::string_view bytes, OnMessage&& on_message) {
    buffer_.append(bytes.data(), bytes.size());
    std::size_t pos = 0;
    while (next_message(pos)) on_message(message_);
    buffer_.erase(0, pos);
    if (checked_at_ != std::string::npos) {
      checked_at_ = checked_at_ >= pos ? checked_at_ - pos : std::string::npos;
    }
  }

  /// The end of the stream. @throws ProtocolError when it ends inside a message.
  void finish() const;

  /// Bytes of an incomplete message held.
  std::size_t buffered() const noexcept { return buffer_.size(); }

 private:
  /// Decodes the message at `pos` of buffer_ into message_ and advances `pos`, or returns false
  /// when it is not complete yet (after checking its prelude when that is).
  bool next_message(std::size_t& pos);

  std::size_t max_message_;
  std::string buffer_;                          ///< Bytes not yet decoded.
  EventStreamMessage message_;                  ///< The message handed to the callback (reused).
  std::size_t checked_at_ = std::string::npos;  ///< buffer_ offset whose prelude was checked.
};

/// The SseEvent a message stands for, so that stream translators keep one interface:
/// `event` = the `:event-type` header (events), the `:exception-type` header (exceptions) or the
/// `:error-code` header (errors); `data` = the payload (errors: `{"message": <:error-message>}`);
/// `id` = the `:message-type` header ("event", "exception", "error"; "event" when absent).
void sse_event_of(const EventStreamMessage& message, SseEvent& out);

/// One encoded message (tests, fuzz seeds): the headers (values as EventStreamHeader keeps
/// them) and the payload, with both CRCs.
std::string encode_event_message(const std::vector<EventStreamHeader>& headers,
                                 std::string_view payload);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
