// The peer conformance corpus: streams that other clients' own test suites replay (openai-python,
// openai-node, litellm, anthropic-sdk-python, vercel/ai), with what those tests assert about the
// final chat.completion. The corpus is read at test time from
// LITELLM_TEST_DATA_DIR/conformance/cases.json (never copied into this repository), so every test
// case here is tagged [shared-data] and is reported skipped when the data is absent.
//
// Each case names the routes ("paths") to feed its stream through; one TEST_CASE per route runs
// every case that lists it and reports each mismatch with the case's name, the route, the JSON
// pointer of the mismatch and the expected and actual values. Cases marked `diagnostic` (the same
// streams without a test harness's stray line) do not count: they run, and a failure of theirs is
// only a warning.
//
// Markers in `expected` (see the corpus README): `null` (null or absent), `__closed__` (no other
// non-null key), `__absent__` (the key is not present), `__items__` (only these list indices),
// `__len__` (only the length), `__json__` (a string whose JSON parse equals the value),
// `__partial_json__` (a possibly truncated JSON string whose tolerant parse equals the value),
// `__nonnull__` (present and not null) and `__exact__` (equal as JSON, with no marker semantics:
// used by the corpus though its README does not list it).
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "fake_harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "litellm/merge.hpp"
#include "requests.hpp"
#include "sse_reading.hpp"
#include "vectors.hpp"

using litellm::json;
using namespace litellm::test;

namespace {

// ---- The corpus ------------------------------------------------------------------------------

/// cases.json, parsed once.
const json& corpus() {
  static const json cases = [] {
    json parsed = json::parse(litellm::test::read_data_file("conformance/cases.json"));
    return parsed.at("cases");
  }();
  return cases;
}

bool is_diagnostic(const json& test_case) {
  return test_case.value("diagnostic", false);
}

bool lists_path(const json& test_case, const std::string& path) {
  for (const json& listed : test_case.at("paths")) {
    if (listed == path) return true;
  }
  return false;
}

// ---- Tolerant parse of truncated JSON ----------------------------------------------------------

/// Parses a possibly truncated JSON text as the peers' partial-JSON parsers do: open containers
/// are closed, a truncated string, number or literal is dropped (with its key).
class PartialJson {
 public:
  explicit PartialJson(std::string_view text) : text_(text) {}

  /// The value, or a discarded json when the text holds none.
  json parse() {
    json out;
    if (value(out) == Result::dropped) return json(json::value_t::discarded);
    return out;
  }

 private:
  enum class Result { complete, truncated, dropped };

