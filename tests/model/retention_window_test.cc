// The retention rule shared by the parser (which records a write accepts, and for which
// store) and the table store (what eviction keeps, where scans start).
#include "engine/model/retention_window.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "engine/ingest/request_parser.h"
#include "gtest/gtest.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::model {
namespace {

TEST(RetentionWindowTest, WindowIsCountTimesUnit) {
  EXPECT_EQ(WindowNanos(1, kNanosPerHour), int64_t{3600} * 1000000000);
  EXPECT_EQ(WindowNanos(8766, kNanosPerHour), int64_t{8766} * 3600 * 1000000000);
  EXPECT_EQ(WindowNanos(73000, kNanosPerDay), int64_t{73000} * 86400 * 1000000000);
}

TEST(RetentionWindowTest, ZeroAndNegativeCountsKeepNothingOlderThanNow) {
  EXPECT_EQ(WindowNanos(0, kNanosPerHour), 0);
  EXPECT_EQ(WindowNanos(-1, kNanosPerHour), 0);
  EXPECT_EQ(WindowNanos(INT64_MIN, kNanosPerDay), 0);
  EXPECT_EQ(WindowStart(1000, WindowNanos(-5, kNanosPerDay)), 1000);
}

TEST(RetentionWindowTest, HugeCountsSaturateAtInt64Max) {
  EXPECT_EQ(WindowNanos(INT64_MAX, kNanosPerHour), INT64_MAX);
  EXPECT_EQ(WindowNanos(INT64_MAX / kNanosPerDay + 1, kNanosPerDay), INT64_MAX);
  EXPECT_EQ(WindowNanos(INT64_MAX / kNanosPerDay, kNanosPerDay),
            INT64_MAX / kNanosPerDay * kNanosPerDay);
}

TEST(RetentionWindowTest, WindowStartSaturatesAtInt64Min) {
  EXPECT_EQ(WindowStart(0, INT64_MAX), -INT64_MAX);
  EXPECT_EQ(WindowStart(-1, INT64_MAX), INT64_MIN);
  EXPECT_EQ(WindowStart(-2, INT64_MAX), INT64_MIN);
  EXPECT_EQ(WindowStart(INT64_MIN, 1), INT64_MIN);
  EXPECT_EQ(WindowStart(INT64_MAX, INT64_MAX), 0);
  EXPECT_EQ(WindowStart(INT64_MIN, 0), INT64_MIN);
}

TEST(RetentionWindowTest, SaturatingArithmeticIsTotal) {
  EXPECT_EQ(SubtractSaturating(INT64_MAX, -1), INT64_MAX);
  EXPECT_EQ(SubtractSaturating(5, -3), 8);
  EXPECT_EQ(AddSaturating(INT64_MAX, 1), INT64_MAX);
  EXPECT_EQ(AddSaturating(INT64_MIN, -1), INT64_MIN);
  EXPECT_EQ(AddSaturating(-5, 3), -2);
}

TEST(RetentionWindowTest, PropertiesGiveHoursAndDays) {
  RetentionProperties r;
  r.memory_store_retention_period_in_hours = 2;
  r.magnetic_store_retention_period_in_days = 3;
  EXPECT_EQ(MemoryWindowNanos(r), 2 * kNanosPerHour);
  EXPECT_EQ(MagneticWindowNanos(r), 3 * kNanosPerDay);
}

// The parser's use of the rule: the window's first instant is inside it.
class WindowEdgeTest : public ::testing::Test {
 protected:
  static constexpr int64_t kNow = int64_t{1700000000000} * 1000000;

  WindowEdgeTest() {
    context_.quotas = &quotas_;
    context_.now_nanos = kNow;
    context_.retention.memory_store_retention_period_in_hours = 2;
    context_.retention.magnetic_store_retention_period_in_days = 3;
  }

  // Parses one DOUBLE record at `nanos`; returns "memory", "magnetic" or "rejected".
  std::string Place(int64_t nanos) {
    WriteRecordsRequest req;
    Record r;
    r.dimensions = {{"host", "a"}};
    r.measure_name = "cpu";
    r.measure_value = "1.5";
    r.time = absl::StrCat(nanos);
    r.time_unit = TimeUnit::kNanoseconds;
    req.records = {r};
    ingest::ParsedBatch batch;
    EXPECT_TRUE(ingest::ParseRequest(req, context_, &batch).ok());
    if (batch.records.size() != 1) return "rejected";
    return batch.records[0].magnetic ? "magnetic" : "memory";
  }

  Quotas quotas_;
  ingest::ParseContext context_;
};

TEST_F(WindowEdgeTest, RecordAtTheMemoryWindowsFirstInstantGoesToMemory) {
  context_.magnetic_store_writes = true;
  EXPECT_EQ(Place(kNow - 2 * kNanosPerHour), "memory");
  EXPECT_EQ(Place(kNow - 2 * kNanosPerHour - 1), "magnetic");
}

TEST_F(WindowEdgeTest, RecordAtTheMagneticWindowsFirstInstantIsKept) {
  context_.magnetic_store_writes = true;
  EXPECT_EQ(Place(kNow - 3 * kNanosPerDay), "magnetic");
  EXPECT_EQ(Place(kNow - 3 * kNanosPerDay - 1), "rejected");
}

TEST_F(WindowEdgeTest, WithoutMagneticWritesOlderThanMemoryIsRejected) {
  EXPECT_EQ(Place(kNow - 2 * kNanosPerHour), "memory");
  EXPECT_EQ(Place(kNow - 2 * kNanosPerHour - 1), "rejected");
}

TEST_F(WindowEdgeTest, NegativePeriodKeepsOnlyNowAndLater) {
  // Validation keeps periods >= 1; unvalidated, a negative period is an empty window (it
  // used to put the window's start in the future).
  context_.retention.memory_store_retention_period_in_hours = -1;
  EXPECT_EQ(Place(kNow), "memory");
  EXPECT_EQ(Place(kNow - 1), "rejected");
}

TEST_F(WindowEdgeTest, HugePeriodKeepsEveryTimeThatFitsInNanoseconds) {
  context_.retention.memory_store_retention_period_in_hours = INT64_MAX;
  EXPECT_EQ(Place(-kNow), "memory");
}

}  // namespace
}  // namespace tsw::model
