// Per-block value summaries (segment version 3) and the blocks a filtered scan leaves out
// with them: summaries are written and read back exactly (NULLs, NaN, infinities, -0.0,
// BIGINT extremes), a malformed one fails the footer, a summary rules a bound out exactly
// at its boundary and never for a NaN or a NaN constant, and a filtered scan with bounds
// hands out exactly the rows the same scan without them does, over random data, bounds
// and segments, while leaving blocks unread.
#include "engine/magnetic/value_summary.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"
#include "gtest/gtest.h"
#include "tests/magnetic/magnetic_test_util.h"
#include "xxhash.h"

namespace tsw::magnetic {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

const std::vector<Dimension> kHost = {{"host", "h1"}};

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

TEST(ValueSummaryTest, SummariesAreWrittenAndReadBack) {
  const std::string dir = testing::FreshTestDir("value_summary_");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/000001.seg";
  // Three blocks of four rows.
  const std::vector<uint8_t> a_present = {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0};
  const std::vector<double> a = {-0.0, 0.0, kNan, 7, kInf, -kInf, 1.5, 2, kNan, kNan, 1, 1};
  const std::vector<uint8_t> b_present = {1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1};
  const std::vector<int64_t> b = {kMin, kMax, 5, 9, 1, 1, 1, 1, -3, -3, -3, -3};
  RowBatch batch;
  batch.dimensions = kHost;
  batch.measure_name = "m";
  batch.measure_value_type = MeasureValueType::kMulti;
  for (int i = 0; i < 12; ++i) {
    batch.time_nanos.push_back(100 + i);
    batch.versions.push_back(1);
  }
  batch.columns = {
      {.name = "a", .type = MeasureValueType::kDouble, .doubles = a, .present = a_present},
      {.name = "b", .type = MeasureValueType::kBigint, .ints = b, .present = b_present},
      {.name = "s",
       .type = MeasureValueType::kVarchar,
       .strings = std::vector<std::string>(12, "x")},
      {.name = "z",
       .type = MeasureValueType::kDouble,
       .doubles = std::vector<double>(12, 0.0),
       .present = std::vector<uint8_t>(12, 0)},
  };
  SegmentWriterOptions options;
  options.max_rows_per_block = 4;
  auto writer = SegmentWriter::Create(path, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)
                  ->BeginStream(kHost, "m", MeasureValueType::kMulti,
                                {{"a", MeasureValueType::kDouble},
                                 {"b", MeasureValueType::kBigint},
                                 {"s", MeasureValueType::kVarchar},
                                 {"z", MeasureValueType::kDouble}})
                  .ok());
  ASSERT_TRUE((*writer)->AddRows(batch, 0, 12).ok());
  ASSERT_TRUE((*writer)->Finish().ok());

  auto reader = SegmentReader::Open(*Env::Default(), path, std::nullopt, nullptr);
  ASSERT_TRUE(reader.ok()) << reader.status();
  const SegmentIndex& index = (*reader)->index();
  EXPECT_EQ(index.version, 3u);
  ASSERT_EQ(index.streams.size(), 1u);
  const StreamEntry& stream = index.streams[0];
  ASSERT_EQ(stream.blocks.size(), 3u);
  ASSERT_EQ(stream.summaries.size(), 3u * 3u);  // a, b and z; s (VARCHAR) has none.
  auto at = [&](size_t block, size_t column) {
    EXPECT_NE(BlockSummary(stream, block, column), nullptr);
    return BlockSummary(stream, block, column) != nullptr ? *BlockSummary(stream, block, column)
                                                          : ValueSummary();
  };
  EXPECT_EQ(BlockSummary(stream, 0, 2), nullptr);
  // Block 0: a holds -0.0, 0.0 and a NaN; b both extremes and 5.
  EXPECT_TRUE(at(0, 0).has_values);
  EXPECT_TRUE(at(0, 0).has_nan);
  EXPECT_EQ(Bits(at(0, 0).min_double), Bits(-0.0));
  EXPECT_EQ(Bits(at(0, 0).max_double), Bits(0.0));
  EXPECT_TRUE(at(0, 1).has_values);
  EXPECT_FALSE(at(0, 1).has_nan);
  EXPECT_EQ(at(0, 1).min_int, kMin);
  EXPECT_EQ(at(0, 1).max_int, kMax);
  // Block 1: a from -inf to +inf; b absent in every row.
  EXPECT_TRUE(at(1, 0).has_values);
  EXPECT_FALSE(at(1, 0).has_nan);
  EXPECT_EQ(at(1, 0).min_double, -kInf);
  EXPECT_EQ(at(1, 0).max_double, kInf);
  EXPECT_FALSE(at(1, 1).has_values);
  EXPECT_FALSE(at(1, 1).has_nan);
  // Block 2: a only NaN (the absent rows' placeholders do not count); b -3 throughout.
  EXPECT_FALSE(at(2, 0).has_values);
  EXPECT_TRUE(at(2, 0).has_nan);
  EXPECT_TRUE(at(2, 1).has_values);
  EXPECT_EQ(at(2, 1).min_int, -3);
  EXPECT_EQ(at(2, 1).max_int, -3);
  for (size_t block = 0; block < 3; ++block) {
    EXPECT_FALSE(at(block, 3).has_values || at(block, 3).has_nan) << block;  // z: NULL.
  }
  // The footer re-encodes byte for byte.
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const uint64_t footer_offset = DecodeFixed64(file.data() + file.size() - 32);
  EXPECT_EQ(EncodeFooter(index), file.substr(footer_offset, file.size() - 32 - footer_offset));

