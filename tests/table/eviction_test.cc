// Eviction from the memory store to the magnetic tier: scans return the same rows before
// and after eviction, compaction and reopening; the log shrinks; memory stays bounded by
// the window; retention changes take effect at once.
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tests/table/tier_test_util.h"

namespace tsw::testing {
namespace {

class EvictionTest : public TierFixture {
 protected:
  // Scans with random ranges, filters and batch sizes return the model's rows.
  void ExpectScansMatch(const Contents& expected, std::mt19937_64& rng) {
    EXPECT_EQ(ScanAllSorted(), expected);
    for (int i = 0; i < 12; ++i) {
      ScanRequest r;
      if (rng() % 2) r.start_time_nanos = kNowNanos - static_cast<int64_t>(rng() % (4 * kHour));
      if (rng() % 2) r.end_time_nanos = kNowNanos + static_cast<int64_t>(rng() % (8 * kHour));
      if (rng() % 3 == 0) r.measure_names = {"cpu", "metrics"};
      if (rng() % 3 == 0) r.dimension_filters = {Dim("region", "eu")};
      if (rng() % 4 == 0) r.dimension_filters.push_back(Dim("host", "h3"));
      r.max_rows_per_batch = static_cast<int32_t>(1 + rng() % 9);
      EXPECT_EQ(ScanAllSorted(r), Filter(expected, r)) << "scan " << i;
    }
  }
};

TEST_F(EvictionTest, ScansMatchTheModelBeforeAndAfterEvictionAndCompaction) {
  std::mt19937_64 rng(1);
  Model model;
  WriteAll(MixedRecords(rng, 2000, clock_.NowNanos(), kHour, 1, &model));
  ExpectScansMatch(model.rows(), rng);
  ASSERT_TRUE(Maintain().ok());  // Nothing is old enough yet.
  EXPECT_EQ(Stats().magnetic_points, 0);

  // Each pass evicts what left the window; new rows keep arriving for the same series,
  // so scans merge both tiers.
  for (int step = 0; step < 8; ++step) {
    clock_.Advance(25 * kMinute);
    WriteAll(MixedRecords(rng, 300, clock_.NowNanos(), 30 * kMinute, 1, &model));
    ASSERT_TRUE(Maintain().ok());
    ExpectScansMatch(model.rows(), rng);
  }
  const TableStats stats = Stats();
  EXPECT_GT(stats.magnetic_points, 0);
  EXPECT_GT(stats.memory_points, 0);
  EXPECT_LT(stats.memory_points, static_cast<int64_t>(model.rows().size()));
  // Compaction merged small segments along the way.
  EXPECT_LT(stats.segments.size(), 8u);

  // Everything leaves memory; scans still see every row.
  clock_.Advance(3 * kHour);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Stats().memory_points, 0);
  ExpectScansMatch(model.rows(), rng);
  EXPECT_TRUE(store_->Verify().empty());
}

TEST_F(EvictionTest, StatsFillTheMagneticFields) {
  std::mt19937_64 rng(2);
  Model model;
  WriteAll(MixedRecords(rng, 500, clock_.NowNanos(), kHour, 1, &model));
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(Maintain().ok());
  const TableStats stats = Stats();
  EXPECT_EQ(stats.memory_points, 0);
  EXPECT_EQ(stats.magnetic_points, static_cast<int64_t>(model.rows().size()));
  ASSERT_EQ(stats.segments.size(), 1u);
  EXPECT_EQ(stats.segments[0].points, stats.magnetic_points);
  EXPECT_GT(stats.magnetic_bytes, 0);
  EXPECT_EQ(stats.segments[0].bytes, stats.magnetic_bytes);
  EXPECT_GE(stats.segments[0].min_time_nanos, kNowNanos - kHour);
  EXPECT_LT(stats.segments[0].max_time_nanos, kNowNanos);
  int64_t kinds = 0;
  bool has_double = false;
  for (const auto& [kind, bytes] : stats.bytes_by_column_kind) {
    kinds += bytes;
    has_double |= kind == "double" && bytes > 0;
  }
  EXPECT_EQ(kinds, stats.magnetic_bytes);
  EXPECT_TRUE(has_double);
}

TEST_F(EvictionTest, ReopenAfterEvictionShowsTheSameRowsOnce) {
  std::mt19937_64 rng(3);
  Model model;
  WriteAll(MixedRecords(rng, 1500, clock_.NowNanos(), 2 * kHour, 1, &model));
  // Half the rows are older than the window: they go; the rest stay in memory.
  ASSERT_TRUE(Maintain().ok());
  const TableStats before = Stats();
  EXPECT_GT(before.magnetic_points, 0);
  EXPECT_GT(before.memory_points, 0);
  EXPECT_EQ(before.magnetic_points + before.memory_points,
            static_cast<int64_t>(model.rows().size()));
  // More rows after the eviction, some older than its cutoff (magnetic-store writes).
  WriteAll(MixedRecords(rng, 300, clock_.NowNanos(), 3 * kHour, 1, &model));
  const Contents expected = model.rows();
  EXPECT_EQ(ScanAllSorted(), expected);

  ReopenStore();
  EXPECT_EQ(ScanAllSorted(), expected);
  const TableStats reopened = Stats();
  EXPECT_EQ(reopened.magnetic_points, before.magnetic_points);
  // Rows in segments are not replayed into memory again.
  EXPECT_EQ(reopened.memory_points + reopened.magnetic_points,
            static_cast<int64_t>(expected.size()));
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(ScanAllSorted(), expected);
  ReopenStore();
  EXPECT_EQ(ScanAllSorted(), expected);
  EXPECT_EQ(Stats().memory_points + Stats().magnetic_points, static_cast<int64_t>(expected.size()));
}

TEST_F(EvictionTest, WalBytesDropAfterEviction) {
  ReopenWithWalFileBytes(8 << 10);
  std::mt19937_64 rng(4);
  Model model;
  for (int i = 0; i < 20; ++i) {
    WriteAll(MixedRecords(rng, 200, clock_.NowNanos(), 10 * kMinute, 1, &model));
    clock_.Advance(3 * kMinute);
  }
  const int64_t full = Stats().wal_bytes;
  EXPECT_GT(full, 4 * (8 << 10));
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(Maintain().ok());
  const TableStats after = Stats();
  EXPECT_EQ(after.memory_points, 0);
  // Every batch is in segments: the log is one file holding only its header.
  EXPECT_LT(after.wal_bytes, 64);
  std::cout << "wal: " << full << " bytes before eviction, " << after.wal_bytes << " after\n";
  ReopenWithWalFileBytes(8 << 10);
  EXPECT_EQ(ScanAllSorted(), model.rows());
  EXPECT_EQ(Stats().memory_points, 0);
}

TEST_F(EvictionTest, AnIdleTablesLogShrinksToItsHeaderAndTakesWritesAfterReopen) {
  // The default file size (64 MiB): the log's one file would otherwise keep every batch
  // and the zeros written ahead of them until it filled up.
  ReopenStore();
  std::mt19937_64 rng(5);
  Model model;
  for (int i = 0; i < 10; ++i) {
    WriteAll(MixedRecords(rng, 1000, clock_.NowNanos(), 10 * kMinute, 1, &model));
    clock_.Advance(5 * kMinute);
  }
  EXPECT_GT(Stats().wal_bytes, 100 << 10);
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(Maintain().ok());
  const TableStats after = Stats();
  EXPECT_EQ(after.memory_points, 0);
  EXPECT_LT(after.wal_bytes, 64);
  EXPECT_EQ(ScanAllSorted(), model.rows());

  ReopenStore();
  EXPECT_EQ(ScanAllSorted(), model.rows());
  // Writes go on after the log was emptied, and replay finds them (and only them).
  WriteAll(MixedRecords(rng, 500, clock_.NowNanos(), 10 * kMinute, 1, &model));
  ReopenStore();
  EXPECT_EQ(ScanAllSorted(), model.rows());
  EXPECT_GT(Stats().memory_points, 0);
}

TEST_F(EvictionTest, ShorterWindowEvictsAtOnceAndLongerDoesNotPullBack) {
  table_.retention_properties.memory_store_retention_period_in_hours = 6;
  std::mt19937_64 rng(5);
  Model model;
  WriteAll(MixedRecords(rng, 1000, clock_.NowNanos(), 5 * kHour, 1, &model));
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Stats().magnetic_points, 0);

