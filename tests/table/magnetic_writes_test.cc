// Magnetic-store writes: records older than the memory window, inside the magnetic one,
// are counted as MagneticStore, durable at once, and land in segments at the next
// maintenance; those that left the magnetic window first are reported as rejected data.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tests/table/tier_test_util.h"

namespace tsw::testing {
namespace {

class MagneticWritesTest : public TierFixture {
 protected:
  MagneticWritesTest() {
    // Rejected-data reports go under the engine's data directory, the table directory's
    // grandparent: lay the table out as the engine does.
    data_dir_ = file::JoinPath(NewTempDir(), "data");
    dir_ = file::JoinPath(data_dir_, "tables/7");
    ReopenStore();
  }

  // The files under <data>/rejected-data/<relative>, or none.
  std::vector<std::string> Reports(const std::string& relative) {
    absl::StatusOr<std::vector<std::string>> names = file::ListDir(
        *Env::Default(), file::JoinPath(file::JoinPath(data_dir_, "rejected-data"), relative));
    return names.ok() ? *names : std::vector<std::string>();
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string data_dir_;
};

TEST_F(MagneticWritesTest, LandInSegmentsAndCountAsMagneticStore) {
  std::vector<Record> records;
  for (int i = 0; i < 20; ++i) {
    // Ten of them five hours old, ten current.
    const int64_t ms = i < 10 ? kNowMillis - 5 * 3600 * 1000 + i : kNowMillis - i;
    records.push_back(
        Rec({Dim("host", absl::StrCat("h", i % 3))}, "cpu", absl::StrCat(i, ".5"), ms));
  }
  absl::StatusOr<WriteRecordsResponse> r = Write(records);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records_ingested.magnetic_store, 10);
  EXPECT_EQ(r->records_ingested.memory_store, 10);
  EXPECT_EQ(r->records_ingested.total, 20);
  const Contents written = ScanAllSorted();
  ASSERT_EQ(written.size(), 20u);  // Visible at once.

  ASSERT_TRUE(Maintain().ok());  // No clock change: the old ones move all the same.
  TableStats stats = Stats();
  EXPECT_EQ(stats.magnetic_points, 10);
  EXPECT_EQ(stats.memory_points, 10);
  EXPECT_EQ(ScanAllSorted(), written);
  ReopenStore();
  EXPECT_EQ(ScanAllSorted(), written);
  EXPECT_EQ(Stats().memory_points, 10);
  EXPECT_TRUE(Reports("").empty());
}

TEST_F(MagneticWritesTest, AreDurableBeforeTheyReachASegment) {
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", kNowMillis - 3 * 3600 * 1000)).ok());
  ReopenStore();  // No maintenance ran.
  ASSERT_EQ(ScanAllSorted().size(), 1u);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Stats().magnetic_points, 1);
  EXPECT_EQ(Stats().memory_points, 0);
  EXPECT_EQ(ScanAllSorted().size(), 1u);
}

TEST_F(MagneticWritesTest, OnesThatLeftTheMagneticWindowAreReportedToTheRejectedDataLocation) {
  S3Configuration s3;
  s3.bucket_name = "audit-bucket";
  s3.object_key_prefix = "tsw/errors";
  table_.magnetic_store_write_properties.magnetic_store_rejected_data_location =
      MagneticStoreRejectedDataLocation{s3};
  // One minute inside the two-day window; a second record well inside it.
  const int64_t edge_ms = kNowMillis - 2 * 24 * 3600 * 1000LL + 60 * 1000;
  ASSERT_TRUE(
      Write({Rec({Dim("host", "a"), Dim("dc", "x\"1")}, "cpu", "1.5", edge_ms, std::nullopt, 3),
             Rec({Dim("host", "a")}, "cpu", "2.5", kNowMillis - 24 * 3600 * 1000LL)})
          .ok());
  clock_.Advance(5 * kMinute);  // The first has left the window before maintenance.
  ASSERT_TRUE(Maintain().ok());
  const std::vector<std::string> reports = Reports("audit-bucket/tsw/errors");
  ASSERT_EQ(reports.size(), 1u);
  const std::string json = Read(file::JoinPath(
      file::JoinPath(data_dir_, "rejected-data/audit-bucket/tsw/errors"), reports[0]));
  EXPECT_TRUE(absl::StrContains(json, "\"MeasureName\": \"cpu\"")) << json;
  EXPECT_TRUE(absl::StrContains(json, absl::StrCat("\"Time\": \"", edge_ms * 1000000, "\"")))
      << json;
  EXPECT_TRUE(absl::StrContains(json, "\"Version\": 3")) << json;
  EXPECT_TRUE(absl::StrContains(json, "{\"Name\": \"dc\", \"Value\": \"x\\\"1\"}")) << json;
  EXPECT_TRUE(absl::StrContains(json, "retention")) << json;
  EXPECT_FALSE(absl::StrContains(json, "2.5")) << json;
  // The rejected record is gone; the other one is in a segment.
  const Contents rows = ScanAllSorted();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.begin()->second.value, "2.5");
  EXPECT_EQ(Stats().memory_points, 0);
  EXPECT_EQ(Stats().magnetic_points, 1);
  // Nothing more to report on the next pass.
  ASSERT_TRUE(Maintain().ok());
  EXPECT_EQ(Reports("audit-bucket/tsw/errors").size(), 1u);
}

TEST_F(MagneticWritesTest, WithoutALocationTheRejectionIsLogged) {
  const int64_t edge_ms = kNowMillis - 2 * 24 * 3600 * 1000LL + 60 * 1000;
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", edge_ms)).ok());
  clock_.Advance(5 * kMinute);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_TRUE(Reports("").empty());
  int logged = 0;
  for (const std::string& line : log_lines_) {
    logged += absl::StrContains(line, "rejected record") &&
              absl::StrContains(line, absl::StrCat(edge_ms * 1000000));
  }
  EXPECT_EQ(logged, 1);
  EXPECT_TRUE(ScanAllSorted().empty());
}

TEST_F(MagneticWritesTest, AReplayedMagneticWriteIsReportedToo) {
  S3Configuration s3;
  s3.bucket_name = "b";
  table_.magnetic_store_write_properties.magnetic_store_rejected_data_location =
      MagneticStoreRejectedDataLocation{s3};
  // An eviction first, so the late record is older than its cutoff.
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", kNowMillis)).ok());
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(Maintain().ok());
  const int64_t edge_ms = clock_.NowNanos() / 1000000 - 2 * 24 * 3600 * 1000LL + 60 * 1000;
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "b")}, "cpu", "2.5", edge_ms)).ok());
  ReopenStore();
  clock_.Advance(5 * kMinute);
  ASSERT_TRUE(Maintain().ok());
  ASSERT_EQ(Reports("b").size(), 1u);
  EXPECT_EQ(ScanAllSorted().size(), 1u);
}

TEST_F(MagneticWritesTest, AnUnsafeLocationIsLoggedInstead) {
  S3Configuration s3;
  s3.bucket_name = "..";
  table_.magnetic_store_write_properties.magnetic_store_rejected_data_location =
      MagneticStoreRejectedDataLocation{s3};
  const int64_t edge_ms = kNowMillis - 2 * 24 * 3600 * 1000LL + 60 * 1000;
  ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", edge_ms)).ok());
  clock_.Advance(5 * kMinute);
  ASSERT_TRUE(Maintain().ok());
  EXPECT_TRUE(Reports("").empty());
  bool logged = false;
  for (const std::string& line : log_lines_) logged |= absl::StrContains(line, "unusable");
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace tsw::testing
