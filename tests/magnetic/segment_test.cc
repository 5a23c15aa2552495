// SegmentWriter and SegmentReader: the contract of a single segment file.
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/magnetic/chunk_codec.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"
#include "gtest/gtest.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

std::string TestPath() {
  std::string dir = absl::StrCat(::testing::TempDir(), "/segment_",
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir + "/000001.seg";
}

RowBatch Ints(const std::string& name, std::vector<int64_t> times) {
  RowBatch b;
  b.measure_name = name;
  b.measure_value_type = MeasureValueType::kBigint;
  b.time_nanos = times;
  b.versions.assign(times.size(), 1);
  RowColumn c{.name = name, .type = MeasureValueType::kBigint};
  for (int64_t t : times) c.ints.push_back(t * 3);
  b.columns.push_back(c);
  return b;
}

std::vector<ColumnSpec> IntColumn(const std::string& name) {
  return {{name, MeasureValueType::kBigint}};
}

const std::vector<Dimension> kA = {{"host", "a"}};
const std::vector<Dimension> kB = {{"host", "b"}};

TEST(SegmentTest, WritesStreamsAndReadsEveryBlockBack) {
  const std::string path = TestPath();
  SegmentWriterOptions options;
  options.max_rows_per_block = 3;
  auto writer = SegmentWriter::Create(path, options);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->BeginStream(kA, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
  RowBatch rows = Ints("m", {1, 2, 3, 4, 5, 6, 7});
  ASSERT_TRUE((*writer)->AddRows(rows, 0, 4).ok());
  ASSERT_TRUE((*writer)->AddRows(rows, 4, 7).ok());  // Continues the same stream.
  ASSERT_TRUE((*writer)->BeginStream(kB, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
  ASSERT_TRUE((*writer)->AddRows(Ints("m", {-5}), 0, 1).ok());
  absl::StatusOr<SegmentSummary> summary = (*writer)->Finish();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->points, 8);
  EXPECT_EQ(summary->min_time, -5);
  EXPECT_EQ(summary->max_time, 7);
  EXPECT_EQ(summary->file_size, std::filesystem::file_size(path));

  auto reader = SegmentReader::Open(*Env::Default(), path, *summary, nullptr);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const SegmentIndex& index = (*reader)->index();
  ASSERT_EQ(index.series.size(), 2u);
  ASSERT_EQ(index.streams.size(), 2u);
  ASSERT_EQ(index.streams[0].blocks.size(), 3u);  // 3 + 3 + 1 rows.
  EXPECT_EQ(index.streams[0].blocks[2].rows, 1);
  std::vector<int64_t> times;
  std::vector<int64_t> values;
  for (size_t b = 0; b < 3; ++b) {
    RowBatch block;
    ASSERT_TRUE((*reader)->DecodeBlock(0, b, &block).ok());
    times.insert(times.end(), block.time_nanos.begin(), block.time_nanos.end());
    values.insert(values.end(), block.columns[0].ints.begin(), block.columns[0].ints.end());
  }
  EXPECT_EQ(times, rows.time_nanos);
  EXPECT_EQ(values, rows.columns[0].ints);
  EXPECT_EQ((*reader)->FindStreams(kB, "m"), std::make_pair(size_t{1}, size_t{2}));
  EXPECT_EQ((*reader)->FindStreams(kB, "x"), std::make_pair(size_t{2}, size_t{2}));
}

// On the POSIX Env a reader maps its file and hands out views of the mapped blocks: the
// bytes are the file's, and a byte changed in place after Open is still caught by the
// block's checksum (the mapping shows the file as it is now).
TEST(SegmentTest, AMappedReaderReadsTheFilesBytesAndChecksThem) {
  const std::string path = TestPath();
  SegmentWriterOptions options;
  options.max_rows_per_block = 3;
  auto writer = SegmentWriter::Create(path, options);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->BeginStream(kA, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
  ASSERT_TRUE((*writer)->AddRows(Ints("m", {1, 2, 3, 4, 5}), 0, 5).ok());
  absl::StatusOr<SegmentSummary> summary = (*writer)->Finish();
  ASSERT_TRUE(summary.ok()) << summary.status();
  auto reader = SegmentReader::Open(*Env::Default(), path, *summary, nullptr);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_TRUE((*reader)->mapped());
  const BlockEntry& entry = (*reader)->index().streams[0].blocks[1];
  std::string file_bytes(entry.length, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(entry.offset));
    in.read(file_bytes.data(), static_cast<std::streamsize>(entry.length));
  }
  std::string scratch;
  absl::StatusOr<absl::string_view> bytes = (*reader)->BlockBytes(0, 1, &scratch);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, file_bytes);
  EXPECT_TRUE(scratch.empty()) << "a mapped block is not copied";
  RowBatch block;
  ASSERT_TRUE((*reader)->DecodeBlock(0, 1, &block).ok());
  EXPECT_EQ(block.time_nanos, (std::vector<int64_t>{4, 5}));

  {
    std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(static_cast<std::streamoff>(entry.offset + entry.length - 1));
    out.put(static_cast<char>(file_bytes.back() ^ 0x10));
  }
  absl::Status damaged = (*reader)->DecodeBlock(0, 1, &block);
  EXPECT_EQ(KindOf(damaged), ErrorKind::kInternalServer) << damaged;
  EXPECT_TRUE(absl::StrContains(damaged.message(), "checksum mismatch")) << damaged;
  EXPECT_TRUE((*reader)->DecodeBlock(0, 0, &block).ok());  // The other blocks are intact.
}

TEST(SegmentTest, WriterRefusesStreamsOutOfOrderAndTimesThatDoNotIncrease) {
  auto writer = SegmentWriter::Create(TestPath(), {});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->BeginStream(kB, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
  ASSERT_TRUE((*writer)->AddRows(Ints("m", {5, 6}), 0, 2).ok());
  EXPECT_FALSE((*writer)->AddRows(Ints("m", {6}), 0, 1).ok());
  EXPECT_FALSE((*writer)->AddRows(Ints("other", {7}), 0, 1).ok());  // Not a column.
  EXPECT_FALSE((*writer)->BeginStream(kA, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
  EXPECT_FALSE((*writer)->BeginStream(kB, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
  EXPECT_FALSE((*writer)->BeginStream(kB, "z", MeasureValueType::kBigint, IntColumn("y")).ok());
  EXPECT_FALSE((*writer)->BeginStream(kB, "z", MeasureValueType::kMulti, {}).ok());
}

TEST(SegmentTest, AWriterNotFinishedLeavesNoFile) {
  const std::string path = TestPath();
  {
    auto writer = SegmentWriter::Create(path, {});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->BeginStream(kA, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
    ASSERT_TRUE((*writer)->AddRows(Ints("m", {1}), 0, 1).ok());
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  // And an existing file is never overwritten.
  { std::ofstream(path) << "x"; }
  EXPECT_FALSE(SegmentWriter::Create(path, {}).ok());
}

TEST(SegmentTest, ReaderRefusesAFileThatDisagreesWithTheManifest) {
  const std::string path = TestPath();
  auto writer = SegmentWriter::Create(path, {});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->BeginStream(kA, "m", MeasureValueType::kBigint, IntColumn("m")).ok());
  ASSERT_TRUE((*writer)->AddRows(Ints("m", {1, 2}), 0, 2).ok());
  absl::StatusOr<SegmentSummary> summary = (*writer)->Finish();
  ASSERT_TRUE(summary.ok());
  for (int field = 0; field < 4; ++field) {
    SegmentSummary wrong = *summary;
    if (field == 0) wrong.file_size += 1;
    if (field == 1) wrong.footer_checksum ^= 1;
    if (field == 2) wrong.points += 1;
    if (field == 3) wrong.max_time += 1;
    auto reader = SegmentReader::Open(*Env::Default(), path, wrong, nullptr);
    ASSERT_FALSE(reader.ok()) << field;
    EXPECT_TRUE(absl::StrContains(reader.status().message(), path));
  }
  EXPECT_TRUE(SegmentReader::Open(*Env::Default(), path, *summary, nullptr).ok());
}

TEST(SegmentTest, ColumnChunksRoundTripAndCheckTheirCount) {
  std::vector<int64_t> ints = {std::numeric_limits<int64_t>::min(), -1, 0, 1,
                               std::numeric_limits<int64_t>::max()};
  std::string chunk;
  ASSERT_TRUE(AppendIntChunk(ints, 3, &chunk).ok());
  std::vector<int64_t> back;
  ASSERT_TRUE(DecodeIntChunk(chunk, ints.size(), &back).ok());
  EXPECT_EQ(back, ints);
  EXPECT_FALSE(DecodeIntChunk(chunk, ints.size() + 1, &back).ok());
  EXPECT_FALSE(DecodeIntChunk(chunk.substr(0, chunk.size() - 1), ints.size(), &back).ok());

  std::vector<std::string> strings(500, std::string(100, 'q'));  // Compressible.
  strings[7] = "";
  std::string frame;
  ASSERT_TRUE(AppendStringChunk(strings, 3, &frame).ok());
  EXPECT_LT(frame.size(), 2000u);
  std::vector<std::string> strings_back;
  ASSERT_TRUE(DecodeStringChunk(frame, strings.size(), &strings_back).ok());
  EXPECT_EQ(strings_back, strings);
  EXPECT_FALSE(AppendBoolChunk(std::vector<uint8_t>{0, 2}, 3, &frame).ok());
}

}  // namespace
}  // namespace tsw::magnetic
