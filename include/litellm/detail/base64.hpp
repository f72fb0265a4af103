// Base64 decoding for embeddings answered with encoding_format=base64.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace litellm::detail {

/// Four tables, one per position in a 4-character group, holding each character's 6 bits
/// already shifted into place; invalid characters have bit 24 set, which no valid group has.
struct Base64Tables {
  std::array<std::uint32_t, 256> shifted[4];
  constexpr Base64Tables() : shifted{} {
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (auto& table : shifted) {
      for (auto& v : table) v = 1u << 24;
    }
    for (std::uint32_t i = 0; i < 64; ++i) {
      const auto c = static_cast<unsigned char>(alphabet[i]);
      shifted[0][c] = i << 18;
      shifted[1][c] = i << 12;
      shifted[2][c] = i << 6;
      shifted[3][c] = i;
    }
  }
};
inline constexpr Base64Tables kBase64Tables{};
inline constexpr std::uint32_t kBase64Invalid = 1u << 24;

/// The number of bytes `text` decodes to (after stripping '=' padding), or -1 when its length is
/// impossible for base64.
inline long base64_decoded_size(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return -1;
  return static_cast<long>(text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1));
}

/// Decodes standard base64 (RFC 4648, padding optional, no whitespace) into `out`, which must
/// hold `base64_decoded_size(text)` bytes. False on any invalid character or length.
inline bool base64_decode_into(std::string_view text, unsigned char* out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  const auto& t = kBase64Tables.shifted;
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t whole = text.size() / 4 * 4;
  std::uint32_t invalid = 0;
  std::size_t i = 0;
  for (; i < whole; i += 4) {
    const std::uint32_t v = t[0][in[i]] | t[1][in[i + 1]] | t[2][in[i + 2]] | t[3][in[i + 3]];
    invalid |= v;
    out[0] = static_cast<unsigned char>(v >> 16);
    out[1] = static_cast<unsigned char>(v >> 8);
    out[2] = static_cast<unsigned char>(v);
    out += 3;
  }
  const std::size_t rest = text.size() - whole;
  if (rest >= 2) {
    const std::uint32_t v =
        t[0][in[i]] | t[1][in[i + 1]] | (rest == 3 ? t[2][in[i + 2]] : std::uint32_t{0});
    invalid |= v;
    *out++ = static_cast<unsigned char>(v >> 16);
    if (rest == 3) *out++ = static_cast<unsigned char>(v >> 8);
  }
  return (invalid & kBase64Invalid) == 0;
}

/// Decodes standard base64 into `out`, replacing its contents. False on any invalid character or
/// length.
inline bool base64_decode(std::string_view text, std::string& out) {
  const long size = base64_decoded_size(text);
  if (size < 0) return false;
  out.resize(static_cast<std::size_t>(size));
  return base64_decode_into(text, reinterpret_cast<unsigned char*>(out.data()));
}

/// Little-endian float32 values from raw bytes (a trailing partial value is ignored).
inline void floats_from_le_bytes(std::string_view bytes, std::vector<float>& out) {
  out.resize(bytes.size() / 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
#else
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + i * 4);
    const std::uint32_t bits = std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) |
                               (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
    std::memcpy(&out[i], &bits, sizeof(float));
  }
#endif
}

/// Decodes base64 little-endian float32 data straight into `out` (no intermediate buffer on
/// little-endian hosts). False when it is not valid base64 or not a whole number of floats.
inline bool base64_floats(std::string_view text, std::vector<float>& out) {
  const long size = base64_decoded_size(text);
  if (size < 0 || size % 4 != 0) return false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  out.resize(static_cast<std::size_t>(size) / 4);
  return base64_decode_into(text, reinterpret_cast<unsigned char*>(out.data()));
#else
  std::string bytes;
  if (!base64_decode(text, bytes)) return false;
  floats_from_le_bytes(bytes, out);
  return true;
#endif
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
