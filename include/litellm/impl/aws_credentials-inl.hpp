#pragma once

#include "litellm/detail/aws_credentials.hpp"

#include <cstdlib>

#include "litellm/errors.hpp"

namespace litellm::detail {

LITELLM_INLINE AwsAuth parse_aws_key(std::string_view api_key) {
  AwsAuth out;
  if (api_key.find(':') == std::string_view::npos) {
    if (api_key.empty()) throw ConfigError("ApiInfo.api_key is empty, but AWS needs credentials");
    out.bearer_token = std::string(api_key);
    return out;
  }
  std::string* parts[] = {&out.access_key_id, &out.secret_access_key, &out.session_token};
  std::size_t count = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t colon = api_key.find(':', pos);
    const std::string_view part = api_key.substr(pos, colon - pos);
    if (count == 3) {
      throw ConfigError(
          "ApiInfo.api_key has more than three ':'-separated parts; an AWS key is "
          "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]");
    }
    *parts[count++] = std::string(part);
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  static constexpr const char* kNames[] = {"access key id", "secret access key", "session token"};
  for (std::size_t i = 0; i < count; ++i) {
    if (parts[i]->empty()) {
      throw ConfigError(std::string("ApiInfo.api_key has an empty ") + kNames[i] +
                        "; an AWS key is ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]");
    }
  }
  for (const char c : out.access_key_id) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) {
      throw ConfigError(
          "ApiInfo.api_key's access key id (before the first ':') holds a character that is not "
          "a letter or digit; an AWS key is ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]");
    }
  }
  if (count < 2) {
    throw ConfigError(
        "ApiInfo.api_key has no secret access key; an AWS key is "
        "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]");
  }
  return out;
}

LITELLM_INLINE void validate_aws_api_info(const ApiInfo& info) {
  if (!info.api_version || info.api_version->empty()) {
    throw ConfigError("ApiInfo.api_version must be the AWS region for " + info.backend_used +
                      " (for example us-east-1; from the environment: AWS_REGION)");
  }
  for (const char c : *info.api_version) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      throw ConfigError("ApiInfo.api_version '" + *info.api_version +
                        "' is not an AWS region (lower-case letters, digits and '-', such as "
                        "us-east-1)");
    }
  }
  (void)parse_aws_key(info.api_key);
}

LITELLM_INLINE std::string aws_key_from_env() {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id == nullptr || secret == nullptr || *id == '\0' || *secret == '\0') return {};
  std::string key = std::string(id) + ":" + secret;
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  if (token != nullptr && *token != '\0') key += std::string(":") + token;
  return key;
}

}  // namespace litellm::detail
