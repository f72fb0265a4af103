// detail::parse_json and detail::JsonTape (the reader of add_chunk_text) against nlohmann's
// json::parse, and StreamAccumulator::add_chunk_text against add(json::parse(text)): the
// reference implementations decide every expectation here.
//
// Random inputs come from a seeded generator (std::mt19937's raw output, which the standard
// fixes), so every run and every platform sees the same cases.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "litellm/detail/fast_json.hpp"
#include "litellm/detail/json_tape.hpp"
#include "litellm/merge.hpp"
#include "sse_reading.hpp"
#include "vectors.hpp"

using litellm::json;
using litellm::StreamAccumulator;
using litellm::detail::append_json;
using litellm::detail::is_valid_json;
using litellm::detail::parse_json;
using litellm::detail::scan_top_level;
using namespace litellm::test;

namespace {

// ---- helpers --------------------------------------------------------------------------------

/// Same DOM, value types included (1 == 1.0 == 1u for nlohmann's ==), and doubles bit for bit
/// (so -0.0 differs from 0.0).
bool same_dom(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      auto it = b.begin();
      for (auto item = a.begin(); item != a.end(); ++item, ++it) {
        if (item.key() != it.key() || !same_dom(*item, *it)) return false;
      }
      return true;
    }
    case json::value_t::array:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same_dom(a[i], b[i])) return false;
      }
      return true;
    case json::value_t::number_float: {
      const double x = a.get<double>();
      const double y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default:
      return a == b;
  }
}

/// A printable form of any bytes, for failure messages.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 300)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  if (text.size() > 300) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

/// What append_json writes for `value`, against nlohmann's dump: "" when byte-identical.
std::string write_difference(const json& value) {
  const std::string expected = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string actual = "prefix:";  // appends, never replaces
  append_json(actual, value);
  if (actual == "prefix:" + expected) return "";
  return "append_json wrote " + printable(actual.substr(7)) + " instead of " + printable(expected);
}

/// What scan_top_level reports for `text` against the DOM json::parse builds (`expected`,
/// discarded when rejected): "" when it agrees on acceptance and on the kind of each member.
std::string scan_difference(std::string_view text, const json& expected) {
  static constexpr std::string_view kNames[] = {"error", "choices", "data", "id", "k\u00e9"};
  json::value_t kinds[5];
  const bool accepted = scan_top_level(text, kNames, kinds, 5);
  if (accepted == expected.is_discarded()) return "scan_top_level disagrees on acceptance";
  if (!accepted) return "";
  for (std::size_t i = 0; i < 5; ++i) {
    auto want = json::value_t::discarded;
    if (expected.is_object()) {
      const auto member = expected.find(std::string(kNames[i]));
      if (member != expected.end()) {
        want = member->is_number() ? json::value_t::number_integer : member->type();
      }
    }
    if (kinds[i] != want)
      return "scan_top_level got the kind of '" + std::string(kNames[i]) + "' wrong";
  }
  return "";
}

/// What a JsonTape reads of `text` against json::parse (`expected`, discarded when rejected):
/// "" when it makes the same decision and, on acceptance, builds the same DOM.
std::string tape_difference(std::string_view text, const json& expected) {
  litellm::detail::JsonTape tape;
  const bool accepted = tape.read(text);
  if (accepted == expected.is_discarded()) return "JsonTape disagrees on acceptance";
  if (!accepted) return "";
  const json built = tape.root().take();
  if (!same_dom(expected, built)) {
    return "JsonTape built a different DOM: " +
           built.dump(-1, ' ', true, json::error_handler_t::replace);
  }
  return "";
}

/// What parse_json and json::parse make of `text`: "" when they agree (same decision and, on
/// acceptance, the same DOM; is_valid_json, scan_top_level and JsonTape agreeing too, and
/// append_json writing the DOM as dump does), else a description of the difference.
std::string parse_difference(std::string_view text) {
  const json expected = json::parse(text.begin(), text.end(), nullptr, false);
  json actual;
  const bool accepted = parse_json(text, actual);
  if (is_valid_json(text) != accepted) return "is_valid_json disagrees with parse_json";
  if (std::string scan = scan_difference(text, expected); !scan.empty()) return scan;
  if (std::string tape = tape_difference(text, expected); !tape.empty()) return tape;
  if (expected.is_discarded()) return accepted ? "accepted what json::parse rejects" : "";
  if (!accepted) return "rejected what json::parse accepts";
  if (!same_dom(expected, actual)) {
    return "a different DOM: " + actual.dump(-1, ' ', true, json::error_handler_t::replace) +
           " instead of " + expected.dump(-1, ' ', true, json::error_handler_t::replace);
  }
  return write_difference(expected);
}

/// Checks that parse_json agrees with json::parse on every input, reporting each difference.
void check_agreement(const std::vector<std::string>& inputs) {
  for (const auto& text : inputs) {
    INFO("input: " << printable(text));
    CHECK(parse_difference(text).empty());
  }
}

/// The recorded OpenAI and Azure streams.
std::vector<std::string> chat_streams() {
  std::vector<std::string> out;
  for (const auto& file : vector_files()) {
    const bool chat = file.rfind("openai/", 0) == 0 || file.rfind("azure/", 0) == 0;
    if (chat && file.size() > 4 && file.compare(file.size() - 4, 4, ".sse") == 0) {
      out.push_back(file);
    }
  }
  return out;
}

/// A deterministic source of choices (std::mt19937's output is fixed by the standard; the
/// distributions are not, so none is used).
class Random {
 public:
  explicit Random(std::uint32_t seed) : engine_(seed) {}
  /// 0 .. n-1.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  /// True with probability 1/n.
  bool one_in(std::size_t n) { return below(n) == 0; }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

 private:
  std::mt19937 engine_;
};

/// A random small damage to `text`: a bit flip, a truncation, an inserted or deleted byte, or a
/// replaced byte, with bytes that matter to JSON preferred.
std::string mutate(const std::string& text, Random& random) {
  static const char kBytes[] =
      "\"\\{}[],:0123456789-+.eE tfn\x00\x1f\x7f"
      "\x80\xbf\xc0\xc2\xe0\xed\xef\xf0\xf4\xf5\xff";
  static const std::string kInteresting(kBytes, sizeof kBytes - 1);
  std::string out = text;
  const std::size_t at = out.empty() ? 0 : random.below(out.size());
  const char byte = random.one_in(3) ? static_cast<char>(random.below(256))
                                     : kInteresting[random.below(kInteresting.size())];
  switch (random.below(5)) {
    case 0:
      if (!out.empty()) out[at] = static_cast<char>(out[at] ^ (1 << random.below(8)));
      break;
    case 1:
      out.resize(at);
      break;
    case 2:
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), byte);
      break;
    case 3:
      if (!out.empty()) out.erase(at, 1);
      break;
    default:
      if (!out.empty()) out[at] = byte;
      break;
  }
  return out;
}

