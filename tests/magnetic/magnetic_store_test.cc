#include "engine/magnetic/magnetic_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/magnetic/magnetic_test_util.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

using testing::Model;
using testing::RandomBatches;
using testing::RandomBatchOptions;
using testing::ScanRows;

class MagneticStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("magnetic_");
    options_.report = [this](absl::string_view line) { log_.emplace_back(line); };
  }

  std::unique_ptr<MagneticStore> OpenStore() { return testing::OpenStoreOrFail(dir_, options_); }

  // Scans everything and compares with the model.
  void ExpectMatchesModel(const MagneticStore& store, const ScanRequest& request = {}) {
    absl::StatusOr<std::vector<std::string>> rows = ScanRows(store, request);
    ASSERT_TRUE(rows.ok()) << rows.status();
    std::vector<std::string> expected = model_.Rows(request);
    ASSERT_EQ(rows->size(), expected.size());
    EXPECT_EQ(*rows, expected);
  }

  std::string dir_;
  MagneticOptions options_;
  std::vector<std::string> log_;
  Model model_;
};

RowBatch DoubleBatch(std::vector<Dimension> dims, std::string measure, std::vector<int64_t> times,
                     std::vector<int64_t> versions, std::vector<double> values) {
  RowBatch b;
  b.dimensions = std::move(dims);
  b.measure_name = measure;
  b.measure_value_type = MeasureValueType::kDouble;
  b.time_nanos = std::move(times);
  b.versions = std::move(versions);
  RowColumn c;
  c.name = measure;
  c.type = MeasureValueType::kDouble;
  c.doubles = std::move(values);
  b.columns.push_back(std::move(c));
  return b;
}

const std::vector<Dimension> kHost = {{"host", "h1"}};

TEST_F(MagneticStoreTest, RoundTripsRandomBatchesOfEveryType) {
  options_.max_rows_per_block = 7;  // Many blocks per stream.
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::mt19937_64 rng(1);
  for (int round = 0; round < 12; ++round) {
    std::vector<RowBatch> batches = RandomBatches(rng, RandomBatchOptions{});
    ASSERT_TRUE(store->AddSegment(batches, absl::StrCat("note ", round)).ok());
    model_.Add(batches);
    ExpectMatchesModel(*store);
  }
  EXPECT_EQ(store->LastNote(), "note 11");
  EXPECT_TRUE(store->Verify().empty());
}

// A scan hands a block wholly in range and ahead of every other segment's rows to its
// batch whole (its vectors moved, not copied) when the block fills at least half a batch.
// Segments in time slots of their own (so whole blocks come up) and overlapping ones,
// with MULTI attributes missing from some segments (columns a block must fill as absent),
// scanned in batch sizes around the block size and over partial time ranges.
TEST_F(MagneticStoreTest, BlocksMovedWholeIntoBatchesKeepEveryRowAndColumn) {
  options_.max_rows_per_block = 8;
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::mt19937_64 rng(5);
  for (int round = 0; round < 8; ++round) {
    RandomBatchOptions o;
    o.max_rows = 60;
    o.time_slots = 64;
    // Even rounds: a time span of their own; odd rounds overlap the one before.
    o.base_time = 1'000'000'000'000 + (round / 2) * 1'000'000;
    std::vector<RowBatch> batches = RandomBatches(rng, o);
    ASSERT_TRUE(store->AddSegment(batches, "").ok());
    model_.Add(batches);
  }
  for (int32_t batch_rows : {1, 4, 8, 9, 12, 16, 17, 4096}) {
    SCOPED_TRACE(absl::StrCat("max_rows_per_batch ", batch_rows));
    ExpectMatchesModel(*store, {.max_rows_per_batch = batch_rows});
    ExpectMatchesModel(*store, {.start_time_nanos = 1'000'000'020'000,
                                .end_time_nanos = 1'000'002'040'000,
                                .max_rows_per_batch = batch_rows});
  }
}