  // A summary whose least value is above its greatest, or with a NaN bound, is corrupt.
  const uint64_t blocks_end = footer_offset;
  for (int broken = 0; broken < 3; ++broken) {
    SegmentIndex bad = index;
    ValueSummary& s = bad.streams[0].summaries[broken == 2 ? 1 : 0];
    if (broken == 0) std::swap(s.min_double, s.max_double);  // 0.0 above -0.0.
    if (broken == 1) s.max_double = kNan;
    if (broken == 2) std::swap(s.min_int, s.max_int);
    SegmentIndex decoded;
    absl::Status status =
        DecodeFooter(EncodeFooter(bad), blocks_end, file.size(), index.version, &decoded);
    EXPECT_FALSE(status.ok()) << broken;
  }
}

// A footer whose summary claims less than its block holds passes the footer checksum
// (re-made here) but not CheckSummaries, which Verify runs on every block.
TEST(ValueSummaryTest, CheckSummariesFindsASummaryThatDisagreesWithItsBlock) {
  const std::string dir = testing::FreshTestDir("value_summary_");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/000001.seg";
  RowBatch batch;
  batch.dimensions = kHost;
  batch.measure_name = "m";
  batch.measure_value_type = MeasureValueType::kMulti;
  batch.time_nanos = {1, 2, 3};
  batch.versions = {1, 1, 1};
  batch.columns = {{.name = "a", .type = MeasureValueType::kDouble, .doubles = {5, 95, 50}}};
  auto writer = SegmentWriter::Create(path, SegmentWriterOptions());
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE(
      (*writer)
          ->BeginStream(kHost, "m", MeasureValueType::kMulti, {{"a", MeasureValueType::kDouble}})
          .ok());
  ASSERT_TRUE((*writer)->AddRows(batch, 0, 3).ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  std::string file;
  {
    std::ifstream in(path, std::ios::binary);
    file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (bool tampered : {false, true}) {
    const uint64_t footer_offset = DecodeFixed64(file.data() + file.size() - 32);
    SegmentIndex index;
    ASSERT_TRUE(DecodeFooter(file.substr(footer_offset, file.size() - 32 - footer_offset),
                             footer_offset, file.size(), 3, &index)
                    .ok());
    if (tampered) index.streams[0].summaries[0].max_double = 90;  // 95 is there.
    const std::string footer = EncodeFooter(index);
    std::string changed = file.substr(0, footer_offset) + footer;
    PutFixed64(&changed, footer_offset);
    PutFixed64(&changed, footer.size());
    PutFixed64(&changed, XXH3_64bits(footer.data(), footer.size()));
    changed += file.substr(file.size() - 8);
    const std::string changed_path = absl::StrCat(dir, "/00000", tampered ? 3 : 2, ".seg");
    std::ofstream(changed_path, std::ios::binary) << changed;
    auto reader = SegmentReader::Open(*Env::Default(), changed_path, std::nullopt, nullptr);
    ASSERT_TRUE(reader.ok()) << reader.status();
    RowBatch rows;
    ASSERT_TRUE((*reader)->DecodeBlock(0, 0, &rows).ok());
    EXPECT_EQ((*reader)->CheckSummaries(0, 0, rows).ok(), !tampered);
  }
}

ValueBound Bound(ValueBound::Op op, double c) {
  return {.attribute = "a", .type = MeasureValueType::kDouble, .op = op, .d = c};
}

ValueBound IntBound(MeasureValueType type, ValueBound::Op op, int64_t c) {
  return {.attribute = "a", .type = type, .op = op, .integer = true, .i = c};
}

ValueSummary Doubles(double lo, double hi) {
  return {.has_values = true, .min_double = lo, .max_double = hi};
}

TEST(ValueSummaryTest, ABoundIsRuledOutExactlyAtItsBoundary) {
  using Op = ValueBound::Op;
  const MeasureValueType kDouble = MeasureValueType::kDouble;
  const ValueSummary s = Doubles(10, 90);
  EXPECT_FALSE(SummaryMayMeet(kDouble, s, Bound(Op::kGreater, 90)));  // max <= c.
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, Bound(Op::kGreater, 89.999)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, Bound(Op::kGreaterEqual, 90)));
  EXPECT_FALSE(SummaryMayMeet(kDouble, s, Bound(Op::kGreaterEqual, 90.001)));
  EXPECT_FALSE(SummaryMayMeet(kDouble, s, Bound(Op::kLess, 10)));  // min >= c.
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, Bound(Op::kLess, 10.001)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, Bound(Op::kLessEqual, 10)));
  EXPECT_FALSE(SummaryMayMeet(kDouble, s, Bound(Op::kLessEqual, 9.999)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, Bound(Op::kEqual, 10)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, Bound(Op::kEqual, 90)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, Bound(Op::kEqual, 50)));
  EXPECT_FALSE(SummaryMayMeet(kDouble, s, Bound(Op::kEqual, 90.5)));
  EXPECT_FALSE(SummaryMayMeet(kDouble, s, Bound(Op::kEqual, 9.5)));
  // An integer constant against doubles.
  EXPECT_FALSE(SummaryMayMeet(kDouble, s, IntBound(kDouble, Op::kGreater, 90)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, s, IntBound(kDouble, Op::kGreaterEqual, 90)));
  // -0.0 and 0.0 are equal; infinities are ordinary ends.
  EXPECT_FALSE(SummaryMayMeet(kDouble, Doubles(-0.0, -0.0), Bound(Op::kLess, 0.0)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, Doubles(-0.0, -0.0), Bound(Op::kEqual, 0.0)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, Doubles(0.0, 0.0), Bound(Op::kLessEqual, -0.0)));
  EXPECT_TRUE(SummaryMayMeet(kDouble, Doubles(1, kInf), Bound(Op::kGreater, 1e308)));
  EXPECT_FALSE(SummaryMayMeet(kDouble, Doubles(-kInf, 1), Bound(Op::kGreater, 1)));
  EXPECT_FALSE(SummaryMayMeet(kDouble, Doubles(1, kInf), Bound(Op::kGreater, kInf)));
}

