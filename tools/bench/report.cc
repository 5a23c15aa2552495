#include "tools/bench/report.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "engine/common/json_writer.h"
#include "tsw/status.h"

namespace tsw::bench {
namespace {

std::string FormatLatency(int64_t nanos) {
  if (nanos < 1000000) return absl::StrFormat("%.0f us", nanos / 1e3);
  if (nanos < 1000000000) return absl::StrFormat("%.2f ms", nanos / 1e6);
  return absl::StrFormat("%.2f s", nanos / 1e9);
}

double PerPoint(int64_t bytes, int64_t points) {
  return points > 0 ? static_cast<double>(bytes) / points : 0;
}

double RecordsPerSecond(const RunSummary& s) {
  return s.elapsed_seconds > 0 ? s.records / s.elapsed_seconds : 0;
}

std::string FormatStorage(const TableStats& t) {
  const int64_t points = t.memory_points + t.magnetic_points;
  return absl::StrFormat(
      "  storage:  %d series, %d points: memory store %d points, %d bytes in RAM (%.1f B/point);"
      "\n            write-ahead log %d bytes on disk (%.1f B/point); magnetic store %d points, "
      "%d bytes on disk (%.1f B/point)\n",
      t.series, points, t.memory_points, t.memory_bytes, PerPoint(t.memory_bytes, t.memory_points),
      t.wal_bytes, PerPoint(t.wal_bytes, points), t.magnetic_points, t.magnetic_bytes,
      PerPoint(t.magnetic_bytes, t.magnetic_points));
}

void WriteWorkload(const RunOptions& o, const RunPlan& plan, json::JsonWriter* w) {
  w->Key("Workload");
  w->BeginObject();
  w->Member("Name", WorkloadKindName(o.workload.kind));
  w->Member("Series", o.workload.series);
  w->Member("Multi", o.workload.multi);
  w->Member("RecordsPerRequest", int64_t{o.records_per_request});
  w->Key("OutOfOrder");
  w->Double(o.workload.out_of_order);
  w->Key("Upserts");
  w->Double(o.workload.upserts);
  w->Member("Seed", static_cast<int64_t>(o.workload.seed));
  w->Member("StartMillis", plan.start_millis);
  w->Member("IntervalMillis", o.workload.interval_millis);
  w->Member("Clients", int64_t{o.clients});
  if (o.total_records > 0) w->Member("Records", o.total_records);
  if (o.total_records == 0) {
    w->Key("DurationSeconds");
    w->Double(o.duration_seconds);
  }
  w->Member("Database", o.database);
  w->Member("Table", o.table);
  w->EndObject();
}

void WriteCounts(const std::map<std::string, int64_t>& counts, json::JsonWriter* w) {
  w->BeginObject();
  for (const auto& [key, n] : counts) w->Member(key, n);
  w->EndObject();
}

void WriteTier(const char* name, int64_t points, int64_t bytes, json::JsonWriter* w) {
  w->Key(name);
  w->BeginObject();
  w->Member("Points", points);
  w->Member("Bytes", bytes);
  w->Key("BytesPerPoint");
  w->Double(PerPoint(bytes, points));
  w->EndObject();
}

void WriteStorage(const TableStats& t, json::JsonWriter* w) {
  const int64_t points = t.memory_points + t.magnetic_points;
  w->Key("Storage");
  w->BeginObject();
  w->Member("Series", t.series);
  w->Member("Points", points);
  WriteTier("MemoryStore", t.memory_points, t.memory_bytes, w);  // RAM.
  WriteTier("WriteAheadLog", points, t.wal_bytes, w);            // Disk.
  WriteTier("MagneticStore", t.magnetic_points, t.magnetic_bytes, w);
  w->EndObject();
}

void WritePerSecond(const RunSummary& s, json::JsonWriter* w) {
  w->Key("PerSecond");
  w->BeginArray();
  for (const SecondStats& sec : s.per_second) {
    w->BeginObject();
    w->Member("Second", sec.second);
    w->Key("LengthSeconds");
    w->Double(sec.length_seconds);
    w->Member("Requests", sec.requests);
    w->Member("Records", sec.records);
    w->Member("Ingested", sec.ingested);
    w->Key("P99Micros");
    w->Double(sec.p99_nanos / 1e3);
    w->EndObject();
  }
  w->EndArray();
}

}  // namespace

std::string FormatReport(const Report& r) {
  const RunOptions& o = *r.options;
  const RunSummary& s = r.summary;
  std::string out = absl::StrFormat(
      "tsw bench: %s, %d series, %s, %d records/request, %d clients, seed %d -> %s "
      "(%s.%s)\n",
      WorkloadKindName(o.workload.kind), o.workload.series, o.workload.multi ? "MULTI" : "scalar",
      o.records_per_request, o.clients, o.workload.seed, r.target, o.database, o.table);
  absl::StrAppendFormat(&out,
                        "  records:  %d sent in %d requests over %.2f s: %d ingested, %d "
                        "rejected, %d in failed requests\n",
                        s.records, s.requests, s.elapsed_seconds, s.ingested, s.rejected,
                        s.failed_records);
  absl::StrAppendFormat(&out, "  rate:     %.0f records/s\n", RecordsPerSecond(s));
  absl::StrAppendFormat(&out, "  latency:  p50 %s  p99 %s  p99.9 %s  max %s\n",
                        FormatLatency(s.p50_nanos), FormatLatency(s.p99_nanos),
                        FormatLatency(s.p999_nanos), FormatLatency(s.max_nanos));
  for (const auto& [reason, n] : s.rejected_by_reason) {
    absl::StrAppendFormat(&out, "  rejected: %d  %s\n", n, reason);
  }
  for (const auto& [error, n] : s.failed_by_error) {
    absl::StrAppendFormat(&out, "  failed:   %d requests  %s\n", n, error);
  }
  if (r.storage) out += FormatStorage(*r.storage);
  return out;
}

std::string ReportToJson(const Report& r) {
  const RunSummary& s = r.summary;
  json::JsonWriter w;
  w.BeginObject();
  w.Member("Target", r.target);
  WriteWorkload(*r.options, *r.plan, &w);
  w.Key("ElapsedSeconds");
  w.Double(s.elapsed_seconds);
  w.Member("Requests", s.requests);
  w.Member("RecordsSent", s.records);
  w.Member("RecordsIngested", s.ingested);
  w.Member("RecordsRejected", s.rejected);
  w.Member("RecordsInFailedRequests", s.failed_records);
  w.Key("RecordsPerSecond");
  w.Double(RecordsPerSecond(s));
  w.Key("LatencyMicros");
  w.BeginObject();
  const std::pair<const char*, int64_t> latencies[] = {
      {"P50", s.p50_nanos}, {"P99", s.p99_nanos}, {"P99.9", s.p999_nanos}, {"Max", s.max_nanos}};
  for (const auto& [name, nanos] : latencies) {
    w.Key(name);
    w.Double(nanos / 1e3);
  }
  w.EndObject();
  w.Key("RejectedByReason");
  WriteCounts(s.rejected_by_reason, &w);
  w.Key("FailedRequestsByError");
  WriteCounts(s.failed_by_error, &w);
  if (r.storage) WriteStorage(*r.storage, &w);
  WritePerSecond(s, &w);
  w.EndObject();
  return w.Release();
}

absl::StatusOr<std::string> FindGnuplot() {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "" : path, ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/gnuplot");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return ValidationError(
      "--plot needs gnuplot, which is not on PATH: install Debian's gnuplot-nox "
      "(apt-get install gnuplot-nox; tools/bootstrap.sh does)");
}