// Readings from a small set of values, in blocks of 16 rows: their DOUBLE columns share
// group dictionaries; scans, lookups, upserts, compaction and Verify see them exactly.
TEST_F(MagneticStoreTest, RoundTripsColumnsThatShareGroupDictionaries) {
  options_.max_rows_per_block = 16;
  options_.compaction_min_segments = 2;
  std::mt19937_64 rng(5);
  auto readings = [&](int64_t first, int64_t version) {
    std::vector<RowBatch> batches;
    for (const char* host : {"h1", "h2"}) {
      std::vector<int64_t> times, versions;
      std::vector<double> values;
      for (int64_t t = first; t < first + 600; ++t) {
        times.push_back(t * 1000);
        versions.push_back(version);
        const uint64_t r = rng() % 40;
        values.push_back(r == 0 ? std::nan("0x7") : r == 1 ? -0.0 : static_cast<double>(r) * 0.3);
      }
      batches.push_back(DoubleBatch({{"host", host}}, "cpu", times, versions, values));
    }
    return batches;
  };
  std::vector<std::vector<RowBatch>> writes = {readings(0, 1), readings(300, 2), readings(900, 1)};
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const auto& batches : writes) {
    ASSERT_TRUE(store->AddSegment(batches, "").ok());
    model_.Add(batches);
  }
  ExpectMatchesModel(*store);
  ASSERT_TRUE(store->Compact().ok());
  ExpectMatchesModel(*store);
  EXPECT_TRUE(store->Verify().empty());
  for (int64_t t : {0, 299, 300, 777, 1499}) {
    LookupKey key{.dimensions = kHost, .measure_name = "cpu", .time_nanos = t * 1000};
    absl::StatusOr<std::optional<RowBatch>> row = store->Lookup(key);
    ASSERT_TRUE(row.ok()) << row.status();
    ASSERT_TRUE(row->has_value());
    EXPECT_EQ(testing::RowString(**row, 0), model_.Find(key));
  }
  // The same rows without dictionaries take more room.
  const int64_t with_dictionaries = store->Stats().bytes;
  store.reset();
  dir_ += "_alone";
  std::filesystem::remove_all(dir_);
  options_.dictionary_group_blocks = 1;
  store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const auto& batches : writes) ASSERT_TRUE(store->AddSegment(batches, "").ok());
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_LT(with_dictionaries, store->Stats().bytes);
}

TEST_F(MagneticStoreTest, KeepsNanNegativeZeroAndEmptyStringsExactly) {
  auto store = OpenStore();
  RowBatch doubles = DoubleBatch(kHost, "cpu", {1, 2, 3, 4}, {1, 1, 1, 1},
                                 {std::nan("0x123"), -0.0, 0.0, -std::nan("")});
  RowBatch strings;
  strings.dimensions = kHost;
  strings.measure_name = "s";
  strings.measure_value_type = MeasureValueType::kVarchar;
  strings.time_nanos = {1, 2};
  strings.versions = {1, 1};
  strings.columns.push_back(
      {.name = "s", .type = MeasureValueType::kVarchar, .strings = {"", std::string("\0", 1)}});
  std::vector<RowBatch> batches = {doubles, strings};
  ASSERT_TRUE(store->AddSegment(batches, "").ok());
  model_.Add(batches);
  ExpectMatchesModel(*store);
  std::vector<uint64_t> bits;
  ASSERT_TRUE(store
                  ->Scan({.measure_names = {"cpu"}},
                         [&](const RowBatch& b) {
                           for (double d : b.columns[0].doubles) {
                             uint64_t u;
                             std::memcpy(&u, &d, 8);
                             bits.push_back(u);
                           }
                           return true;
                         })
                  .ok());
  ASSERT_EQ(bits.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    uint64_t want;
    std::memcpy(&want, &doubles.columns[0].doubles[i], 8);
    EXPECT_EQ(bits[i], want) << i;
  }
}

TEST_F(MagneticStoreTest, MultiMeasureKeepsMissingAttributesAbsent) {
  auto store = OpenStore();
  RowBatch b;
  b.dimensions = kHost;
  b.measure_name = "m";
  b.measure_value_type = MeasureValueType::kMulti;
  b.time_nanos = {10, 20, 30};
  b.versions = {1, 1, 1};
  b.columns.push_back(
      {.name = "z", .type = MeasureValueType::kBigint, .ints = {1, 0, 3}, .present = {1, 0, 1}});
  b.columns.push_back({.name = "a",
                       .type = MeasureValueType::kVarchar,
                       .strings = {"", "x", ""},
                       .present = {0, 1, 1}});
  ASSERT_TRUE(store->AddSegment({b}, "").ok());
  std::vector<RowBatch> out;
  ASSERT_TRUE(store
                  ->Scan({},
                         [&](const RowBatch& batch) {
                           out.push_back(batch);
                           return true;
                         })
                  .ok());
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].columns.size(), 2u);
  EXPECT_EQ(out[0].columns[0].name, "a");  // Sorted by name.
  EXPECT_EQ(out[0].columns[0].present, (std::vector<uint8_t>{0, 1, 1}));
  EXPECT_EQ(out[0].columns[0].strings[1], "x");
  EXPECT_EQ(out[0].columns[0].strings[2], "");
  EXPECT_EQ(out[0].columns[1].present, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(out[0].columns[1].ints[2], 3);
}

