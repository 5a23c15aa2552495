// The results of a `tsw bench` run: the summary printed at the end, the --json document and
// the --plot chart.
#ifndef TSW_TOOLS_BENCH_REPORT_H_
#define TSW_TOOLS_BENCH_REPORT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/bench/run_stats.h"
#include "tools/bench/runner.h"
#include "tsw/engine.h"

namespace tsw::bench {

struct Report {
  const RunOptions* options = nullptr;
  const RunPlan* plan = nullptr;
  std::string target;  // Target::Describe().
  RunSummary summary;
  std::optional<TableStats> storage;  // --data only.
};

// The human-readable summary (several lines, each ending in '\n').
std::string FormatReport(const Report& report);

// The whole report as one JSON object: the run's settings, totals, latency percentiles
// (microseconds), rejections by reason, failed requests by error, storage per tier, and
// "PerSecond": [{"Second", "LengthSeconds" (under 1 for the last), "Requests", "Records",
// "Ingested", "P99Micros"}, ...].
std::string ReportToJson(const Report& report);

// The path of the gnuplot executable on $PATH; FailedPrecondition-like ValidationException
// saying how to install it when there is none.
absl::StatusOr<std::string> FindGnuplot();

// Draws records/s and p99 latency per second into `png_path` with gnuplot (a data file
// next to it, removed afterwards). Fails naming gnuplot's exit status.
absl::Status PlotReport(const std::string& gnuplot, const Report& report,
                        const std::string& png_path);

}  // namespace tsw::bench

#endif  // TSW_TOOLS_BENCH_REPORT_H_
