// Expressions: arithmetic and its types, three-valued logic, comparisons, BETWEEN, IN,
// LIKE, IS NULL, CASE, coalesce, round, abs, casts, and the time functions.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;

class ExpressionTest : public QueryTest {
 protected:
  // `expr` evaluated on h2's one `ok` row (time 08:30:00).
  std::vector<std::string> Eval(const std::string& expr) {
    return Rows("SELECT " + expr + R"( FROM "fleet"."metrics" WHERE measure_name = 'ok')");
  }
};

TEST_F(ExpressionTest, IntegerAndDoubleArithmetic) {
  EXPECT_THAT(Eval("7 / 2, -7 / 2, 7 % 3, -7 % 3, 7 / 2.0, 2 * 3 + 1, 1e0 / 0, 0.1 + 0.2"),
              ElementsAre("3|-3|1|-1|3.5|7|Infinity|0.30000000000000004"));
  EXPECT_EQ(Error(R"(SELECT 1 / 0 FROM "fleet"."metrics")"), "line 1:10: Division by zero");
  EXPECT_THAT(Error(R"(SELECT 9223372036854775807 + 1 FROM "fleet"."metrics")"),
              ::testing::HasSubstr("overflow"));
}

TEST_F(ExpressionTest, NullPropagatesAndLogicIsThreeValued) {
  EXPECT_THAT(Eval("1 + NULL, NULL = NULL, NULL AND false, NULL AND true, NULL OR true, "
                   "NULL OR false, NOT (NULL = 1)"),
              ElementsAre("NULL|NULL|false|NULL|true|NULL|NULL"));
}

TEST_F(ExpressionTest, ComparisonsBetweenInLikeIsNull) {
  EXPECT_THAT(Eval("1 < 2, 'a' >= 'b', 2 BETWEEN 1 AND 3, 5 NOT BETWEEN 1 AND 3, "
                   "3 IN (1, 2, 3), 4 IN (1, NULL), 4 NOT IN (1, 2), host LIKE 'h%', "
                   "host LIKE '_2', host NOT LIKE '%1', region IS NOT NULL, temp IS NULL, "
                   "1 = 1.0"),
              ElementsAre("true|false|true|true|true|NULL|true|true|true|true|true|true|true"));
}

// A NaN (0e0 / 0) is unordered beside an integer as beside a double: every comparison but
// <> is false, and IN finds it nowhere. Value summaries rely on this (magnetic/value_summary.h).
TEST_F(ExpressionTest, NaNComparesUnorderedWithIntegersAndDoubles) {
  EXPECT_THAT(Eval("0e0 / 0 >= 90, 0e0 / 0 <= 90, 0e0 / 0 = 0, 0e0 / 0 <> 0, 0e0 / 0 < 90.0, "
                   "0e0 / 0 >= 90.0, 0e0 / 0 IN (0, 1), 0e0 / 0 NOT IN (0, 1.5), "
                   "0e0 / 0 BETWEEN 0 AND 100, 2 IN (1, 2.0)"),
              ElementsAre("false|false|false|true|false|false|false|true|false|true"));
}

TEST_F(ExpressionTest, CaseCoalesceRoundAbs) {
  EXPECT_THAT(Eval("CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' ELSE 'c' END, "
                   "CASE host WHEN 'h1' THEN 1 WHEN 'h2' THEN 2 END, "
                   "CASE WHEN false THEN 1 END, coalesce(temp, measure_value::double, 7), "
                   "round(2.5), round(-2.5), round(3.14159, 2), abs(-3), abs(-2.5)"),
              ElementsAre("b|2|NULL|7|3|-3|3.14|3|2.5"));
  EXPECT_THAT(Eval("round(1250, -2), round(-1250, -2), round(1249, -2), round(7, 0)"),
              ElementsAre("1300|-1300|1200|7"));
}

TEST_F(ExpressionTest, CaseEvaluatesABranchOnlyForItsRows) {
  EXPECT_THAT(Rows(R"(SELECT CASE WHEN measure_value::double = 0 THEN -1
                                  ELSE 100 / measure_value::double END
                      FROM "fleet"."metrics" WHERE host = 'h3' AND measure_name = 'cpu'
                      ORDER BY time)"),
              ElementsAre("100", "33.333333333333336"));
}

TEST_F(ExpressionTest, Casts) {
  EXPECT_THAT(Eval("CAST('12' AS BIGINT), CAST(2.5 AS BIGINT), CAST(3 AS DOUBLE), "
                   "CAST(1.5 AS VARCHAR), CAST(true AS VARCHAR), CAST('true' AS BOOLEAN), "
                   "CAST(time AS VARCHAR), CAST('2027-01-15 08:30:00' AS TIMESTAMP) = time, "
                   "CAST(NULL AS BIGINT)"),
              ElementsAre("12|3|3|1.5|true|true|2027-01-15 08:30:00.000000000|true|NULL"));
  EXPECT_EQ(Error(R"(SELECT CAST('x' AS BIGINT) FROM "fleet"."metrics")"),
            "line 1:8: Cannot cast 'x' to BIGINT");
  EXPECT_EQ(Error(R"(SELECT CAST(time AS BIGINT) FROM "fleet"."metrics")"),
            "line 1:8: Cannot cast timestamp to bigint");
}

TEST_F(ExpressionTest, TimeFunctions) {
  EXPECT_THAT(Eval("now(), ago(1d), time - 1h, time + 50ns, bin(time, 7m), "
                   "date_trunc('hour', time), date_trunc('month', time), "
                   "to_milliseconds(time), from_milliseconds(1800000000123), "
                   "from_iso8601_timestamp('2027-01-15T10:00:00+02:00'), "
                   "time - INTERVAL '12' HOUR, time - TIMESTAMP '2027-01-15 08:00:00'"),
              ElementsAre("2027-01-15 09:00:00.000000000|2027-01-14 09:00:00.000000000|"
                          "2027-01-15 07:30:00.000000000|2027-01-15 08:30:00.000000050|"
                          "2027-01-15 08:26:00.000000000|2027-01-15 08:00:00.000000000|"
                          "2027-01-01 00:00:00.000000000|1800001800000|"
                          "2027-01-15 08:00:00.123000000|2027-01-15 08:00:00.000000000|"
                          "2027-01-14 20:30:00.000000000|0 00:30:00.000000000"));
  EXPECT_THAT(Eval("100ms + 2us + 1s, 1m, 10m < 1h"),
              ElementsAre("0 00:00:01.100002000|0 00:01:00.000000000|true"));
}

TEST_F(ExpressionTest, TypeErrorsNameTheOperatorAndTypes) {
  EXPECT_EQ(Error(R"(SELECT host + 1 FROM "fleet"."metrics")"),
            "line 1:13: '+' cannot be applied to varchar, bigint");
  EXPECT_EQ(Error(R"(SELECT * FROM "fleet"."metrics" WHERE time > '2027-01-01')"),
            "line 1:44: '>' cannot be applied to timestamp, varchar");
  EXPECT_EQ(Error(R"(SELECT nosuch(1) FROM "fleet"."metrics")"),
            "line 1:8: Function nosuch not registered");
  EXPECT_EQ(Error(R"(SELECT bin(time) FROM "fleet"."metrics")"),
            "line 1:8: Unexpected parameters (timestamp) for function bin");
  EXPECT_EQ(Error(R"(SELECT * FROM "fleet"."metrics" WHERE host)"),
            "line 1:39: WHERE clause must evaluate to a boolean: actual type varchar");
}

}  // namespace
}  // namespace tsw::testing