  void space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t')) {
      ++at_;
    }
  }
  bool end() const { return at_ >= text_.size(); }

  Result value(json& out) {
    space();
    if (end()) return Result::dropped;
    switch (text_[at_]) {
      case '{':
        return object(out);
      case '[':
        return array(out);
      case '"':
        return string(out);
      default:
        return scalar(out);
    }
  }

  Result string(json& out) {
    const std::size_t begin = at_++;
    while (!end()) {
      const char c = text_[at_++];
      if (c == '\\') {
        if (end()) return Result::dropped;
        ++at_;
      } else if (c == '"') {
        out = json::parse(text_.substr(begin, at_ - begin));
        return Result::complete;
      }
    }
    return Result::dropped;
  }

  Result scalar(json& out) {
    const std::size_t begin = at_;
    while (!end() && text_[at_] != ',' && text_[at_] != '}' && text_[at_] != ']' &&
           text_[at_] != ' ' && text_[at_] != '\n' && text_[at_] != '\r' && text_[at_] != '\t') {
      ++at_;
    }
    if (end()) return Result::dropped;  // it may go on: not known yet
    out = json::parse(text_.substr(begin, at_ - begin));
    return Result::complete;
  }

  Result array(json& out) {
    out = json::array();
    ++at_;
    space();
    if (end()) return Result::truncated;
    if (text_[at_] == ']') {
      ++at_;
      return Result::complete;
    }
    for (;;) {
      json element;
      const Result result = value(element);
      if (result != Result::dropped) out.push_back(std::move(element));
      if (result != Result::complete) return Result::truncated;
      space();
      if (end()) return Result::truncated;
      if (text_[at_] == ']') {
        ++at_;
        return Result::complete;
      }
      if (text_[at_] != ',') throw std::runtime_error("partial JSON: expected ',' or ']'");
      ++at_;
    }
  }

  Result object(json& out) {
    out = json::object();
    ++at_;
    space();
    if (end()) return Result::truncated;
    if (text_[at_] == '}') {
      ++at_;
      return Result::complete;
    }
    for (;;) {
      space();
      if (end()) return Result::truncated;
      json key;
      if (string(key) != Result::complete) return Result::truncated;
      space();
      if (end()) return Result::truncated;
      if (text_[at_] != ':') throw std::runtime_error("partial JSON: expected ':'");
      ++at_;
      json member;
      const Result result = value(member);
      if (result != Result::dropped) out[key.get<std::string>()] = std::move(member);
      if (result != Result::complete) return Result::truncated;
      space();
      if (end()) return Result::truncated;
      if (text_[at_] == '}') {
        ++at_;
        return Result::complete;
      }
      if (text_[at_] != ',') throw std::runtime_error("partial JSON: expected ',' or '}'");
      ++at_;
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// ---- The matcher -------------------------------------------------------------------------------

/// `value` for a failure message, shortened.
std::string shown(const json* value) {
  if (value == nullptr) return "(absent)";
  std::string text = value->dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 300) text = text.substr(0, 300) + "... (" + std::to_string(text.size()) + ")";
  return text;
}

/// `pointer` extended by one JSON pointer reference token.
std::string child(const std::string& pointer, const std::string& token) {
  std::string escaped;
  for (const char c : token) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return pointer + "/" + escaped;
}

bool is_marker(const json& expected, const char* name) {
  return expected.is_object() && expected.contains(name);
}

/// Compares an actual value with an expected one written with the corpus's markers, collecting
/// every mismatch as "<pointer>: <what>".
class Matcher {
 public:
  /// `actual` is nullptr when the value is absent.
  void match(const json& expected, const json* actual, const std::string& pointer) {
    if (expected.is_null()) {
      if (actual != nullptr && !actual->is_null()) fail(pointer, "null or absent", actual);
      return;
    }
    if (is_marker(expected, "__absent__")) {
      if (actual != nullptr) fail(pointer, "absent", actual);
      return;
    }
    if (actual == nullptr) {
      fail(pointer, shown(&expected), actual);
      return;
    }
    if (is_marker(expected, "__nonnull__")) {
      if (actual->is_null()) fail(pointer, "not null", actual);
      return;
    }
    if (is_marker(expected, "__exact__")) {
      if (*actual != expected["__exact__"]) fail(pointer, shown(&expected["__exact__"]), actual);
      return;
    }
    if (is_marker(expected, "__json__") || is_marker(expected, "__partial_json__")) {
      const bool partial = is_marker(expected, "__partial_json__");
      const json& wanted = expected[partial ? "__partial_json__" : "__json__"];
      if (!actual->is_string()) {
        fail(pointer, std::string("a JSON string equal to ") + shown(&wanted), actual);
        return;
      }
      json parsed;
      try {
        parsed = partial ? PartialJson(actual->get_ref<const std::string&>()).parse()
                         : json::parse(actual->get_ref<const std::string&>());
      } catch (const std::exception& error) {
        fail(pointer,
             std::string("a JSON string equal to ") + shown(&wanted) +
                 " (it does not parse: " + error.what() + ")",
             actual);
        return;
      }
      if (parsed != wanted) {
        fail(pointer, std::string("a JSON string equal to ") + shown(&wanted), actual);
      }
      return;
    }
    if (is_marker(expected, "__items__")) {
      if (!actual->is_array()) {
        fail(pointer, "a list", actual);
        return;
      }
      // Indices count from the end when negative, as in Python (-1: the last item).
      const auto size = static_cast<long>(actual->size());
      for (const auto& [index_text, item] : expected["__items__"].items()) {
        long index = std::stol(index_text);
        if (index < 0) index += size;
        const bool present = index >= 0 && index < size;
        match(item, present ? &(*actual)[static_cast<std::size_t>(index)] : nullptr,
              child(pointer, present ? std::to_string(index) : index_text));
      }
      return;
    }
    if (is_marker(expected, "__len__")) {
      if (!actual->is_array() || actual->size() != expected["__len__"].get<std::size_t>()) {
        fail(pointer, "a list of " + expected["__len__"].dump() + " items", actual);
      }
      return;
    }
    if (expected.is_object()) {
      if (!actual->is_object()) {
        fail(pointer, "an object", actual);
        return;
      }
      for (const auto& [key, value] : expected.items()) {
        if (key == "__closed__") continue;
        const auto found = actual->find(key);
        match(value, found != actual->end() ? &*found : nullptr, child(pointer, key));
      }
      if (expected.value("__closed__", false)) {
        for (const auto& [key, value] : actual->items()) {
          if (!value.is_null() && !expected.contains(key)) {
            fail(child(pointer, key), "no such key (the object is closed)", &value);
          }
        }
      }
      return;
    }
    if (expected.is_array()) {
      if (!actual->is_array() || actual->size() != expected.size()) {
        fail(pointer, "a list of " + std::to_string(expected.size()) + " items", actual);
        return;
      }
      for (std::size_t i = 0; i < expected.size(); ++i) {
        match(expected[i], &(*actual)[i], child(pointer, std::to_string(i)));
      }
      return;
    }
    if (*actual != expected) fail(pointer, shown(&expected), actual);
  }

  const std::vector<std::string>& mismatches() const { return mismatches_; }

 private:
  void fail(const std::string& pointer, const std::string& wanted, const json* actual) {
    mismatches_.push_back((pointer.empty() ? std::string("/") : pointer) + ": expected " + wanted +
                          ", actual " + shown(actual));
  }

  std::vector<std::string> mismatches_;
};

/// What a message route must return, from the expected completion: each choice's `message`, with
/// the list markers of `choices` kept.
json expected_messages(const json& expected) {
  const auto choices = expected.find("choices");
  if (choices == expected.end()) return json{{"__nonnull__", true}};
  const auto message_of = [](const json& choice) {
    return choice.is_object() && choice.contains("message") ? choice["message"] : json::object();
  };
  if (choices->is_array()) {
    json out = json::array();
    for (const json& choice : *choices) out.push_back(message_of(choice));
    return out;
  }
  if (is_marker(*choices, "__items__")) {
    json items = json::object();
    for (const auto& [index, choice] : (*choices)["__items__"].items()) {
      items[index] = message_of(choice);
    }
    return json{{"__items__", std::move(items)}};
  }
  return *choices;  // __len__, __nonnull__
}

// ---- The routes ------------------------------------------------------------------------------

/// What a route produced: its result, or the error it ended with.
struct Outcome {
  json result;
  std::optional<std::string> error_kind;  // a litellm::ErrorKind name, or "not a litellm::Error"
  std::string error_message;
};

/// Runs `route`, catching what it throws.
Outcome run(const std::function<json()>& route) {
  Outcome outcome;
  try {
    outcome.result = route();
  } catch (const litellm::Error& error) {
    outcome.error_kind = std::string(litellm::to_string(error.kind()));
    outcome.error_message = error.what();
  } catch (const std::exception& error) {
    outcome.error_kind = "not a litellm::Error";
    outcome.error_message = error.what();
  }
  return outcome;
}

/// Calls `call` on a backend whose one key speaks the case's protocol ("openai" or "anthropic"),
/// over a fake transport that answers with the case's stream in pieces of `piece_size` bytes
/// (0: whole). No retry: the transport has one answer.
json through_backend(const json& test_case, std::size_t piece_size,
                     const std::function<json(litellm::LiteLLMBackend&, json params)>& call) {
  const std::string protocol = test_case.at("protocol");
  FakeHarness h;
  h.transport->push(litellm::FakeResponse::event_stream(test_case.at("sse"), piece_size));
  litellm::BackendOptions options = h.options();
  options.retry.max_attempts = 1;
  litellm::ApiInfo info{protocol, std::nullopt, "sk-conformance-test-key-0000",
                        std::string("https://api.test")};
  litellm::LiteLLMBackend backend({info}, protocol == "anthropic" ? "claude-test" : "gpt-test",
                                  wait_time_per_key(0), options);
  json params = chat_params();
  if (protocol != "anthropic") params["n"] = test_case.at("n");
  return call(backend, std::move(params));
}

/// The route named `path` for `test_case`; `messages` says whether it returns messages (compared
/// with each choice's `message`) rather than a completion.
std::function<json()> route(const std::string& path, const json& test_case, bool& messages) {
  const std::string sse = test_case.at("sse");
  const int n = test_case.at("n");
  messages = path == "merge_streams" || path == "accumulator_messages" || path == "backend_call";
  if (path == "merge_streams") {
    return [=] { return json(litellm::merge_streams(sse_chunks(sse), n)); };
  }
  if (path == "accumulator" || path == "accumulator_messages") {
    return [=] {
      litellm::StreamAccumulator accumulator(n);
      for (const json& chunk : sse_chunks(sse)) accumulator.add(chunk);
      return path == "accumulator" ? accumulator.completion() : json(accumulator.messages());
    };
  }
  if (path == "accumulator_move") {
    return [=] {
      litellm::StreamAccumulator accumulator(n);
      for (json& chunk : sse_chunks(sse)) accumulator.add(std::move(chunk));
      return accumulator.completion();
    };
  }
  if (path == "accumulator_text") {
    return [=] {
      litellm::StreamAccumulator accumulator(n);
      for (const std::string& text : sse_payloads(sse)) accumulator.add_chunk_text(text);
      return accumulator.completion();
    };
  }
  if (path == "backend" || path == "backend_split") {
    const std::size_t piece = path == "backend" ? 0 : 1;
    return [test_case, piece] {
      return through_backend(test_case, piece, [](litellm::LiteLLMBackend& backend, json params) {
        return backend.completion(std::move(params), [](const json&) { return true; });
      });
    };
  }
  if (path == "backend_call") {
    return [test_case] {
      return through_backend(test_case, 0, [](litellm::LiteLLMBackend& backend, json params) {
        params["stream"] = true;
        return backend(std::move(params));
      });
    };
  }
  throw std::runtime_error("unknown path '" + path + "' in the conformance corpus");
}

/// The mismatches of one case on one route (none when it passes).
std::vector<std::string> check_case(const json& test_case, const std::string& path) {
  bool messages = false;
  const Outcome outcome = run(route(path, test_case, messages));
  std::vector<std::string> problems;
  if (test_case.contains("expected_error")) {
    const std::string wanted = test_case["expected_error"];
    if (!outcome.error_kind) {
      problems.push_back("expected a " + wanted +
                         " error, got a result: " + shown(&outcome.result));
    } else if (*outcome.error_kind != wanted) {
      problems.push_back("expected a " + wanted + " error, got " + *outcome.error_kind + ": " +
                         outcome.error_message);
    }
    return problems;
  }
  if (outcome.error_kind) {
    problems.push_back("expected a result, got a " + *outcome.error_kind +
                       " error: " + outcome.error_message);
    return problems;
  }
  const json& expected = test_case.at("expected");
  Matcher matcher;
  if (messages) {
    matcher.match(expected_messages(expected), &outcome.result, "");
  } else {
    matcher.match(expected, &outcome.result, "");
  }
  return matcher.mismatches();
}

/// Runs every case that lists `path`; each failure of a counted case fails the test case, with
/// the case, the route and every mismatch. Returns how many counted cases ran.
int check_path(const std::string& path) {
  int counted = 0;
  for (const json& test_case : corpus()) {
    if (!lists_path(test_case, path)) continue;
    const std::string name = test_case.at("name");
    const std::vector<std::string> problems = check_case(test_case, path);
    std::string report = "case '" + name + "', path " + path;
    for (const std::string& problem : problems) report += "\n  " + problem;
    if (is_diagnostic(test_case)) {
      // Does not count (the corpus README): reported, never failed.
      if (!problems.empty()) WARN("diagnostic " << report);
      continue;
    }
    ++counted;
    if (problems.empty()) {
      SUCCEED(report);
    } else {
      FAIL_CHECK(report);
    }
  }
  return counted;
}

}  // namespace

