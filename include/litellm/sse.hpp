/// @file
/// An incremental Server-Sent-Events parser (WHATWG "event stream interpretation").
///
/// `SseParser` takes the bytes of a `text/event-stream` body in pieces of any size and calls back
/// once per complete event. Every split of the same bytes yields the same events: a CR at the end
/// of one piece and an LF at the start of the next are one line end, and a UTF-8 BOM split across
/// pieces is still stripped.
///
/// It follows the WHATWG specification, with the decisions listed below:
/// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
/// - Bytes are passed through as they are: no UTF-8 decoding or validation.
/// - `finish()` treats the end of input as a line end followed by a blank line, so a final event
///   without its blank line is still delivered (the spec would drop it).
/// - A `retry` value that is empty or does not fit in 64 bits is ignored, like a non-digit one.
/// - A line longer than `SseParserOptions::max_line_bytes`, or an event whose data grows past
///   `SseParserOptions::max_event_bytes`, is a `ProtocolError`; the line limit is enforced while
///   the line is still being buffered, so memory stays bounded.
///
/// Complete lines that lie inside one piece are parsed in place; only an incomplete last line is
/// copied. The event handed to the callback is reused, so its strings keep their capacity.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "litellm/errors.hpp"

namespace litellm {

/// One dispatched server-sent event.
struct SseEvent {
  /// The `event` field's value; "message" when the event had none (or an empty one).
  std::string event = "message";
  /// The `data` lines' values joined with "\n" (no trailing LF).
  std::string data;
  /// The last event id seen so far in the stream: it persists across events, as the spec says.
  std::string id;
  /// The reconnection time in ms, set only when this event's block had a valid `retry` field.
  std::optional<std::uint64_t> retry;
};

/// Limits that keep a misbehaving peer from making the parser buffer without bound.
struct SseParserOptions {
  /// The longest line accepted (without its line end), in bytes; a longer one is a ProtocolError.
  std::size_t max_line_bytes = 8 * 1024 * 1024;
  /// The largest event data accepted (the joined `data` values), in bytes; more is a ProtocolError.
  std::size_t max_event_bytes = 16 * 1024 * 1024;
};

/// Incremental parser for a `text/event-stream` body.
///
/// Feed it the body's bytes in pieces of any size with `feed()`, then call `finish()` at the end
/// of input. Not thread-safe. After it throws (a limit was exceeded, or the callback threw), call
/// `reset()` before feeding it again.
class SseParser {
 public:
  /// A parser in its initial state, with the given limits.
  explicit SseParser(SseParserOptions options = {}) : options_(options) {}

  /// Parses `bytes`, the next piece of the stream, calling `on_event(const SseEvent&)` once for
  /// each event completed by them. The event passed is only valid during the call.
  /// @throws ProtocolError when a line or an event exceeds its limit.
  template <class OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    if (!bom_checked_) {
      bytes = consume_bom(bytes, on_event);
      if (bytes.empty()) return;
    }
    process(bytes, on_event);
  }

  /// Ends the stream: processes an unterminated last line, then acts as if a blank line followed,
  /// so a pending event is dispatched to `on_event`. Afterwards the parser is ready for a new
  /// stream (buffers empty, BOM check re-armed) but keeps `last_event_id()` and `retry()`, as a
  /// reconnecting client would.
  /// @throws ProtocolError when the last line or event exceeds its limit.
  template <class OnEvent>
  void finish(OnEvent&& on_event) {
    if (!bom_checked_ && bom_matched_ > 0) {
      const std::size_t held = bom_matched_;
      bom_checked_ = true;
      bom_matched_ = 0;
      process(std::string_view(kBom, held), on_event);
    }
    if (!line_.empty()) {
      process_line(line_, on_event);
      line_.clear();
    }
    pending_cr_ = false;
    process_line(std::string_view(), on_event);  // The implied blank line.
    start_stream();
  }

  /// `feed(bytes, on_event)` that returns the completed events instead.
  std::vector<SseEvent> feed(std::string_view bytes) {
    std::vector<SseEvent> events;
    feed(bytes, [&events](const SseEvent& event) { events.push_back(event); });
    return events;
  }

