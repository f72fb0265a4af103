// SHA-1 (FIPS 180-4), used only to name Lua scripts the way Redis does (EVALSHA takes the
// SHA-1 of the script's body), so that a script runs in one round trip without asking the
// server first. Not for anything that needs collision resistance.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "litellm/detail/digest.hpp"

namespace litellm::detail {

/// The SHA-1 digest of `data`.
inline std::array<std::uint8_t, 20> sha1(std::string_view data) {
  std::uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  auto rotl = [](std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };

  const std::string msg = padded_message(data);

  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::uint32_t w[80];
    block_words(msg.data() + off, w);
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f = 0;
      std::uint32_t k = 0;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  return digest_bytes(h);
}

/// Lower-case hex of the SHA-1 of `data` (40 characters), as Redis names a script.
inline std::string sha1_hex(std::string_view data) {
  return to_hex(sha1(data));
}

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