TEST_F(MagneticStoreTest, HigherVersionWinsAcrossSegmentsInEitherOrder) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1, 2}, {5, 1}, {1.0, 2.0})}, "").ok());
  ASSERT_TRUE(
      store->AddSegment({DoubleBatch(kHost, "cpu", {1, 2}, {4, 2}, {10.0, 20.0})}, "").ok());
  std::vector<double> values;
  std::vector<int64_t> versions;
  ASSERT_TRUE(store
                  ->Scan({},
                         [&](const RowBatch& b) {
                           values = b.columns[0].doubles;
                           versions = b.versions;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(values, (std::vector<double>{1.0, 20.0}));
  EXPECT_EQ(versions, (std::vector<int64_t>{5, 2}));
}

TEST_F(MagneticStoreTest, EqualVersionsGoToTheNewerSegmentAlsoAfterCompaction) {
  options_.compaction_min_segments = 2;
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1, 2}, {1, 1}, {1.0, 2.0})}, "").ok());
  ASSERT_TRUE(
      store->AddSegment({DoubleBatch(kHost, "cpu", {2, 3}, {1, 1}, {20.0, 30.0})}, "").ok());
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1}, {1}, {100.0})}, "").ok());
  auto values = [&] {
    std::vector<double> v;
    EXPECT_TRUE(store
                    ->Scan({},
                           [&](const RowBatch& b) {
                             v.insert(v.end(), b.columns[0].doubles.begin(),
                                      b.columns[0].doubles.end());
                             return true;
                           })
                    .ok());
    return v;
  };
  EXPECT_EQ(values(), (std::vector<double>{100.0, 20.0, 30.0}));
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments.size(), 1u);
  EXPECT_EQ(values(), (std::vector<double>{100.0, 20.0, 30.0}));
  store.reset();
  store = OpenStore();
  EXPECT_EQ(values(), (std::vector<double>{100.0, 20.0, 30.0}));
}

TEST_F(MagneticStoreTest, MergesSeveralBatchesOfOneStreamInOneCall) {
  auto store = OpenStore();
  std::vector<RowBatch> batches = {
      DoubleBatch(kHost, "cpu", {1, 3}, {2, 1}, {1.0, 3.0}),
      DoubleBatch(kHost, "cpu", {1, 2, 3}, {1, 1, 1}, {9.0, 2.0, 30.0})};
  ASSERT_TRUE(store->AddSegment(batches, "").ok());
  model_.Add(batches);
  ExpectMatchesModel(*store);
  EXPECT_EQ(store->Stats().points, 3);
}

TEST_F(MagneticStoreTest, KeepsTheExtremeTimesThroughScansLookupsAndCompaction) {
  options_.compaction_min_segments = 2;
  auto store = OpenStore();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE(
      store->AddSegment({DoubleBatch(kHost, "cpu", {kMin, 0, kMax}, {1, 1, 1}, {1, 2, 3})}, "")
          .ok());
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {kMin + 1}, {1}, {4})}, "").ok());
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "before compaction" : "after compaction");
    int64_t rows = 0;
    ASSERT_TRUE(store
                    ->Scan({},
                           [&](const RowBatch& b) {
                             rows += static_cast<int64_t>(b.time_nanos.size());
                             return true;
                           })
                    .ok());
    EXPECT_EQ(rows, 3);  // The end is exclusive: INT64_MAX is never scanned.
    for (int64_t t : {kMin, kMin + 1, int64_t{0}, kMax}) {
      absl::StatusOr<std::optional<RowBatch>> row =
          store->Lookup({.dimensions = kHost, .measure_name = "cpu", .time_nanos = t});
      ASSERT_TRUE(row.ok());
      EXPECT_TRUE(row->has_value()) << t;
    }
    ASSERT_TRUE(store->Compact().ok());
    EXPECT_EQ(store->Stats().segments.size(), 1u);
    EXPECT_EQ(store->Stats().points, 4);
  }
}

TEST_F(MagneticStoreTest, AMeasureStoredWithTwoTypesIsTwoStreams) {
  auto store = OpenStore();
  RowBatch as_bigint;
  as_bigint.dimensions = kHost;
  as_bigint.measure_name = "cpu";
  as_bigint.measure_value_type = MeasureValueType::kBigint;
  as_bigint.time_nanos = {1};
  as_bigint.versions = {2};
  as_bigint.columns.push_back({.name = "cpu", .type = MeasureValueType::kBigint, .ints = {7}});
  std::vector<RowBatch> first = {DoubleBatch(kHost, "cpu", {1, 2}, {1, 1}, {1.0, 2.0})};
  ASSERT_TRUE(store->AddSegment(first, "").ok());
  ASSERT_TRUE(store->AddSegment({as_bigint}, "").ok());
  model_.Add(first);
  model_.Add({as_bigint});
  ExpectMatchesModel(*store);
  absl::StatusOr<std::optional<RowBatch>> row =
      store->Lookup({.dimensions = kHost, .measure_name = "cpu", .time_nanos = 1});
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->measure_value_type, MeasureValueType::kBigint);  // Version 2 wins.
}

