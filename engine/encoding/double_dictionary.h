// DoubleDictionaryCodec: doubles that take few distinct values, each repeated, such as
// readings a device quantizes or prints with a fixed number of significant digits (a
// weather station's wind speed in float precision). The distinct values are stored once,
// in ascending order, as a nested double column (ALP, ALP_rd or plain, whichever is
// smallest: sorted, ALP's differences are small), and each value as its index into them
// (PackedInts). This is what Zstd finds in such columns (repeated 8-byte strings), at a
// fixed cost per value and without Zstd's decoding speed. Bit patterns are kept exactly
// (two NaNs with different payloads are different entries).
// Payload: see FORMAT.md "double dictionary".
#ifndef TSW_ENGINE_ENCODING_DOUBLE_DICTIONARY_H_
#define TSW_ENGINE_ENCODING_DOUBLE_DICTIONARY_H_

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoubleDictionaryCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_DICTIONARY_H_
