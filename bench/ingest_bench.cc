// WriteRecords ingest, records/s: tsw's TableStore beside SQLite on the same generated
// requests, single-threaded.
//
// Workloads: 100-record requests with CommonAttributes (region, az, measure name, type);
// each record has its own host dimension, time and value(s). Scalar DOUBLE, or MULTI with
// four attributes (three DOUBLE, one BIGINT). 1 or 10,000 series, written in time order;
// with "upserts:10" every request also rewrites 10 points of the previous request with
// Version 2 and a new value.
//
// Peers at matching durability (the process may crash, the machine may not):
//  - tsw: TableStore, SyncPolicy::kSyncPeriodically (log written before ack, fsync every
//    100 ms).
//  - sqlite: journal_mode=WAL, synchronous=NORMAL; a WITHOUT ROWID table keyed by
//    (series, measure, time); one transaction per request; `INSERT ... ON CONFLICT DO
//    UPDATE ... WHERE excluded.version > version`. Series ids come from an in-process hash
//    map over the sorted dimension key (new series also go to a series table), times and
//    values are parsed with std::from_chars: the least an application must do.
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "engine/common/file_util.h"
#include "engine/table/table_store.h"
#include "tsw/clock.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw {
namespace {

constexpr int kRecordsPerRequest = 100;
constexpr int kUpsertsPerRequest = 10;
// Requests generated at once (about 1.5 MB of scalar or 4 MB of MULTI requests, so a
// request is as cache-warm as one just decoded from the wire); later cycles rewrite the
// hosts and times of the same requests, untimed.
constexpr int kRequestsPerCycle = 100;
constexpr int64_t kNowMillis = 1700000000000;
constexpr int64_t kBaseMillis = kNowMillis - 8000LL * 3600 * 1000;  // Inside 8766 h retention.

struct Workload {
  bool multi;
  int series;
  bool upserts;
};

// The requests of one cycle of a workload. Point p (0, 1, 2, ...) is series p % S at time
// base + p / S ms; request g writes the next new points and, with upserts, rewrites every
// ninth new point of request g - 1.
class RequestPool {
 public:
  explicit RequestPool(const Workload& w) : w_(w), requests_(kRequestsPerCycle) {
    std::mt19937 rng(42);
    const int new_points = w.upserts ? kRecordsPerRequest - kUpsertsPerRequest : kRecordsPerRequest;
    for (int g = 0; g < kRequestsPerCycle; ++g) {
      WriteRecordsRequest& req = requests_[g];
      req.database_name = "db";
      req.table_name = "t";
      Record common;
      common.dimensions = {{"region", "us-east-1"}, {"az", "us-east-1a"}};
      common.measure_name = w.multi ? "metrics" : "cpu";
      common.measure_value_type = w.multi ? MeasureValueType::kMulti : MeasureValueType::kDouble;
      req.common_attributes = common;
      auto add = [&](int64_t point, int64_t version) {
        Record r;
        r.dimensions = {{"host", ""}};  // Set by SetCycle.
        const double v = (rng() % 100000) / 100.0 + (version > 1 ? 0.5 : 0.0);
        if (w.multi) {
          r.measure_values = {{"user", absl::StrCat(v), MeasureValueType::kDouble},
                              {"system", absl::StrCat(v / 3), MeasureValueType::kDouble},
                              {"idle", absl::StrCat(100 - v), MeasureValueType::kDouble},
                              {"procs", absl::StrCat(rng() % 500), MeasureValueType::kBigint}};
        } else {
          r.measure_value = absl::StrCat(v);
        }
        if (version > 1) r.version = version;
        req.records.push_back(std::move(r));
        points_.push_back(point);
      };
      for (int k = 0; k < new_points; ++k) add(int64_t{g} * new_points + k, 1);
      if (w.upserts) {
        for (int k = 0; k < kUpsertsPerRequest; ++k) {
          add(int64_t{g - 1} * new_points + k * 9, 2);
        }
      }
    }
    points_per_cycle_ = int64_t{kRequestsPerCycle} * new_points;
  }

