// The WHERE evaluated inside the scan (RowFilter, engine/common/row_batch.h): a WHERE over
// some of the MULTI attributes a query reads runs on each segment block's and memory
// chunk's WHERE columns first, and the other columns are decoded or copied only where it
// holds. The answers must be those of the model, and of the same query read the other way
// (a WHERE naming a dimension is not handed to the tiers), with rows in both tiers:
// series where no row matches, where every row does, where only the first and last rows
// of each tier do, and records lacking the WHERE's attribute.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"
#include "tsw/engine.h"

namespace tsw::testing {
namespace {

constexpr int64_t kStep = 10 * kSecondNanos;
constexpr int64_t kFirstOld = kNow - 55 * kMinuteNanos;  // Magnetic: [kFirstOld, kNow).
constexpr int64_t kEndNew = kNow + 55 * kMinuteNanos;    // Memory: [kNow, kEndNew).

struct Row {
  std::string host;
  int64_t time;
  std::optional<double> x;  // Absent: the record lacks the attribute.
  int64_t y;
};

class RowFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDirForThisTest("row_filter_test");
    ASSERT_NO_FATAL_FAILURE(OpenFleetMetrics(dir_, Options(), &clock_, &engine_));
    WriteRows(kFirstOld, kNow);
    clock_.Advance(60 * kMinuteNanos);
    ASSERT_TRUE(engine_->RunMaintenance().ok());
    WriteRows(kNow, kEndNew);
  }

  // x of `host`'s row at `time`, a row of [from, to): "none" never above 50, "all"
  // always, "edges" at the first and last row of the range only, "gaps" above 50 on
  // every third row and lacking x on every fifth.
  static std::optional<double> X(const std::string& host, int64_t time, int64_t from, int64_t to) {
    const int64_t i = (time - from) / kStep;
    if (host == "none") return static_cast<double>(i % 50);
    if (host == "all") return 51.5 + static_cast<double>(i % 9);
    if (host == "edges") return time == from || time + kStep >= to ? 90.25 : 10.0;
    if (i % 5 == 0) return std::nullopt;
    return i % 3 == 0 ? 75.0 : 25.0;
  }

