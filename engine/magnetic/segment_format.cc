#include "engine/magnetic/segment_format.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/common/coding.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::magnetic {

absl::string_view ByteKindName(ByteKind kind) {
  switch (kind) {
    case ByteKind::kTime:
      return "time";
    case ByteKind::kVersion:
      return "version";
    case ByteKind::kDouble:
      return "double";
    case ByteKind::kBigint:
      return "bigint";
    case ByteKind::kVarchar:
      return "varchar";
    case ByteKind::kBoolean:
      return "boolean";
    case ByteKind::kTimestamp:
      return "timestamp";
    case ByteKind::kPresence:
      return "presence";
    case ByteKind::kFilter:
      return "filter";
    case ByteKind::kIndex:
      return "index";
  }
  return "unknown";
}

ByteKind ValueByteKind(MeasureValueType type) {
  switch (type) {
    case MeasureValueType::kDouble:
      return ByteKind::kDouble;
    case MeasureValueType::kBigint:
      return ByteKind::kBigint;
    case MeasureValueType::kVarchar:
      return ByteKind::kVarchar;
    case MeasureValueType::kBoolean:
      return ByteKind::kBoolean;
    case MeasureValueType::kTimestamp:
      return ByteKind::kTimestamp;
    case MeasureValueType::kMulti:
      break;
  }
  return ByteKind::kIndex;
}

uint8_t MeasureTypeCode(MeasureValueType type) {
  switch (type) {
    case MeasureValueType::kDouble:
      return 1;
    case MeasureValueType::kBigint:
      return 2;
    case MeasureValueType::kVarchar:
      return 3;
    case MeasureValueType::kBoolean:
      return 4;
    case MeasureValueType::kTimestamp:
      return 5;
    case MeasureValueType::kMulti:
      return 6;
  }
  return 0;
}

bool MeasureTypeFromCode(uint8_t code, MeasureValueType* type) {
  switch (code) {
    case 1:
      *type = MeasureValueType::kDouble;
      return true;
    case 2:
      *type = MeasureValueType::kBigint;
      return true;
    case 3:
      *type = MeasureValueType::kVarchar;
      return true;
    case 4:
      *type = MeasureValueType::kBoolean;
      return true;
    case 5:
      *type = MeasureValueType::kTimestamp;
      return true;
    case 6:
      *type = MeasureValueType::kMulti;
      return true;
  }
  return false;
}

bool ColumnLess(const ColumnSpec& a, const ColumnSpec& b) {
  if (a.name != b.name) return a.name < b.name;
  return MeasureTypeCode(a.type) < MeasureTypeCode(b.type);
}

int CompareSeries(const std::vector<Dimension>& a, const std::vector<Dimension>& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = a[i].name.compare(b[i].name); c != 0) return c < 0 ? -1 : 1;
    if (int c = a[i].value.compare(b[i].value); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

uint64_t StreamHash(const std::vector<Dimension>& series, absl::string_view measure_name) {
  std::string bytes;
  for (const Dimension& d : series) {
    PutLengthPrefixed(&bytes, d.name);
    PutLengthPrefixed(&bytes, d.value);
  }
  PutLengthPrefixed(&bytes, measure_name);
  return XXH3_64bits(bytes.data(), bytes.size());
}

uint64_t RowKeyHash(uint64_t stream_hash, int64_t time_nanos) {
  std::string bytes;
  PutFixed64(&bytes, static_cast<uint64_t>(time_nanos));
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), stream_hash);
}

size_t SummarizedColumns(const StreamEntry& stream) {
  size_t n = 0;
  for (const ColumnSpec& column : stream.columns) n += HasValueSummary(column.type) ? 1 : 0;
  return n;
}

const ValueSummary* BlockSummary(const StreamEntry& stream, size_t block, size_t column) {
  if (stream.summaries.empty() || !HasValueSummary(stream.columns[column].type)) return nullptr;
  size_t slot = 0;
  for (size_t c = 0; c < column; ++c) slot += HasValueSummary(stream.columns[c].type) ? 1 : 0;
  return &stream.summaries[block * SummarizedColumns(stream) + slot];
}

