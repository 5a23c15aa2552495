// The parse cache (engine/query/parse_cache.h): a query run again is parsed once, yet sees
// columns the table learned since and a now() that moved.
#include "engine/query/parse_cache.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

class ParseCacheTest : public QueryTest {};

TEST_F(ParseCacheTest, ARepeatedQuerySeesColumnsLearnedSince) {
  const std::string sql = R"(SELECT * FROM "fleet"."metrics" WHERE host = 'h9')";
  absl::StatusOr<Answer> before = Run(sql);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_THAT(before->columns, Not(Contains("rack:VARCHAR")));
  Record r = Scalar("h9", "eu", "cpu", MeasureValueType::kDouble, "1", kN);
  r.dimensions.push_back({"rack", "r1"});
  Write({r, Multi("h9", kN, {{"fan", "7", MeasureValueType::kBigint}})});
  absl::StatusOr<Answer> after = Run(sql);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(after->columns, Contains("rack:VARCHAR"));
  EXPECT_THAT(after->columns, Contains("fan:BIGINT"));
  EXPECT_EQ(after->rows.size(), 2u);
  EXPECT_THAT(
      Rows(R"(SELECT rack, max(time) FROM "fleet"."metrics" WHERE host = 'h9'
                      GROUP BY rack ORDER BY rack)"),
      ElementsAre("r1|2027-01-15 08:30:00.000000000", "NULL|2027-01-15 08:30:00.000000000"));
}

TEST_F(ParseCacheTest, ARepeatedQueryEvaluatesNowAgain) {
  // The clock is at 09:00; the rows are at 07:10, 07:11, 08:30 and 08:31.
  const std::string sql =
      R"(SELECT count(*), max(time) FROM "fleet"."metrics" WHERE time > ago(45m) AND host = 'h1'
         AND measure_name = 'cpu')";
  EXPECT_THAT(Rows(sql), ElementsAre("2|2027-01-15 08:31:00.000000000"));
  clock_.Advance(30 * kMinuteNanos);  // 09:30: 08:45 onwards.
  EXPECT_THAT(Rows(sql), ElementsAre("0|NULL"));
  clock_.Advance(-120 * kMinuteNanos);  // 07:30: 06:45 onwards.
  EXPECT_THAT(Rows(sql), ElementsAre("4|2027-01-15 08:31:00.000000000"));
}

TEST(ParseCache, KeepsAtMostItsCapacityAndNoErrors) {
  query::ParseCache cache(3);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(cache.Parse("SELECT " + std::to_string(i) + R"( FROM "d"."t")").ok());
  }
  EXPECT_EQ(cache.size(), 3u);
  absl::StatusOr<std::shared_ptr<const query::Select>> a = cache.Parse(R"(SELECT 4 FROM "d"."t")");
  absl::StatusOr<std::shared_ptr<const query::Select>> b = cache.Parse(R"(SELECT 4 FROM "d"."t")");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());  // Parsed once.
  EXPECT_FALSE(cache.Parse("SELEC 1").ok());
  EXPECT_FALSE(cache.Parse("SELEC 1").ok());
  EXPECT_EQ(cache.size(), 3u);
  query::ParseCache none(0);
  ASSERT_TRUE(none.Parse(R"(SELECT 1 FROM "d"."t")").ok());
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace tsw::testing
