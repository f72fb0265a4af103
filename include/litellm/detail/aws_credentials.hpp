// AWS credentials as an ApiInfo carries them (backends whose spec says `aws_credentials`):
// the key "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]" or a Bedrock API key (no ':'),
// the region in api_version. Read, checked and taken from the environment here.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <string>
#include <string_view>

#include "litellm/api_info.hpp"

namespace litellm::detail {

/// The credentials of one AWS key.
struct AwsAuth {
  std::string bearer_token;       ///< A Bedrock API key (sent as Bearer); empty for SigV4 keys.
  std::string access_key_id;      ///< SigV4: the access key id.
  std::string secret_access_key;  ///< SigV4: the secret (never printed).
  std::string session_token;      ///< SigV4: the session token of temporary credentials, or "".

  /// True for a Bedrock API key, false for SigV4 credentials.
  bool is_bearer() const noexcept { return !bearer_token.empty(); }
};

/// Reads an AWS key: without ':' a Bedrock API key, else "ACCESS_KEY_ID:SECRET_ACCESS_KEY" with
/// an optional ":SESSION_TOKEN".
/// @throws ConfigError naming what is wrong (an empty part, too many parts, an access key id
/// that is not letters and digits), never the key's value.
AwsAuth parse_aws_key(std::string_view api_key);

/// Checks an ApiInfo of an AWS backend: the region (api_version: required, lower-case letters,
/// digits and '-') and the key (parse_aws_key). @throws ConfigError.
void validate_aws_api_info(const ApiInfo& info);

/// The key that AWS's environment variables give: AWS_ACCESS_KEY_ID:AWS_SECRET_ACCESS_KEY
/// (+ ":" AWS_SESSION_TOKEN when set), or "" when either of the first two is unset.
std::string aws_key_from_env();

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
