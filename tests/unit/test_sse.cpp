// Tests for the incremental SSE parser (include/litellm/sse.hpp).
#include "litellm/sse.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "vectors.hpp"

namespace {

using litellm::ProtocolError;
using litellm::SseEvent;
using litellm::SseParser;
using litellm::SseParserOptions;
using namespace std::string_literals;

/// Inputs up to this long are also checked in every split into three pieces.
constexpr std::size_t kMaxThreeWaySplitInput = 64;

/// An expected event.
SseEvent ev(std::string data, std::string type = "message", std::string id = "",
            std::optional<std::uint64_t> retry = std::nullopt) {
  SseEvent event;
  event.event = std::move(type);
  event.data = std::move(data);
  event.id = std::move(id);
  event.retry = retry;
  return event;
}

/// `text` with control and non-ASCII bytes escaped, for readable failure messages.
std::string escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (byte < 0x20 || byte >= 0x7F) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

/// One line per event, comparable and printable.
std::string describe(const std::vector<SseEvent>& events) {
  std::string out;
  for (const SseEvent& e : events) {
    out += "{event=" + escape(e.event) + " data=" + escape(e.data) + " id=" + escape(e.id) +
           " retry=" + (e.retry ? std::to_string(*e.retry) : std::string("none")) + "}\n";
  }
  return out;
}

/// True when both lists hold the same events in the same order.
bool same_events(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(), [](const SseEvent& x, const SseEvent& y) {
        return x.event == y.event && x.data == y.data && x.id == y.id && x.retry == y.retry;
      });
}

/// What one parse delivered: by the feeds, and in all (feeds and finish).
struct Run {
  std::vector<SseEvent> fed;
  std::vector<SseEvent> all;
};

/// Feeds `input` cut at the (ascending) offsets `cuts`, then finishes.
Run parse_pieces(std::string_view input, const std::vector<std::size_t>& cuts,
                 SseParserOptions options = {}) {
  SseParser parser(options);
  Run run;
  const auto collect = [&run](const SseEvent& e) { run.all.push_back(e); };
  std::size_t start = 0;
  for (const std::size_t cut : cuts) {
    parser.feed(input.substr(start, cut - start), collect);
    start = cut;
  }
  parser.feed(input.substr(start), collect);
  run.fed = run.all;
  parser.finish(collect);
  return run;
}

/// Feeds `input` in pieces of `size` bytes, then finishes.
Run parse_chunked(std::string_view input, std::size_t size, SseParserOptions options = {}) {
  std::vector<std::size_t> cuts;
  for (std::size_t cut = size; cut < input.size(); cut += size) cuts.push_back(cut);
  return parse_pieces(input, cuts, options);
}

/// Every way of cutting `input` this test suite tries: whole, byte by byte, at every offset into
/// two pieces and, for short inputs, at every pair of offsets into three pieces.
std::vector<std::vector<std::size_t>> every_split(std::size_t size) {
  std::vector<std::vector<std::size_t>> splits;
  splits.push_back({});
  std::vector<std::size_t> bytewise;
  for (std::size_t i = 1; i < size; ++i) bytewise.push_back(i);
  splits.push_back(bytewise);
  for (std::size_t i = 0; i <= size; ++i) splits.push_back({i});
  if (size <= kMaxThreeWaySplitInput) {
    for (std::size_t i = 0; i <= size; ++i) {
      for (std::size_t j = i; j <= size; ++j) splits.push_back({i, j});
    }
  }
  return splits;
}

/// Renders cut offsets for INFO.
std::string describe_cuts(const std::vector<std::size_t>& cuts) {
  std::string out = "cuts:";
  for (const std::size_t cut : cuts) out += " " + std::to_string(cut);
  return out;
}

