// ScanRequest::latest_only (engine/scan/latest_scanner.h): the latest row in range of each
// (series, measure), from memory, from the segments, or from both, checked against a full
// scan reduced to each key's last row.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tests/common/test_dir.h"
#include "tsw/engine.h"

namespace tsw::testing {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kStart = int64_t{1800000000} * kSecond;

// Per (series, measure): its last row as text (time, version, present values by name).
using Latest = std::map<std::string, std::string>;

std::string KeyOf(const ScanBatch& b) {
  std::vector<std::string> dims;
  for (const Dimension& d : b.dimensions) dims.push_back(absl::StrCat(d.name, "=", d.value));
  return absl::StrCat(absl::StrJoin(dims, ","), "/", b.measure_name);
}

std::string RowOf(const ScanBatch& b, size_t r) {
  std::map<std::string, std::string> values;  // Absent values are left out.
  for (const ScanColumn& c : b.columns) {
    if (!c.present.empty() && !c.present[r]) continue;
    switch (c.type) {
      case MeasureValueType::kDouble:
        values[c.name] = absl::StrCat(c.doubles[r]);
        break;
      case MeasureValueType::kVarchar:
        values[c.name] = c.strings[r];
        break;
      default:
        values[c.name] = absl::StrCat(c.ints[r]);
        break;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [name, value] : values) parts.push_back(absl::StrCat(name, ":", value));
  return absl::StrCat(b.time_nanos[r], " v", b.versions[r], " ", absl::StrJoin(parts, " "));
}

class LatestScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDirForThisTest("latest_scan_test");
    ASSERT_NO_FATAL_FAILURE(OpenEngine());
    ASSERT_TRUE(engine_->CreateDatabase({.database_name = "fleet"}).ok());
    CreateTableRequest table{.database_name = "fleet", .table_name = "metrics"};
    table.retention_properties = RetentionProperties{1, 30};  // 1 hour in memory.
    table.magnetic_store_write_properties = MagneticStoreWriteProperties{true, std::nullopt};
    ASSERT_TRUE(engine_->CreateTable(table).ok());
  }

  static Record Scalar(const std::string& host, const std::string& measure, double value,
                       int64_t time, int64_t version = 1) {
    Record r;
    r.dimensions = {{"host", host}};
    r.measure_name = measure;
    r.measure_value_type = MeasureValueType::kDouble;
    r.measure_value = absl::StrCat(value);
    r.time = absl::StrCat(time);
    r.time_unit = TimeUnit::kNanoseconds;
    r.version = version;
    return r;
  }

  // A MULTI record of `stats`; an empty `note` leaves that attribute out.
  static Record Multi(const std::string& host, double load, const std::string& note, int64_t time,
                      int64_t version = 1) {
    Record r = Scalar(host, "stats", 0, time, version);
    r.measure_value.reset();
    r.measure_value_type = MeasureValueType::kMulti;
    r.measure_values.push_back({"load", absl::StrCat(load), MeasureValueType::kDouble});
    if (!note.empty()) r.measure_values.push_back({"note", note, MeasureValueType::kVarchar});
    return r;
  }

  // Writes each record on its own (a rejected one does not hold the others back).
  void Write(const std::vector<Record>& records) {
    for (const Record& r : records) {
      WriteRecordsRequest request{.database_name = "fleet", .table_name = "metrics"};
      request.records = {r};
      engine_->WriteRecords(request).IgnoreError();
    }
  }

  // Closes the engine and opens it again on the same directory: memory then holds only
  // what the log replays, the segments what was evicted.
  void Reopen() {
    engine_.reset();
    ASSERT_NO_FATAL_FAILURE(OpenEngine());
  }