TEST_F(MagneticStoreTest, ScanFiltersByTimeMeasureAndDimensions) {
  options_.max_rows_per_block = 5;
  auto store = OpenStore();
  std::mt19937_64 rng(2);
  for (int round = 0; round < 4; ++round) {
    std::vector<RowBatch> batches = RandomBatches(rng, RandomBatchOptions{.batches = 20});
    ASSERT_TRUE(store->AddSegment(batches, "").ok());
    model_.Add(batches);
  }
  const int64_t base = RandomBatchOptions{}.base_time;
  std::vector<ScanRequest> requests = {
      {.start_time_nanos = base + 50'000, .end_time_nanos = base + 60'000},
      {.start_time_nanos = base + 60'000, .end_time_nanos = base + 60'001},
      {.end_time_nanos = base},
      {.measure_names = {"cpu", "metrics"}},
      {.measure_names = {"nothing"}},
      {.dimension_filters = {{.name = "host", .value = "h0"}}},
      {.dimension_filters = {{.name = "host", .value = "h0"}, {.name = "region", .value = "r0"}}},
      {.dimension_filters = {{.name = "az", .value = "x"}}},
      {.dimension_filters = {{.name = "host", .value = "nope"}}},
      {.start_time_nanos = base + 10'000,
       .end_time_nanos = base + 150'000,
       .measure_names = {"status"},
       .dimension_filters = {{.name = "region", .value = "r1"}},
       .max_rows_per_batch = 3},
  };
  for (const ScanRequest& request : requests) {
    SCOPED_TRACE(absl::StrCat(request.start_time_nanos, "..", request.end_time_nanos));
    ExpectMatchesModel(*store, request);
  }
}

TEST_F(MagneticStoreTest, ScanReadsOnlyTheBlocksItNeeds) {
  options_.max_rows_per_block = 10;
  auto store = OpenStore();
  std::vector<int64_t> times;
  std::vector<int64_t> versions;
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) {
    times.push_back(i * 100);
    versions.push_back(1);
    values.push_back(i);
  }
  ASSERT_TRUE(store
                  ->AddSegment({DoubleBatch(kHost, "cpu", times, versions, values),
                                DoubleBatch(kHost, "mem", times, versions, values),
                                DoubleBatch({{"host", "h2"}}, "cpu", times, versions, values)},
                               "")
                  .ok());
  MagneticStats before = store->Stats();
  // Rows 25..34 of one stream: blocks 2 and 3 of host=h1 cpu.
  int64_t rows = 0;
  ASSERT_TRUE(store
                  ->Scan({.start_time_nanos = 2500,
                          .end_time_nanos = 3500,
                          .measure_names = {"cpu"},
                          .dimension_filters = {{.name = "host", .value = "h1"}}},
                         [&](const RowBatch& b) {
                           rows += static_cast<int64_t>(b.time_nanos.size());
                           return true;
                         })
                  .ok());
  EXPECT_EQ(rows, 10);
  MagneticStats after = store->Stats();
  EXPECT_EQ(after.blocks_read - before.blocks_read, 2);
  EXPECT_EQ(after.blocks_decoded - before.blocks_decoded, 2);
}

TEST_F(MagneticStoreTest, ScanStopsWhenTheVisitorSaysSo) {
  auto store = OpenStore();
  std::mt19937_64 rng(3);
  ASSERT_TRUE(store->AddSegment(RandomBatches(rng, RandomBatchOptions{.batches = 30}), "").ok());
  int calls = 0;
  ASSERT_TRUE(store
                  ->Scan({.max_rows_per_batch = 2},
                         [&](const RowBatch&) {
                           ++calls;
                           return false;
                         })
                  .ok());
  EXPECT_EQ(calls, 1);
}

TEST_F(MagneticStoreTest, ScanRejectsANonPositiveBatchSize) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1}, {1}, {1})}, "").ok());
  absl::Status s = store->Scan({.max_rows_per_batch = 0}, [](const RowBatch&) { return true; });
  EXPECT_EQ(KindOf(s), ErrorKind::kValidation);
}

