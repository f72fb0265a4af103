// Faults (see faults.hpp): their names and header, the run bodies, and what each fault does to
// the response it is applied to.
#include "faults.hpp"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include <httplib.h>

#include "anthropic_wire.hpp"
#include "bedrock_wire.hpp"
#include "errors.hpp"
#include "gemini_wire.hpp"
#include "openai_wire.hpp"
#include "server.hpp"
#include "simulator_impl.hpp"
#include "stream_plan.hpp"
#include "text.hpp"

namespace litellm::sim {

using detail::anthropic_event;
using detail::Clock;
using detail::Exchange;
using detail::inband_error_body;
using detail::milliseconds;
using detail::parse_integer;
using detail::parse_number;
using detail::Provider;
using detail::reset_current_connection;
using detail::RunBody;
using detail::StreamPlan;
using detail::trim;

namespace {

constexpr const char* kMalformedData = "data: {\"id\": \"broken\n\n";
// flood, long_line, endless: the text that content runs repeat, the characters of one flood
// chunk's content, the content of one endless chunk, and the largest single write of a run.
constexpr const char* kRunPattern = "lorem ipsum ";
constexpr std::size_t kFloodChunkChars = 1024;
constexpr const char* kEndlessChunkText = "lorem ";
constexpr std::size_t kRunPieceBytes = 64 * 1024;

/// `pattern` repeated to at least `size` bytes, a whole number of times (so that consecutive
/// copies continue the pattern).
std::string repeated(const std::string& pattern, std::size_t size) {
  std::string out;
  out.reserve(size + pattern.size());
  while (out.size() < size) out += pattern;
  return out;
}

/// The first `size` bytes of kRunPattern repeated.
std::string run_text(std::size_t size) {
  return repeated(kRunPattern, size).substr(0, size);
}

/// Writes text unless it is empty (httplib's chunked sink takes an empty write for the end).
bool write_text(httplib::DataSink& sink, const std::string& text) {
  return text.empty() || sink.write(text.data(), text.size());
}

}  // namespace

namespace detail {

bool is_run_fault(FaultKind kind) {
  return kind == FaultKind::flood || kind == FaultKind::long_line || kind == FaultKind::endless;
}

RunBody chat_run_body(ReplyPlan plan, Provider provider) {
  plan.choices.resize(1);
  ChoicePlan& choice = plan.choices.front();
  choice.calls.clear();
  choice.words = {kTemplateValue};
  choice.finish = "stop";
  const std::string rendered = (provider == Provider::anthropic ? anthropic_message(plan, false)
                                : provider == Provider::gemini  ? gemini_response(plan, false)
                                : provider == Provider::bedrock
                                    ? bedrock_message(plan, false)
                                    : openai_completion(plan, provider == Provider::azure, false))
                                   .dump();
  static const std::string marker = "\"\\u0001\"";
  const std::size_t at = rendered.find(marker);
  return RunBody{rendered.substr(0, at + 1), rendered.substr(at + marker.size() - 1), kRunPattern};
}

}  // namespace detail

const char* fault_kind_name(FaultKind kind) noexcept {
  switch (kind) {
    case FaultKind::none:
      return "none";
    case FaultKind::status:
      return "status";
    case FaultKind::insufficient_quota:
      return "insufficient_quota";
    case FaultKind::reset_before_headers:
      return "reset_before_headers";
    case FaultKind::reset_mid_stream:
      return "reset_mid_stream";
    case FaultKind::stall:
      return "stall";
    case FaultKind::no_terminator:
      return "no_terminator";
    case FaultKind::malformed_chunk:
      return "malformed_chunk";
    case FaultKind::inband_error:
      return "inband_error";
    case FaultKind::flood:
      return "flood";
    case FaultKind::long_line:
      return "long_line";
    case FaultKind::endless:
      return "endless";
    case FaultKind::hold_open:
      return "hold_open";
  }
  return "none";
}

std::optional<FaultKind> parse_fault_kind(std::string_view name) noexcept {
  for (FaultKind kind :
       {FaultKind::none, FaultKind::status, FaultKind::insufficient_quota,
        FaultKind::reset_before_headers, FaultKind::reset_mid_stream, FaultKind::stall,
        FaultKind::no_terminator, FaultKind::malformed_chunk, FaultKind::inband_error,
        FaultKind::flood, FaultKind::long_line, FaultKind::endless, FaultKind::hold_open}) {
    if (name == fault_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

std::optional<Fault> parse_fault_header(std::string_view value) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t semicolon = value.find(';');
    parts.push_back(trim(value.substr(0, semicolon)));
    if (semicolon == std::string_view::npos) break;
    value.remove_prefix(semicolon + 1);
  }
  const auto kind = parse_fault_kind(parts.front());
  if (!kind) return std::nullopt;
  Fault fault;
  fault.kind = *kind;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::size_t equals = parts[i].find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view name = trim(parts[i].substr(0, equals));
    const std::string_view text = trim(parts[i].substr(equals + 1));
    if (name == "retry_after") {
      const auto seconds = parse_number(text);
      if (!seconds || *seconds < 0) return std::nullopt;
      fault.retry_after_s = *seconds;
      continue;
    }
    const auto number = parse_integer(text);
    if (!number || *number < 0) return std::nullopt;
    if (name == "bytes") {
      fault.flood_bytes = static_cast<std::size_t>(*number);
      continue;
    }
    if (*number > INT_MAX) return std::nullopt;
    if (name == "status") {
      if (*number < 100 || *number > 999) return std::nullopt;
      fault.status = static_cast<int>(*number);
    } else if (name == "after") {
      fault.after_chunks = static_cast<int>(*number);
    } else if (name == "stall_ms") {
      fault.stall = milliseconds(*number);
    } else if (name == "interval_ms") {
      fault.interval = milliseconds(*number);
    } else {
      return std::nullopt;
    }
  }
  return fault;
}

// A non-streaming 200 reply, with a stream fault's nearest non-stream behaviour.
void ProviderSimulator::Impl::reply(httplib::Response& res, Exchange& ex, std::string body,
                                    const std::optional<Fault>& fault) {
  res.status = 200;
  switch (fault ? fault->kind : FaultKind::none) {
    case FaultKind::stall:
      ex.stall_before_reply = fault->stall;
      break;
    case FaultKind::reset_mid_stream: {
      // The headers (with the full Content-Length), half the body, then a reset.
      auto shared = std::make_shared<std::string>(std::move(body));
      res.set_content_provider(shared->size(), "application/json",
                               [shared](size_t offset, size_t /*length*/, httplib::DataSink& sink) {
                                 const std::size_t half = shared->size() / 2;
                                 if (offset < half)
                                   sink.write(shared->data() + offset, half - offset);
                                 reset_current_connection();
                                 return false;
                               });
      return;
    }
    case FaultKind::malformed_chunk:
      body = "{\"id\": \"broken";
      break;
    case FaultKind::inband_error:
      body = inband_error_body(ex.provider).dump();
      break;
    case FaultKind::flood:
    case FaultKind::long_line:
    case FaultKind::endless:
      // Not a chat reply (embeddings): the run is JSON white space before the body.
      run_reply(res, RunBody{"", std::move(body), " "}, *fault);
      return;
    default:
      break;
  }
  res.set_content(body, "application/json");
}

// A 200 whose chunked body is generated as it is written: flood and long_line write head, run
// of flood_bytes, tail; endless writes head then the run forever, one byte per interval.
void ProviderSimulator::Impl::run_reply(httplib::Response& res, RunBody body, const Fault& fault) {
  res.status = 200;
  auto shared = std::make_shared<const RunBody>(std::move(body));
  if (fault.kind != FaultKind::endless) {
    const std::size_t bytes = fault.flood_bytes;
    res.set_chunked_content_provider(
        "application/json", [this, shared, bytes](size_t /*offset*/, httplib::DataSink& sink) {
          if (!write_text(sink, shared->head) || !write_run(sink, shared->pattern, bytes) ||
              !write_text(sink, shared->tail)) {
            return false;
          }
          sink.done();
          return true;
        });
    return;
  }
  const milliseconds interval = fault.interval;
  res.set_chunked_content_provider(
      "application/json", [this, shared, interval](size_t /*offset*/, httplib::DataSink& sink) {
        const std::string& head = shared->head;
        const std::string& pattern = shared->pattern;
        for (std::size_t i = 0;; ++i) {
          if (i > 0 && !pause(interval)) return false;
          if (!sink.is_writable()) return false;  // also false once the client closed its end
          const char byte = i < head.size() ? head[i] : pattern[(i - head.size()) % pattern.size()];
          if (!sink.write(&byte, 1)) return false;
        }
      });
}

// Writes `bytes` bytes of `pattern` repeated, in pieces; false when a write fails or on stop().
bool ProviderSimulator::Impl::write_run(httplib::DataSink& sink, const std::string& pattern,
                                        std::size_t bytes) {
  const std::string piece = repeated(pattern, kRunPieceBytes);
  while (bytes > 0) {
    if (stopping) return false;
    const std::size_t n = std::min(bytes, piece.size());
    if (!sink.write(piece.data(), n)) return false;
    bytes -= n;
  }
  return true;
}

bool ProviderSimulator::Impl::write_stream(const StreamPlan& plan,
                                           const std::optional<Fault>& fault,
                                           httplib::DataSink& sink) {
  const std::size_t count = plan.size();
  const FaultKind kind = fault ? fault->kind : FaultKind::none;
  const std::size_t after = fault ? static_cast<std::size_t>(std::max(0, fault->after_chunks)) : 0;
  std::size_t fault_at = count + 1;  // never
  switch (kind) {
    case FaultKind::reset_mid_stream:
    case FaultKind::stall:
      fault_at = std::min(after, count);
      break;
    case FaultKind::no_terminator:
    case FaultKind::malformed_chunk:
    case FaultKind::inband_error:
    case FaultKind::long_line:
      fault_at = std::min(after, plan.terminal_from);
      break;
    case FaultKind::flood:
    case FaultKind::endless:
      // Content deltas where they are valid (Anthropic: inside the text block).
      if (plan.has_content_delta()) {
        fault_at = std::min(std::max(after, plan.content_from), plan.terminal_from);
      }
      break;
    default:
      break;
  }
  auto send = [&sink](const std::string& text) { return sink.write(text.data(), text.size()); };
  for (std::size_t i = 0; i <= count; ++i) {
    if (i == fault_at) {
      switch (kind) {
        case FaultKind::reset_mid_stream:
          reset_current_connection();
          return false;
        case FaultKind::stall:
          if (!stall(fault->stall)) return false;
          break;
        case FaultKind::no_terminator:
          sink.done();
          return true;
        case FaultKind::malformed_chunk:
          if (!send(plan.provider == Provider::anthropic
                        ? std::string("event: content_block_delta\n") + kMalformedData
                        : std::string(kMalformedData))) {
            return false;
          }
          sink.done();
          return true;
        case FaultKind::inband_error:
          if (!send(plan.provider == Provider::anthropic
                        ? anthropic_event("error", inband_error_body(Provider::anthropic))
                    : plan.provider == Provider::bedrock
                        ? detail::bedrock_event("internalServerException",
                                                inband_error_body(Provider::bedrock),
                                                /*exception=*/true)
                        : "data: " + inband_error_body(plan.provider).dump() + "\n\n")) {
            return false;
          }
          sink.done();
          return true;
        case FaultKind::flood: {
          // One event, written again and again: nothing grows with flood_bytes.
          const std::string event = plan.content_delta(run_text(kFloodChunkChars));
          for (std::size_t sent = 0; sent < fault->flood_bytes; sent += event.size()) {
            if (stopping || !send(event)) return false;
          }
          break;  // then the rest of the stream
        }
        case FaultKind::long_line:
          // Bedrock: one binary frame whose prelude declares flood_bytes more (a valid prelude
          // CRC: the client's limit on a message, not its checksum, must stop it).
          if (!send(plan.provider == Provider::bedrock
                        ? detail::bedrock_frame_prelude(fault->flood_bytes)
                        : std::string("data: ")) ||
              !write_run(sink, "x", fault->flood_bytes)) {
            return false;
          }
          sink.done();  // the connection closes after this response
          return true;
        case FaultKind::endless: {
          const std::string event = plan.content_delta(kEndlessChunkText);
          for (;;) {
            if (!pause(fault->interval)) return false;
            if (!sink.is_writable() || !send(event)) return false;
          }
        }
        default:
          break;
      }
    }
    if (i == count) break;
    if (i > 0 && options.chunk_delay.count() > 0 && !pause(options.chunk_delay)) return false;
    if (stopping) return false;
    if (!send(plan.render(i))) return false;
  }
  if (kind == FaultKind::hold_open && !hold_open(*fault, sink)) return false;
  sink.done();
  return true;
}

bool ProviderSimulator::Impl::hold_open(const Fault& fault, httplib::DataSink& sink) {
  ++stalls;
  const auto deadline = Clock::now() + fault.stall;
  bool open = true;
  while (open) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    const auto wait =
        std::min(std::max(fault.interval, milliseconds(1)),
                 std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1));
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (wakeup.wait_for(lock, wait, [this] { return stalls_released || stopping.load(); })) {
        break;
      }
    }
    open = sink.is_writable();  // false once the client closed its end
  }
  --stalls;
  return open && !stopping;
}

bool ProviderSimulator::Impl::stall(milliseconds limit) {
  ++stalls;
  {
    std::unique_lock<std::mutex> lock(mutex);
    wakeup.wait_for(lock, limit, [this] { return stalls_released || stopping.load(); });
  }
  --stalls;
  return !stopping;
}

bool ProviderSimulator::Impl::pause(milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex);
  wakeup.wait_for(lock, duration, [this] { return stopping.load(); });
  return !stopping;
}

}  // namespace litellm::sim