TEST(ValueSummaryTest, NaNAndNullsDecideAsTheEvaluatorWould) {
  using Op = ValueBound::Op;
  const MeasureValueType kDouble = MeasureValueType::kDouble;
  // A block with a NaN is never ruled out (a NaN meets no comparison, so this is only
  // cautious: summaries never decide on NaN).
  ValueSummary with_nan = Doubles(10, 20);
  with_nan.has_nan = true;
  const ValueSummary only_nan{.has_nan = true};
  for (Op op : {Op::kLess, Op::kLessEqual, Op::kGreater, Op::kGreaterEqual, Op::kEqual}) {
    EXPECT_TRUE(SummaryMayMeet(kDouble, with_nan, IntBound(kDouble, op, 90)));
    EXPECT_TRUE(SummaryMayMeet(kDouble, only_nan, IntBound(kDouble, op, 90)));
    EXPECT_TRUE(SummaryMayMeet(kDouble, Doubles(10, 20), Bound(op, kNan)));  // NaN constant.
    // NULL in every row: no comparison holds.
    EXPECT_FALSE(SummaryMayMeet(kDouble, ValueSummary(), Bound(op, 15)));
    EXPECT_FALSE(SummaryMayMeet(MeasureValueType::kBigint, ValueSummary(),
                                IntBound(MeasureValueType::kBigint, op, 15)));
  }
}

