// DoubleAlpRdCodec: ALP_rd, ALP's scheme for doubles with many significant digits (GPS
// coordinates, derived values), which ALP proper cannot turn into small integers
// (Afroozeh, Kuffo, Boncz, SIGMOD 2024, "ALP for real doubles"). Each double's 64 bits
// are cut in two at a position chosen per column: the left (front) part, sign, exponent
// and the first mantissa bits, takes few distinct values in real data and is stored as a
// code into a dictionary of at most 8 of its most frequent values (the rest are
// exceptions holding their left part); the right part is bit-packed as it is. The cut is
// chosen on a sample of the column by the bits it would cost, as the paper does per row
// group. Every bit pattern round-trips (NaN payloads, -0.0, infinities, subnormals).
// Payload: see FORMAT.md "alp_rd".
#ifndef TSW_ENGINE_ENCODING_DOUBLE_ALP_RD_H_
#define TSW_ENGINE_ENCODING_DOUBLE_ALP_RD_H_

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoubleAlpRdCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_ALP_RD_H_
