// Int64DeltaOfDeltaCodec: the timestamp codec. The first value, the first difference,
// then the change of the difference from each value to the next (delta of delta) as a
// PackedInts stream. A regular series has all delta-of-deltas zero: two bytes per block of
// 128 timestamps (0.016 bytes per point). Jitter costs the bits of its range (divided by
// the blocks' common divisor, so millisecond timestamps held in nanoseconds pay for
// milliseconds); a gap costs two exceptions, not a wide block. Arithmetic wraps modulo
// 2^64, so any int64 sequence round-trips.
// Payload: zigzag varint values[0]; if n >= 2, zigzag varint (values[1] - values[0]);
// then PackedInts(delta[i] - delta[i-1], i >= 2), delta[i] = values[i] - values[i-1].
#ifndef TSW_ENGINE_ENCODING_INT64_DELTA_OF_DELTA_H_
#define TSW_ENGINE_ENCODING_INT64_DELTA_OF_DELTA_H_

#include <cstdint>

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<int64_t>& Int64DeltaOfDeltaCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_INT64_DELTA_OF_DELTA_H_
