// BoolBitmapCodec: one bit per value, value i in bit (i % 8) of byte i / 8, the last byte
// zero-padded. For booleans that change often.
// Payload: ceil(n / 8) bytes.
#ifndef TSW_ENGINE_ENCODING_BOOL_BITMAP_H_
#define TSW_ENGINE_ENCODING_BOOL_BITMAP_H_

#include <cstdint>

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<uint8_t>& BoolBitmapCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_BOOL_BITMAP_H_
