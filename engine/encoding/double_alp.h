// DoubleAlpCodec: ALP, adaptive lossless floating point (Afroozeh, Kuffo, Boncz,
// SIGMOD 2024). A double with few decimals, v, is stored as the integer
// d = round(v * 10^e * 10^-f) when d * 10^f * 10^-e gives back v's exact bits; values
// that do not (NaN, -0.0, infinities, too many digits) are stored raw as exceptions.
// Exponents (e, f) are chosen per vector of 1024 values among the best few found on a
// sample of the column. The integers go to a PackedInts stream either as they are (frame
// of reference) or as differences, whichever is narrower, so a smooth sensor reading with
// two decimals costs a few bits per value.
// Payload: vectors, see FORMAT.md "alp".
#ifndef TSW_ENGINE_ENCODING_DOUBLE_ALP_H_
#define TSW_ENGINE_ENCODING_DOUBLE_ALP_H_

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoubleAlpCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_ALP_H_
