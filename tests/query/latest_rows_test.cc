// Last-point queries (engine/query/latest_rows.h): which plans are answered from
// latest_only scans, and that their answers equal the general path's, on the query tests'
// table (rows in both tiers, an upsert, a series without `region`, MULTI rows lacking an
// attribute, several measures). Each query runs three ways: the general path, latest rows
// gathered from latest_only ScanBatches (QuerySource's default ScanLatestColumns, over
// Engine::Scan), and the engine's own column-wise read (Engine::QueryStream, through
// TableStore::ScanLatestColumns).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/query/query_test_util.h"

namespace tsw::testing {
namespace {

using ::testing::ElementsAre;

// The engine's tables for query::Execute directly, so a test can run a query both ways.
// The learned columns come from a full scan (the engine keeps them to itself).
class EngineSource final : public query::QuerySource {
 public:
  EngineSource(Engine* engine, const Clock* clock) : engine_(engine), clock_(clock) {}

  absl::StatusOr<query::TableColumns> Columns(std::string_view database,
                                              std::string_view table) override {
    query::TableColumns columns;
    ScanRequest all{.database_name = std::string(database), .table_name = std::string(table)};
    absl::Status s = engine_->Scan(all, [&](const ScanBatch& b) {
      for (const Dimension& d : b.dimensions) Add(d.name, &columns.dimensions);
      std::pair<std::string, MeasureValueType> measure{b.measure_name, b.measure_value_type};
      Add(measure, &columns.measures);
      if (b.measure_value_type == MeasureValueType::kMulti) {
        for (const ScanColumn& c : b.columns) Add(std::pair{c.name, c.type}, &columns.attributes);
      }
      return true;
    });
    if (!s.ok()) return s;
    return columns;
  }

  absl::Status Scan(const ScanRequest& request,
                    const std::function<bool(const ScanBatch&)>& visitor) override {
    ++scans_;
    latest_scans_ += request.latest_only;
    return engine_->Scan(request, visitor);
  }

  int64_t NowNanos() const override { return clock_->NowNanos(); }

  int scans_ = 0;
  int latest_scans_ = 0;

 private:
  template <typename T>
  static void Add(const T& value, std::vector<T>* to) {
    if (std::find(to->begin(), to->end(), value) == to->end()) to->push_back(value);
  }

  Engine* engine_;
  const Clock* clock_;
};

class LatestRowsTest : public QueryTest {
 protected:
  // The answer's rows through query::Execute; latest_scans receives how many of its scans
  // were latest_only.
  std::vector<std::string> Execute(const std::string& sql, bool latest_rows, int* latest_scans) {
    EngineSource source(engine_.get(), &clock_);
    query::QueryLimits limits;
    limits.latest_rows = latest_rows;
    std::vector<std::string> rows;
    absl::Status s = query::Execute(sql, source, limits, [&](const QueryBatch& batch) {
      AppendRows(batch, &rows);
      return true;
    });
    EXPECT_TRUE(s.ok()) << sql << ": " << s;
    *latest_scans = source.latest_scans_;
    return rows;
  }

  // Runs `sql` the three ways; expects equal answers, and latest_only scans exactly when
  // `rewritten`. Returns the engine's answer.
  std::vector<std::string> BothWays(const std::string& sql, bool rewritten) {
    int latest = 0, general_latest = 0;
    std::vector<std::string> fast = Execute(sql, true, &latest);
    std::vector<std::string> general = Execute(sql, false, &general_latest);
    std::vector<std::string> engine = Rows(sql);
    EXPECT_EQ(general_latest, 0);
    EXPECT_EQ(latest > 0, rewritten) << sql;
    std::vector<std::string> a = fast, b = general, c = engine;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::sort(c.begin(), c.end());
    EXPECT_EQ(a, b) << sql;
    EXPECT_EQ(c, b) << sql;
    return engine;
  }

