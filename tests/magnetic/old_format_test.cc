// Segments written by an older format version stay readable: testdata/v1_segment.seg was
// written by the version-1 writer (before group dictionaries), testdata/v2_segment.seg by
// the version-2 writer (before value summaries), from the rows below, and every block, and
// a lookup, must read back as those rows.
#include <bit>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"
#include "gtest/gtest.h"

namespace tsw::magnetic {
namespace {

const std::vector<Dimension> kSeries = {{"host", "h1"}, {"region", "eu"}};

// Ten rows of a scalar DOUBLE (NaN, -0.0, infinity and repeats) and a MULTI measure with
// a double, a varchar, a boolean and a bigint attribute, some absent.
RowBatch GoldenDoubles() {
  RowBatch b;
  b.measure_name = "temp";
  b.measure_value_type = MeasureValueType::kDouble;
  RowColumn c{.name = "temp", .type = MeasureValueType::kDouble};
  const double values[] = {21.5,
                           21.5,
                           -0.0,
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(),
                           21.25,
                           1e-300,
                           21.5,
                           3.0,
                           -7.125};
  for (int i = 0; i < 10; ++i) {
    b.time_nanos.push_back(1'000'000'000LL * (i + 1));
    b.versions.push_back(i % 3 + 1);
    c.doubles.push_back(values[i]);
  }
  b.columns.push_back(c);
  return b;
}

RowBatch GoldenMulti() {
  RowBatch b;
  b.measure_name = "metrics";
  b.measure_value_type = MeasureValueType::kMulti;
  RowColumn a{.name = "a", .type = MeasureValueType::kDouble};
  RowColumn s{.name = "b", .type = MeasureValueType::kVarchar};
  RowColumn u{.name = "c", .type = MeasureValueType::kBoolean};
  RowColumn n{.name = "d", .type = MeasureValueType::kBigint};
  for (int i = 0; i < 10; ++i) {
    b.time_nanos.push_back(500 + 1000LL * i);
    b.versions.push_back(1);
    a.present.push_back(i % 4 != 1);
    a.doubles.push_back(i * 0.5);
    s.present.push_back(1);
    s.strings.push_back(i % 2 == 0 ? "ok" : std::string("\0x", 2));
    u.present.push_back(i % 3 != 0);
    u.ints.push_back(i % 2);
    n.present.push_back(1);
    n.ints.push_back(i == 7 ? std::numeric_limits<int64_t>::min() : i * 1000);
  }
  b.columns = {a, s, u, n};
  return b;
}

// A scalar DOUBLE of 64 rows cycling through three values, so the writer may give its
// blocks a group dictionary.
RowBatch GoldenRepeats() {
  RowBatch b;
  b.measure_name = "load";
  b.measure_value_type = MeasureValueType::kDouble;
  RowColumn c{.name = "load", .type = MeasureValueType::kDouble};
  for (int i = 0; i < 64; ++i) {
    b.time_nanos.push_back(7'000 + 10LL * i);
    b.versions.push_back(1);
    c.doubles.push_back(1.5 + (i % 3));
  }
  b.columns.push_back(c);
  return b;
}

std::string RowText(const RowBatch& b, size_t row) {
  std::string text = absl::StrCat(b.time_nanos[row], "/", b.versions[row]);
  for (const RowColumn& c : b.columns) {
    const bool present = c.present.empty() || c.present[row] != 0;
    absl::StrAppend(&text, " ", c.name, "=");
    if (!present) {
      text += "-";
    } else if (c.type == MeasureValueType::kDouble) {
      absl::StrAppend(&text, std::bit_cast<uint64_t>(c.doubles[row]));
    } else if (c.type == MeasureValueType::kVarchar) {
      absl::StrAppend(&text, absl::CHexEscape(c.strings[row]));
    } else {
      absl::StrAppend(&text, c.ints[row]);
    }
  }
  return text;
}

std::vector<std::string> Rows(const RowBatch& b) {
  std::vector<std::string> rows;
  for (size_t i = 0; i < b.time_nanos.size(); ++i) rows.push_back(RowText(b, i));
  return rows;
}

// testdata/v1_segment.seg was written by the version-1 writer (commit 0a06cfc) with
// max_rows_per_block 4 and filter_bits_per_key 10: the "metrics" stream of GoldenMulti()
// then the "temp" stream of GoldenDoubles(), series kSeries.
// That stream `s` of `reader`, whose blocks decoded to `rows`, holds `expected` (absent
// presence meaning every row present), and that looking up its row 5 finds it.
void ExpectStreamHolds(const SegmentReader& reader, size_t s, const std::vector<std::string>& rows,
                       const RowBatch& expected) {
  RowBatch want = expected;
  for (RowColumn& c : want.columns) {
    if (c.present.empty()) c.present.assign(want.time_nanos.size(), 1);
  }
  EXPECT_EQ(rows, Rows(want));
  absl::StatusOr<std::optional<RowBatch>> row = reader.FindRow(s, 1, expected.time_nanos[5]);
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ(RowText(**row, 0), Rows(want)[5]);
}

TEST(OldFormatTest, ReadsAVersion1SegmentBlockByBlockAndByLookup) {
  const std::string path = "tests/magnetic/testdata/v1_segment.seg";
  auto reader = SegmentReader::Open(*Env::Default(), path, std::nullopt, nullptr);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const SegmentIndex& index = (*reader)->index();
  EXPECT_EQ(index.version, 1u);
  {  // Its footer re-encodes in version 1's form, byte for byte.
    std::ifstream in(path, std::ios::binary);
    const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const uint64_t footer_offset = DecodeFixed64(file.data() + file.size() - 32);
    EXPECT_EQ(EncodeFooter(index), file.substr(footer_offset, file.size() - 32 - footer_offset));
  }
  ASSERT_EQ(index.streams.size(), 2u);
  const RowBatch expected[] = {GoldenMulti(), GoldenDoubles()};
  for (size_t s = 0; s < 2; ++s) {
    const StreamEntry& stream = index.streams[s];
    EXPECT_EQ(stream.measure_name, expected[s].measure_name);
    EXPECT_TRUE(stream.dictionaries.empty());
    ASSERT_EQ(stream.blocks.size(), 3u);  // 4 + 4 + 2 rows.
    std::vector<std::string> rows;
    for (size_t b = 0; b < stream.blocks.size(); ++b) {
      EXPECT_EQ(stream.blocks[b].dictionary, 0u);
      RowBatch block;
      ASSERT_TRUE((*reader)->DecodeBlock(s, b, &block).ok());
      for (const std::string& row : Rows(block)) rows.push_back(row);
    }
    ExpectStreamHolds(**reader, s, rows, expected[s]);
  }
}

// testdata/v2_segment.seg was written by the version-2 writer (main at 6ac3a29) with
// max_rows_per_block 4 and filter_bits_per_key 10: the streams "load" (GoldenRepeats(),
// blocks sharing a group dictionary), "metrics" (GoldenMulti()) and "temp"
// (GoldenDoubles()), series kSeries. It has no value summaries, so a filtered scan reads
// every block of it.
TEST(OldFormatTest, ReadsAVersion2SegmentWithoutValueSummaries) {
  const std::string path = "tests/magnetic/testdata/v2_segment.seg";
  auto reader = SegmentReader::Open(*Env::Default(), path, std::nullopt, nullptr);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const SegmentIndex& index = (*reader)->index();
  EXPECT_EQ(index.version, 2u);
  {  // Its footer re-encodes in version 2's form, byte for byte.
    std::ifstream in(path, std::ios::binary);
    const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const uint64_t footer_offset = DecodeFixed64(file.data() + file.size() - 32);
    EXPECT_EQ(EncodeFooter(index), file.substr(footer_offset, file.size() - 32 - footer_offset));
  }
  ASSERT_EQ(index.streams.size(), 3u);
  const RowBatch expected[] = {GoldenRepeats(), GoldenMulti(), GoldenDoubles()};
  EXPECT_FALSE(index.streams[0].dictionaries.empty());
  for (size_t s = 0; s < 3; ++s) {
    const StreamEntry& stream = index.streams[s];
    EXPECT_EQ(stream.measure_name, expected[s].measure_name);
    EXPECT_TRUE(stream.summaries.empty());
    std::vector<std::string> rows;
    for (size_t b = 0; b < stream.blocks.size(); ++b) {
      EXPECT_EQ(BlockSummary(stream, b, 0), nullptr);
      // A bound no stored value meets still cannot rule a block out.
      const ValueBound never{.attribute = stream.columns[0].name,
                             .type = stream.columns[0].type,
                             .op = ValueBound::Op::kGreater,
                             .d = 1e300};
      EXPECT_TRUE((*reader)->MayMatch(s, b, {never}));
      RowBatch block;
      ASSERT_TRUE((*reader)->DecodeBlock(s, b, &block).ok());
      for (const std::string& row : Rows(block)) rows.push_back(row);
    }
    ExpectStreamHolds(**reader, s, rows, expected[s]);
  }
}

}  // namespace
}  // namespace tsw::magnetic
