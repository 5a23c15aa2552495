// DoublePlainCodec: each value's IEEE-754 bits as 8 little-endian bytes. The fallback for
// doubles no other codec shrinks (random bits); exact for every bit pattern.
// Payload: values[i] bits, fixed64, for i in [0, n).
#ifndef TSW_ENGINE_ENCODING_DOUBLE_PLAIN_H_
#define TSW_ENGINE_ENCODING_DOUBLE_PLAIN_H_

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoublePlainCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_PLAIN_H_
