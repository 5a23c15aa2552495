// `tsw demo`: the main job. Builds a database and table in a fresh directory, ingests a
// realistic IoT fleet (several dimensions, MULTI and scalar measures, late and duplicate
// points, version upserts), then prints the catalog, the ingest rate, the rejections by
// reason, a sample scan, the table's figures and a query's answer.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "engine/common/file_util.h"
#include "engine/common/json_writer.h"
#include "engine/wire/api_json.h"
#include "tools/tsw/commands.h"
#include "tsw/engine.h"

namespace tsw::cli {
namespace {

constexpr int kDevices = 200;
constexpr int64_t kIntervalMs = 10'000;  // One reading per device every 10 s...
constexpr int kPointsPerDevice = 720;    // ...for the last two hours.

const char* const kRegions[] = {"eu-west", "us-east", "ap-south"};
const char* const kModels[] = {"TH-100", "TH-200", "AQ-7"};
const char* const kStatuses[] = {"ok", "ok", "ok", "ok", "degraded", "offline"};

struct Device {
  std::vector<Dimension> dimensions;
  double base_temperature;
};

std::vector<Device> MakeFleet(std::mt19937_64& rng) {
  std::vector<Device> fleet;
  for (int i = 0; i < kDevices; ++i) {
    Device d;
    d.dimensions = {{"region", kRegions[i % 3]},
                    {"site", absl::StrCat("site-", i % 17)},
                    {"device_id", absl::StrFormat("dev-%04d", i)},
                    {"model", kModels[(i / 3) % 3]}};
    d.base_temperature = 18.0 + static_cast<double>(rng() % 100) / 10.0;
    fleet.push_back(std::move(d));
  }
  return fleet;
}

// A reason with its particulars (quoted values, numbers) blanked, so that rejections of
// one kind count together.
std::string ReasonKind(const std::string& reason) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < reason.size(); ++i) {
    char c = reason[i];
    if (c == '\'') {
      if (!quoted) out += "'...'";
      quoted = !quoted;
    } else if (quoted) {
      continue;
    } else if (c >= '0' && c <= '9') {
      if (out.empty() || out.back() != 'N') out.push_back('N');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Fixed(double v, int decimals) { return absl::StrFormat("%.*f", decimals, v); }

// One device's readings at `time_ms`: a MULTI "environment" record and a scalar "rssi".
void AppendReadings(const Device& device, int64_t time_ms, int step, std::mt19937_64& rng,
                    std::vector<Record>* out) {
  double phase = static_cast<double>(step) / 60.0;
  Record multi;
  multi.dimensions = device.dimensions;
  multi.measure_name = "environment";
  multi.measure_value_type = MeasureValueType::kMulti;
  multi.time = absl::StrCat(time_ms);
  multi.measure_values = {
      {"temperature", Fixed(device.base_temperature + 2.0 * std::sin(phase), 2),
       MeasureValueType::kDouble},
      {"humidity", Fixed(45.0 + 10.0 * std::cos(phase / 2), 1), MeasureValueType::kDouble},
      {"battery_mv", absl::StrCat(3700 - step / 4), MeasureValueType::kBigint},
      {"status", kStatuses[rng() % 6], MeasureValueType::kVarchar},
      {"charging", (step / 100) % 2 == 0 ? "true" : "false", MeasureValueType::kBoolean},
  };
  out->push_back(std::move(multi));
  Record rssi;
  rssi.dimensions = device.dimensions;
  rssi.measure_name = "rssi";
  rssi.measure_value = Fixed(-60.0 - static_cast<double>(rng() % 200) / 10.0, 1);
  rssi.time = absl::StrCat(time_ms);
  out->push_back(std::move(rssi));
}

// The data directory, fresh: an earlier demo's data is removed, never anything else.
absl::Status PrepareDataDirectory(const std::string& dir) {
  if (!Env::Default()->Exists(dir)) return absl::OkStatus();
  if (!Env::Default()->Exists(file::JoinPath(dir, "catalog"))) {
    return ValidationError(
        absl::StrCat(dir, " exists and is not a tsw data directory; pass --data with a new path"));
  }
  return file::RemoveTree(*Env::Default(), dir);
}

// The database "fleet" and its table "telemetry" (three hours in memory, magnetic store
// writes on), printed as the API returns them.
absl::Status CreateFleetTable(Engine& engine) {
  auto db = engine.CreateDatabase(
      {.database_name = "fleet", .tags = {{"owner", "iot-team"}, {"env", "demo"}}});
  if (!db.ok()) return db.status();
  CreateTableRequest create_table{.database_name = "fleet", .table_name = "telemetry"};
  create_table.retention_properties = RetentionProperties{3, 365};
  create_table.magnetic_store_write_properties = MagneticStoreWriteProperties{true, {}};
  auto table = engine.CreateTable(create_table);
  if (!table.ok()) return table.status();
  std::printf("CreateDatabase ->\n%s\n\nCreateTable ->\n%s\n\n", apijson::ToJson(*db).c_str(),
              apijson::ToJson(*table).c_str());
  return absl::OkStatus();
}

// kPointsPerDevice readings of every device from `start_ms` on, kIntervalMs apart, in
// time order, device by device per tick.
std::vector<Record> GenerateReadings(const std::vector<Device>& fleet, int64_t start_ms,
                                     std::mt19937_64& rng) {
  std::vector<Record> records;
  records.reserve(static_cast<size_t>(kDevices) * kPointsPerDevice * 2 + 4000);
  for (int step = 0; step < kPointsPerDevice; ++step) {
    for (const Device& device : fleet) {
      AppendReadings(device, start_ms + step * kIntervalMs, step, rng, &records);
    }
  }
  return records;
}

// Trouble, as a real fleet sends it, shuffled: re-sent duplicates of `readings` (same
// value: idempotent), corrections without a higher Version (rejected), corrections with
// one (upserts), readings older than the three-hour memory window (to the magnetic
// store), readings from a device clock far in the future (rejected), and malformed values.
std::vector<Record> GenerateTrouble(const std::vector<Record>& readings,
                                    const std::vector<Device>& fleet, int64_t now_ms,
                                    std::mt19937_64& rng) {
  std::vector<Record> trouble;
  for (int i = 0; i < 500; ++i) {
    const Record& base = readings[(rng() % (readings.size() / 2)) * 2 + 1];  // An rssi record.
    Record resend = base;
    trouble.push_back(resend);
    Record correction = base;
    correction.measure_value = "-99.9";
    trouble.push_back(correction);
    Record upsert = base;
    upsert.measure_value = "-42.0";
    upsert.version = 2;
    trouble.push_back(upsert);
  }
  for (int i = 0; i < 300; ++i) {
    Record late;
    late.dimensions = fleet[i % kDevices].dimensions;
    late.measure_name = "rssi";
    late.measure_value = "-70.5";
    late.time = absl::StrCat(now_ms - (4 + i % 48) * 3'600'000LL);
    trouble.push_back(late);
    Record future = late;
    future.time = absl::StrCat(now_ms + 3'600'000LL);
    trouble.push_back(future);
  }
  for (int i = 0; i < 100; ++i) {
    Record bad;
    bad.dimensions = fleet[i].dimensions;
    bad.measure_name = "rssi";
    bad.measure_value = i % 2 == 0 ? "not-a-number" : "1e999";
    bad.time = absl::StrCat(now_ms - 1000);
    trouble.push_back(bad);
  }
  std::shuffle(trouble.begin(), trouble.end(), rng);
  return trouble;
}

struct IngestSummary {
  RecordsIngested ingested;
  std::map<std::string, int64_t> rejections_by_reason;
  int64_t requests = 0;
  double seconds = 0;
};

// Writes `records` in 100-record requests, as Timestream clients do. An error other than
// rejected records stops it.
absl::StatusOr<IngestSummary> Ingest(Engine& engine, const std::vector<Record>& records) {
  IngestSummary summary;
  auto started = std::chrono::steady_clock::now();
  for (size_t begin = 0; begin < records.size(); begin += 100) {
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "telemetry"};
    size_t end = std::min(records.size(), begin + 100);
    request.records.assign(records.begin() + begin, records.begin() + end);
    absl::StatusOr<WriteRecordsResponse> response = engine.WriteRecords(request);
    ++summary.requests;
    if (response.ok()) {
      summary.ingested.total += response->records_ingested.total;
      summary.ingested.memory_store += response->records_ingested.memory_store;
      summary.ingested.magnetic_store += response->records_ingested.magnetic_store;
      continue;
    }
    if (KindOf(response.status()) != ErrorKind::kRejectedRecords) return response.status();
    std::vector<RejectedRecord> rejected = RejectedRecordsOf(response.status());
    for (const RejectedRecord& r : rejected) {
      ++summary.rejections_by_reason[ReasonKind(r.reason)];
    }
    // The rest of the request was stored; count it from the request minus rejections.
    int32_t stored = static_cast<int32_t>(end - begin - rejected.size());
    summary.ingested.total += stored;
  }
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

void PrintIngestSummary(const IngestSummary& summary, size_t records) {
  std::printf("Ingested %zu records in %lld WriteRecords requests in %.2f s: %.0f records/s\n",
              records, static_cast<long long>(summary.requests), summary.seconds,
              static_cast<double>(records) / summary.seconds);
  int64_t rejected_total = 0;
  for (const auto& [reason, count] : summary.rejections_by_reason) rejected_total += count;
  std::printf("  accepted %d, rejected %lld\n", summary.ingested.total,
              static_cast<long long>(rejected_total));
  std::printf("  rejected, by reason:\n");
  for (const auto& [reason, count] : summary.rejections_by_reason) {
    std::printf("    %6lld  %s\n", static_cast<long long>(count), reason.c_str());
  }
}

// One scanned row: its time, each present column's value, its Version.
std::string FormatRow(const ScanBatch& batch, size_t row) {
  std::string line = absl::FormatTime(
      "  %Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixNanos(batch.time_nanos[row]), absl::UTCTimeZone());
  for (const ScanColumn& col : batch.columns) {
    if (!col.present.empty() && !col.present[row]) continue;
    absl::StrAppend(&line, "  ", col.name, "=");
    switch (col.type) {
      case MeasureValueType::kDouble:
        json::AppendDouble(col.doubles[row], &line);
        break;
      case MeasureValueType::kVarchar:
        absl::StrAppend(&line, col.strings[row]);
        break;
      case MeasureValueType::kBoolean:
        absl::StrAppend(&line, col.ints[row] != 0 ? "true" : "false");
        break;
      default:
        absl::StrAppend(&line, col.ints[row]);
    }
  }
  absl::StrAppend(&line, "  (version ", batch.versions[row], ")");
  return line;
}

// A sample scan: the last minute of one device's environment readings.
absl::Status PrintSampleScan(Engine& engine, int64_t now_ms) {
  ScanRequest scan{.database_name = "fleet", .table_name = "telemetry"};
  scan.start_time_nanos = (now_ms - 60'000) * 1'000'000;
  scan.measure_names = {"environment"};
  scan.dimension_filters = {{"device_id", "dev-0007"}};
  std::printf("\nScan fleet.telemetry, device_id = dev-0007, measure environment, last minute:\n");
  return engine.Scan(scan, [](const ScanBatch& batch) {
    for (size_t row = 0; row < batch.time_nanos.size(); ++row) {
      std::printf("%s\n", FormatRow(batch, row).c_str());
    }
    return true;
  });
}

// The table's series, points and bytes in each tier, and the WAL's size.
absl::Status PrintTableStats(Engine& engine) {
  auto stats = engine.GetTableStats("fleet", "telemetry");
  if (!stats.ok()) return stats.status();
  std::printf("\nfleet.telemetry: %lld series\n", static_cast<long long>(stats->series));
  std::printf("  memory store:   %8lld points, %9lld bytes\n",
              static_cast<long long>(stats->memory_points),
              static_cast<long long>(stats->memory_bytes));
  std::printf(
      "  magnetic store: %8lld points, %9lld bytes in %zu segment(s)%s\n",
      static_cast<long long>(stats->magnetic_points), static_cast<long long>(stats->magnetic_bytes),
      stats->segments.size(),
      stats->magnetic_points > 0
          ? absl::StrFormat(", %.2f bytes/point", static_cast<double>(stats->magnetic_bytes) /
                                                      static_cast<double>(stats->magnetic_points))
                .c_str()
          : "");
  std::printf("  write-ahead log: %lld bytes\n", static_cast<long long>(stats->wal_bytes));
  return absl::OkStatus();
}

// The Query API's subset at work: the average temperature per region per 10 minutes over
// the last hour.
constexpr char kDemoQuery[] =
    "SELECT region, bin(time, 10m) AS ten_minutes, round(avg(temperature), 2) AS avg_temperature,\n"
    "       max(temperature) AS max_temperature, count(*) AS readings\n"
    "FROM \"fleet\".\"telemetry\"\n"
    "WHERE measure_name = 'environment' AND time > ago(1h)\n"
    "GROUP BY region, bin(time, 10m)\n"
    "ORDER BY region, ten_minutes";

}  // namespace

int RunDemo(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  if (absl::Status s = flags->CheckKnown({"data"}); !s.ok()) return ReportError(s);
  std::string dir = flags->Get("data").value_or("tsw-demo");
  if (absl::Status s = PrepareDataDirectory(dir); !s.ok()) return ReportError(s);
  absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(dir, Options{});
  if (!opened.ok()) return ReportError(opened.status());
  Engine& engine = **opened;
  std::printf("tsw demo: data directory %s\n\n", dir.c_str());
  if (absl::Status s = CreateFleetTable(engine); !s.ok()) return ReportError(s);

  std::mt19937_64 rng(42);
  std::vector<Device> fleet = MakeFleet(rng);
  int64_t now_ms = SystemClock::Default()->NowNanos() / 1'000'000;
  std::vector<Record> records =
      GenerateReadings(fleet, now_ms - kPointsPerDevice * kIntervalMs, rng);
  std::vector<Record> trouble = GenerateTrouble(records, fleet, now_ms, rng);
  records.insert(records.end(), trouble.begin(), trouble.end());

  absl::StatusOr<IngestSummary> summary = Ingest(engine, records);
  if (!summary.ok()) return ReportError(summary.status());
  PrintIngestSummary(*summary, records.size());
  if (absl::Status s = PrintSampleScan(engine, now_ms); !s.ok()) return ReportError(s);

  // Move what left the memory window (the late readings) to the magnetic tier now, as
  // the background maintenance would within a second.
  if (absl::Status s = engine.RunMaintenance(); !s.ok()) return ReportError(s);
  if (absl::Status s = PrintTableStats(engine); !s.ok()) return ReportError(s);
  std::printf("\nQuery:\n%s\n\n", kDemoQuery);
  if (absl::Status s = PrintQueryAnswer(engine, kDemoQuery, "table"); !s.ok()) {
    return ReportError(s);
  }
  if (absl::Status s = engine.Close(); !s.ok()) return ReportError(s);
  std::printf(
      "\nReopen %s and query it with: tsw query --data %s \"SELECT ...\"\n"
      "(or read it raw: tsw scan --data %s --database fleet --table telemetry)\n",
      dir.c_str(), dir.c_str(), dir.c_str());
  return 0;
}

}  // namespace tsw::cli
