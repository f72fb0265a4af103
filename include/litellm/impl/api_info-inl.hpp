#pragma once

#include "litellm/api_info.hpp"

#include <cstdlib>
#include <sstream>

#include "litellm/detail/aws_credentials.hpp"
#include "litellm/detail/redact.hpp"
#include "litellm/detail/sha256.hpp"
#include "litellm/providers/registry.hpp"

namespace litellm {
namespace detail {

LITELLM_INLINE bool has_forbidden_char(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

LITELLM_INLINE void check_no_control(std::string_view field, std::string_view value) {
  if (has_forbidden_char(value)) {
    throw ConfigError("ApiInfo." + std::string(field) +
                      " contains CR, LF or NUL, which would forge HTTP headers");
  }
}

LITELLM_INLINE bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

/// Throws unless `url` is http(s)://host[...] without whitespace or control characters.
LITELLM_INLINE void check_url(std::string_view field, std::string_view url) {
  std::size_t scheme_len = 0;
  if (starts_with_ci(url, "https://")) {
    scheme_len = 8;
  } else if (starts_with_ci(url, "http://")) {
    scheme_len = 7;
  } else {
    throw ConfigError("ApiInfo." + std::string(field) +
                      " must be an http:// or https:// URL, got '" + std::string(url) + "'");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      throw ConfigError("ApiInfo." + std::string(field) +
                        " contains whitespace or a control character");
    }
  }
  const std::string_view rest = url.substr(scheme_len);
  const std::size_t host_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, host_end);
  const std::size_t at = authority.rfind('@');
  const std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (host.empty() || host.front() == ':') {
    throw ConfigError("ApiInfo." + std::string(field) + " has no host: '" + std::string(url) + "'");
  }
  if (at != std::string_view::npos) {
    throw ConfigError("ApiInfo." + std::string(field) +
                      " must not carry credentials (user:password@); put the key in api_key");
  }
}

LITELLM_INLINE std::optional<std::string> read_optional_string(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw ConfigError(std::string("ApiInfo.") + field + " must be a string or null, got " +
                      it->type_name());
  }
  return it->get<std::string>();
}

