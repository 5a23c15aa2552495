// ORDER BY a time bin ... LIMIT n read newest (or oldest) first in time windows
// (engine/query/time_windows.h): answers equal to the general path's and to ones computed
// here from the rows written, for bins straddling the two tiers, bins cut by a window's
// edge, fewer bins than n, ties on the bin, `time` itself as the key; and the windowed
// path reads less of the table than a full scan.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/common/file_util.h"
#include "engine/query/query_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"
#include "tsw/engine.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kStep = 10 * kSecondNanos;
// 7 minutes: kNow is a multiple of an hour but not of 7 minutes, so the bin holding kNow
// has rows in both tiers.
constexpr int64_t kBin = 7 * kMinuteNanos;

struct Row {
  std::string host;
  int64_t time;
  double value;
};

// The engine's tables through query::Execute, counting the rows its scans return.
class CountingSource final : public query::QuerySource {
 public:
  CountingSource(Engine* engine, const Clock* clock) : engine_(engine), clock_(clock) {}

  absl::StatusOr<query::TableColumns> Columns(std::string_view, std::string_view) override {
    query::TableColumns columns;
    columns.dimensions = {"host"};
    columns.measures = {{"cpu", MeasureValueType::kDouble}};
    return columns;
  }

  absl::Status Scan(const ScanRequest& request,
                    const std::function<bool(const ScanBatch&)>& visitor) override {
    return engine_->Scan(request, [&](const ScanBatch& batch) {
      rows_read_ += static_cast<int64_t>(batch.time_nanos.size());
      return visitor(batch);
    });
  }

  int64_t NowNanos() const override { return clock_->NowNanos(); }

  int64_t rows_read_ = 0;

 private:
  Engine* engine_;
  const Clock* clock_;
};

// Host a every 10 s and host b every 30 s over [kNow - 55m, kNow + 55m]: those before
// kNow in the magnetic tier, the others in memory.
class TimeWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDirForThisTest("time_window_test");
    ASSERT_NO_FATAL_FAILURE(OpenFleetMetrics(dir_, Options(), &clock_, &engine_));
    WriteRows(kNow - 55 * kMinuteNanos, kNow);
    clock_.Advance(60 * kMinuteNanos);
    ASSERT_TRUE(engine_->RunMaintenance().ok());
    WriteRows(kNow, kNow + 56 * kMinuteNanos);
  }

  // Rows at times in [from, to).
  void WriteRows(int64_t from, int64_t to) {
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "metrics"};
    for (int64_t t = from; t < to; t += kStep) {
      const int64_t i = (t - kNow) / kStep;
      // Values repeat (ties of max) and are exact in decimal.
      rows_.push_back({"a", t, static_cast<double>(((i * 7919) % 1000 + 1000) % 1000) / 4});
      if (i % 3 == 0) rows_.push_back({"b", t, static_cast<double>((i * 31 % 97 + 97) % 97)});
    }
    for (size_t r = written_; r < rows_.size(); ++r) {
      Record record;
      record.dimensions = {{"host", rows_[r].host}};
      record.measure_name = "cpu";
      record.measure_value_type = MeasureValueType::kDouble;
      record.measure_value = FormatDouble(rows_[r].value);
      record.time = absl::StrCat(rows_[r].time);
      record.time_unit = TimeUnit::kNanoseconds;
      request.records.push_back(std::move(record));
      if (request.records.size() == 100 || r + 1 == rows_.size()) {  // The API's maximum.
        auto written = engine_->WriteRecords(request);
        ASSERT_TRUE(written.ok()) << written.status().message();
        request.records.clear();
      }
    }
    written_ = rows_.size();
  }

  static std::string FormatDouble(double v) { return absl::StrCat(v); }

  // "bin start in ns|max|count" per `bin`-wide bin of the rows in [from, to), sorted by
  // bin, newest first when `descending`, cut to `limit`.
  // Only rows above `above` count.
  std::vector<std::string> Expected(int64_t bin, int64_t from, int64_t to, bool descending,
                                    size_t limit, double above = -1) const {
    std::map<int64_t, std::pair<double, int>> bins;
    for (const Row& r : rows_) {
      if (r.time < from || r.time >= to || r.value <= above) continue;
      auto [it, inserted] = bins.try_emplace(r.time / bin * bin, r.value, 0);
      it->second.first = std::max(it->second.first, r.value);
      ++it->second.second;
    }
    std::vector<std::string> out;
    for (const auto& [start, agg] : bins) {
      out.push_back(absl::StrCat(start, "|", agg.first, "|", agg.second));
    }
    if (descending) std::reverse(out.begin(), out.end());
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  // The answer's rows, through the windowed path or not; *rows_read receives how many
  // rows the scans returned.
  std::vector<std::string> Execute(const std::string& sql, bool time_windows,
                                   int64_t* rows_read = nullptr) {
    CountingSource source(engine_.get(), &clock_);
    query::QueryLimits limits;
    limits.time_windows = time_windows;
    std::vector<std::string> rows;
    absl::Status s = query::Execute(sql, source, limits, [&](const QueryBatch& batch) {
      AppendRows(batch, &rows);
      return true;
    });
    EXPECT_TRUE(s.ok()) << sql << ": " << s;
    if (rows_read != nullptr) *rows_read = source.rows_read_;
    return rows;
  }

  // Runs `sql` both ways; expects the same answer, and returns it.
  std::vector<std::string> BothWays(const std::string& sql) {
    std::vector<std::string> windowed = Execute(sql, true);
    EXPECT_EQ(windowed, Execute(sql, false)) << sql;
    return windowed;
  }

  static std::string BinQuery(int64_t bin_minutes, const std::string& where, bool descending,
                              int64_t limit) {
    return absl::StrCat("SELECT to_nanoseconds(bin(time, ", bin_minutes,
                        "m)) AS b, max(measure_value::double) AS m, count(*) AS c FROM "
                        "\"fleet\".\"metrics\" WHERE ",
                        where, " GROUP BY bin(time, ", bin_minutes, "m) ORDER BY bin(time, ",
                        bin_minutes, "m) ", descending ? "DESC" : "ASC", " LIMIT ", limit);
  }

  std::string dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
  std::vector<Row> rows_;
  size_t written_ = 0;
};

