// Base64 decoding for embeddings answered with encoding_format=base64.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace litellm::detail {

/// Decodes standard base64 (RFC 4648, padding optional, no whitespace) into `out`, replacing its
/// contents. False on any invalid character or length.
inline bool base64_decode(std::string_view text, std::string& out) {
  static constexpr auto kTable = [] {
    std::array<std::int8_t, 256> table{};
    for (auto& v : table) v = -1;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
      table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return table;
  }();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  out.resize(text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1));
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  std::size_t i = 0;
  const std::size_t whole = text.size() / 4 * 4;
  for (; i < whole; i += 4) {
    const int a = kTable[in[i]], b = kTable[in[i + 1]], c = kTable[in[i + 2]],
              d = kTable[in[i + 3]];
    if ((a | b | c | d) < 0) return false;
    const std::uint32_t v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) |
                            (std::uint32_t(c) << 6) | std::uint32_t(d);
    *dst++ = static_cast<unsigned char>(v >> 16);
    *dst++ = static_cast<unsigned char>(v >> 8);
    *dst++ = static_cast<unsigned char>(v);
  }
  const std::size_t rest = text.size() - whole;
  if (rest >= 2) {
    const int a = kTable[in[i]], b = kTable[in[i + 1]];
    const int c = rest == 3 ? kTable[in[i + 2]] : 0;
    if ((a | b | c) < 0) return false;
    const std::uint32_t v =
        (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) | (std::uint32_t(c) << 6);
    *dst++ = static_cast<unsigned char>(v >> 16);
    if (rest == 3) *dst++ = static_cast<unsigned char>(v >> 8);
  }
  return true;
}

/// Little-endian float32 values from raw bytes (a trailing partial value is ignored).
inline void floats_from_le_bytes(std::string_view bytes, std::vector<float>& out) {
  out.resize(bytes.size() / 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + i * 4);
    const std::uint32_t bits = std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) |
                               (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
    std::memcpy(&out[i], &bits, sizeof(float));
  }
}

}  // namespace litellm::detail
