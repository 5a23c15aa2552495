// DoubleChimp128Codec: Chimp128 (Liakos, Papakonstantinopoulou, Kotidis, VLDB 2022). Like
// Gorilla it XORs each value with an earlier one, but it may pick that reference among the
// last 128 values (the latest one sharing the low 14 bits, if their XOR ends in more than
// 13 zero bits), rounds leading-zero counts to 8 steps, and spends fewer control bits.
// Wins over Gorilla on repeating and slowly changing values; exact for every bit pattern.
// Payload: a bit stream (bit_stream.h order), see FORMAT.md "chimp128".
#ifndef TSW_ENGINE_ENCODING_DOUBLE_CHIMP128_H_
#define TSW_ENGINE_ENCODING_DOUBLE_CHIMP128_H_

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoubleChimp128Codec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_CHIMP128_H_