TEST_F(TimeWindowTest, NewestBinsBeforeACutoffAnywhereInABin) {
  // Cut-offs on and between bin edges, across both tiers; LIMIT from one bin to more bins
  // than the range holds.
  for (int64_t cut = kNow - 50 * kMinuteNanos; cut <= kNow + 58 * kMinuteNanos;
       cut += 97 * kSecondNanos) {
    for (int64_t limit : {1, 2, 3, 5, 8, 13, 40}) {
      const std::string where = absl::StrCat("time < from_nanoseconds(", cut, ")");
      EXPECT_EQ(Execute(BinQuery(7, where, true, limit), true),
                Expected(kBin, INT64_MIN, cut, true, limit))
          << where << " LIMIT " << limit;
      // Few rows pass: most bins are empty, so windows go back further and their edges
      // cut bins that are in the answer.
      EXPECT_EQ(Execute(BinQuery(7, where + " AND measure_value::double > 235", true, limit), true),
                Expected(kBin, INT64_MIN, cut, true, limit, 235))
          << where << " LIMIT " << limit;
    }
  }
}

TEST_F(TimeWindowTest, BinsCutByAWindowEdgeAreReadWhole) {
  // The scan starts at `end` but the residual WHERE (not pushed down: an OR) drops rows
  // from `gap` on, so the first windows find no group and a later window's edge cuts the
  // newest bin with rows; it must not count until the next window completes it.
  const int64_t end = kNow + 50 * kMinuteNanos;
  for (int64_t gap = end - 80 * kMinuteNanos; gap < end; gap += 37 * kSecondNanos) {
    for (int64_t limit : {1, 2, 3}) {
      const std::string where =
          absl::StrCat("time < from_nanoseconds(", end, ") AND (time < from_nanoseconds(", gap,
                       ") OR host = 'none')");
      EXPECT_EQ(Execute(BinQuery(7, where, true, limit), true),
                Expected(kBin, INT64_MIN, gap, true, limit))
          << where << " LIMIT " << limit;
    }
  }
  const int64_t start = kNow - 50 * kMinuteNanos;
  for (int64_t gap = start; gap < start + 80 * kMinuteNanos; gap += 37 * kSecondNanos) {
    for (int64_t limit : {1, 2, 3}) {
      const std::string where =
          absl::StrCat("time >= from_nanoseconds(", start, ") AND (time >= from_nanoseconds(", gap,
                       ") OR host = 'none')");
      EXPECT_EQ(Execute(BinQuery(7, where, false, limit), true),
                Expected(kBin, gap, INT64_MAX, false, limit))
          << where << " LIMIT " << limit;
    }
  }
}

