// The two tiers: eviction speed, the write stall an eviction causes, scans of memory,
// segments and both, and writes that must consult segments (Versions of evicted rows).
//
// Data: scalar DOUBLE points of S series (host dimension), one per series per interval,
// spanning an hour; TableStore with kSyncPeriodically durability under a manual clock,
// memory window 1 hour, magnetic window 73000 days.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "engine/common/file_util.h"
#include "engine/table/table_store.h"
#include "tsw/clock.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw {
namespace {

constexpr int64_t kNowNanos = 1700000000LL * 1000000000;
constexpr int64_t kMinute = 60LL * 1000000000;
constexpr int64_t kHour = 60 * kMinute;

std::string TempDir() {
  const char* base = getenv("TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/tsw_tiers_XXXXXX");
  return mkdtemp(pattern.data());
}

class Fixture {
 public:
  Fixture() : clock_(kNowNanos), dir_(TempDir()) {
    options_.durability.policy = SyncPolicy::kSyncPeriodically;
    table_.database_name = "db";
    table_.table_name = "t";
    table_.retention_properties.memory_store_retention_period_in_hours = 1;
    table_.magnetic_store_write_properties.enable_magnetic_store_writes = true;
    table::TableStoreOptions o;
    o.options = &options_;
    o.clock = &clock_;
    o.report = [](absl::string_view) {};
    store_ = std::move(*table::TableStore::Open(dir_, o));
  }
  ~Fixture() {
    store_.reset();
    file::RemoveTree(*Env::Default(), dir_).IgnoreError();
  }

  // `points` points over the hour before the clock, `series` series, time order.
  void Fill(int series, int64_t points) {
    const int64_t per_series = std::max<int64_t>(1, points / series);
    const int64_t step = kHour / per_series;
    const int64_t start = clock_.NowNanos() - kHour;
    WriteRecordsRequest req;
    req.database_name = "db";
    req.table_name = "t";
    for (int64_t i = 0; i < per_series; ++i) {
      for (int s = 0; s < series; ++s) {
        req.records.push_back(Point(s, start + i * step, 1, static_cast<double>(i % 1000) / 4));
        if (req.records.size() == 100) {
          store_->Write(req, table_).IgnoreError();
          req.records.clear();
        }
      }
    }
    if (!req.records.empty()) store_->Write(req, table_).IgnoreError();
  }

  static Record Point(int series, int64_t nanos, int64_t version, double value) {
    Record r;
    r.dimensions = {{"host", absl::StrCat("host-", series)}};
    r.measure_name = "cpu";
    r.measure_value = absl::StrCat(value);
    r.time = absl::StrCat(nanos);
    r.time_unit = TimeUnit::kNanoseconds;
    r.version = version;
    return r;
  }

  int64_t ScanAll() {
    int64_t rows = 0;
    store_
        ->Scan(ScanRequest(),
               [&rows](const ScanBatch& b) {
                 rows += static_cast<int64_t>(b.time_nanos.size());
                 return true;
               })
        .IgnoreError();
    return rows;
  }