// ---- add_chunk_text helpers -----------------------------------------------------------------

/// Feeds the same chunks to add(json::parse(text)) and to add_chunk_text(text), checking after
/// each that both threw or both did not (with the same message for add's own ProtocolErrors),
/// and at the end that both accumulators hold the same state.
void check_same_merge(const std::vector<std::string>& chunks, int n = 1) {
  StreamAccumulator reference(n);
  StreamAccumulator fast(n);
  for (const auto& text : chunks) {
    INFO("chunk: " << printable(text));
    std::string reference_error;
    bool reference_threw = false;
    try {
      reference.add(json::parse(text));
    } catch (const litellm::ProtocolError& error) {
      reference_threw = true;
      reference_error = error.what();
    } catch (const json::exception&) {
      reference_threw = true;
    }
    bool fast_threw = false;
    std::string fast_error;
    try {
      fast.add_chunk_text(text);
    } catch (const litellm::ProtocolError& error) {
      fast_threw = true;
      fast_error = error.what();
    }
    REQUIRE(fast_threw == reference_threw);
    if (!reference_error.empty()) CHECK(fast_error == reference_error);
  }
  CHECK(fast.chunk_count() == reference.chunk_count());
  CHECK(fast.all_choices_finished() == reference.all_choices_finished());
  CHECK(same_dom(fast.completion(), reference.completion()));
  const auto fast_messages = fast.messages();
  const auto reference_messages = reference.messages();
  REQUIRE(fast_messages.size() == reference_messages.size());
  for (std::size_t i = 0; i < fast_messages.size(); ++i) {
    CHECK(same_dom(fast_messages[i], reference_messages[i]));
  }
}

/// A random JSON text for a chunk: mostly chat.completion.chunk shapes, with every kind of
/// deviation add() has to handle (nulls, other types, unknown, duplicate and escaped keys,
/// members in any order, whitespace).
class ChunkGenerator {
 public:
  explicit ChunkGenerator(std::uint32_t seed) : random_(seed) {}

  std::string chunk() {
    std::vector<std::string> members;
    if (random_.below(10) < 8) members.push_back(member("id", identity_string("chatcmpl-")));
    if (random_.below(10) < 7) members.push_back(member("object", "\"chat.completion.chunk\""));
    if (random_.below(10) < 7) members.push_back(member("created", created()));
    if (random_.below(10) < 7) members.push_back(member("model", identity_string("gpt-")));
    if (random_.one_in(2)) members.push_back(member("system_fingerprint", identity_string("fp_")));
    if (random_.one_in(8)) members.push_back(member("service_tier", identity_string("tier")));
    if (random_.one_in(8)) members.push_back(member("obfuscation", any_value(1)));
    if (random_.one_in(6)) members.push_back(member("usage", usage()));
    if (random_.one_in(10)) members.push_back(member("prompt_filter_results", any_value(2)));
    if (random_.one_in(12)) members.push_back(member(random_key(), any_value(2)));
    if (random_.below(10) < 9) members.push_back(member("choices", choices()));
    if (random_.one_in(40)) return any_value(2);  // not an object at all
    return object(std::move(members));
  }

 private:
  std::string ws() {
    if (!random_.one_in(12)) return "";
    static const std::vector<std::string> kSpace = {" ", "\n", "\t", "\r\n", "  "};
    return random_.pick(kSpace);
  }

  /// A member, its key sometimes written with an escape.
  std::string member(const std::string& key, const std::string& value) {
    std::string written = key;
    if (random_.one_in(60) && !key.empty()) {
      static const char kHex[] = "0123456789abcdef";
      const auto c = static_cast<unsigned char>(key[0]);
      written = std::string("\\u00") + kHex[c >> 4] + kHex[c & 15] + key.substr(1);
    }
    return ws() + "\"" + written + "\"" + ws() + ":" + ws() + value + ws();
  }

  /// An object of `members` in random order, one sometimes repeated with another value.
  std::string object(std::vector<std::string> members) {
    for (std::size_t i = members.size(); i > 1; --i)
      std::swap(members[i - 1], members[random_.below(i)]);
    if (!members.empty() && random_.one_in(40)) {
      const std::string& repeated = members[random_.below(members.size())];
      members.push_back(repeated.substr(0, repeated.find(':') + 1) + any_value(1));
    }
    std::string out = ws() + "{";
    for (std::size_t i = 0; i < members.size(); ++i) out += (i == 0 ? "" : ",") + members[i];
    return out + "}" + ws();
  }

