// The scan's projection (only the MULTI attributes a query reads are scanned) and late
// materialization (a WHERE's columns first, the rest only at the matching rows) leave
// answers unchanged: queries reading no attribute, one, all (SELECT *), attributes absent
// in some rows, a WHERE matching none, few or all rows, over both tiers.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;

class ProjectionTest : public QueryTest {
 protected:
  std::vector<std::string> SortedRows(const std::string& sql) {
    std::vector<std::string> rows = Rows(sql);
    std::sort(rows.begin(), rows.end());
    return rows;
  }
};

TEST_F(ProjectionTest, CountsMultiRowsWithoutReadingAnyAttribute) {
  EXPECT_THAT(Rows(R"(SELECT count(*) FROM "fleet"."metrics" WHERE measure_name = 'stats')"),
              ElementsAre("3"));
  EXPECT_THAT(SortedRows(R"(SELECT host, count(*) FROM "fleet"."metrics" GROUP BY host)"),
              ElementsAre("h1|9", "h2|5", "h3|3"));
}

TEST_F(ProjectionTest, ReadsOneAttributeAbsentInSomeRows) {
  EXPECT_THAT(SortedRows(R"(SELECT host, note FROM "fleet"."metrics"
                            WHERE measure_name = 'stats')"),
              ElementsAre("h1|hot", "h1|warm", "h2|NULL"));
  EXPECT_THAT(Rows(R"(SELECT count(note), count(temp) FROM "fleet"."metrics")"),
              ElementsAre("2|3"));
}

TEST_F(ProjectionTest, AnAttributeOnlyInOrderByOrHavingIsRead) {
  EXPECT_THAT(Rows(R"(SELECT host FROM "fleet"."metrics" WHERE measure_name = 'stats'
                      ORDER BY load DESC)"),
              ElementsAre("h1", "h1", "h2"));
  EXPECT_THAT(Rows(R"(SELECT host FROM "fleet"."metrics" WHERE measure_name = 'stats'
                      GROUP BY host HAVING max(temp) > 20)"),
              ElementsAre("h1"));
}

TEST_F(ProjectionTest, FiltersOnOneAttributeAndReturnsTheOthersOfTheMatchingRows) {
  // Matches one row of three (late materialization), none, and every row.
  EXPECT_THAT(Rows(R"(SELECT host, time, load, note FROM "fleet"."metrics" WHERE temp > 20.0)"),
              ElementsAre("h1|2027-01-15 08:30:00.000000000|3|hot"));
  EXPECT_THAT(Rows(R"(SELECT host, note FROM "fleet"."metrics" WHERE temp > 100.0)"),
              ElementsAre());
  EXPECT_THAT(SortedRows(R"(SELECT host, load, note FROM "fleet"."metrics" WHERE temp > 0.0)"),
              ElementsAre("h1|2|warm", "h1|3|hot", "h2|1|NULL"));
  // A WHERE over a dimension and an attribute, the other columns read late.
  EXPECT_THAT(Rows(R"(SELECT load, note FROM "fleet"."metrics"
                      WHERE host = 'h1' AND (note = 'warm' OR temp < 0.0))"),
              ElementsAre("2|warm"));
}

TEST_F(ProjectionTest, ReadsEachMatchingRowOnceWhereOneSeriesExtendsAnother) {
  // h1/eu/az=a has the dimensions of h1/eu and one more: a scan filtered on h1/eu's
  // dimensions returns both series, but each row must come once.
  Record r = Multi(
      "h1", kN,
      {{"temp", "30.5", MeasureValueType::kDouble}, {"load", "9", MeasureValueType::kBigint}});
  r.dimensions.push_back({"az", "a"});
  Write({r});
  EXPECT_THAT(SortedRows(R"(SELECT host, az, load FROM "fleet"."metrics" WHERE temp > 20.0)"),
              ElementsAre("h1|NULL|3", "h1|a|9"));
  EXPECT_THAT(Rows(R"(SELECT count(load) FROM "fleet"."metrics" WHERE temp > 0.0)"),
              ElementsAre("4"));
}

TEST_F(ProjectionTest, FiltersMatchingInHundredsOfSeriesGiveTheSameAnswer) {
  // More matching series than the executor scans one range at a time.
  std::vector<Record> records;
  int64_t sum = 0;
  for (int i = 0; i < 600; ++i) {
    records.push_back(Multi(absl::StrCat("m", i), kN,
                            {{"temp", i % 2 ? "50" : "10", MeasureValueType::kDouble},
                             {"load", absl::StrCat(i), MeasureValueType::kBigint}}));
    if (i % 2) sum += i;
    if (records.size() == 100) {
      Write(std::move(records));
      records.clear();
    }
  }
  EXPECT_THAT(Rows(R"(SELECT count(load), sum(load) FROM "fleet"."metrics"
                      WHERE temp > 40.0 AND host LIKE 'm%')"),
              ElementsAre(absl::StrCat("300|", sum)));
}

TEST_F(ProjectionTest, SelectStarStillReturnsEveryAttribute) {
  EXPECT_THAT(SortedRows(R"(SELECT * FROM "fleet"."metrics" WHERE temp >= 20.0)"),
              ElementsAre("h1|eu|stats|2027-01-15 07:11:00.000000000|NULL|NULL|NULL|NULL|20|2|warm",
                          "h1|eu|stats|2027-01-15 08:30:00.000000000|NULL|NULL|NULL|NULL|21.5|3|"
                          "hot"));
}

TEST_F(ProjectionTest, AnAttributeNamedLikeADimensionIsReadOnlyBySelectStar) {
  Record r = Multi("h9", kN, {{"region", "attr", MeasureValueType::kVarchar}});
  r.measure_name = "tagged";
  Write({r});
  // The name resolves to the dimension (the first column of that name), so the attribute
  // is not scanned.
  EXPECT_THAT(Rows(R"(SELECT region FROM "fleet"."metrics" WHERE measure_name = 'tagged')"),
              ElementsAre("eu"));
  auto answer = Run(R"(SELECT * FROM "fleet"."metrics" WHERE measure_name = 'tagged')");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->columns.back(), "region:VARCHAR");
  EXPECT_EQ(answer->rows.size(), 1u);
}

TEST_F(ProjectionTest, EngineScanReturnsOnlyTheRequestedAttributes) {
  ScanRequest request;
  request.database_name = "fleet";
  request.table_name = "metrics";
  request.measure_names = {"stats"};
  request.attributes = {"note", "absent"};
  size_t rows = 0;
  ASSERT_TRUE(engine_
                  ->Scan(request,
                         [&](const ScanBatch& b) {
                           rows += b.time_nanos.size();
                           EXPECT_LE(b.columns.size(), 1u);  // h2 has no note.
                           for (const ScanColumn& c : b.columns) EXPECT_EQ(c.name, "note");
                           return true;
                         })
                  .ok());
  EXPECT_EQ(rows, 3u);
}

}  // namespace
}  // namespace tsw::testing
