// ORDER BY (directions, NULL placement, aliases, ordinals, top-n), WITH and sub-queries,
// the memory limit, Prepare's columns and stopping a stream early.
#include <string>
#include <vector>

#include "engine/query/aggregates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;

class ClauseTest : public QueryTest {};

// What the query engine sees of the engine, for calling Prepare and Execute directly.
class EngineSource : public query::QuerySource {
 public:
  explicit EngineSource(Engine* engine, int64_t now) : engine_(engine), now_(now) {}
  absl::StatusOr<query::TableColumns> Columns(std::string_view, std::string_view) override {
    query::TableColumns columns;
    columns.dimensions = {"host"};
    columns.measures = {{"cpu", MeasureValueType::kDouble}};
    return columns;
  }
  absl::Status Scan(const ScanRequest& request,
                    const std::function<bool(const ScanBatch&)>& visitor) override {
    requests.push_back(request);
    return engine_->Scan(request, visitor);
  }
  int64_t NowNanos() const override { return now_; }

  std::vector<ScanRequest> requests;

 private:
  Engine* engine_;
  int64_t now_;
};

TEST_F(ClauseTest, OrdersByDirectionAndNullPlacement) {
  const std::string from = R"( FROM "fleet"."metrics" WHERE measure_name = 'mem' )";
  EXPECT_THAT(Rows("SELECT region, measure_value::bigint" + from + "ORDER BY region, 2"),
              ElementsAre("eu|7", "eu|100", "NULL|3"));
  EXPECT_THAT(Rows("SELECT region, measure_value::bigint" + from +
                   "ORDER BY region DESC NULLS FIRST, measure_value::bigint DESC"),
              ElementsAre("NULL|3", "eu|100", "eu|7"));
  EXPECT_THAT(Rows("SELECT measure_value::bigint AS v" + from + "ORDER BY v DESC LIMIT 2"),
              ElementsAre("100", "7"));
  EXPECT_THAT(Rows("SELECT host" + from + "ORDER BY time DESC, host LIMIT 1"), ElementsAre("h1"));
}

TEST_F(ClauseTest, TopNKeepsTheSmallestRowsOfManyBatches) {
  std::vector<Record> records;
  for (int i = 0; i < 5000; ++i) {
    records.push_back(Scalar("h" + std::to_string(i % 7), "eu", "seq", MeasureValueType::kBigint,
                             std::to_string((i * 7919) % 5000),
                             kNow + kMinuteNanos + i * (kSecondNanos / 2)));
    if (records.size() == 100) {
      Write(std::move(records));
      records.clear();
    }
  }
  EXPECT_THAT(Rows(R"(SELECT measure_value::bigint FROM "fleet"."metrics"
                      WHERE measure_name = 'seq' ORDER BY 1 DESC LIMIT 3)"),
              ElementsAre("4999", "4998", "4997"));
  EXPECT_THAT(Rows(R"(SELECT count(DISTINCT_HOSTS.host) FROM (SELECT DISTINCT host
                      FROM "fleet"."metrics" WHERE measure_name = 'seq') AS DISTINCT_HOSTS)"),
              ElementsAre("7"));
}

TEST_F(ClauseTest, WithAndSubqueries) {
  EXPECT_THAT(Rows(R"(WITH per_host AS (
                        SELECT host, avg(measure_value::double) AS a FROM "fleet"."metrics"
                        WHERE measure_name = 'cpu' GROUP BY host)
                      SELECT max(a), min(a) FROM per_host)"),
              ElementsAre("25.25|2"));
  EXPECT_THAT(Rows(R"(SELECT h, n FROM (SELECT host AS h, count(*) AS n
                      FROM "fleet"."metrics" GROUP BY host) WHERE n > 3 ORDER BY h)"),
              ElementsAre("h1|9", "h2|5"));
  EXPECT_THAT(Rows(R"(WITH a AS (SELECT host, time FROM "fleet"."metrics"),
                           b AS (SELECT host FROM a WHERE time > ago(1h))
                      SELECT count(*) FROM b)"),
              ElementsAre("10"));
}

TEST_F(ClauseTest, MemoryLimitFailsTheQueryClearly) {
  EngineSource source(engine_.get(), clock_.NowNanos());
  query::QueryLimits limits;
  limits.memory_limit_bytes = 100;
  absl::Status s = query::Execute(R"(SELECT time FROM "fleet"."metrics" ORDER BY time)", source,
                                  limits, [](const QueryBatch&) { return true; });
  EXPECT_EQ(KindOf(s), ErrorKind::kValidation);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("memory limit of 100 bytes"));
}