TEST_F(TimeWindowTest, OldestBinsFromAStartAnywhereInABin) {
  for (int64_t start = kNow - 58 * kMinuteNanos; start <= kNow + 50 * kMinuteNanos;
       start += 89 * kSecondNanos) {
    for (int64_t limit : {1, 2, 4, 7, 40}) {
      const std::string where = absl::StrCat("time >= from_nanoseconds(", start, ")");
      EXPECT_EQ(Execute(BinQuery(7, where, false, limit), true),
                Expected(kBin, start, INT64_MAX, false, limit))
          << where << " LIMIT " << limit;
      EXPECT_EQ(
          Execute(BinQuery(7, where + " AND measure_value::double > 235", false, limit), true),
          Expected(kBin, start, INT64_MAX, false, limit, 235))
          << where << " LIMIT " << limit;
    }
  }
}

TEST_F(TimeWindowTest, BothBoundsAndOtherFiltersGiveTheGeneralPathsAnswer) {
  const std::string between =
      absl::StrCat("time BETWEEN from_nanoseconds(", kNow - 20 * kMinuteNanos,
                   ") AND from_nanoseconds(", kNow + 20 * kMinuteNanos, ")");
  for (bool descending : {true, false}) {
    for (int64_t limit : {1, 3, 100}) {
      BothWays(BinQuery(7, between, descending, limit));
      BothWays(BinQuery(1, between + " AND measure_value::double > 100", descending, limit));
      BothWays(BinQuery(60, between + " AND host = 'b'", descending, limit));
    }
  }
}

TEST_F(TimeWindowTest, FewerBinsThanTheLimit) {
  const std::string where =
      absl::StrCat("time < from_nanoseconds(", kNow + 3 * kMinuteNanos,
                   ") AND time >= from_nanoseconds(", kNow - kMinuteNanos, ")");
  EXPECT_EQ(Execute(BinQuery(1, where, true, 10), true).size(), 4u);
  EXPECT_EQ(Execute(BinQuery(1, where, true, 10), true),
            Expected(kMinuteNanos, kNow - kMinuteNanos, kNow + 3 * kMinuteNanos, true, 10));
  // No rows at all before the cut-off.
  EXPECT_THAT(Execute(BinQuery(1, "time < from_nanoseconds(1000)", true, 5), true), ElementsAre());
}

TEST_F(TimeWindowTest, TiesOnTheBinKeepWholeBinsAndTheLaterSortKeys) {
  // Two groups per bin (hosts a and b): LIMIT 3 takes both of the newest bin and the
  // first of the next by host.
  const std::string sql = absl::StrCat(
      "SELECT bin(time, 1m) AS minute, host, max(measure_value::double) AS m FROM "
      "\"fleet\".\"metrics\" "
      "WHERE time < from_nanoseconds(",
      kNow + 30 * kMinuteNanos,
      ") GROUP BY host, bin(time, 1m) ORDER BY minute DESC, host LIMIT 3");
  EXPECT_THAT(BothWays(sql),
              ElementsAre(::testing::StartsWith("2027-01-15 08:29:00.000000000|a|"),
                          ::testing::StartsWith("2027-01-15 08:29:00.000000000|b|"),
                          ::testing::StartsWith("2027-01-15 08:28:00.000000000|a|")));
  // Ordered by the bin only, the third row is either host of 08:28.
  const std::string by_bin = absl::StrReplaceAll(sql, {{"minute DESC, host", "minute DESC"}});
  std::vector<std::string> rows = Execute(by_bin, true);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[2], ::testing::StartsWith("2027-01-15 08:28:00.000000000|"));
}

TEST_F(TimeWindowTest, TimeItselfAsTheKey) {
  for (int64_t cut : {kNow - 30 * kSecondNanos, kNow, kNow + 35 * kSecondNanos}) {
    const std::string sql = absl::StrCat(
        "SELECT to_nanoseconds(time) AS b, max(measure_value::double) AS m, count(*) AS c "
        "FROM \"fleet\".\"metrics\" WHERE time <= from_nanoseconds(",
        cut, ") GROUP BY time ORDER BY time DESC LIMIT 4");
    EXPECT_EQ(Execute(sql, true), Expected(1, INT64_MIN, cut + 1, true, 4)) << sql;
  }
}

TEST_F(TimeWindowTest, ReadsOnlyTheWindowsItNeeds) {
  const std::string sql =
      BinQuery(1, absl::StrCat("time < from_nanoseconds(", kNow + 50 * kMinuteNanos, ")"), true, 2);
  int64_t windowed = 0, general = 0;
  EXPECT_EQ(Execute(sql, true, &windowed), Execute(sql, false, &general));
  // Two minutes of 105 minutes, and the first window's spare bin.
  EXPECT_GT(windowed, 0);
  EXPECT_LT(windowed * 10, general);
}

}  // namespace
}  // namespace tsw::testing