/// Parses `input` in every split; each must deliver `expected`, and the feeds of each must deliver
/// what the feeds delivered for the whole input.
void check_every_split(std::string_view input, const std::vector<SseEvent>& expected,
                       SseParserOptions options = {}) {
  INFO("input: " << escape(input));
  const Run whole = parse_pieces(input, {}, options);
  REQUIRE(describe(whole.all) == describe(expected));
  for (const auto& cuts : every_split(input.size())) {
    const Run run = parse_pieces(input, cuts, options);
    if (!same_events(run.all, whole.all) || !same_events(run.fed, whole.fed)) {
      INFO(describe_cuts(cuts));
      REQUIRE(describe(run.all) == describe(whole.all));
      REQUIRE(describe(run.fed) == describe(whole.fed));
    }
  }
}

/// Parsing `input` throws a ProtocolError in every split.
void check_throws_in_every_split(std::string_view input, SseParserOptions options) {
  INFO("input: " << escape(input));
  for (const auto& cuts : every_split(input.size())) {
    INFO(describe_cuts(cuts));
    REQUIRE_THROWS_AS(parse_pieces(input, cuts, options), ProtocolError);
  }
}

/// An input and the events it must give.
struct Case {
  std::string input;
  std::vector<SseEvent> expected;
};

/// `check_every_split` for each case.
void check_table(const std::vector<Case>& cases, SseParserOptions options = {}) {
  for (const Case& c : cases) check_every_split(c.input, c.expected, options);
}

