// Tests for the SigV4 signer (include/litellm/detail/sigv4.hpp) against AWS's published
// aws-sig-v4-test-suite and aws-c-auth's v4 suite (read from ../shared/llm-vectors/sigv4).
//
// Every classic case is run (.req -> .creq, .sts, .authz). Of aws-c-auth's, the header-signing
// results (header-canonical-request / -string-to-sign / -signature) are checked; its query-*
// files (presigned URLs) are not, as a client calling Bedrock never presigns.
#include "litellm/detail/sigv4.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "vectors.hpp"

namespace {

using litellm::detail::SigV4Request;
namespace fs = std::filesystem;

constexpr std::string_view kAccessKey = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";

/// A request of the suites' text form: "METHOD target HTTP/1.1", header lines (a line starting
/// with white space continues the previous field as another value), an empty line, the body.
struct ParsedRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

ParsedRequest parse_request(const std::string& text) {
  ParsedRequest out;
  std::size_t pos = text.find('\n');
  const std::string first = text.substr(0, pos);
  const std::size_t space = first.find(' ');
  const std::size_t version = first.rfind(" HTTP/");
  const std::string target = first.substr(space + 1, version - space - 1);
  out.method = first.substr(0, space);
  const std::size_t question = target.find('?');
  out.path = target.substr(0, question);
  if (question != std::string::npos) out.query = target.substr(question + 1);
  while (pos != std::string::npos && pos < text.size()) {
    const std::size_t start = pos + 1;
    const std::size_t end = text.find('\n', start);
    const std::string line =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    pos = end;
    if (line.empty()) {
      if (end != std::string::npos) out.body = text.substr(end + 1);
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      out.headers.emplace_back(out.headers.back().first, line);
      continue;
    }
    const std::size_t colon = line.find(':');
    out.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return out;
}

SigV4Request to_sigv4(const ParsedRequest& parsed, bool normalize) {
  SigV4Request request;
  request.method = parsed.method;
  request.path = parsed.path;
  request.query = parsed.query;
  request.headers = parsed.headers;
  request.payload_hash = litellm::detail::sha256_hex(parsed.body);
  request.normalize_path = normalize;
  return request;
}

std::vector<fs::path> files_with_extension(const fs::path& root, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ext) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string vector_relative(const fs::path& path) {
  return fs::relative(path, fs::path(litellm::test::shared_data_dir()) / "llm-vectors")
      .generic_string();
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[sigv4]") {
  CHECK(litellm::detail::to_hex(
            litellm::detail::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA256 hashes keys longer than a block first (RFC 4231 test case 6)", "[sigv4]") {
  const std::string key(131, '\xaa');
  CHECK(litellm::detail::to_hex(litellm::detail::hmac_sha256(
            key, "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("A model id with ':' is signed double-encoded, as AWS's SDKs sign it", "[sigv4]") {
  CHECK(litellm::detail::sigv4_canonical_uri("/model/us.amazon.nova-micro-v1%3A0/converse", true) ==
        "/model/us.amazon.nova-micro-v1%253A0/converse");
}

TEST_CASE("The X-Amz-Date form of a Unix time is UTC", "[sigv4]") {
  CHECK(litellm::detail::sigv4_amz_date(1440938160) == "20150830T123600Z");
}

TEST_CASE("Authorization values are read back into their parts", "[sigv4]") {
  const auto parsed = litellm::detail::sigv4_parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc");
  CHECK(parsed.access_key_id == "AKIDEXAMPLE");
  CHECK(parsed.scope == "20150830/us-east-1/service/aws4_request");
  CHECK(parsed.signed_headers == "host;x-amz-date");
  CHECK(parsed.signature == "abc");
  CHECK(litellm::detail::sigv4_parse_authorization("Bearer x").signature.empty());
}

TEST_CASE("The signer passes every case of AWS's aws-sig-v4-test-suite", "[sigv4][shared-data]") {
  const fs::path root =
      fs::path(litellm::test::shared_data_dir()) / "llm-vectors/sigv4/aws-sig-v4-test-suite";
  const std::vector<fs::path> requests = files_with_extension(root, ".req");
  REQUIRE(requests.size() >= 31);
  for (const fs::path& req : requests) {
    const std::string base = vector_relative(req.parent_path() / req.stem());
    INFO(base);
    const ParsedRequest parsed = parse_request(litellm::test::vector_file(base + ".req"));
    const SigV4Request request = to_sigv4(parsed, /*normalize=*/true);
    const auto canonical = litellm::detail::sigv4_canonical_request(request);
    CHECK(canonical.request == litellm::test::vector_file(base + ".creq"));
    const std::string scope = litellm::detail::sigv4_scope(kDate, "us-east-1", "service");
    const std::string sts = litellm::detail::sigv4_string_to_sign(kDate, scope, canonical.request);
    CHECK(sts == litellm::test::vector_file(base + ".sts"));
    CHECK(litellm::detail::sigv4_sign(request, kAccessKey, kSecret, "us-east-1", "service",
                                      kDate) == litellm::test::vector_file(base + ".authz"));
  }
}

TEST_CASE("The signer passes aws-c-auth's v4 header-signing cases, session tokens included",
          "[sigv4][shared-data]") {
  const fs::path root =
      fs::path(litellm::test::shared_data_dir()) / "llm-vectors/sigv4/aws-c-auth/v4";
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string dir = vector_relative(entry.path()) + "/";
    INFO(dir);
    const nlohmann::json context =
        nlohmann::json::parse(litellm::test::vector_file(dir + "context.json"));
    const std::string secret = context["credentials"]["secret_access_key"];
    const std::string token = context["credentials"].value("token", "");
    ParsedRequest parsed = parse_request(litellm::test::vector_file(dir + "request.txt"));
    parsed.headers.emplace_back("X-Amz-Date", std::string(kDate));
    if (!token.empty() && !context.value("omit_session_token", false)) {
      parsed.headers.emplace_back("X-Amz-Security-Token", token);
    }
    if (context.value("sign_body", false)) {
      parsed.headers.emplace_back("x-amz-content-sha256", litellm::detail::sha256_hex(parsed.body));
    }
    const SigV4Request request = to_sigv4(parsed, context.value("normalize", true));
    const auto canonical = litellm::detail::sigv4_canonical_request(request);
    CHECK(canonical.request == litellm::test::vector_file(dir + "header-canonical-request.txt"));
    const std::string scope = litellm::detail::sigv4_scope(
        kDate, context["region"].get<std::string>(), context["service"].get<std::string>());
    const std::string sts = litellm::detail::sigv4_string_to_sign(kDate, scope, canonical.request);
    CHECK(sts == litellm::test::vector_file(dir + "header-string-to-sign.txt"));
    CHECK(litellm::detail::sigv4_signature(secret, kDate, "us-east-1", "service", sts) ==
          litellm::test::vector_file(dir + "header-signature.txt"));
    ++cases;
  }
  CHECK(cases == 16);
}