TEST_F(MagneticStoreTest, LookupReturnsTheWinningRowOrNothingWithAndWithoutFilters) {
  options_.max_rows_per_block = 8;
  const std::string base_dir = dir_;
  for (int filter_bits : {0, 6}) {
    SCOPED_TRACE(absl::StrCat("filter_bits_per_key ", filter_bits));
    options_.filter_bits_per_key = filter_bits;
    dir_ = absl::StrCat(base_dir, "_", filter_bits);
    std::filesystem::remove_all(dir_);
    model_ = Model();
    auto store = OpenStore();
    std::mt19937_64 rng(4);
    for (int round = 0; round < 5; ++round) {
      std::vector<RowBatch> batches = RandomBatches(rng, RandomBatchOptions{.batches = 15});
      ASSERT_TRUE(store->AddSegment(batches, "").ok());
      model_.Add(batches);
    }
    const RandomBatchOptions o;
    std::vector<LookupKey> keys;
    for (int i = 0; i < 300; ++i) {
      LookupKey key;
      key.dimensions = (i % 2 == 0) ? std::vector<Dimension>{{"region", "r0"}, {"host", "h1"}}
                                    : std::vector<Dimension>{{"host", "h2"}, {"region", "r1"}};
      const char* measures[] = {"cpu", "count", "status", "up", "seen", "metrics", "absent"};
      key.measure_name = measures[rng() % 7];
      key.time_nanos = o.base_time +
                       o.time_step * static_cast<int64_t>(rng() % (o.time_slots + 10)) +
                       (rng() % 10 == 0 ? 1 : 0);
      keys.push_back(key);
    }
    absl::StatusOr<std::vector<std::optional<RowBatch>>> found = store->LookupMany(keys);
    ASSERT_TRUE(found.ok()) << found.status();
    int hits = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string want = model_.Find(keys[i]);
      const std::optional<RowBatch>& got = (*found)[i];
      ASSERT_EQ(got.has_value(), !want.empty()) << i;
      if (got.has_value()) {
        ++hits;
        EXPECT_EQ(testing::RowString(*got, 0), want);
        absl::StatusOr<std::optional<RowBatch>> one = store->Lookup(keys[i]);
        ASSERT_TRUE(one.ok() && one->has_value());
        EXPECT_EQ(testing::RowString(**one, 0), want);
      }
    }
    EXPECT_GT(hits, 20);
  }
}

TEST_F(MagneticStoreTest, LookupManyDecodesABlockOnceForManyKeys) {
  auto store = OpenStore();
  std::vector<int64_t> times, versions;
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) {
    times.push_back(i * 10);
    versions.push_back(1);
    values.push_back(i);
  }
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", times, versions, values)}, "").ok());
  std::vector<LookupKey> keys;
  for (int i = 0; i < 100; ++i) {
    keys.push_back({.dimensions = kHost, .measure_name = "cpu", .time_nanos = i * 10 + (i % 2)});
  }
  MagneticStats before = store->Stats();
  absl::StatusOr<std::vector<std::optional<RowBatch>>> rows = store->LookupMany(keys);
  ASSERT_TRUE(rows.ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ((*rows)[i].has_value(), i % 2 == 0) << i;
    if (i % 2 == 0) {
      EXPECT_EQ((*rows)[i]->columns[0].doubles[0], i);
    }
  }
  MagneticStats after = store->Stats();
  EXPECT_LE(after.blocks_decoded - before.blocks_decoded, 2);
}

TEST_F(MagneticStoreTest, WithKeyFiltersLookupOfAnAbsentTimeRarelyDecodes) {
  options_.filter_bits_per_key = 10;
  auto store = OpenStore();
  std::vector<int64_t> times, versions;
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) {
    times.push_back(i * 10);
    versions.push_back(1);
    values.push_back(i);
  }
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", times, versions, values)}, "").ok());
  MagneticStats before = store->Stats();
  int found = 0;
  for (int i = 0; i < 999; ++i) {
    absl::StatusOr<std::optional<RowBatch>> row =
        store->Lookup({.dimensions = kHost, .measure_name = "cpu", .time_nanos = i * 10 + 5});
    ASSERT_TRUE(row.ok());
    found += row->has_value();
  }
  EXPECT_EQ(found, 0);
  MagneticStats after = store->Stats();
  EXPECT_EQ(after.blocks_read - before.blocks_read, 999);
  EXPECT_LT(after.blocks_decoded - before.blocks_decoded, 50);  // ~1% false positives.
  EXPECT_GT(after.bytes_by_column_kind[8].second, 1000);        // "filter"
}