  void OpenEngine() {
    Options options;
    options.clock = &clock_;
    options.background_maintenance = false;
    auto engine = Engine::Open(dir_, options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  ScanRequest Request(int64_t start = INT64_MIN, int64_t end = INT64_MAX) {
    ScanRequest request{.database_name = "fleet", .table_name = "metrics"};
    request.start_time_nanos = start;
    request.end_time_nanos = end;
    return request;
  }

  // The latest_only scan of `request`; checks each key comes once, in a one-row batch.
  Latest ScanLatest(ScanRequest request) {
    request.latest_only = true;
    Latest latest;
    EXPECT_TRUE(engine_
                    ->Scan(request,
                           [&](const ScanBatch& b) {
                             EXPECT_EQ(b.time_nanos.size(), 1u);
                             EXPECT_TRUE(latest.emplace(KeyOf(b), RowOf(b, 0)).second) << KeyOf(b);
                             return true;
                           })
                    .ok());
    return latest;
  }

  // The full scan of `request`, reduced to each key's last row.
  Latest ScanAllReduced(ScanRequest request) {
    Latest latest;
    EXPECT_TRUE(engine_
                    ->Scan(request,
                           [&](const ScanBatch& b) {
                             if (!b.time_nanos.empty()) {
                               latest[KeyOf(b)] = RowOf(b, b.time_nanos.size() - 1);
                             }
                             return true;
                           })
                    .ok());
    return latest;
  }

  void ExpectSameAsFullScan(int64_t start, int64_t end) {
    EXPECT_EQ(ScanLatest(Request(start, end)), ScanAllReduced(Request(start, end)))
        << "range [" << start << ", " << end << ")";
  }

  std::string dir_;
  ManualClock clock_{kStart};
  std::unique_ptr<Engine> engine_;
};

TEST_F(LatestScanTest, ReturnsTheLastMemoryRowOfEachSeriesAndMeasure) {
  Write({Scalar("a", "cpu", 1, kStart - 3 * kMinute), Scalar("a", "cpu", 2, kStart - 2 * kMinute),
         Scalar("a", "mem", 7, kStart - 3 * kMinute), Scalar("b", "cpu", 5, kStart - kMinute),
         Multi("a", 0.5, "warm", kStart - 2 * kMinute), Multi("a", 0.7, "", kStart - kMinute)});
  const Latest latest = ScanLatest(Request());
  EXPECT_EQ(latest, (Latest{{"host=a/cpu", absl::StrCat(kStart - 2 * kMinute, " v1 cpu:2")},
                            {"host=a/mem", absl::StrCat(kStart - 3 * kMinute, " v1 mem:7")},
                            {"host=a/stats", absl::StrCat(kStart - kMinute, " v1 load:0.7")},
                            {"host=b/cpu", absl::StrCat(kStart - kMinute, " v1 cpu:5")}}));
  // A range ending before a key's latest row gives the one before; a key without a row in
  // range is left out.
  const Latest earlier = ScanLatest(Request(INT64_MIN, kStart - 2 * kMinute));
  EXPECT_EQ(earlier, (Latest{{"host=a/cpu", absl::StrCat(kStart - 3 * kMinute, " v1 cpu:1")},
                             {"host=a/mem", absl::StrCat(kStart - 3 * kMinute, " v1 mem:7")}}));
  ScanRequest only_cpu = Request();
  only_cpu.measure_names = {"cpu"};
  only_cpu.dimension_filters = {{"host", "b"}};
  EXPECT_EQ(ScanLatest(only_cpu).size(), 1u);
}

TEST_F(LatestScanTest, FindsALatestRowThatIsOnlyInSegments) {
  Write({Scalar("old", "cpu", 1, kStart - 20 * kMinute),
         Scalar("old", "cpu", 2, kStart - 10 * kMinute),
         Scalar("new", "cpu", 3, kStart - 10 * kMinute)});
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  Write({Scalar("new", "cpu", 4, kStart + kHour + 30 * kMinute)});
  const Latest latest = ScanLatest(Request());
  EXPECT_EQ(latest,
            (Latest{{"host=old/cpu", absl::StrCat(kStart - 10 * kMinute, " v1 cpu:2")},
                    {"host=new/cpu", absl::StrCat(kStart + kHour + 30 * kMinute, " v1 cpu:4")}}));
  EXPECT_EQ(ScanLatest(Request(INT64_MIN, kStart - 10 * kMinute)),
            (Latest{{"host=old/cpu", absl::StrCat(kStart - 20 * kMinute, " v1 cpu:1")}}));
  ExpectSameAsFullScan(INT64_MIN, INT64_MAX);
}

TEST_F(LatestScanTest, AnUpsertedLatestRowWinsInEitherTier) {
  Write(
      {Scalar("a", "cpu", 1, kStart - 10 * kMinute), Scalar("b", "cpu", 1, kStart - 10 * kMinute)});
  Write({Scalar("a", "cpu", 9, kStart - 10 * kMinute, 2)});
  EXPECT_EQ(ScanLatest(Request())["host=a/cpu"], absl::StrCat(kStart - 10 * kMinute, " v2 cpu:9"));
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  // An upsert of an evicted row: memory holds the new Version, the segment the old one.
  Write({Scalar("b", "cpu", 8, kStart - 10 * kMinute, 3)});
  const Latest latest = ScanLatest(Request());
  EXPECT_EQ(latest.at("host=a/cpu"), absl::StrCat(kStart - 10 * kMinute, " v2 cpu:9"));
  EXPECT_EQ(latest.at("host=b/cpu"), absl::StrCat(kStart - 10 * kMinute, " v3 cpu:8"));
  ExpectSameAsFullScan(INT64_MIN, INT64_MAX);
}

TEST_F(LatestScanTest, ALateWriteInMemoryDoesNotHideALaterSegmentRow) {
  Write({Scalar("a", "cpu", 1, kStart - 10 * kMinute)});
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  // A magnetic-store write older than the segment's row: memory's only row of the key.
  Write({Scalar("a", "cpu", 2, kStart - 50 * kMinute)});
  EXPECT_EQ(ScanLatest(Request()).at("host=a/cpu"),
            absl::StrCat(kStart - 10 * kMinute, " v1 cpu:1"));
  EXPECT_EQ(ScanLatest(Request(INT64_MIN, kStart - 10 * kMinute)).at("host=a/cpu"),
            absl::StrCat(kStart - 50 * kMinute, " v1 cpu:2"));
  ExpectSameAsFullScan(INT64_MIN, INT64_MAX);
}

TEST_F(LatestScanTest, MultiRowsKeepTheirAbsentAttributesAbsent) {
  Write({Multi("a", 0.5, "warm", kStart - 30 * kMinute)});
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  Write({Multi("b", 0.5, "warm", kStart + kHour + 10 * kMinute),
         Multi("b", 0.6, "", kStart + kHour + 20 * kMinute)});
  const Latest latest = ScanLatest(Request());
  EXPECT_EQ(latest.at("host=a/stats"),
            absl::StrCat(kStart - 30 * kMinute, " v1 load:0.5 note:warm"));
  EXPECT_EQ(latest.at("host=b/stats"), absl::StrCat(kStart + kHour + 20 * kMinute, " v1 load:0.6"));
}

// A segment stream remembers its key's memory column from one latest scan to the next
// (latest_scanner.cc, ColumnOf): a key memory did not hold when it was remembered must
// be looked up again once memory holds it, and a remembered column must stay that key's.
TEST_F(LatestScanTest, RepeatedScansSeeKeysMemoryGainsBetweenThem) {
  Write({Scalar("a", "cpu", 1, kStart - 20 * kMinute), Scalar("b", "cpu", 2, kStart - 20 * kMinute),
         Scalar("c", "cpu", 3, kStart - 20 * kMinute)});
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  Reopen();  // The keys are now in the segments only.
  Write({Scalar("b", "cpu", 4, kStart + kHour + 10 * kMinute)});
  const std::string old_a = absl::StrCat(kStart - 20 * kMinute, " v1 cpu:1");
  const std::string old_c = absl::StrCat(kStart - 20 * kMinute, " v1 cpu:3");
  const std::string new_b = absl::StrCat(kStart + kHour + 10 * kMinute, " v1 cpu:4");
  for (int i = 0; i < 2; ++i) {  // The second scan reads what the first remembered.
    EXPECT_EQ(ScanLatest(Request()),
              (Latest{{"host=a/cpu", old_a}, {"host=b/cpu", new_b}, {"host=c/cpu", old_c}}));
  }
  // Memory gains key c (a later row) and a key the segments do not hold.
  Write({Scalar("c", "cpu", 5, kStart + kHour + 20 * kMinute),
         Scalar("d", "cpu", 6, kStart + kHour + 20 * kMinute)});
  const std::string new_c = absl::StrCat(kStart + kHour + 20 * kMinute, " v1 cpu:5");
  const std::string new_d = absl::StrCat(kStart + kHour + 20 * kMinute, " v1 cpu:6");
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ScanLatest(Request()), (Latest{{"host=a/cpu", old_a},
                                             {"host=b/cpu", new_b},
                                             {"host=c/cpu", new_c},
                                             {"host=d/cpu", new_d}}));
  }
  // A late write of key a (older than its segment row) competes with it, and an upsert of
  // the segment row at its time with a higher version wins over it.
  Write({Scalar("a", "cpu", 7, kStart - 30 * kMinute)});
  EXPECT_EQ(ScanLatest(Request()).at("host=a/cpu"), old_a);
  Write({Scalar("a", "cpu", 8, kStart - 20 * kMinute, 2)});
  EXPECT_EQ(ScanLatest(Request()).at("host=a/cpu"),
            absl::StrCat(kStart - 20 * kMinute, " v2 cpu:8"));
  ExpectSameAsFullScan(INT64_MIN, INT64_MAX);
  // Another engine on the same files: a new memory store, whose series ids are not the
  // ones the old one's scans remembered (the segments' grouping is rebuilt too, but a
  // remembered id must not be trusted across stores either way).
  Reopen();
  Write({Scalar("d", "cpu", 9, kStart + kHour + 30 * kMinute)});
  const Latest after = ScanLatest(Request());
  EXPECT_EQ(after.at("host=d/cpu"), absl::StrCat(kStart + kHour + 30 * kMinute, " v1 cpu:9"));
  ExpectSameAsFullScan(INT64_MIN, INT64_MAX);
}

