// The two-scan late filter (engine/query/executor.cc): a WHERE over one MULTI attribute of
// a query reading several is evaluated first, then the other attributes are read over the
// ranges with a match, or, when those ranges would cover most rows, in one scan of
// everything. Both give every matching row with all its columns, on a table large enough
// for the choice to be made (72,000 rows in memory).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

constexpr int kHosts = 20;
constexpr int kRowsPerHost = 3600;  // One a second over the last hour.

class LateFilterTest : public QueryTest {
 protected:
  void SetUp() override {
    QueryTest::SetUp();
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "metrics"};
    for (int h = 0; h < kHosts; ++h) {
      for (int i = 0; i < kRowsPerHost; ++i) {
        const int64_t t = clock_.NowNanos() - (kRowsPerHost - i) * kSecondNanos;
        const int a = (i * 7919 + h * 13) % 1000;
        Record r = Multi(absl::StrCat("w", h), t,
                         {{"a", absl::StrCat(a), MeasureValueType::kBigint},
                          {"b", absl::StrCat(i), MeasureValueType::kBigint},
                          {"c", absl::StrCat("x", i % 7), MeasureValueType::kVarchar}});
        r.measure_name = "wide";
        rows_.push_back({absl::StrCat("w", h), t, a, i});
        request.records.push_back(std::move(r));
        if (request.records.size() == 100) {
          auto written = engine_->WriteRecords(request);
          ASSERT_TRUE(written.ok()) << written.status().message();
          request.records.clear();
        }
      }
    }
  }

  struct Row {
    std::string host;
    int64_t time;
    int a;
    int b;
  };

  // "host|time in ns|a|b|c" of the rows `keep` accepts, sorted.
  template <typename Keep>
  std::vector<std::string> Expected(const Keep& keep) const {
    std::vector<std::string> out;
    for (const Row& r : rows_) {
      if (!keep(r)) continue;
      out.push_back(absl::StrCat(r.host, "|", r.time, "|", r.a, "|", r.b, "|x", r.b % 7));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> SortedRows(const std::string& sql) {
    std::vector<std::string> rows = Rows(sql);
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  std::vector<Row> rows_;
};

TEST_F(LateFilterTest, MatchesSpreadOverEveryRowReadInOneScan) {
  // One row in ten matches, in every series and all over the hour; then one in 500.
  for (int lo : {899, 997}) {
    const std::vector<std::string> want = Expected([&](const Row& r) { return r.a > lo; });
    EXPECT_EQ(SortedRows(absl::StrCat(
                  "SELECT host, to_nanoseconds(time), a, b, c FROM \"fleet\".\"metrics\" "
                  "WHERE measure_name = 'wide' AND a > ",
                  lo)),
              want);
    EXPECT_FALSE(want.empty());
  }
}

TEST_F(LateFilterTest, MatchesInNarrowRangesReadOverThoseRanges) {
  // The last ten seconds of every series; of one series.
  EXPECT_EQ(SortedRows(R"(SELECT host, to_nanoseconds(time), a, b, c FROM "fleet"."metrics"
                          WHERE measure_name = 'wide' AND b >= 3590)"),
            Expected([](const Row& r) { return r.b >= 3590; }));
  EXPECT_EQ(SortedRows(R"(SELECT host, to_nanoseconds(time), a, b, c FROM "fleet"."metrics"
                          WHERE host = 'w3' AND a > 990)"),
            Expected([](const Row& r) { return r.host == "w3" && r.a > 990; }));
}

}  // namespace
}  // namespace tsw::testing
