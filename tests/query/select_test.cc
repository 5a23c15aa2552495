// SELECT, FROM, WHERE (with pushdown), LIMIT and the flat row model, over both tiers.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;

class SelectTest : public QueryTest {};

TEST_F(SelectTest, TheTableHasRowsInBothTiers) {
  auto stats = engine_->GetTableStats("fleet", "metrics");
  ASSERT_TRUE(stats.ok());
  EXPECT_GT(stats->magnetic_points, 0);
  EXPECT_GT(stats->memory_points, 0);
}

TEST_F(SelectTest, StarListsDimensionsMeasureNameTimeValuesAndAttributes) {
  auto answer = Run(R"(SELECT * FROM "fleet"."metrics" WHERE measure_name = 'stats')");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(
      answer->columns,
      ElementsAre("host:VARCHAR", "region:VARCHAR", "measure_name:VARCHAR", "time:TIMESTAMP",
                  "measure_value::double:DOUBLE", "measure_value::bigint:BIGINT",
                  "measure_value::varchar:VARCHAR", "measure_value::boolean:BOOLEAN", "temp:DOUBLE",
                  "load:BIGINT", "note:VARCHAR"));
  std::vector<std::string> rows = answer->rows;
  std::sort(rows.begin(), rows.end());
  EXPECT_THAT(rows, ElementsAre("h1|eu|stats|2027-01-15 07:11:00.000000000|NULL|NULL|NULL|NULL|"
                                "20|2|warm",
                                "h1|eu|stats|2027-01-15 08:30:00.000000000|NULL|NULL|NULL|NULL|"
                                "21.5|3|hot",
                                "h2|eu|stats|2027-01-15 08:30:00.000000000|NULL|NULL|NULL|NULL|"
                                "19|1|NULL"));
}

TEST_F(SelectTest, ScalarRecordsFillOnlyTheirTypesColumn) {
  EXPECT_THAT(Rows(R"(SELECT measure_name, measure_value::double, measure_value::bigint,
                             measure_value::varchar, measure_value::boolean, temp
                      FROM fleet.metrics WHERE host = 'h2' AND time = TIMESTAMP '2027-01-15 08:30:00'
                      ORDER BY measure_name)"),
              ElementsAre("cpu|15|NULL|NULL|NULL|NULL", "ok|NULL|NULL|NULL|true|NULL",
                          "stats|NULL|NULL|NULL|NULL|19", "status|NULL|NULL|down|NULL|NULL"));
}

TEST_F(SelectTest, UpsertedRowShowsItsHighestVersion) {
  EXPECT_THAT(Rows(R"(SELECT time, measure_value::double FROM "fleet"."metrics"
                      WHERE measure_name = 'cpu' AND host = 'h1' ORDER BY time)"),
              ElementsAre("2027-01-15 07:10:00.000000000|11", "2027-01-15 07:11:00.000000000|20",
                          "2027-01-15 08:30:00.000000000|30", "2027-01-15 08:31:00.000000000|40"));
}

TEST_F(SelectTest, CountsEveryRow) {
  EXPECT_THAT(Rows(R"(SELECT count(*) FROM "fleet"."metrics")"), ElementsAre("17"));
}

TEST_F(SelectTest, TimeBoundsSelectTheTier) {
  EXPECT_THAT(Rows(R"(SELECT count(*) FROM "fleet"."metrics" WHERE time < ago(1h))"),
              ElementsAre("7"));
  EXPECT_THAT(Rows(R"(SELECT count(*) FROM "fleet"."metrics" WHERE time >= ago(1h))"),
              ElementsAre("10"));
  EXPECT_THAT(Rows(R"(SELECT count(*) FROM "fleet"."metrics"
                      WHERE time BETWEEN TIMESTAMP '2027-01-15 07:11:00' AND now() - 30m)"),
              ElementsAre("11"));
}

TEST_F(SelectTest, MissingDimensionIsNull) {
  EXPECT_THAT(Rows(R"(SELECT host, region FROM "fleet"."metrics"
                      WHERE measure_name = 'mem' AND region IS NULL)"),
              ElementsAre("h3|NULL"));
}

TEST_F(SelectTest, LimitStopsEarly) {
  EXPECT_EQ(Rows(R"(SELECT time FROM "fleet"."metrics" LIMIT 3)").size(), 3u);
  EXPECT_EQ(Rows(R"(SELECT time FROM "fleet"."metrics" LIMIT 0)").size(), 0u);
}

TEST_F(SelectTest, UnknownTableIsResourceNotFound) {
  auto answer = Run(R"(SELECT * FROM "fleet"."nope")");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(KindOf(answer.status()), ErrorKind::kResourceNotFound);
}

TEST_F(SelectTest, UnknownColumnIsNamedWithItsPosition) {
  EXPECT_EQ(Error(R"(SELECT x FROM "fleet"."metrics")"), "line 1:8: Column 'x' does not exist");
}

}  // namespace
}  // namespace tsw::testing
