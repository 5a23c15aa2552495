// ColumnCodec: the magnetic tier's one adapter to the column codecs of engine/encoding,
// plus Zstd. Every encoded column chunk of a segment records the ChunkEncoding that wrote
// it, so readers dispatch on that byte and new codecs are added as new ids without
// touching the segment format (FORMAT.md, "Chunk encodings").
//
// Guarantees: each Encode/Decode pair round-trips exactly (doubles bit for bit, including
// NaN payloads and -0.0; strings byte for byte, including empty ones and NULs). Decoders
// never read outside their input and reject malformed input (wrong length, trailing
// bytes, unknown encoding id) with InternalServerException "corrupt ... column".
//
// Thread-safe: free functions without shared state.
#ifndef TSW_ENGINE_MAGNETIC_COLUMN_CODEC_H_
#define TSW_ENGINE_MAGNETIC_COLUMN_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tsw::magnetic {

// The stored id of a chunk's encoding (one byte). Never renumber: ids are on disk.
enum class ChunkEncoding : uint8_t {
  kAllPresent = 0,            // Presence: no bytes; every row has a value.
  kBitmap = 1,                // Presence and booleans: one bit per row, LSB first.
  kVarintDeltaOfDelta = 2,    // Times: first value, first delta, then deltas of deltas,
                              // each a zigzag varint.
  kVarintZigZag = 3,          // Integers: each a zigzag varint.
  kRawDoubles = 4,            // Doubles: 8 little-endian bytes each (the IEEE bits).
  kLengthPrefixedStrings = 5, // Strings: each a varint length then its bytes.
  kBloomFilter = 6,           // The block's key filter (bloom_filter.h).
};

// Each encoder appends the chunk payload for `values` to *out and returns the encoding it
// used; the value count is not stored (the block's row count and presence give it).
ChunkEncoding EncodeTimeColumn(absl::Span<const int64_t> values, std::string* out);
ChunkEncoding EncodeIntColumn(absl::Span<const int64_t> values, std::string* out);
ChunkEncoding EncodeDoubleColumn(absl::Span<const double> values, std::string* out);
ChunkEncoding EncodeStringColumn(absl::Span<const std::string> values, std::string* out);
// REQUIRES: every value is 0 or 1.
ChunkEncoding EncodeBitColumn(absl::Span<const uint8_t> values, std::string* out);

// Each decoder reads exactly out.size() values (DecodeStringColumn: `count` values into
// *out, replacing its contents) from `data`, which must hold exactly their encoding.
absl::Status DecodeTimeColumn(ChunkEncoding encoding, absl::string_view data,
                              absl::Span<int64_t> out);
absl::Status DecodeIntColumn(ChunkEncoding encoding, absl::string_view data,
                             absl::Span<int64_t> out);
absl::Status DecodeDoubleColumn(ChunkEncoding encoding, absl::string_view data,
                                absl::Span<double> out);
absl::Status DecodeStringColumn(ChunkEncoding encoding, absl::string_view data, size_t count,
                                std::vector<std::string>* out);
absl::Status DecodeBitColumn(ChunkEncoding encoding, absl::string_view data,
                             absl::Span<uint8_t> out);

// Compresses `raw` with Zstd at `level` into *out (replacing it). Returns false, leaving
// *out unspecified, when compression would not save at least 1/16 of the bytes (the chunk
// is then stored raw) or Zstd fails.
bool ZstdCompress(absl::string_view raw, int level, std::string* out);
// Decompresses a frame that must expand to exactly `raw_size` bytes.
absl::Status ZstdDecompress(absl::string_view stored, size_t raw_size, std::string* out);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_COLUMN_CODEC_H_