  // Sets hosts and times for cycle `c` (every point shifted by c cycles' worth of points).
  void SetCycle(int64_t c) {
    size_t i = 0;
    for (WriteRecordsRequest& req : requests_) {
      for (Record& r : req.records) {
        const int64_t point = points_[i++] + c * points_per_cycle_;
        // Floor division and modulo: the first cycle's upserts target points before 0.
        const int64_t series = (point % w_.series + w_.series) % w_.series;
        const int64_t step = (point - series) / w_.series;
        r.dimensions[0].value = absl::StrCat("host-", series);
        r.time = absl::StrCat(kBaseMillis + step);
      }
    }
  }

  const WriteRecordsRequest& request(int g) const { return requests_[g]; }

 private:
  Workload w_;
  std::vector<WriteRecordsRequest> requests_;
  std::vector<int64_t> points_;  // Per record, in order.
  int64_t points_per_cycle_ = 0;
};

// Runs `write` over the pool's requests, regenerating times between cycles untimed.
template <typename Write>
void RunWorkload(benchmark::State& state, const Workload& w, Write write) {
  RequestPool pool(w);
  pool.SetCycle(0);
  int64_t cycle = 0;
  int g = 0;
  int64_t records = 0;
  for (auto _ : state) {
    if (g == kRequestsPerCycle) {
      state.PauseTiming();
      pool.SetCycle(++cycle);
      g = 0;
      state.ResumeTiming();
    }
    const WriteRecordsRequest& req = pool.request(g++);
    if (!write(req)) {
      state.SkipWithError("write failed");
      break;
    }
    records += static_cast<int64_t>(req.records.size());
  }
  state.SetItemsProcessed(records);
}

std::string TempDir() {
  std::string pattern = "/tmp/tsw_ingest_bench_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) abort();
  return pattern;
}

void BM_WriteRecordsTsw(benchmark::State& state, Workload w) {
  const std::string dir = TempDir();
  Options options;
  options.durability.policy = SyncPolicy::kSyncPeriodically;
  ManualClock clock(kNowMillis * 1000000);
  table::TableStoreOptions o;
  o.options = &options;
  o.clock = &clock;
  o.report = [](absl::string_view) {};
  Table table;
  table.retention_properties.memory_store_retention_period_in_hours = 8766;
  {
    auto store = table::TableStore::Open(dir, o);
    if (!store.ok()) {
      state.SkipWithError(std::string(store.status().message()).c_str());
      return;
    }
    RunWorkload(state, w, [&](const WriteRecordsRequest& req) {
      absl::StatusOr<WriteRecordsResponse> r = (*store)->Write(req, table);
      return r.ok() && r->records_ingested.total == static_cast<int32_t>(req.records.size());
    });
    state.counters["memory_bytes_per_point"] =
        static_cast<double>((*store)->Stats().memory_bytes) /
        std::max<int64_t>(1, (*store)->Stats().memory_points);
  }
  (void)file::RemoveTree(*Env::Default(), dir);
}

class SqlitePeer {
 public:
  bool Open(const std::string& dir, bool multi) {
    multi_ = multi;
    if (sqlite3_open(file::JoinPath(dir, "bench.db").c_str(), &db_) != SQLITE_OK) return false;
    const char* schema =
        multi ? "CREATE TABLE points(series INTEGER, measure TEXT, time INTEGER, version "
                "INTEGER, user REAL, system REAL, idle REAL, procs INTEGER, "
                "PRIMARY KEY(series, measure, time)) WITHOUT ROWID;"
              : "CREATE TABLE points(series INTEGER, measure TEXT, time INTEGER, version "
                "INTEGER, value REAL, PRIMARY KEY(series, measure, time)) WITHOUT ROWID;";
    const char* upsert =
        multi ? "INSERT INTO points VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                "ON CONFLICT(series, measure, time) DO UPDATE SET version = excluded.version, "
                "user = excluded.user, system = excluded.system, idle = excluded.idle, "
                "procs = excluded.procs WHERE excluded.version > points.version"
              : "INSERT INTO points VALUES(?1, ?2, ?3, ?4, ?5) "
                "ON CONFLICT(series, measure, time) DO UPDATE SET version = excluded.version, "
                "value = excluded.value WHERE excluded.version > points.version";
    return Exec("PRAGMA journal_mode=WAL;") && Exec("PRAGMA synchronous=NORMAL;") && Exec(schema) &&
           Exec("CREATE TABLE series(id INTEGER PRIMARY KEY, dims TEXT NOT NULL);") &&
           Prepare(upsert, &upsert_) && Prepare("INSERT INTO series VALUES(?1, ?2)", &series_) &&
           Prepare("BEGIN", &begin_) && Prepare("COMMIT", &commit_);
  }

