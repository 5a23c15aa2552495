// Int64ConstantCodec: a column whose values are all equal (versions, which are almost
// always 1; a sensor's fixed unit id) stored as that value once. Payload: nothing for an
// empty column, else the value as a zigzag varint.
#ifndef TSW_ENGINE_ENCODING_INT64_CONSTANT_H_
#define TSW_ENGINE_ENCODING_INT64_CONSTANT_H_

#include <cstdint>

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<int64_t>& Int64ConstantCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_INT64_CONSTANT_H_