  table_.retention_properties.memory_store_retention_period_in_hours = 1;
  ASSERT_TRUE(Maintain().ok());
  const Contents recent = From(model.rows(), clock_.NowNanos() - kHour);
  TableStats stats = Stats();
  EXPECT_EQ(stats.memory_points, static_cast<int64_t>(recent.size()));
  EXPECT_EQ(stats.magnetic_points, static_cast<int64_t>(model.rows().size() - recent.size()));
  EXPECT_EQ(ScanAllSorted(), model.rows());

  table_.retention_properties.memory_store_retention_period_in_hours = 12;
  ASSERT_TRUE(Maintain().ok());
  stats = Stats();
  EXPECT_EQ(stats.memory_points, static_cast<int64_t>(recent.size()));
  EXPECT_EQ(stats.magnetic_points, static_cast<int64_t>(model.rows().size() - recent.size()));
  EXPECT_EQ(ScanAllSorted(), model.rows());
  ReopenStore();
  EXPECT_EQ(Stats().memory_points, static_cast<int64_t>(recent.size()));
  EXPECT_EQ(ScanAllSorted(), model.rows());
}

TEST_F(EvictionTest, RetentionDeletesRowsOlderThanTheMagneticWindow) {
  std::mt19937_64 rng(6);
  Model model;
  // Three days of rows, a batch every 6 hours, evicted as they age.
  for (int i = 0; i < 12; ++i) {
    WriteAll(MixedRecords(rng, 100, clock_.NowNanos(), 30 * kMinute, 1, &model));
    clock_.Advance(6 * kHour);
    ASSERT_TRUE(Maintain().ok());
  }
  const int64_t now = clock_.NowNanos();
  const Contents kept = From(model.rows(), now - 2 * kDay);
  ASSERT_LT(kept.size(), model.rows().size());
  EXPECT_EQ(ScanAllSorted(), kept);
  const TableStats stats = Stats();
  EXPECT_EQ(stats.memory_points, 0);
  for (const TableStats::Segment& s : stats.segments) {
    EXPECT_GE(s.max_time_nanos, now - 2 * kDay - 2 * kHour) << s.file;
  }
  // Not even a range asking for old rows gets them, in memory or in segments.
  ScanRequest old;
  old.end_time_nanos = now - 2 * kDay;
  EXPECT_TRUE(ScanAllSorted(old).empty());

  // Shortening the magnetic window hides (then deletes) more at once.
  table_.retention_properties.magnetic_store_retention_period_in_days = 1;
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(ScanAllSorted(), From(model.rows(), now - kDay));
  EXPECT_LT(Stats().magnetic_points, stats.magnetic_points);
  ReopenStore();
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(ScanAllSorted(), From(model.rows(), now - kDay));
}

