// Int64FrameOfReferenceCodec: the values themselves as one PackedInts stream (each block
// of 128 stored as offsets from its minimum). Best for integers that wander inside a
// narrow band without trend: status codes, small gauges, booleans held as 0/1.
// Payload: PackedInts(values).
#ifndef TSW_ENGINE_ENCODING_INT64_FRAME_OF_REFERENCE_H_
#define TSW_ENGINE_ENCODING_INT64_FRAME_OF_REFERENCE_H_

#include <cstdint>

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<int64_t>& Int64FrameOfReferenceCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_INT64_FRAME_OF_REFERENCE_H_
