// Runs a `tsw bench` load: client threads generating their series' records, batching them
// into WriteRecords requests and timing each one, with a progress line on a terminal.
#ifndef TSW_TOOLS_BENCH_RUNNER_H_
#define TSW_TOOLS_BENCH_RUNNER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "tools/bench/run_stats.h"
#include "tools/bench/target.h"
#include "tools/bench/workload.h"

namespace tsw::bench {

struct RunOptions {
  WorkloadOptions workload;
  std::string database = "bench";
  std::string table;  // Default: the workload's name.
  int records_per_request = 100;
  int64_t total_records = 0;    // > 0: stop after this many records.
  double duration_seconds = 0;  // > 0 (and no total_records): stop after this long.
  int clients = 1;
  bool progress = false;  // Rewrite a progress line on stderr every half second.
};

// The time span and table settings of a run, derived from its options and `now_millis`.
// Without an explicit start, the span ends at the start of the current UTC day, so runs
// made the same day against different targets write the same records.
struct RunPlan {
  int64_t start_millis = 0;
  int64_t end_millis = 0;
  TableSetup table;
};
RunPlan PlanRun(const RunOptions& options, std::optional<int64_t> start_millis, int64_t now_millis);

// Writes the workload through `target` (already Prepared) from options.clients threads.
// Client c writes the series s with s % clients == c, in rounds of one interval's records
// per series; its requests hold records_per_request records (the last may hold fewer).
RunSummary RunLoad(const RunOptions& options, Target* target);

}  // namespace tsw::bench

#endif  // TSW_TOOLS_BENCH_RUNNER_H_