// The same for a key whose series memory held, but not its measure, when the stream
// remembered it: the measure's new column of that series (no new series) must be found.
TEST_F(LatestScanTest, RepeatedScansSeeAColumnMemoryGainsForASeriesItHeld) {
  Write({Scalar("a", "cpu", 1, kStart - 20 * kMinute), Scalar("a", "mem", 2, kStart - 20 * kMinute),
         Scalar("b", "cpu", 3, kStart - 20 * kMinute)});
  clock_.Advance(2 * kHour);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  Reopen();  // The keys are now in the segments only.
  Write({Scalar("a", "mem", 4, kStart + kHour + 10 * kMinute)});  // Series a, measure mem.
  const std::string old_cpu = absl::StrCat(kStart - 20 * kMinute, " v1 cpu:1");
  const std::string old_b = absl::StrCat(kStart - 20 * kMinute, " v1 cpu:3");
  const std::string new_mem = absl::StrCat(kStart + kHour + 10 * kMinute, " v1 mem:4");
  for (int i = 0; i < 2; ++i) {  // The second scan reads what the first remembered.
    EXPECT_EQ(ScanLatest(Request()),
              (Latest{{"host=a/cpu", old_cpu}, {"host=a/mem", new_mem}, {"host=b/cpu", old_b}}));
  }
  // Memory gains a/cpu: a column of a series it held, both newer and older than the
  // segment's row (the latter must not hide it).
  Write({Scalar("a", "cpu", 5, kStart + kHour + 20 * kMinute)});
  const std::string new_cpu = absl::StrCat(kStart + kHour + 20 * kMinute, " v1 cpu:5");
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ScanLatest(Request()),
              (Latest{{"host=a/cpu", new_cpu}, {"host=a/mem", new_mem}, {"host=b/cpu", old_b}}));
  }
  Write({Scalar("b", "mem", 6, kStart + kHour + 20 * kMinute),
         Scalar("b", "cpu", 7, kStart - 30 * kMinute)});
  for (int i = 0; i < 2; ++i) {
    const Latest latest = ScanLatest(Request());
    EXPECT_EQ(latest.at("host=b/cpu"), old_b);
    EXPECT_EQ(latest.at("host=b/mem"), absl::StrCat(kStart + kHour + 20 * kMinute, " v1 mem:6"));
  }
  ExpectSameAsFullScan(INT64_MIN, INT64_MAX);
}