TEST_F(MagneticStoreTest, WithoutKeyFiltersLookupDecodesTheTimesOfTheBlockInRange) {
  auto store = OpenStore();  // filter_bits_per_key 0 by default.
  ASSERT_TRUE(
      store->AddSegment({DoubleBatch(kHost, "cpu", {10, 20, 30}, {1, 1, 1}, {1, 2, 3})}, "").ok());
  MagneticStats before = store->Stats();
  absl::StatusOr<std::optional<RowBatch>> miss =
      store->Lookup({.dimensions = kHost, .measure_name = "cpu", .time_nanos = 15});
  absl::StatusOr<std::optional<RowBatch>> outside =
      store->Lookup({.dimensions = kHost, .measure_name = "cpu", .time_nanos = 35});
  ASSERT_TRUE(miss.ok() && outside.ok());
  EXPECT_FALSE(miss->has_value());
  EXPECT_FALSE(outside->has_value());
  MagneticStats after = store->Stats();
  EXPECT_EQ(after.blocks_read - before.blocks_read, 1);  // The index ruled out 35.
  EXPECT_EQ(after.blocks_decoded - before.blocks_decoded, 1);
  EXPECT_EQ(after.bytes_by_column_kind[8].second, 0);  // No filter bytes.
}

TEST_F(MagneticStoreTest, RetentionDropsOldSegmentsFiltersPartialOnesAndCompactionRemovesThem) {
  auto store = OpenStore();
  ASSERT_TRUE(
      store->AddSegment({DoubleBatch(kHost, "cpu", {1, 2, 3}, {1, 1, 1}, {1, 2, 3})}, "a").ok());
  ASSERT_TRUE(
      store->AddSegment({DoubleBatch(kHost, "cpu", {4, 5, 6}, {1, 1, 1}, {4, 5, 6})}, "b").ok());
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {7, 8}, {1, 1}, {7, 8})}, "c").ok());
  model_.Add({DoubleBatch(kHost, "cpu", {1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 1, 1, 1, 1, 1, 1},
                          {1, 2, 3, 4, 5, 6, 7, 8})});
  ASSERT_TRUE(store->ApplyRetention(5).ok());
  model_.ApplyRetention(5);
  EXPECT_EQ(store->Stats().segments.size(), 2u);  // {1,2,3} deleted whole.
  EXPECT_EQ(store->Stats().points, 5);            // {4,5,6} kept, 4 filtered.
  ExpectMatchesModel(*store);
  // The cutoff never moves back.
  ASSERT_TRUE(store->ApplyRetention(0).ok());
  ExpectMatchesModel(*store);
  EXPECT_EQ(store->RetentionCutoff(), 5);
  // Lookups below the cutoff find nothing.
  absl::StatusOr<std::optional<RowBatch>> row =
      store->Lookup({.dimensions = kHost, .measure_name = "cpu", .time_nanos = 4});
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());

  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().points, 4);
  ExpectMatchesModel(*store);
  store.reset();
  store = OpenStore();
  EXPECT_EQ(store->RetentionCutoff(), 5);
  EXPECT_EQ(store->LastNote(), "c");
  ExpectMatchesModel(*store);
  EXPECT_TRUE(store->Verify().empty());
}

