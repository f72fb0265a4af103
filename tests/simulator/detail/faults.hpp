// Faults: the bodies of the run faults (flood, long_line, endless), generated as they are
// written. faults.cpp also holds the fault kinds' names and the x-sim-fault header parser
// (public: simulator.hpp), and what each fault does to a response (ProviderSimulator::Impl:
// reply, run_reply, write_stream, hold_open, stall).
#pragma once

#include <string>

#include "exchange.hpp"
#include "reply_plan.hpp"
#include "simulator.hpp"

namespace litellm::sim::detail {

/// True for flood, long_line and endless: the faults whose bytes are generated as written.
bool is_run_fault(FaultKind kind);

/// A non-stream body around a generated run: head, the run (pattern repeated), tail.
struct RunBody {
  std::string head;
  std::string tail;
  std::string pattern;  // JSON-safe: written into a string as it is
};

/// A chat reply (OpenAI, Azure or Anthropic) whose only content is a run: choice 0, as text.
RunBody chat_run_body(ReplyPlan plan, Provider provider);

}  // namespace litellm::sim::detail
