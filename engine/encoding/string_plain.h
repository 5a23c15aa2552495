// StringPlainCodec: every string's length as a PackedInts stream, then all the bytes
// back to back. The fallback for high-cardinality columns (ids, free text); the bytes stay
// contiguous, which suits the optional Zstd pass over the column.
// Payload: PackedInts(length[i]), then the n strings' bytes concatenated.
#ifndef TSW_ENGINE_ENCODING_STRING_PLAIN_H_
#define TSW_ENGINE_ENCODING_STRING_PLAIN_H_

#include "engine/encoding/byte_io.h"
#include "engine/encoding/codec.h"

namespace tsw::encoding {

const Codec<absl::string_view>& StringPlainCodec();

// Appends PackedInts(lengths of `strings`) and then their bytes; shared with the
// dictionary codec, which stores its entries this way.
void EncodeStringList(absl::Span<const absl::string_view> strings, std::string* out);

// Reads `count` strings written by EncodeStringList from *in into out[0..count).
// REQUIRES: out holds count strings; errors name `codec`.
absl::Status DecodeStringList(ByteReader* in, size_t count, std::string* out,
                              absl::string_view codec);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_STRING_PLAIN_H_