TEST_F(MagneticStoreTest, CompactionPreservesScanResultsAndShrinksTheSegmentCount) {
  options_.target_segment_bytes = 6000;
  options_.max_rows_per_block = 16;
  options_.compaction_min_segments = 3;
  auto store = OpenStore();
  std::mt19937_64 rng(5);
  size_t most_removed = 0;
  for (int round = 0; round < 30; ++round) {
    std::vector<RowBatch> batches = RandomBatches(rng, RandomBatchOptions{.batches = 3});
    ASSERT_TRUE(store->AddSegment(batches, absl::StrCat(round)).ok());
    model_.Add(batches);
    if (round % 7 == 6) {
      size_t before = store->Stats().segments.size();
      ASSERT_TRUE(store->Compact().ok());
      size_t after = store->Stats().segments.size();
      ASSERT_LE(after, before);
      most_removed = std::max(most_removed, before - after);
      ExpectMatchesModel(*store);
    }
  }
  EXPECT_GE(most_removed, 3u);
  ASSERT_TRUE(store->Compact().ok());
  MagneticStats stats = store->Stats();
  EXPECT_LT(stats.segments.size(), 15u);
  ExpectMatchesModel(*store);
  // A second Compact finds nothing to do.
  ASSERT_TRUE(store->Compact().ok());
  EXPECT_EQ(store->Stats().segments.size(), stats.segments.size());
  ASSERT_TRUE(store->ApplyRetention(RandomBatchOptions{}.base_time + 100'000).ok());
  model_.ApplyRetention(RandomBatchOptions{}.base_time + 100'000);
  ASSERT_TRUE(store->Compact().ok());
  ExpectMatchesModel(*store);
  for (const TableStats::Segment& s : store->Stats().segments) {
    EXPECT_GE(s.min_time_nanos, store->RetentionCutoff());
  }
  store.reset();
  store = OpenStore();
  ExpectMatchesModel(*store);
  EXPECT_EQ(store->LastNote(), "29");
  EXPECT_TRUE(store->Verify().empty());
}

TEST_F(MagneticStoreTest, APinnedScanReadsTheSegmentsOfItsMomentWhateverFollows) {
  options_.compaction_min_segments = 2;
  auto store = OpenStore();
  std::mt19937_64 rng(8);
  for (int round = 0; round < 3; ++round) {
    std::vector<RowBatch> batches = RandomBatches(rng, RandomBatchOptions{.batches = 3});
    ASSERT_TRUE(store->AddSegment(batches, absl::StrCat(round)).ok());
  }
  absl::StatusOr<std::vector<std::string>> before = ScanRows(*store);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_FALSE(before->empty());
  const MagneticStore::Pinned pinned = store->Pin();
  // Newer Versions of the same keys, then retention that deletes segment files, then a
  // compaction that deletes the rest.
  std::vector<RowBatch> newer =
      RandomBatches(rng, RandomBatchOptions{.batches = 6, .max_version = 9});
  ASSERT_TRUE(store->AddSegment(newer, "newer").ok());
  ASSERT_TRUE(store->ApplyRetention(RandomBatchOptions{}.base_time + 60'000).ok());
  ASSERT_TRUE(store->Compact().ok());
  ASSERT_NE(*ScanRows(*store), *before);
  std::vector<std::string> rows;
  absl::Status s = store->Scan(
      ScanRequest(),
      [&](RowBatch& b) {
        for (size_t i = 0; i < b.time_nanos.size(); ++i) rows.push_back(testing::RowString(b, i));
        return true;
      },
      pinned);
  ASSERT_TRUE(s.ok()) << s;
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, *before);
}

TEST_F(MagneticStoreTest, ReopenKeepsRowsNoteAndCutoff) {
  auto store = OpenStore();
  std::mt19937_64 rng(6);
  std::vector<RowBatch> batches = RandomBatches(rng, RandomBatchOptions{});
  ASSERT_TRUE(store->AddSegment(batches, "wal:42").ok());
  model_.Add(batches);
  ASSERT_TRUE(store->AddSegment({}, "wal:43").ok());  // Only the note.
  store.reset();
  store = OpenStore();
  EXPECT_EQ(store->LastNote(), "wal:43");
  EXPECT_EQ(store->Stats().segments.size(), 1u);
  ExpectMatchesModel(*store);
}

TEST_F(MagneticStoreTest, OpenDeletesOrphanFilesAndLogsThem) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1}, {1}, {1})}, "").ok());
  store.reset();
  std::ofstream(dir_ + "/000077.seg") << "half-written";
  std::ofstream(dir_ + "/MANIFEST.tmp") << "half-written";
  std::ofstream(dir_ + "/unrelated.txt") << "kept";
  store = OpenStore();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/000077.seg"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/MANIFEST.tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/unrelated.txt"));
  int orphan_lines = 0;
  for (const std::string& line : log_) orphan_lines += absl::StrContains(line, "orphan");
  EXPECT_EQ(orphan_lines, 2);
  std::vector<std::string> problems = store->Verify();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(absl::StrContains(problems[0], "unrelated.txt"));
}

TEST_F(MagneticStoreTest, OpenRefusesSegmentsWithoutAManifest) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1}, {1}, {1})}, "").ok());
  store.reset();
  std::filesystem::remove(dir_ + "/MANIFEST");
  absl::StatusOr<std::unique_ptr<MagneticStore>> reopened = MagneticStore::Open(dir_, options_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(KindOf(reopened.status()), ErrorKind::kInternalServer);
  EXPECT_TRUE(absl::StrContains(reopened.status().message(), "MANIFEST"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/000001.seg"));
}

TEST_F(MagneticStoreTest, OpenFailsNamingAMissingSegment) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1}, {1}, {1})}, "").ok());
  store.reset();
  std::filesystem::remove(dir_ + "/000001.seg");
  absl::StatusOr<std::unique_ptr<MagneticStore>> reopened = MagneticStore::Open(dir_, options_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_TRUE(absl::StrContains(reopened.status().message(), "000001.seg"));
}