// Each group is charged its aggregates' state (Accumulator::kBytesPerGroup each), whether
// its rows are grouped (latest_rows off) or are their own groups (latest rows, where no
// accumulator is made): one aggregate more raises the smallest memory limit the query
// runs within by that much per group, on both paths.
TEST_F(ClauseTest, EachGroupIsChargedItsAggregatesState) {
  const std::string one = R"(SELECT host, max(time) FROM "fleet"."metrics"
                             WHERE measure_name = 'cpu' GROUP BY host)";
  const std::string two = R"(SELECT host, max(time), max_by(measure_value::double, time)
                             FROM "fleet"."metrics" WHERE measure_name = 'cpu' GROUP BY host)";
  const int64_t groups = static_cast<int64_t>(Rows(one).size());
  ASSERT_GT(groups, 1);
  // The smallest memory limit `sql` runs within.
  auto peak = [&](const std::string& sql, bool latest_rows) {
    EngineSource source(engine_.get(), clock_.NowNanos());
    query::QueryLimits limits;
    limits.latest_rows = latest_rows;
    int64_t low = 0, high = 1 << 20;  // Fails at low, runs at high.
    while (high - low > 1) {
      limits.memory_limit_bytes = low + (high - low) / 2;
      const bool ran =
          query::Execute(sql, source, limits, [](const QueryBatch&) { return true; }).ok();
      (ran ? high : low) = limits.memory_limit_bytes;
    }
    return high;
  };
  for (const bool latest_rows : {true, false}) {
    SCOPED_TRACE(latest_rows);
    EXPECT_EQ(peak(two, latest_rows) - peak(one, latest_rows),
              query::Accumulator::kBytesPerGroup * groups);
  }
}

TEST_F(ClauseTest, PushesTimeMeasureAndDimensionsIntoTheScan) {
  EngineSource source(engine_.get(), clock_.NowNanos());
  int64_t rows = 0;
  absl::Status s = query::Execute(
      R"(SELECT time FROM "fleet"."metrics" WHERE time >= ago(40m) AND time < now()
         AND measure_name IN ('cpu', 'mem') AND host = 'h1' AND measure_value::double > 0)",
      source, query::QueryLimits{}, [&](const QueryBatch& b) {
        rows += b.num_rows;
        return true;
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(rows, 2);
  ASSERT_EQ(source.requests.size(), 1u);
  const ScanRequest& r = source.requests[0];
  EXPECT_EQ(r.start_time_nanos, clock_.NowNanos() - 40 * kMinuteNanos);
  EXPECT_EQ(r.end_time_nanos, clock_.NowNanos());
  EXPECT_THAT(r.measure_names, ElementsAre("cpu", "mem"));
  ASSERT_EQ(r.dimension_filters.size(), 1u);
  EXPECT_EQ(r.dimension_filters[0].name, "host");
}

TEST_F(ClauseTest, DimensionInAndOrBecomeOneScanPerValue) {
  EngineSource source(engine_.get(), clock_.NowNanos());
  std::vector<std::string> hosts;
  absl::Status s = query::Execute(
      R"(SELECT DISTINCT host FROM "fleet"."metrics"
         WHERE host IN ('h1', 'h3', 'h1', 'h9') AND measure_name = 'cpu' ORDER BY host)",
      source, query::QueryLimits{}, [&](const QueryBatch& b) {
        for (int64_t r = 0; r < b.num_rows; ++r) hosts.push_back(b.columns[0].strings[r]);
        return true;
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(hosts, ElementsAre("h1", "h3"));
  ASSERT_EQ(source.requests.size(), 3u);  // h1, h3, h9.
  EXPECT_EQ(source.requests[1].dimension_filters.back().value, "h3");
  EXPECT_THAT(Rows(R"(SELECT count(*) FROM "fleet"."metrics"
                      WHERE (host = 'h2' OR 'h3' = host) AND measure_name = 'cpu')"),
              ElementsAre("4"));
  EXPECT_THAT(Rows(R"(SELECT count(*) FROM "fleet"."metrics"
                      WHERE (host = 'h2' OR region = 'eu') AND measure_name = 'cpu')"),
              ElementsAre("6"));
}

TEST_F(ClauseTest, ContradictoryMeasureNamesScanNothing) {
  EngineSource source(engine_.get(), clock_.NowNanos());
  absl::Status s = query::Execute(
      R"(SELECT time FROM "fleet"."metrics" WHERE measure_name = 'cpu' AND measure_name = 'x')",
      source, query::QueryLimits{}, [](const QueryBatch&) { return true; });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(source.requests.empty());
}

TEST_F(ClauseTest, PrepareReturnsTheColumns) {
  EngineSource source(engine_.get(), clock_.NowNanos());
  auto columns = query::Prepare(
      R"(SELECT host, avg(measure_value::double) AS a, bin(time, 1m) FROM "fleet"."metrics"
         GROUP BY host, bin(time, 1m))",
      source);
  ASSERT_TRUE(columns.ok()) << columns.status();
  ASSERT_EQ(columns->size(), 3u);
  EXPECT_EQ((*columns)[0].name, "host");
  EXPECT_EQ((*columns)[0].type.scalar_type, ScalarType::kVarchar);
  EXPECT_EQ((*columns)[0].database_name, "fleet");
  EXPECT_EQ((*columns)[1].name, "a");
  EXPECT_TRUE((*columns)[1].aliased);
  EXPECT_EQ((*columns)[1].type.scalar_type, ScalarType::kDouble);
  EXPECT_EQ((*columns)[2].name, "_col2");
  EXPECT_EQ((*columns)[2].type.scalar_type, ScalarType::kTimestamp);
}

TEST_F(ClauseTest, VisitorReturningFalseStopsTheQuery) {
  int batches = 0;
  absl::Status s =
      engine_->QueryStream(R"(SELECT * FROM "fleet"."metrics")", [&](const QueryBatch&) {
        ++batches;
        return false;
      });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(batches, 1);
}

}  // namespace
}  // namespace tsw::testing
