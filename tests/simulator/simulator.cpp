// The provider simulator (see simulator.hpp): routing, the checks of every request (key, version,
// fault, quota, rate limit), the records, and the simulator's lifecycle. The rest, by concern, in
// detail/: server (connection loop), exchange (a request's provider and route), reply_plan (what a
// chat reply says), openai_wire and anthropic_wire (the providers' bodies and streams), embeddings,
// errors (error replies by cause), faults (what each fault does), text (string helpers).
#include "simulator.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "detail/anthropic_wire.hpp"
#include "detail/bedrock_wire.hpp"
#include "detail/embeddings.hpp"
#include "detail/errors.hpp"
#include "detail/exchange.hpp"
#include "detail/faults.hpp"
#include "detail/gemini_wire.hpp"
#include "detail/openai_wire.hpp"
#include "detail/reply_plan.hpp"
#include "detail/server.hpp"
#include "detail/simulator_impl.hpp"
#include "detail/stream_plan.hpp"
#include "detail/text.hpp"

namespace litellm::sim {

using detail::anthropic_error;
using detail::anthropic_message;
using detail::anthropic_stream;
using detail::azure_gateway_error;
using detail::bad_request_body;
using detail::BadRequest;
using detail::chat_run_body;
using detail::ChatInput;
using detail::classify;
using detail::Clock;
using detail::close_current_connection_after_response;
using detail::embeddings_body;
using detail::Exchange;
using detail::is_run_fault;
using detail::json;
using detail::make_plan;
using detail::milliseconds;
using detail::openai_completion;
using detail::openai_error;
using detail::openai_stream;
using detail::parse_anthropic_chat;
using detail::parse_openai_chat;
using detail::Provider;
using detail::provider_name;
using detail::rate_limit_body;
using detail::ReplyPlan;
using detail::reset_current_connection;
using detail::Route;
using detail::set_current_request;
using detail::set_json;
using detail::set_quota_error;
using detail::set_retry_headers;
using detail::SimServer;
using detail::status_body;
using detail::StreamPlan;
using detail::to_lower;

std::string redact_key(std::string_view key) {
  if (key.size() < 12) return "***";
  const std::size_t prefix = key.size() >= 20 ? 3 : 0;
  return std::string(key.substr(0, prefix)) + "..." + std::string(key.substr(key.size() - 4));
}

namespace {

bool is_pseudo_header(const std::string& lower_name) {
  return lower_name == "remote_addr" || lower_name == "remote_port" || lower_name == "local_addr" ||
         lower_name == "local_port";
}

/// The tokens a request spends of its key's budget: the prompt and completion tokens of its
/// reply (the usage it will report), or the embedded words. 0 for a body that is not valid (its
/// 400 follows).
double request_tokens(const std::string& text, const Exchange& ex) {
  try {
    const json body = json::parse(text);
    if (ex.route == Route::embeddings) {
      return detail::embeddings_body(body, ex)["usage"]["total_tokens"].get<double>();
    }
    const detail::ChatInput in =
        ex.provider == Provider::anthropic
            ? detail::parse_anthropic_chat(body)
            : detail::parse_openai_chat(body, ex.provider == Provider::azure);
    const detail::ReplyPlan plan = detail::make_plan(in, ex);
    return static_cast<double>(plan.prompt_tokens + plan.completion_tokens);
  } catch (...) {
    return 0;
  }
}

}  // namespace

void ProviderSimulator::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  Exchange ex = classify(req, next_number.fetch_add(1));
  RecordedRequest rec;
  rec.at = Clock::now();
  rec.method = req.method;
  rec.path = ex.raw_path;
  const std::size_t question = req.target.find('?');
  rec.query = question == std::string::npos ? "" : req.target.substr(question + 1);
  rec.provider = provider_name(ex.provider);
  rec.key = ex.key;
  rec.body = req.body;
  rec.client_port = req.remote_port;
  for (const auto& header : req.headers) {
    const std::string name = to_lower(header.first);
    if (is_pseudo_header(name)) continue;
    auto it = rec.headers.find(name);
    if (it == rec.headers.end()) {
      rec.headers.emplace(name, header.second);
    } else {
      it->second += ", " + header.second;
    }
  }

