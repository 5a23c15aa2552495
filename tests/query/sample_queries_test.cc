// The Timestream developer guide's sample queries that fall inside the subset (the "Simple
// queries", "Queries with aggregate functions" and DevOps pages), each on a small table of
// our own shaped like the guide's (EC2 host metrics; a truck fleet's single-measure and
// multi-measure records), with answers worked out by hand. Answers are compared as the
// service's text (Datum::scalar_value), so TIMESTAMPs read "2019-12-05 10:30:00.000000000";
// DOUBLEs as 15 significant digits ("40", "925.2").
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/query/query_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/fault_env.h"
#include "tsw/clock.h"
#include "tsw/engine.h"

namespace tsw::testing {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
// 2019-12-05 00:00:00 UTC.
constexpr int64_t kDec5 = int64_t{1575504000} * kSecond;
constexpr int64_t kDec4 = kDec5 - 24 * kHour;
// now(): 2019-12-05 12:04:30.123456789.
constexpr int64_t kNow = kDec5 + 12 * kHour + 4 * kMinute + 30 * kSecond + 123456789;

struct Answer {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  // The values of column `name`, in row order.
  std::vector<std::string> Column(const std::string& name) const {
    std::vector<std::string> out;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c] != name) continue;
      for (const auto& row : rows) out.push_back(row[c]);
    }
    return out;
  }
  // Each row's values joined by "|".
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(absl::StrJoin(row, "|"));
    return out;
  }
};

class SampleQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.clock = &clock_;
    options.env = &env_;
    options.background_maintenance = false;
    options.report = [](std::string_view) {};
    auto engine = Engine::Open("/data", options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    for (const char* db : {"devops", "iot"}) {
      ASSERT_TRUE(engine_->CreateDatabase({.database_name = db}).ok());
    }
    for (auto [db, table] : {std::pair{"devops", "host_metrics"}, std::pair{"iot", "trucks"},
                             std::pair{"iot", "trucks_multi"}}) {
      CreateTableRequest create{.database_name = db, .table_name = table};
      create.retention_properties = RetentionProperties{48, 365};
      ASSERT_TRUE(engine_->CreateTable(create).ok());
    }
    WriteHostMetrics();
    WriteTrucks();
  }

  void Write(const std::string& db, const std::string& table, std::vector<Record> records) {
    WriteRecordsRequest request{.database_name = db, .table_name = table};
    request.records = std::move(records);
    auto written = engine_->WriteRecords(request);
    ASSERT_TRUE(written.ok()) << written.status();
  }

  static Record Scalar(std::vector<Dimension> dims, std::string measure, MeasureValueType type,
                       std::string value, int64_t time) {
    Record r;
    r.dimensions = std::move(dims);
    r.measure_name = std::move(measure);
    r.measure_value_type = type;
    r.measure_value = std::move(value);
    r.time = absl::StrCat(time);
    r.time_unit = TimeUnit::kNanoseconds;
    return r;
  }

  // Three EC2 hosts in us-east-1: cpu_utilization at 10:30, 10:31, 10:35:30 and 10:37 on
  // 2019-12-05; memory and network figures at 10:30.
  void WriteHostMetrics() {
    const auto D = MeasureValueType::kDouble, B = MeasureValueType::kBigint;
    const std::vector<std::string> hosts = {"frontend01", "frontend02", "frontend03"};
    const std::vector<std::string> zones = {"us-east-1a", "us-east-1b", "us-east-1c"};
    const std::vector<std::vector<std::string>> cpu = {{"35.1", "38.3", "40", "44.2"},
                                                       {"38.5", "39", "61.5", "60.1"},
                                                       {"45.0", "47.5", "52", "90.3"}};
    const int64_t t0 = kDec5 + 10 * kHour + 30 * kMinute;
    const int64_t times[] = {t0, t0 + kMinute, t0 + 5 * kMinute + 30 * kSecond, t0 + 7 * kMinute};
    const std::vector<std::string> mem = {"55.3", "58.4", "65.8"};
    const std::vector<std::string> in = {"1500", "23000", "15000"};
    const std::vector<std::string> out = {"6700", "12000", "836000"};
    std::vector<Record> records;
    for (size_t h = 0; h < hosts.size(); ++h) {
      const std::vector<Dimension> dims = {
          {"region", "us-east-1"}, {"az", zones[h]}, {"hostname", hosts[h]}};
      for (int k = 0; k < 4; ++k) {
        records.push_back(Scalar(dims, "cpu_utilization", D, cpu[h][k], times[k]));
      }
      records.push_back(Scalar(dims, "memory_utilization", D, mem[h], t0));
      records.push_back(Scalar(dims, "network_bytes_in", B, in[h], t0));
      records.push_back(Scalar(dims, "network_bytes_out", B, out[h], t0));
    }
    Write("devops", "host_metrics", records);
  }

  // Three trucks: load and speed at 19:00 and 20:00 on 2019-12-04 and 09:00 on 2019-12-05,
  // fuel at 19:00, location at 19:00 and 20:00; the same readings as MULTI records.
  void WriteTrucks() {
    const auto D = MeasureValueType::kDouble, V = MeasureValueType::kVarchar;
    struct Truck {
      std::vector<Dimension> dims;
      std::vector<std::string> load, speed, location;
      std::string fuel;
    };
    auto dims = [](std::string id, std::string make, std::string model, std::string fleet,
                   std::string fuel, std::string load) {
      return std::vector<Dimension>{{"truck_id", id},        {"make", make},
                                    {"model", model},        {"fleet", fleet},
                                    {"fuel_capacity", fuel}, {"load_capacity", load}};
    };
    const std::vector<Truck> trucks = {
        {dims("123456781", "GMC", "Astro", "Alpha", "100", "500"),
         {"400", "420", "380"},
         {"90.2", "85", "70.5"},
         {"47.6062 N, 122.3321 W", "47.6101 N, 122.2015 W"},
         "65.2"},
        {dims("123456782", "Kenworth", "W900", "Alpha", "150", "1000"),
         {"950.3", "900.1", "800"},
         {"50.8", "55.2", "60"},
         {"40.7128 N, 74.0060 W", "40.7306 N, 73.9352 W"},
         "10.1"},
        {dims("123456783", "Freightliner", "Cascadia", "Bravo", "180", "1500"),
         {"1200", "1300", "1000.5"},
         {"40", "45.5", "42"},
         {"49.2827 N, 123.1207 W", "49.2488 N, 122.9805 W"},
         "30.0"},
    };
    const int64_t times[] = {kDec4 + 19 * kHour, kDec4 + 20 * kHour, kDec5 + 9 * kHour};
    std::vector<Record> single, multi;
    for (const Truck& t : trucks) {
      for (int k = 0; k < 3; ++k) {
        single.push_back(Scalar(t.dims, "load", D, t.load[k], times[k]));
        single.push_back(Scalar(t.dims, "speed", D, t.speed[k], times[k]));
        Record m = Scalar(t.dims, "IoTMulti-stats", MeasureValueType::kMulti, "", times[k]);
        m.measure_value.reset();
        m.measure_values = {{"load", t.load[k], D}, {"speed", t.speed[k], D}};
        multi.push_back(m);
      }
      for (int k = 0; k < 2; ++k) {
        single.push_back(Scalar(t.dims, "location", V, t.location[k], times[k]));
      }
      single.push_back(Scalar(t.dims, "fuel_reading", D, t.fuel, times[0]));
    }
    Write("iot", "trucks", single);
    Write("iot", "trucks_multi", multi);
  }

  Answer Run(const std::string& sql) {
    Answer answer;
    bool first = true;
    absl::Status s = engine_->QueryStream(sql, [&](const QueryBatch& batch) {
      if (first) {
        for (const QueryColumn& c : batch.columns) answer.columns.push_back(c.name);
        first = false;
      }
      for (int64_t r = 0; r < batch.num_rows; ++r) {
        std::vector<std::string> row;
        for (const QueryColumn& c : batch.columns) {
          // DOUBLEs to 15 significant digits: the answers are worked out in decimal.
          const bool present = c.present.empty() || c.present[r] != 0;
          row.push_back(c.type == ScalarType::kDouble && present
                            ? absl::StrFormat("%.15g", c.doubles[r])
                            : query::FormatValue(c, static_cast<size_t>(r)).value_or("NULL"));
        }
        answer.rows.push_back(std::move(row));
      }
      return true;
    });
    EXPECT_TRUE(s.ok()) << sql << ": " << s;
    return answer;
  }

  ManualClock clock_{kNow};
  FaultEnv env_;
  std::unique_ptr<Engine> engine_;
};

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