TEST(ValueSummaryTest, BigintsCompareExactlyWithIntegersAndAsDoublesOtherwise) {
  using Op = ValueBound::Op;
  const MeasureValueType kBigint = MeasureValueType::kBigint;
  const ValueSummary s{.has_values = true, .min_int = kMin, .max_int = kMax - 1};
  EXPECT_FALSE(SummaryMayMeet(kBigint, s, IntBound(kBigint, Op::kGreater, kMax - 1)));
  EXPECT_TRUE(SummaryMayMeet(kBigint, s, IntBound(kBigint, Op::kGreaterEqual, kMax - 1)));
  EXPECT_FALSE(SummaryMayMeet(kBigint, s, IntBound(kBigint, Op::kLess, kMin)));
  // kMax - 1 is 2^63 as a double: it equals, and is not below, the constant 2^63.
  ValueBound two63{.attribute = "a", .type = kBigint, .op = Op::kEqual, .d = 9223372036854775808.0};
  EXPECT_TRUE(SummaryMayMeet(kBigint, s, two63));
  two63.op = Op::kGreater;
  EXPECT_FALSE(SummaryMayMeet(kBigint, s, two63));
  const ValueSummary small{.has_values = true, .min_int = 3, .max_int = 5};
  ValueBound half{.attribute = "a", .type = kBigint, .op = Op::kGreater, .d = 4.5};
  EXPECT_TRUE(SummaryMayMeet(kBigint, small, half));
  half.d = 5.0;
  EXPECT_FALSE(SummaryMayMeet(kBigint, small, half));
}

// ------------------------------------------------------- filtered scans, random data

// Whether `value` (a present one) meets `bound` as the query evaluator compares.
bool Meets(const RowColumn& column, size_t row, const ValueBound& bound) {
  if (column.type == MeasureValueType::kBigint && bound.integer) {
    const int64_t v = column.ints[row];
    switch (bound.op) {
      case ValueBound::Op::kLess:
        return v < bound.i;
      case ValueBound::Op::kLessEqual:
        return v <= bound.i;
      case ValueBound::Op::kGreater:
        return v > bound.i;
      case ValueBound::Op::kGreaterEqual:
        return v >= bound.i;
      case ValueBound::Op::kEqual:
        return v == bound.i;
    }
  }
  const double x = column.type == MeasureValueType::kBigint ? static_cast<double>(column.ints[row])
                                                            : column.doubles[row];
  const double c = bound.integer ? static_cast<double>(bound.i) : bound.d;
  // As doubles, IEEE: a NaN meets no comparison (engine/query/evaluator.cc).
  switch (bound.op) {
    case ValueBound::Op::kLess:
      return x < c;
    case ValueBound::Op::kLessEqual:
      return x <= c;
    case ValueBound::Op::kGreater:
      return x > c;
    case ValueBound::Op::kGreaterEqual:
      return x >= c;
    case ValueBound::Op::kEqual:
      return x == c;
  }
  return false;
}

// The RowFilter of an AND of `bounds`: keeps the rows meeting them all.
RowFilter FilterOf(const std::vector<ValueBound>& bounds, bool with_bounds) {
  RowFilter filter;
  for (const ValueBound& b : bounds) filter.attributes.push_back(b.attribute);
  if (with_bounds) filter.bounds = bounds;
  filter.select = [bounds](const RowBatch& batch, std::vector<uint32_t>* rows) {
    rows->clear();
    for (size_t r = 0; r < batch.time_nanos.size(); ++r) {
      bool keep = batch.measure_value_type == MeasureValueType::kMulti;
      for (const ValueBound& b : bounds) {
        const RowColumn* column = nullptr;
        for (const RowColumn& c : batch.columns) {
          if (c.name == b.attribute && c.type == b.type) column = &c;
        }
        keep = keep && column != nullptr && column->present[r] != 0 && Meets(*column, r, b);
      }
      if (keep) rows->push_back(static_cast<uint32_t>(r));
    }
    return true;
  };
  return filter;
}