  // BothWays, and the three answers in the same order (for an ORDER BY with no ties).
  std::vector<std::string> InOrder(const std::string& sql) {
    int latest = 0, general_latest = 0;
    std::vector<std::string> general = Execute(sql, false, &general_latest);
    EXPECT_EQ(Execute(sql, true, &latest), general) << sql;
    EXPECT_GT(latest, 0) << sql;
    EXPECT_EQ(Rows(sql), general) << sql;
    return general;
  }
};

TEST_F(LatestRowsTest, LastPointPerHostFromBothTiers) {
  // h3 has no region; h1's cpu at B was upserted; stats lacks `note` on h2.
  EXPECT_THAT(
      BothWays(R"(SELECT host, max(time) AS t, max_by(measure_value::double, time) AS v
                          FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                          GROUP BY host ORDER BY host)",
               true),
      ElementsAre("h1|2027-01-15 08:31:00.000000000|40", "h2|2027-01-15 08:30:00.000000000|15",
                  "h3|2027-01-15 08:30:00.000000000|3"));
  EXPECT_THAT(BothWays(R"(SELECT host, max_by(note, time), max_by(temp, time)
                          FROM "fleet"."metrics" WHERE measure_name = 'stats'
                          GROUP BY host ORDER BY host)",
                       true),
              ElementsAre("h1|hot|21.5", "h2|NULL|19"));
}

TEST_F(LatestRowsTest, TimeRangesEndingBeforeTheLatestRowReadTheSegments) {
  EXPECT_THAT(
      BothWays(R"(SELECT host, max(time), max_by(measure_value::double, time)
                          FROM "fleet"."metrics"
                          WHERE measure_name = 'cpu' AND time < from_milliseconds(1800000000000)
                          GROUP BY host ORDER BY host)",
               true),
      ElementsAre("h1|2027-01-15 07:11:00.000000000|20", "h2|2027-01-15 07:10:00.000000000|5",
                  "h3|2027-01-15 07:10:00.000000000|1"));
  EXPECT_THAT(BothWays(R"(SELECT host, max_by(measure_value::double, time) FROM "fleet"."metrics"
                          WHERE measure_name = 'cpu' AND time BETWEEN
                            from_milliseconds(1799997000000) AND from_milliseconds(1799997000000)
                          GROUP BY host ORDER BY host)",
                       true),
              ElementsAre("h1|11", "h2|5", "h3|1"));
}

TEST_F(LatestRowsTest, GroupsOfSeveralKeysTakeTheLatestOfThem) {
  // Every measure of a host, and every series of a region (h3 in the NULL region).
  BothWays(R"(SELECT host, max(time) FROM "fleet"."metrics" GROUP BY host)", true);
  BothWays(R"(SELECT region, max(time), max_by(host, time), max_by(measure_name, time)
              FROM "fleet"."metrics" GROUP BY region)",
           true);
  BothWays(R"(SELECT measure_name, max(time), max_by(measure_value::bigint, time)
              FROM "fleet"."metrics" WHERE host IN ('h1', 'h3') GROUP BY measure_name)",
           true);
  BothWays(R"(SELECT max(time), max_by(measure_value::double, time) FROM "fleet"."metrics")", true);
  // Equal latest times across series: max_by breaks the tie by value, whatever the order.
  EXPECT_THAT(BothWays(R"(SELECT max_by(measure_value::double, time) FROM "fleet"."metrics"
                          WHERE measure_name = 'cpu' AND time < from_milliseconds(1800001860000))",
                       true),
              ElementsAre("30"));
  // h1, h2 and h3 tie at 08:30: the greatest host, not the first one read.
  EXPECT_THAT(BothWays(R"(SELECT max_by(host, time) FROM "fleet"."metrics"
                          WHERE measure_name = 'cpu' AND time < from_milliseconds(1800001860000))",
                       true),
              ElementsAre("h3"));
}

