// Timestream's Version rules hold across the tiers: a record whose (series, measure, time)
// was evicted to a segment is resolved against the stored row exactly as against a row in
// memory.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "engine/wal/log.h"
#include "gtest/gtest.h"
#include "tests/common/wrapping_env.h"
#include "tests/table/tier_test_util.h"
#include "tsw/env.h"

namespace tsw::testing {
namespace {

// The default Env, except that a thread that asked for it is stopped at its next read of a
// segment file until the test releases it: holds a late write between its magnetic lookup
// and its write lock. Waits are bounded, so a broken handshake fails the test instead of
// hanging it.
class PausingEnv : public WrappingEnv {
 public:
  PausingEnv() : WrappingEnv(Env::Default()) {}
  // The calling thread's next read of a segment file pauses there.
  void PauseThisThreadAtItsNextSegmentRead() {
    std::lock_guard<std::mutex> lock(mu_);
    paused_thread_ = std::this_thread::get_id();
  }
  // Whether the paused thread reached its read.
  bool WaitUntilPaused() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kBound, [this] { return paused_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path, OpenMode mode) override {
    absl::StatusOr<std::unique_ptr<File>> file = base()->OpenFile(path, mode);
    if (!file.ok() || path.find("/magnetic/") == std::string::npos) return file;
    return std::unique_ptr<File>(new PausingFile(this, *std::move(file)));
  }

 private:
  static constexpr std::chrono::seconds kBound{60};

  class PausingFile : public WrappingFile {
   public:
    PausingFile(PausingEnv* env, std::unique_ptr<File> base)
        : WrappingFile(std::move(base)), env_(env) {}
    absl::StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
      env_->MaybePause();
      return WrappingFile::Read(offset, n, scratch);
    }
    // Not mapped: a segment's reader then reads it with Read, where it pauses.
    absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly() const override {
      return absl::UnimplementedError("not mapped: reads pause");
    }

   private:
    PausingEnv* const env_;
  };

  void MaybePause() {
    std::unique_lock<std::mutex> lock(mu_);
    if (paused_ || paused_thread_ != std::this_thread::get_id()) return;
    paused_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, kBound, [this] { return released_; });
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::thread::id paused_thread_;
  bool paused_ = false;
  bool released_ = false;
};

// Rows at 30 minutes before kNowNanos, evicted by moving the clock two hours on.
class CrossTierVersionsTest : public TierFixture {
 protected:
  static constexpr int64_t kMillis = kNowMillis - 30 * 60 * 1000;
  static constexpr int64_t kNanos = kMillis * 1000000;

  void SetUp() override {
    ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", kMillis, std::nullopt, 1)).ok());
    ASSERT_TRUE(
        WriteOne(MultiRec({Dim("host", "a")}, "mm",
                          {Attr("load", "0.25"), Attr("mode", "busy", MeasureValueType::kVarchar)},
                          kMillis, 1))
            .ok());
    clock_.Advance(2 * kHour);
    ASSERT_TRUE(Maintain().ok());
    ASSERT_EQ(Stats().memory_points, 0);
    ASSERT_EQ(Stats().magnetic_points, 2);
  }

