/// @file
/// The provider simulator: an OpenAI / Azure OpenAI / Anthropic / Gemini compatible HTTP test
/// server.
///
/// A test tool, independent of the library (it does not link litellm): integration tests run it
/// in-process on a free port of 127.0.0.1, and the `litellm-mock-provider` executable serves it
/// to the demo and the benchmarks.
///
/// **Endpoints** (bodies shaped as the real services shape them):
/// - OpenAI: `POST /v1/chat/completions`, `POST /v1/embeddings` (`Authorization: Bearer <key>`).
/// - Azure OpenAI: `POST /openai/deployments/{deployment}/chat/completions?api-version=...` and
///   `.../embeddings` (header `api-key`); no `api-version` -> 404 "Resource not found"; the
///   response `model` is the deployment; streams begin with a `prompt_filter_results` chunk.
/// - Anthropic: `POST /v1/messages` (headers `x-api-key`, `anthropic-version`).
/// - Gemini: `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent` (SSE events
///   ending in CRLF CRLF, no [DONE]) and `:batchEmbedContents` (header `x-goog-api-key`, or the
///   `key` query parameter). A wrong key gets Google's 400 API_KEY_INVALID, a missing one 403;
///   insufficient_quota is a 429 RESOURCE_EXHAUSTED on a per-day quota; errors are Google's
///   `{"error": {"code", "message", "status", "details"}}`; no request id header is sent.
/// - Bedrock: `POST /model/{modelId}/converse`, `.../converse-stream` (AWS's binary event stream,
///   `application/vnd.amazon.eventstream`) and `.../invoke` (embeddings: Titan `inputText`,
///   Cohere `texts`). SigV4-signed: a key of `keys` of the form
///   "ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]" is the credentials the signature is checked with, as
///   AWS checks it (403 `InvalidSignatureException` with AWS's message when it does not match;
///   403 `UnrecognizedClientException` for an unknown access key id or a wrong session token);
///   any other key is a Bedrock API key (`Authorization: Bearer`). Errors are `{"message"}`
///   with the exception name in `x-amzn-ErrorType`. In streams, inband_error is an
///   `internalServerException` message and malformed_chunk bytes that are no event-stream
///   message; flood and endless leave Bedrock streams alone (binary framing has no template).
///
/// **Content** is deterministic: choice i says "Hello from the simulator" (+ " (choice i)" when
/// n > 1) + ". You said: " + the first 200 characters of the last user message's text, with
/// runs of white space collapsed to one space. With `max_tokens` = N (OpenAI: also
/// `max_completion_tokens`) an OpenAI / Azure reply is exactly N words (that text cut, or padded
/// with "lorem") and finishes with "length", so benchmarks get streams of exactly N chunks.
/// Streams send one word per chunk.
/// With `tools` (and tool_choice not "none", the last message from the user) the reply calls
/// the tool named by tool_choice, else the first two tools when the user text contains
/// "parallel", else the first tool. After a tool result the reply is "Tool result received: "
/// + the result's text. Usage counts words.
///
/// Tools: the arguments object has one member per `parameters.properties` entry (Anthropic:
/// `input_schema.properties`): string -> "sim", number / integer -> 42, boolean -> true, any
/// other -> null; ids `call_sim_<k>` / `toolu_sim_<k>`, k counting the calls of one response.
/// Anthropic (and Bedrock) require `max_tokens` (clients default it), so there it is only a cap, as
/// for the real models: the reply is cut at N words ("max_tokens" when it reaches N), never padded.
///
/// **Every response** has a request id: `x-request-id` (OpenAI), `apim-request-id` and
/// `x-request-id` (Azure), `request-id` (Anthropic), all `req_sim_<n>`.
///
/// **Rate limits** (`rate_limit_per_key`, `token_limit_per_key`): each key has a token bucket for
/// requests and one for tokens, holding the limit and refilled continuously over
/// `rate_limit_window`. A request costs 1 request and the prompt + completion tokens of its reply
/// (the usage it reports; embeddings: the embedded words). Every answer past the key check
/// carries the provider's rate-limit headers with true values: OpenAI
/// `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as `<n>ms`), Azure
/// `x-ratelimit-remaining-{requests,tokens}`, Anthropic
/// `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` (resets as RFC 3339 times).
/// A request the buckets cannot cover gets 429 with `retry-after` and `retry-after-ms` (the wait
/// until they can) and charges nothing.
///
/// **Order of checks**: route (unknown path, or Azure without api-version: 404), key (401 when
/// `keys` is set and the key is missing or unknown), `anthropic-version` (400), fault (the
/// `x-sim-fault` request header, else the first matching queued fault; see `FaultKind`),
/// exhausted quota, rate limit (429 with `retry-after`, `retry-after-ms`), body validation (400),
/// reply. A fault is consumed only by a request that got past the first three checks.
///
/// **Wire details**: no response is compressed (Accept-Encoding is ignored, so SSE is never
/// buffered); every SSE event is written with its own send(). A client that sends
/// `Expect: 100-continue` receives the interim `100 Continue` before the handler runs, so
/// reset_before_headers then closes after that interim response.
///
/// **Bounded memory**: the flood, long_line and endless faults generate their bytes as they are
/// written (chunked transfer), so the simulator's memory does not grow with what it sends; they
/// stop writing as soon as a write fails or the client closed its end (a peer that closed reads
/// as end of file, an unread close as a reset), and at once on stop().
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace litellm::sim {

/// What a fault does to the request that consumes it.
///
/// Stream faults act after `Fault::after_chunks` SSE events were written (every event counts:
/// role chunks, the Azure prompt filter chunk, Anthropic's `ping`). A non-streaming request with
/// a stream fault gets the nearest behaviour (see each kind).
enum class FaultKind {
  none,                  ///< No fault (a queued `none` fault just consumes one request).
  status,                ///< Answer `Fault::status` with the provider's error body for it.
  insufficient_quota,    ///< 429 insufficient_quota (Anthropic: 400 "credit balance is too low").
  reset_before_headers,  ///< Close the connection (RST) before any response byte.
  reset_mid_stream,  ///< Reset after N events (non-stream: after the headers and half the body).
  /// Pause until release_stalls() or `Fault::stall` elapses, then go on normally (after_chunks
  /// 0: before the headers; non-stream: before replying). stop() ends it and the response.
  stall,
  no_terminator,    ///< End cleanly after N events, without finish chunk / [DONE] / stop.
  malformed_chunk,  ///< After N events send `data: {"id": "broken` and end (non-stream: body).
  inband_error,     ///< After N events send an error event and end (non-stream: 200 + error).
  /// After N events (at most up to the finishing ones), valid content chunks of 1024 characters
  /// ("lorem ipsum lorem ..."; OpenAI / Azure: `chat.completion.chunk` deltas of choice 0;
  /// Anthropic: `content_block_delta` text_delta events of block 0, never before
  /// `content_block_start` and `ping`; Gemini: text parts of candidate 0; Bedrock: binary
  /// `contentBlockDelta` events, never before `messageStart`), each with its own send(), as fast as
  /// the client reads, until at least `Fault::flood_bytes` bytes of them were written (whole
  /// events); then the rest of the stream, which ends normally. Non-stream: 200, a valid chat
  /// completion (Anthropic: message) whose content string is `flood_bytes` characters long;
  /// embeddings: the valid body after `flood_bytes` spaces. Both chunked, without Content-Length.
  /// With flood, long_line and endless the reply is text: `tools` are ignored.
  flood,
  /// After N events (at most up to the finishing ones), `data: ` and `Fault::flood_bytes` bytes
  /// of 'x' without a line end (Bedrock: a message prelude, with its valid CRC, declaring
  /// `flood_bytes` of payload, then those bytes); then the chunked body ends and the connection
  /// closes (`Connection: close`). Non-stream: as flood.
  long_line,
  /// After N events (placed as flood's), one small valid content chunk (the text "lorem ") every
  /// `Fault::interval`, forever: until the client disconnects or stop(). Non-stream: 200, then
  /// the body one byte per interval, forever (a chat completion whose content never ends;
  /// embeddings: spaces). The connection is never idle for longer than the interval.
  endless,
  /// The whole stream, its end marker included (`data: [DONE]`, Anthropic's `message_stop`),
  /// then the chunked body held open without its terminating chunk: until the client closes its
  /// end (looked at every `Fault::interval`), release_stalls(), stop(), or `Fault::stall`
  /// elapses, when the body ends normally. Counts in active_stalls() while it holds.
  /// Non-stream: a normal reply (its length is sent, so nothing is held).
  hold_open,
};

/// The name of a fault kind, as in the enum ("reset_mid_stream").
const char* fault_kind_name(FaultKind kind) noexcept;

/// The fault kind with this name, if any.
std::optional<FaultKind> parse_fault_kind(std::string_view name) noexcept;

/// One injected fault.
struct Fault {
  FaultKind kind = FaultKind::none;  ///< What happens.
  int status = 500;  ///< kind == status: the HTTP status (any), provider-shaped body.
  std::optional<double> retry_after_s;  ///< Adds `retry-after` / `retry-after-ms` to an error.
  int after_chunks = 1;  ///< Stream faults: after this many events (stall: 0 = before headers).
  /// stall, hold_open: the longest stall (hold); release_stalls() ends it.
  std::chrono::milliseconds stall{5000};
  /// flood: the bytes of flood events to stream (non-stream: content characters); long_line:
  /// the number of 'x'.
  std::size_t flood_bytes = std::size_t{128} << 20U;
  /// endless: the time between two chunks (bytes); hold_open: between two looks at the client.
  std::chrono::milliseconds interval{20};
  std::string key;            ///< Only for requests made with this key ("" = any).
  std::string path_contains;  ///< Only for requests whose path contains this ("" = any).
};

/// Parses an `x-sim-fault` header value:
/// `<kind>[;status=N][;after=N][;retry_after=S][;stall_ms=N][;interval_ms=N][;bytes=N]`
/// (`bytes`: flood_bytes, `interval_ms`: interval). nullopt when it is invalid.
std::optional<Fault> parse_fault_header(std::string_view value);

/// A key as it may appear in messages: "sk-...abcd" (first 3 and last 4 characters) for keys of
/// 20 characters or more, "...abcd" for 12 to 19, "***" for shorter keys.
std::string redact_key(std::string_view key);

/// One request as the simulator received it.
struct RecordedRequest {
  std::string method;    ///< "POST", "GET", ...
  std::string path;      ///< The raw (not percent-decoded) path, without the query.
  std::string query;     ///< The raw query string, without '?'.
  std::string provider;  ///< "openai", "azure", "anthropic" or "gemini".
  std::string key;       ///< The key it carried ("" when none).
  std::map<std::string, std::string> headers;  ///< Lower-case names; repeated ones joined ", ".
  std::string body;                            ///< The request body.
  int status = 0;       ///< The response status (0: the connection was reset before headers).
  std::string fault;    ///< The fault applied (fault_kind_name), "" when none.
  int client_port = 0;  ///< The client's TCP port: equal ports mean a reused connection.
  std::chrono::steady_clock::time_point at;  ///< When it arrived.
  /// Every byte written on the connection for this request (interim 100 Continue, status line,
  /// headers, body with its chunk framing), set when the response ended (written, failed or
  /// reset), just after its last byte was written (so a client that read the whole response
  /// may still see 0 for a moment): 0 until then, and in the copy that `on_request` sees.
  std::size_t bytes_sent = 0;
};

/// Simulator configuration. Every field has a working default.
struct SimulatorOptions {
  std::string host = "127.0.0.1";  ///< Address to bind.
  int port = 0;                    ///< Port to bind; 0: a free port.
  std::vector<std::string> keys;   ///< Accepted keys; empty: any key (or none) is accepted.
  std::vector<std::string> quota_exhausted_keys;  ///< Always 429 insufficient_quota (accepted).
  int rate_limit_per_key = 0;                     ///< Requests per key per window; 0: unlimited.
  long long token_limit_per_key = 0;              ///< Tokens per key per window; 0: unlimited.
  /// The rate-limit window: a limit of N per window refills continuously at N per window (a
  /// token bucket, as the providers limit).
  std::chrono::milliseconds rate_limit_window{1000};
  std::chrono::milliseconds chunk_delay{0};  ///< Pause between stream chunks.
  int threads = 64;  ///< Worker threads; each serves one connection at a time.
  /// Recorded requests kept (the oldest are dropped first); 0: all. request_count() still
  /// counts every request.
  std::size_t max_recorded = 0;
  /// Called (on a worker thread) after each request is recorded; may be empty.
  std::function<void(const RecordedRequest&)> on_request;
};

/// The simulator server. Thread-safe; not copyable.
class ProviderSimulator {
 public:
  /// Configures a stopped simulator.
  explicit ProviderSimulator(SimulatorOptions options = {});
  /// Stops it.
  ~ProviderSimulator();
  ProviderSimulator(const ProviderSimulator&) = delete;
  ProviderSimulator& operator=(const ProviderSimulator&) = delete;

  /// Binds and serves on a background thread; returns once it accepts connections.
  /// Throws std::runtime_error when the address cannot be bound. A stopped simulator may be
  /// started again (on a new free port when options.port is 0).
  void start();
  /// Stops serving: ends stalls and streams, closes connections, joins the threads. Idempotent.
  void stop();
  /// The bound port (0 before start()).
  int port() const;
  /// "http://127.0.0.1:<port>": the api_base for Azure and Anthropic.
  std::string base_url() const;
  /// base_url() + "/v1": the api_base for OpenAI.
  std::string openai_base() const;

  /// Queues a fault (FIFO): the first queued fault that matches a request is consumed by it.
  void push_fault(Fault fault);
  /// Drops every queued fault.
  void clear_faults();
  /// The number of queued faults.
  std::size_t pending_faults() const;
  /// Ends every current and future stall until reset_stalls().
  void release_stalls();
  /// Makes stalls stall again.
  void reset_stalls();
  /// The number of requests currently stalled.
  int active_stalls() const;

  /// Every recorded request so far (a copy).
  std::vector<RecordedRequest> requests() const;
  /// The number of requests received so far.
  std::size_t request_count() const;
  /// Forgets the recorded requests and resets request_count().
  void clear_requests();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace litellm::sim