  Options options_;
  ManualClock clock_;
  Table table_;
  std::string dir_;
  std::unique_ptr<table::TableStore> store_;
};

// One eviction moving every point to a segment.
void BM_Evict(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const int64_t points = state.range(1);
  double bytes_per_point = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<Fixture>();
    f->Fill(series, points);
    f->clock_.Advance(2 * kHour);
    state.ResumeTiming();
    if (!f->store_->RunMaintenance(f->table_).ok()) state.SkipWithError("maintenance failed");
    state.PauseTiming();
    const TableStats stats = f->store_->Stats();
    bytes_per_point = static_cast<double>(stats.magnetic_bytes) / stats.magnetic_points;
    f.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * points);
  state.counters["segment_bytes_per_point"] = bytes_per_point;
}
BENCHMARK(BM_Evict)
    ->Args({1000, 1000000})
    ->Args({10000, 1000000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// Latency of 100-record writes of current points while an eviction of `points` runs,
// against the same writes with no eviction.
void BM_WriteStallDuringEviction(benchmark::State& state) {
  const int64_t points = state.range(0);
  const bool evicting = state.range(1) != 0;
  double max_us = 0, p99_us = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<Fixture>();
    f->Fill(1000, points);
    f->clock_.Advance(2 * kHour);
    std::atomic<bool> done{false};
    std::vector<double> latencies;
    std::thread writer([&] {
      WriteRecordsRequest req;
      req.database_name = "db";
      req.table_name = "t";
      int64_t t = f->clock_.NowNanos() - kMinute;
      while (!done.load()) {
        req.records.clear();
        for (int i = 0; i < 100; ++i) req.records.push_back(Fixture::Point(i, ++t, 1, 1.5));
        const auto start = std::chrono::steady_clock::now();
        f->store_->Write(req, f->table_).IgnoreError();
        latencies.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
      }
    });
    state.ResumeTiming();
    if (evicting) {
      if (!f->store_->RunMaintenance(f->table_).ok()) state.SkipWithError("maintenance failed");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    state.PauseTiming();
    done = true;
    writer.join();
    std::sort(latencies.begin(), latencies.end());
    if (!latencies.empty()) {
      max_us = latencies.back();
      p99_us = latencies[latencies.size() * 99 / 100];
    }
    f.reset();
    state.ResumeTiming();
  }
  state.counters["write_max_us"] = max_us;
  state.counters["write_p99_us"] = p99_us;
}
BENCHMARK(BM_WriteStallDuringEviction)
    ->Args({1000000, 0})
    ->Args({1000000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

// Scans of every point: all in memory (0), all in segments (1), half and half (2).
void BM_Scan(benchmark::State& state) {
  const int where = static_cast<int>(state.range(0));
  constexpr int64_t kPoints = 1000000;
  Fixture f;
  f.Fill(1000, kPoints);
  if (where == 1) f.clock_.Advance(2 * kHour);
  if (where == 2) f.clock_.Advance(kHour / 2 + 5 * kMinute);
  if (where != 0 && !f.store_->RunMaintenance(f.table_).ok()) state.SkipWithError("failed");
  const TableStats stats = f.store_->Stats();
  int64_t rows = 0;
  for (auto _ : state) rows = f.ScanAll();
  state.SetItemsProcessed(state.iterations() * rows);
  state.counters["memory_points"] = static_cast<double>(stats.memory_points);
  state.counters["magnetic_points"] = static_cast<double>(stats.magnetic_points);
}
BENCHMARK(BM_Scan)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// 100-record requests rewriting points with a higher Version: points in memory (0), or
// evicted to segments (1), where each request looks its 100 keys up in the segments.
void BM_Upsert(benchmark::State& state) {
  const bool evicted = state.range(0) != 0;
  Fixture f;
  f.Fill(1000, 200000);
  if (evicted) {
    f.clock_.Advance(2 * kHour);
    if (!f.store_->RunMaintenance(f.table_).ok()) state.SkipWithError("failed");
  }
  const int64_t per_series = 200;
  const int64_t step = kHour / per_series;
  const int64_t start = kNowNanos - kHour;
  std::mt19937_64 rng(7);
  int64_t version = 2;
  WriteRecordsRequest req;
  req.database_name = "db";
  req.table_name = "t";
  for (auto _ : state) {
    state.PauseTiming();
    req.records.clear();
    for (int i = 0; i < 100; ++i) {
      req.records.push_back(Fixture::Point(static_cast<int>(rng() % 1000),
                                           start + static_cast<int64_t>(rng() % per_series) * step,
                                           version, 2.5));
    }
    ++version;
    state.ResumeTiming();
    f.store_->Write(req, f.table_).IgnoreError();
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_Upsert)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tsw

BENCHMARK_MAIN();