  std::string array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ",") + ws() + items[i];
    return out + ws() + "]";
  }

  std::string random_key() {
    static const std::vector<std::string> kKeys = {"x_extra", "annotations", "audio", "", "index",
                                                   "content", "id",          "type",  "é"};
    return random_.pick(kKeys);
  }

  std::string text() {
    static const std::vector<std::string> kTexts = {
        "\"\"",
        "\"Hello\"",
        "\" world\"",
        "\"\\n\"",
        "\"{\\\"city\\\":\"",
        "\"\\u00e9t\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"caf\xc3\xa9\"",
        "\"\\\\\\/\\t\"",
        "\"a long piece of streamed text with several words in it\""};
    return random_.pick(kTexts);
  }

  std::string identity_string(const std::string& prefix) {
    switch (random_.below(12)) {
      case 0:
        return "\"\"";
      case 1:
        return "null";
      case 2:
        return std::to_string(random_.below(3));
      default:
        return "\"" + prefix + std::to_string(random_.below(3)) + "\"";
    }
  }

  std::string created() {
    switch (random_.below(8)) {
      case 0:
        return "0";
      case 1:
        return "null";
      case 2:
        return "\"1727346180\"";
      default:
        return std::to_string(1727346180 + random_.below(3));
    }
  }

  std::string usage() {
    if (random_.one_in(5)) return any_value(1);
    return object({member("prompt_tokens", std::to_string(random_.below(100))),
                   member("completion_tokens", std::to_string(random_.below(100)))});
  }

  std::string any_value(int depth) {
    switch (random_.below(depth > 0 ? 9 : 7)) {
      case 0:
        return "null";
      case 1:
        return "true";
      case 2:
        return "false";
      case 3:
        return std::to_string(random_.below(5));
      case 4:
        return "-1.5e1";
      case 5:
        return text();
      case 6:
        return "{}";
      case 7:
        return array({any_value(depth - 1), any_value(depth - 1)});
      default:
        return object({member(random_key(), any_value(depth - 1))});
    }
  }

  std::string choices() {
    switch (random_.below(20)) {
      case 0:
        return "null";
      case 1:
        return "[]";
      case 2:
        return any_value(1);
      default: {
        std::vector<std::string> items;
        const std::size_t count = random_.one_in(4) ? 1 + random_.below(3) : 1;
        for (std::size_t i = 0; i < count; ++i)
          items.push_back(random_.one_in(30) ? any_value(1) : choice());
        return array(items);
      }
    }
  }

  std::string index() {
    static const std::vector<std::string> kIndexes = {"0",     "1",  "2",   "null", "-1",   "1.0",
                                                      "\"0\"", "-0", "1e0", "1024", "1023", "01"};
    return random_.below(4) != 0 ? std::to_string(random_.below(3)) : random_.pick(kIndexes);
  }

  std::string choice() {
    std::vector<std::string> members;
    if (!random_.one_in(8)) members.push_back(member("index", index()));
    if (!random_.one_in(10)) members.push_back(member("delta", delta()));
    if (random_.below(3) != 0) {
      static const std::vector<std::string> kReasons = {
          "null", "null", "\"stop\"", "\"length\"", "\"tool_calls\"", "1", "{}"};
      members.push_back(member("finish_reason", random_.pick(kReasons)));
    }
    if (random_.below(3) != 0) {
      members.push_back(
          member("logprobs",
                 random_.below(3) != 0
                     ? "null"
                     : object({member("content", array({object({member("token", text())})}))})));
    }
    if (random_.one_in(5)) {
      members.push_back(member("content_filter_results",
                               random_.one_in(2) ? "{}" : object({member("hate", any_value(1))})));
    }
    if (random_.one_in(15)) members.push_back(member(random_key(), any_value(1)));
    return object(std::move(members));
  }

  std::string delta() {
    if (random_.one_in(25)) return random_.one_in(2) ? "null" : any_value(1);
    std::vector<std::string> members;
    if (random_.one_in(4)) {
      static const std::vector<std::string> kRoles = {"\"assistant\"", "\"\"", "null", "\"tool\"",
                                                      "3"};
      members.push_back(member("role", random_.pick(kRoles)));
    }
    if (random_.below(3) != 0) {
      members.push_back(member("content", random_.below(8) != 0 ? text() : any_value(1)));
    }
    if (random_.one_in(6))
      members.push_back(member("refusal", random_.one_in(2) ? "null" : text()));
    if (random_.one_in(8)) members.push_back(member("reasoning_content", text()));
    if (random_.one_in(3)) members.push_back(member("tool_calls", tool_calls()));
    if (random_.one_in(15)) {
      members.push_back(
          member("function_call", object({member("name", text()), member("arguments", text())})));
    }
    if (random_.one_in(15)) members.push_back(member(random_key(), any_value(1)));
    return object(std::move(members));
  }

  std::string tool_calls() {
    switch (random_.below(16)) {
      case 0:
        return "null";
      case 1:
        return any_value(1);
      case 2:
        return "[]";
      default: {
        std::vector<std::string> items;
        const std::size_t count = 1 + (random_.one_in(4) ? random_.below(3) : 0);
        for (std::size_t i = 0; i < count; ++i)
          items.push_back(random_.one_in(25) ? any_value(1) : fragment());
        return array(items);
      }
    }
  }

  std::string fragment() {
    std::vector<std::string> members;
    if (!random_.one_in(6)) {
      static const std::vector<std::string> kOdd = {"null", "\"0\"", "1.5", "-1", "01"};
      members.push_back(member(
          "index", random_.one_in(12) ? random_.pick(kOdd) : std::to_string(random_.below(3))));
    }
    if (random_.one_in(3)) {
      static const std::vector<std::string> kIds = {
          "\"call_a\"", "\"call_b\"", "\"call_c\"", "\"\"", "null", "\"call_\\u0061\"", "7"};
      members.push_back(member("id", random_.pick(kIds)));
    }
    if (random_.one_in(3)) {
      static const std::vector<std::string> kTypes = {"\"function\"", "\"\"", "null", "1"};
      members.push_back(member("type", random_.pick(kTypes)));
    }
    if (!random_.one_in(8)) {
      std::vector<std::string> function;
      if (random_.one_in(3)) {
        static const std::vector<std::string> kNames = {"\"get_weather\"", "\"\"", "null", "\"f\"",
                                                        "2"};
        function.push_back(member("name", random_.pick(kNames)));
      }
      if (!random_.one_in(4))
        function.push_back(member("arguments", random_.one_in(15) ? any_value(1) : text()));
      if (random_.one_in(20)) function.push_back(member(random_key(), any_value(1)));
      members.push_back(member("function", random_.one_in(20) ? any_value(1) : object(function)));
    }
    if (random_.one_in(20)) members.push_back(member(random_key(), any_value(1)));
    return object(std::move(members));
  }

  Random random_;
};

/// A chat.completion.chunk with one choice, from its parts.
std::string chunk_text(const std::string& choice_members, const std::string& top = "") {
  return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
         "\"model\":\"m\"" +
         top + ",\"choices\":[{" + choice_members + "}]}";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// parse_json: the recorded vectors

TEST_CASE("parse_json agrees with json::parse on every recorded file and SSE payload",
          "[shared-data]") {
  std::vector<std::string> inputs;
  for (const auto& file : vector_files()) {
    const std::string body = litellm::test::vector_file(file);
    inputs.push_back(body);
    if (file.size() > 4 && file.compare(file.size() - 4, 4, ".sse") == 0) {
      for (auto& payload : sse_payloads(body)) inputs.push_back(std::move(payload));
    }
  }
  REQUIRE(inputs.size() > 500);
  check_agreement(inputs);
}

TEST_CASE("parse_json builds a recorded completion with nlohmann's value types", "[shared-data]") {
  json out;
  REQUIRE(parse_json(litellm::test::vector_file("openai/chat_text.json"), out));
  CHECK(out["created"].type() == json::value_t::number_unsigned);
  CHECK(out["created"] == 1727346142u);
  CHECK(out["choices"][0]["message"]["refusal"].is_null());
  CHECK(out["usage"]["total_tokens"] == 51u);
}

// ---------------------------------------------------------------------------------------------
// parse_json: hand-written edge cases

TEST_CASE("parse_json agrees with json::parse on escapes and surrogate pairs") {
  check_agreement({
      R"("")",
      R"("\"\\\/\b\f\n\r\t")",
      R"("\u0041\u00e9\u20ac")",
      R"("\u0000")",
      R"("\uD83D\uDE00")",
      R"("\ud83d\ude00")",
      R"("\uD800")",
      R"("\uDC00")",
      R"("\uDBFF\uDFFF")",
      R"("\uD800\u0041")",
      R"("\uD800\uD800")",
      R"("\uD800x")",
      R"("\uD800\")",
      R"("\uD800\u")",
      R"("\uDE00\uD83D")",
      R"("\u12")",
      R"("\u12G4")",
      R"("\U0041")",
      R"("\x41")",
      R"("\a")",
      R"("\'")",
      R"("\)",
      R"("\u)",
      R"("abc)",
      R"("a"b")",
      "\"\\\n\"",
      R"(["\uFFFF", "\uFFFE"])",
      R"({"\u0069d": 1})",
      R"("\uD83D\uDE00\uD83D")",
  });
}