// Random MULTI rows of a few hosts, with DOUBLE "x" and BIGINT "y": per run of rows a
// level, so blocks differ in range; NaN, infinities, -0.0, absent values and integer
// extremes now and then, and runs where x is all NaN or all absent.
RowBatch RandomHost(std::mt19937_64& rng, const std::string& host, int64_t first, int rows) {
  RowBatch b;
  b.dimensions = {{"host", host}};
  b.measure_name = "m";
  b.measure_value_type = MeasureValueType::kMulti;
  RowColumn x{.name = "x", .type = MeasureValueType::kDouble};
  RowColumn y{.name = "y", .type = MeasureValueType::kBigint};
  std::uniform_int_distribution<int> pct(0, 99);
  double level = 0;
  int64_t ilevel = 0;
  int mode = 0;
  for (int i = 0; i < rows; ++i) {
    if (i % 6 == 0) {
      level = static_cast<double>(pct(rng));
      ilevel = pct(rng) - 50;
      mode = pct(rng);
    }
    b.time_nanos.push_back(first + i);
    b.versions.push_back(1 + pct(rng) % 2);
    double v = level + pct(rng) / 10.0;
    const int roll = pct(rng);
    if (mode < 10 || roll < 3) v = kNan;
    if (roll == 3) v = kInf;
    if (roll == 4) v = -kInf;
    if (roll == 5) v = -0.0;
    x.doubles.push_back(v);
    x.present.push_back(mode >= 95 || (mode >= 10 && roll >= 90) ? 0 : 1);
    int64_t w = ilevel + pct(rng) % 5;
    if (roll == 6) w = kMin;
    if (roll == 7) w = kMax;
    y.ints.push_back(w);
    y.present.push_back(roll >= 85 ? 0 : 1);
  }
  b.columns = {x, y};
  return b;
}

ValueBound RandomBound(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pct(0, 99);
  ValueBound b;
  const bool on_x = pct(rng) < 70;
  b.attribute = on_x ? "x" : "y";
  b.type = on_x ? MeasureValueType::kDouble : MeasureValueType::kBigint;
  b.op = static_cast<ValueBound::Op>(pct(rng) % 5);
  b.integer = pct(rng) < 50;
  if (b.integer) {
    b.i = on_x ? pct(rng) : pct(rng) - 50;
  } else {
    b.d = on_x ? pct(rng) + pct(rng) / 10.0 : pct(rng) - 50 + (pct(rng) < 50 ? 0.5 : 0.0);
  }
  return b;
}

std::vector<std::string> ScanFiltered(const MagneticStore& store, const RowFilter& filter,
                                      int64_t first, int64_t last) {
  std::vector<std::string> rows;
  ScanRequest request;
  request.start_time_nanos = first;
  request.end_time_nanos = last;
  absl::Status s = store.Scan(
      request,
      [&](const RowBatch& b) {
        for (size_t r = 0; r < b.time_nanos.size(); ++r) {
          rows.push_back(testing::RowString(b, r));
        }
        return true;
      },
      nullptr, &filter);
  EXPECT_TRUE(s.ok()) << s;
  return rows;
}

TEST(ValueSummaryTest, AFilteredScanWithBoundsHandsOutWhatOneWithoutThemDoes) {
  int64_t skipped = 0, compared = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    std::mt19937_64 rng(seed);
    const std::string dir = testing::FreshTestDir(absl::StrCat("value_summary_", seed, "_"));
    MagneticOptions options;
    options.max_rows_per_block = 6 + static_cast<int32_t>(seed % 3);
    options.compaction_min_segments = 1000;  // Keep the segments apart.
    auto store = testing::OpenStoreOrFail(dir, options);
    ASSERT_NE(store, nullptr);
    // Three segments: two apart in time, a third overlapping both at some hosts (its
    // blocks are read whole, never left out).
    for (int segment = 0; segment < 3; ++segment) {
      std::vector<RowBatch> batches;
      for (int h = 0; h < 4; ++h) {
        if (segment == 2 && h % 2 == 1) continue;
        const int64_t first = segment == 2 ? 60 : 1000 * segment;
        batches.push_back(RandomHost(rng, absl::StrCat("h", h), first, 120));
      }
      ASSERT_TRUE(store->AddSegment(batches, "").ok());
    }
    for (int q = 0; q < 60; ++q) {
      std::vector<ValueBound> bounds = {RandomBound(rng)};
      if (q % 3 == 0) bounds.push_back(RandomBound(rng));
      const int64_t first = q % 4 == 0 ? 60 : 0;
      const int64_t last = q % 4 == 0 ? 1100 : INT64_MAX;
      const int64_t before = store->Stats().blocks_skipped;
      const std::vector<std::string> with =
          ScanFiltered(*store, FilterOf(bounds, true), first, last);
      skipped += store->Stats().blocks_skipped - before;
      const std::vector<std::string> without =
          ScanFiltered(*store, FilterOf(bounds, false), first, last);
      ASSERT_EQ(with, without) << "seed " << seed << " query " << q;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 12 * 60);
  EXPECT_GT(skipped, 500);  // The bounds do leave blocks out.
}