  switch (ex.provider) {
    case Provider::openai:
      res.set_header("x-request-id", ex.request_id);
      break;
    case Provider::azure:
      res.set_header("apim-request-id", ex.request_id);
      res.set_header("x-request-id", ex.request_id);
      break;
    case Provider::anthropic:
      res.set_header("request-id", ex.request_id);
      break;
    case Provider::gemini:
      break;  // Google sends no request id header
    case Provider::bedrock:
      res.set_header("x-amzn-RequestId", ex.request_id);
      break;
  }

  try {
    respond(req, res, ex, rec);
  } catch (const BadRequest& bad) {
    set_json(res, 400, bad_request_body(ex, bad.message, bad.param));
  } catch (const json::exception& e) {
    // A member of an unexpected JSON type somewhere in the body.
    set_json(res, 400, bad_request_body(ex, std::string("Invalid request body: ") + e.what(), ""));
  } catch (const std::exception&) {
    set_json(res, 500,
             ex.provider == Provider::anthropic
                 ? anthropic_error("api_error", "Internal server error", ex.request_id)
             : ex.provider == Provider::gemini
                 ? detail::gemini_status_error(500)
                 : openai_error("The server had an error while processing your request.",
                                "server_error", nullptr));
  }
  if (ex.provider == Provider::bedrock && res.status >= 400 &&
      !res.has_header("x-amzn-ErrorType")) {
    // AWS names the exception in a header; the body has only its message.
    res.set_header("x-amzn-ErrorType", detail::bedrock_error_type(res.status));
  }
  rec.status = ex.reset_before_headers ? 0 : res.status;
  record(std::move(rec), ex.number);
  set_current_request(ex.number);

  if (ex.stall_before_reply && !stall(*ex.stall_before_reply)) {
    reset_current_connection();  // stopped while stalled: no response
  }
  if (ex.reset_before_headers) reset_current_connection();
}

bool ProviderSimulator::Impl::bedrock_authenticate(const httplib::Request& req,
                                                   httplib::Response& res, Exchange& ex) {
  auto deny = [&](const char* type, const std::string& message) {
    res.set_header("x-amzn-ErrorType", type);
    set_json(res, 403, detail::bedrock_error(message));
    return false;
  };
  for (const std::string& key : options.keys) {
    const std::size_t colon = key.find(':');
    if (colon == std::string::npos || ex.key.empty() || key.compare(0, colon, ex.key) != 0 ||
        colon != ex.key.size()) {
      continue;
    }
    const std::size_t second = key.find(':', colon + 1);
    const std::string secret = key.substr(colon + 1, second - colon - 1);
    const std::string token = second == std::string::npos ? "" : key.substr(second + 1);
    if (token != req.get_header_value("x-amz-security-token")) {
      return deny("UnrecognizedClientException",
                  "The security token included in the request is invalid.");
    }
    const std::string failure = detail::bedrock_check_signature(req, secret);
    if (failure == "InvalidSignatureException") {
      return deny("InvalidSignatureException",
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult the "
                  "service documentation for details.");
    }
    if (!failure.empty()) {
      return deny(failure.c_str(),
                  "Authorization header requires 'Credential', 'Signature' "
                  "and 'SignedHeaders' parameters.");
    }
    ex.key = key;
    return true;
  }
  if (ex.key.empty()) {
    return deny("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  return deny("UnrecognizedClientException",
              "The security token included in the request is invalid.");
}

std::optional<Fault> ProviderSimulator::Impl::take_fault(const Exchange& ex) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if ((it->key.empty() || it->key == ex.key) &&
        (it->path_contains.empty() || ex.raw_path.find(it->path_contains) != std::string::npos)) {
      Fault fault = *it;
      faults.erase(it);
      return fault;
    }
  }
  return std::nullopt;
}