  void WriteRows(int64_t from, int64_t to) {
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "metrics"};
    for (const char* host : {"none", "all", "edges", "gaps"}) {
      for (int64_t t = from; t < to; t += kStep) {
        Row row{host, t, X(host, t, from, to), (t / kStep) % 7};
        Record r;
        r.dimensions.push_back({"host", host});
        r.measure_name = "m";
        r.measure_value_type = MeasureValueType::kMulti;
        if (row.x.has_value()) {
          r.measure_values.push_back({"x", absl::StrCat(*row.x), MeasureValueType::kDouble});
        }
        r.measure_values.push_back({"y", absl::StrCat(row.y), MeasureValueType::kBigint});
        r.measure_values.push_back({"s", absl::StrCat("s", row.y), MeasureValueType::kVarchar});
        r.time = absl::StrCat(t);
        r.time_unit = TimeUnit::kNanoseconds;
        request.records.push_back(std::move(r));
        rows_.push_back(std::move(row));
        if (request.records.size() == 100) Send(&request);
      }
    }
    Send(&request);
  }

  void Send(WriteRecordsRequest* request) {
    if (request->records.empty()) return;
    auto written = engine_->WriteRecords(*request);
    ASSERT_TRUE(written.ok()) << written.status().message();
    request->records.clear();
  }

  // "host|time|4x|y|s" (4x exact in BIGINT) of the rows `keep` accepts, sorted.
  template <typename Keep>
  std::vector<std::string> Expected(const Keep& keep) const {
    std::vector<std::string> out;
    for (const Row& r : rows_) {
      if (!keep(r)) continue;
      out.push_back(
          absl::StrCat(r.host, "|", r.time, "|",
                       r.x.has_value() ? absl::StrCat(static_cast<int64_t>(*r.x * 4)) : "NULL", "|",
                       r.y, "|s", r.y));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  absl::StatusOr<std::vector<std::string>> SortedRows(const std::string& where) {
    std::vector<std::string> rows;
    absl::Status s =
        engine_->QueryStream(absl::StrCat("SELECT host, to_nanoseconds(time), CAST(x * 4 AS "
                                          "BIGINT), y, s FROM \"fleet\".\"metrics\" "
                                          "WHERE measure_name = 'm' AND ",
                                          where),
                             [&](const QueryBatch& batch) {
                               AppendRows(batch, &rows);
                               return true;
                             });
    if (!s.ok()) return s;
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  // The rows of `where`, checked against the same WHERE read without the tiers' filter
  // (a residual term on a dimension keeps it out of them).
  std::vector<std::string> CheckedRows(const std::string& where) {
    absl::StatusOr<std::vector<std::string>> filtered = SortedRows(where);
    absl::StatusOr<std::vector<std::string>> unfiltered =
        SortedRows(absl::StrCat("(", where, ") AND host <> 'nobody'"));
    EXPECT_TRUE(filtered.ok()) << filtered.status();
    EXPECT_TRUE(unfiltered.ok()) << unfiltered.status();
    if (!filtered.ok() || !unfiltered.ok()) return {};
    EXPECT_EQ(*filtered, *unfiltered) << where;
    return *filtered;
  }

  std::string dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
  std::vector<Row> rows_;
};

TEST_F(RowFilterTest, KeepsExactlyTheMatchingRowsOfBothTiers) {
  const std::vector<std::string> want =
      Expected([](const Row& r) { return r.x.has_value() && *r.x > 50; });
  EXPECT_EQ(CheckedRows("x > 50"), want);
  // Every series contributes: "all" whole, "edges" its four edge rows, "gaps" some.
  auto count = [&](const std::string& host) {
    return std::count_if(want.begin(), want.end(),
                         [&](const std::string& r) { return r.rfind(host + "|", 0) == 0; });
  };
  EXPECT_EQ(count("none"), 0);
  EXPECT_EQ(count("all"), 2 * 330);
  EXPECT_EQ(count("edges"), 4);
  EXPECT_GT(count("gaps"), 0);
}

TEST_F(RowFilterTest, MatchesAtTheFirstAndLastRowOfEachTier) {
  const std::vector<std::string> rows = CheckedRows("x > 90");
  EXPECT_EQ(rows, Expected([](const Row& r) { return r.x.has_value() && *r.x > 90; }));
  std::vector<int64_t> times;
  for (const Row& r : rows_) {
    if (r.x.has_value() && *r.x > 90) times.push_back(r.time);
  }
  EXPECT_THAT(times,
              ::testing::UnorderedElementsAre(kFirstOld, kNow - kStep, kNow, kEndNew - kStep));
}

TEST_F(RowFilterTest, ComparisonsWithADoubleConstant) {
  // One attribute against a DOUBLE constant takes the filter's own loop; NULLs fail.
  EXPECT_EQ(CheckedRows("x > 75.0"),
            Expected([](const Row& r) { return r.x.has_value() && *r.x > 75.0; }));
  EXPECT_EQ(CheckedRows("x >= 75.0"),
            Expected([](const Row& r) { return r.x.has_value() && *r.x >= 75.0; }));
  EXPECT_EQ(CheckedRows("x < 10.0"),
            Expected([](const Row& r) { return r.x.has_value() && *r.x < 10.0; }));
  EXPECT_EQ(CheckedRows("x <= 10.0"),
            Expected([](const Row& r) { return r.x.has_value() && *r.x <= 10.0; }));
  EXPECT_EQ(CheckedRows("x = 10.0"),
            Expected([](const Row& r) { return r.x.has_value() && *r.x == 10.0; }));
}

// A WHERE comparing the only attribute a query reads with a DOUBLE constant is run by the
// executor alone (one scan, no filter in the tiers), by its own loop over the chunk's
// column: the rows the evaluator would keep, NULLs (records lacking x) never among them,
// whether most rows match (the chunk arrives whole) or few (it arrives gathered).
TEST_F(RowFilterTest, ComparisonsOverTheOnlyAttributeReadKeepTheEvaluatorsRows) {
  for (const std::string op : {"<", "<=", ">", ">="}) {
    for (const std::string text : {"0.0", "10.0", "25.0", "75.0", "90.25", "1000.0"}) {
      const double constant = std::stod(text);
      const std::string where = absl::StrCat("x ", op, " ", text);
      auto holds = [&](double x) {
        return op == "<"    ? x < constant
               : op == "<=" ? x <= constant
               : op == ">"  ? x > constant
                            : x >= constant;
      };
      std::vector<std::string> want;
      for (const Row& r : rows_) {
        if (r.x.has_value() && holds(*r.x)) {
          want.push_back(absl::StrCat(r.host, "|", r.time, "|", static_cast<int64_t>(*r.x * 4)));
        }
      }
      std::sort(want.begin(), want.end());
      for (const std::string& also : {std::string(), std::string(" AND host <> 'nobody'")}) {
        std::vector<std::string> got;
        absl::Status s = engine_->QueryStream(
            absl::StrCat("SELECT host, to_nanoseconds(time), CAST(x * 4 AS BIGINT) FROM "
                         "\"fleet\".\"metrics\" WHERE measure_name = 'm' AND ",
                         where, also),
            [&](const QueryBatch& batch) {
              AppendRows(batch, &got);
              return true;
            });
        ASSERT_TRUE(s.ok()) << where << also << ": " << s;
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, want) << where << also;
      }
    }
  }
}

// Without ORDER BY the answer's batches reuse one another's buffers (OutputSink): every
// batch holds exactly its own rows, in every column, whether the WHERE kept a chunk whole
// (no row list) or in part.
TEST_F(RowFilterTest, EveryBatchHoldsItsOwnRowsOnly) {
  for (const std::string where : {"x > 0.0", "x > 50.0"}) {
    std::vector<std::string> got;
    int batches = 0;
    absl::Status s = engine_->QueryStream(
        absl::StrCat("SELECT host, to_nanoseconds(time), CAST(x * 4 AS BIGINT), y, s FROM "
                     "\"fleet\".\"metrics\" WHERE measure_name = 'm' AND ",
                     where),
        [&](const QueryBatch& batch) {
          ++batches;
          EXPECT_GT(batch.num_rows, 0);
          EXPECT_LE(batch.num_rows, 1024);
          const size_t n = static_cast<size_t>(batch.num_rows);
          for (const QueryColumn& c : batch.columns) {
            EXPECT_EQ(c.present.size(), n) << c.name;
            EXPECT_EQ(c.ints.size() + c.doubles.size() + c.strings.size(), n) << c.name;
          }
          AppendRows(batch, &got);
          return true;
        });
    ASSERT_TRUE(s.ok()) << s;
    std::sort(got.begin(), got.end());
    const double above = where == "x > 0.0" ? 0.0 : 50.0;
    EXPECT_EQ(got, Expected([&](const Row& r) { return r.x.has_value() && *r.x > above; }))
        << where;
    if (where == "x > 0.0") EXPECT_GE(batches, 2);  // About 2,300 rows: three batches.
  }
}

TEST_F(RowFilterTest, NoRowMatches) {
  EXPECT_TRUE(CheckedRows("x > 1000").empty());
  EXPECT_TRUE(CheckedRows("x < 0 AND y > 3").empty());
}

TEST_F(RowFilterTest, RecordsLackingTheAttributeAreNullUnderTheWhere) {
  EXPECT_EQ(CheckedRows("x IS NULL"), Expected([](const Row& r) { return !r.x.has_value(); }));
  EXPECT_EQ(CheckedRows("x IS NULL OR x > 70"),
            Expected([](const Row& r) { return !r.x.has_value() || *r.x > 70; }));
  EXPECT_EQ(CheckedRows("NOT (x > 50)"),
            Expected([](const Row& r) { return r.x.has_value() && !(*r.x > 50); }));
}

TEST_F(RowFilterTest, WhereOverSeveralAttributesAndTime) {
  EXPECT_EQ(CheckedRows("x > 50 AND y = 3 AND to_nanoseconds(time) % 20000000000 = 0"),
            Expected([](const Row& r) {
              return r.x.has_value() && *r.x > 50 && r.y == 3 && r.time % (2 * kStep) == 0;
            }));
}

// The WHERE's comparisons of one attribute with a constant, AND-ed at its top, let the
// magnetic tier leave out blocks whose value summaries rule them out ("none" holds x from
// 0 to 49 only); an OR, a NOT or a comparison inside them must leave out nothing.
TEST_F(RowFilterTest, OnlyTheWheresTopConjunctsLeaveBlocksOut) {
  auto has_x = [](const Row& r, auto pred) { return r.x.has_value() && pred(*r.x); };
  EXPECT_EQ(CheckedRows("x > 90 OR x < 5"), Expected([&](const Row& r) {
              return has_x(r, [](double x) { return x > 90 || x < 5; });
            }));
  EXPECT_EQ(CheckedRows("y > 100 OR x < 5"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x < 5; }); }));
  EXPECT_EQ(CheckedRows("NOT (x <= 90)"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x > 90; }); }));
  EXPECT_EQ(CheckedRows("NOT (x > 50)"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x <= 50; }); }));
  EXPECT_EQ(CheckedRows("NOT (x BETWEEN 5 AND 100)"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x < 5; }); }));
  EXPECT_EQ(CheckedRows("x BETWEEN 40 AND 60"), Expected([&](const Row& r) {
              return has_x(r, [](double x) { return x >= 40 && x <= 60; });
            }));
  EXPECT_EQ(CheckedRows("90 < x"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x > 90; }); }));
  EXPECT_EQ(CheckedRows("49 <= x"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x >= 49; }); }));
  EXPECT_EQ(CheckedRows("x = 49"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x == 49; }); }));
  EXPECT_EQ(CheckedRows("x > 49 AND y >= 0"),
            Expected([&](const Row& r) { return has_x(r, [](double x) { return x > 49; }); }));
  EXPECT_EQ(CheckedRows("y >= 6 AND x < 50.5"), Expected([&](const Row& r) {
              return r.y >= 6 && has_x(r, [](double x) { return x < 50.5; });
            }));
  EXPECT_EQ(CheckedRows("y > 5.5 AND x > 0"), Expected([&](const Row& r) {
              return r.y > 5 && has_x(r, [](double x) { return x > 0; });
            }));
  EXPECT_EQ(CheckedRows("x * 2 > 180 OR x < 1"), Expected([&](const Row& r) {
              return has_x(r, [](double x) { return x > 90 || x < 1; });
            }));
}

TEST_F(RowFilterTest, AnErrorInTheWhereIsReported) {
  // y is 0 on some rows of every series: the division fails whichever way rows are read.
  absl::StatusOr<std::vector<std::string>> rows = SortedRows("10 / y > 1 AND x > 0");
  ASSERT_FALSE(rows.ok());
  EXPECT_THAT(std::string(rows.status().message()), ::testing::HasSubstr("Division by zero"));
}

}  // namespace
}  // namespace tsw::testing