  /// `finish(on_event)` that returns the events it completed instead.
  std::vector<SseEvent> finish() {
    std::vector<SseEvent> events;
    finish([&events](const SseEvent& event) { events.push_back(event); });
    return events;
  }

  /// Returns the parser to its initial state: buffers, last event id and retry cleared, BOM check
  /// re-armed. Buffer memory is released. The options are kept.
  void reset() {
    start_stream();
    std::string().swap(line_);
    event_ = SseEvent();
    std::string().swap(event_type_);
    std::string().swap(last_event_id_);
    retry_.reset();
  }

  /// The last event id buffer: the latest `id` field's value (empty when none was seen).
  const std::string& last_event_id() const noexcept { return last_event_id_; }

  /// The latest valid `retry` value (the reconnection time in ms), if any was seen.
  std::optional<std::uint64_t> retry() const noexcept { return retry_; }

  /// The bytes held for an incomplete line, a possibly partial BOM, and the pending event's data.
  std::size_t buffered_bytes() const noexcept {
    return line_.size() + event_.data.size() + (bom_checked_ ? 0 : bom_matched_);
  }

 private:
  /// The UTF-8 byte order mark, stripped once at the start of a stream.
  static constexpr char kBom[] = "\xEF\xBB\xBF";
  /// Its length in bytes.
  static constexpr std::size_t kBomSize = 3;
  /// The event type used when a block has no (or an empty) `event` field.
  static constexpr std::string_view kDefaultEventType = "message";

  /// Matches the start of the stream against the BOM; returns what remains to be parsed.
  template <class OnEvent>
  std::string_view consume_bom(std::string_view bytes, OnEvent& on_event) {
    std::size_t i = 0;
    while (bom_matched_ < kBomSize && i < bytes.size()) {
      if (bytes[i] != kBom[bom_matched_]) {
        // Not a BOM: the bytes held so far are ordinary content.
        const std::size_t held = bom_matched_;
        bom_checked_ = true;
        bom_matched_ = 0;
        if (held > 0) process(std::string_view(kBom, held), on_event);
        return bytes.substr(i);
      }
      ++bom_matched_;
      ++i;
    }
    if (bom_matched_ == kBomSize) {
      bom_checked_ = true;
      bom_matched_ = 0;
      return bytes.substr(i);
    }
    return std::string_view();  // Everything so far may still be a BOM: held.
  }

  /// Splits `bytes` into lines, parsing complete ones and buffering the incomplete tail.
  template <class OnEvent>
  void process(std::string_view bytes, OnEvent& on_event) {
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    if (p == end) return;
    if (pending_cr_) {
      pending_cr_ = false;
      if (*p == '\n' && ++p == end) return;  // The LF of a CRLF split across pieces.
    }
    // The next LF and CR at or after `p` (`end` when none), each searched for again only once
    // passed, so every byte is scanned at most once per character whatever the line ends.
    const char* lf = find(p, end, '\n');
    const char* cr = find(p, end, '\r');
    while (p < end) {
      if (lf < p) lf = find(p, end, '\n');
      if (cr < p) cr = find(p, end, '\r');
      const char* const eol = lf < cr ? lf : cr;
      if (eol == end) {
        buffer_tail(p, end);
        return;
      }
      const auto length = static_cast<std::size_t>(eol - p);
      if (line_.empty()) {
        check_line_length(length);
        process_line(std::string_view(p, length), on_event);
      } else {
        check_line_length(line_.size() + length);
        line_.append(p, length);
        process_line(line_, on_event);
        line_.clear();
      }
      p = eol + 1;
      if (*eol == '\r') {
        if (p == end) {
          pending_cr_ = true;
        } else if (*p == '\n') {
          ++p;
        }
      }
    }
  }

  /// The first `c` in [p, end), or `end`.
  static const char* find(const char* p, const char* end, char c) noexcept {
    const void* hit = std::memchr(p, c, static_cast<std::size_t>(end - p));
    return hit != nullptr ? static_cast<const char*>(hit) : end;
  }

  /// Keeps an incomplete line for the next piece, enforcing the line limit before growing.
  void buffer_tail(const char* p, const char* end) {
    const auto length = static_cast<std::size_t>(end - p);
    check_line_length(line_.size() + length);
    line_.append(p, length);
  }

