// Batches on the I/O engine: many prepared calls in one concurrency window, their outcomes handed
// to the calling thread as they end.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/detail/backend_state.hpp"
#include "litellm/detail/call_spec.hpp"
#include "litellm/detail/failure.hpp"
#include "litellm/options.hpp"

namespace litellm::detail {

/// Runs a batch of prepared calls on the engine in one concurrency window of
/// `options.max_concurrency`. `on_result(index, result)` runs on the calling thread, once per
/// index, as calls end: the I/O thread only queues each outcome, and wakes the calling thread
/// once per kDrainBatch outcomes (and at the end), never once per request. Calls prepared with
/// CallSpec::defer_body_parse leave their response bodies for this thread to parse, so building
/// the results' JSON runs beside the I/O thread, not on it.
void run_batch(BackendState& state, std::vector<CallSpec> specs, const BatchOptions& options,
               const std::function<void(std::size_t, CallResult&&)>& on_result);

/// Reads one embedding response of a batch (`count` inputs) into `vectors[0, count)` and adds
/// its usage to `usage`; the failure when it is not the response to those inputs.
std::optional<Failure> read_embedding_response(const json& body, std::size_t count,
                                               std::vector<float>* vectors, json& usage);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