// Random rows, upserts and late writes over two evictions; every range's latest rows equal
// the full scan's last rows.
TEST_F(LatestScanTest, MatchesTheFullScanOnRandomTables) {
  std::mt19937_64 rng(20261206);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  std::vector<int64_t> times;
  for (int round = 0; round < 3; ++round) {
    const int64_t now = clock_.NowNanos();
    std::vector<Record> records;
    for (int i = 0; i < 150; ++i) {
      const std::string host = absl::StrCat("h", uniform(0, 7));
      // Mostly recent rows, some late ones (older than the memory window).
      const int64_t time =
          uniform(0, 3) == 0 ? now - uniform(61, 300) * kMinute : now - uniform(0, 59) * kMinute;
      const int64_t version = uniform(1, 3);
      times.push_back(time);
      if (uniform(0, 2) == 0) {
        records.push_back(Multi(host, static_cast<double>(uniform(0, 100)),
                                uniform(0, 1) ? "x" : "", time, version));
      } else {
        records.push_back(Scalar(host, uniform(0, 1) ? "cpu" : "mem",
                                 static_cast<double>(uniform(0, 100)), time, version));
      }
    }
    Write(records);
    clock_.Advance(45 * kMinute);
    ASSERT_TRUE(engine_->RunMaintenance().ok());
  }
  ExpectSameAsFullScan(INT64_MIN, INT64_MAX);
  for (int i = 0; i < 60; ++i) {
    const int64_t a = times[static_cast<size_t>(uniform(0, times.size() - 1))] + uniform(-1, 1);
    const int64_t b = times[static_cast<size_t>(uniform(0, times.size() - 1))] + uniform(-1, 1);
    ExpectSameAsFullScan(std::min(a, b), std::max(a, b));
    ExpectSameAsFullScan(INT64_MIN, a);
  }
}

}  // namespace
}  // namespace tsw::testing
