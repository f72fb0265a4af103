// AWS Signature Version 4 (header signing), self-contained: the Bedrock adapter signs its
// requests with it and the provider simulator, which includes only this header, sha256.hpp and
// digest.hpp (it links no litellm code), verifies them with it. Tested against AWS's published
// aws-sig-v4-test-suite and aws-c-auth's v4 suite (tests/unit/test_sigv4.cpp).
//
// Scope: what a client that signs JSON POSTs needs. Presigned URLs (query signing), chunked
// payload signing (aws-chunked), SigV4a and S3's unnormalized single-encoded paths are left out.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "litellm/detail/sha256.hpp"

namespace litellm::detail {

/// HMAC-SHA256 (RFC 2104) of `data` under `key`.
inline std::array<std::uint8_t, 32> hmac_sha256(std::string_view key, std::string_view data) {
  std::array<std::uint8_t, 32> hashed_key{};
  std::string_view k = key;
  if (k.size() > 64) {
    hashed_key = sha256(key);
    k = std::string_view(reinterpret_cast<const char*>(hashed_key.data()), hashed_key.size());
  }
  std::string inner(64, '\x36');
  std::string outer(64, '\x5c');
  for (std::size_t i = 0; i < k.size(); ++i) {
    inner[i] = static_cast<char>(inner[i] ^ k[i]);
    outer[i] = static_cast<char>(outer[i] ^ k[i]);
  }
  inner.append(data);
  const std::array<std::uint8_t, 32> inner_digest = sha256(inner);
  outer.append(reinterpret_cast<const char*>(inner_digest.data()), inner_digest.size());
  return sha256(outer);
}

/// The digest's bytes as a string_view (an HMAC key for the next step of the key derivation).
inline std::string_view sigv4_bytes(const std::array<std::uint8_t, 32>& digest) noexcept {
  return std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size());
}

/// Lower-case hex SHA-256 of `data` (the payload hash of the canonical request).
inline std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

/// True for RFC 3986's unreserved characters, which SigV4 never percent-encodes.
constexpr bool sigv4_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

