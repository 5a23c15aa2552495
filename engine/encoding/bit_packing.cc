#include "engine/encoding/bit_packing.h"

#include <array>
#include <cstring>
#include <utility>

namespace tsw::encoding {
namespace {

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Value i from `in`, reading bytes only inside [0, bytes).
inline uint64_t ExtractSafe(const uint8_t* in, size_t bytes, size_t i, int width) {
  uint64_t bit = static_cast<uint64_t>(i) * width;
  uint64_t v = 0;
  for (int got = 0; got < width;) {
    size_t byte = (bit + got) >> 3;
    int shift = static_cast<int>((bit + got) & 7);
    if (byte >= bytes) break;
    v |= static_cast<uint64_t>(in[byte] >> shift) << got;
    got += 8 - shift;
  }
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

template <int W>
void UnpackFixed(const uint8_t* in, size_t n, uint64_t* out) {
  constexpr uint64_t kMask = W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1;
  const size_t bytes = PackedBytes(n, W);
  size_t i = 0;
  // Groups of 8 values take exactly W bytes, so within a group every value's byte offset
  // and shift are constants: the unrolled loop has no per-value arithmetic or bounds test
  // (the per-value loop below was a tenth of a wide query's decode). A group is taken
  // while the last value's 9-byte load stays inside.
  constexpr size_t kLastLoad = ((7 * W) >> 3) + 9;
  for (; i + 8 <= n && (i / 8) * W + kLastLoad <= bytes; i += 8) {
    const uint8_t* group = in + (i / 8) * W;
    [&]<int... J>(std::integer_sequence<int, J...>) {
      ((out[i + J] =
            [&] {
              constexpr int kBit = J * W;
              uint64_t v = Load64(group + (kBit >> 3)) >> (kBit & 7);
              if constexpr ((kBit & 7) + W > 64) {
                v |= static_cast<uint64_t>(group[(kBit >> 3) + 8]) << (64 - (kBit & 7));
              }
              return v & kMask;
            }()),
       ...);
    }
    (std::make_integer_sequence<int, 8>{});
  }
  // Fast path: every load of 9 bytes starting at the value's first byte stays inside.
  for (; i < n; ++i) {
    const uint64_t bit = static_cast<uint64_t>(i) * W;
    const size_t byte = bit >> 3;
    if (byte + 9 > bytes) break;
    const int shift = static_cast<int>(bit & 7);
    uint64_t v = Load64(in + byte) >> shift;
    if constexpr (W > 56) {
      if (shift + W > 64) v |= static_cast<uint64_t>(in[byte + 8]) << (64 - shift);
    }
    out[i] = v & kMask;
  }
  for (; i < n; ++i) out[i] = ExtractSafe(in, bytes, i, W);
}

using UnpackFn = void (*)(const uint8_t*, size_t, uint64_t*);

template <int... W>
constexpr auto MakeUnpackTable(std::integer_sequence<int, W...>) {
  return std::array<UnpackFn, sizeof...(W)>{&UnpackFixed<W>...};
}

constexpr auto kUnpack = MakeUnpackTable(std::make_integer_sequence<int, 65>{});

}  // namespace

void PackBits(const uint64_t* values, size_t n, int width, std::string* out) {
  if (width == 0 || n == 0) return;
  const size_t bytes = PackedBytes(n, width);
  const size_t start = out->size();
  out->resize(start + bytes);
  uint8_t* dst = reinterpret_cast<uint8_t*>(&(*out)[start]);
  uint8_t* const end = dst + bytes;
  uint64_t acc = 0;
  int fill = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = values[i];
    acc |= v << fill;
    fill += width;
    if (fill >= 64) {
      std::memcpy(dst, &acc, 8);
      dst += 8;
      fill -= 64;
      acc = fill == 0 ? 0 : v >> (width - fill);
    }
  }
  while (dst < end) {
    *dst++ = static_cast<uint8_t>(acc);
    acc >>= 8;
  }
}

void UnpackBits(const uint8_t* in, size_t n, int width, uint64_t* out) {
  if (width == 0) {
    std::memset(out, 0, n * sizeof(uint64_t));
    return;
  }
  kUnpack[width](in, n, out);
}

uint64_t UnpackOne(const uint8_t* in, size_t n, int width, size_t i) {
  if (width == 0) return 0;
  const size_t bytes = PackedBytes(n, width);
  const uint64_t bit = static_cast<uint64_t>(i) * width;
  const size_t byte = bit >> 3;
  if (byte + 9 > bytes) return ExtractSafe(in, bytes, i, width);
  const int shift = static_cast<int>(bit & 7);
  uint64_t v = Load64(in + byte) >> shift;
  if (shift + width > 64) v |= static_cast<uint64_t>(in[byte + 8]) << (64 - shift);
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

}  // namespace tsw::encoding