void ProviderSimulator::Impl::respond(const httplib::Request& req, httplib::Response& res,
                                      Exchange& ex, RecordedRequest& rec) {
  // Routing: Azure answers an unknown path or a missing api-version with its gateway 404.
  if (ex.provider == Provider::azure && (ex.route == Route::unknown || !ex.has_api_version)) {
    set_json(res, 404, azure_gateway_error(404, "Resource not found"));
    return;
  }
  if (ex.route == Route::unknown) {
    if (ex.provider == Provider::anthropic) {
      set_json(res, 404, anthropic_error("not_found_error", "Not Found", ex.request_id));
    } else if (ex.provider == Provider::gemini) {
      set_json(res, 404, detail::gemini_status_error(404));
    } else {
      set_json(res, 404,
               openai_error("Invalid URL (" + ex.method + " " + ex.raw_path + ")",
                            "invalid_request_error", nullptr));
    }
    return;
  }

  // Bedrock: the SigV4 signature, checked as AWS checks it, with the secret of the configured
  // key "ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]" whose access key id signed (Bedrock API keys are
  // Bearer keys, checked below).
  if (ex.provider == Provider::bedrock && !ex.bearer && !options.keys.empty()) {
    if (!bedrock_authenticate(req, res, ex)) return;
    rec.key = ex.key;
  }

  // Authentication. Keys are never echoed: messages carry redact_key() at most.
  if (!options.keys.empty() && !known_key(ex.key)) {
    const bool missing = ex.key.empty();
    switch (ex.provider) {
      case Provider::anthropic:
        set_json(res, 401,
                 anthropic_error("authentication_error",
                                 missing ? "x-api-key header is required" : "invalid x-api-key",
                                 ex.request_id));
        break;
      case Provider::azure:
        set_json(res, 401, status_body(ex, 401));
        break;
      case Provider::gemini:
        // Google: 400 API_KEY_INVALID for a wrong key, 403 without one.
        set_json(res, missing ? 403 : 400, detail::gemini_key_error(missing));
        break;
      case Provider::bedrock:
        res.set_header("x-amzn-ErrorType", "UnrecognizedClientException");
        set_json(res, 403,
                 detail::bedrock_error("The security token included in the request is invalid."));
        break;
      case Provider::openai:
        if (missing) {
          set_json(res, 401,
                   openai_error("You didn't provide an API key. You need to provide your API key "
                                "in an Authorization header using Bearer auth (i.e. "
                                "Authorization: Bearer YOUR_KEY).",
                                "invalid_request_error", nullptr));
        } else {
          set_json(res, 401,
                   openai_error("Incorrect API key provided: " + redact_key(ex.key) +
                                    ". You can find your API key at "
                                    "https://platform.openai.com/account/api-keys.",
                                "invalid_request_error", "invalid_api_key"));
        }
        break;
    }
    return;
  }
  if (ex.provider == Provider::anthropic && !req.has_header("anthropic-version")) {
    set_json(res, 400,
             anthropic_error("invalid_request_error", "anthropic-version: header is required",
                             ex.request_id));
    return;
  }

  // Faults: the request's own header first, else the first matching queued fault. (A plain
  // Fault, kind none for no fault: g++ 12 at -O2 mistakes an optional's unread payload for an
  // uninitialised one.)
  Fault chosen;
  if (req.has_header("x-sim-fault")) {
    std::optional<Fault> parsed = parse_fault_header(req.get_header_value("x-sim-fault"));
    if (!parsed) {
      set_json(res, 400,
               bad_request_body(ex,
                                "Invalid x-sim-fault header: expected <kind>[;status=N][;after=N]"
                                "[;retry_after=S][;stall_ms=N][;interval_ms=N][;bytes=N]",
                                ""));
      return;
    }
    chosen = std::move(*parsed);
  } else if (std::optional<Fault> queued = take_fault(ex)) {
    chosen = std::move(*queued);
  }
  std::optional<Fault> fault;
  if (chosen.kind != FaultKind::none) {
    rec.fault = fault_kind_name(chosen.kind);
    switch (chosen.kind) {
      case FaultKind::status:
        set_json(res, chosen.status,
                 status_body(ex, chosen.status, chosen.retry_after_s.value_or(1)));
        if (chosen.retry_after_s) set_retry_headers(res, *chosen.retry_after_s);
        return;
      case FaultKind::insufficient_quota:
        set_quota_error(res, ex);
        if (chosen.retry_after_s) set_retry_headers(res, *chosen.retry_after_s);
        return;
      case FaultKind::reset_before_headers:
        ex.reset_before_headers = true;
        set_json(res, 500, json::object());  // never sent
        return;
      default:
        break;
    }
    fault = std::move(chosen);
  }

  // Exhausted quota, then the per-key rate limit.
  const auto& quota = options.quota_exhausted_keys;
  if (std::find(quota.begin(), quota.end(), ex.key) != quota.end()) {
    set_quota_error(res, ex);
    return;
  }
  if (limiter.active()) {
    const detail::RateDecision decision =
        limiter.admit(ex.key, request_tokens(req.body, ex), Clock::now());
    detail::set_rate_limit_headers(res, ex.provider, decision);
    if (!decision.admitted) {
      set_json(res, 429,
               rate_limit_body(ex, static_cast<double>(decision.retry_after.count()) / 1000));
      return;
    }
  }

  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    throw BadRequest{ex.provider == Provider::anthropic
                         ? "There was an error parsing the body of your request."
                         : "We could not parse the JSON body of your request. (HINT: This "
                           "likely means you aren't using your HTTP library correctly. The "
                           "OpenAI API expects a JSON payload, but what was sent was not valid "
                           "JSON.)",
                     ""};
  }
  if (ex.route == Route::embeddings && ex.provider == Provider::bedrock) {
    reply(res, ex, bedrock_embeddings(body, {ex.bedrock_model, ex.bedrock_action}, ex).dump(),
          fault);
  } else if (ex.route == Route::embeddings) {
    reply(res, ex,
          (ex.provider == Provider::gemini ? detail::gemini_embeddings_body(body, ex)
                                           : embeddings_body(body, ex))
              .dump(),
          fault);
  } else {
    chat(body, res, ex, fault);
  }
}