std::string SegmentFileName(uint64_t file_id) {
  return absl::StrFormat("%06d%s", file_id, kSegmentSuffix);
}

bool ParseSegmentFileName(absl::string_view name, uint64_t* file_id) {
  absl::string_view suffix(kSegmentSuffix);
  if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) {
    return false;
  }
  absl::string_view digits = name.substr(0, name.size() - suffix.size());
  if (digits.size() < 6) return false;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(digits, file_id) && SegmentFileName(*file_id) == name;
}

}  // namespace tsw::magnetic

namespace tsw::magnetic {
namespace {

// Bounds on counts read from a footer: a verified footer never exceeds them; they stop a
// checksum collision from turning into a huge allocation.
constexpr uint64_t kMaxCount = uint64_t{1} << 32;
constexpr uint64_t kMaxBlockRows = uint64_t{1} << 24;

absl::Status BadFooter(absl::string_view detail) {
  return tsw::InternalError(absl::StrCat("corrupt footer: ", detail));
}

int CompareStreams(const StreamEntry& a, const StreamEntry& b) {
  if (a.series != b.series) return a.series < b.series ? -1 : 1;
  if (int c = a.measure_name.compare(b.measure_name); c != 0) return c < 0 ? -1 : 1;
  uint8_t ta = MeasureTypeCode(a.type);
  uint8_t tb = MeasureTypeCode(b.type);
  if (ta != tb) return ta < tb ? -1 : 1;
  return 0;
}

}  // namespace

std::string EncodeFooter(const SegmentIndex& index) {
  std::string out;
  PutVarint64(&out, index.series.size());
  for (const std::vector<Dimension>& series : index.series) {
    PutVarint64(&out, series.size());
    for (const Dimension& d : series) {
      PutLengthPrefixed(&out, d.name);
      PutLengthPrefixed(&out, d.value);
    }
  }
  PutVarint64(&out, index.streams.size());
  for (const StreamEntry& stream : index.streams) {
    PutVarint64(&out, stream.series);
    PutLengthPrefixed(&out, stream.measure_name);
    out.push_back(static_cast<char>(MeasureTypeCode(stream.type)));
    PutVarint64(&out, stream.columns.size());
    for (const ColumnSpec& column : stream.columns) {
      PutLengthPrefixed(&out, column.name);
      out.push_back(static_cast<char>(MeasureTypeCode(column.type)));
    }
    if (index.version >= 2) {
      PutVarint64(&out, stream.dictionaries.size());
      for (const DictionaryEntry& dictionary : stream.dictionaries) {
        PutVarint64(&out, dictionary.length);
        PutFixed64(&out, dictionary.checksum);
      }
    }
    PutVarint64(&out, stream.blocks.size());
    for (size_t b = 0; b < stream.blocks.size(); ++b) {
      const BlockEntry& block = stream.blocks[b];
      PutVarint64(&out, block.length);
      PutFixed64(&out, block.checksum);
      PutVarint64(&out, static_cast<uint64_t>(block.rows));
      PutSignedVarint64(&out, block.min_time);
      PutVarint64(&out,
                  static_cast<uint64_t>(block.max_time) - static_cast<uint64_t>(block.min_time));
      if (index.version >= 2) PutVarint64(&out, block.dictionary);
      if (index.version < 3) continue;
      const ValueSummary* summary = stream.summaries.data() + b * SummarizedColumns(stream);
      for (const ColumnSpec& column : stream.columns) {
        if (HasValueSummary(column.type)) EncodeValueSummary(column.type, *summary++, &out);
      }
    }
  }
  const size_t stored_kinds = static_cast<size_t>(ByteKind::kIndex);
  PutVarint64(&out, stored_kinds);
  for (size_t k = 0; k < stored_kinds; ++k) {
    PutVarint64(&out, static_cast<uint64_t>(index.bytes_by_kind[k]));
  }
  return out;
}

namespace {

// DecodeFooter's phases, in the footer's order (engine/magnetic/FORMAT.md). Each reads its
// part from `in` and checks it as it goes, failing with BadFooter naming what was wrong.

// The series table: each series' dimensions sorted by name, the series sorted.
absl::Status DecodeSeriesTable(uint64_t footer_size, ByteReader* in, SegmentIndex* index) {
  uint64_t num_series;
  if (!in->ReadCount(std::min<uint64_t>(kMaxCount, footer_size), &num_series)) {
    return BadFooter("series count");
  }
  index->series.resize(num_series);
  for (uint64_t i = 0; i < num_series; ++i) {
    uint64_t num_dims;
    if (!in->ReadCount(in->remaining(), &num_dims)) return BadFooter("dimension count");
    std::vector<Dimension>& series = index->series[i];
    series.resize(num_dims);
    for (uint64_t d = 0; d < num_dims; ++d) {
      absl::string_view name;
      absl::string_view value;
      if (!in->ReadLengthPrefixed(&name) || !in->ReadLengthPrefixed(&value))
        return BadFooter("dimension");
      series[d].name.assign(name.data(), name.size());
      series[d].value.assign(value.data(), value.size());
      if (d > 0 && !(series[d - 1].name < series[d].name)) {
        return BadFooter("dimensions not sorted by name");
      }
    }
    if (i > 0 && CompareSeries(index->series[i - 1], series) >= 0) {
      return BadFooter("series not sorted");
    }
  }
  return absl::OkStatus();
}

// One stream's key (series, measure, type) and its columns, sorted; a scalar stream has
// exactly the column of its measure, a MULTI stream at least one.
absl::Status DecodeStreamKey(uint64_t num_series, ByteReader* in, StreamEntry* stream) {
  uint64_t series;
  absl::string_view measure;
  uint8_t type_code;
  if (!in->ReadCount(num_series == 0 ? 0 : num_series - 1, &series) || num_series == 0 ||
      !in->ReadLengthPrefixed(&measure) || !in->ReadByte(&type_code) ||
      !MeasureTypeFromCode(type_code, &stream->type)) {
    return BadFooter("stream key");
  }
  stream->series = static_cast<uint32_t>(series);
  stream->measure_name.assign(measure.data(), measure.size());
  uint64_t num_columns;
  if (!in->ReadCount(in->remaining(), &num_columns)) return BadFooter("column count");
  stream->columns.resize(num_columns);
  for (uint64_t c = 0; c < num_columns; ++c) {
    absl::string_view name;
    if (!in->ReadLengthPrefixed(&name) || !in->ReadByte(&type_code) ||
        !MeasureTypeFromCode(type_code, &stream->columns[c].type) ||
        stream->columns[c].type == MeasureValueType::kMulti) {
      return BadFooter("column");
    }
    stream->columns[c].name.assign(name.data(), name.size());
    if (c > 0 && !ColumnLess(stream->columns[c - 1], stream->columns[c])) {
      return BadFooter("columns not sorted");
    }
  }
  if (stream->type == MeasureValueType::kMulti) {
    if (stream->columns.empty()) return BadFooter("MULTI stream without columns");
  } else if (stream->columns.size() != 1 || stream->columns[0].name != stream->measure_name ||
             stream->columns[0].type != stream->type) {
    return BadFooter("scalar stream with wrong columns");
  }
  return absl::OkStatus();
}

// One stream's dictionary entries (version 2 on): each at least one byte; their offsets
// are set as the blocks that use them are placed.
absl::Status DecodeDictionaryEntries(ByteReader* in, StreamEntry* stream) {
  uint64_t num_dictionaries;
  if (!in->ReadCount(in->remaining(), &num_dictionaries)) return BadFooter("dictionary count");
  stream->dictionaries.resize(num_dictionaries);
  for (DictionaryEntry& dictionary : stream->dictionaries) {
    if (!in->ReadVarint64(&dictionary.length) || !in->ReadFixed64(&dictionary.checksum) ||
        dictionary.length == 0) {
      return BadFooter("dictionary entry");
    }
  }
  return absl::OkStatus();
}

// A block's dictionary reference (version 2 on): none, the latest dictionary placed, or
// the next one, which then lies where the block would start (*offset moves past it).
absl::Status PlaceBlockDictionary(uint64_t blocks_end, ByteReader* in, StreamEntry* stream,
                                  uint32_t* placed, uint64_t* offset, BlockEntry* block) {
  uint64_t ref;
  if (!in->ReadCount(stream->dictionaries.size(), &ref)) return BadFooter("block dictionary");
  if (ref != 0 && ref != *placed && ref != *placed + 1) {
    return BadFooter("block names a dictionary out of order");
  }
  block->dictionary = static_cast<uint32_t>(ref);
  if (ref == *placed + 1) {
    DictionaryEntry& dictionary = stream->dictionaries[ref - 1];
    if (dictionary.length > blocks_end - *offset) {
      return BadFooter("dictionary beyond the data region");
    }
    dictionary.offset = *offset;
    *offset += dictionary.length;
    *placed = static_cast<uint32_t>(ref);
  }
  return absl::OkStatus();
}

// One stream's block entries: at least one, apart in time, each inside the data region
// where the previous block (or its dictionary) ended (*offset, moved past them). Adds
// their rows to *points.
absl::Status DecodeBlockEntries(uint64_t blocks_end, uint32_t version, ByteReader* in,
                                StreamEntry* stream, uint64_t* offset, int64_t* points) {
  if (version >= 2) {
    if (absl::Status s = DecodeDictionaryEntries(in, stream); !s.ok()) return s;
  }
  uint32_t placed = 0;
  uint64_t num_blocks;
  if (!in->ReadCount(in->remaining(), &num_blocks) || num_blocks == 0) {
    return BadFooter("block count");
  }
  stream->blocks.resize(num_blocks);
  // From version 3 on, each block's entry holds at least a byte per summarized column.
  const size_t summarized = SummarizedColumns(*stream);
  if (version >= 3) {
    if (summarized > 0 && num_blocks > in->remaining() / summarized) {
      return BadFooter("block count");
    }
    stream->summaries.resize(num_blocks * summarized);
  }
  for (uint64_t b = 0; b < num_blocks; ++b) {
    BlockEntry& block = stream->blocks[b];
    uint64_t rows;
    uint64_t span;
    if (!in->ReadVarint64(&block.length) || !in->ReadFixed64(&block.checksum) ||
        !in->ReadCount(kMaxBlockRows, &rows) || rows == 0 ||
        !in->ReadSignedVarint64(&block.min_time) || !in->ReadVarint64(&span)) {
      return BadFooter("block entry");
    }
    if (version >= 2) {
      if (absl::Status s = PlaceBlockDictionary(blocks_end, in, stream, &placed, offset, &block);
          !s.ok()) {
        return s;
      }
    }
    // The block's summaries from index b * summarized (an index: before version 3 there
    // are none, and stepping from the empty vector's null data() would be undefined).
    size_t next = b * summarized;
    for (size_t c = 0; version >= 3 && c < stream->columns.size(); ++c) {
      const MeasureValueType type = stream->columns[c].type;
      if (HasValueSummary(type) && !DecodeValueSummary(type, in, &stream->summaries[next++])) {
        return BadFooter("block value summary");
      }
    }
    block.rows = static_cast<int64_t>(rows);
    // max_time = min_time + span must not overflow, and `rows` distinct times need a
    // span of at least rows - 1.
    if (span > static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(block.min_time) ||
        span < rows - 1) {
      return BadFooter("block time range");
    }
    block.max_time = static_cast<int64_t>(static_cast<uint64_t>(block.min_time) + span);
    if (b > 0 && block.min_time <= stream->blocks[b - 1].max_time) {
      return BadFooter("blocks overlap in time");
    }
    if (block.length == 0 || block.length > blocks_end - *offset) {
      return BadFooter("block beyond the data region");
    }
    block.offset = *offset;
    *offset += block.length;
    *points += block.rows;
  }
  if (placed != stream->dictionaries.size()) return BadFooter("a dictionary no block uses");
  return absl::OkStatus();
}

// The stream table: streams sorted, their blocks filling the data region exactly; sets the
// index's time range (0 to 0 without streams) and point count.
absl::Status DecodeStreamTable(uint64_t blocks_end, uint32_t version, ByteReader* in,
                               SegmentIndex* index) {
  const uint64_t num_series = index->series.size();
  uint64_t num_streams;
  if (!in->ReadCount(std::min<uint64_t>(kMaxCount, in->remaining()), &num_streams)) {
    return BadFooter("stream count");
  }
  index->streams.resize(num_streams);
  uint64_t offset = kSegmentHeaderSize;
  index->min_time = INT64_MAX;
  index->max_time = INT64_MIN;
  for (uint64_t i = 0; i < num_streams; ++i) {
    StreamEntry& stream = index->streams[i];
    if (absl::Status s = DecodeStreamKey(num_series, in, &stream); !s.ok()) return s;
    if (i > 0 && CompareStreams(index->streams[i - 1], stream) >= 0) {
      return BadFooter("streams not sorted");
    }
    if (absl::Status s =
            DecodeBlockEntries(blocks_end, version, in, &stream, &offset, &index->points);
        !s.ok()) {
      return s;
    }
    index->min_time = std::min(index->min_time, stream.blocks.front().min_time);
    index->max_time = std::max(index->max_time, stream.blocks.back().max_time);
    stream.hash = StreamHash(index->series[stream.series], stream.measure_name);
  }
  if (offset != blocks_end) return BadFooter("blocks do not fill the data region");
  return absl::OkStatus();
}

// The bytes of each stored kind; the index's own bytes are the rest of the file.
absl::Status DecodeByteKinds(uint64_t file_size, ByteReader* in, SegmentIndex* index) {
  uint64_t num_kinds;
  if (!in->ReadVarint64(&num_kinds) || num_kinds != static_cast<size_t>(ByteKind::kIndex)) {
    return BadFooter("byte kind count");
  }
  int64_t counted = 0;
  for (uint64_t k = 0; k < num_kinds; ++k) {
    uint64_t bytes;
    if (!in->ReadCount(file_size, &bytes)) return BadFooter("byte kind");
    index->bytes_by_kind[k] = static_cast<int64_t>(bytes);
    counted += static_cast<int64_t>(bytes);
  }
  if (counted > static_cast<int64_t>(file_size)) return BadFooter("byte kinds exceed the file");
  index->bytes_by_kind[static_cast<size_t>(ByteKind::kIndex)] =
      static_cast<int64_t>(file_size) - counted;
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeFooter(absl::string_view footer, uint64_t blocks_end, uint64_t file_size,
                          uint32_t version, SegmentIndex* index) {
  *index = SegmentIndex();
  index->version = version;
  ByteReader in(footer);
  if (absl::Status s = DecodeSeriesTable(footer.size(), &in, index); !s.ok()) return s;
  if (absl::Status s = DecodeStreamTable(blocks_end, version, &in, index); !s.ok()) return s;
  if (absl::Status s = DecodeByteKinds(file_size, &in, index); !s.ok()) return s;
  if (!in.empty()) return BadFooter("trailing bytes");
  if (index->streams.empty()) {
    index->min_time = 0;
    index->max_time = 0;
  }
  // Every series must be used by a stream, so the index has one encoding per content.
  std::vector<bool> used(index->series.size(), false);
  for (const StreamEntry& stream : index->streams) used[stream.series] = true;
  for (bool u : used) {
    if (!u) return BadFooter("series without streams");
  }
  return absl::OkStatus();
}

}  // namespace tsw::magnetic