absl::Status PlotReport(const std::string& gnuplot, const Report& report,
                        const std::string& png_path) {
  const std::string data_path = png_path + ".dat";
  const std::string script_path = png_path + ".gp";
  {
    std::ofstream data(data_path);
    for (const SecondStats& sec : report.summary.per_second) {
      const double end = sec.second + sec.length_seconds;
      data << end << ' ' << sec.records / sec.length_seconds << ' ' << sec.p99_nanos / 1e6 << '\n';
    }
    std::ofstream script(script_path);
    script << "set terminal pngcairo size 1000,500\n"
           << "set output '" << png_path << "'\n"
           << "set title 'tsw bench: " << report.target << "' noenhanced\n"
           << "set xlabel 'seconds since the start'\n"
           << "set ylabel 'records/s'\nset y2label 'p99 latency (ms)'\n"
           << "set ytics nomirror\nset y2tics\nset yrange [0:*]\nset y2range [0:*]\n"
           << "set key outside bottom center horizontal\n"
           << "plot '" << data_path << "' using 1:2 with lines lw 2 title 'records/s', "
           << "'' using 1:3 axes x1y2 with lines lw 2 title 'p99 latency (ms)'\n";
    if (!data || !script) return InternalError(absl::StrCat("cannot write ", data_path));
  }
  const std::string command = absl::StrCat("'", gnuplot, "' '", script_path, "'");
  const int status = std::system(command.c_str());
  std::remove(data_path.c_str());
  std::remove(script_path.c_str());
  if (status != 0) {
    return InternalError(
        absl::StrCat("gnuplot failed (status ", WEXITSTATUS(status), ") drawing ", png_path));
  }
  return absl::OkStatus();
}

}  // namespace tsw::bench
