// Blocks: the encoded rows of one stream (series, measure) over one time range, the unit a
// segment reads, verifies and decodes (FORMAT.md, "Block").
//
// A block is a sequence of length-prefixed chunks: the key filter, the times, the
// versions, then for each of the stream's columns its presence mask (empty when every row
// has a value) and its present values. Value chunks are encoded columns in Zstd column
// frames (chunk_codec.h). The block's checksum lives
// in the footer index; BlockReader must only be given bytes whose checksum was verified,
// but it still checks every length and count so no input can make it read out of bounds.
#ifndef TSW_ENGINE_MAGNETIC_BLOCK_H_
#define TSW_ENGINE_MAGNETIC_BLOCK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/row_batch.h"
#include "engine/magnetic/chunk_codec.h"
#include "engine/magnetic/segment_format.h"
#include "tsw/types.h"

namespace tsw::magnetic {

struct BlockEncodeOptions {
  int zstd_level = 3;           // 0: no compression.
  int filter_bits_per_key = 0;  // 0: no key filter (an empty chunk).
};

// A block group's dictionary (FORMAT.md, "Dictionaries"): for each of the stream's
// columns, its entries, distinct and sorted by DictionaryOrderKey, or none (empty). Only
// DOUBLE columns have entries.
struct GroupDictionary {
  std::vector<std::vector<double>> columns;
  // True when no column has entries.
  bool empty() const;
};

// Appends the dictionary region of `dictionary` (one chunk per column) to *out, counting
// entries as double bytes.
absl::Status EncodeGroupDictionary(const GroupDictionary& dictionary, int zstd_level,
                                   std::string* out, ByteKindCounts* counts);

// Replaces *out with the dictionary region `bytes` of a stream with `columns`; fails unless
// it holds exactly one chunk per column, entries only for DOUBLE columns, and at least one.
absl::Status DecodeGroupDictionary(absl::string_view bytes, const std::vector<ColumnSpec>& columns,
                                   GroupDictionary* out);

// Appends the block holding rows [begin, end) of `rows` to *out and adds the stored bytes
// of each kind to *counts. With a `dictionary`, a DOUBLE column that has entries there
// is stored as codes into them when that is smaller, and (*saved)[c], when `saved` is set,
// grows by the bytes column c saved so. Fails only when a codec refuses the values (more than
// MaxChunkValues() rows, a boolean other than 0 or 1). `rows` is in "stream shape": its columns are
// exactly the stream's columns in order, each with `present` and value vectors as long as
// time_nanos (values at absent rows are ignored). REQUIRES: begin < end <= rows.time_nanos.size().
absl::Status EncodeBlock(const RowBatch& rows, size_t begin, size_t end, uint64_t stream_hash,
                         const BlockEncodeOptions& options, std::string* out,
                         ByteKindCounts* counts, const GroupDictionary* dictionary = nullptr,
                         std::vector<int64_t>* saved = nullptr);

// Row `row` of `rows` (in stream shape) as a one-row batch with the same columns; the
// dimension and measure fields are left empty. REQUIRES: row < rows.time_nanos.size().
RowBatch CopyRow(const RowBatch& rows, size_t row);

// OK when `times` (a block's) run strictly increasing from `min_time` to `max_time`, its
// index entry's range; else InternalServerException ("times disagree with the index").
absl::Status CheckBlockTimes(absl::Span<const int64_t> times, int64_t min_time, int64_t max_time);

// Buffers a caller decoding many blocks in turn (a scan) lends to each decode, so they are
// allocated once per scan instead of once per block and column. Nothing in them is read
// before a decode writes it: they carry capacity, not data, from one decode to the next.
struct DecodeScratch {
  std::string bytes;               // A block's bytes when the file is read, not mapped.
  std::vector<int64_t> times;      // DecodeTimesInRange's whole time column.
  std::vector<uint32_t> in_range;  // A filtered decode's rows in the time range,
  std::vector<uint32_t> keep;      // and those its filter keeps.
  std::vector<uint32_t> dense;     // DecodeColumn's places of the rows among the present values,
  std::vector<uint8_t> present;    // the rows' presence,
  std::vector<double> values;      // and their values.
};

// The chunks of one block, over bytes it does not own (they must outlive the reader).
class BlockReader {
 public:
  // Splits `block` into chunks; fails unless it holds exactly the chunks of a stream with
  // `num_columns` columns.
  static absl::StatusOr<BlockReader> Parse(absl::string_view block, size_t num_columns);

