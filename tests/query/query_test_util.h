// A small table for the query tests, written through Engine::WriteRecords, with rows in
// both tiers: scalar measures of four types and a MULTI measure, a series without the
// `region` dimension, an upsert by Version, and a MULTI record lacking an attribute.
//
// now (kNow) = 2027-01-15 08:00:00. Old rows (B = 07:10) are written first, then the
// clock moves an hour on and maintenance moves them to the magnetic tier; new rows
// (N = 08:30) stay in memory. The clock is then at 09:00.
//
//   cpu (DOUBLE)   h1/eu: B 11 (10 at Version 1, upserted), B+1m 20, N 30, N+1m 40
//                  h2/eu: B 5, N 15      h3/-: B 1, N 3
//   mem (BIGINT)   h1/eu: B 100, N 7     h3/-: N 3
//   status (VARCHAR) h1/eu: B "up"       h2/eu: N "down"
//   ok (BOOLEAN)   h2/eu: N true
//   stats (MULTI)  h1/eu: B+1m temp 20.0 load 2 note "warm"; N temp 21.5 load 3 note "hot"
//                  h2/eu: N temp 19.0 load 1 (no note)
#ifndef TSW_TESTS_QUERY_QUERY_TEST_UTIL_H_
#define TSW_TESTS_QUERY_QUERY_TEST_UTIL_H_

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/file_util.h"
#include "engine/query/query_engine.h"
#include "gtest/gtest.h"
#include "tests/common/test_dir.h"
#include "tsw/engine.h"

namespace tsw::testing {

inline constexpr int64_t kSecondNanos = 1000000000;
inline constexpr int64_t kNow = int64_t{1800000000} * kSecondNanos;
inline constexpr int64_t kMinuteNanos = 60 * kSecondNanos;
inline constexpr int64_t kB = kNow - 50 * kMinuteNanos;
inline constexpr int64_t kN = kNow + 30 * kMinuteNanos;

// Opens an engine on `dir` with `options` (on `clock`, background maintenance off) and
// creates fleet.metrics in it (1 hour in memory, 30 days magnetic): the set-up of the
// query tests' fixtures, which then write their own rows.
inline void OpenFleetMetrics(const std::string& dir, Options options, const Clock* clock,
                             std::unique_ptr<Engine>* engine) {
  options.clock = clock;
  options.background_maintenance = false;
  auto opened = Engine::Open(dir, options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  *engine = std::move(*opened);
  ASSERT_TRUE((*engine)->CreateDatabase({.database_name = "fleet"}).ok());
  CreateTableRequest table{.database_name = "fleet", .table_name = "metrics"};
  table.retention_properties = RetentionProperties{1, 30};
  ASSERT_TRUE((*engine)->CreateTable(table).ok());
}

// Appends each row of `batch` as text: its values joined by "|", NULL as "NULL".
inline void AppendRows(const QueryBatch& batch, std::vector<std::string>* rows) {
  for (int64_t r = 0; r < batch.num_rows; ++r) {
    std::vector<std::string> values;
    for (const QueryColumn& c : batch.columns) {
      values.push_back(query::FormatValue(c, static_cast<size_t>(r)).value_or("NULL"));
    }
    rows->push_back(absl::StrJoin(values, "|"));
  }
}

// An answer as text: column names, then each row's values joined by "|", NULL as "NULL".
struct Answer {
  std::vector<std::string> columns;  // "name:TYPE"
  std::vector<std::string> rows;
};

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDirForThisTest("query_test");
    options_.clock = &clock_;
    options_.background_maintenance = false;
    ASSERT_NO_FATAL_FAILURE(OpenFleetMetrics(dir_, options_, &clock_, &engine_));
    WriteOld();
    clock_.Advance(60 * kMinuteNanos);
    ASSERT_TRUE(engine_->RunMaintenance().ok());
    WriteNew();
  }

  static Record Scalar(std::string host, std::string region, std::string measure,
                       MeasureValueType type, std::string value, int64_t time_nanos,
                       int64_t version = 1) {
    Record r;
    r.dimensions.push_back({"host", std::move(host)});
    if (!region.empty()) r.dimensions.push_back({"region", std::move(region)});
    r.measure_name = std::move(measure);
    r.measure_value_type = type;
    r.measure_value = std::move(value);
    r.time = absl::StrCat(time_nanos);
    r.time_unit = TimeUnit::kNanoseconds;
    r.version = version;
    return r;
  }