LITELLM_INLINE std::string getenv_string(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

/// The value of the first of `names` (empty ones skipped) that is set and not empty.
LITELLM_INLINE std::string first_env(std::initializer_list<std::string_view> names) {
  for (const std::string_view name : names) {
    if (name.empty()) continue;
    std::string value = getenv_string(std::string(name).c_str());
    if (!value.empty()) return value;
  }
  return {};
}

/// first_env over a spec's pair of variables, nullopt when none is set.
LITELLM_INLINE std::optional<std::string> optional_env(
    const std::array<std::string_view, 2>& names) {
  std::string value = first_env({names[0], names[1]});
  if (value.empty()) return std::nullopt;
  return value;
}

/// Replaces `${NAME}`, `${oc.env:NAME}` and `${oc.env:NAME,default}` with environment values.
LITELLM_INLINE std::string interpolate_env(const std::string& text, std::string_view field) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = text.find("${", pos);
    if (open == std::string::npos) break;
    const std::size_t close = text.find('}', open + 2);
    if (close == std::string::npos) break;
    out.append(text, pos, open - pos);
    std::string expr = text.substr(open + 2, close - open - 2);
    if (expr.rfind("oc.env:", 0) == 0) expr = expr.substr(7);
    std::optional<std::string> fallback;
    if (const std::size_t comma = expr.find(','); comma != std::string::npos) {
      fallback = expr.substr(comma + 1);
      expr.resize(comma);
    }
    const char* value = std::getenv(expr.c_str());
    if (value != nullptr) {
      out += value;
    } else if (fallback) {
      out += *fallback;
    } else {
      throw ConfigError("ApiInfo." + std::string(field) + " refers to the environment variable " +
                        expr + ", which is not set");
    }
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

LITELLM_INLINE std::string trim_trailing_slashes(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace detail

LITELLM_INLINE void ApiInfo::validate() const {
  detail::check_no_control("backend_used", backend_used);
  detail::check_no_control("api_key", api_key);
  if (api_version) detail::check_no_control("api_version", *api_version);
  if (api_base) detail::check_no_control("api_base", *api_base);

  if (backend_used.empty()) {
    throw ConfigError(
        "ApiInfo.backend_used is empty; name a backend such as openai, azure, "
        "anthropic, or any name together with an api_base");
  }
  const ProviderSpec* spec = find_provider(backend_used);
  const bool has_base = api_base && !api_base->empty();
  if (spec == nullptr && !has_base) {
    throw ConfigError("ApiInfo.backend_used '" + backend_used +
                      "' is not a known backend; give an api_base to use it as an "
                      "OpenAI-compatible server");
  }
  if (spec != nullptr && spec->aws_credentials) detail::validate_aws_api_info(*this);
  if (spec != nullptr && spec->requires_key && api_key.empty()) {
    throw ConfigError("ApiInfo.api_key is empty, but backend '" + backend_used + "' needs one" +
                      (spec->key_env.empty() ? std::string()
                                             : " (usually in " + std::string(spec->key_env) + ")"));
  }
  if (spec != nullptr && spec->default_api_base.empty() && !has_base) {
    throw ConfigError("ApiInfo.api_base is required for " + backend_used +
                      (spec->api_base_example.empty()
                           ? std::string()
                           : " (" + std::string(spec->api_base_example) + ")"));
  }
  if (spec != nullptr && !spec->required_api_version_example.empty() &&
      (!api_version || api_version->empty())) {
    throw ConfigError("ApiInfo.api_version is required for " + backend_used + " (for example " +
                      std::string(spec->required_api_version_example) + ")");
  }
  if (api_base && !api_base->empty()) detail::check_url("api_base", *api_base);
}

LITELLM_INLINE void to_json(json& j, const ApiInfo& info) {
  j = json{{"backend_used", info.backend_used},
           {"api_version", info.api_version ? json(*info.api_version) : json(nullptr)},
           {"api_key", info.api_key},
           {"api_base", info.api_base ? json(*info.api_base) : json(nullptr)}};
}

LITELLM_INLINE void from_json(const json& j, ApiInfo& info) {
  if (!j.is_object()) {
    throw ConfigError(std::string("an ApiInfo must be a JSON object, got ") + j.type_name());
  }
  ApiInfo out;
  out.backend_used = detail::read_optional_string(j, "backend_used").value_or("");
  out.api_version = detail::read_optional_string(j, "api_version");
  out.api_key = detail::read_optional_string(j, "api_key").value_or("");
  out.api_base = detail::read_optional_string(j, "api_base");
  info = std::move(out);
}

LITELLM_INLINE std::string redact_key(std::string_view key) {
  return detail::redacted_form(key);
}

LITELLM_INLINE std::string to_redacted_string(const ApiInfo& info) {
  std::string out = "ApiInfo{backend_used=" + info.backend_used;
  out += ", api_key=" + redact_key(info.api_key);
  if (info.api_base) out += ", api_base=" + *info.api_base;
  if (info.api_version) out += ", api_version=" + *info.api_version;
  out += "}";
  return out;
}

LITELLM_INLINE std::ostream& operator<<(std::ostream& os, const ApiInfo& info) {
  return os << to_redacted_string(info);
}

LITELLM_INLINE std::string make_unique_api_info_key(const ApiInfo& info) {
  // The effective base, so an explicit default base and an absent one name the same key.
  std::string base;
  if (info.api_base && !info.api_base->empty()) {
    base = detail::trim_trailing_slashes(*info.api_base);
  } else if (const ProviderSpec* spec = find_provider(info.backend_used)) {
    base = detail::trim_trailing_slashes(spec->default_api_base);
  }
  // Length-prefixed fields: no two distinct triples hash the same input.
  std::string material;
  for (const std::string* field :
       {&info.backend_used, static_cast<const std::string*>(&base), &info.api_key}) {
    material += std::to_string(field->size());
    material += ':';
    material += *field;
  }
  return info.backend_used + ":" + redact_key(info.api_key) + ":" +
         detail::to_hex(detail::sha256(material), 8);
}

LITELLM_INLINE std::vector<ApiInfo> api_infos_from_env() {
  std::vector<ApiInfo> out;
  for (const ProviderSpec& spec : kKnownProviders) {
    std::string key = detail::first_env({spec.key_env, spec.key_env_alias});
    if (key.empty() && spec.aws_credentials) key = detail::aws_key_from_env();
    if (!key.empty()) {
      out.push_back({std::string(spec.name), detail::optional_env(spec.api_version_env), key,
                     detail::optional_env(spec.api_base_env)});
    }
  }
  return out;
}

namespace detail {

LITELLM_INLINE std::vector<json> api_info_entries(const json& config) {
  const json* list = &config;
  if (config.is_object()) {
    const auto it = config.find("api_infos");
    if (it == config.end()) {
      throw ConfigError("the configuration object has no 'api_infos' list");
    }
    list = &*it;
  }
  if (!list->is_array()) {
    throw ConfigError(std::string("'api_infos' must be a list of ApiInfo objects, got ") +
                      list->type_name());
  }
  std::vector<json> out;
  out.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    json resolved = (*list)[i];
    if (resolved.is_object()) {
      for (auto& [name, value] : resolved.items()) {
        if (!value.is_string()) continue;
        try {
          value = interpolate_env(value.get<std::string>(), name);
        } catch (const ConfigError& e) {
          throw ConfigError("api_infos[" + std::to_string(i) + "]: " + e.message());
        }
      }
    }
    out.push_back(std::move(resolved));
  }
  return out;
}

}  // namespace detail

LITELLM_INLINE std::vector<ApiInfo> api_infos_from_config(const json& config) {
  const std::vector<json> entries = detail::api_info_entries(config);
  std::vector<ApiInfo> out;
  out.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    try {
      ApiInfo info = entries[i].get<ApiInfo>();
      info.validate();
      out.push_back(std::move(info));
    } catch (const ConfigError& e) {
      throw ConfigError("api_infos[" + std::to_string(i) + "]: " + e.message());
    }
  }
  return out;
}

}  // namespace litellm
