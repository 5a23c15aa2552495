// PackedInts: the integer stream under the int64, timestamp, ALP and string codecs.
//
// Values go in blocks of kPackedIntsBlock (128); each block is stored as frame of
// reference (its minimum), an optional common divisor of the offsets from that minimum,
// and the offsets bit-packed at one width, with "patched" exceptions (PFOR) for the few
// values too wide for it. A block of equal values costs two bytes; a regular series of
// offsets that are multiples of, say, 1,000,000 costs their quotient's width. FORMAT.md,
// "PackedInts stream", gives the bytes.
//
// The stream is self-delimiting given the value count, so codecs embed it without a
// length prefix. Arithmetic is modulo 2^64, so every int64 sequence round-trips.
#ifndef TSW_ENGINE_ENCODING_PACKED_INTS_H_
#define TSW_ENGINE_ENCODING_PACKED_INTS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/encoding/byte_io.h"

namespace tsw::encoding {

inline constexpr size_t kPackedIntsBlock = 128;

// Appends the stream for `values` to *out.
void EncodePackedInts(absl::Span<const int64_t> values, std::string* out);

// A lower bound on the stream's size for n values (each block takes at least two bytes),
// for decoders to reject impossible counts before allocating.
inline size_t MinPackedIntsBytes(size_t n) {
  return 2 * ((n + kPackedIntsBlock - 1) / kPackedIntsBlock);
}

// Reads exactly out.size() values from *in, advancing it past the stream. On malformed
// input returns CorruptColumn(codec_name, ...) and leaves *in and `out` unspecified.
absl::Status DecodePackedInts(ByteReader* in, absl::Span<int64_t> out,
                              absl::string_view codec_name);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_PACKED_INTS_H_