TEST_CASE("parse_json agrees with json::parse on every form of number, values and types included") {
  check_agreement({
      "0",
      "-0",
      "1",
      "-1",
      "0.0",
      "-0.0",
      "1.5",
      "-1.5",
      "1e5",
      "1E5",
      "1e+5",
      "1e-5",
      "-1e-5",
      "1.0e0",
      "123456789",
      "9007199254740993",
      "18446744073709551615",
      "18446744073709551616",
      "99999999999999999999",
      "100000000000000000000",
      "9223372036854775807",
      "-9223372036854775808",
      "-9223372036854775809",
      "-18446744073709551616",
      "12345678901234567890123456789",
      "1e400",
      "-1e400",
      "1e308",
      "1.7976931348623157e308",
      "1.7976931348623159e308",
      "1e-400",
      "-1e-400",
      "4.9e-324",
      "2.4e-324",
      "2.5e-324",
      "1e-310",
      "0.1",
      "0.30000000000000004",
      "3.141592653589793238462643383279",
      "1e0000000000000000001",
      "0e999999999999",
      "0.000000000000000000000000000001e30",
      "123.456e-7",
      "-0e-0",
      "01",
      "-01",
      "00",
      "1.",
      ".5",
      "-.5",
      "+1",
      "-",
      "1e",
      "1e+",
      "1.e5",
      "0x10",
      "1_000",
      "Infinity",
      "-Infinity",
      "NaN",
      "1 2",
      "[1.5e308, 2e-308]",
      std::string(400, '9'),
      "0." + std::string(400, '0') + "1",
      "1" + std::string(310, '0'),
      "1" + std::string(300, '0') + "e-300",
  });
}

TEST_CASE("parse_json agrees with json::parse on malformed and unusual structure") {
  check_agreement({
      "",
      " ",
      "{}",
      "[]",
      " [ ] ",
      "{ }",
      "[1,]",
      "[,1]",
      "[1,,2]",
      "{\"a\":1,}",
      "{,}",
      "{\"a\"}",
      "{\"a\":}",
      "{\"a\" 1}",
      "{a:1}",
      "{'a':1}",
      "['a']",
      "[1] // c",
      "/* c */ 1",
      "# c\n1",
      "true",
      "false",
      "null",
      "True",
      "nul",
      "nulll",
      "[true false]",
      "[1}",
      "{\"a\":1]",
      "[[[]]]",
      "[1] [2]",
      "{} x",
      "\"a\" \"b\"",
      "[\"a\":1]",
      "{\"a\":1 \"b\":2}",
      "\t\r\n[\t\r\n1\t\r\n]\t\r\n",
      "\f[]",
      "\v[]",
      "[]\f",
      "{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}",
  });
}

TEST_CASE("parse_json agrees with json::parse on control characters and invalid UTF-8") {
  std::vector<std::string> inputs;
  for (int c = 0; c < 0x20; ++c)
    inputs.push_back("\"a" + std::string(1, static_cast<char>(c)) + "\"");
  inputs.push_back("\"\x7f\"");
  const std::vector<std::string> sequences = {
      "\xc3\xa9",
      "\xe2\x82\xac",
      "\xf0\x9f\x98\x80",
      "\xf4\x8f\xbf\xbf",
      "\xef\xbf\xbf",
      "\x80",
      "\xbf",
      "\xc0\x80",
      "\xc1\xbf",
      "\xc2",
      "\xc2\x41",
      "\xe0\x80\x80",
      "\xe0\x9f\xbf",
      "\xe0\xa0\x80",
      "\xed\x9f\xbf",
      "\xed\xa0\x80",
      "\xed\xbf\xbf",
      "\xee\x80\x80",
      "\xe2\x82",
      "\xf0\x8f\xbf\xbf",
      "\xf0\x90\x80\x80",
      "\xf4\x90\x80\x80",
      "\xf5\x80\x80\x80",
      "\xf8\x88\x80\x80\x80",
      "\xff",
      "\xfe",
      "\xf0\x9f\x98",
      "\xc3\xa9\xc3",
  };
  for (const auto& sequence : sequences) {
    inputs.push_back("\"" + sequence + "\"");
    inputs.push_back("\"0123456789abcdef" + sequence + "0123456789abcdef\"");  // past a SIMD block
    inputs.push_back("{\"k" + sequence + "\":1}");
    inputs.push_back(sequence);
  }
  check_agreement(inputs);
}

TEST_CASE("parse_json skips a leading BOM and ends the input at a NUL byte after the value") {
  const std::string bom = "\xef\xbb\xbf";
  check_agreement({bom + "{}", bom + " [1]", " " + bom + "{}", bom, "\xef\xbb", "\xef{}",
                   bom + bom + "{}", std::string("1\0garbage", 9), std::string("{} \0}", 5),
                   std::string("\0", 1), std::string("[1,\0]", 5), std::string("tr\0ue", 5),
                   std::string("\"a\0\"", 4)});
  json out;
  REQUIRE(parse_json(std::string("[1] \0 junk", 10), out));  // nlohmann's quirk, kept
  CHECK(out == json::array({1}));
}

TEST_CASE("parse_json keeps the last value of a duplicate key, as json::parse does") {
  check_agreement({R"({"a":1,"a":2})", R"({"a":{"b":1},"a":[2]})", R"({"a":1,"b":2,"a":null})"});
  json out;
  REQUIRE(parse_json(R"({"a":1,"b":true,"a":"last"})", out));
  CHECK(out == json{{"a", "last"}, {"b", true}});
}

