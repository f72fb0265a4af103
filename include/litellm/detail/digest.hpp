// What SHA-1 and SHA-256 (FIPS 180-4) share: the message padded into 64-byte blocks, the
// big-endian words of a block and of the digest, and the digest in hex.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace litellm::detail {

/// `data`, then 0x80, zeros up to 56 bytes mod 64, then its length in bits (64-bit big-endian).
inline std::string padded_message(std::string_view data) {
  std::string msg;
  msg.reserve((data.size() + 8) / 64 * 64 + 64);
  msg.append(data);
  const std::uint64_t bit_len = static_cast<std::uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bit_len >> (i * 8)) & 0xff));
  return msg;
}

/// The 16 big-endian words of the 64-byte block at `block`.
inline void block_words(const char* block, std::uint32_t* w) {
  for (int i = 0; i < 16; ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(block + i * 4);
    w[i] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
  }
}

/// The digest of state words `h`, big-endian.
template <std::size_t Words>
std::array<std::uint8_t, Words * 4> digest_bytes(const std::uint32_t (&h)[Words]) {
  std::array<std::uint8_t, Words * 4> out{};
  for (std::size_t i = 0; i < Words; ++i) {
    out[i * 4] = static_cast<std::uint8_t>(h[i] >> 24);
    out[i * 4 + 1] = static_cast<std::uint8_t>(h[i] >> 16);
    out[i * 4 + 2] = static_cast<std::uint8_t>(h[i] >> 8);
    out[i * 4 + 3] = static_cast<std::uint8_t>(h[i]);
  }
  return out;
}

/// Lower-case hex of the first `bytes` bytes of `digest`.
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& digest, std::size_t bytes = N) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes && i < N; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