TEST_F(SampleQueriesTest, TenMostRecentPointsComeNewestFirst) {
  const Answer a = Run("SELECT * FROM devops.host_metrics ORDER BY time DESC LIMIT 10");
  EXPECT_THAT(a.columns,
              ::testing::IsSupersetOf({"region", "az", "hostname", "measure_name", "time",
                                       "measure_value::double", "measure_value::bigint"}));
  EXPECT_THAT(a.Column("time"),
              ElementsAre("2019-12-05 10:37:00.000000000", "2019-12-05 10:37:00.000000000",
                          "2019-12-05 10:37:00.000000000", "2019-12-05 10:35:30.000000000",
                          "2019-12-05 10:35:30.000000000", "2019-12-05 10:35:30.000000000",
                          "2019-12-05 10:31:00.000000000", "2019-12-05 10:31:00.000000000",
                          "2019-12-05 10:31:00.000000000", "2019-12-05 10:30:00.000000000"));
  EXPECT_THAT(a.Column("measure_value::double"),
              UnorderedElementsAre("44.2", "60.1", "90.3", "40", "61.5", "52", "38.3", "39", "47.5",
                                   ::testing::_));
}

TEST_F(SampleQueriesTest, FiveOldestPointsOfOneMeasure) {
  const Answer a =
      Run("SELECT * FROM devops.host_metrics WHERE measure_name = 'cpu_utilization' "
          "ORDER BY time ASC LIMIT 5");
  EXPECT_THAT(a.Column("time"),
              ElementsAre("2019-12-05 10:30:00.000000000", "2019-12-05 10:30:00.000000000",
                          "2019-12-05 10:30:00.000000000", "2019-12-05 10:31:00.000000000",
                          "2019-12-05 10:31:00.000000000"));
  EXPECT_THAT(a.Column("measure_name"), ::testing::Each("cpu_utilization"));
}

// The guide's query has no FROM; the subset needs one (a SELECT of constants alone is
// refused), so it reads one row of a table and ignores it.
TEST_F(SampleQueriesTest, NowIntervalsAgoAndBinAtNanosecondGranularity) {
  const Answer a =
      Run("SELECT now() AS time_now, now() - (INTERVAL '12' HOUR) AS twelve_hour_earlier, "
          "now() - 12h AS also_twelve_hour_earlier, ago(12h) AS twelve_hours_ago, "
          "bin(now(), 10m) AS time_binned, ago(50ns) AS fifty_ns_ago, "
          "now() + (1h + 50ns) AS hour_fifty_ns_future FROM devops.host_metrics LIMIT 1");
  EXPECT_THAT(a.Lines(), ElementsAre(absl::StrJoin(
                             {"2019-12-05 12:04:30.123456789", "2019-12-05 00:04:30.123456789",
                              "2019-12-05 00:04:30.123456789", "2019-12-05 00:04:30.123456789",
                              "2019-12-05 12:00:00.000000000", "2019-12-05 12:04:30.123456739",
                              "2019-12-05 13:04:30.123456839"},
                             "|")));
}

TEST_F(SampleQueriesTest, MultiMeasureAttributeIsSelectedByName) {
  const Answer a = Run("SELECT speed FROM iot.trucks_multi WHERE measure_name = 'IoTMulti-stats'");
  EXPECT_THAT(a.Column("speed"),
              UnorderedElementsAre("90.2", "85", "70.5", "50.8", "55.2", "60", "40", "45.5", "42"));
}

TEST_F(SampleQueriesTest, SingleMeasureValueIsSelectedByType) {
  const Answer a = Run("SELECT measure_value::double FROM iot.trucks WHERE measure_name = 'load'");
  EXPECT_THAT(
      a.Column("measure_value::double"),
      UnorderedElementsAre("400", "420", "380", "950.3", "900.1", "800", "1200", "1300", "1000.5"));
}