TEST_F(LatestRowsTest, AKeyWhoseRowsAreAllInSegments) {
  // h1's status is only in segments (07:10), h2's only in memory (08:30).
  const std::string sql = R"(SELECT host, max(time), max_by(measure_value::varchar, time)
                             FROM "fleet"."metrics" WHERE measure_name = 'status'
                             GROUP BY host ORDER BY host)";
  EXPECT_THAT(BothWays(sql, true), ElementsAre("h1|2027-01-15 07:10:00.000000000|up",
                                               "h2|2027-01-15 08:30:00.000000000|down"));
  // Two hours on, maintenance moves every row to segments: memory settles no key.
  clock_.Advance(120 * kMinuteNanos);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  const std::string cpu = R"(SELECT host, max(time) AS t, max_by(measure_value::double, time) AS v
                             FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                             GROUP BY host ORDER BY host)";
  const std::vector<std::string> from_segments = {"h1|2027-01-15 08:31:00.000000000|40",
                                                  "h2|2027-01-15 08:30:00.000000000|15",
                                                  "h3|2027-01-15 08:30:00.000000000|3"};
  EXPECT_EQ(BothWays(cpu, true), from_segments);
  // A new row of h2 settles h2 from memory; h1 and h3 still come from the segments.
  Write({Scalar("h2", "eu", "cpu", MeasureValueType::kDouble, "16", kN + 140 * kMinuteNanos)});
  EXPECT_THAT(
      BothWays(cpu, true),
      ElementsAre(from_segments[0], "h2|2027-01-15 10:50:00.000000000|16", from_segments[2]));
}

// A segment row read while memory rows wait for the segments' pass: h2's status settled
// by memory, h1's only in segments, h4's only row in memory but older than the eviction
// cutoff (written late), so it comes after the segments'.
TEST_F(LatestRowsTest, ASegmentRowAmongMemoryRows) {
  clock_.Advance(-60 * kMinuteNanos);
  Write({Scalar("h4", "eu", "status", MeasureValueType::kVarchar, "late", kB + 5 * kMinuteNanos)});
  clock_.Advance(60 * kMinuteNanos);
  EXPECT_THAT(
      BothWays(R"(SELECT host, max(time), max_by(measure_value::varchar, time)
                          FROM "fleet"."metrics" WHERE measure_name = 'status'
                          GROUP BY host ORDER BY host)",
               true),
      ElementsAre("h1|2027-01-15 07:10:00.000000000|up", "h2|2027-01-15 08:30:00.000000000|down",
                  "h4|2027-01-15 07:15:00.000000000|late"));
}

// Many segment rows between memory rows: the memory rows are sized for ahead, the
// segment rows appended past that room, and a memory row after them is stored in the
// columns as they now are. aa's disk row settles in memory; d00..d29's are only in
// segments; zz's only row is in memory but older than the eviction cutoff (written
// late), so it comes after the segments'.
TEST_F(LatestRowsTest, AMemoryRowAfterManySegmentRows) {
  const auto D = MeasureValueType::kDouble;
  std::vector<Record> disks;
  for (int i = 0; i < 30; ++i) {
    disks.push_back(Scalar(absl::StrCat("d", i / 10, i % 10), "eu", "disk", D, absl::StrCat(i),
                           kN + i * kSecondNanos));
  }
  Write(disks);
  clock_.Advance(120 * kMinuteNanos);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  Write({Scalar("aa", "eu", "disk", D, "0.5", kNow + 170 * kMinuteNanos)});
  clock_.Advance(-60 * kMinuteNanos);
  Write({Scalar("zz", "eu", "disk", D, "99.5", kNow + 65 * kMinuteNanos)});
  clock_.Advance(60 * kMinuteNanos);
  const std::vector<std::string> rows =
      InOrder(R"(SELECT host, max_by(measure_value::double, time) FROM "fleet"."metrics"
                 WHERE measure_name = 'disk' GROUP BY host ORDER BY host)");
  ASSERT_EQ(rows.size(), 32u);
  EXPECT_EQ(rows.front(), "aa|0.5");
  EXPECT_EQ(rows[30], "d29|29");
  EXPECT_EQ(rows.back(), "zz|99.5");
}

