// Fuzz target: segment and manifest reading (engine/magnetic).
//
// Input: one byte choosing the check, then:
//   0: a segment file's bytes: SegmentReader::Open, then every block decoded and looked
//      up; a segment that opens must have a footer that re-encodes to its bytes.
//   1: streams and rows derived from the bytes, written with SegmentWriter: reading the
//      segment back must give exactly those rows (FindRow finds each), and flipping any
//      one byte of the file (the input picks which) must make Open or a block read fail:
//      every byte is under a checksum.
//   2: manifest bytes; 3: a manifest body, given its correct checksum. What decodes must
//      re-encode to the same bytes.
//   4: footer bytes (after 16 bytes of bounds); 5: block bytes (after a stream shape):
//      parsing fails cleanly, or decodes rows that encode and decode back the same.
// Segment files are written to a per-process directory on /dev/shm (fuzz_util.h).
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/common/coding.h"
#include "engine/magnetic/block.h"
#include "engine/magnetic/manifest.h"
#include "engine/magnetic/segment_format.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"
#include "tests/fuzz/fuzz_util.h"
#include "tsw/env.h"
#include "tsw/status.h"
#include "tsw/types.h"

namespace tsw::magnetic {
namespace {

using fuzz::InputReader;

void CheckError(const absl::Status& status, absl::string_view what) {
  TSW_FUZZ_CHECK(KindOf(status) == ErrorKind::kInternalServer,
                 absl::StrCat(what, " failed with ", status.ToString()));
}

// Reads every block of `reader`; false at the first failure.
bool ReadAll(const SegmentReader& reader, std::vector<RowBatch>* streams) {
  const SegmentIndex& index = reader.index();
  for (size_t s = 0; s < index.streams.size(); ++s) {
    RowBatch all;
    for (size_t b = 0; b < index.streams[s].blocks.size(); ++b) {
      RowBatch rows;
      const absl::Status status = reader.DecodeBlock(s, b, &rows);
      if (!status.ok()) {
        CheckError(status, "DecodeBlock");
        return false;
      }
      TSW_FUZZ_CHECK(rows.time_nanos.size() == static_cast<size_t>(index.streams[s].blocks[b].rows),
                     "a block decoded to another row count than its index entry");
      TSW_FUZZ_CHECK(rows.columns.size() == index.streams[s].columns.size(),
                     "a block decoded to another column count than its stream");
      const absl::StatusOr<std::optional<RowBatch>> found =
          reader.FindRow(s, b, rows.time_nanos.front());
      if (!found.ok()) {
        CheckError(found.status(), "FindRow");
        return false;
      }
      TSW_FUZZ_CHECK(found->has_value() && (*found)->time_nanos.size() == 1 &&
                         (*found)->time_nanos[0] == rows.time_nanos.front(),
                     "FindRow misses a row DecodeBlock gives");
      if (all.time_nanos.empty()) {
        all = std::move(rows);
        continue;
      }
      all.time_nanos.insert(all.time_nanos.end(), rows.time_nanos.begin(), rows.time_nanos.end());
      all.versions.insert(all.versions.end(), rows.versions.begin(), rows.versions.end());
      for (size_t c = 0; c < all.columns.size(); ++c) {
        RowColumn& to = all.columns[c];
        const RowColumn& from = rows.columns[c];
        to.doubles.insert(to.doubles.end(), from.doubles.begin(), from.doubles.end());
        to.ints.insert(to.ints.end(), from.ints.begin(), from.ints.end());
        to.strings.insert(to.strings.end(), from.strings.begin(), from.strings.end());
        to.present.insert(to.present.end(), from.present.begin(), from.present.end());
      }
    }
    streams->push_back(std::move(all));
  }
  return true;
}

// The footer bytes of a file whose trailer is sane, or empty.
absl::string_view FooterOf(absl::string_view file) {
  if (file.size() < kSegmentHeaderSize + kSegmentTrailerSize) return {};
  const char* trailer = file.data() + file.size() - kSegmentTrailerSize;
  const uint64_t offset = DecodeFixed64(trailer), length = DecodeFixed64(trailer + 8);
  if (offset > file.size() || length > file.size() - offset) return {};
  return file.substr(offset, length);
}

void CheckSegmentFile(absl::string_view bytes) {
  fuzz::ClearScratchDir();
  const std::string path = fuzz::WriteScratchFile("000001.seg", bytes);
  absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
      SegmentReader::Open(*Env::Default(), path, std::nullopt, nullptr);
  if (!reader.ok()) {
    CheckError(reader.status(), "Open");
    return;
  }
  TSW_FUZZ_CHECK(EncodeFooter((*reader)->index()) == FooterOf(bytes),
                 "an accepted footer does not re-encode to its bytes");
  std::vector<RowBatch> streams;
  ReadAll(**reader, &streams);
}

// One stream to write: its key, columns and rows (in stream shape).
struct StreamData {
  std::vector<Dimension> series;
  std::string measure;
  MeasureValueType type = MeasureValueType::kDouble;
  std::vector<ColumnSpec> columns;
  RowBatch rows;
};

StreamData MakeStream(InputReader* in) {
  constexpr MeasureValueType kTypes[] = {MeasureValueType::kDouble, MeasureValueType::kBigint,
                                         MeasureValueType::kVarchar, MeasureValueType::kBoolean,
                                         MeasureValueType::kTimestamp};
  StreamData s;
  const size_t dims = in->Below(3);
  for (size_t d = 0; d < dims; ++d) {
    s.series.push_back({absl::StrCat("d", d), std::string(in->ShortString(8))});
  }
  s.measure = absl::StrCat("m", in->Below(3));
  const bool multi = in->Bool();
  s.type = multi ? MeasureValueType::kMulti : kTypes[in->Below(5)];
  if (multi) {
    const size_t n = 1 + in->Below(3);
    for (size_t c = 0; c < n; ++c)
      s.columns.push_back({absl::StrCat("a", c), kTypes[in->Below(5)]});
  } else {
    s.columns.push_back({s.measure, s.type});
  }
  s.rows.dimensions = s.series;
  s.rows.measure_name = s.measure;
  s.rows.measure_value_type = s.type;
  for (const ColumnSpec& c : s.columns) {
    RowColumn column;
    column.name = c.name;
    column.type = c.type;
    s.rows.columns.push_back(std::move(column));
  }
  const size_t rows = 1 + in->Below(40);
  int64_t time = in->I64() >> 2;
  for (size_t r = 0; r < rows; ++r) {
    s.rows.time_nanos.push_back(time);
    time += 1 + (in->U32() & 0xFFFF);
    s.rows.versions.push_back(1 + in->Byte());
    for (RowColumn& column : s.rows.columns) {
      column.present.push_back(!multi || in->Byte() % 4 != 0);
      column.doubles.push_back(
          column.type == MeasureValueType::kDouble ? std::bit_cast<double>(in->U64()) : 0);
      column.ints.push_back(column.type == MeasureValueType::kBigint ||
                                    column.type == MeasureValueType::kTimestamp
                                ? in->I64()
                            : column.type == MeasureValueType::kBoolean ? in->Byte() & 1
                                                                        : 0);
      column.strings.emplace_back(column.type == MeasureValueType::kVarchar ? in->ShortString(12)
                                                                            : "");
    }
  }
  return s;
}

// Row `r` of `column`: its presence and the value for its type, as text (bits for doubles).
std::string Cell(const RowColumn& column, size_t r) {
  if (!column.present.empty() && column.present[r] == 0) return "absent";
  switch (column.type) {
    case MeasureValueType::kDouble:
      return absl::StrCat("d", std::bit_cast<uint64_t>(column.doubles[r]));
    case MeasureValueType::kVarchar:
      return absl::StrCat("s", column.strings[r]);
    default:
      return absl::StrCat("i", column.ints[r]);
  }
}

bool SameRows(const RowBatch& a, const RowBatch& b) {
  if (a.time_nanos != b.time_nanos || a.versions != b.versions) return false;
  if (a.columns.size() != b.columns.size()) return false;
  for (size_t c = 0; c < a.columns.size(); ++c) {
    if (a.columns[c].name != b.columns[c].name || a.columns[c].type != b.columns[c].type) {
      return false;
    }
    for (size_t r = 0; r < a.time_nanos.size(); ++r) {
      if (Cell(a.columns[c], r) != Cell(b.columns[c], r)) return false;
    }
  }
  return true;
}

void CheckWrittenSegment(InputReader in) {
  SegmentWriterOptions options;
  options.max_rows_per_block = 1 + in.Below(16);
  options.block.zstd_level = in.Below(3);
  options.block.filter_bits_per_key = in.Bool() ? 10 : 0;
  const uint32_t flip_at = in.U32();
  const uint8_t flip = in.Byte() | 1;
  std::vector<StreamData> streams;
  const size_t n = 1 + in.Below(4);
  for (size_t i = 0; i < n; ++i) streams.push_back(MakeStream(&in));
  std::sort(streams.begin(), streams.end(), [&](const StreamData& a, const StreamData& b) {
    const int c = CompareSeries(a.series, b.series);
    if (c != 0) return c < 0;
    return std::make_tuple(a.measure, MeasureTypeCode(a.type)) <
           std::make_tuple(b.measure, MeasureTypeCode(b.type));
  });
  streams.erase(std::unique(streams.begin(), streams.end(),
                            [&](const StreamData& a, const StreamData& b) {
                              return CompareSeries(a.series, b.series) == 0 &&
                                     a.measure == b.measure && a.type == b.type;
                            }),
                streams.end());

  fuzz::ClearScratchDir();
  const std::string path = fuzz::ScratchDir() + "/000002.seg";
  absl::StatusOr<std::unique_ptr<SegmentWriter>> writer = SegmentWriter::Create(path, options);
  TSW_FUZZ_CHECK(writer.ok(), absl::StrCat("Create: ", writer.status().message()));
  for (const StreamData& s : streams) {
    absl::Status status = (*writer)->BeginStream(s.series, s.measure, s.type, s.columns);
    TSW_FUZZ_CHECK(status.ok(), absl::StrCat("BeginStream: ", status.message()));
    // In two calls, to cross AddRows boundaries too.
    const size_t half = s.rows.time_nanos.size() / 2;
    status = (*writer)->AddRows(s.rows, 0, half);
    if (status.ok()) status = (*writer)->AddRows(s.rows, half, s.rows.time_nanos.size());
    TSW_FUZZ_CHECK(status.ok(), absl::StrCat("AddRows: ", status.message()));
  }
  absl::StatusOr<SegmentSummary> summary = (*writer)->Finish();
  TSW_FUZZ_CHECK(summary.ok(), absl::StrCat("Finish: ", summary.status().message()));

  {
    absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
        SegmentReader::Open(*Env::Default(), path, *summary, nullptr);
    TSW_FUZZ_CHECK(reader.ok(),
                   absl::StrCat("a written segment does not open: ", reader.status().message()));
    const SegmentIndex& index = (*reader)->index();
    TSW_FUZZ_CHECK(index.streams.size() == streams.size(), "stream count changed");
    std::vector<RowBatch> read;
    TSW_FUZZ_CHECK(ReadAll(**reader, &read), "a written segment does not read");
    for (size_t i = 0; i < streams.size(); ++i) {
      const StreamEntry& entry = index.streams[i];
      TSW_FUZZ_CHECK(entry.measure_name == streams[i].measure && entry.type == streams[i].type &&
                         CompareSeries((*reader)->series_of(entry), streams[i].series) == 0,
                     absl::StrCat("stream ", i, " has another key"));
      TSW_FUZZ_CHECK(SameRows(read[i], streams[i].rows),
                     absl::StrCat("stream ", i, " reads back other rows"));
      for (size_t b = 0; b < entry.blocks.size(); ++b) {
        const BlockEntry& block = entry.blocks[b];
        for (int64_t t : {block.min_time, block.max_time}) {
          absl::StatusOr<std::optional<RowBatch>> found = (*reader)->FindRow(i, b, t);
          TSW_FUZZ_CHECK(found.ok() && found->has_value(), "FindRow misses a written row");
        }
      }
    }
  }

  // One flipped byte anywhere must be noticed.
  std::string file(summary->file_size, '\0');
  FILE* f = std::fopen(path.c_str(), "rb");
  TSW_FUZZ_CHECK(f != nullptr && std::fread(file.data(), 1, file.size(), f) == file.size(),
                 "cannot read the segment back");
  std::fclose(f);
  const size_t at = flip_at % file.size();
  file[at] = static_cast<char>(file[at] ^ flip);
  const std::string damaged = fuzz::WriteScratchFile("000003.seg", file);
  absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
      SegmentReader::Open(*Env::Default(), damaged, std::nullopt, nullptr);
  if (!reader.ok()) {
    CheckError(reader.status(), "Open of a damaged segment");
    return;
  }
  std::vector<RowBatch> read;
  TSW_FUZZ_CHECK(!ReadAll(**reader, &read), absl::StrCat("a flipped byte at offset ", at, " of ",
                                                         file.size(), " went unnoticed"));
}

void CheckManifest(absl::string_view bytes) {
  Manifest manifest;
  const absl::Status status = DecodeManifest(bytes, &manifest);
  if (!status.ok()) {
    CheckError(status, "DecodeManifest");
    return;
  }
  TSW_FUZZ_CHECK(EncodeManifest(manifest) == bytes,
                 "an accepted manifest does not re-encode to its bytes");
}

std::string WithChecksum(absl::string_view body) {
  std::string out(body);
  const uint64_t sum = XXH3_64bits(body.data(), body.size());
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(sum >> (8 * i)));
  return out;
}

void CheckFooter(InputReader in) {
  const uint64_t blocks_end = kSegmentHeaderSize + in.U32();
  const uint64_t file_size = blocks_end + in.rest().size() + kSegmentTrailerSize;
  in.U32();
  SegmentIndex index;
  const absl::Status status =
      DecodeFooter(in.rest(), blocks_end, file_size, kSegmentFormatVersion, &index);
  if (!status.ok()) {
    CheckError(status, "DecodeFooter");
    return;
  }
  TSW_FUZZ_CHECK(EncodeFooter(index) == in.rest(), "an accepted footer does not re-encode");
}

void CheckBlock(InputReader in) {
  constexpr MeasureValueType kTypes[] = {MeasureValueType::kDouble, MeasureValueType::kBigint,
                                         MeasureValueType::kVarchar, MeasureValueType::kBoolean,
                                         MeasureValueType::kTimestamp};
  StreamEntry stream;
  stream.measure_name = "m";
  const size_t columns = 1 + in.Below(3);
  stream.type = columns == 1 ? kTypes[in.Below(5)] : MeasureValueType::kMulti;
  for (size_t c = 0; c < columns; ++c) {
    stream.columns.push_back(
        {absl::StrCat("a", c), columns == 1 ? stream.type : kTypes[in.Below(5)]});
  }
  const size_t rows = 1 + in.Byte();
  absl::StatusOr<BlockReader> reader = BlockReader::Parse(in.rest(), columns);
  if (!reader.ok()) {
    CheckError(reader.status(), "BlockReader::Parse");
    return;
  }
  (void)reader->MayContain(0);
  RowBatch out;
  const absl::Status status = reader->DecodeAll(stream, rows, &out);
  if (!status.ok()) {
    CheckError(status, "DecodeAll");
    return;
  }
  TSW_FUZZ_CHECK(
      out.time_nanos.size() == rows && out.versions.size() == rows && out.columns.size() == columns,
      "a block decoded to another shape than asked");
  for (size_t i = 1; i < rows; ++i) {
    // EncodeBlock requires increasing times (the segment reader checks them).
    if (out.time_nanos[i - 1] >= out.time_nanos[i]) return;
  }
  std::string block;
  ByteKindCounts counts{};
  BlockEncodeOptions options;
  if (!EncodeBlock(out, 0, rows, 0, options, &block, &counts).ok()) return;
  absl::StatusOr<BlockReader> again = BlockReader::Parse(block, columns);
  RowBatch back;
  TSW_FUZZ_CHECK(again.ok() && again->DecodeAll(stream, rows, &back).ok(),
                 "a re-encoded block does not decode");
  TSW_FUZZ_CHECK(SameRows(back, out), "a block does not round-trip");
}

}  // namespace
}  // namespace tsw::magnetic

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tsw::magnetic;
  tsw::fuzz::InputReader in(data, size);
  switch (in.Byte() % 6) {
    case 0:
      CheckSegmentFile(in.rest());
      break;
    case 1:
      CheckWrittenSegment(in);
      break;
    case 2:
      CheckManifest(in.rest());
      break;
    case 3:
      CheckManifest(WithChecksum(in.rest()));
      break;
    case 4:
      CheckFooter(in);
      break;
    default:
      CheckBlock(in);
      break;
  }
  return 0;
}
