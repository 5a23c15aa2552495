// Int64DeltaCodec: the first value, then the differences between neighbours as a
// PackedInts stream. Counters and other trending integers become small offsets; a
// counter growing by a fixed step becomes blocks of equal deltas (two bytes per 128
// values). Differences wrap modulo 2^64, so INT64_MIN next to INT64_MAX round-trips.
// Payload: zigzag varint values[0], then PackedInts(values[i] - values[i-1], i >= 1).
#ifndef TSW_ENGINE_ENCODING_INT64_DELTA_H_
#define TSW_ENGINE_ENCODING_INT64_DELTA_H_

#include <cstdint>

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<int64_t>& Int64DeltaCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_INT64_DELTA_H_