TEST_F(LatestRowsTest, AnUpsertedLatestRowIsItsNewVersion) {
  const auto D = MeasureValueType::kDouble;
  // In memory: h2's latest cpu row (08:30) again at Version 2.
  Write({Scalar("h2", "eu", "cpu", D, "17", kN, 2)});
  // In segments: h1's only status row (07:10), again at Version 2, now in memory too
  // (written at 08:00, inside the hour of memory retention).
  clock_.Advance(-60 * kMinuteNanos);
  Write({Scalar("h1", "eu", "status", MeasureValueType::kVarchar, "down", kB, 2)});
  clock_.Advance(60 * kMinuteNanos);
  EXPECT_THAT(BothWays(R"(SELECT host, max_by(measure_value::double, time) FROM "fleet"."metrics"
                          WHERE measure_name = 'cpu' GROUP BY host ORDER BY host)",
                       true),
              ElementsAre("h1|40", "h2|17", "h3|3"));
  EXPECT_THAT(BothWays(R"(SELECT host, max(time), max_by(measure_value::varchar, time)
                          FROM "fleet"."metrics" WHERE measure_name = 'status'
                          GROUP BY host ORDER BY host)",
                       true),
              ElementsAre("h1|2027-01-15 07:10:00.000000000|down",
                          "h2|2027-01-15 08:30:00.000000000|down"));
}

TEST_F(LatestRowsTest, AQueryReadingTwoDimensions) {
  // h3 has no region: a NULL dimension in the key and in max_by.
  EXPECT_THAT(BothWays(R"(SELECT host, region, max(time), max_by(measure_value::double, time)
                          FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                          GROUP BY host, region ORDER BY host)",
                       true),
              ElementsAre("h1|eu|2027-01-15 08:31:00.000000000|40",
                          "h2|eu|2027-01-15 08:30:00.000000000|15",
                          "h3|NULL|2027-01-15 08:30:00.000000000|3"));
  EXPECT_THAT(
      BothWays(R"(SELECT region, max_by(host, time), max(time) FROM "fleet"."metrics"
                          WHERE measure_name = 'cpu' AND host <> 'h1' GROUP BY region
                          ORDER BY region)",
               true),
      ElementsAre("eu|h2|2027-01-15 08:30:00.000000000", "NULL|h3|2027-01-15 08:30:00.000000000"));
}

TEST_F(LatestRowsTest, NullAttributesInTheLatestRow) {
  const auto D = MeasureValueType::kDouble;
  // The latest stats rows lack `temp` (h1, in memory) and `load` (h3, a new series).
  Write({Multi("h1", kN + 2 * kMinuteNanos, {{"note", "cold", MeasureValueType::kVarchar}}),
         Multi("h3", kN, {{"temp", "7.5", D}})});
  EXPECT_THAT(BothWays(R"(SELECT host, max(time), max_by(temp, time), max_by(load, time),
                          max_by(note, time)
                   FROM "fleet"."metrics" WHERE measure_name = 'stats'
                   GROUP BY host ORDER BY host)",
                       true),
              ElementsAre("h1|2027-01-15 08:32:00.000000000|NULL|NULL|cold",
                          "h2|2027-01-15 08:30:00.000000000|19|1|NULL",
                          "h3|2027-01-15 08:30:00.000000000|7.5|NULL|NULL"));
  // An attribute of another type than the column read, and a scalar measure's rows for
  // an attribute: NULL, not the other value.
  BothWays(R"(SELECT host, measure_name, max_by(temp, time), max_by(measure_value::double, time)
              FROM "fleet"."metrics" GROUP BY host, measure_name)",
           true);
}

// Memory rows of one scan are read through one resolved column shape while the next
// column has the same slots: series whose slots hold the same attributes in another
// order, or with one more, must each be read through their own.
TEST_F(LatestRowsTest, SeriesWithTheSameAttributesInOtherSlotOrders) {
  const auto D = MeasureValueType::kDouble;
  Write({Multi("p1", kN, {{"a", "1.5", D}, {"b", "2.5", D}}),
         Multi("p2", kN, {{"b", "20.5", D}, {"a", "10.5", D}}),
         Multi("p3", kN, {{"a", "100.5", D}, {"b", "200.5", D}}),
         Multi("p4", kN, {{"c", "9.5", D}, {"a", "7.5", D}, {"b", "8.5", D}}),
         Multi("p5", kN, {{"a", "1000.5", D}, {"b", "2000.5", D}})});
  const std::vector<std::string> rows =
      InOrder(R"(SELECT host, max_by(a, time), max_by(b, time) FROM "fleet"."metrics"
                 WHERE measure_name = 'stats' GROUP BY host ORDER BY host)");
  EXPECT_THAT(std::vector<std::string>(rows.end() - 5, rows.end()),
              ElementsAre("p1|1.5|2.5", "p2|10.5|20.5", "p3|100.5|200.5", "p4|7.5|8.5",
                          "p5|1000.5|2000.5"));
}