TEST_F(EvictionTest, MemoryStaysFlatOverASimulatedDay) {
  options_.durability.policy = SyncPolicy::kSyncPeriodically;
  ReopenWithWalFileBytes(64 << 10);
  constexpr int kSeries = 40;
  // Peaks over hours 3-12 and 13-24, once the window (an hour) has filled.
  int64_t points[2] = {0, 0}, bytes[2] = {0, 0}, wal[2] = {0, 0};
  int64_t written = 0;
  for (int minute = 0; minute < 24 * 60; ++minute) {
    std::vector<Record> records;
    for (int s = 0; s < kSeries; ++s) {
      const int64_t ms = clock_.NowNanos() / 1000000;
      records.push_back(
          Rec({Dim("host", absl::StrCat("h", s))}, "cpu", absl::StrCat(minute % 100, ".5"), ms));
      // A value never seen before: its string must not outlive its row in memory.
      records.push_back(Rec({Dim("host", absl::StrCat("h", s))}, "event",
                            absl::StrCat("event-", minute, "-", s), ms,
                            MeasureValueType::kVarchar));
    }
    WriteAll(records);
    written += 2 * kSeries;
    ASSERT_TRUE(Maintain().ok());
    if (minute >= 2 * 60) {
      const TableStats stats = Stats();
      const int half = minute < 12 * 60 ? 0 : 1;
      points[half] = std::max(points[half], stats.memory_points);
      bytes[half] = std::max(bytes[half], stats.memory_bytes);
      wal[half] = std::max(wal[half], stats.wal_bytes);
    }
    clock_.Advance(kMinute);
  }
  // The window (60 minutes) plus one slab (2.5 minutes) plus the current minute.
  EXPECT_LE(points[1], 2 * kSeries * 64);
  EXPECT_LE(points[1], points[0]);
  EXPECT_LE(bytes[1], bytes[0] * 11 / 10);
  EXPECT_LE(wal[1], 4 * (64 << 10));
  const TableStats stats = Stats();
  EXPECT_EQ(stats.memory_points + stats.magnetic_points, written);
  EXPECT_LT(stats.segments.size(), 40u);  // Compacted as it went.
  std::cout << "memory: at most " << points[0] << " points, " << bytes[0]
            << " bytes in hours 3-12; " << points[1] << ", " << bytes[1]
            << " in hours 13-24; wal at most " << wal[1] << " bytes; " << stats.magnetic_points
            << " magnetic points in " << stats.segments.size() << " segments, "
            << stats.magnetic_bytes << " bytes\n";
}

