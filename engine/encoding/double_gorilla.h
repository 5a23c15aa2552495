// DoubleGorillaCodec: Facebook Gorilla's XOR encoding (Pelkonen et al., VLDB 2015, 4.1.2),
// as Prometheus' chunkenc implements it. Each value is XORed with its predecessor; equal
// values cost one bit, others reuse the previous window of meaningful bits or open a new
// one. Kept as the reference peer in benchmarks and for columns it happens to win.
// Payload: a bit stream (bit_stream.h order), see FORMAT.md "gorilla".
#ifndef TSW_ENGINE_ENCODING_DOUBLE_GORILLA_H_
#define TSW_ENGINE_ENCODING_DOUBLE_GORILLA_H_

#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<double>& DoubleGorillaCodec();

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_DOUBLE_GORILLA_H_
