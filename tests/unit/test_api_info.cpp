#include <sstream>
#include <string>

#include <fmt/format.h>

#include "catch.hpp"
#include "expect_error.hpp"
#include "litellm/api_info.hpp"
#include "scoped_env.hpp"
#include "text.hpp"

using litellm::ApiInfo;
using litellm::ConfigError;
using litellm::json;

using namespace litellm::test;

namespace {

constexpr const char* kSecret = "sk-proj-SECRETSECRETSECRET1234Wxyz";

ApiInfo openai_info() {
  return ApiInfo{"openai", std::nullopt, kSecret, std::nullopt};
}

/// The message of the ConfigError that `info.validate()` throws, or "" when it does not throw.
std::string validation_error(const ApiInfo& info) {
  const auto error = error_of<ConfigError>([&] { info.validate(); });
  return error ? error->what() : "";
}

}  // namespace

TEST_CASE("a complete OpenAI ApiInfo validates") {
  CHECK_NOTHROW(openai_info().validate());
}

TEST_CASE("an empty backend_used is rejected naming the field") {
  ApiInfo info = openai_info();
  info.backend_used = "";
  CHECK(contains(validation_error(info), "backend_used"));
}

TEST_CASE("an unknown backend without api_base is rejected") {
  ApiInfo info = openai_info();
  info.backend_used = "my_server";
  const std::string error = validation_error(info);
  CHECK(contains(error, "backend_used"));
  CHECK(contains(error, "my_server"));
}

TEST_CASE("an unknown backend with an api_base is accepted as OpenAI-compatible, key optional") {
  ApiInfo info{"my_server", std::nullopt, "", std::string("http://10.0.0.5:9000/v1")};
  CHECK_NOTHROW(info.validate());
}

TEST_CASE("a backend that needs a key rejects an empty one naming api_key") {
  for (const char* backend : {"openai", "anthropic", "groq", "gemini"}) {
    ApiInfo info{backend, std::nullopt, "", std::nullopt};
    CHECK(contains(validation_error(info), "api_key"));
  }
}

TEST_CASE("local servers need no key") {
  for (const char* backend : {"ollama", "vllm", "llamacpp", "lm_studio"}) {
    ApiInfo info{backend, std::nullopt, "", std::nullopt};
    CHECK_NOTHROW(info.validate());
  }
}

TEST_CASE("azure needs api_base and api_version") {
  ApiInfo info{"azure", std::string("2024-10-21"), kSecret, std::nullopt};
  CHECK(contains(validation_error(info), "api_base"));
  info.api_base = "https://res.openai.azure.com";
  info.api_version.reset();
  CHECK(contains(validation_error(info), "api_version"));
  info.api_version = "2024-10-21";
  CHECK_NOTHROW(info.validate());
}

TEST_CASE("azure's messages show what the missing api_base and api_version look like") {
  ApiInfo info{"azure", std::string("2024-10-21"), kSecret, std::nullopt};
  CHECK(validation_error(info) ==
        "litellm config error: ApiInfo.api_base is required for azure "
        "(https://<resource>.openai.azure.com)");
  info.api_base = "https://res.openai.azure.com";
  info.api_version = "";
  CHECK(validation_error(info) ==
        "litellm config error: ApiInfo.api_version is required for azure (for example "
        "2024-10-21)");
}

TEST_CASE("api_base must be an http or https URL with a host") {
  ApiInfo info = openai_info();
  for (const char* bad : {"ftp://host/v1", "api.openai.com/v1", "https://", "http:///v1",
                          "https://ho st/v1", "https://:443/v1"}) {
    info.api_base = bad;
    CHECK(contains(validation_error(info), "api_base"));
  }
  for (const char* good :
       {"https://api.openai.com/v1", "HTTP://127.0.0.1:8080", "http://[::1]:80/v1"}) {
    info.api_base = good;
    CHECK_NOTHROW(info.validate());
  }
}

TEST_CASE("an api_base with credentials is rejected without echoing them") {
  ApiInfo info = openai_info();
  info.api_base = "https://user:hunter2pass@example.com/v1";
  const std::string error = validation_error(info);
  CHECK(contains(error, "api_base"));
  CHECK_FALSE(contains(error, "hunter2pass"));
}

TEST_CASE("CR, LF or NUL in any field is rejected naming the field") {
  const std::string bad_values[] = {std::string("a\rb"), std::string("a\nb"),
                                    std::string("a\0b", 3)};
  for (const std::string& bad : bad_values) {
    ApiInfo info{"openai", std::string("v1"), kSecret, std::string("https://api.openai.com/v1")};
    info.api_key = std::string(kSecret) + bad;
    CHECK(contains(validation_error(info), "api_key"));
    info = ApiInfo{"openai", bad, kSecret, std::nullopt};
    CHECK(contains(validation_error(info), "api_version"));
    info = ApiInfo{"openai", std::nullopt, kSecret, "https://x.example/" + bad};
    CHECK(contains(validation_error(info), "api_base"));
    info = ApiInfo{"openai" + bad, std::nullopt, kSecret, std::nullopt};
    CHECK(contains(validation_error(info), "backend_used"));
  }
}

