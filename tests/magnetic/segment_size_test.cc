// What a segment stores for DOUBLE columns: never more than the best of ALP, ALP_rd,
// Chimp128 and Zstd level 3 on the same values (block by block, headers allowed for), on
// every real series found and on generated families; and group dictionaries round-trip
// through blocks, lookups and corruption checks.
//
// Real series: every *.csv in $TSW_REAL_DOUBLES, else /work/shared/data/real-doubles (one
// value a line, "" or empty for a missing reading; bench/real_doubles_bench.cc reads the
// same); skipped with a message when neither exists.
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/encoding/column_codec.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"
#include "gtest/gtest.h"

namespace tsw::magnetic {
namespace {

constexpr size_t kBlockRows = 4096;
// Bytes a stored column may exceed the best codec's encoded column by: its Zstd frame's
// kind byte and length (a varint of up to 3 bytes for a block).
constexpr size_t kFrameSlack = 4;

std::string TestDir() {
  std::string dir = absl::StrCat(::testing::TempDir(), "/segment_size_",
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

RowBatch DoubleBatch(const std::vector<double>& values) {
  RowBatch b;
  b.measure_name = "v";
  b.measure_value_type = MeasureValueType::kDouble;
  RowColumn c{.name = "v", .type = MeasureValueType::kDouble};
  for (size_t i = 0; i < values.size(); ++i) {
    b.time_nanos.push_back(static_cast<int64_t>(i) * 1'000'000'000);
    b.versions.push_back(1);
  }
  c.doubles = values;
  b.columns.push_back(c);
  return b;
}

// Writes `values` as one DOUBLE stream and returns its reader.
std::shared_ptr<const SegmentReader> WriteSegment(const std::string& path,
                                                  const std::vector<double>& values,
                                                  const SegmentWriterOptions& options = {}) {
  auto writer = SegmentWriter::Create(path, options);
  EXPECT_TRUE(writer.ok()) << writer.status();
  if (!writer.ok()) return nullptr;
  EXPECT_TRUE((*writer)
                  ->BeginStream({{"s", "1"}}, "v", MeasureValueType::kDouble,
                                {{"v", MeasureValueType::kDouble}})
                  .ok());
  RowBatch batch = DoubleBatch(values);
  absl::Status added = (*writer)->AddRows(batch, 0, values.size());
  EXPECT_TRUE(added.ok()) << added;
  absl::StatusOr<SegmentSummary> summary = (*writer)->Finish();
  EXPECT_TRUE(summary.ok()) << summary.status();
  if (!summary.ok()) return nullptr;
  auto reader = SegmentReader::Open(*Env::Default(), path, *summary, nullptr);
  EXPECT_TRUE(reader.ok()) << reader.status();
  return reader.ok() ? *reader : nullptr;
}

// The fewest bytes ALP, ALP_rd or Chimp128 (encoded columns) or Zstd level 3 over the raw
// doubles take for `values`.
size_t BestOfReferences(absl::Span<const double> values) {
  size_t best = ZSTD_compressBound(values.size() * 8);
  std::string zstd(best, '\0');
  const size_t z = ZSTD_compress(zstd.data(), zstd.size(), values.data(), values.size() * 8, 3);
  if (!ZSTD_isError(z)) best = z;
  for (encoding::CodecId id : {encoding::CodecId::kDoubleAlp, encoding::CodecId::kDoubleAlpRd,
                               encoding::CodecId::kDoubleChimp128}) {
    std::string encoded;
    encoding::EncodeOptions options;
    options.codec = id;
    if (encoding::EncodeDoubles(values, &encoded, options).ok()) {
      best = std::min(best, encoded.size());
    }
  }
  return best;
}

// Every block decodes to `values`, a lookup finds rows, and the DOUBLE bytes on disk
// (value chunks and dictionaries) are at most the best reference per block, plus slack;
// with group dictionaries (the default) and without (groups of one block).
void ExpectNoLargerThanReferences(const std::string& name, const std::vector<double>& values,
                                  int group_blocks);

void ExpectNoLargerThanReferences(const std::string& name, const std::vector<double>& values) {
  ExpectNoLargerThanReferences(name, values, SegmentWriterOptions().dictionary_group_blocks);
  ExpectNoLargerThanReferences(name, values, 1);
}

void ExpectNoLargerThanReferences(const std::string& name, const std::vector<double>& values,
                                  int group_blocks) {
  SCOPED_TRACE(absl::StrCat(name, ", groups of ", group_blocks, " blocks"));
  const std::string path = TestDir() + "/000001.seg";
  SegmentWriterOptions options;
  options.dictionary_group_blocks = group_blocks;
  std::shared_ptr<const SegmentReader> reader = WriteSegment(path, values, options);
  ASSERT_NE(reader, nullptr);
  const StreamEntry& stream = reader->index().streams[0];
  size_t reference = 0, row = 0;
  for (size_t b = 0; b < stream.blocks.size(); ++b) {
    RowBatch block;
    absl::Status decoded = reader->DecodeBlock(0, b, &block);
    ASSERT_TRUE(decoded.ok()) << decoded;
    const auto expected = absl::MakeConstSpan(values).subspan(row, block.time_nanos.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint64_t>(block.columns[0].doubles[i]),
                std::bit_cast<uint64_t>(expected[i]))
          << "block " << b << " row " << i;
    }
    reference += BestOfReferences(expected) + kFrameSlack;
    row += expected.size();
  }
  ASSERT_EQ(row, values.size());
  const size_t stored =
      static_cast<size_t>(reader->index().bytes_by_kind[static_cast<size_t>(ByteKind::kDouble)]);
  EXPECT_LE(stored, reference) << stored * 8.0 / values.size() << " bits per value against "
                               << reference * 8.0 / values.size();
  const size_t probe = values.size() * 3 / 4;
  absl::StatusOr<std::optional<RowBatch>> found =
      reader->FindRow(0, probe / kBlockRows, static_cast<int64_t>(probe) * 1'000'000'000);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(std::bit_cast<uint64_t>((*found)->columns[0].doubles[0]),
            std::bit_cast<uint64_t>(values[probe]));
}

std::string RealDataDir() {
  if (const char* dir = std::getenv("TSW_REAL_DOUBLES")) return dir;
  return "/work/shared/data/real-doubles";
}

std::vector<double> ReadSeries(const std::filesystem::path& path) {
  std::vector<double> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    double v;
    if (!text.empty() && text != "\"\"" && absl::SimpleAtod(text, &v)) values.push_back(v);
  }
  return values;
}

TEST(SegmentSizeTest, RealSeriesCostNoMoreThanTheBestReferenceCodec) {
  std::error_code ec;
  const std::filesystem::path dir = RealDataDir();
  if (!std::filesystem::is_directory(dir, ec)) {
    GTEST_SKIP() << "no real series at " << dir << " (set TSW_REAL_DOUBLES)";
  }
  int series = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    std::vector<double> values = ReadSeries(entry.path());
    if (values.empty()) continue;
    ExpectNoLargerThanReferences(entry.path().filename().string(), values);
    ++series;
  }
  EXPECT_GT(series, 0);
}

// Families of generated columns, 40,000 values each (ten blocks, a group dictionary's
// worth of repeats where there are any).
std::vector<std::pair<std::string, std::vector<double>>> Families() {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> noise(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  constexpr size_t n = 40'000;
  std::vector<std::pair<std::string, std::vector<double>>> out;
  auto add = [&](std::string name, auto gen) {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = gen(i);
    out.emplace_back(std::move(name), std::move(v));
  };
  double walk = 20;
  add("noisy_1_decimal", [&](size_t) {
    walk += 0.05 * noise(rng);
    return std::round((walk + 0.3 * noise(rng)) * 10) / 10;
  });
  add("noisy_2_decimals", [&](size_t) { return std::round((1013 + 2 * noise(rng)) * 100) / 100; });
  add("wind_float_printed",
      [&](size_t) { return static_cast<double>(static_cast<float>(std::abs(3 * noise(rng)))); });
  add("high_precision", [&](size_t) { return 47.3 + unit(rng); });
  add("random_bits", [&](size_t) {
    double d;
    do d = std::bit_cast<double>(rng());
    while (std::isnan(d));
    return d;
  });
  add("constant", [](size_t) { return 21.5; });
  // A cycle of 2,000 full-precision values: only Zstd's long matches see the repeats.
  std::vector<double> cycle(2000);
  for (double& c : cycle) c = unit(rng) * 1000;
  add("repeating_cycle", [&](size_t i) { return cycle[i % cycle.size()]; });
  add("integers", [&](size_t i) { return static_cast<double>(i / 7 + rng() % 3); });
  add("nan_inf_mix", [&](size_t i) {
    switch (rng() % 8) {
      case 0:
        return std::numeric_limits<double>::quiet_NaN();
      case 1:
        return -std::numeric_limits<double>::infinity();
      case 2:
        return std::numeric_limits<double>::infinity();
      case 3:
        return -0.0;
      default:
        return std::round(100 * std::sin(i / 50.0)) / 10;
    }
  });
  return out;
}

TEST(SegmentSizeTest, GeneratedFamiliesCostNoMoreThanTheBestReferenceCodec) {
  for (const auto& [name, values] : Families()) ExpectNoLargerThanReferences(name, values);
}

// Noisy readings with few distinct values share one dictionary per group of blocks; the
// blocks store codes into it, and say so in the index.
TEST(SegmentSizeTest, RepeatingReadingsShareAGroupDictionaryThatRoundTrips) {
  std::mt19937_64 rng(3);
  std::vector<double> values(20'000);
  for (double& v : values) v = static_cast<double>(static_cast<float>((rng() % 3000) * 0.0137));
  values[5] = std::numeric_limits<double>::quiet_NaN();
  values[6] = -0.0;
  const std::string dir = TestDir();
  std::shared_ptr<const SegmentReader> grouped = WriteSegment(dir + "/000001.seg", values);
  SegmentWriterOptions alone;
  alone.dictionary_group_blocks = 1;
  std::shared_ptr<const SegmentReader> single = WriteSegment(dir + "/000002.seg", values, alone);
  ASSERT_NE(grouped, nullptr);
  ASSERT_NE(single, nullptr);
  const StreamEntry& stream = grouped->index().streams[0];
  ASSERT_EQ(stream.dictionaries.size(), 1u);
  for (const BlockEntry& block : stream.blocks) EXPECT_EQ(block.dictionary, 1u);
  EXPECT_TRUE(single->index().streams[0].dictionaries.empty());
  EXPECT_LT(grouped->file_size(), single->file_size() * 9 / 10);
  for (size_t b = 0; b < stream.blocks.size(); ++b) {
    RowBatch block;
    ASSERT_TRUE(grouped->DecodeBlock(0, b, &block).ok());
    for (size_t i = 0; i < block.time_nanos.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint64_t>(block.columns[0].doubles[i]),
                std::bit_cast<uint64_t>(values[b * kBlockRows + i]));
    }
  }
}

// A damaged dictionary is an error naming it, never other values.
TEST(SegmentSizeTest, ADamagedDictionaryIsReportedByTheBlocksThatUseIt) {
  std::vector<double> values(10'000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 500) * 0.37;
  const std::string path = TestDir() + "/000001.seg";
  std::shared_ptr<const SegmentReader> reader = WriteSegment(path, values);
  ASSERT_NE(reader, nullptr);
  const StreamEntry& stream = reader->index().streams[0];
  ASSERT_EQ(stream.dictionaries.size(), 1u);
  const uint64_t at = stream.dictionaries[0].offset + stream.dictionaries[0].length / 2;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x10));
  }
  auto damaged = SegmentReader::Open(*Env::Default(), path, std::nullopt, nullptr);
  ASSERT_TRUE(damaged.ok()) << damaged.status();  // The footer does not cover it.
  RowBatch block;
  absl::Status status = (*damaged)->DecodeBlock(0, 0, &block);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("dictionary"), std::string::npos) << status;
}

}  // namespace
}  // namespace tsw::magnetic
