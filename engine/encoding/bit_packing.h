// Fixed-width bit packing: n unsigned values of `width` bits each, least significant bit
// first (value i occupies stream bits [i * width, (i + 1) * width), with the bit order of
// bit_stream.h), in exactly PackedBytes(n, width) bytes, the last one zero-padded.
#ifndef TSW_ENGINE_ENCODING_BIT_PACKING_H_
#define TSW_ENGINE_ENCODING_BIT_PACKING_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace tsw::encoding {

inline size_t PackedBytes(size_t n, int width) { return (n * static_cast<size_t>(width) + 7) / 8; }

// Appends PackedBytes(n, width) bytes holding values[0..n).
// REQUIRES: 0 <= width <= 64 and every value < 2^width.
void PackBits(const uint64_t* values, size_t n, int width, std::string* out);

// Reads n values of `width` bits into out[0..n).
// REQUIRES: 0 <= width <= 64 and `in` holds at least PackedBytes(n, width) bytes; no byte
// past in[PackedBytes(n, width) - 1] is read.
void UnpackBits(const uint8_t* in, size_t n, int width, uint64_t* out);

// Value i of the n values of `width` bits packed at `in` (random access: UnpackBits' out[i]).
// REQUIRES: i < n, 0 <= width <= 64 and `in` holds at least PackedBytes(n, width) bytes; no
// byte past in[PackedBytes(n, width) - 1] is read.
uint64_t UnpackOne(const uint8_t* in, size_t n, int width, size_t i);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_BIT_PACKING_H_
