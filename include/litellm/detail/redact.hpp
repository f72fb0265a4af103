// The one redactor of keys: the redacted form a key is shown in (redact_key, to_redacted_string,
// the key ids of logs and snapshots), and the removal of secrets from text (error messages in
// call-inl.hpp, curl's verbose trace in curl_setup-inl.hpp).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <string>
#include <string_view>

#include <vector>

#include "litellm/api_info.hpp"
#include "litellm/http.hpp"

namespace litellm::detail {

/// Secrets shorter than this are not looked for in text: matching them would mangle ordinary
/// words, and no real credential is that short.
constexpr std::size_t kMinRedactedSecret = 4;

/// How a key is shown: its first 3 and last 4 characters ("sk-...abcd"), "***" when shorter than
/// 16 characters (too little would be left hidden), "(none)" when empty.
/// A key made of ':'-separated parts (AWS's "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]")
/// shows only its first part so, followed by ":***": its last characters are a secret's.
inline std::string redacted_form(std::string_view key) {
  if (key.empty()) return "(none)";
  if (const std::size_t colon = key.find(':'); colon != std::string_view::npos) {
    return redacted_form(key.substr(0, colon)) + ":***";
  }
  if (key.size() < 16) return "***";
  std::string out(key.substr(0, 3));
  out += "...";
  out += key.substr(key.size() - 4);
  return out;
}

/// Replaces every occurrence of `secret` in `text` by `replacement` (nothing when `secret` is
/// shorter than kMinRedactedSecret). Allocates only when `text` contains `secret`.
inline void redact_secret(std::string& text, std::string_view secret,
                          std::string_view replacement) {
  if (secret.size() < kMinRedactedSecret) return;
  for (std::size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + replacement.size())) {
    text.replace(pos, secret.size(), replacement);
  }
}

/// `text` with every key of `keys` replaced by its redacted form (a server may echo the key it
/// was sent, or, behind a proxy, another one of the pool).
inline std::string redact_keys(std::string text, const std::vector<ApiInfo>& keys) {
  for (const ApiInfo& key : keys) {
    const std::string& secret = key.api_key;
    if (secret.size() >= kMinRedactedSecret && text.find(secret) != std::string::npos) {
      redact_secret(text, secret, redacted_form(secret));
    }
    // The parts of an AWS key may be echoed alone (the access key id in a signature error,
    // say): each part after the first is a secret.
    for (std::size_t colon = secret.find(':'); colon != std::string::npos;
         colon = secret.find(':', colon + 1)) {
      const std::size_t end = secret.find(':', colon + 1);
      const std::string_view part = std::string_view(secret).substr(
          colon + 1, end == std::string::npos ? std::string::npos : end - colon - 1);
      if (part.size() >= kMinRedactedSecret && text.find(part) != std::string::npos) {
        redact_secret(text, part, "***");
      }
    }
  }
  return text;
}

/// True for the header fields that carry credentials or session state.
inline bool is_secret_header(std::string_view name) noexcept {
  for (const char* secret : {"authorization", "proxy-authorization", "api-key", "x-api-key",
                             "x-goog-api-key", "cookie", "set-cookie", "x-amz-security-token"}) {
    if (iequals(name, secret)) return true;
  }
  return false;
}

/// Replaces in `text` every credential that `headers` (a request's) carry: the whole value of each
/// secret field (is_secret_header) and, for a value of the form "<scheme> <credential>" such as
/// "Bearer <key>", the credential alone.
inline void redact_header_secrets(std::string& text, const Headers& headers,
                                  std::string_view replacement) {
  for (const auto& [name, value] : headers) {
    if (!is_secret_header(name)) continue;
    redact_secret(text, value, replacement);
    const std::size_t space = value.find(' ');
    if (space != std::string::npos) {
      std::string_view credential = std::string_view(value).substr(space + 1);
      while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
      redact_secret(text, credential, replacement);
    }
  }
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