TEST_F(EvictionTest, MeasureTypesSurviveLogTrimming) {
  ReopenWithWalFileBytes(4 << 10);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", kNowMillis - i * 1000)).ok());
    ASSERT_TRUE(
        WriteOne(MultiRec({Dim("host", "a")}, "mm", {Attr("x", "7", MeasureValueType::kBigint)},
                          kNowMillis - i * 1000))
            .ok());
  }
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_LE(Stats().wal_bytes, 2 * (4 << 10));
  ReopenWithWalFileBytes(4 << 10);
  const RejectedRecord r = OnlyRejection(WriteOne(Rec(
      {Dim("host", "b")}, "cpu", "12", clock_.NowNanos() / 1000000, MeasureValueType::kBigint)));
  EXPECT_TRUE(absl::StrContains(r.reason, "DOUBLE")) << r.reason;
  const RejectedRecord a = OnlyRejection(WriteOne(
      MultiRec({Dim("host", "b")}, "mm", {Attr("x", "1.5")}, clock_.NowNanos() / 1000000)));
  EXPECT_TRUE(absl::StrContains(a.reason, "BIGINT")) << a.reason;

  // Without the schema file the segments still name the measure types.
  ASSERT_TRUE(file::RemoveFile(*Env::Default(), file::JoinPath(dir_, "SCHEMA")).ok());
  ReopenWithWalFileBytes(4 << 10);
  const RejectedRecord again = OnlyRejection(WriteOne(Rec(
      {Dim("host", "b")}, "cpu", "12", clock_.NowNanos() / 1000000, MeasureValueType::kBigint)));
  EXPECT_TRUE(absl::StrContains(again.reason, "DOUBLE")) << again.reason;
}

TEST_F(EvictionTest, VerifyNamesADamagedSegment) {
  std::mt19937_64 rng(7);
  Model model;
  WriteAll(MixedRecords(rng, 300, clock_.NowNanos(), kHour, 1, &model));
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_TRUE(store_->Verify().empty());
  const std::vector<TableStats::Segment> segments = Stats().segments;
  ASSERT_EQ(segments.size(), 1u);
  {
    std::fstream f(segments[0].file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekp(40);
    char c = 0;
    f.read(&c, 1);
    c ^= 0x5a;
    f.seekp(40);
    f.write(&c, 1);
  }
  const std::vector<std::string> problems = store_->Verify();
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(
      absl::StrContains(problems[0], segments[0].file.substr(segments[0].file.rfind('/') + 1)))
      << problems[0];
}

}  // namespace
}  // namespace tsw::testing
