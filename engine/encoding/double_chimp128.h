// DoubleChimp128Codec: Chimp128 (Liakos, Papakonstantinopoulou, Kotidis, VLDB 2022). Like
// Gorilla it XORs each value with an earlier one, but it may pick that reference among the
// last 128 values (the latest one sharing the low 14 bits, if their XOR ends in more than
// 13 zero bits), rounds leading-zero counts to 8 steps, and spends fewer control bits.
// Wins over Gorilla on repeating and slowly changing values; exact for every bit pattern.
// Payload: a bit stream (bit_stream.h order), see FORMAT.md "chimp128".
#ifndef TSW_ENGINE_ENCODING_DOUBLE_CHIMP128_H_
#define TSW_ENGINE_ENCODING_DOUBLE_CHIMP128_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoubleChimp128Codec();

// The first `prefix` of the `count` values of a Chimp128 payload into *out (the codec's
// decode is this with prefix == count). A sequential codec can stop there: a reader that
// needs rows [0, prefix) only decodes no further. The values decoded get every check a
// whole decode makes; the bits after them are not read, so a payload corrupt only there
// decodes (a whole decode rejects it; segment blocks are checksummed before this).
// Fails (CorruptColumn) for prefix > count; on failure *out is empty.
absl::Status DecodeChimp128Prefix(absl::string_view payload, size_t count, size_t prefix,
                                  std::vector<double>* out);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_CHIMP128_H_
