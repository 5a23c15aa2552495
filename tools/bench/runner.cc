#include "tools/bench/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"

namespace tsw::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kHourMillis = 3600 * 1000;
constexpr int64_t kDayMillis = 24 * kHourMillis;
constexpr int64_t kMaxMemoryRetentionHours = 8766;
// The span of a run bounded by time rather than records: as much as fits the memory
// store's largest retention, with a day to spare.
constexpr int64_t kDurationSpanHours = 8700;
// Steps past the planned end a record-bounded run may still use (randomness in how many
// records a step emits); 60 steps of 10 s stay inside the 15 minutes Timestream accepts
// ahead of its clock.
constexpr int64_t kSlackSteps = 60;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t NanosSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count();
}

struct ClientContext {
  const RunOptions* options;
  Target* target;
  RunStats* stats;
  SteadyClock::time_point start;
  std::atomic<bool>* stop;
};

void Send(const ClientContext& ctx, Writer* writer, const WriteRecordsRequest& request) {
  RequestOutcome outcome;
  outcome.records = static_cast<int64_t>(request.records.size());
  const SteadyClock::time_point t0 = SteadyClock::now();
  writer->Write(request, &outcome);
  outcome.end_nanos = NanosSince(ctx.start);
  outcome.latency_nanos = NanosSince(t0);
  ctx.stats->Add(outcome);
}

void RunClient(const ClientContext& ctx, int client) {
  const RunOptions& o = *ctx.options;
  std::unique_ptr<Writer> writer = ctx.target->NewWriter();
  std::vector<SeriesGenerator> series;
  std::vector<int64_t> left;
  for (int64_t s = client; s < o.workload.series; s += o.clients) {
    series.emplace_back(o.workload, s);
    left.push_back(o.total_records > 0 ? RecordBudget(o.workload, o.total_records, s)
                                       : std::numeric_limits<int64_t>::max());
  }
  WriteRecordsRequest request{.database_name = o.database, .table_name = o.table};
  request.records.resize(o.records_per_request);
  size_t n = 0;
  const int per_round = RecordsPerStep(o.workload);
  bool more = true;
  while (more && !ctx.stop->load(std::memory_order_relaxed)) {
    more = false;
    for (size_t i = 0; i < series.size(); ++i) {
      RecordSpec spec;
      for (int k = 0; k < per_round && left[i] > 0; ++k) {
        if (!series[i].Next(&spec)) {
          left[i] = 0;
          break;
        }
        series[i].Fill(spec, &request.records[n++]);
        --left[i];
        more = true;
        if (n == request.records.size()) {
          Send(ctx, writer.get(), request);
          n = 0;
          // A duration run stops at the next request, not the end of a round (a round
          // of many series can take long).
          if (ctx.stop->load(std::memory_order_relaxed)) return;
        }
      }
    }
  }
  if (n > 0 && !ctx.stop->load()) {
    request.records.resize(n);
    Send(ctx, writer.get(), request);
  }
}

void PrintProgress(const RunOptions& o, int64_t records, double elapsed) {
  const double rate = elapsed > 0 ? records / elapsed : 0;
  double eta = 0;
  if (o.total_records > 0) {
    eta = rate > 0 ? (o.total_records - records) / rate : 0;
  } else {
    eta = std::max(0.0, o.duration_seconds - elapsed);
  }
  std::fprintf(stderr, "\r%12lld records  %10.0f records/s  elapsed %6.1f s  ETA %6.1f s\033[K",
               static_cast<long long>(records), rate, elapsed, eta);
  std::fflush(stderr);
}

}  // namespace

RunPlan PlanRun(const RunOptions& options, std::optional<int64_t> start_millis,
                int64_t now_millis) {
  const WorkloadOptions& w = options.workload;
  RunPlan plan;
  int64_t span = kDurationSpanHours * kHourMillis;
  if (options.total_records > 0) {
    const int64_t budget = CeilDiv(options.total_records, w.series);
    const double per_step = RecordsPerStep(w) * (1 - w.out_of_order);
    span = static_cast<int64_t>(std::ceil(budget / per_step)) * w.interval_millis;
  }
  plan.start_millis = start_millis ? *start_millis : now_millis - now_millis % kDayMillis - span;
  plan.end_millis = plan.start_millis + span;
  if (options.total_records > 0) plan.end_millis += kSlackSteps * w.interval_millis;
  plan.table.database = options.database;
  plan.table.table = options.table;
  const int64_t age_hours =
      CeilDiv(std::max<int64_t>(now_millis - plan.start_millis, 0), kHourMillis);
  plan.table.memory_retention_hours = std::min(age_hours + 24, kMaxMemoryRetentionHours);
  if (age_hours + 1 > kMaxMemoryRetentionHours) {
    plan.table.magnetic_store_writes = true;
    plan.table.magnetic_retention_days = std::min<int64_t>(73000, CeilDiv(age_hours, 24) + 2);
  }
  return plan;
}

RunSummary RunLoad(const RunOptions& options, Target* target) {
  RunStats stats;
  std::atomic<bool> stop{false};
  std::atomic<int> running{options.clients};
  const SteadyClock::time_point start = SteadyClock::now();
  ClientContext ctx{&options, target, &stats, start, &stop};
  std::vector<std::thread> threads;
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&ctx, &running, c] {
      RunClient(ctx, c);
      running.fetch_sub(1);
    });
  }
  SteadyClock::time_point last_print = start;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double elapsed = NanosSince(start) / 1e9;
    if (options.total_records == 0 && elapsed >= options.duration_seconds) stop.store(true);
    if (options.progress && SteadyClock::now() - last_print >= std::chrono::milliseconds(500)) {
      last_print = SteadyClock::now();
      PrintProgress(options, stats.records(), elapsed);
    }
  }
  for (std::thread& t : threads) t.join();
  const int64_t end = NanosSince(start);
  if (options.progress) std::fprintf(stderr, "\r\033[K");
  return stats.Summarize(end);
}

}  // namespace tsw::bench
