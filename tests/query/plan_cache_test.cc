// The bound-plan cache (engine/query/plan_cache.h): a query run again is bound once while
// its tables' columns and (when it reads them) now() stay the same, and is bound anew, with
// the right answer, when a table learns a dimension, an attribute or a measure, is dropped
// and created again, or now() moves.
#include "engine/query/plan_cache.h"

#include <string>
#include <vector>

#include "engine/query/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

// A table whose columns a test sets; no rows.
class FakeSource final : public query::QuerySource {
 public:
  absl::StatusOr<query::TableColumns> Columns(std::string_view database,
                                              std::string_view table) override {
    if (!exists || database != "d" || table != "t") return NotFoundError("no such table");
    return columns;
  }
  absl::Status Scan(const ScanRequest&, const std::function<bool(const ScanBatch&)>&) override {
    return absl::OkStatus();
  }
  int64_t NowNanos() const override { return now; }

  bool exists = true;
  query::TableColumns columns{{"host"}, {{"cpu", MeasureValueType::kDouble}}, {}};
  int64_t now = kNow;
};

class PlanCacheTest : public QueryTest {};

absl::StatusOr<std::shared_ptr<const query::Plan>> Get(query::PlanCache& cache, FakeSource& source,
                                                       const std::string& sql) {
  static query::ParseCache* const parses = new query::ParseCache(16);
  return cache.Get(sql, source, query::EvalContext{source.NowNanos()}, true, *parses);
}

std::vector<std::string> InputNames(const query::Plan& plan) {
  std::vector<std::string> names;
  for (const query::InputColumn& c : plan.input) names.push_back(c.name);
  return names;
}

TEST(PlanCache, ReusesAPlanUntilTheTableLearnsAColumn) {
  query::PlanCache cache(8);
  FakeSource source;
  const std::string sql = R"(SELECT * FROM "d"."t")";
  auto a = Get(cache, source, sql);
  auto b = Get(cache, source, sql);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  source.columns.dimensions.push_back("rack");
  auto c = Get(cache, source, sql);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->get(), a->get());
  EXPECT_THAT(InputNames(**c), Contains("rack"));
  source.columns.attributes.push_back({"fan", MeasureValueType::kBigint});
  auto d = Get(cache, source, sql);
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(InputNames(**d), Contains("fan"));
  source.columns.measures.push_back({"mem", MeasureValueType::kBigint});
  auto e = Get(cache, source, sql);
  ASSERT_TRUE(e.ok());
  EXPECT_THAT(InputNames(**e), Contains("measure_value::bigint"));
  EXPECT_EQ(Get(cache, source, sql)->get(), e->get());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PlanCache, ADroppedTableIsAnErrorAgainAndNotCached) {
  query::PlanCache cache(8);
  FakeSource source;
  const std::string sql = R"(SELECT host FROM "d"."t")";
  ASSERT_TRUE(Get(cache, source, sql).ok());
  source.exists = false;
  EXPECT_EQ(KindOf(Get(cache, source, sql).status()), ErrorKind::kResourceNotFound);
  source.exists = true;
  source.columns.dimensions = {"region"};  // Created again, without `host`.
  EXPECT_EQ(KindOf(Get(cache, source, sql).status()), ErrorKind::kValidation);
}

TEST(PlanCache, AQueryReadingNowIsBoundAgainWhenNowMoves) {
  query::PlanCache cache(8);
  FakeSource source;
  const std::string sql = R"(SELECT host FROM "d"."t" WHERE time > ago(1h))";
  auto a = Get(cache, source, sql);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->scan.start_time_nanos, kNow - 60 * kMinuteNanos + 1);
  EXPECT_EQ(Get(cache, source, sql)->get(), a->get());
  source.now += kMinuteNanos;
  auto b = Get(cache, source, sql);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->scan.start_time_nanos, kNow - 59 * kMinuteNanos + 1);
  // Without now() the plan does not depend on it.
  const std::string fixed = R"(SELECT host FROM "d"."t" WHERE time > from_milliseconds(0))";
  auto c = Get(cache, source, fixed);
  source.now += kMinuteNanos;
  EXPECT_EQ(Get(cache, source, fixed)->get(), c->get());
}

TEST(PlanCache, FindsNowAnywhereInTheQuery) {
  for (const char* sql : {
           R"(SELECT now() FROM "d"."t")",
           R"(SELECT host FROM "d"."t" WHERE time > ago(1h))",
           R"(SELECT host FROM "d"."t" GROUP BY host HAVING max(time) > NOW())",
           R"(SELECT host FROM "d"."t" ORDER BY time - now())",
           R"(SELECT x FROM (SELECT host AS x FROM "d"."t" WHERE time < now()))",
           R"(WITH w AS (SELECT host FROM "d"."t" WHERE time < ago(1d)) SELECT * FROM w)",
           R"(SELECT CASE WHEN time > ago(1h) THEN 1 ELSE 0 END FROM "d"."t")",
       }) {
    auto select = query::Parse(sql);
    ASSERT_TRUE(select.ok()) << sql;
    EXPECT_TRUE(query::ReadsNow(**select)) << sql;
  }
  auto select = query::Parse(R"(SELECT host, "now" FROM "d"."t" WHERE ago = 1)");
  ASSERT_TRUE(select.ok());
  EXPECT_FALSE(query::ReadsNow(**select));
}