  Row CpuRow() {
    const Contents rows = ScanAllSorted();
    auto it = rows.find(RowKey("host=a", "cpu", kNanos));
    return it == rows.end() ? Row{-1, MeasureValueType::kDouble, "missing"} : it->second;
  }
  Row MultiRow() {
    const Contents rows = ScanAllSorted();
    auto it = rows.find(RowKey("host=a", "mm", kNanos));
    return it == rows.end() ? Row{-1, MeasureValueType::kMulti, "missing"} : it->second;
  }
  // The scan after maintenance and after reopening stays `expected`.
  void ExpectDurably(const Contents& expected) {
    EXPECT_EQ(ScanAllSorted(), expected);
    ASSERT_TRUE(Maintain().ok());
    EXPECT_EQ(ScanAllSorted(), expected);
    ReopenStore();
    EXPECT_EQ(ScanAllSorted(), expected);
  }
};

TEST_F(CrossTierVersionsTest, HigherVersionReplacesAnEvictedRow) {
  absl::StatusOr<WriteRecordsResponse> r =
      Write({Rec({Dim("host", "a")}, "cpu", "2.5", kMillis, std::nullopt, 2)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records_ingested.magnetic_store, 1);
  EXPECT_EQ(r->records_ingested.total, 1);
  EXPECT_EQ(CpuRow(), (Row{2, MeasureValueType::kDouble, "2.5"}));
  const Contents expected = ScanAllSorted();
  EXPECT_EQ(expected.size(), 2u);
  ExpectDurably(expected);
  EXPECT_EQ(CpuRow(), (Row{2, MeasureValueType::kDouble, "2.5"}));
}

TEST_F(CrossTierVersionsTest, LowerVersionWithADifferentValueIsRejectedWithExistingVersion) {
  RejectedRecord r =
      OnlyRejection(WriteOne(Rec({Dim("host", "a")}, "cpu", "9.5", kMillis, std::nullopt, 1)));
  EXPECT_EQ(r.existing_version, 1);
  EXPECT_TRUE(absl::StrContains(r.reason, "Version 1")) << r.reason;
  // After an upgrade to Version 3 (in memory now), and again once it is in a segment.
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "3.5", kMillis, std::nullopt, 3)).ok());
  r = OnlyRejection(WriteOne(Rec({Dim("host", "a")}, "cpu", "9.5", kMillis, std::nullopt, 2)));
  EXPECT_EQ(r.existing_version, 3);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Stats().memory_points, 0);
  r = OnlyRejection(WriteOne(Rec({Dim("host", "a")}, "cpu", "9.5", kMillis, std::nullopt, 3)));
  EXPECT_EQ(r.existing_version, 3);
  ReopenStore();
  r = OnlyRejection(WriteOne(Rec({Dim("host", "a")}, "cpu", "9.5", kMillis, std::nullopt, 2)));
  EXPECT_EQ(r.existing_version, 3);
  EXPECT_EQ(CpuRow(), (Row{3, MeasureValueType::kDouble, "3.5"}));
}

// The batches the table's write-ahead log holds, read with the store closed.
int LoggedBatches(const std::string& table_dir) {
  int batches = 0;
  wal::LogOptions options;
  options.report = [](absl::string_view) {};
  absl::StatusOr<std::unique_ptr<wal::Log>> log =
      wal::Log::Open(file::JoinPath(table_dir, "wal"), options, [&](uint64_t, absl::string_view) {
        ++batches;
        return absl::OkStatus();
      });
  EXPECT_TRUE(log.ok()) << log.status();
  return batches;
}

TEST_F(CrossTierVersionsTest, IdenticalResendIsIdempotent) {
  // The eviction trimmed the log: it holds no batch.
  store_.reset();
  ASSERT_EQ(LoggedBatches(dir_), 0);
  ReopenStore();
  absl::StatusOr<WriteRecordsResponse> r =
      Write({Rec({Dim("host", "a")}, "cpu", "1.5", kMillis, std::nullopt, 1),
             Rec({Dim("host", "a")}, "cpu", "1.5", kMillis)});  // Version 1 by default.
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records_ingested.magnetic_store, 2);
  EXPECT_EQ(r->records_ingested.total, 2);
  // Nothing changed: nothing kept in memory, and nothing logged (the log may have been
  // extended with zeros ahead of a batch that did not come: see engine/wal/FORMAT.md).
  const TableStats stats = Stats();
  EXPECT_EQ(stats.memory_points, 0);
  EXPECT_EQ(stats.magnetic_points, 2);
  EXPECT_EQ(CpuRow(), (Row{1, MeasureValueType::kDouble, "1.5"}));
  store_.reset();
  EXPECT_EQ(LoggedBatches(dir_), 0);
  ReopenStore();
}

TEST_F(CrossTierVersionsTest, HigherVersionWithTheSameValueUpdatesOnlyTheVersion) {
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", kMillis, std::nullopt, 5)).ok());
  EXPECT_EQ(CpuRow(), (Row{5, MeasureValueType::kDouble, "1.5"}));
  ExpectDurably(ScanAllSorted());
}