  ~SqlitePeer() {
    for (sqlite3_stmt* s : {upsert_, series_, begin_, commit_}) sqlite3_finalize(s);
    sqlite3_close(db_);
  }

  bool Write(const WriteRecordsRequest& req) {
    if (!Step(begin_)) return false;
    const Record& common = *req.common_attributes;
    for (const Record& r : req.records) {
      // Series: the dimensions (common + own) sorted by name, as one key.
      dims_.clear();
      for (const Dimension& d : common.dimensions) dims_.push_back(&d);
      for (const Dimension& d : r.dimensions) dims_.push_back(&d);
      std::sort(dims_.begin(), dims_.end(),
                [](const Dimension* a, const Dimension* b) { return a->name < b->name; });
      key_.clear();
      for (const Dimension* d : dims_) absl::StrAppend(&key_, d->name, "=", d->value, ",");
      auto [it, inserted] = series_ids_.try_emplace(key_, series_ids_.size());
      if (inserted) {
        sqlite3_bind_int64(series_, 1, it->second);
        sqlite3_bind_text(series_, 2, key_.data(), static_cast<int>(key_.size()), SQLITE_STATIC);
        if (!Step(series_)) return false;
      }
      const std::string& measure = r.measure_name ? *r.measure_name : *common.measure_name;
      sqlite3_bind_int64(upsert_, 1, it->second);
      sqlite3_bind_text(upsert_, 2, measure.data(), static_cast<int>(measure.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(upsert_, 3, ParseInt(*r.time) * 1000000);
      sqlite3_bind_int64(upsert_, 4, r.version.value_or(1));
      if (multi_) {
        for (int i = 0; i < 3; ++i) {
          sqlite3_bind_double(upsert_, 5 + i, ParseDouble(r.measure_values[i].value));
        }
        sqlite3_bind_int64(upsert_, 8, ParseInt(r.measure_values[3].value));
      } else {
        sqlite3_bind_double(upsert_, 5, ParseDouble(*r.measure_value));
      }
      if (!Step(upsert_)) return false;
    }
    return Step(commit_);
  }

 private:
  static int64_t ParseInt(const std::string& s) {
    int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
  }
  static double ParseDouble(const std::string& s) {
    double v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
  }
  bool Exec(const char* sql) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  bool Prepare(const char* sql, sqlite3_stmt** stmt) {
    return sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) == SQLITE_OK;
  }
  static bool Step(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE;
  }

  bool multi_ = false;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* series_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  std::vector<const Dimension*> dims_;
  std::string key_;
  absl::flat_hash_map<std::string, int64_t> series_ids_;
};

void BM_WriteRecordsSqlite(benchmark::State& state, Workload w) {
  const std::string dir = TempDir();
  {
    SqlitePeer peer;
    if (!peer.Open(dir, w.multi)) {
      state.SkipWithError("sqlite open failed");
      return;
    }
    RunWorkload(state, w, [&](const WriteRecordsRequest& req) { return peer.Write(req); });
  }
  (void)file::RemoveTree(*Env::Default(), dir);
}

void RegisterAll() {
  for (bool multi : {false, true}) {
    for (int series : {1, 10000}) {
      for (bool upserts : {false, true}) {
        const Workload w{multi, series, upserts};
        const std::string params = absl::StrCat(multi ? "multi" : "double", "/series:", series,
                                                "/upserts:", upserts ? 10 : 0);
        benchmark::RegisterBenchmark(absl::StrCat("BM_WriteRecords/tsw/", params).c_str(),
                                     BM_WriteRecordsTsw, w)
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(absl::StrCat("BM_WriteRecords/sqlite/", params).c_str(),
                                     BM_WriteRecordsSqlite, w)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace
}  // namespace tsw

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  tsw::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