TEST_CASE("parse_json accepts nesting up to its depth limit and rejects anything deeper") {
  const auto nested = [](std::size_t depth, char open, char close) {
    return std::string(depth, open) + std::string(depth, close);
  };
  json out;
  CHECK(parse_json(nested(512, '[', ']'), out));
  CHECK(is_valid_json(nested(512, '[', ']')));
  CHECK_FALSE(parse_json(nested(513, '[', ']'), out));
  CHECK_FALSE(is_valid_json(nested(513, '[', ']')));
  CHECK(parse_json(nested(10, '[', ']'), out, 10));
  CHECK_FALSE(parse_json(nested(11, '[', ']'), out, 10));
  CHECK_FALSE(parse_json("[]", out, 0));
  CHECK(parse_json("1", out, 0));
  std::string objects;
  for (int i = 0; i < 513; ++i) objects += "{\"a\":";
  objects += "1" + std::string(513, '}');
  CHECK_FALSE(parse_json(objects, out));
  // Hostile depth: rejected without exhausting the stack (json::parse itself would accept).
  const std::string hostile = std::string(1000000, '[');
  CHECK_FALSE(parse_json(hostile, out));
  CHECK_FALSE(is_valid_json(hostile));
  CHECK_FALSE(parse_json(nested(100000, '[', ']'), out));
}

TEST_CASE("JsonTape reads nesting up to the depth limit and rejects anything deeper") {
  litellm::detail::JsonTape tape;
  CHECK(tape.read(std::string(512, '[') + std::string(512, ']')));
  CHECK_FALSE(tape.read(std::string(513, '[') + std::string(513, ']')));
  CHECK(tape.read("[[]]", 2));
  CHECK_FALSE(tape.read("[[[]]]", 2));
  CHECK_FALSE(tape.read(std::string(1000000, '[')));
}

TEST_CASE("JsonTape keeps the last value of a duplicate key and decodes escaped keys") {
  const std::vector<std::string> texts = {
      R"({"a":1,"a":2})",
      R"({"a":{"x":1},"b":2,"a":{"y":[3]}})",
      R"({"\u0061":1,"a":2})",
      R"({"a":1,"\u0061":2})",
      R"({"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,)"
      R"("k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,)"
      R"("k21":21,"k22":22,"k23":23,"k24":24,"k25":25,"k1":"last"})",
      R"({"ab":1,"cd":2,"ab":3})",
      // Distinct keys with the same bit in the object's key summary, then a duplicate of one.
      R"({"ab":1,"b7":2})",
      R"({"ab":1,"b7":2,"ab":3})",
  };
  for (const auto& text : texts) {
    INFO("input: " << text);
    litellm::detail::JsonTape tape;
    REQUIRE(tape.read(text));
    CHECK(same_dom(tape.root().take(), json::parse(text)));
    const auto found = tape.root().find("a");  // the last of duplicates, as the DOM keeps
    CHECK(same_dom(found ? found.take() : json(), json::parse(text).value("a", json())));
  }
}

TEST_CASE("JsonTape leaves out the top-level members a filter skips, and still validates them") {
  using litellm::detail::JsonTape;
  const JsonTape::TopFilter skip_id{
      [](std::string_view key, unsigned context) noexcept { return context == 7 && key == "id"; },
      7};
  JsonTape tape;
  // Only the top level is filtered: the nested "id" stays.
  REQUIRE(tape.read(R"({"id":"x","a":{"id":1},"b":[2],"id":{"c":3}})", skip_id));
  CHECK(same_dom(tape.root().take(), json::parse(R"({"a":{"id":1},"b":[2]})")));
  CHECK_FALSE(tape.root().find("id"));
  CHECK(tape.root().find("a"));
  // A key with escapes is not offered to the filter: it is kept, decoded.
  REQUIRE(tape.read(R"({"\u0069d":"x","b":1})", skip_id));
  CHECK(same_dom(tape.root().take(), json::parse(R"({"id":"x","b":1})")));
  // Roots of other types are read whole.
  REQUIRE(tape.read(R"(["id",{"id":1}])", skip_id));
  CHECK(same_dom(tape.root().take(), json::parse(R"(["id",{"id":1}])")));
  // A skipped value is validated as any other, depth included (the object takes one level).
  const std::vector<std::string> invalid = {
      "{\"id\":\"a\x01\"}",
      R"({"id":"\ud800"})",
      "{\"id\":\"\xc0\xaf\"}",
      R"({"id":01})",
      R"({"id":1e400})",
      R"({"id":[1,]})",
      R"({"id":tru})",
      R"({"id":"a)",
      R"({"id":{"a":1,}})",
      R"({"id":-})",
      "{\"id\":" + std::string(512, '[') + std::string(512, ']') + "}",
  };
  for (const auto& text : invalid) {
    INFO("input: " << printable(text));
    CHECK_FALSE(tape.read(text, skip_id));
  }
  CHECK(tape.read("{\"id\":" + std::string(511, '[') + std::string(511, ']') + "}", skip_id));
}

TEST_CASE("parse_json agrees with json::parse on random decimal numbers") {
  Random random(20240601);
  std::vector<std::string> inputs;
  for (int i = 0; i < 3000; ++i) {
    std::string number = random.one_in(2) ? "-" : "";
    const std::size_t int_digits = 1 + random.below(random.one_in(8) ? 25 : 6);
    number += static_cast<char>(random.one_in(6) ? '0' : '1' + random.below(9));
    if (number.back() != '0') {
      for (std::size_t d = 1; d < int_digits; ++d)
        number += static_cast<char>('0' + random.below(10));
    }
    if (random.below(3) != 0) {
      number += '.';
      const std::size_t fraction = 1 + random.below(random.one_in(6) ? 30 : 17);
      for (std::size_t d = 0; d < fraction; ++d)
        number += static_cast<char>('0' + random.below(10));
    }
    if (random.one_in(2)) {
      number += random.one_in(2) ? 'e' : 'E';
      if (random.one_in(2)) number += random.one_in(2) ? '-' : '+';
      number += std::to_string(random.below(random.one_in(4) ? 400 : 30));
    }
    inputs.push_back(number);
  }
  check_agreement(inputs);
}

TEST_CASE("parse_json agrees with json::parse on thousands of mutated vectors", "[shared-data]") {
  std::vector<std::string> seeds;
  for (const auto& file : vector_files()) {
    const std::string body = litellm::test::vector_file(file);
    if (body.size() <= 2000) seeds.push_back(body);
    if (file.size() > 4 && file.compare(file.size() - 4, 4, ".sse") == 0) {
      const auto payloads = sse_payloads(body);
      for (std::size_t i = 0; i < payloads.size(); i += 7) seeds.push_back(payloads[i]);
    }
  }
  Random random(7);
  std::vector<std::string> inputs;
  for (int i = 0; i < 4000; ++i) {
    std::string text = random.pick(seeds);
    const std::size_t damage = 1 + random.below(3);
    for (std::size_t d = 0; d < damage; ++d) text = mutate(text, random);
    inputs.push_back(std::move(text));
  }
  check_agreement(inputs);
}