/// `text` percent-encoded as SigV4 wants it: every byte but the unreserved ones (and '/' when
/// `keep_slash`) as %XX with upper-case hex.
inline std::string sigv4_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (sigv4_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

/// `text` with its %XX escapes decoded (an invalid escape stays as it is; '+' stays '+').
inline std::string sigv4_decode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

/// The canonical URI of a path exactly as it is sent (already percent-encoded, as in a URL):
/// with `normalize`, the dot segments removed and empty segments collapsed (RFC 3986 5.2.4,
/// as every AWS service but S3 wants), then every byte percent-encoded again. So a model id
/// "a:b" sent as "/model/a%3Ab" signs as "/model/a%253Ab", as AWS's SDKs sign it.
inline std::string sigv4_canonical_uri(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  if (!normalize) return sigv4_encode(path, /*keep_slash=*/true);
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(pos, slash - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    pos = slash + 1;
  }
  std::string out;
  for (const std::string_view segment : segments) {
    out.push_back('/');
    out += sigv4_encode(segment, /*keep_slash=*/false);
  }
  // A path that ends in a directory keeps its trailing slash ("/a/", "/a/.", "/a/..").
  const std::string_view last = path.substr(path.rfind('/') + 1);
  if (out.empty() || last.empty() || last == "." || last == "..") out.push_back('/');
  return out;
}

/// The canonical query string: every `name=value` pair decoded and re-encoded, sorted by name
/// and then value, joined with '&' (a pair without '=' has an empty value).
inline std::string sigv4_canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t pos = 0;
  while (pos < query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(pos, amp - pos);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      pairs.emplace_back(sigv4_encode(sigv4_decode(name), false),
                         sigv4_encode(sigv4_decode(value), false));
    }
    pos = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

/// A header value as SigV4 canonicalizes it: leading and trailing white space removed, runs of
/// spaces inside collapsed to one.
inline std::string sigv4_trim_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

/// One HTTP request as SigV4 sees it.
struct SigV4Request {
  std::string_view method;  ///< "POST".
  std::string_view path;    ///< The path as sent (percent-encoded), without the query.
  std::string_view query;   ///< The query as sent, without '?'.
  /// The header fields to sign (names in any case; a repeated name has each value). Must hold
  /// `host` and `x-amz-date` (and `x-amz-security-token` when a session token signs).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_hash;    ///< Lower-case hex SHA-256 of the body (sha256_hex).
  bool normalize_path = true;  ///< Every service but S3.
};

/// The canonical request and the `SignedHeaders` list of a request.
struct SigV4Canonical {
  std::string request;         ///< The canonical request text.
  std::string signed_headers;  ///< "host;x-amz-date".
};

/// Builds the canonical request: method, canonical URI, canonical query, the headers lower-cased,
/// sorted and joined (a repeated name's values with ','), the signed-header list, the payload
/// hash; LF between them.
inline SigV4Canonical sigv4_canonical_request(const SigV4Request& request) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lower(name);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    std::string trimmed = sigv4_trim_value(value);
    auto same = std::find_if(headers.begin(), headers.end(),
                             [&](const auto& field) { return field.first == lower; });
    if (same != headers.end()) {
      same->second += ',';
      same->second += trimmed;
    } else {
      headers.emplace_back(std::move(lower), std::move(trimmed));
    }
  }
  std::sort(headers.begin(), headers.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  SigV4Canonical out;
  std::string& text = out.request;
  text.append(request.method);
  text += '\n';
  text += sigv4_canonical_uri(request.path, request.normalize_path);
  text += '\n';
  text += sigv4_canonical_query(request.query);
  text += '\n';
  for (const auto& [name, value] : headers) {
    text += name;
    text += ':';
    text += value;
    text += '\n';
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  text += '\n';
  text += out.signed_headers;
  text += '\n';
  text += request.payload_hash;
  return out;
}

/// The credential scope: "20150830/us-east-1/service/aws4_request" (`amz_date`'s first 8
/// characters are the date).
inline std::string sigv4_scope(std::string_view amz_date, std::string_view region,
                               std::string_view service) {
  std::string out(amz_date.substr(0, 8));
  out += '/';
  out.append(region);
  out += '/';
  out.append(service);
  out += "/aws4_request";
  return out;
}

/// The string to sign of a canonical request.
inline std::string sigv4_string_to_sign(std::string_view amz_date, std::string_view scope,
                                        std::string_view canonical_request) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out.append(amz_date);
  out += '\n';
  out.append(scope);
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

/// The hex signature: HMAC of the string to sign under the key derived from the secret, the
/// date, the region and the service.
inline std::string sigv4_signature(std::string_view secret_access_key, std::string_view amz_date,
                                   std::string_view region, std::string_view service,
                                   std::string_view string_to_sign) {
  const auto k_date = hmac_sha256("AWS4" + std::string(secret_access_key), amz_date.substr(0, 8));
  const auto k_region = hmac_sha256(sigv4_bytes(k_date), region);
  const auto k_service = hmac_sha256(sigv4_bytes(k_region), service);
  const auto k_signing = hmac_sha256(sigv4_bytes(k_service), "aws4_request");
  return to_hex(hmac_sha256(sigv4_bytes(k_signing), string_to_sign));
}

/// The `Authorization` header value.
inline std::string sigv4_authorization(std::string_view access_key_id, std::string_view scope,
                                       std::string_view signed_headers,
                                       std::string_view signature) {
  std::string out = "AWS4-HMAC-SHA256 Credential=";
  out.append(access_key_id);
  out += '/';
  out.append(scope);
  out += ", SignedHeaders=";
  out.append(signed_headers);
  out += ", Signature=";
  out.append(signature);
  return out;
}

/// The whole signing of `request` at `amz_date` ("20150830T123600Z"): its `Authorization` value.
inline std::string sigv4_sign(const SigV4Request& request, std::string_view access_key_id,
                              std::string_view secret_access_key, std::string_view region,
                              std::string_view service, std::string_view amz_date) {
  const SigV4Canonical canonical = sigv4_canonical_request(request);
  const std::string scope = sigv4_scope(amz_date, region, service);
  const std::string to_sign = sigv4_string_to_sign(amz_date, scope, canonical.request);
  return sigv4_authorization(
      access_key_id, scope, canonical.signed_headers,
      sigv4_signature(secret_access_key, amz_date, region, service, to_sign));
}

/// The `X-Amz-Date` form of a Unix time: "20150830T123600Z" (UTC).
inline std::string sigv4_amz_date(std::time_t unix_seconds) {
  std::tm utc{};
#ifdef _WIN32
  gmtime_s(&utc, &unix_seconds);
#else
  gmtime_r(&unix_seconds, &utc);
#endif
  char buffer[20];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return std::string(buffer, n);
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
/// Signature=...` value (empty strings when it is not one).
struct SigV4Authorization {
  std::string access_key_id;   ///< Before the first '/' of Credential.
  std::string scope;           ///< The rest of Credential: date/region/service/aws4_request.
  std::string signed_headers;  ///< "host;x-amz-date".
  std::string signature;       ///< Hex.
};

/// Reads an `Authorization` value (the simulator's verification; AWS rejects what this rejects).
inline SigV4Authorization sigv4_parse_authorization(std::string_view value) {
  SigV4Authorization out;
  constexpr std::string_view kScheme = "AWS4-HMAC-SHA256 ";
  if (value.substr(0, kScheme.size()) != kScheme) return out;
  value.remove_prefix(kScheme.size());
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view part = value.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const std::size_t eq = part.find('=');
    if (eq != std::string_view::npos) {
      const std::string_view name = part.substr(0, eq);
      const std::string_view field = part.substr(eq + 1);
      if (name == "Credential") {
        const std::size_t slash = field.find('/');
        if (slash != std::string_view::npos) {
          out.access_key_id = std::string(field.substr(0, slash));
          out.scope = std::string(field.substr(slash + 1));
        }
      } else if (name == "SignedHeaders") {
        out.signed_headers = std::string(field);
      } else if (name == "Signature") {
        out.signature = std::string(field);
      }
    }
    value.remove_prefix(std::min(value.size(), comma + 1));
  }
  return out;
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