TEST_F(MagneticStoreTest, RejectsMalformedBatchesAndStaysUnchanged) {
  auto store = OpenStore();
  ASSERT_TRUE(store->AddSegment({DoubleBatch(kHost, "cpu", {1}, {1}, {1})}, "good").ok());
  RowBatch unsorted = DoubleBatch(kHost, "cpu", {2, 1}, {1, 1}, {1, 2});
  RowBatch duplicate_time = DoubleBatch(kHost, "cpu", {2, 2}, {1, 1}, {1, 2});
  RowBatch short_versions = DoubleBatch(kHost, "cpu", {1, 2}, {1}, {1, 2});
  RowBatch short_values = DoubleBatch(kHost, "cpu", {1, 2}, {1, 1}, {1});
  RowBatch wrong_name = DoubleBatch(kHost, "cpu", {1}, {1}, {1});
  wrong_name.columns[0].name = "other";
  RowBatch bad_bool;
  bad_bool.dimensions = kHost;
  bad_bool.measure_name = "up";
  bad_bool.measure_value_type = MeasureValueType::kBoolean;
  bad_bool.time_nanos = {1};
  bad_bool.versions = {1};
  bad_bool.columns.push_back({.name = "up", .type = MeasureValueType::kBoolean, .ints = {2}});
  RowBatch twice_dimension = DoubleBatch({{"a", "1"}, {"a", "2"}}, "cpu", {1}, {1}, {1});
  RowBatch multi_twice;
  multi_twice.dimensions = kHost;
  multi_twice.measure_name = "m";
  multi_twice.measure_value_type = MeasureValueType::kMulti;
  multi_twice.time_nanos = {1};
  multi_twice.versions = {1};
  multi_twice.columns.push_back({.name = "x", .type = MeasureValueType::kBigint, .ints = {1}});
  multi_twice.columns.push_back({.name = "x", .type = MeasureValueType::kDouble, .doubles = {1}});
  for (const RowBatch& bad : {unsorted, duplicate_time, short_versions, short_values, wrong_name,
                              bad_bool, twice_dimension, multi_twice}) {
    absl::Status s = store->AddSegment({DoubleBatch(kHost, "mem", {1}, {1}, {1}), bad}, "bad");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(KindOf(s), ErrorKind::kInternalServer);
  }
  EXPECT_EQ(store->LastNote(), "good");
  EXPECT_EQ(store->Stats().segments.size(), 1u);
  EXPECT_TRUE(store->Verify().empty());
}

TEST_F(MagneticStoreTest, StatsAccountForEveryByte) {
  auto store = OpenStore();
  std::mt19937_64 rng(7);
  for (int round = 0; round < 3; ++round) {
    std::vector<RowBatch> batches = RandomBatches(rng, RandomBatchOptions{});
    ASSERT_TRUE(store->AddSegment(batches, "").ok());
  }
  MagneticStats stats = store->Stats();
  ASSERT_EQ(stats.segments.size(), 3u);
  int64_t file_bytes = 0;
  int64_t points = 0;
  for (const TableStats::Segment& s : stats.segments) {
    file_bytes += static_cast<int64_t>(std::filesystem::file_size(s.file));
    points += s.points;
    EXPECT_LE(s.min_time_nanos, s.max_time_nanos);
  }
  EXPECT_EQ(stats.bytes, file_bytes);
  EXPECT_EQ(stats.points, points);
  int64_t by_kind = 0;
  for (const auto& [kind, bytes] : stats.bytes_by_column_kind) {
    EXPECT_GE(bytes, 0) << kind;
    by_kind += bytes;
  }
  EXPECT_EQ(by_kind, stats.bytes);
  ASSERT_EQ(stats.bytes_by_column_kind.size(), 10u);
  EXPECT_EQ(stats.bytes_by_column_kind[0].first, "time");
  EXPECT_GT(stats.bytes_by_column_kind[0].second, 0);
}

TEST_F(MagneticStoreTest, ListsMeasureTypes) {
  auto store = OpenStore();
  std::mt19937_64 rng(8);
  ASSERT_TRUE(store->AddSegment(RandomBatches(rng, RandomBatchOptions{.batches = 60}), "").ok());
  std::vector<std::pair<std::string, MeasureValueType>> types = store->MeasureTypes();
  std::vector<std::pair<std::string, MeasureValueType>> want = {
      {"count", MeasureValueType::kBigint},   {"cpu", MeasureValueType::kDouble},
      {"metrics", MeasureValueType::kMulti},  {"seen", MeasureValueType::kTimestamp},
      {"status", MeasureValueType::kVarchar}, {"up", MeasureValueType::kBoolean}};
  EXPECT_EQ(types, want);
}

}  // namespace
}  // namespace tsw::magnetic
