// The tsw bench record generator: determinism, the workloads' shapes, and the requested
// out-of-order and upsert fractions.
#include "tools/bench/workload.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/wire/api_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tsw::bench {
namespace {

using ::testing::ElementsAre;

WorkloadOptions Options(WorkloadKind kind, bool multi) {
  WorkloadOptions o;
  o.kind = kind;
  o.series = 10;
  o.multi = multi;
  o.seed = 7;
  o.start_millis = 1700000000000;
  return o;
}

// The first `n` records of series `s`, as the JSON an SDK would send.
std::vector<std::string> Records(const WorkloadOptions& o, int64_t s, int n) {
  SeriesGenerator gen(o, s);
  std::vector<std::string> out;
  WriteRecordsRequest request{.database_name = "d", .table_name = "t"};
  request.records.resize(1);
  RecordSpec spec;
  for (int i = 0; i < n && gen.Next(&spec); ++i) {
    gen.Fill(spec, &request.records[0]);
    out.push_back(apijson::ToJson(request));
  }
  return out;
}

std::vector<RecordSpec> Specs(const WorkloadOptions& o, int64_t s, int n) {
  SeriesGenerator gen(o, s);
  std::vector<RecordSpec> out(n);
  for (RecordSpec& spec : out) EXPECT_TRUE(gen.Next(&spec));
  return out;
}

TEST(WorkloadTest, TheSameSeedGivesTheSameRecords) {
  for (WorkloadKind kind : {WorkloadKind::kDevops, WorkloadKind::kIot}) {
    WorkloadOptions o = Options(kind, false);
    o.out_of_order = 0.1;
    o.upserts = 0.1;
    EXPECT_EQ(Records(o, 3, 3000), Records(o, 3, 3000));
    WorkloadOptions other_seed = o;
    other_seed.seed = 8;
    EXPECT_NE(Records(o, 3, 300), Records(other_seed, 3, 300));
    EXPECT_NE(Records(o, 3, 300), Records(o, 4, 300));
  }
}

TEST(WorkloadTest, ASeriesStreamDoesNotDependOnTheNumberOfSeries) {
  WorkloadOptions o = Options(WorkloadKind::kDevops, true);
  WorkloadOptions more = o;
  more.series = 1000;
  EXPECT_EQ(Records(o, 2, 500), Records(more, 2, 500));
}

TEST(WorkloadTest, RecordBudgetsSplitTheTotalEvenly) {
  WorkloadOptions o = Options(WorkloadKind::kDevops, false);
  o.series = 7;
  int64_t sum = 0;
  for (int64_t s = 0; s < o.series; ++s) {
    sum += RecordBudget(o, 2000, s);
    EXPECT_GE(RecordBudget(o, 2000, s), 2000 / 7);
    EXPECT_LE(RecordBudget(o, 2000, s), 2000 / 7 + 1);
  }
  EXPECT_EQ(sum, 2000);
}

TEST(WorkloadTest, DevopsHasTheTenCpuTagsAndTenUsageFieldsEveryTenSeconds) {
  const std::vector<std::string> kFields = {
      "usage_user", "usage_system",  "usage_idle",  "usage_nice",  "usage_iowait",
      "usage_irq",  "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"};
  WorkloadOptions o = Options(WorkloadKind::kDevops, false);
  SeriesGenerator gen(o, 5);
  std::vector<std::string> tags;
  for (const Dimension& d : gen.dimensions()) tags.push_back(d.name);
  EXPECT_THAT(tags, ElementsAre("hostname", "region", "datacenter", "rack", "os", "arch", "team",
                                "service", "service_version", "service_environment"));
  EXPECT_EQ(gen.dimensions()[0].value, "host_5");
  Record r;
  RecordSpec spec;
  for (int step = 0; step < 3; ++step) {
    for (const std::string& field : kFields) {
      ASSERT_TRUE(gen.Next(&spec));
      gen.Fill(spec, &r);
      EXPECT_EQ(r.measure_name, field);
      EXPECT_EQ(r.measure_value_type, MeasureValueType::kDouble);
      EXPECT_EQ(r.time, std::to_string(o.start_millis + step * 10000));
      EXPECT_EQ(r.dimensions.size(), 10u);
      const double v = std::stod(*r.measure_value);
      EXPECT_GE(v, 0);
      EXPECT_LE(v, 100);
    }
  }
  WorkloadOptions multi = Options(WorkloadKind::kDevops, true);
  SeriesGenerator mgen(multi, 5);
  ASSERT_TRUE(mgen.Next(&spec));
  mgen.Fill(spec, &r);
  EXPECT_EQ(r.measure_name, "cpu");
  EXPECT_EQ(r.measure_value_type, MeasureValueType::kMulti);
  ASSERT_EQ(r.measure_values.size(), 10u);
  for (size_t f = 0; f < kFields.size(); ++f) EXPECT_EQ(r.measure_values[f].name, kFields[f]);
  EXPECT_EQ(RecordsPerStep(o), 10);
  EXPECT_EQ(RecordsPerStep(multi), 1);
}

TEST(WorkloadTest, IotTrucksSendReadingsAndDiagnostics) {
  WorkloadOptions o = Options(WorkloadKind::kIot, true);
  SeriesGenerator gen(o, 0);
  EXPECT_EQ(gen.dimensions()[0].name, "name");
  EXPECT_EQ(gen.dimensions()[0].value, "truck_0");
  Record r;
  RecordSpec spec;
  ASSERT_TRUE(gen.Next(&spec));
  gen.Fill(spec, &r);
  EXPECT_EQ(r.measure_name, "readings");
  EXPECT_EQ(r.measure_values.size(), 7u);
  ASSERT_TRUE(gen.Next(&spec));
  gen.Fill(spec, &r);
  EXPECT_EQ(r.measure_name, "diagnostics");
  ASSERT_EQ(r.measure_values.size(), 3u);
  EXPECT_EQ(r.measure_values[2].name, "status");
  EXPECT_EQ(r.measure_values[2].type, MeasureValueType::kBigint);
  EXPECT_EQ(RecordsPerStep(Options(WorkloadKind::kIot, false)), 10);
}

// Among new (Version 1) records, the share emitted after a later point of the same
// series and measure.
double OutOfOrderShare(const std::vector<RecordSpec>& specs) {
  std::map<std::pair<int, int>, int64_t> latest;
  int64_t late = 0, fresh = 0;
  for (const RecordSpec& s : specs) {
    if (s.version > 1) continue;
    ++fresh;
    int64_t& max_time = latest[{s.measurement, s.field}];
    if (s.time_millis < max_time) ++late;
    max_time = std::max(max_time, s.time_millis);
  }
  return static_cast<double>(late) / fresh;
}

TEST(WorkloadTest, TheRequestedOutOfOrderShareRoughlyHolds) {
  for (WorkloadKind kind : {WorkloadKind::kDevops, WorkloadKind::kIot}) {
    WorkloadOptions o = Options(kind, true);
    o.out_of_order = 0.2;
    EXPECT_NEAR(OutOfOrderShare(Specs(o, 1, 40000)), 0.2, 0.02);
    o.out_of_order = 0;
    EXPECT_EQ(OutOfOrderShare(Specs(o, 1, 5000)), 0);
  }
}

TEST(WorkloadTest, SomeIotPointsArriveMoreThanAnHourLate) {
  WorkloadOptions o = Options(WorkloadKind::kIot, true);
  o.out_of_order = 0.2;
  int64_t max_time = 0, late = 0;
  for (const RecordSpec& s : Specs(o, 1, 40000)) {
    if (s.time_millis + 3600 * 1000 <= max_time) ++late;
    max_time = std::max(max_time, s.time_millis);
  }
  EXPECT_GT(late, 100);
  EXPECT_LE(MaxLatenessMillis(o), 800 * o.interval_millis);
}

TEST(WorkloadTest, TheRequestedUpsertShareRoughlyHoldsAndEachUpsertRaisesTheVersion) {
  for (bool multi : {false, true}) {
    WorkloadOptions o = Options(WorkloadKind::kDevops, multi);
    o.upserts = 0.25;
    o.out_of_order = 0.1;
    std::map<std::tuple<int64_t, int, int>, int64_t> versions;
    int64_t upserts = 0;
    const std::vector<RecordSpec> specs = Specs(o, 2, 40000);
    for (const RecordSpec& s : specs) {
      int64_t& version = versions[{s.time_millis, s.measurement, s.field}];
      if (s.version > 1) {
        ++upserts;
        EXPECT_EQ(s.version, version + 1) << "an upsert follows its record, one version up";
      } else {
        EXPECT_EQ(version, 0) << "each new record once";
      }
      version = s.version;
    }
    EXPECT_NEAR(static_cast<double>(upserts) / specs.size(), 0.25, 0.02);
  }
}

TEST(WorkloadTest, AStreamEndsBeforeItsEndTime) {
  WorkloadOptions o = Options(WorkloadKind::kDevops, true);
  o.end_millis = o.start_millis + 5 * o.interval_millis;
  SeriesGenerator gen(o, 0);
  RecordSpec spec;
  int n = 0;
  while (gen.Next(&spec)) {
    EXPECT_LT(spec.time_millis, o.end_millis);
    ++n;
  }
  EXPECT_EQ(n, 5);
}

TEST(WorkloadTest, RejectsOutOfRangeOptions) {
  WorkloadOptions o;
  o.out_of_order = 1;
  EXPECT_FALSE(ValidateWorkload(o).ok());
  o = WorkloadOptions{};
  o.upserts = 0.95;
  EXPECT_FALSE(ValidateWorkload(o).ok());
  o = WorkloadOptions{};
  o.series = 0;
  EXPECT_FALSE(ValidateWorkload(o).ok());
  EXPECT_FALSE(ParseWorkloadKind("tpcc").ok());
}

}  // namespace
}  // namespace tsw::bench