TEST_CASE("scan_top_level reports the last value's kind per name, escaped keys decoded") {
  static constexpr std::string_view kNames[] = {"error", "choices", "k\u00e9", "absent"};
  json::value_t kinds[4];
  REQUIRE(scan_top_level(R"({"k\u00e9":[1],"error":null,"choices":5,"error":{"x":1}})", kNames,
                         kinds, 4));
  CHECK(kinds[0] == json::value_t::object);
  CHECK(kinds[1] == json::value_t::number_integer);
  CHECK(kinds[2] == json::value_t::array);
  CHECK(kinds[3] == json::value_t::discarded);
  REQUIRE(scan_top_level(R"([{"error":1}])", kNames, kinds, 4));  // not an object: nothing found
  CHECK(kinds[0] == json::value_t::discarded);
  CHECK_FALSE(scan_top_level(R"({"error":1,})", kNames, kinds, 4));
  CHECK_FALSE(scan_top_level(R"({"error":1} x)", kNames, kinds, 4));
  CHECK_FALSE(scan_top_level("", kNames, kinds, 4));
  CHECK_FALSE(scan_top_level(R"({"a":[[1]]})", kNames, kinds, 4, 2));  // deeper than max_depth
  CHECK(scan_top_level(R"({"a":[1]})", kNames, kinds, 4, 2));
}

TEST_CASE("append_json writes what dump writes for strings json::parse cannot produce") {
  // Invalid UTF-8 (replaced by U+FFFD, by nlohmann's own rules), every control character, DEL.
  std::vector<std::string> texts = {"", "plain", "\x7f", "caf\xc3\xa9 \xf0\x9f\x98\x80",
                                    "quote \" backslash \\ slash /"};
  for (int c = 0; c < 0x20; ++c) texts.push_back("a" + std::string(1, static_cast<char>(c)) + "b");
  for (const char* bad : {"\x80", "\xbf", "\xc0\x80", "\xc2", "\xc2\x41", "\xe0\x80\x80",
                          "\xed\xa0\x80", "\xe2\x82", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
                          "\xf5\x80\x80\x80", "\xff", "\xfe\xff", "\xf0\x9f\x98", "\xc3\xa9\xc3"}) {
    texts.push_back(bad);
    texts.push_back(std::string("0123456789abcdef") + bad +
                    "0123456789abcdef\n");  // past a SIMD block
  }
  for (const auto& text : texts) {
    INFO("string: " << printable(text));
    CHECK(write_difference(json(text)).empty());
    CHECK(write_difference(json{{text, text}}).empty());  // keys too
  }
}

TEST_CASE("append_json writes what dump writes for numbers, literals, binary and nesting") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<json> values = {
      json(nullptr),
      json(true),
      json(false),
      json(0),
      json(-0.0),
      json(0.1),
      json(1.0),
      json(1e300),
      json(5e-324),
      json(-1.5e-7),
      json(inf),
      json(-inf),
      json(std::numeric_limits<double>::quiet_NaN()),
      json(std::numeric_limits<std::int64_t>::min()),
      json(std::numeric_limits<std::int64_t>::max()),
      json(std::numeric_limits<std::uint64_t>::max()),
      json(-1),
      json(json::value_t::discarded),
      json::binary({1, 2, 3}, 7),
      json::binary({}),
      json::array(),
      json::object(),
      json::array({json::object(), json::array(), 1, "x"}),
      json{{"b", {{"c", {1, 2.5, nullptr}}}}, {"a", "z"}, {"", false}}};
  for (const json& value : values) {
    INFO("value type: " << value.type_name());
    CHECK(write_difference(value).empty());
  }
}

// ---------------------------------------------------------------------------------------------
// add_chunk_text against add(json::parse(text))

TEST_CASE("add_chunk_text builds the same completion as add for every recorded chat stream",
          "[shared-data]") {
  for (const auto& file : chat_streams()) {
    INFO("stream: " << file);
    const auto chunks = sse_payloads(litellm::test::vector_file(file));
    REQUIRE_FALSE(chunks.empty());
    check_same_merge(chunks, 1);
    check_same_merge(chunks, 3);
  }
}

TEST_CASE("add_chunk_text merges hand-made tool-call streams as add does") {
  const auto delta = [](const std::string& tool_calls) {
    return chunk_text("\"index\":0,\"delta\":{\"tool_calls\":" + tool_calls + "}");
  };
  // Two calls on separate indexes, then fragments found by index.
  check_same_merge({
      delta(
          R"([{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}])"),
      delta(
          R"([{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":"{"}}])"),
      delta(
          R"([{"index":0,"function":{"arguments":"{\"x\":"}},{"index":1,"function":{"arguments":"}"}}])"),
      delta(R"([{"function":{"arguments":"1}"},"index":0}])"),
  });
  // Servers that always send index 0: a new id opens a new call; id-only and bare fragments.
  check_same_merge({
      delta(R"([{"index":0,"id":"call_a","function":{"name":"f","arguments":"a"}}])"),
      delta(R"([{"index":0,"id":"call_b","function":{"name":"g","arguments":"b"}}])"),
      delta(R"([{"id":"call_a","function":{"arguments":"A"}}])"),
      delta(R"([{"function":{"arguments":"B"}}])"),
      delta(R"([{"id":"call_c","function":{"arguments":"C"}}])"),
      delta(R"([{"index":0,"id":"","type":"","function":{"name":null,"arguments":null}}])"),
  });
  // Unusual shapes that go through the generic code: odd index, non-object fragments, extra
  // members, escaped ids, non-string arguments, empty arrays, a non-array.
  check_same_merge({
      delta(R"([])"),
      delta(R"([{"index":"0","function":{"arguments":"x"}}])"),
      delta(R"([{"index":1.5,"function":{"arguments":"y"}}, 3, null])"),
      delta(R"([{"index":0,"id":"call_\u0061","function":{"arguments":"z"}}])"),
      delta(R"([{"index":0,"function":{"arguments":{"a":1}}}])"),
      delta(R"([{"index":0,"function":{"arguments":"w","extra":"e","name":"n"},"extra":[1]}])"),
      delta(R"([{"index":0,"function":null}])"),
      delta(R"([{"index":0,"function":"text"}])"),
      delta(R"("not calls")"),
      delta(R"({"index":0})"),
      delta(R"([{"index":0,"index":1,"function":{"arguments":"d"}}])"),
      delta(R"([{"index":0,"function":{"arguments":"d","arguments":"e"}}])"),
  });
}