void ProviderSimulator::Impl::chat(const json& body, httplib::Response& res, Exchange& ex,
                                   const std::optional<Fault>& fault) {
  const bool anthropic = ex.provider == Provider::anthropic;
  const bool azure = ex.provider == Provider::azure;
  const bool gemini = ex.provider == Provider::gemini;
  const bool bedrock = ex.provider == Provider::bedrock;
  ChatInput in = anthropic ? parse_anthropic_chat(body)
                 : gemini  ? detail::parse_gemini_chat(body, ex)
                 : bedrock ? detail::parse_bedrock_chat(body, {ex.bedrock_model, ex.bedrock_action})
                           : parse_openai_chat(body, azure);
  const FaultKind kind = fault ? fault->kind : FaultKind::none;
  if (is_run_fault(kind)) in.tools.clear();  // their content goes into a text reply
  const ReplyPlan plan = make_plan(in, ex);

  if (!in.stream) {
    if (is_run_fault(kind)) {
      run_reply(res, chat_run_body(plan, ex.provider), *fault);
      return;
    }
    const bool unfinished = kind == FaultKind::no_terminator;
    const json out = anthropic ? anthropic_message(plan, unfinished)
                     : gemini  ? detail::gemini_response(plan, unfinished)
                     : bedrock ? detail::bedrock_message(plan, unfinished)
                               : openai_completion(plan, azure, unfinished);
    reply(res, ex, out.dump(), fault);
    return;
  }

  std::optional<Fault> stream_fault = fault;
  if (kind == FaultKind::stall && fault->after_chunks <= 0) {
    ex.stall_before_reply = fault->stall;  // before the headers
    stream_fault.reset();
  }
  auto stream =
      std::make_shared<StreamPlan>(anthropic ? anthropic_stream(plan)
                                   : gemini  ? detail::gemini_stream(plan)
                                   : bedrock ? detail::bedrock_stream(plan)
                                             : openai_stream(plan, azure, in.include_usage));
  res.status = 200;
  res.set_header("cache-control", "no-cache");
  if (kind == FaultKind::long_line) {
    res.set_header("Connection", "close");
    close_current_connection_after_response();
  }
  res.set_chunked_content_provider(
      bedrock ? "application/vnd.amazon.eventstream" : "text/event-stream; charset=utf-8",
      [this, stream, stream_fault](size_t /*offset*/, httplib::DataSink& sink) {
        return write_stream(*stream, stream_fault, sink);
      });
}

void ProviderSimulator::Impl::record(RecordedRequest rec, std::uint64_t number) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    ++total_requests;
    recorded.push_back(rec);
    recorded_numbers.push_back(number);
    if (options.max_recorded > 0 && recorded.size() > options.max_recorded) {
      recorded.pop_front();
      recorded_numbers.pop_front();
    }
  }
  if (options.on_request) options.on_request(rec);
}

