// Series of different shapes merged across the tiers one after another: the tier merger
// reuses one stream's output columns for the next (their buffers, never their values),
// so each series must still come out with its own attributes, and NULL for those it
// lacks. Series p has x and y; q has x and z, and w in its memory rows only; r has all
// four. Read whole, and through the tiers' filter (WHERE x > 50).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"
#include "tsw/engine.h"

namespace tsw::testing {
namespace {

constexpr int64_t kStep = 10 * kSecondNanos;
constexpr int64_t kFirstOld = kNow - 55 * kMinuteNanos;  // Magnetic: [kFirstOld, kNow).
constexpr int64_t kEndNew = kNow + 55 * kMinuteNanos;    // Memory: [kNow, kEndNew).

struct Row {
  std::string host;
  int64_t time;
  double x;
  std::optional<int64_t> y, z;
  std::optional<std::string> w;
};

class MergedShapesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDirForThisTest("merged_shapes_test");
    ASSERT_NO_FATAL_FAILURE(OpenFleetMetrics(dir_, Options(), &clock_, &engine_));
    WriteRows(kFirstOld, kNow, /*memory=*/false);
    clock_.Advance(60 * kMinuteNanos);
    ASSERT_TRUE(engine_->RunMaintenance().ok());
    WriteRows(kNow, kEndNew, /*memory=*/true);
  }

  void WriteRows(int64_t from, int64_t to, bool memory) {
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "metrics"};
    for (const char* host : {"p", "q", "r"}) {
      const std::string h = host;
      for (int64_t t = from; t < to; t += kStep) {
        const int64_t i = (t - kFirstOld) / kStep;
        Row row{h, t, i % 3 == 0 ? 75.0 : 25.0, std::nullopt, std::nullopt, std::nullopt};
        if (h != "q") row.y = i % 7;
        if (h != "p") row.z = 100 + i % 11;
        if (h == "r" || (h == "q" && memory)) row.w = absl::StrCat("w", i % 5);
        Record r;
        r.dimensions.push_back({"host", h});
        r.measure_name = "m";
        r.measure_value_type = MeasureValueType::kMulti;
        r.measure_values.push_back({"x", absl::StrCat(row.x), MeasureValueType::kDouble});
        if (row.y)
          r.measure_values.push_back({"y", absl::StrCat(*row.y), MeasureValueType::kBigint});
        if (row.z)
          r.measure_values.push_back({"z", absl::StrCat(*row.z), MeasureValueType::kBigint});
        if (row.w) r.measure_values.push_back({"w", *row.w, MeasureValueType::kVarchar});
        r.time = absl::StrCat(t);
        r.time_unit = TimeUnit::kNanoseconds;
        request.records.push_back(std::move(r));
        rows_.push_back(std::move(row));
        if (request.records.size() == 100) Send(&request);
      }
    }
    Send(&request);
  }

  void Send(WriteRecordsRequest* request) {
    if (request->records.empty()) return;
    auto written = engine_->WriteRecords(*request);
    ASSERT_TRUE(written.ok()) << written.status().message();
    request->records.clear();
  }

  // "host|time|x|y|z|w" of the rows with x above `min_x`, sorted.
  std::vector<std::string> Expected(double min_x) const {
    std::vector<std::string> out;
    auto text = [](const auto& v) { return v ? absl::StrCat(*v) : std::string("NULL"); };
    for (const Row& r : rows_) {
      if (r.x <= min_x) continue;
      out.push_back(absl::StrCat(r.host, "|", r.time, "|", static_cast<int64_t>(r.x), "|",
                                 text(r.y), "|", text(r.z), "|", text(r.w)));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> SortedRows(const std::string& where) {
    std::vector<std::string> rows;
    absl::Status s = engine_->QueryStream(
        absl::StrCat("SELECT host, to_nanoseconds(time), CAST(x AS BIGINT), y, z, w FROM "
                     "\"fleet\".\"metrics\" WHERE measure_name = 'm'",
                     where),
        [&](const QueryBatch& batch) {
          AppendRows(batch, &rows);
          return true;
        });
    EXPECT_TRUE(s.ok()) << s;
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  std::string dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
  std::vector<Row> rows_;
};

TEST_F(MergedShapesTest, EachSeriesKeepsItsOwnAttributesReadWhole) {
  EXPECT_EQ(SortedRows(""), Expected(0));
}

TEST_F(MergedShapesTest, EachSeriesKeepsItsOwnAttributesThroughTheFilter) {
  const std::vector<std::string> want = Expected(50);
  EXPECT_EQ(want.size(), rows_.size() / 3);
  EXPECT_EQ(SortedRows(" AND x > 50"), want);
}

}  // namespace
}  // namespace tsw::testing