  // False only when the block holds no row with this RowKeyHash.
  bool MayContain(uint64_t row_key_hash) const;

  // The block's times. REQUIRES: `rows` is the block's row count from the index.
  absl::Status DecodeTimes(size_t rows, std::vector<int64_t>* out) const;

  // Every row, in stream shape (see EncodeBlock): sets out->time_nanos, versions and
  // columns (named and typed after `stream`); leaves dimensions and measure fields alone.
  // `dictionary` is the block's group dictionary (its index entry names it), or null.
  // With `wanted` (one flag per stream column), a column whose flag is false is named and
  // typed but left empty (no presence, no values): its chunks are skipped undecoded, which
  // the format allows because each column's presence and values are chunks of their own.
  absl::Status DecodeAll(const StreamEntry& stream, size_t rows, RowBatch* out,
                         const GroupDictionary* dictionary = nullptr,
                         const std::vector<bool>* wanted = nullptr) const;

  // DecodeAll's first step for a filtered read (SegmentReader::DecodeBlock): only the rows
  // with a time in [first_time, last_time] get their time and version, into
  // out->time_nanos and out->versions, the first of them being row *first_row of the
  // block; the columns are named and typed after `stream`, and empty. The whole time
  // column is still decoded and checked (CheckBlockTimes against the index's `min_time`
  // and `max_time`), into *buffer (grown, never shrunk, so zero-filled only as it grows),
  // and only the range is copied out; of the versions only the range is decoded when they
  // are constant.
  absl::Status DecodeTimesInRange(const StreamEntry& stream, size_t rows, int64_t min_time,
                                  int64_t max_time, int64_t first_time, int64_t last_time,
                                  RowBatch* out, size_t* first_row,
                                  std::vector<int64_t>* buffer) const;

  // Decodes the columns whose flag in `which` is set (every column if `which` is null)
  // into out->columns (which DecodeAll has sized and named), leaving the others as they
  // are: DecodeAll's own step, and the steps of a filtered decode
  // (SegmentReader::DecodeBlock). With `at` (ascending rows, each below `rows`), only those
  // rows are decoded: those columns' presence and values are at->size() long, entry j
  // holding row (*at)[j] (encoding::DecodeDoublesAt decodes a double column only as far as
  // its codec needs; other types decode whole and are gathered). `scratch` (optional)
  // lends the buffers of decoding at rows.
  absl::Status DecodeColumns(const StreamEntry& stream, size_t rows, RowBatch* out,
                             const GroupDictionary* dictionary, const std::vector<bool>* which,
                             const std::vector<uint32_t>* at = nullptr,
                             DecodeScratch* scratch = nullptr) const;

 private:
  absl::Status DecodeColumn(size_t column, const ColumnSpec& spec, size_t rows,
                            const std::vector<uint32_t>* at, const std::vector<double>* dictionary,
                            DecodeScratch* scratch, RowColumn* out) const;
  // The `count` present values of chunk `values` spread over `rows` rows of *out (whose
  // presence is set).
  static absl::Status DecodeValues(const ColumnSpec& spec, absl::string_view values, size_t count,
                                   size_t rows, const std::vector<double>* dictionary,
                                   RowColumn* out);

  std::vector<absl::string_view> chunks_;
};

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_BLOCK_H_