TEST(PlanCache, KeepsAtMostItsCapacity) {
  query::PlanCache cache(3);
  FakeSource source;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Get(cache, source, "SELECT " + std::to_string(i) + R"( FROM "d"."t")").ok());
  }
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(Get(cache, source, "SELEC 1").ok());
  EXPECT_FALSE(Get(cache, source, R"(SELECT nothing FROM "d"."t")").ok());
  EXPECT_EQ(cache.size(), 3u);
  query::PlanCache none(0);
  ASSERT_TRUE(Get(none, source, R"(SELECT 1 FROM "d"."t")").ok());
  EXPECT_EQ(none.size(), 0u);
}

// Through the engine: the same text, run again after the table changed.
TEST_F(PlanCacheTest, ARepeatedQuerySeesANewDimensionAndAttribute) {
  const std::string sql = R"(SELECT * FROM "fleet"."metrics" WHERE host = 'h8')";
  const std::string grouped = R"(SELECT rack, max_by(fan, time) FROM "fleet"."metrics"
                                 WHERE host = 'h8' GROUP BY rack)";
  EXPECT_THAT(Run(sql)->columns, Not(Contains("rack:VARCHAR")));
  EXPECT_FALSE(Run(grouped).ok());  // No `rack` yet.
  Record r = Multi("h8", kN, {{"fan", "7", MeasureValueType::kBigint}});
  r.dimensions.push_back({"rack", "r1"});
  Write({r});
  absl::StatusOr<Answer> after = Run(sql);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(after->columns, Contains("rack:VARCHAR"));
  EXPECT_THAT(after->columns, Contains("fan:BIGINT"));
  EXPECT_THAT(Rows(grouped), ElementsAre("r1|7"));
  EXPECT_THAT(Rows(grouped), ElementsAre("r1|7"));
}

TEST_F(PlanCacheTest, ATableDroppedAndCreatedAgainIsBoundAgain) {
  const std::string sql =
      R"(SELECT count(*) FROM "fleet"."metrics" WHERE host = 'h1' AND measure_name = 'cpu')";
  EXPECT_THAT(Rows(sql), ElementsAre("4"));
  ASSERT_TRUE(engine_->DeleteTable({.database_name = "fleet", .table_name = "metrics"}).ok());
  EXPECT_EQ(KindOf(Run(sql).status()), ErrorKind::kResourceNotFound);
  ASSERT_TRUE(engine_->CreateTable({.database_name = "fleet", .table_name = "metrics"}).ok());
  // Same number of dimensions as before, other names.
  Record r = Scalar("x", "", "cpu", MeasureValueType::kDouble, "1", kN);
  r.dimensions = {{"node", "n1"}, {"zone", "z1"}};
  Write({r});
  EXPECT_EQ(KindOf(Run(sql).status()), ErrorKind::kValidation);
  EXPECT_THAT(Rows(R"(SELECT node, count(*) FROM "fleet"."metrics" GROUP BY node)"),
              ElementsAre("n1|1"));
}

// The same names, other types: the engine's in-place comparison (HasColumns) checks the
// types of measures and attributes too, not only their names.
TEST_F(PlanCacheTest, ATableCreatedAgainWithOtherTypesIsBoundAgain) {
  auto recreate = [&](MeasureValueType cpu, MeasureValueType fan) {
    (void)engine_->DeleteTable({.database_name = "fleet", .table_name = "typed"});
    ASSERT_TRUE(engine_->CreateTable({.database_name = "fleet", .table_name = "typed"}).ok());
    Record s = Scalar("h1", "", "cpu", cpu, "3", kN);
    s.dimensions.front().name = "node";
    Record m;
    m.dimensions = s.dimensions;
    m.measure_name = "stats";
    m.measure_value_type = MeasureValueType::kMulti;
    m.measure_values = {{"fan", "7", fan}};
    m.time = absl::StrCat(kN);
    m.time_unit = TimeUnit::kNanoseconds;
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "typed"};
    request.records = {s, m};
    auto written = engine_->WriteRecords(request);
    ASSERT_TRUE(written.ok()) << written.status().message();
  };
  const std::string by_cpu = R"(SELECT measure_value::double FROM "fleet"."typed"
                                WHERE measure_name = 'cpu')";
  const std::string fan = R"(SELECT fan FROM "fleet"."typed" WHERE measure_name = 'stats')";
  ASSERT_NO_FATAL_FAILURE(recreate(MeasureValueType::kDouble, MeasureValueType::kBigint));
  EXPECT_THAT(Rows(by_cpu), ElementsAre("3"));
  EXPECT_THAT(Run(fan)->columns, ElementsAre("fan:BIGINT"));
  ASSERT_NO_FATAL_FAILURE(recreate(MeasureValueType::kBigint, MeasureValueType::kDouble));
  EXPECT_EQ(KindOf(Run(by_cpu).status()), ErrorKind::kValidation);
  absl::StatusOr<Answer> after = Run(fan);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(after->columns, ElementsAre("fan:DOUBLE"));
  EXPECT_THAT(after->rows, ElementsAre("7"));
}

TEST_F(PlanCacheTest, NowMovesBetweenRunsOfOneQuery) {
  // The clock is at 09:00; h1's cpu rows are at 07:10, 07:11, 08:30 and 08:31.
  const std::string sql = R"(SELECT count(*), to_milliseconds(now()) FROM "fleet"."metrics"
                             WHERE time > ago(45m) AND host = 'h1' AND measure_name = 'cpu')";
  EXPECT_THAT(Rows(sql), ElementsAre("2|1800003600000"));
  EXPECT_THAT(Rows(sql), ElementsAre("2|1800003600000"));
  clock_.Advance(30 * kMinuteNanos);
  EXPECT_THAT(Rows(sql), ElementsAre("0|1800005400000"));
  clock_.Advance(-120 * kMinuteNanos);
  EXPECT_THAT(Rows(sql), ElementsAre("4|1799998200000"));
}

}  // namespace
}  // namespace tsw::testing