TEST_CASE("validation errors never contain the key") {
  ApiInfo info{"azure", std::nullopt, kSecret, std::string("not a url")};
  CHECK_FALSE(contains(validation_error(info), kSecret));
  info.api_key = std::string(kSecret) + "\n";
  CHECK_FALSE(contains(validation_error(info), "SECRET"));
}

TEST_CASE("redact_key shows only the first three and last four characters of long keys") {
  CHECK(litellm::redact_key(kSecret) == "sk-...Wxyz");
  CHECK(litellm::redact_key("short-key") == "***");
  CHECK(litellm::redact_key("") == "(none)");
}

TEST_CASE("operator<< shows the key redacted") {
  std::ostringstream out;
  out << openai_info();
  CHECK(contains(out.str(), "sk-...Wxyz"));
  CHECK(contains(out.str(), "openai"));
  CHECK_FALSE(contains(out.str(), "SECRET"));
}

TEST_CASE("the fmt formatter shows the key redacted") {
  const std::string text = fmt::format("{}", openai_info());
  CHECK(text == litellm::to_redacted_string(openai_info()));
  CHECK_FALSE(contains(text, "SECRET"));
}

TEST_CASE("ApiInfo equality compares all four fields") {
  ApiInfo a = openai_info();
  ApiInfo b = a;
  CHECK(a == b);
  b.api_base = "https://api.openai.com/v1";
  CHECK(a != b);
  b = a;
  b.api_version = "x";
  CHECK(a != b);
  b = a;
  b.api_key += "z";
  CHECK(a != b);
}

TEST_CASE("to_json and from_json round-trip with the Python field names") {
  ApiInfo info{"azure", std::string("2024-10-21"), kSecret,
               std::string("https://res.openai.azure.com")};
  const json j = info;
  CHECK(j.at("backend_used") == "azure");
  CHECK(j.at("api_version") == "2024-10-21");
  CHECK(j.at("api_key") == kSecret);
  CHECK(j.at("api_base") == "https://res.openai.azure.com");
  CHECK(j.get<ApiInfo>() == info);
  const json absent = openai_info();
  CHECK(absent.at("api_base").is_null());
  CHECK(absent.get<ApiInfo>() == openai_info());
}

TEST_CASE("an aiflows api_infos list in JSON loads as is") {
  const json config = json::parse(R"([
    {"_target_": "aiflows.backends.api_info.ApiInfo", "backend_used": "openai",
     "api_key": "sk-aaaaaaaaaaaaaaaaaaaaaaaa"},
    {"backend_used": "azure", "api_version": "2023-05-15", "api_key": "azkey-bbbbbbbbbbbbbbbb",
     "api_base": "https://example.openai.azure.com/"}
  ])");
  const auto infos = config.get<std::vector<ApiInfo>>();
  REQUIRE(infos.size() == 2);
  CHECK(infos[0].backend_used == "openai");
  CHECK_FALSE(infos[0].api_base.has_value());
  CHECK(infos[1].api_version == std::optional<std::string>("2023-05-15"));
}

TEST_CASE("from_json rejects a wrong type naming the field") {
  try {
    json{{"backend_used", "openai"}, {"api_key", 42}}.get<ApiInfo>();
    FAIL("no exception");
  } catch (const ConfigError& e) {
    CHECK(contains(e.what(), "api_key"));
  }
  CHECK_THROWS_AS(json::array().get<ApiInfo>(), ConfigError);
}

TEST_CASE("api_infos_from_config reads a list under api_infos and validates it") {
  const json config = json::parse(R"({"name": "flow", "api_infos": [
      {"backend_used": "openai", "api_key": "sk-cccccccccccccccccccc"}]})");
  const auto infos = litellm::api_infos_from_config(config);
  REQUIRE(infos.size() == 1);
  CHECK(infos[0].api_key == "sk-cccccccccccccccccccc");
  const json invalid = json::parse(R"([{"backend_used": "azure", "api_key": "k"}])");
  try {
    litellm::api_infos_from_config(invalid);
    FAIL("no exception");
  } catch (const ConfigError& e) {
    CHECK(contains(e.what(), "api_infos[0]"));
    CHECK(contains(e.what(), "api_base"));
  }
}