TEST_CASE("add_chunk_text accepts a choice's members in any order, as Azure sends them") {
  check_same_merge(
      {
          R"({"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0}]})",
          R"({"choices":[{"content_filter_results":{},"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":5,"id":"c","model":"m","object":"chat.completion.chunk"})",
          R"({"choices":[{"content_filter_results":{"hate":{"filtered":false}},"delta":{"content":"Hi"},"finish_reason":null,"index":1,"logprobs":null}],"created":5,"id":"c","model":"m","object":"chat.completion.chunk"})",
          R"({"choices":[{"delta":{"content":" there"},"index":1}],"model":"m"})",
          R"({"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":1}],"id":"c"})",
      },
      2);
}

TEST_CASE("add_chunk_text handles nulls, unusual types and unknown fields as add does") {
  check_same_merge({
      chunk_text(
          R"("index":0,"delta":{"role":null,"content":null,"refusal":null,"tool_calls":null})"),
      chunk_text(R"("index":null,"delta":{"role":"assistant","content":"a"})"),
      chunk_text(R"("delta":{"content":"b"})"),
      chunk_text(R"("index":0,"delta":{"content":5})"),
      chunk_text(R"("index":0,"delta":{"content":"c"})"),
      chunk_text(R"("index":0,"delta":{"content":["d"]})"),
      chunk_text(R"("index":0,"delta":{"content":{"e":1}})"),
      chunk_text(R"("index":0,"delta":"text")"),
      chunk_text(R"("index":0,"delta":{"audio":{"id":"a1","data":"QUJD"},"annotations":[1]})"),
      chunk_text(R"("index":0,"delta":{"audio":{"data":"REVG"},"annotations":[2]})"),
      chunk_text(R"("index":0,"delta":{"role":"tool","name":"n","name2":"x"})"),
      chunk_text(R"("index":0,"finish_reason":7,"logprobs":{"content":[{"token":"a"}]})"),
      chunk_text(R"("index":0,"finish_reason":"stop","logprobs":{"content":[{"token":"b"}]})"),
      chunk_text(R"("index":0,"custom":{"a":1},"other":null)"),
      chunk_text(R"("index":0,"custom":{})"),
      chunk_text(R"("index":0)",
                 R"(,"usage":{"total_tokens":3},"extra":[1],"service_tier":"default")"),
      chunk_text(R"("index":0)", R"(,"usage":null,"extra":null,"system_fingerprint":"fp")"),
      R"({"choices":null,"id":"late"})",
      R"({"choices":"none"})",
      R"({"choices":[1,"two",null,[3]]})",
      R"({"choices":{"index":0}})",
      R"([1,2,3])",
      R"("a string chunk")",
      R"(42)",
      R"({})",
  });
}

TEST_CASE("add_chunk_text handles duplicate and escaped keys as add does") {
  check_same_merge({
      chunk_text(R"("index":0,"delta":{"content":"a","content":"b"})"),
      chunk_text(R"("index":0,"delta":{"content":"c","content":null})"),
      chunk_text(R"("index":0,"delta":{"cont\u0065nt":"d"})"),
      chunk_text(R"("index":0,"index":1,"delta":{"content":"e"})"),
      chunk_text(R"("index":0,"delta":{"content":"f"},"delta":{"content":"g"})"),
      chunk_text(R"("index":0,"finish_reason":"stop","finish_reason":null)"),
      R"({"id":"x","id":"y","choices":[]})",
      R"({"\u0069d":"z","choices":[],"extra":1,"extra":null})",
      R"({"choices":[{"index":0,"delta":{"content":"h"}}],"choices":[]})",
  });
}

TEST_CASE("add_chunk_text rejects what json::parse rejects and leaves the accumulator as it was") {
  StreamAccumulator accumulator;
  accumulator.add_chunk_text(chunk_text(R"("index":0,"delta":{"content":"kept"})"));
  const json before = accumulator.completion();
  const std::vector<std::string> invalid = {
      "",
      "[DONE]",
      chunk_text(R"("index":0,"delta":{"content":"lost"})") + "x",
      chunk_text(R"("index":0,"delta":{"content":"lost"},)"),
      chunk_text(R"("index":0,"delta":{"content":"lost\x"})"),
      chunk_text(R"("index":0,"delta":{"content":"lost"},"logprobs":{"a":[1,]})"),
      chunk_text(R"("index":0,"delta":{"content":"lost"},"logprobs":nul)"),
      chunk_text(R"("index":0,"delta":{"content":"lost"})", R"(,"obfuscation":"\ud800")"),
      chunk_text(R"("index":0,"delta":{"content":"lost"})", ",\"obfuscation\":\"\xc0\xaf\""),
      chunk_text(R"("index":0,"delta":{"content":"lost"})", R"(,"created":1e400)"),
      // The identity fields the accumulator already has are validated though not read.
      R"({"id":"\ud800","choices":[{"index":0,"delta":{"content":"lost"}}]})",
      R"({"model":[1,],"choices":[{"index":0,"delta":{"content":"lost"}}]})",
      R"({"created":01,"choices":[{"index":0,"delta":{"content":"lost"}}]})",
      "{\"id\":" + std::string(512, '[') + std::string(512, ']') +
          R"(,"choices":[{"index":0,"delta":{"content":"lost"}}]})",
      chunk_text(R"("index":0,"delta":{"content":"lost\u12"})"),
      chunk_text("\"index\":0,\"delta\":{\"content\":\"lost\ttab\"}"),
      chunk_text(
          R"("index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"lost"}},]})"),
      chunk_text(R"("index":0,"delta":{"content":"lost"})") + "}",
      "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lost\"}}]" + std::string(600, ' '),
  };
  for (const auto& text : invalid) {
    INFO("chunk: " << printable(text));
    CHECK_THROWS_AS(accumulator.add_chunk_text(text), litellm::ProtocolError);
  }
  CHECK(accumulator.chunk_count() == 1);
  CHECK(same_dom(accumulator.completion(), before));
}