/// The recorded streams under LITELLM_TEST_DATA_DIR/llm-vectors, relative to it, sorted.
std::vector<std::string> recorded_sse_files() {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(LITELLM_TEST_DATA_DIR) / "llm-vectors";
  std::vector<std::string> files;
  for (const char* provider : {"openai", "azure", "anthropic"}) {
    for (const auto& entry : fs::directory_iterator(root / provider)) {
      if (entry.is_regular_file() && entry.path().extension() == ".sse") {
        files.push_back(entry.path().lexically_relative(root).generic_string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

// --- line ends ---------------------------------------------------------------------------------

TEST_CASE("LF, CR and CRLF each end a line, and may be mixed in one stream") {
  check_table({
      {"data: a\n\n", {ev("a")}},
      {"data: a\r\r", {ev("a")}},
      {"data: a\r\n\r\n", {ev("a")}},
      {"data: a\r\ndata: b\rdata: c\n\r\n", {ev("a\nb\nc")}},
      {"data: a\n\rdata: b\r\n\ndata: c\r\r", {ev("a"), ev("b"), ev("c")}},
      {"data: a\r\n\r\ndata: b\r\n\r\n", {ev("a"), ev("b")}},
      {"data: a\n\r\n", {ev("a")}},
  });
}

TEST_CASE("A CRLF split across two feeds is one line end, not two") {
  SseParser parser;
  std::vector<SseEvent> events;
  const auto collect = [&events](const SseEvent& e) { events.push_back(e); };
  parser.feed("data: a\r", collect);
  parser.feed("\ndata: b\r", collect);
  parser.feed("", collect);  // An empty piece does not forget the pending CR.
  parser.feed("\n", collect);
  REQUIRE(events.empty());
  parser.feed("\r", collect);
  parser.feed("\n", collect);
  REQUIRE(describe(events) == describe({ev("a\nb")}));
  parser.finish(collect);
  REQUIRE(events.size() == 1);
}

// --- comments and fields -----------------------------------------------------------------------

TEST_CASE("Lines starting with a colon are comments") {
  check_table({
      {":comment\ndata: a\n\n", {ev("a")}},
      {"data: a\n: keep-alive\ndata: b\n\n", {ev("a\nb")}},
      {":\n\n", {}},
      {": only comments\n\n: more\r\n\r\n", {}},
      {":data: x\n\n", {}},
  });
}

TEST_CASE("Several data lines are joined with LF into one event") {
  check_table({
      {"data: a\ndata: b\ndata: c\n\n", {ev("a\nb\nc")}},
      {"data: {\"a\":\ndata: 1}\n\n", {ev("{\"a\":\n1}")}},
      {"data: a\n\ndata: b\n\n", {ev("a"), ev("b")}},
  });
}

TEST_CASE("A leading UTF-8 BOM is stripped once, even when split across feeds") {
  check_table({
      {"\xEF\xBB\xBF"
       "data: a\n\n",
       {ev("a")}},
      {"\xEF\xBB\xBF"
       "\xEF\xBB\xBF"
       "data: a\n\n",
       {}},  // The second BOM is part of the field name.
      {"\xEF\xBB\xBF", {}},
      {"\xEF\xBB\xBF"
       "data",
       {ev("")}},
  });
}

TEST_CASE("A BOM, or part of one, that is not a whole BOM at the start is ordinary content") {
  check_table({
      {"data: \xEF\xBB\xBF"
       "a\n\n",
       {ev("\xEF\xBB\xBF"
           "a")}},
      {"\n\xEF\xBB\xBF"
       "data: a\n\n",
       {}},
      {"\xEF\xBB"
       "data: a\n\n",
       {}},
      {"\xEF"
       "data: a\n\n",
       {}},
      {"\xEF\xBB\ndata: a\n\n", {ev("a")}},
      {"\xEF\xBB", {}},
  });
}

TEST_CASE("A line without a colon is a field name with an empty value") {
  check_table({
      {"data\n\n", {ev("")}},
      {"data\ndata\n\n", {ev("\n")}},
      {"data: a\ndata\n\n", {ev("a\n")}},
      {"event\ndata: a\n\n", {ev("a")}},
      {"id: 1\ndata: a\n\nid\ndata: b\n\n", {ev("a", "message", "1"), ev("b")}},
  });
}

TEST_CASE("Exactly one optional space after the colon is removed") {
  check_table({
      {"data:x\n\n", {ev("x")}},
      {"data: x\n\n", {ev("x")}},
      {"data:  x\n\n", {ev(" x")}},
      {"data: x \n\n", {ev("x ")}},
      {"data:\tx\n\n", {ev("\tx")}},
      {"event:  e\ndata: a\n\n", {ev("a", " e")}},
      {"data: a:b: c\n\n", {ev("a:b: c")}},
      {"data : x\n\n", {}},  // The field name is "data ".
  });
}

TEST_CASE("The event field sets the type of the next dispatched event only") {
  check_table({
      {"event: add\ndata: a\n\n", {ev("a", "add")}},
      {"event: add\ndata: a\n\ndata: b\n\n", {ev("a", "add"), ev("b")}},
      {"event: a\nevent: b\ndata: x\n\n", {ev("x", "b")}},
      {"event:\ndata: x\n\n", {ev("x")}},
      {"data: x\nevent: late\n\n", {ev("x", "late")}},
  });
}

TEST_CASE("The id field sets the last event id, which persists across events") {
  check_table({
      {"id: 1\ndata: a\n\n", {ev("a", "message", "1")}},
      {"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
       {ev("a", "message", "1"), ev("b", "message", "1"), ev("c", "message", "2")}},
      {"id: 1\ndata: a\n\nid:\ndata: b\n\n", {ev("a", "message", "1"), ev("b")}},
      {"id: 7\n\ndata: a\n\n", {ev("a", "message", "7")}},
  });
  SseParser parser;
  parser.feed("id: 42\ndata: a\n\nevent: x\n\n");
  REQUIRE(parser.last_event_id() == "42");
}

TEST_CASE("An id containing NUL is ignored") {
  check_table({
      {"id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n"s,
       {ev("a", "message", "1"), ev("b", "message", "1")}},
      {"id: \0\ndata: a\n\n"s, {ev("a")}},
  });
  SseParser parser;
  parser.feed("id: 1\nid: 2\0\n"s);
  REQUIRE(parser.last_event_id() == "1");
}

TEST_CASE("A retry field of only ASCII digits sets the retry time, reported on its own event") {
  check_table({
      {"retry: 3000\ndata: a\n\n", {ev("a", "message", "", 3000)}},
      {"retry: 10\ndata: a\n\ndata: b\n\n", {ev("a", "message", "", 10), ev("b")}},
      {"retry: 0\ndata: a\n\n", {ev("a", "message", "", 0)}},
      {"retry:007\ndata: a\n\n", {ev("a", "message", "", 7)}},
      {"retry: 1\nretry: 2\ndata: a\n\n", {ev("a", "message", "", 2)}},
      {"retry: 18446744073709551615\ndata: a\n\n",
       {ev("a", "message", "", UINT64_C(18446744073709551615))}},
      {"retry: 5\n\ndata: a\n\n", {ev("a")}},  // Its block had no data: nothing carried it.
  });
  SseParser parser;
  parser.feed("retry: 5\n\n");
  REQUIRE(parser.retry() == std::optional<std::uint64_t>(5));
}

TEST_CASE("A retry field that is not all digits, is empty or overflows is ignored") {
  const std::vector<std::string> invalid = {"retry: 10s\n",
                                            "retry: -1\n",
                                            "retry: 1.5\n",
                                            "retry:  10\n",
                                            "retry:\n",
                                            "retry\n",
                                            "retry: +1\n",
                                            "retry: 1 \n",
                                            "retry: 18446744073709551616\n",
                                            "retry: 99999999999999999999999\n"};
  for (const std::string& line : invalid) {
    check_every_split(line + "data: a\n\n", {ev("a")});
    SseParser parser;
    parser.feed(line + "data: a\n\n");
    REQUIRE_FALSE(parser.retry().has_value());
  }
  SseParser parser;
  const auto events = parser.feed("retry: 5\ndata: a\n\nretry: x\ndata: b\n\n");
  REQUIRE(describe(events) == describe({ev("a", "message", "", 5), ev("b")}));
  REQUIRE(parser.retry() == std::optional<std::uint64_t>(5));
}

TEST_CASE("Unknown fields are ignored, and field names are case-sensitive") {
  check_table({
      {"foo: bar\ndata: a\nDATA: b\nData: c\nEvent: e\n\n", {ev("a")}},
      {"foo: bar\n\n", {}},
  });
}

TEST_CASE("A block without data lines dispatches nothing and resets the event type") {
  check_table({
      {"event: ping\n\n", {}},
      {"event: ping\n\ndata: a\n\n", {ev("a")}},
      {"event: ping\n\n\n\n", {}},
      {"\n\n\n", {}},
  });
}

TEST_CASE("Empty data lines add empty lines to the data") {
  check_table({
      {"data:\n\n", {ev("")}},
      {"data: \n\n", {ev("")}},
      {"data:\ndata:\n\n", {ev("\n")}},
      {"data: a\ndata:\ndata: b\n\n", {ev("a\n\nb")}},
      {"data:\n\ndata:\n\n", {ev(""), ev("")}},
  });
}

// --- end of input ------------------------------------------------------------------------------

TEST_CASE("finish() delivers a final event that lacks its blank line") {
  SseParser parser;
  REQUIRE(parser.feed("data: a\n\nevent: last\ndata: b\n").size() == 1);
  REQUIRE(describe(parser.finish()) == describe({ev("b", "last")}));
  check_table({
      {"data: a\n", {ev("a")}},
      {"data: a\r", {ev("a")}},
      {"data: a\ndata: b\r\n", {ev("a\nb")}},
      {"data: a\n\n", {ev("a")}},
  });
}

TEST_CASE("finish() processes an unterminated final line") {
  SseParser parser;
  REQUIRE(parser.feed("data: a\n\ndata: b").size() == 1);
  REQUIRE(describe(parser.finish()) == describe({ev("b")}));
  check_table({
      {"data: a", {ev("a")}},
      {"data: a\ndata: b", {ev("a\nb")}},
      {"event: x\ndata: a", {ev("a", "x")}},
      {"data: a\n\ndata", {ev("a"), ev("")}},
      {": comment", {}},
      {"event: x", {}},
  });
  SseParser id_only;
  REQUIRE(id_only.feed("id: 5").empty());
  REQUIRE(id_only.finish().empty());
  REQUIRE(id_only.last_event_id() == "5");
}

TEST_CASE("finish() leaves the parser ready for a new stream, keeping the id and retry") {
  SseParser parser;
  REQUIRE(parser.feed("id: 3\nretry: 7\ndata: a").empty());
  REQUIRE(describe(parser.finish()) == describe({ev("a", "message", "3", 7)}));
  REQUIRE(parser.buffered_bytes() == 0);
  REQUIRE(parser.last_event_id() == "3");
  REQUIRE(parser.retry() == std::optional<std::uint64_t>(7));
  REQUIRE(parser.feed("event: x").empty());
  REQUIRE(parser.finish().empty());
  const auto events = parser.feed(
      "\xEF\xBB\xBF"
      "data: b\n\n");
  REQUIRE(describe(events) == describe({ev("b", "message", "3")}));
}

// --- limits ------------------------------------------------------------------------------------

TEST_CASE("The default limits are 8 MiB per line and 16 MiB per event") {
  const SseParserOptions options;
  REQUIRE(options.max_line_bytes == 8u * 1024 * 1024);
  REQUIRE(options.max_event_bytes == 16u * 1024 * 1024);
}

TEST_CASE("A line of exactly max_line_bytes is accepted") {
  SseParserOptions options;
  options.max_line_bytes = 16;
  check_table(
      {
          {"data: 0123456789\n\n", {ev("0123456789")}},
          {"data: 0123456789\r\n\r\n", {ev("0123456789")}},
          {"data: 0123456789", {ev("0123456789")}},
          {":23456789abcdefg\ndata: a\n\n", {ev("a")}},
      },
      options);
}

TEST_CASE("A line longer than max_line_bytes is a ProtocolError in every split") {
  SseParserOptions options;
  options.max_line_bytes = 16;
  check_throws_in_every_split("data: 01234567890\n\n", options);
  check_throws_in_every_split("data: a\n\n:23456789abcdefgh\n", options);
  check_throws_in_every_split("data: a\n\ndata: 01234567890", options);
  check_throws_in_every_split("data: 01234567890\r\n\r\n", options);
}

TEST_CASE("A line that never ends is rejected once it exceeds the limit, with bounded memory") {
  SseParserOptions options;
  options.max_line_bytes = 1024;
  SECTION("fed byte by byte") {
    SseParser parser(options);
    std::size_t accepted = 0;
    bool thrown = false;
    while (!thrown && accepted < 4096) {
      REQUIRE(parser.buffered_bytes() <= options.max_line_bytes);
      try {
        parser.feed("x");
        ++accepted;
      } catch (const ProtocolError&) {
        thrown = true;
      }
    }
    REQUIRE(thrown);
    REQUIRE(accepted == options.max_line_bytes);
    REQUIRE(parser.buffered_bytes() <= options.max_line_bytes);
  }
  SECTION("fed in one large piece") {
    SseParser parser;  // Default limit.
    const std::string huge(SseParserOptions().max_line_bytes + 1, 'x');
    REQUIRE_THROWS_AS(parser.feed(huge), ProtocolError);
    REQUIRE(parser.buffered_bytes() == 0);
  }
}

TEST_CASE("An event whose data exceeds max_event_bytes is a ProtocolError in every split") {
  SseParserOptions options;
  options.max_event_bytes = 8;
  check_table(
      {
          {"data: 12345678\n\n", {ev("12345678")}},
          {"data: 1234\ndata: 123\n\n", {ev("1234\n123")}},
          {"data: 12345678\n\ndata: 12345678\n\n", {ev("12345678"), ev("12345678")}},
      },
      options);
  check_throws_in_every_split("data: 123456789\n\n", options);
  check_throws_in_every_split("data: 1234\ndata: 1234\n\n", options);
  check_throws_in_every_split("data: 12345678\ndata\n\n", options);
  check_throws_in_every_split("data: 12345678\ndata: 9", options);
}

TEST_CASE("Data accumulated without a blank line stays bounded by max_event_bytes") {
  SseParserOptions options;
  options.max_event_bytes = 64;
  SseParser parser(options);
  bool thrown = false;
  for (int i = 0; i < 1000 && !thrown; ++i) {
    REQUIRE(parser.buffered_bytes() <= options.max_event_bytes + 1);
    try {
      parser.feed("data: abc\n");
    } catch (const ProtocolError&) {
      thrown = true;
    }
  }
  REQUIRE(thrown);
}

TEST_CASE("The ProtocolError message names the exceeded limit and its value") {
  SseParserOptions options;
  options.max_line_bytes = 16;
  options.max_event_bytes = 8;
  try {
    SseParser(options).feed("data: 01234567890\n");
    FAIL("no exception");
  } catch (const ProtocolError& e) {
    REQUIRE(e.kind() == litellm::ErrorKind::protocol);
    const std::string what = e.what();
    REQUIRE(what.find("max_line_bytes (16 bytes)") != std::string::npos);
  }
  try {
    SseParser(options).feed("data: 123456789\n");
    FAIL("no exception");
  } catch (const ProtocolError& e) {
    REQUIRE(e.kind() == litellm::ErrorKind::protocol);
    const std::string what = e.what();
    REQUIRE(what.find("max_event_bytes (8 bytes)") != std::string::npos);
  }
}

// --- state -------------------------------------------------------------------------------------

TEST_CASE("reset() returns the parser to its initial state") {
  SseParser parser;
  REQUIRE(parser
              .feed("\xEF\xBB\xBF"
                    "id: 9\nretry: 5\ndata: x\n\nevent: e\ndata: partial\ndata: tail")
              .size() == 1);
  REQUIRE(parser.buffered_bytes() > 0);
  parser.reset();
  REQUIRE(parser.buffered_bytes() == 0);
  REQUIRE(parser.last_event_id().empty());
  REQUIRE_FALSE(parser.retry().has_value());
  const auto events = parser.feed(
      "\xEF\xBB\xBF"
      "data: a\n\n");
  REQUIRE(describe(events) == describe({ev("a")}));
  REQUIRE(parser.finish().empty());
}

TEST_CASE("buffered_bytes() counts an incomplete line, a partial BOM and pending data") {
  SseParser parser;
  REQUIRE(parser.buffered_bytes() == 0);
  parser.feed("\xEF\xBB");
  REQUIRE(parser.buffered_bytes() == 2);
  parser.feed("\xBF");
  REQUIRE(parser.buffered_bytes() == 0);
  parser.feed("data: abc\n");
  REQUIRE(parser.buffered_bytes() == 4);  // "abc\n"
  parser.feed("data: de");
  REQUIRE(parser.buffered_bytes() == 4 + 8);
  parser.feed("f\n\n");
  REQUIRE(parser.buffered_bytes() == 0);
}

TEST_CASE("The callback and vector overloads deliver the same events in order") {
  const std::string input = "event: a\ndata: 1\n\nid: 2\ndata: 2\n\ndata: 3";
  SseParser by_callback;
  std::vector<SseEvent> events;
  auto collect = [&events](const SseEvent& e) { events.push_back(e); };
  by_callback.feed(input, collect);  // An lvalue callback.
  by_callback.finish(collect);
  SseParser by_vector;
  auto returned = by_vector.feed(input);
  const auto finished = by_vector.finish();
  returned.insert(returned.end(), finished.begin(), finished.end());
  const std::vector<SseEvent> expected = {ev("1", "a"), ev("2", "message", "2"),
                                          ev("3", "message", "2")};
  REQUIRE(describe(events) == describe(expected));
  REQUIRE(describe(returned) == describe(expected));
}

TEST_CASE("An exception thrown by the callback propagates out of feed()") {
  struct Stop {};
  SseParser parser;
  REQUIRE_THROWS_AS(parser.feed("data: a\n\n", [](const SseEvent&) { throw Stop{}; }), Stop);
}

// --- recorded provider streams -----------------------------------------------------------------

TEST_CASE("Every recorded stream parses identically whole, byte by byte and split every 97 bytes",
          "[shared-data]") {
  const auto files = recorded_sse_files();
  REQUIRE(files.size() >= 27);
  for (const std::string& file : files) {
    INFO(file);
    const std::string bytes = litellm::test::vector_file(file);
    const Run whole = parse_pieces(bytes, {});
    REQUIRE_FALSE(whole.all.empty());
    const Run bytewise = parse_chunked(bytes, 1);
    REQUIRE(describe(bytewise.all) == describe(whole.all));
    REQUIRE(describe(bytewise.fed) == describe(whole.fed));
    const Run chunked = parse_chunked(bytes, 97);
    REQUIRE(describe(chunked.all) == describe(whole.all));
    REQUIRE(describe(chunked.fed) == describe(whole.fed));
    for (std::size_t cut = 97; cut < bytes.size(); cut += 97) {
      const Run run = parse_pieces(bytes, {cut});
      if (!same_events(run.all, whole.all) || !same_events(run.fed, whole.fed)) {
        INFO("cut at " << cut);
        REQUIRE(describe(run.all) == describe(whole.all));
        REQUIRE(describe(run.fed) == describe(whole.fed));
      }
    }
  }
}

TEST_CASE("The recorded OpenAI text stream gives 34 JSON chunks ending with [DONE]",
          "[shared-data]") {
  const Run run = parse_pieces(litellm::test::vector_file("openai/stream_text.sse"), {});
  REQUIRE(run.all.size() == 34);
  REQUIRE(run.fed.size() == 34);  // It ends with its blank line.
  REQUIRE(run.all.front().data.rfind(
              R"({"id":"chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL","object":"chat.completion.chunk")",
              0) == 0);
  REQUIRE(run.all.back().data == "[DONE]");
  for (std::size_t i = 0; i < run.all.size(); ++i) {
    INFO("event " << i);
    REQUIRE(run.all[i].event == "message");
    REQUIRE(run.all[i].id.empty());
    if (i + 1 < run.all.size()) REQUIRE(nlohmann::json::parse(run.all[i].data).is_object());
  }
}

TEST_CASE("The recorded long OpenAI JSON stream gives 181 chunks ending with [DONE]",
          "[shared-data]") {
  const Run run = parse_pieces(litellm::test::vector_file("openai/stream_long_json.sse"), {});
  REQUIRE(run.all.size() == 181);
  REQUIRE(run.all.back().data == "[DONE]");
}

TEST_CASE("The recorded Azure stream without a final blank line still ends with [DONE]",
          "[shared-data]") {
  const Run run = parse_pieces(litellm::test::vector_file("azure/stream_gpt4o_quarkus.sse"), {});
  REQUIRE(run.all.size() == 7);
  REQUIRE(run.fed.size() == 6);  // The last event is delivered by finish().
  REQUIRE(run.all.front().data.rfind(R"({"choices":[],"created":0,)", 0) == 0);
  REQUIRE(run.all.back().data == "[DONE]");
}

TEST_CASE("The recorded Anthropic stream runs from message_start to message_stop",
          "[shared-data]") {
  const Run run = parse_pieces(litellm::test::vector_file("anthropic/basic_response.sse"), {});
  REQUIRE(run.all.size() == 9);
  REQUIRE(run.fed.size() == 8);  // The file ends without a line end.
  REQUIRE(run.all.front().event == "message_start");
  REQUIRE(run.all.back().event == "message_stop");
  REQUIRE(run.all.back().data == R"({"type":"message_stop"})");
}

TEST_CASE("Every recorded Anthropic event's type matches the type inside its data",
          "[shared-data]") {
  for (const std::string& file : recorded_sse_files()) {
    if (file.rfind("anthropic/", 0) != 0) continue;
    INFO(file);
    const Run run = parse_pieces(litellm::test::vector_file(file), {});
    REQUIRE(run.all.size() >= 5);
    REQUIRE(run.all.front().event == "message_start");
    REQUIRE(run.all.back().event == "message_stop");
    for (const SseEvent& e : run.all) {
      REQUIRE(nlohmann::json::parse(e.data).at("type").get<std::string>() == e.event);
    }
  }
  REQUIRE(
      parse_pieces(litellm::test::vector_file("anthropic/tool_use_response.sse"), {}).all.size() ==
      15);
  REQUIRE(parse_pieces(litellm::test::vector_file("anthropic/recorded_tools_stream.sse"), {})
              .all.size() == 35);
}