TEST_CASE("api_infos_from_config substitutes ${oc.env:NAME} and ${NAME}") {
  ScopedEnv key("LITELLM_TEST_KEY", "sk-from-env-dddddddddddd");
  ScopedEnv unset("LITELLM_TEST_UNSET", nullptr);
  const json config = json::parse(R"([
      {"backend_used": "openai", "api_key": "${oc.env:LITELLM_TEST_KEY}"},
      {"backend_used": "openai", "api_key": "${LITELLM_TEST_KEY}"},
      {"backend_used": "openai", "api_key": "${oc.env:LITELLM_TEST_UNSET,sk-default-eeeeeeeeee}"}])");
  const auto infos = litellm::api_infos_from_config(config);
  REQUIRE(infos.size() == 3);
  CHECK(infos[0].api_key == "sk-from-env-dddddddddddd");
  CHECK(infos[1].api_key == "sk-from-env-dddddddddddd");
  CHECK(infos[2].api_key == "sk-default-eeeeeeeeee");
  const json missing =
      json::parse(R"([{"backend_used": "openai", "api_key": "${LITELLM_TEST_UNSET}"}])");
  CHECK_THROWS_WITH(litellm::api_infos_from_config(missing), Catch::Contains("LITELLM_TEST_UNSET"));
}

TEST_CASE("api_infos_from_env reads the usual variables") {
  ScopedEnv openai("OPENAI_API_KEY", "sk-openai-ffffffffffffffff");
  ScopedEnv openai_base("OPENAI_BASE_URL", nullptr);
  ScopedEnv openai_base2("OPENAI_API_BASE", nullptr);
  ScopedEnv azure("AZURE_API_KEY", "azure-key-gggggggggggg");
  ScopedEnv azure_base("AZURE_API_BASE", "https://res.openai.azure.com");
  ScopedEnv azure_version("AZURE_API_VERSION", "2024-10-21");
  ScopedEnv anthropic("ANTHROPIC_API_KEY", "");
  ScopedEnv groq("GROQ_API_KEY", "gsk-hhhhhhhhhhhhhhhh");
  const auto infos = litellm::api_infos_from_env();
  auto find = [&](const std::string& backend) -> const ApiInfo* {
    for (const auto& info : infos) {
      if (info.backend_used == backend) return &info;
    }
    return nullptr;
  };
  REQUIRE(find("openai") != nullptr);
  CHECK(find("openai")->api_key == "sk-openai-ffffffffffffffff");
  CHECK_FALSE(find("openai")->api_base.has_value());
  REQUIRE(find("azure") != nullptr);
  CHECK(find("azure")->api_base == std::optional<std::string>("https://res.openai.azure.com"));
  CHECK(find("azure")->api_version == std::optional<std::string>("2024-10-21"));
  CHECK_NOTHROW(find("azure")->validate());
  CHECK(find("anthropic") == nullptr);
  REQUIRE(find("groq") != nullptr);
}

TEST_CASE("api_infos_from_env reads the alternative names, in the registry's order") {
  ScopedEnv openai("OPENAI_API_KEY", "sk-openai-ffffffffffffffff");
  ScopedEnv openai_base("OPENAI_BASE_URL", nullptr);
  ScopedEnv openai_base2("OPENAI_API_BASE", "https://proxy.test/v1");
  ScopedEnv azure("AZURE_API_KEY", nullptr);
  ScopedEnv azure_alias("AZURE_OPENAI_API_KEY", "azure-key-gggggggggggg");
  ScopedEnv azure_base("AZURE_API_BASE", nullptr);
  ScopedEnv azure_endpoint("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com");
  ScopedEnv azure_version("AZURE_API_VERSION", nullptr);
  ScopedEnv openai_version("OPENAI_API_VERSION", "2024-10-21");
  ScopedEnv anthropic("ANTHROPIC_API_KEY", "sk-ant-iiiiiiiiiiiiiiii");
  ScopedEnv anthropic_base("ANTHROPIC_BASE_URL", nullptr);
  ScopedEnv anthropic_base2("ANTHROPIC_API_BASE", nullptr);
  ScopedEnv groq("GROQ_API_KEY", "gsk-hhhhhhhhhhhhhhhh");
  const auto infos = litellm::api_infos_from_env();
  REQUIRE(infos.size() >= 4);
  CHECK(infos[0].backend_used == "openai");
  CHECK(infos[0].api_base == std::optional<std::string>("https://proxy.test/v1"));
  CHECK_FALSE(infos[0].api_version.has_value());
  CHECK(infos[1].backend_used == "azure");
  CHECK(infos[1].api_key == "azure-key-gggggggggggg");
  CHECK(infos[1].api_base == std::optional<std::string>("https://res.openai.azure.com"));
  CHECK(infos[1].api_version == std::optional<std::string>("2024-10-21"));
  CHECK(infos[2].backend_used == "anthropic");
  CHECK_FALSE(infos[2].api_base.has_value());
  CHECK(infos[3].backend_used == "groq");
  CHECK_FALSE(infos[3].api_base.has_value());
  CHECK_FALSE(infos[3].api_version.has_value());
}