TEST_CASE("The conformance corpus is a list of cases that each name their routes",
          "[shared-data]") {
  const json& cases = corpus();
  REQUIRE(cases.is_array());
  REQUIRE_FALSE(cases.empty());
  for (const json& test_case : cases) {
    INFO("case " << test_case.value("name", std::string("(no name)")));
    CHECK(test_case.contains("sse"));
    CHECK(test_case.contains("paths"));
    CHECK((test_case.contains("expected") != test_case.contains("expected_error")));
  }
}

TEST_CASE("Every conformance case gives the expected messages through merge_streams",
          "[shared-data]") {
  CHECK(check_path("merge_streams") > 0);
}

TEST_CASE("Every conformance case gives the expected completion through StreamAccumulator::add",
          "[shared-data]") {
  CHECK(check_path("accumulator") > 0);
}

TEST_CASE("Every conformance case gives the expected completion when its chunks are moved in",
          "[shared-data]") {
  CHECK(check_path("accumulator_move") > 0);
}

TEST_CASE("Every conformance case gives the expected completion through add_chunk_text",
          "[shared-data]") {
  CHECK(check_path("accumulator_text") > 0);
}

TEST_CASE("Every conformance case gives the expected messages through StreamAccumulator::messages",
          "[shared-data]") {
  CHECK(check_path("accumulator_messages") > 0);
}

TEST_CASE("Every conformance case gives the expected completion through a streamed backend call",
          "[shared-data]") {
  CHECK(check_path("backend") > 0);
}

TEST_CASE("Every conformance case gives the expected completion when its body arrives byte by byte",
          "[shared-data]") {
  CHECK(check_path("backend_split") > 0);
}

TEST_CASE("Every conformance case gives the expected messages through the backend's call operator",
          "[shared-data]") {
  CHECK(check_path("backend_call") > 0);
}
