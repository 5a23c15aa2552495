// The in-memory shape of a segment file's footer index, and the constants of the segment
// file format (FORMAT.md, "Segment file", gives the bytes).
//
// A segment holds "streams": the rows of one (series, measure name, measure type). Each
// stream is a list of blocks in increasing, disjoint time ranges; a block holds at most
// MagneticOptions::max_rows_per_block rows, each time once. The footer lists the segment's
// distinct series (sorted by CompareSeries), then its streams (sorted by series, measure
// name, type), each with its columns (sorted by name, then type) and its blocks.
#ifndef TSW_ENGINE_MAGNETIC_SEGMENT_FORMAT_H_
#define TSW_ENGINE_MAGNETIC_SEGMENT_FORMAT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/magnetic/value_summary.h"
#include "tsw/types.h"

namespace tsw::magnetic {

// The version the writer writes. Versions 1 (no dictionaries) and 2 (no value summaries)
// are still read.
inline constexpr uint32_t kSegmentFormatVersion = 3;
inline constexpr uint32_t kOldestSegmentFormatVersion = 1;
inline constexpr char kSegmentHeaderMagic[8] = {'T', 'S', 'W', 'S', 'E', 'G', 'H', 'D'};
inline constexpr char kSegmentTrailerMagic[8] = {'T', 'S', 'W', 'S', 'E', 'G', 'E', 'N'};
inline constexpr size_t kSegmentHeaderSize = 16;   // magic, version, header check.
inline constexpr size_t kSegmentTrailerSize = 32;  // footer offset, length, xxh3, magic.
inline constexpr char kSegmentSuffix[] = ".seg";

// What a stored byte is for, for TableStats::bytes_by_column_kind. The stored value is the
// kind's index; the names are the stats' spelling.
enum class ByteKind : uint8_t {
  kTime = 0,
  kVersion = 1,
  kDouble = 2,
  kBigint = 3,
  kVarchar = 4,
  kBoolean = 5,
  kTimestamp = 6,
  kPresence = 7,
  kFilter = 8,  // The per-block key filters.
  kIndex = 9,   // Header, chunk headers, footer and trailer.
};
inline constexpr size_t kNumByteKinds = 10;
absl::string_view ByteKindName(ByteKind kind);
using ByteKindCounts = std::array<int64_t, kNumByteKinds>;

// The kind of the value bytes of a column of `type`. REQUIRES: type is not kMulti.
ByteKind ValueByteKind(MeasureValueType type);

// Measure value types as stored (one byte). kMulti is a stream type only.
uint8_t MeasureTypeCode(MeasureValueType type);
bool MeasureTypeFromCode(uint8_t code, MeasureValueType* type);

struct ColumnSpec {
  std::string name;
  MeasureValueType type = MeasureValueType::kDouble;
};
// Orders columns by name, then type.
bool ColumnLess(const ColumnSpec& a, const ColumnSpec& b);

struct BlockEntry {
  uint64_t offset = 0;  // In the file; blocks tile [kSegmentHeaderSize, footer offset).
  uint64_t length = 0;
  uint64_t checksum = 0;  // XXH3_64bits of the block's bytes.
  int64_t rows = 0;       // >= 1.
  int64_t min_time = 0;   // Of the block's first row.
  int64_t max_time = 0;   // Of its last row.
  // 0: no dictionary; d + 1: StreamEntry::dictionaries[d] holds the block's group
  // dictionary (FORMAT.md, "Dictionaries").
  uint32_t dictionary = 0;
};

// A group dictionary's bytes, stored right before the first block that uses it.
struct DictionaryEntry {
  uint64_t offset = 0;  // In the file, like a block's.
  uint64_t length = 0;
  uint64_t checksum = 0;  // XXH3_64bits of its bytes.
};

struct StreamEntry {
  uint32_t series = 0;  // Index into SegmentIndex::series.
  std::string measure_name;
  MeasureValueType type = MeasureValueType::kDouble;
  std::vector<ColumnSpec> columns;            // Scalar: one, named after the measure, of its type.
  std::vector<BlockEntry> blocks;             // Increasing, disjoint time ranges.
  std::vector<DictionaryEntry> dictionaries;  // In file order; version 2 on.
  // Version 3 on: each block's value summaries of the columns that have them
  // (HasValueSummary), block by block and in column order within a block (BlockSummary
  // finds one). Empty before version 3: nothing is known of the values.
  std::vector<ValueSummary> summaries;
  uint64_t hash = 0;  // StreamHash(series dimensions, measure_name); not stored.
};

struct SegmentIndex {
  std::vector<std::vector<Dimension>> series;  // Each sorted by name; the list by CompareSeries.
  std::vector<StreamEntry> streams;
  ByteKindCounts bytes_by_kind{};  // Stored in the footer, except kIndex (derived on load).
  // The format version of the footer (the file's header); EncodeFooter writes this one.
  // Version 1 has no dictionaries, version 2 no value summaries.
  uint32_t version = kSegmentFormatVersion;
  // Derived on load.
  int64_t min_time = 0;
  int64_t max_time = 0;
  int64_t points = 0;
};

// How many columns of `stream` have value summaries (HasValueSummary of their type).
size_t SummarizedColumns(const StreamEntry& stream);
// The value summary of column `column` in block `block` of `stream`, or null when there is
// none (a segment before version 3, a column of another type).
const ValueSummary* BlockSummary(const StreamEntry& stream, size_t block, size_t column);

// Three-way comparison of two series (dimension lists sorted by name): lexicographic over
// (name, value) pairs, a proper prefix first.
int CompareSeries(const std::vector<Dimension>& a, const std::vector<Dimension>& b);

// The hash of a (series, measure name) the key filters are built over: XXH3_64bits of the
// series' canonical bytes (per dimension: name, value, each varint length + bytes) followed
// by the measure name's.
uint64_t StreamHash(const std::vector<Dimension>& series, absl::string_view measure_name);
// The hash of one (series, measure name, time) key: XXH3_64bits_withSeed over the time's
// 8 little-endian bytes, seeded with the stream hash.
uint64_t RowKeyHash(uint64_t stream_hash, int64_t time_nanos);

// The footer bytes of `index` (FORMAT.md, "Footer"). Block offsets and the derived fields
// are not stored. REQUIRES: the index obeys the orders described at the top of this file,
// has no dictionaries when its version is 1, and from version 3 on a summary per block and
// column.
std::string EncodeFooter(const SegmentIndex& index);

// Parses a footer of format `version` of a file whose blocks (and dictionaries) tile
// [kSegmentHeaderSize, blocks_end) and whose size is `file_size`, filling *index with
// offsets, stream hashes and derived fields.
// Checks every order, count, type and bound the format promises; the error message names
// the first violation (the caller adds the file name).
absl::Status DecodeFooter(absl::string_view footer, uint64_t blocks_end, uint64_t file_size,
                          uint32_t version, SegmentIndex* index);

// "000042.seg"
std::string SegmentFileName(uint64_t file_id);
// True for names SegmentFileName produces, setting *file_id.
bool ParseSegmentFileName(absl::string_view name, uint64_t* file_id);

}  // namespace tsw::magnetic

#endif  // TSW_ENGINE_MAGNETIC_SEGMENT_FORMAT_H_