TEST_F(SampleQueriesTest, AverageLoadAndMaxSpeedPerTruckPerDay) {
  const Answer a =
      Run("SELECT bin(time, 1d) AS binned_time, fleet, truck_id, make, model, "
          "AVG(CASE WHEN measure_name = 'load' THEN measure_value::double ELSE NULL END) "
          "AS avg_load_tons, "
          "MAX(CASE WHEN measure_name = 'speed' THEN measure_value::double ELSE NULL END) "
          "AS max_speed_mph "
          "FROM iot.trucks WHERE time >= ago(7d) AND measure_name IN ('load', 'speed') "
          "GROUP BY fleet, truck_id, make, model, bin(time, 1d) ORDER BY truck_id, binned_time");
  EXPECT_THAT(a.Lines(),
              ElementsAre("2019-12-04 00:00:00.000000000|Alpha|123456781|GMC|Astro|410|90.2",
                          "2019-12-05 00:00:00.000000000|Alpha|123456781|GMC|Astro|380|70.5",
                          "2019-12-04 00:00:00.000000000|Alpha|123456782|Kenworth|W900|925.2|55.2",
                          "2019-12-05 00:00:00.000000000|Alpha|123456782|Kenworth|W900|800|60",
                          "2019-12-04 00:00:00.000000000|Bravo|123456783|Freightliner|Cascadia|"
                          "1250|45.5",
                          "2019-12-05 00:00:00.000000000|Bravo|123456783|Freightliner|Cascadia|"
                          "1000.5|42"));
}

TEST_F(SampleQueriesTest, LatestLocationOfEachTruck) {
  const Answer a =
      Run("SELECT truck_id, max_by(measure_value::varchar, time) AS last_location, "
          "max(time) AS last_time FROM iot.trucks WHERE measure_name = 'location' "
          "GROUP BY truck_id ORDER BY truck_id");
  EXPECT_THAT(a.Lines(),
              ElementsAre("123456781|47.6101 N, 122.2015 W|2019-12-04 20:00:00.000000000",
                          "123456782|40.7306 N, 73.9352 W|2019-12-04 20:00:00.000000000",
                          "123456783|49.2488 N, 122.9805 W|2019-12-04 20:00:00.000000000"));
}

TEST_F(SampleQueriesTest, AverageCpuPerFiveMinutesOfOneHostOverTwoHours) {
  const Answer a =
      Run("SELECT BIN(time, 5m) AS binned_timestamp, "
          "ROUND(AVG(measure_value::double), 2) AS avg_cpu_utilization, hostname "
          "FROM devops.host_metrics WHERE measure_name = 'cpu_utilization' "
          "AND hostname = 'frontend01' AND time > ago(2h) "
          "GROUP BY hostname, BIN(time, 5m) ORDER BY binned_timestamp ASC");
  EXPECT_THAT(a.Lines(), ElementsAre("2019-12-05 10:30:00.000000000|36.7|frontend01",
                                     "2019-12-05 10:35:00.000000000|42.1|frontend01"));
}

TEST_F(SampleQueriesTest, HostsWhoseAverageCpuIsAboveAThreshold) {
  const Answer a =
      Run("SELECT hostname, ROUND(AVG(measure_value::double), 3) AS avg_cpu, count(*) AS readings "
          "FROM devops.host_metrics WHERE measure_name = 'cpu_utilization' "
          "GROUP BY hostname HAVING AVG(measure_value::double) > 45 ORDER BY avg_cpu DESC");
  EXPECT_THAT(a.Lines(), ElementsAre("frontend03|58.7|4", "frontend02|49.775|4"));
}

TEST_F(SampleQueriesTest, NetworkBytesInPerRegion) {
  const Answer a =
      Run("SELECT region, SUM(measure_value::bigint) AS bytes_in, MAX(measure_value::bigint) AS "
          "busiest FROM devops.host_metrics WHERE measure_name = 'network_bytes_in' "
          "GROUP BY region");
  EXPECT_THAT(a.Lines(), ElementsAre("us-east-1|39500|23000"));
}

}  // namespace
}  // namespace tsw::testing
