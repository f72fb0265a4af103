/// @file
/// `ApiInfo`: one API key and where to use it, as in the Python original
/// (`aiflows.backends.api_info.ApiInfo`), with per-provider validation and redacted printing.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "litellm/errors.hpp"

namespace litellm {

/// One API key and where to use it.
///
/// Field names and meanings are those of the Python original, so an aiflows `api_infos` list
/// serialised as JSON loads as is (`from_json`). Printing (`operator<<`, fmt) shows the key
/// redacted, like `sk-...Wxyz`; `to_json` keeps it, because it is serialisation.
struct LITELLM_API ApiInfo {
  /// The backend name: a known one (`openai`, `azure`, `anthropic`, `groq`, `ollama`, ... see
  /// `kKnownProviders`) or any name together with an `api_base` (an OpenAI-compatible server).
  std::string backend_used;
  /// The API version. Required for Azure (e.g. "2024-10-21"); for Anthropic it overrides the
  /// `anthropic-version` header (default "2023-06-01"); unused elsewhere.
  std::optional<std::string> api_version;
  /// The secret key. May be empty for local servers (ollama, vllm, llamacpp, lm_studio, any
  /// unknown backend with an api_base).
  std::string api_key;
  /// The base URL (`https://host/v1` for OpenAI-compatible servers, the resource endpoint for
  /// Azure). Empty: the backend's default.
  std::optional<std::string> api_base;

  /// Checks the fields against what the backend needs and throws `ConfigError` naming the first
  /// wrong field (never showing the key's value):
  /// - `backend_used` is a known backend, or any non-empty name with an `api_base`;
  /// - `api_key` is present where the backend needs one;
  /// - Azure needs `api_base` and `api_version`;
  /// - `api_base`, when present, is an http(s) URL with a host;
  /// - no field contains CR, LF or NUL (they would forge headers).
  void validate() const;

  /// Equality of all four fields.
  friend bool operator==(const ApiInfo& a, const ApiInfo& b) {
    return a.backend_used == b.backend_used && a.api_version == b.api_version &&
           a.api_key == b.api_key && a.api_base == b.api_base;
  }
  /// Inequality of any field.
  friend bool operator!=(const ApiInfo& a, const ApiInfo& b) { return !(a == b); }
};

/// Serialises the four fields under the Python config's names, the key included (this is
/// serialisation, so `from_json(to_json(x)) == x`); absent optionals become null.
/// For logs use `operator<<`, fmt or `to_redacted_string`, which redact the key.
LITELLM_API void to_json(json& j, const ApiInfo& info);
/// Reads the Python config's field names (`backend_used`, `api_version`, `api_key`,
/// `api_base`); missing or null optional fields stay empty; unknown fields (such as aiflows'
/// `_target_`) are ignored. Wrong types throw `ConfigError` naming the field.
/// Does not validate: call `validate()` (the backend does).
LITELLM_API void from_json(const json& j, ApiInfo& info);

/// A printable hint of a secret that does not reveal it: `sk-...Wxyz` (first three and last four
/// characters) for keys of 16 characters or more, `***` for shorter ones, `(none)` when empty.
LITELLM_API std::string redact_key(std::string_view key);

/// One line for logs: `ApiInfo{backend_used=openai, api_key=sk-...Wxyz, api_base=...,
/// api_version=...}` with the key redacted.
LITELLM_API std::string to_redacted_string(const ApiInfo& info);

/// Writes `to_redacted_string(info)`.
LITELLM_API std::ostream& operator<<(std::ostream& os, const ApiInfo& info);

/// A stable identifier of an ApiInfo: distinct for distinct (backend, key, base), the same in
/// every process, and free of key material. Format, documented in key_pool.hpp:
/// `<backend_used>:<redacted key>:<16 hex digits of SHA-256(backend, base, key)>`.
LITELLM_API std::string make_unique_api_info_key(const ApiInfo& info);

/// The ApiInfos described by the usual environment variables, in this order:
/// - OpenAI: `OPENAI_API_KEY`, with `OPENAI_BASE_URL` or `OPENAI_API_BASE` as api_base;
/// - Azure: `AZURE_API_KEY` (or `AZURE_OPENAI_API_KEY`), `AZURE_API_BASE` (or
///   `AZURE_OPENAI_ENDPOINT`), `AZURE_API_VERSION` (or `OPENAI_API_VERSION`);
/// - Anthropic: `ANTHROPIC_API_KEY`, with `ANTHROPIC_BASE_URL` or `ANTHROPIC_API_BASE`;
/// - every other known backend whose `ProviderSpec::key_env` is set (GROQ_API_KEY, ...).
/// A backend whose key variable is unset or empty is skipped. Not validated.
LITELLM_API std::vector<ApiInfo> api_infos_from_env();

/// Loads ApiInfos from a JSON document shaped like the original's configuration: either a list of
/// ApiInfo objects, or an object with an `api_infos` list (other members ignored). In string
/// fields, `${NAME}` and OmegaConf's `${oc.env:NAME}` are replaced by the environment variable
/// NAME (missing: `ConfigError` naming it). Every result is validated.
LITELLM_API std::vector<ApiInfo> api_infos_from_config(const json& config);

namespace detail {
/// The entries of such a document, in order, with `${NAME}` / `${oc.env:NAME}` replaced in their
/// string members (not validated: api_infos_from_config and rate_limits_from_config read them).
LITELLM_API std::vector<json> api_info_entries(const json& config);
}  // namespace detail

}  // namespace litellm

/// Formats an ApiInfo as `to_redacted_string` does: `fmt::format("{}", info)` never shows the key.
template <>
struct fmt::formatter<litellm::ApiInfo> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const litellm::ApiInfo& info, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<std::string_view>::format(litellm::to_redacted_string(info), ctx);
  }
};

#include "litellm/detail/header_end.hpp"
