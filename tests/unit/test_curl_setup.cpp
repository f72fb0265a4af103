// How the libcurl transport prepares requests: header lists (validated, cached, an empty Expect
// only where curl would otherwise wait for 100-continue) and the proxy environment check.
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "litellm/detail/curl_common.hpp"
#include "scoped_env.hpp"

using litellm::Headers;
using litellm::HttpRequest;
using litellm::detail::build_header_list;
using litellm::detail::CurlSlist;
using litellm::detail::header_list_for;
using litellm::detail::HeaderListCache;
using litellm::detail::kExpectThreshold;
using litellm::detail::no_proxy_in_environment;
using litellm::test::ScopedEnv;

namespace {

std::vector<std::string> lines(const CurlSlist& list) {
  std::vector<std::string> out;
  for (const curl_slist* item = list.get(); item != nullptr; item = item->next) {
    out.emplace_back(item->data);
  }
  return out;
}

Headers json_headers() {
  return Headers{{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-test"}};
}

const char* const kProxyVariables[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};

}  // namespace

TEST_CASE("a header list holds every field as a 'name: value' line") {
  CHECK(
      lines(build_header_list(json_headers(), false)) ==
      std::vector<std::string>{"Content-Type: application/json", "Authorization: Bearer sk-test"});
}

TEST_CASE("a header list for a large body ends with an empty Expect header") {
  const auto built = lines(build_header_list(json_headers(), true));
  REQUIRE(built.size() == 3);
  CHECK(built.back() == "Expect:");
}

TEST_CASE("a request's own Expect header is kept and not doubled") {
  Headers headers = json_headers();
  headers.add("Expect", "100-continue");
  const auto built = lines(build_header_list(headers, true));
  CHECK(built == std::vector<std::string>{"Content-Type: application/json",
                                          "Authorization: Bearer sk-test", "Expect: 100-continue"});
}

TEST_CASE("a header with a line break is refused before anything is sent") {
  Headers headers = json_headers();
  headers.add("X-Note", "a\r\nInjected: yes");
  CHECK_THROWS_AS(build_header_list(headers, false), litellm::ConfigError);
}

TEST_CASE("only a body above the threshold gets the empty Expect header") {
  HeaderListCache cache;
  HttpRequest request;
  request.headers = json_headers();
  request.body.assign(kExpectThreshold, 'x');
  CHECK(lines(*header_list_for(cache, request)).size() == 2);
  request.body.push_back('x');
  CHECK(lines(*header_list_for(cache, request)).back() == "Expect:");
}

TEST_CASE("the header list cache returns the same list for the same headers") {
  HeaderListCache cache;
  const auto first = cache.get(json_headers(), false);
  CHECK(cache.get(json_headers(), false) == first);
  CHECK(cache.get(json_headers(), true) != first);
  Headers other = json_headers();
  other.set("Authorization", "Bearer sk-other");
  CHECK(cache.get(other, false) != first);
  CHECK(cache.size() == 3);
}

TEST_CASE("the header list cache drops its oldest list when full") {
  HeaderListCache cache(2);
  Headers a{{"A", "1"}};
  Headers b{{"B", "1"}};
  Headers c{{"C", "1"}};
  const auto first = cache.get(a, false);
  cache.get(b, false);
  cache.get(c, false);
  CHECK(cache.size() == 2);
  CHECK(cache.get(a, false) != first);                       // built again
  CHECK(lines(*first) == std::vector<std::string>{"A: 1"});  // still valid for its holders
}

TEST_CASE("the proxy environment check sees every variable curl reads") {
  std::vector<std::unique_ptr<ScopedEnv>> cleared;
  for (const char* name : kProxyVariables)
    cleared.push_back(std::make_unique<ScopedEnv>(name, nullptr));
  CHECK(no_proxy_in_environment());
  for (const char* name : kProxyVariables) {
    INFO(name);
    ScopedEnv set(name, "http://127.0.0.1:3128");
    CHECK_FALSE(no_proxy_in_environment());
  }
  ScopedEnv empty("https_proxy", "");
  CHECK(no_proxy_in_environment());  // an empty variable is no proxy, for curl too
}
