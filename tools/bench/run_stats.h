// What a `tsw bench` run measured: records, request latencies (a LatencyHistogram), the
// records rejected by reason and the requests that failed by error, overall and per second
// of the run.
//
// Thread-safety: every method may be called from any thread (one internal mutex).
#ifndef TSW_TOOLS_BENCH_RUN_STATS_H_
#define TSW_TOOLS_BENCH_RUN_STATS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tools/bench/latency_histogram.h"

namespace tsw::bench {

// The outcome of one WriteRecords request.
struct RequestOutcome {
  int64_t records = 0;   // Records sent.
  int64_t ingested = 0;  // Records the target stored.
  // One reason per rejected record (RejectedRecordsException).
  std::vector<std::string> rejection_reasons;
  // Set when the whole request failed: the exception name ("ThrottlingException") or
  // "ConnectionError"; none of its records counts as ingested or rejected.
  std::string error;
  int64_t latency_nanos = 0;
  int64_t end_nanos = 0;  // When it completed, since the run started.
};

// One second of the run: requests that completed in [second, second + 1).
struct SecondStats {
  int64_t second = 0;
  double length_seconds = 1;  // Less for the run's last, partial second.
  int64_t requests = 0;
  int64_t records = 0;  // Sent by those requests.
  int64_t ingested = 0;
  int64_t p99_nanos = 0;
};

// Everything at the end of the run (or so far).
struct RunSummary {
  double elapsed_seconds = 0;
  int64_t requests = 0;
  int64_t records = 0;
  int64_t ingested = 0;
  int64_t rejected = 0;
  int64_t failed_requests = 0;
  int64_t failed_records = 0;
  int64_t p50_nanos = 0, p99_nanos = 0, p999_nanos = 0, max_nanos = 0;
  std::map<std::string, int64_t> rejected_by_reason;
  std::map<std::string, int64_t> failed_by_error;  // Requests.
  std::vector<SecondStats> per_second;
};

// A rejection reason with every run of digits replaced by "N", so reasons that differ
// only in a time or version count together.
std::string NormalizeReason(const std::string& reason);

class RunStats {
 public:
  void Add(const RequestOutcome& outcome);
  // Records sent so far (cheap; for the progress line).
  int64_t records() const;
  // The summary at `end_nanos` since the start; per_second covers every whole or partial
  // second up to it, seconds without a completed request included.
  RunSummary Summarize(int64_t end_nanos) const;

 private:
  void CloseSecondsBefore(int64_t second);  // REQUIRES: mu_ held.

  mutable std::mutex mu_;
  LatencyHistogram all_;
  LatencyHistogram current_;  // Of the requests of second current_second_.
  SecondStats current_second_;
  std::vector<SecondStats> closed_;
  RunSummary totals_;  // Counts and maps only; percentiles filled by Summarize.
};

}  // namespace tsw::bench

#endif  // TSW_TOOLS_BENCH_RUN_STATS_H_