  /// Throws when a line of `length` bytes is over the limit.
  void check_line_length(std::size_t length) const {
    if (length > options_.max_line_bytes) {
      throw ProtocolError("SSE line longer than max_line_bytes (" +
                          std::to_string(options_.max_line_bytes) + " bytes)");
    }
  }

  /// Interprets one line (without its line end); an empty line dispatches the pending event.
  template <class OnEvent>
  void process_line(std::string_view line, OnEvent& on_event) {
    if (line.empty()) {
      dispatch(on_event);
      return;
    }
    if (line.front() == ':') return;  // A comment.
    std::string_view name = line;
    std::string_view value;
    const void* colon = std::memchr(line.data(), ':', line.size());
    if (colon != nullptr) {
      const auto at = static_cast<std::size_t>(static_cast<const char*>(colon) - line.data());
      name = line.substr(0, at);
      value = line.substr(at + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    process_field(name, value);
  }

  /// Applies one field to the pending event.
  void process_field(std::string_view name, std::string_view value) {
    if (name == "data") {
      // The data as dispatched would be the buffer so far plus this value (the trailing LF is
      // stripped), so check that before growing.
      if (event_.data.size() + value.size() > options_.max_event_bytes) {
        throw ProtocolError("SSE event data larger than max_event_bytes (" +
                            std::to_string(options_.max_event_bytes) + " bytes)");
      }
      event_.data.append(value);
      event_.data.push_back('\n');
    } else if (name == "event") {
      event_type_.assign(value);
    } else if (name == "id") {
      if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
    } else if (name == "retry") {
      if (const auto parsed = parse_retry(value)) {
        retry_ = parsed;
        block_retry_ = parsed;
      }
    }
    // Any other field is ignored.
  }

  /// The value as a base-10 integer when it is non-empty, only ASCII digits and fits 64 bits.
  static std::optional<std::uint64_t> parse_retry(std::string_view value) noexcept {
    if (value.empty()) return std::nullopt;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t result = 0;
    for (const char c : value) {
      if (c < '0' || c > '9') return std::nullopt;
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (result > (kMax - digit) / 10) return std::nullopt;
      result = result * 10 + digit;
    }
    return result;
  }

  /// The blank-line step: dispatches the pending event if it has data, then resets the block.
  template <class OnEvent>
  void dispatch(OnEvent& on_event) {
    if (event_.data.empty()) {
      event_type_.clear();
      block_retry_.reset();
      return;
    }
    // Clears the block even when the callback throws, keeping the data's capacity.
    struct BlockReset {
      SseParser& parser;
      ~BlockReset() {
        parser.event_.data.clear();
        parser.event_type_.clear();
        parser.block_retry_.reset();
      }
    } block_reset{*this};
    event_.data.pop_back();  // The LF after the last data line.
    if (event_type_.empty()) {
      event_.event.assign(kDefaultEventType);
    } else {
      event_.event.assign(event_type_);
    }
    event_.id.assign(last_event_id_);
    event_.retry = block_retry_;
    on_event(static_cast<const SseEvent&>(event_));
  }

  /// Forgets everything tied to the current stream, but not the last event id or retry.
  void start_stream() noexcept {
    line_.clear();
    event_.data.clear();
    event_type_.clear();
    block_retry_.reset();
    pending_cr_ = false;
    bom_checked_ = false;
    bom_matched_ = 0;
  }

  SseParserOptions options_;                  ///< The limits.
  std::string line_;                          ///< An incomplete line carried to the next piece.
  SseEvent event_;                            ///< The event being built; `data` is the data buffer.
  std::string event_type_;                    ///< The event type buffer.
  std::string last_event_id_;                 ///< The last event id buffer.
  std::optional<std::uint64_t> retry_;        ///< The latest valid retry value.
  std::optional<std::uint64_t> block_retry_;  ///< A valid retry seen since the last blank line.
  bool pending_cr_ = false;                   ///< The last piece ended in CR: skip a leading LF.
  bool bom_checked_ = false;                  ///< The start of the stream was checked for a BOM.
  std::size_t bom_matched_ = 0;               ///< BOM bytes matched (and held) so far.
};

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