TEST_F(LatestRowsTest, TwoSeriesSharingAHostnameAreOneGroup) {
  const auto D = MeasureValueType::kDouble;
  // h2 gets a second series (region us) whose latest row is later than eu's; h3 one
  // (region eu) whose latest row is earlier than its own series'.
  Write({Scalar("h2", "us", "cpu", D, "99", kN + 5 * kMinuteNanos),
         Scalar("h3", "eu", "cpu", D, "98", kN - kMinuteNanos)});
  EXPECT_THAT(
      BothWays(R"(SELECT host, max(time), max_by(measure_value::double, time)
                  FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                  GROUP BY host ORDER BY host DESC)",
               true),
      ElementsAre("h3|2027-01-15 08:30:00.000000000|3", "h2|2027-01-15 08:35:00.000000000|99",
                  "h1|2027-01-15 08:31:00.000000000|40"));
  EXPECT_THAT(BothWays(R"(SELECT host, region, max_by(measure_value::double, time)
                          FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                          GROUP BY host, region ORDER BY host, region NULLS FIRST)",
                       true),
              ElementsAre("h1|eu|40", "h2|eu|15", "h2|us|99", "h3|NULL|3", "h3|eu|98"));
}

// A group key unique per latest row makes each row its own group (group_table.h): the
// answers in every order the output sorts them in, as the general path's.
TEST_F(LatestRowsTest, GroupsOfOneRowInEveryOrder) {
  const std::string cpu = R"( FROM "fleet"."metrics" WHERE measure_name = 'cpu' )";
  EXPECT_THAT(
      InOrder("SELECT host, max(time), max_by(measure_value::double, time) AS v" + cpu +
              "GROUP BY host ORDER BY v DESC"),
      ElementsAre("h1|2027-01-15 08:31:00.000000000|40", "h2|2027-01-15 08:30:00.000000000|15",
                  "h3|2027-01-15 08:30:00.000000000|3"));
  // Ordered by a value, not the key: the sink sorts the groups (they come by key).
  EXPECT_THAT(InOrder("SELECT host, max_by(measure_value::double, time) AS v" + cpu +
                      "GROUP BY host ORDER BY v"),
              ElementsAre("h3|3", "h2|15", "h1|40"));
  EXPECT_THAT(InOrder("SELECT host, max_by(measure_value::double, time)" + cpu +
                      "GROUP BY host ORDER BY host DESC LIMIT 2"),
              ElementsAre("h3|3", "h2|15"));
  // The sort key is not an output.
  EXPECT_THAT(InOrder("SELECT max_by(measure_value::double, time)" + cpu +
                      "GROUP BY host ORDER BY host DESC"),
              ElementsAre("3", "15", "40"));
  EXPECT_THAT(
      InOrder("SELECT host, max_by(measure_value::double, time) AS v" + cpu +
              "GROUP BY host HAVING max_by(measure_value::double, time) > 10 ORDER BY host"),
      ElementsAre("h1|40", "h2|15"));
  // A scan per host (the IN list): the first chunk held, then consumed with the second.
  EXPECT_THAT(InOrder("SELECT host, max_by(measure_value::double, time)" + cpu +
                      "AND host IN ('h3', 'h1') GROUP BY host ORDER BY host"),
              ElementsAre("h1|40", "h3|3"));
  // A NULL key (h3 has no region) as one of the groups, first or last.
  const std::string by_region =
      "SELECT region, max_by(host, time), max(time)" + cpu + "AND host <> 'h1' GROUP BY region ";
  EXPECT_THAT(
      InOrder(by_region + "ORDER BY region NULLS FIRST"),
      ElementsAre("NULL|h3|2027-01-15 08:30:00.000000000", "eu|h2|2027-01-15 08:30:00.000000000"));
  EXPECT_THAT(
      InOrder(by_region + "ORDER BY region DESC"),
      ElementsAre("eu|h2|2027-01-15 08:30:00.000000000", "NULL|h3|2027-01-15 08:30:00.000000000"));
  EXPECT_THAT(
      InOrder(by_region + "ORDER BY region DESC NULLS FIRST"),
      ElementsAre("NULL|h3|2027-01-15 08:30:00.000000000", "eu|h2|2027-01-15 08:30:00.000000000"));
  // A key computed from a dimension, and one that is unique over a subset only.
  EXPECT_THAT(InOrder("SELECT host = 'h2' AS k, max_by(host, time)" + cpu +
                      "AND host <> 'h1' GROUP BY host = 'h2' ORDER BY k"),
              ElementsAre("false|h3", "true|h2"));
  EXPECT_THAT(InOrder("SELECT host = 'h2' AS k, max_by(host, time)" + cpu +
                      "GROUP BY host = 'h2' ORDER BY k"),
              ElementsAre("false|h1", "true|h2"));
}