TEST_F(CrossTierVersionsTest, MultiMeasureRowsCompareEveryAttribute) {
  // Same attributes and values: idempotent.
  ASSERT_TRUE(
      WriteOne(MultiRec({Dim("host", "a")}, "mm",
                        {Attr("mode", "busy", MeasureValueType::kVarchar), Attr("load", "0.25")},
                        kMillis, 1))
          .ok());
  EXPECT_EQ(Stats().memory_points, 0);
  // An attribute missing: a different value.
  RejectedRecord r = OnlyRejection(
      WriteOne(MultiRec({Dim("host", "a")}, "mm", {Attr("load", "0.25")}, kMillis, 1)));
  EXPECT_EQ(r.existing_version, 1);
  // An attribute the table has never seen: a different value.
  r = OnlyRejection(
      WriteOne(MultiRec({Dim("host", "a")}, "mm",
                        {Attr("load", "0.25"), Attr("mode", "busy", MeasureValueType::kVarchar),
                         Attr("extra", "1", MeasureValueType::kBigint)},
                        kMillis, 1)));
  EXPECT_EQ(r.existing_version, 1);
  // A higher Version replaces the whole row.
  ASSERT_TRUE(
      WriteOne(MultiRec({Dim("host", "a")}, "mm", {Attr("load", "0.75")}, kMillis, 2)).ok());
  EXPECT_EQ(MultiRow(), (Row{2, MeasureValueType::kMulti, "load=0.75"}));
  ExpectDurably(ScanAllSorted());
  EXPECT_EQ(MultiRow(), (Row{2, MeasureValueType::kMulti, "load=0.75"}));
}

TEST_F(CrossTierVersionsTest, RecordsOfOneRequestResolveInOrderAgainstAnEvictedRow) {
  std::vector<Record> records = {
      Rec({Dim("host", "a")}, "cpu", "1.5", kMillis, std::nullopt, 1),  // Idempotent.
      Rec({Dim("host", "a")}, "cpu", "4.5", kMillis, std::nullopt, 2),  // Replaces.
      Rec({Dim("host", "a")}, "cpu", "4.5", kMillis, std::nullopt, 2),  // Idempotent.
      Rec({Dim("host", "a")}, "cpu", "1.5", kMillis, std::nullopt, 1),  // Rejected: 2 exists.
  };
  absl::Status s = Write(records).status();
  std::vector<RejectedRecord> rejected = RejectedRecordsOf(s);
  ASSERT_EQ(rejected.size(), 1u) << s;
  EXPECT_EQ(rejected[0].record_index, 3);
  EXPECT_EQ(rejected[0].existing_version, 2);
  EXPECT_EQ(CpuRow(), (Row{2, MeasureValueType::kDouble, "4.5"}));
  ExpectDurably(ScanAllSorted());
}

TEST_F(CrossTierVersionsTest, RecordsInsideALongerWindowStillMeetEvictedRows) {
  // The window grows back to 6 hours: the evicted row is inside it again, but stays in
  // its segment; a memory-window record for its key is checked against it all the same.
  table_.retention_properties.memory_store_retention_period_in_hours = 6;
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Stats().memory_points, 0);
  RejectedRecord r =
      OnlyRejection(WriteOne(Rec({Dim("host", "a")}, "cpu", "9.5", kMillis, std::nullopt, 1)));
  EXPECT_EQ(r.existing_version, 1);
  absl::StatusOr<WriteRecordsResponse> ok =
      Write({Rec({Dim("host", "a")}, "cpu", "7.5", kMillis, std::nullopt, 2)});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->records_ingested.memory_store, 1);
  EXPECT_EQ(CpuRow(), (Row{2, MeasureValueType::kDouble, "7.5"}));
  ExpectDurably(ScanAllSorted());
}