void ProviderSimulator::Impl::response_ended(std::uint64_t number, std::size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  for (std::size_t i = recorded_numbers.size(); i-- > 0;) {
    if (recorded_numbers[i] == number) {
      recorded[i].bytes_sent = bytes;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------

ProviderSimulator::ProviderSimulator(SimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ProviderSimulator::~ProviderSimulator() {
  stop();
}

void ProviderSimulator::start() {
  std::lock_guard<std::mutex> lifecycle(impl_->lifecycle_mutex);
  if (impl_->server) return;
  Impl& impl = *impl_;
  impl.stopping = false;
  if (::pipe2(impl.wake_pipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("litellm-mock-provider: cannot create a pipe");
  }
  auto server = std::make_unique<SimServer>(
      impl.wake_pipe[0],
      [&impl](std::uint64_t number, std::size_t bytes) { impl.response_ended(number, bytes); });
  server->set_keep_alive_max_count(std::size_t{1} << 30U);
  server->set_keep_alive_timeout(30);
  server->set_read_timeout(30, 0);
  server->set_write_timeout(30, 0);
  server->set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a second simulator on the
  // same explicit port would bind too, and share the connections silently.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  const std::size_t threads = static_cast<std::size_t>(std::max(1, impl.options.threads));
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  const httplib::Server::Handler handler =
      [&impl](const httplib::Request& req, httplib::Response& res) { impl.handle(req, res); };
  server->Get(".*", handler);
  server->Post(".*", handler);
  server->Put(".*", handler);
  server->Patch(".*", handler);
  server->Delete(".*", handler);

  int bound = -1;
  if (impl.options.port == 0) {
    bound = server->bind_to_any_port(impl.options.host);
  } else if (server->bind_to_port(impl.options.host, impl.options.port)) {
    bound = impl.options.port;
  }
  if (bound <= 0) {
    for (int& fd : impl.wake_pipe) {
      ::close(fd);
      fd = -1;
    }
    throw std::runtime_error("litellm-mock-provider: cannot bind " + impl.options.host + ":" +
                             std::to_string(impl.options.port));
  }
  impl.port = bound;
  server->raise_listen_backlog();
  SimServer* raw = server.get();
  impl.server = std::move(server);
  impl.thread = std::thread([raw] { raw->listen_after_bind(); });
  // The socket already listens; wait until the accept loop runs, so stop() can end it.
  while (!raw->is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

void ProviderSimulator::stop() {
  std::lock_guard<std::mutex> lifecycle(impl_->lifecycle_mutex);
  Impl& impl = *impl_;
  if (!impl.server) return;
  {
    std::lock_guard<std::mutex> lock(impl.mutex);
    impl.stopping = true;
  }
  impl.wakeup.notify_all();
  const char byte = 1;
  if (::write(impl.wake_pipe[1], &byte, 1) < 0) {
    // The pipe is new and empty: a failure here cannot happen; stop() goes on regardless.
  }
  impl.server->stop();
  if (impl.thread.joinable()) impl.thread.join();
  impl.server.reset();
  for (int& fd : impl.wake_pipe) {
    ::close(fd);
    fd = -1;
  }
}

int ProviderSimulator::port() const {
  return impl_->port;
}

std::string ProviderSimulator::base_url() const {
  const std::string& host = impl_->options.host;
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + shown + ":" + std::to_string(port());
}

std::string ProviderSimulator::openai_base() const {
  return base_url() + "/v1";
}

void ProviderSimulator::push_fault(Fault fault) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.push_back(std::move(fault));
}

void ProviderSimulator::clear_faults() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.clear();
}

std::size_t ProviderSimulator::pending_faults() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->faults.size();
}

void ProviderSimulator::release_stalls() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stalls_released = true;
  }
  impl_->wakeup.notify_all();
}

void ProviderSimulator::reset_stalls() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->stalls_released = false;
}

int ProviderSimulator::active_stalls() const {
  return impl_->stalls;
}

std::vector<RecordedRequest> ProviderSimulator::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return {impl_->recorded.begin(), impl_->recorded.end()};
}

std::size_t ProviderSimulator::request_count() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->total_requests;
}

void ProviderSimulator::clear_requests() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->recorded.clear();
  impl_->recorded_numbers.clear();
  impl_->total_requests = 0;
}

}  // namespace litellm::sim