// Groups of one row are found by sorting the keys (each unlike the next): many keys whose
// first 16 bytes are equal, in both orders, then with one key shared by two series.
TEST_F(LatestRowsTest, ManyKeysSharingALongPrefix) {
  const auto D = MeasureValueType::kDouble;
  std::vector<Record> records;
  for (int i = 0; i < 40; ++i) {
    records.push_back(Scalar(absl::StrCat("rack-0001-host-", i % 2 == 0 ? "a" : "b", 90 - i), "eu",
                             "disk", D, absl::StrCat(i), kN + i * kMinuteNanos / 60));
  }
  Write(records);
  const std::string sql = R"(SELECT host, max(time), max_by(measure_value::double, time)
                             FROM "fleet"."metrics" WHERE measure_name = 'disk' GROUP BY host
                             ORDER BY host)";
  const std::vector<std::string> ascending = InOrder(sql);
  ASSERT_EQ(ascending.size(), 40u);
  EXPECT_EQ(ascending.front(), "rack-0001-host-a52|2027-01-15 08:30:38.000000000|38");
  EXPECT_EQ(ascending.back(), "rack-0001-host-b89|2027-01-15 08:30:01.000000000|1");
  std::vector<std::string> descending = InOrder(sql + " DESC");
  std::reverse(descending.begin(), descending.end());
  EXPECT_EQ(descending, ascending);
  // rack-0001-host-a70 (i = 20) gains a later row in a second series: one group of two
  // keys, its latest row the new one.
  Write({Scalar("rack-0001-host-a70", "us", "disk", D, "99", kN + kMinuteNanos)});
  const std::vector<std::string> shared = InOrder(sql);
  ASSERT_EQ(shared.size(), 40u);
  EXPECT_EQ(std::count(shared.begin(), shared.end(),
                       "rack-0001-host-a70|2027-01-15 08:31:00.000000000|99"),
            1);
  std::vector<std::string> shared_descending = InOrder(sql + " DESC");
  std::reverse(shared_descending.begin(), shared_descending.end());
  EXPECT_EQ(shared_descending, shared);
}

// Memory rows whose slots are all 8 bytes wide (full-precision doubles, large integers)
// are read straight from their slots' arrays (LatestColumnsBuilder::AddMemory): with many
// rows a chunk, a slot's cell of the latest row lies slot * capacity + row on.
TEST_F(LatestRowsTest, LatestRowsOfChunksWhoseSlotsAreAllWide) {
  const auto D = MeasureValueType::kDouble;
  for (int h = 0; h < 3; ++h) {
    std::vector<Record> records;
    for (int i = 0; i < 40; ++i) {
      // Every digit written (StrCat's six would be a short decimal, 4 bytes wide).
      const auto digits = [](double v) {
        char text[40];
        std::snprintf(text, sizeof(text), "%.17g", v);
        return std::string(text);
      };
      const double x = (h * 100 + i + 1) / 3.0;
      Record r = Multi(
          absl::StrCat("w", h), kN + i * kSecondNanos,
          {{"wa", digits(x), D},
           {"wb", digits(x / 7), D},
           {"wc", absl::StrCat(int64_t{1} << 40 | (h * 100 + i)), MeasureValueType::kBigint}});
      r.measure_name = "wide";
      records.push_back(std::move(r));
    }
    Write(records);
  }
  const std::vector<std::string> rows = InOrder(
      R"(SELECT host, max_by(wc, time), max(time), max_by(wb, time), max_by(wa, time)
         FROM "fleet"."metrics" WHERE measure_name = 'wide' GROUP BY host ORDER BY host)");
  ASSERT_EQ(rows.size(), 3u);
  for (int h = 0; h < 3; ++h) {
    EXPECT_THAT(rows[h], ::testing::StartsWith(
                             absl::StrCat("w", h, "|", int64_t{1} << 40 | (h * 100 + 39), "|")));
  }
}