TEST(ValueSummaryTest, ASkippedBlockIsNeitherReadNorDecoded) {
  const std::string dir = testing::FreshTestDir("value_summary_skip_");
  MagneticOptions options;
  options.max_rows_per_block = 10;
  auto store = testing::OpenStoreOrFail(dir, options);
  ASSERT_NE(store, nullptr);
  // Host h0: x from 0 to 99 over ten blocks of ten rows, so `x > 89.5` can only match in
  // the last block.
  RowBatch b;
  b.dimensions = kHost;
  b.measure_name = "m";
  b.measure_value_type = MeasureValueType::kMulti;
  RowColumn x{.name = "x", .type = MeasureValueType::kDouble};
  for (int i = 0; i < 100; ++i) {
    b.time_nanos.push_back(i);
    b.versions.push_back(1);
    x.doubles.push_back(i);
    x.present.push_back(1);
  }
  b.columns = {x};
  ASSERT_TRUE(store->AddSegment({b}, "").ok());
  const std::vector<ValueBound> bounds = {{.attribute = "x",
                                           .type = MeasureValueType::kDouble,
                                           .op = ValueBound::Op::kGreater,
                                           .d = 89.5}};
  const MagneticStats before = store->Stats();
  const std::vector<std::string> rows = ScanFiltered(*store, FilterOf(bounds, true), 0, INT64_MAX);
  const MagneticStats after = store->Stats();
  EXPECT_EQ(rows.size(), 10u);
  EXPECT_EQ(after.blocks_read - before.blocks_read, 1);
  EXPECT_EQ(after.blocks_decoded - before.blocks_decoded, 1);
  EXPECT_EQ(after.blocks_skipped - before.blocks_skipped, 9);
  // x > 89: the ninth block's greatest value is 89, so it is left out too; x >= 89 reads it.
  const std::vector<ValueBound> above_89 = {{.attribute = "x",
                                             .type = MeasureValueType::kDouble,
                                             .op = ValueBound::Op::kGreater,
                                             .d = 89}};
  EXPECT_EQ(ScanFiltered(*store, FilterOf(above_89, true), 0, INT64_MAX).size(), 10u);
  EXPECT_EQ(store->Stats().blocks_skipped - after.blocks_skipped, 9);
  const std::vector<ValueBound> from_89 = {{.attribute = "x",
                                            .type = MeasureValueType::kDouble,
                                            .op = ValueBound::Op::kGreaterEqual,
                                            .d = 89}};
  const int64_t skipped = store->Stats().blocks_skipped;
  EXPECT_EQ(ScanFiltered(*store, FilterOf(from_89, true), 0, INT64_MAX).size(), 11u);
  EXPECT_EQ(store->Stats().blocks_skipped - skipped, 8);
  // A bound on an attribute the stream lacks: every row NULL there, every block skipped.
  const std::vector<ValueBound> missing = {
      {.attribute = "w", .type = MeasureValueType::kDouble, .op = ValueBound::Op::kLess, .d = 1}};
  const int64_t before_missing = store->Stats().blocks_skipped;
  EXPECT_TRUE(ScanFiltered(*store, FilterOf(missing, true), 0, INT64_MAX).empty());
  EXPECT_EQ(store->Stats().blocks_skipped - before_missing, 10);
}

}  // namespace
}  // namespace tsw::magnetic