TEST_F(CrossTierVersionsTest, ManyEvictedKeysInOneRequestAgainstAModel) {
  // Many rows in segments (and a few still in memory), then requests mixing fresh keys,
  // resends, lower and higher Versions of evicted keys.
  std::mt19937_64 rng(11);
  Model model;
  model.Write("host=a", "cpu", MeasureValueType::kDouble, kNanos, 1, "1.5");
  model.Write("host=a", "mm", MeasureValueType::kMulti, kNanos, 1, "load=0.25;mode=busy");
  WriteAll(MixedRecords(rng, 800, clock_.NowNanos(), 3 * kHour, 1, &model));
  ASSERT_TRUE(Maintain().ok());
  ASSERT_GT(Stats().magnetic_points, 100);
  std::vector<RowKey> keys;
  for (const auto& [key, row] : model.rows()) {
    if (std::get<1>(key) == "cpu") keys.push_back(key);
  }
  for (int request = 0; request < 20; ++request) {
    std::vector<Record> records;
    std::vector<Model::Outcome> outcomes;
    for (int i = 0; i < 50; ++i) {
      const RowKey& key = keys[rng() % keys.size()];
      const int64_t version = 1 + static_cast<int64_t>(rng() % 4);
      const std::string value = DoubleText(static_cast<double>(rng() % 3));
      const std::string& series = std::get<0>(key);
      const std::string host = series.substr(5, series.find(',') - 5);
      std::vector<Dimension> dims = {Dim("host", host)};
      if (series.find(",region=") != std::string::npos) {
        dims.push_back(Dim("region", series.substr(series.find(",region=") + 8)));
      }
      records.push_back(Rec(dims, "cpu", value, std::get<2>(key) / 1000000, std::nullopt, version));
      outcomes.push_back(
          model.Write(series, "cpu", MeasureValueType::kDouble, std::get<2>(key), version, value));
    }
    absl::StatusOr<WriteRecordsResponse> r = Write(records);
    std::vector<int32_t> rejected;
    for (const RejectedRecord& rr : RejectedRecordsOf(r.status()))
      rejected.push_back(rr.record_index);
    std::vector<int32_t> expected_rejected;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (outcomes[i] == Model::Outcome::kRejected)
        expected_rejected.push_back(static_cast<int32_t>(i));
    }
    EXPECT_EQ(rejected, expected_rejected) << "request " << request;
    if (request % 5 == 4) {
      ASSERT_TRUE(Maintain().ok());
    }
  }
  ExpectDurably(model.rows());
}

// A late write looks its keys up in segments before it takes the write lock. An eviction
// that moves a row out of memory between the lookup and the lock must not let the write
// miss that row: here Version 5 of `cpu` leaves memory while the write (Version 3 of
// `cpu`, plus a resend of `mm` whose lookup reads a segment) waits at its read.
TEST_F(CrossTierVersionsTest, ALookupOvertakenByAnEvictionIsRedoneUnderTheLock) {
  PausingEnv env;
  options_.env = &env;
  ReopenStore();
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "5.5", kMillis, std::nullopt, 5)).ok());
  ASSERT_EQ(Stats().memory_points, 1);

  absl::Status late;
  std::thread writer([&] {
    env.PauseThisThreadAtItsNextSegmentRead();
    late = Write({Rec({Dim("host", "a")}, "cpu", "3.5", kMillis, std::nullopt, 3),
                  MultiRec({Dim("host", "a")}, "mm",
                           {Attr("load", "0.25"), Attr("mode", "busy", MeasureValueType::kVarchar)},
                           kMillis, 1)})
               .status();
  });
  const bool paused = env.WaitUntilPaused();
  absl::Status maintained = absl::UnknownError("not run");
  if (paused) maintained = Maintain();  // Version 5 moves to a segment, leaving memory.
  env.Release();
  writer.join();
  ASSERT_TRUE(paused) << "the write never read a segment";
  ASSERT_TRUE(maintained.ok()) << maintained;
  ASSERT_EQ(Stats().memory_points, 0);

  const RejectedRecord r = OnlyRejection(late);
  EXPECT_EQ(r.record_index, 0);
  EXPECT_EQ(r.existing_version, 5);
  EXPECT_EQ(CpuRow(), (Row{5, MeasureValueType::kDouble, "5.5"}));
}

}  // namespace
}  // namespace tsw::testing
