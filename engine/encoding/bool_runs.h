// BoolRunsCodec: run-length booleans, for values that rarely change; a presence mask with
// every value present costs three bytes plus the count's varint.
// Payload: empty for n = 0; else the first value (byte 0 or 1), then the length of each
// run of equal values as a varint (runs alternate in value, each >= 1, summing to n).
#ifndef TSW_ENGINE_ENCODING_BOOL_RUNS_H_
#define TSW_ENGINE_ENCODING_BOOL_RUNS_H_

#include <cstdint>

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<uint8_t>& BoolRunsCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_BOOL_RUNS_H_
