// Byte-level helpers of the column codecs. The integer coding itself (little-endian fixed
// integers, LEB128 varints, zigzag, and ByteReader, the bounds-checked cursor every
// decoder walks a column with) is engine/common/coding.h, included here for the codecs;
// this header adds what only the codecs need: BitLength and the CorruptColumn error.
#ifndef TSW_ENGINE_ENCODING_BYTE_IO_H_
#define TSW_ENGINE_ENCODING_BYTE_IO_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/common/coding.h"  // IWYU pragma: export

namespace tsw::encoding {

// The number of significant bits of `v`: 0 for 0, 64 for values >= 2^63.
inline int BitLength(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// The InternalServerException every decoder returns for malformed input:
// "corrupt <codec> column: <detail>".
absl::Status CorruptColumn(absl::string_view codec, absl::string_view detail);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_BYTE_IO_H_