TEST_CASE("add_chunk_text rejects a chunk nested deeper than 512 levels, wherever the nesting is") {
  StreamAccumulator accumulator;
  const std::string deep = std::string(509, '[') + std::string(509, ']');
  const std::string deeper = std::string(510, '[') + std::string(510, ']');
  // The chunk object, choices, a choice and its delta take 4 levels: 508 more are allowed there.
  const std::string at_limit = std::string(508, '[') + std::string(508, ']');
  CHECK_NOTHROW(
      accumulator.add_chunk_text(chunk_text("\"index\":0,\"delta\":{\"x\":" + at_limit + "}")));
  CHECK_THROWS_AS(
      accumulator.add_chunk_text(chunk_text("\"index\":0,\"delta\":{\"x\":[" + at_limit + "]}")),
      litellm::ProtocolError);
  CHECK_NOTHROW(
      accumulator.add_chunk_text("{\"x\":" + std::string(511, '[') + std::string(511, ']') + "}"));
  CHECK_THROWS_AS(
      accumulator.add_chunk_text("{\"x\":" + std::string(512, '[') + std::string(512, ']') + "}"),
      litellm::ProtocolError);
  CHECK_NOTHROW(accumulator.add_chunk_text(chunk_text("\"index\":0,\"logprobs\":" + deep)));
  CHECK_THROWS_AS(accumulator.add_chunk_text(chunk_text("\"index\":0,\"logprobs\":" + deeper)),
                  litellm::ProtocolError);
  CHECK_THROWS_AS(accumulator.add_chunk_text(std::string(100000, '[')), litellm::ProtocolError);
  CHECK(accumulator.chunk_count() == 3);
}

TEST_CASE("add_chunk_text rejects bad choice indexes with add's errors, changing nothing") {
  const std::vector<std::string> indexes = {"-1", "1024", "99999999999", "1.0", "\"0\"", "true",
                                            "{}", "1e0",  "-0",          "0",   "1023",  "null"};
  for (const auto& index : indexes) {
    INFO("index: " << index);
    check_same_merge({chunk_text(R"("index":0,"delta":{"content":"a"})"),
                      R"({"choices":[{"index":0,"delta":{"content":"b"}},{"index":)" + index +
                          R"(,"delta":{"content":"c"}}]})",
                      chunk_text(R"("index":0,"delta":{"content":"d"})")});
  }
}

TEST_CASE("add_chunk_text matches add on thousands of random chunks") {
  ChunkGenerator generator(12345);
  Random random(99);
  for (int stream = 0; stream < 100; ++stream) {
    std::vector<std::string> chunks;
    const std::size_t count = 1 + random.below(20);
    for (std::size_t i = 0; i < count; ++i) chunks.push_back(generator.chunk());
    check_same_merge(chunks, static_cast<int>(random.below(3)));
  }
}

TEST_CASE("add_chunk_text matches add on mutated recorded chunks", "[shared-data]") {
  std::vector<std::vector<std::string>> streams;
  for (const auto& file : chat_streams())
    streams.push_back(sse_payloads(litellm::test::vector_file(file)));
  Random random(4242);
  for (int round = 0; round < 60; ++round) {
    std::vector<std::string> chunks = random.pick(streams);
    if (chunks.size() > 30) chunks.resize(30);
    for (auto& chunk : chunks) {
      if (random.one_in(3)) chunk = mutate(chunk, random);
    }
    check_same_merge(chunks, 1);
  }
}

// ---- parsing into a json that already holds a value ----------------------------------------

namespace {

/// Parses `second` into a json already holding what parse_json made of `first`: "" when the
/// result (acceptance and DOM) is what json::parse makes of `second` alone.
std::string reuse_difference(const std::string& first, const std::string& second) {
  json reused;
  parse_json(first, reused);  // whatever it holds, even half of a rejected document
  const json expected = json::parse(second.begin(), second.end(), nullptr, false);
  const bool accepted = parse_json(second, reused);
  if (accepted == expected.is_discarded()) return "a different decision after reuse";
  if (accepted && !same_dom(expected, reused)) {
    return "a different DOM after reuse: " + reused.dump() + " instead of " + expected.dump();
  }
  return "";
}

}  // namespace

TEST_CASE("parse_json into a json holding a value gives what a fresh parse gives") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"a":1,"b":"x"})", R"({"a":2,"b":"longer than the first string, well past SSO"})"},
      {R"({"a":1,"b":2,"c":3})", R"({"b":5})"},                // members the text dropped
      {R"({"a":1})", R"({"a":1,"b":[1,2],"c":{"d":null}})"},   // members it added
      {R"({"a":0,"b":0})", R"({"a":1,"a":2})"},                // a repeated key hides a drop
      {R"({"a":{"x":1,"y":2}})", R"({"a":{"y":3}})"},          // nested objects shrink too
      {R"({"a":"text"})", R"({"a":{"b":"c"}})"},               // a member changes type
      {R"({"a":[1,2,3,4]})", R"({"a":[5]})"},                  // arrays shrink
      {R"({"a":[1]})", R"({"a":[{"b":1},"c",[],2.5,null]})"},  // and grow
      {R"({"a":1})", R"({"\u0061":2,"b":3})"},                 // an escaped key names a member
      {R"({"a":1})", R"([1,2])"},                              // the document changes type
      {R"(["x",{"y":1}])", R"({"a":1})"},
      {R"({"a":"x"})", R"("\u00e9t\u00e9")"},
      {R"({"a":{"b":{"c":1}}})", R"({"a":{"b":{"c":1}},"a":{"b":{}}})"},
      {R"({"a":1,"b":2})", R"({"a":1,"b":)"},  // rejected: json::parse rejects too
  };
  for (const auto& [first, second] : cases) {
    INFO(first << " then " << second);
    CHECK(reuse_difference(first, second).empty());
  }
}

TEST_CASE("parse_json into a reused json agrees with json::parse on every recorded stream",
          "[shared-data]") {
  for (const auto& file : chat_streams()) {
    INFO(file);
    const auto payloads = sse_payloads(litellm::test::vector_file(file));
    json reused;
    for (const auto& payload : payloads) {
      INFO(payload);
      REQUIRE(parse_json(payload, reused));
      CHECK(same_dom(reused, json::parse(payload)));
    }
  }
}

TEST_CASE("parse_json into a reused json agrees with json::parse on random chunk pairs") {
  ChunkGenerator generator(777);
  Random random(31);
  for (int i = 0; i < 3000; ++i) {
    std::string first = generator.chunk();
    std::string second = generator.chunk();
    if (random.one_in(4)) second = mutate(second, random);
    if (random.one_in(8)) first = mutate(first, random);
    INFO(printable(first) << " then " << printable(second));
    CHECK(reuse_difference(first, second).empty());
  }
}

TEST_CASE("a member parsed again into a reused json keeps its string buffer") {
  json chunk;
  REQUIRE(
      parse_json(R"({"choices":[{"delta":{"content":"a reasonably long first piece"}}]})", chunk));
  const std::string& content =
      chunk["choices"][0]["delta"]["content"].get_ref<const std::string&>();
  const char* const buffer = content.data();
  REQUIRE(parse_json(R"({"choices":[{"delta":{"content":"a second piece, not longer"}}]})", chunk));
  const std::string& again = chunk["choices"][0]["delta"]["content"].get_ref<const std::string&>();
  CHECK(again == "a second piece, not longer");
  CHECK(again.data() == buffer);
}
