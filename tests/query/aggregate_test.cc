// GROUP BY (dimensions, bin(time), ordinals), the aggregates, HAVING, and their NULL rules.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;

class AggregateTest : public QueryTest {};

TEST_F(AggregateTest, GroupsByDimension) {
  EXPECT_THAT(Rows(R"(SELECT host, count(*) AS n, sum(measure_value::double) AS total,
                             avg(measure_value::double), min(measure_value::double),
                             max(measure_value::double)
                      FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                      GROUP BY host ORDER BY host)"),
              ElementsAre("h1|4|101|25.25|11|40", "h2|2|20|10|5|15", "h3|2|4|2|1|3"));
}

TEST_F(AggregateTest, GroupsByBinOfTime) {
  EXPECT_THAT(Rows(R"(SELECT bin(time, 1h) AS hour, count(*)
                      FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                      GROUP BY bin(time, 1h) ORDER BY hour DESC)"),
              ElementsAre("2027-01-15 08:00:00.000000000|4", "2027-01-15 07:00:00.000000000|4"));
}

TEST_F(AggregateTest, GroupsByOrdinalsAndSeveralKeys) {
  EXPECT_THAT(
      Rows(R"(SELECT region, bin(time, 30m), max(measure_value::double)
                      FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                      GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2)"),
      ElementsAre("NULL|2027-01-15 07:00:00.000000000|1", "NULL|2027-01-15 08:30:00.000000000|3",
                  "eu|2027-01-15 07:00:00.000000000|20", "eu|2027-01-15 08:30:00.000000000|40"));
}

TEST_F(AggregateTest, AggregatesSkipNullsAndCountStarCountsRows) {
  EXPECT_THAT(Rows(R"(SELECT count(*), count(note), count(temp), count(measure_value::double)
                      FROM "fleet"."metrics")"),
              ElementsAre("17|2|3|8"));
}

TEST_F(AggregateTest, AggregatesOverNoRowsAreNullExceptCount) {
  EXPECT_THAT(Rows(R"(SELECT count(*), sum(measure_value::double), avg(temp), max(host)
                      FROM "fleet"."metrics" WHERE host = 'nobody')"),
              ElementsAre("0|NULL|NULL|NULL"));
  EXPECT_THAT(Rows(R"(SELECT host, count(*) FROM "fleet"."metrics" WHERE host = 'nobody'
                      GROUP BY host)"),
              ElementsAre());
}

TEST_F(AggregateTest, SumOfBigintIsBigintAndAvgIsDouble) {
  auto answer = Run(R"(SELECT sum(measure_value::bigint), avg(measure_value::bigint),
                              sum(load) / 4, sum(load) / 4.0
                       FROM "fleet"."metrics")");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(answer->columns,
              ElementsAre("_col0:BIGINT", "_col1:DOUBLE", "_col2:BIGINT", "_col3:DOUBLE"));
  EXPECT_THAT(answer->rows, ElementsAre("110|36.666666666666664|1|1.5"));
}

TEST_F(AggregateTest, MaxByMinByAndLatestPerSeries) {
  EXPECT_THAT(
      Rows(R"(SELECT host, max_by(measure_value::double, time) AS latest,
                             min_by(measure_value::double, time) AS earliest, max(time)
                      FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                      GROUP BY host ORDER BY latest DESC)"),
      ElementsAre("h1|40|11|2027-01-15 08:31:00.000000000", "h2|15|5|2027-01-15 08:30:00.000000000",
                  "h3|3|1|2027-01-15 08:30:00.000000000"));
}

TEST_F(AggregateTest, StddevAndPercentile) {
  // h1's cpu: 11, 20, 30, 40: mean 25.25, sample variance 470.75 / 3; the median is the
  // value at position round(0.5 * 3) = 2 of the sorted values.
  EXPECT_THAT(Rows(R"(SELECT round(stddev(measure_value::double), 6),
                             approx_percentile(measure_value::double, 0.5),
                             approx_percentile(measure_value::double, 1.0),
                             stddev(temp)
                      FROM "fleet"."metrics" WHERE host = 'h1' AND measure_name = 'cpu')"),
              ElementsAre("12.526638|30|40|NULL"));
}

TEST_F(AggregateTest, HavingFiltersGroups) {
  EXPECT_THAT(Rows(R"(SELECT host FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                      GROUP BY host HAVING avg(measure_value::double) > 5 ORDER BY host)"),
              ElementsAre("h1", "h2"));
  EXPECT_THAT(Rows(R"(SELECT host, count(*) FROM "fleet"."metrics"
                      GROUP BY host HAVING count(*) >= 5 ORDER BY count(*) DESC)"),
              ElementsAre("h1|9", "h2|5"));
}

TEST_F(AggregateTest, ExpressionsOverGroupKeysAndAggregates) {
  EXPECT_THAT(Rows(R"(SELECT upper(host) || '!' AS h, round(max(measure_value::double) * 2 + 1)
                      FROM "fleet"."metrics" WHERE measure_name IN ('cpu', 'nothing')
                      GROUP BY host ORDER BY 2 LIMIT 2)"),
              ElementsAre("H3!|7", "H2!|31"));
}

TEST_F(AggregateTest, UngroupedColumnIsAnError) {
  EXPECT_EQ(Error(R"(SELECT host, time, count(*) FROM "fleet"."metrics" GROUP BY host)"),
            "line 1:14: 'time' must be an aggregate expression or appear in GROUP BY clause");
  EXPECT_EQ(Error(R"(SELECT count(*) FROM "fleet"."metrics" WHERE count(*) > 1)"),
            "line 1:46: WHERE clause cannot contain aggregations: count()");
  EXPECT_EQ(Error(R"(SELECT max(count(*)) FROM "fleet"."metrics")"),
            "line 1:12: Cannot nest aggregations: count()");
}

TEST_F(AggregateTest, DistinctRows) {
  EXPECT_THAT(Rows(R"(SELECT DISTINCT region FROM "fleet"."metrics" ORDER BY region)"),
              ElementsAre("eu", "NULL"));
  EXPECT_THAT(Rows(R"(SELECT DISTINCT measure_name FROM "fleet"."metrics"
                      WHERE host = 'h2' ORDER BY 1 DESC LIMIT 2)"),
              ElementsAre("status", "stats"));
}

}  // namespace
}  // namespace tsw::testing
