// litellm-mock-provider: the provider simulator as a program, for the demo and the benchmarks.
// Serves until SIGINT or SIGTERM. Keys are never printed (only their number, or redacted).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "simulator.hpp"

namespace {

constexpr const char* kUsage =
    "usage: litellm-mock-provider [options]\n"
    "An OpenAI / Azure OpenAI / Anthropic / Gemini compatible test server.\n"
    "\n"
    "  --host H                 address to bind (default 127.0.0.1)\n"
    "  --port N                 port to bind (default 0: a free port)\n"
    "  --keys k1,k2             accepted keys (default: any key, or none)\n"
    "  --quota-exhausted-keys k keys that always get 429 insufficient_quota (comma list)\n"
    "  --rate-limit N           requests per key per window (default 0: unlimited)\n"
    "  --token-limit N          tokens per key per window (default 0: unlimited)\n"
    "  --window-ms W            rate-limit window in milliseconds (default 1000); limits\n"
    "                           refill continuously over it\n"
    "  --threads N              worker threads, one connection each (default 64)\n"
    "  --chunk-delay-ms N       pause between stream chunks (default 0)\n"
    "  --port-file PATH         write the bound port number to PATH\n"
    "  --verbose                print one line per request (keys redacted)\n"
    "  --help                   print this help\n"
    "\n"
    "Endpoints: POST /v1/chat/completions, /v1/embeddings (OpenAI, base <url>/v1);\n"
    "POST /openai/deployments/<d>/chat/completions|embeddings?api-version=... (Azure);\n"
    "POST /v1/messages (Anthropic). Faults per request: header\n"
    "x-sim-fault: <kind>[;status=N][;after=N][;retry_after=S][;stall_ms=N][;interval_ms=N]\n"
    "[;bytes=N], kind one of status, insufficient_quota, reset_before_headers,\n"
    "reset_mid_stream, stall, no_terminator, malformed_chunk, inband_error, flood,\n"
    "long_line, endless, hold_open.\n";

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

bool parse_int(const std::string& text, int min, int max, int& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || value < min || value > max) return false;
  out = static_cast<int>(value);
  return true;
}

int usage_error(const std::string& message) {
  std::cerr << "litellm-mock-provider: " << message << "\n\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  litellm::sim::SimulatorOptions options;
  options.max_recorded = 100;  // a long-running server keeps only the latest requests
  std::string port_file;
  bool verbose = false;

  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--verbose") {
      verbose = true;
      continue;
    }
    static const char* const kValued[] = {
        "--host",        "--port",      "--keys",    "--quota-exhausted-keys", "--rate-limit",
        "--token-limit", "--window-ms", "--threads", "--chunk-delay-ms",       "--port-file"};
    if (std::find(std::begin(kValued), std::end(kValued), arg) == std::end(kValued)) {
      return usage_error("unknown option " + arg);
    }
    if (i + 1 >= argc) return usage_error("missing value for " + arg);
    const std::string value = argv[++i];
    int number = 0;
    if (arg == "--host") {
      options.host = value;
    } else if (arg == "--port") {
      if (!parse_int(value, 0, 65535, number)) return usage_error("invalid --port");
      options.port = number;
    } else if (arg == "--keys") {
      options.keys = split_list(value);
    } else if (arg == "--quota-exhausted-keys") {
      options.quota_exhausted_keys = split_list(value);
    } else if (arg == "--rate-limit") {
      if (!parse_int(value, 0, 1000000000, number)) return usage_error("invalid --rate-limit");
      options.rate_limit_per_key = number;
    } else if (arg == "--token-limit") {
      if (!parse_int(value, 0, 1000000000, number)) return usage_error("invalid --token-limit");
      options.token_limit_per_key = number;
    } else if (arg == "--window-ms") {
      if (!parse_int(value, 1, 1000000000, number)) return usage_error("invalid --window-ms");
      options.rate_limit_window = std::chrono::milliseconds(number);
    } else if (arg == "--threads") {
      if (!parse_int(value, 1, 4096, number)) return usage_error("invalid --threads");
      options.threads = number;
    } else if (arg == "--chunk-delay-ms") {
      if (!parse_int(value, 0, 60000, number)) return usage_error("invalid --chunk-delay-ms");
      options.chunk_delay = std::chrono::milliseconds(number);
    } else {
      port_file = value;  // --port-file
    }
  }

  std::mutex log_mutex;
  if (verbose) {
    options.on_request = [&log_mutex](const litellm::sim::RecordedRequest& r) {
      const std::lock_guard<std::mutex> lock(log_mutex);
      std::cout << r.method << ' ' << r.path << ' ' << r.provider
                << " key=" << (r.key.empty() ? "-" : litellm::sim::redact_key(r.key)) << " -> "
                << r.status << (r.fault.empty() ? "" : " fault=" + r.fault) << std::endl;
    };
  }

  // Every thread inherits the blocked signals; the main thread takes them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  litellm::sim::ProviderSimulator simulator(options);
  try {
    simulator.start();
  } catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  std::cout << "litellm-mock-provider listening on " << simulator.base_url() << std::endl;

  if (!port_file.empty()) {
    // Written beside, then renamed: a reader never sees a partial number.
    const std::string temporary = port_file + ".tmp";
    {
      std::ofstream out(temporary, std::ios::trunc);
      out << simulator.port() << '\n';
      if (!out) {
        std::cerr << "litellm-mock-provider: cannot write " << temporary << '\n';
        return 1;
      }
    }
    if (std::rename(temporary.c_str(), port_file.c_str()) != 0) {
      std::cerr << "litellm-mock-provider: cannot write " << port_file << '\n';
      return 1;
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  simulator.stop();
  std::cout << "litellm-mock-provider stopped after " << simulator.request_count() << " requests"
            << std::endl;
  return 0;
}