  static Record Multi(std::string host, int64_t time_nanos, std::vector<MeasureValue> values) {
    Record r = Scalar(std::move(host), "eu", "stats", MeasureValueType::kMulti, "", time_nanos);
    r.measure_value.reset();
    r.measure_values = std::move(values);
    return r;
  }

  void Write(std::vector<Record> records) {
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "metrics"};
    request.records = std::move(records);
    auto written = engine_->WriteRecords(request);
    ASSERT_TRUE(written.ok()) << written.status().message();
  }

  void WriteOld() {
    const auto D = MeasureValueType::kDouble;
    Write({Scalar("h1", "eu", "cpu", D, "10", kB, 1)});
    Write({Scalar("h1", "eu", "cpu", D, "11", kB, 2),
           Scalar("h1", "eu", "cpu", D, "20", kB + kMinuteNanos),
           Scalar("h2", "eu", "cpu", D, "5", kB), Scalar("h3", "", "cpu", D, "1", kB),
           Scalar("h1", "eu", "mem", MeasureValueType::kBigint, "100", kB),
           Scalar("h1", "eu", "status", MeasureValueType::kVarchar, "up", kB),
           Multi("h1", kB + kMinuteNanos,
                 {{"temp", "20.0", D},
                  {"load", "2", MeasureValueType::kBigint},
                  {"note", "warm", MeasureValueType::kVarchar}})});
  }

  void WriteNew() {
    const auto D = MeasureValueType::kDouble;
    Write({Scalar("h1", "eu", "cpu", D, "30", kN),
           Scalar("h1", "eu", "cpu", D, "40", kN + kMinuteNanos),
           Scalar("h2", "eu", "cpu", D, "15", kN), Scalar("h3", "", "cpu", D, "3", kN),
           Scalar("h1", "eu", "mem", MeasureValueType::kBigint, "7", kN),
           Scalar("h3", "", "mem", MeasureValueType::kBigint, "3", kN),
           Scalar("h2", "eu", "status", MeasureValueType::kVarchar, "down", kN),
           Scalar("h2", "eu", "ok", MeasureValueType::kBoolean, "true", kN),
           Multi("h1", kN,
                 {{"temp", "21.5", D},
                  {"load", "3", MeasureValueType::kBigint},
                  {"note", "hot", MeasureValueType::kVarchar}}),
           Multi("h2", kN, {{"temp", "19.0", D}, {"load", "1", MeasureValueType::kBigint}})});
  }

  absl::StatusOr<Answer> Run(const std::string& sql) {
    Answer answer;
    bool first = true;
    absl::Status s = engine_->QueryStream(sql, [&](const QueryBatch& batch) {
      if (first) {
        for (const QueryColumn& c : batch.columns) {
          answer.columns.push_back(c.name + ":" + std::string(ScalarTypeName(c.type)));
        }
        first = false;
      }
      AppendRows(batch, &answer.rows);
      return true;
    });
    if (!s.ok()) return s;
    return answer;
  }

  // The rows of `sql`'s answer; fails the test on an error.
  std::vector<std::string> Rows(const std::string& sql) {
    absl::StatusOr<Answer> answer = Run(sql);
    EXPECT_TRUE(answer.ok()) << sql << ": " << answer.status();
    return answer.ok() ? answer->rows : std::vector<std::string>{};
  }

  // The message of `sql`'s error (expected a ValidationException).
  std::string Error(const std::string& sql) {
    absl::StatusOr<Answer> answer = Run(sql);
    EXPECT_FALSE(answer.ok()) << sql;
    if (answer.ok()) return "";
    EXPECT_EQ(KindOf(answer.status()), ErrorKind::kValidation) << answer.status();
    return std::string(answer.status().message());
  }

  std::string dir_;
  ManualClock clock_{kNow};
  Options options_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace tsw::testing

#endif  // TSW_TESTS_QUERY_QUERY_TEST_UTIL_H_