TEST_F(LatestRowsTest, TwoNullKeysAreOneGroup) {
  // h4, like h3, has no region; its cpu row is later than h3's.
  Write({Scalar("h4", "", "cpu", MeasureValueType::kDouble, "44", kN + 2 * kMinuteNanos)});
  EXPECT_THAT(
      InOrder(R"(SELECT region, max_by(host, time), max(time) FROM "fleet"."metrics"
                         WHERE measure_name = 'cpu' AND host <> 'h1' GROUP BY region
                         ORDER BY region)"),
      ElementsAre("eu|h2|2027-01-15 08:30:00.000000000", "NULL|h4|2027-01-15 08:32:00.000000000"));
  // The same key from a series in memory and one in both tiers.
  EXPECT_THAT(InOrder(R"(SELECT region, max_by(measure_value::double, time) FROM "fleet"."metrics"
                         WHERE measure_name = 'cpu' GROUP BY region ORDER BY region)"),
              ElementsAre("eu|40", "NULL|44"));
}

TEST_F(LatestRowsTest, ACachedPlanIsReboundWhenADimensionAppears) {
  const std::string sql = R"(SELECT host, region, max(time), max_by(measure_value::double, time)
                             FROM "fleet"."metrics" WHERE measure_name = 'cpu'
                             GROUP BY host, region ORDER BY host)";
  const std::vector<std::string> before = BothWays(sql, true);
  // `rack` comes before `region` by name and takes an input slot of its own: a plan bound
  // before it would read the wrong slots.
  Record racked = Scalar("h4", "us", "cpu", MeasureValueType::kDouble, "8", kN);
  racked.dimensions.insert(racked.dimensions.begin() + 1, {"rack", "r1"});
  Write({racked});
  std::vector<std::string> after = before;
  after.push_back("h4|us|2027-01-15 08:30:00.000000000|8");
  EXPECT_EQ(BothWays(sql, true), after);
  EXPECT_THAT(BothWays(R"(SELECT rack, max_by(host, time) FROM "fleet"."metrics"
                          WHERE measure_name = 'cpu' GROUP BY rack ORDER BY rack)",
                       true),
              ElementsAre("r1|h4", "NULL|h1"));
}

TEST_F(LatestRowsTest, OtherShapesReadEveryRow) {
  for (const char* sql : {
           R"(SELECT host, min(time) FROM "fleet"."metrics" GROUP BY host)",
           R"(SELECT host, max(time), count(*) FROM "fleet"."metrics" GROUP BY host)",
           R"(SELECT host, max(measure_value::double) FROM "fleet"."metrics" GROUP BY host)",
           R"(SELECT host, max_by(measure_value::double, measure_value::double)
              FROM "fleet"."metrics" GROUP BY host)",
           R"(SELECT bin(time, 1h), max(time) FROM "fleet"."metrics" GROUP BY bin(time, 1h))",
           R"(SELECT host, max(time) FROM "fleet"."metrics"
              WHERE measure_value::double > 4 GROUP BY host)",
           R"(SELECT host, max(time) FROM "fleet"."metrics"
              WHERE host = 'h1' OR time < from_milliseconds(1800000000000) GROUP BY host)",
           R"(SELECT host, time FROM "fleet"."metrics" ORDER BY time DESC LIMIT 1)",
       }) {
    BothWays(sql, false);
  }
}

}  // namespace
}  // namespace tsw::testing
