// Lexer and parser errors, and constructs outside the subset: each a ValidationException
// naming what it found and where ("line L:C: ...").
#include <string>

#include "engine/query/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/status.h"

namespace tsw::query {
namespace {

std::string ParseError(const std::string& sql) {
  auto parsed = Parse(sql);
  EXPECT_FALSE(parsed.ok()) << sql;
  if (parsed.ok()) return "";
  EXPECT_EQ(KindOf(parsed.status()), ErrorKind::kValidation);
  return std::string(parsed.status().message());
}

TEST(SyntaxTest, AcceptsTheSubset) {
  const char* queries[] = {
      R"(SELECT * FROM "db"."t")",
      "select a, b AS c, count(*) from db.t where x between 1 and 2 group by 1, 2 "
      "having count(*) > 1 order by 3 desc nulls first limit 10;",
      "WITH x AS (SELECT a FROM db.t), y AS (SELECT a FROM x) SELECT DISTINCT a FROM y",
      "SELECT a FROM (SELECT a FROM db.t) sub",
      "SELECT CASE WHEN a THEN 1 ELSE 2 END, CASE a WHEN 1 THEN 'x' END FROM db.t",
      "SELECT CAST(a AS DOUBLE), INTERVAL '12' HOUR, 15m, TIMESTAMP '2026-12-05 12:00:00' "
      "FROM db.t -- comment\n WHERE /* c */ a IS NOT NULL AND b NOT IN (1, 2) "
      "AND c NOT LIKE 'x%' AND NOT d",
      R"(SELECT measure_value::double, "measure_value::bigint", t.a FROM db.t AS t)",
  };
  for (const char* q : queries) {
    auto parsed = Parse(q);
    EXPECT_TRUE(parsed.ok()) << q << ": " << parsed.status();
  }
}

TEST(SyntaxTest, ErrorsNameTheTokenAndItsPosition) {
  EXPECT_EQ(ParseError("SELECT FROM db.t"),
            "line 1:8: mismatched input 'from'. Expecting: an expression");
  EXPECT_EQ(ParseError("SELECT a\nFROM db.t\nWHERE a = "),
            "line 3:11: mismatched input '<EOF>'. Expecting: an expression");
  EXPECT_EQ(ParseError("SELECT a FROM db.t WHERE a = 'unterminated"),
            "line 1:30: unterminated string literal");
  EXPECT_EQ(ParseError("SELECT a ? b FROM db.t"), "line 1:10: unexpected character '?'");
  EXPECT_EQ(ParseError("SELECT a FROM db.t LIMIT x"),
            "line 1:26: mismatched input 'x'. Expecting: an integer");
  EXPECT_EQ(ParseError("SELECT ago(15q) FROM db.t"),
            "line 1:14: unknown interval unit 'q' (use ns, us, ms, s, m, h or d)");
  EXPECT_EQ(ParseError("SELECT a FROM db.t extra tokens"), "line 1:26: mismatched input 'tokens'");
}

TEST(SyntaxTest, ConstructsOutsideTheSubsetAreNamed) {
  EXPECT_EQ(ParseError("SELECT a FROM db.t JOIN db.u ON a = b"),
            "line 1:20: JOIN is not supported");
  EXPECT_EQ(ParseError("SELECT a FROM db.t, db.u"),
            "line 1:19: more than one table in FROM is not supported");
  EXPECT_EQ(ParseError("SELECT a FROM db.t UNION SELECT b FROM db.u"),
            "line 1:20: UNION is not supported");
  EXPECT_EQ(ParseError("SELECT avg(a) OVER (PARTITION BY b) FROM db.t"),
            "line 1:15: window functions (OVER) are not supported");
  EXPECT_EQ(ParseError("SELECT a FROM db.t WHERE a IN (SELECT b FROM db.u)"),
            "line 1:32: IN with a sub-query is not supported");
  EXPECT_EQ(ParseError("SELECT (SELECT 1 FROM db.t) FROM db.t"),
            "line 1:8: scalar sub-queries are not supported");
  EXPECT_EQ(ParseError("SELECT CAST(a AS DATE) FROM db.t"),
            "line 1:18: CAST to DATE is not supported");
  EXPECT_EQ(ParseError("SELECT a FROM db.t OFFSET 3"), "line 1:20: OFFSET is not supported");
  EXPECT_EQ(ParseError("SELECT INTERVAL '1' MONTH FROM db.t"),
            "line 1:21: year-month intervals are not supported");
}

TEST(SyntaxTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep =
      "SELECT " + std::string(5000, '(') + "1" + std::string(5000, ')') + " FROM db.t";
  EXPECT_THAT(ParseError(deep), ::testing::HasSubstr("nested too deeply"));
  std::string nots = "SELECT a FROM db.t WHERE ";
  for (int i = 0; i < 5000; ++i) nots += "NOT ";
  EXPECT_THAT(ParseError(nots + "a"), ::testing::HasSubstr("nested too deeply"));
  std::string sum = "SELECT 1";
  for (int i = 0; i < 50000; ++i) sum += " + 1";
  EXPECT_THAT(ParseError(sum + " FROM db.t"), ::testing::HasSubstr("nested too deeply"));
}

}  // namespace
}  // namespace tsw::query
