// Column codecs of the magnetic store: turn one column of a segment (timestamps, BIGINT,
// DOUBLE, VARCHAR, BOOLEAN values, or a presence mask) into bytes and back.
//
// Guarantees: decoding an encoded column gives back exactly the values encoded, bit for
// bit (NaN payloads, -0.0, infinities and denormals included; any int64). Every encoded
// column starts with its codec id and value count, so it can be decoded alone. Decoding
// checks every length and count: malformed bytes yield an InternalServerException naming
// the codec and the problem, never a crash or a read outside the input.
//
// Encoding picks, per column, the codec that makes it smallest: each candidate estimates
// its size (on a sample where that is cheaper), and the smallest estimate that encodes
// wins; with EncodeOptions::zstd_level, the size after the caller's Zstd pass. EncodeOptions::codec
// pins a codec instead, for tests and benchmarks. The bytes are documented in
// engine/encoding/FORMAT.md; zstd_column.h adds an optional Zstd pass.
//
// Callers: the segment writer and reader (engine/magnetic). Thread-safe: no shared state.
#ifndef TSW_ENGINE_ENCODING_COLUMN_CODEC_H_
#define TSW_ENGINE_ENCODING_COLUMN_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/encoding/codec.h"

namespace tsw::encoding {

struct EncodeOptions {
  // Encode with this codec instead of choosing one. It must hold the column's value type
  // and be able to encode the values (the constant codec fails on two distinct values).
  std::optional<CodecId> codec;
  // The Zstd level of the pass the caller applies to the encoded column afterwards
  // (EncodeColumnZstd, as the segment writer does); 0 when there is none. When nonzero,
  // the chooser ranks codecs by the size the column will have after that pass: it encodes
  // a sample with each candidate and compresses it, so a column Zstd shrinks well (plain
  // doubles that repeat) is not stored larger than Zstd alone would store it. Ignored when
  // `codec` is set.
  int zstd_level = 0;
};

// The header every encoded column starts with.
struct ColumnHeader {
  CodecId codec = CodecId::kInt64Constant;
  uint64_t count = 0;       // Number of values.
  size_t header_bytes = 0;  // Bytes before the codec's payload.
};

// Reads the header of an encoded column without decoding it. Fails (InternalServerException)
// on a truncated header or a count above kMaxColumnValues; accepts unknown codec ids.
absl::StatusOr<ColumnHeader> ReadColumnHeader(absl::string_view column);

// Each Encode* appends one encoded column to *out (which may already hold other bytes)
// and fails, with InternalServerException, only for more than kMaxColumnValues values, a
// pinned codec that cannot encode them, or (EncodeBools) a value other than 0 or 1.
//
// Each Decode* replaces *out with the values of the encoded column that is exactly
// `column` (no trailing bytes); on failure *out is empty. A column encoded by any codec of
// the same value type decodes (a timestamp column reads with DecodeInt64s and back).

// Timestamps in nanoseconds (delta-of-delta unless another int64 codec is smaller).
absl::Status EncodeTimestamps(absl::Span<const int64_t> values, std::string* out,
                              const EncodeOptions& options = {});
absl::Status DecodeTimestamps(absl::string_view column, std::vector<int64_t>* out);

// BIGINT values, versions, anything int64.
absl::Status EncodeInt64s(absl::Span<const int64_t> values, std::string* out,
                          const EncodeOptions& options = {});
absl::Status DecodeInt64s(absl::string_view column, std::vector<int64_t>* out);

// DecodeTimestamps or DecodeInt64s into caller memory, for a caller that decodes into a
// buffer it has not zero-filled (std::vector's resize would fill what the codec then
// overwrites): `column` must hold exactly out.size() values, else InternalServerException;
// on any failure `out` holds anything.
absl::Status DecodeInt64sInto(absl::string_view column, absl::Span<int64_t> out);

// Values [begin, end) of an int64 column of `count` values into *out (replaced): a
// constant column's are filled in without decoding the rest; other codecs decode the
// whole column (into a buffer that is not zero-filled) and copy the range. Fails
// (InternalServerException) as DecodeInt64s does, when the column does not hold `count`
// values, and unless begin <= end <= count.
absl::Status DecodeInt64sRange(absl::string_view column, size_t count, size_t begin, size_t end,
                               std::vector<int64_t>* out);

// DOUBLE values.
absl::Status EncodeDoubles(absl::Span<const double> values, std::string* out,
                           const EncodeOptions& options = {});
absl::Status DecodeDoubles(absl::string_view column, std::vector<double>* out);

// A double column whose values are held elsewhere, in a dictionary of distinct values the
// caller stores once for several columns (engine/magnetic's group dictionaries): each
// value is its code, an index into that dictionary (codec kDoubleCodes; FORMAT.md,
// "Double codes"). Fails (InternalServerException) for a negative code or more than
// kMaxColumnValues codes.
absl::Status EncodeDoubleCodes(absl::Span<const int64_t> codes, std::string* out);
// DecodeDoubles, and for a column of codes the entries of `dictionary` they name. Fails
// (InternalServerException) on a column of codes when `dictionary` is null or a code is
// not below its size.
absl::Status DecodeDoubles(absl::string_view column, const std::vector<double>* dictionary,
                           std::vector<double>* out);

// The first `prefix` values of a double column (DecodeDoubles with `dictionary` otherwise),
// for a reader that needs only rows [0, prefix). Chimp128 (sequential) stops decoding
// there and does not read or check the bits after (DecodeChimp128Prefix); other codecs
// decode the whole column and drop the rest. Fails (InternalServerException) as
// DecodeDoubles does, and for a prefix above the column's value count.
absl::Status DecodeDoublesPrefix(absl::string_view column, const std::vector<double>* dictionary,
                                 size_t prefix, std::vector<double>* out);

// The values at `rows` (ascending, each below the column's value count) of a double column
// (DecodeDoubles with `dictionary` otherwise), rows.size() long, for a reader that needs
// only those rows. ALP-RD unpacks only the vectors holding them, and in a vector where few
// are wanted only those values (DecodeAlpRdAt); Chimp128 decodes up to the last one
// (DecodeChimp128Prefix); other codecs decode the whole column. The bits not read are not
// checked. Fails (InternalServerException) as DecodeDoubles does, and for a row at or
// above the column's value count.
absl::Status DecodeDoublesAt(absl::string_view column, const std::vector<double>* dictionary,
                             absl::Span<const uint32_t> rows, std::vector<double>* out);

// VARCHAR values. Besides kMaxColumnValues, the strings may total at most kMaxColumnBytes.
absl::Status EncodeStrings(absl::Span<const absl::string_view> values, std::string* out,
                           const EncodeOptions& options = {});
absl::Status EncodeStrings(absl::Span<const std::string> values, std::string* out,
                           const EncodeOptions& options = {});
absl::Status DecodeStrings(absl::string_view column, std::vector<std::string>* out);

// BOOLEAN values, one byte each holding 0 or 1.
absl::Status EncodeBools(absl::Span<const uint8_t> values, std::string* out,
                         const EncodeOptions& options = {});
absl::Status DecodeBools(absl::string_view column, std::vector<uint8_t>* out);

// Presence (non-null) masks, one byte per row holding 1 (present) or 0 (null). Same
// codecs as booleans; a mask with every row present costs a few bytes.
absl::Status EncodePresenceMask(absl::Span<const uint8_t> present, std::string* out,
                                const EncodeOptions& options = {});
absl::Status DecodePresenceMask(absl::string_view column, std::vector<uint8_t>* out);

}  // namespace tsw::encoding

#endif  // TSW_ENGINE_ENCODING_COLUMN_CODEC_H_
