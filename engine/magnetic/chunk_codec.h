// Column chunks: the magnetic tier's one adapter to engine/encoding. A chunk is one
// encoded column (engine/encoding/column_codec.h: codec id, value count, payload, the
// codec chosen per column as the smallest) wrapped in a Zstd column frame
// (engine/encoding/zstd_column.h: raw or Zstd-compressed, with its exact length).
//
// Guarantees: each Append/Decode pair round-trips exactly (doubles bit for bit, including
// NaN payloads and -0.0; strings byte for byte, including empty ones and NULs). Decoders
// never read outside their input and reject malformed input, and a column whose value
// count differs from the expected one, with InternalServerException. They are given only
// the bytes of blocks and dictionaries whose XXH3 the segment reader verified (block.h),
// so a Zstd frame's own content checksum is not checked again.
//
// Thread-safe: free functions without shared state.
#ifndef TSW_ENGINE_MAGNETIC_CHUNK_CODEC_H_
#define TSW_ENGINE_MAGNETIC_CHUNK_CODEC_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tsw::magnetic {

// The most values one chunk may hold (engine/encoding's limit per column).
size_t MaxChunkValues();

// The order of a group dictionary's entries: numeric, -0.0 before 0.0, NaNs by their bits
// at the ends; distinct bit patterns have distinct keys.
inline uint64_t DictionaryOrderKey(double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

// Each Append*Chunk appends the chunk for `values` to *out; zstd_level 0 stores the
// encoded column uncompressed, and so does any level when Zstd does not shrink it.
// Fails (InternalServerException) for more than MaxChunkValues() values or a boolean
// other than 0 or 1.
absl::Status AppendTimeChunk(absl::Span<const int64_t> values, int zstd_level, std::string* out);
absl::Status AppendIntChunk(absl::Span<const int64_t> values, int zstd_level, std::string* out);
absl::Status AppendDoubleChunk(absl::Span<const double> values, int zstd_level, std::string* out);
// A double chunk of codes into a group dictionary (FORMAT.md, "Dictionaries"); fails for a
// negative code.
absl::Status AppendDoubleCodesChunk(absl::Span<const int64_t> codes, int zstd_level,
                                    std::string* out);
// A group dictionary's chunk for one column: `entries` distinct and sorted by
// DictionaryOrderKey (not checked here; DecodeDoubleDictionaryChunk checks it).
absl::Status AppendDoubleDictionaryChunk(absl::Span<const double> entries, int zstd_level,
                                         std::string* out);
absl::Status AppendStringChunk(absl::Span<const std::string> values, int zstd_level,
                               std::string* out);
absl::Status AppendBoolChunk(absl::Span<const uint8_t> values, int zstd_level, std::string* out);
absl::Status AppendPresenceChunk(absl::Span<const uint8_t> present, int zstd_level,
                                 std::string* out);

// Each Decode*Chunk replaces *out with the values of the chunk that is exactly `chunk`,
// which must hold `count` values.
absl::Status DecodeTimeChunk(absl::string_view chunk, size_t count, std::vector<int64_t>* out);
absl::Status DecodeIntChunk(absl::string_view chunk, size_t count, std::vector<int64_t>* out);
// DecodeTimeChunk or DecodeIntChunk into caller memory that need not be zero-filled: the
// chunk must hold exactly out.size() values. On failure `out` holds anything.
absl::Status DecodeInt64ChunkInto(absl::string_view chunk, absl::Span<int64_t> out);
// Values [begin, end) of a time or integer chunk of `count` values into *out
// (encoding::DecodeInt64sRange: a constant chunk's range is filled, no more).
absl::Status DecodeInt64ChunkRange(absl::string_view chunk, size_t count, size_t begin, size_t end,
                                   std::vector<int64_t>* out);
// A double chunk may hold codes into `dictionary` (the block's group dictionary for the
// column); without one (nullptr) such a chunk is corrupt.
absl::Status DecodeDoubleChunk(absl::string_view chunk, size_t count, std::vector<double>* out,
                               const std::vector<double>* dictionary = nullptr);
// The values at `rows` (ascending, each < count) of the `count` values of a double chunk
// (DecodeDoubleChunk otherwise), rows.size() long: only what encoding::DecodeDoublesAt
// needs of the column is decoded (a Zstd frame is still decompressed whole).
absl::Status DecodeDoubleChunkAt(absl::string_view chunk, size_t count,
                                 absl::Span<const uint32_t> rows, std::vector<double>* out,
                                 const std::vector<double>* dictionary = nullptr);
// A group dictionary's chunk: at least one entry, strictly increasing by DictionaryOrderKey.
absl::Status DecodeDoubleDictionaryChunk(absl::string_view chunk, std::vector<double>* out);
absl::Status DecodeStringChunk(absl::string_view chunk, size_t count,
                               std::vector<std::string>* out);
absl::Status DecodeBoolChunk(absl::string_view chunk, size_t count, std::vector<uint8_t>* out);
absl::Status DecodePresenceChunk(absl::string_view chunk, size_t count, std::vector<uint8_t>* out);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_CHUNK_CODEC_H_
