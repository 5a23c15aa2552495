// WriteRecords ingest, records/s: tsw's TableStore beside SQLite and RocksDB on the same
// generated requests, single-threaded.
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
//  - rocksdb: the way an engineer stores points in a key-value store: key = series id
//    (8 bytes) | measure name | time (8 bytes, big-endian with the sign bit flipped, so
//    keys sort by time), value = Version (8 bytes) + the value bytes (8 per DOUBLE or
//    BIGINT). WAL on, unsynced writes (a process crash loses nothing written) and a
//    thread calling SyncWAL every 100 ms, as tsw's syncer does; one WriteBatch per
//    request; Version upserts by a merge operator (the higher Version wins, the stored
//    value on a tie) so no write reads. Series ids and parsing as for SQLite.
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "engine/common/file_util.h"
#include "engine/table/table_store.h"
#include "engine/wal/log.h"
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
  rusage before;
  getrusage(RUSAGE_SELF, &before);
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
  // Why a peer's cost depends on the run's length (bench/RESULTS.md, "Run length"): minor
  // page faults and kernel time per record (the process's, so background threads count)
  // and the peak resident size. tsw's memory store keeps every point of the run here.
  rusage after;
  getrusage(RUSAGE_SELF, &after);
  auto micros = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  const double n = static_cast<double>(std::max<int64_t>(1, records));
  state.counters["minflt_per_record"] = static_cast<double>(after.ru_minflt - before.ru_minflt) / n;
  state.counters["sys_ns_per_record"] =
      (micros(after.ru_stime) - micros(before.ru_stime)) * 1000 / n;
  state.counters["max_rss_mib"] = static_cast<double>(after.ru_maxrss) / 1024;
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
  int64_t logged = 0;  // Records written (every one is logged: none is rejected).
  {
    auto store = table::TableStore::Open(dir, o);
    if (!store.ok()) {
      state.SkipWithError(std::string(store.status().message()).c_str());
      return;
    }
    RunWorkload(state, w, [&](const WriteRecordsRequest& req) {
      absl::StatusOr<WriteRecordsResponse> r = (*store)->Write(req, table);
      logged += static_cast<int64_t>(req.records.size());
      return r.ok() && r->records_ingested.total == static_cast<int32_t>(req.records.size());
    });
    state.counters["memory_points"] = static_cast<double>((*store)->Stats().memory_points);
    state.counters["memory_bytes_per_point"] =
        static_cast<double>((*store)->Stats().memory_bytes) /
        std::max<int64_t>(1, (*store)->Stats().memory_points);
  }
  // The log's bytes per record written (frames and file headers; Close cut the zeros).
  int64_t wal_bytes = 0;
  const std::string wal_dir = dir + "/wal";
  if (absl::StatusOr<std::vector<std::string>> names = file::ListDir(*Env::Default(), wal_dir);
      names.ok()) {
    for (const std::string& name : *names) {
      struct stat st;
      if (stat((wal_dir + "/" + name).c_str(), &st) == 0) wal_bytes += st.st_size;
    }
  }
  state.counters["wal_bytes_per_record"] =
      static_cast<double>(wal_bytes) / std::max<int64_t>(1, logged);
  (void)file::RemoveTree(*Env::Default(), dir);
}

int64_t ParseInt(const std::string& s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

double ParseDouble(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Series ids for the peers: an in-process hash map over the dimensions (common + the
// record's own) sorted by name, as one key.
class SeriesIds {
 public:
  // The record's series id; `*is_new` says whether this call assigned it, and key()
  // then holds the series' key for the caller to store.
  int64_t Of(const Record& common, const Record& r, bool* is_new) {
    dims_.clear();
    for (const Dimension& d : common.dimensions) dims_.push_back(&d);
    for (const Dimension& d : r.dimensions) dims_.push_back(&d);
    std::sort(dims_.begin(), dims_.end(),
              [](const Dimension* a, const Dimension* b) { return a->name < b->name; });
    key_.clear();
    for (const Dimension* d : dims_) absl::StrAppend(&key_, d->name, "=", d->value, ",");
    auto [it, inserted] = ids_.try_emplace(key_, static_cast<int64_t>(ids_.size()));
    *is_new = inserted;
    return it->second;
  }
  const std::string& key() const { return key_; }

 private:
  std::vector<const Dimension*> dims_;
  std::string key_;
  absl::flat_hash_map<std::string, int64_t> ids_;
};

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
      bool new_series;
      const int64_t series = series_ids_.Of(common, r, &new_series);
      if (new_series) {
        const std::string& key = series_ids_.key();
        sqlite3_bind_int64(series_, 1, series);
        sqlite3_bind_text(series_, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
        if (!Step(series_)) return false;
      }
      const std::string& measure = r.measure_name ? *r.measure_name : *common.measure_name;
      sqlite3_bind_int64(upsert_, 1, series);
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
  SeriesIds series_ids_;
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

// Keeps the value with the higher Version (the first 8 bytes, big-endian); on a tie the
// stored one, as Timestream keeps the first write of a Version.
class HigherVersionWins : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    if (existing != nullptr && VersionOf(*existing) >= VersionOf(value)) {
      new_value->assign(existing->data(), existing->size());
    } else {
      new_value->assign(value.data(), value.size());
    }
    return true;
  }
  const char* Name() const override { return "HigherVersionWins"; }

 private:
  static uint64_t VersionOf(const rocksdb::Slice& v) {
    uint64_t x = 0;
    for (size_t i = 0; i < 8 && i < v.size(); ++i) x = x << 8 | static_cast<uint8_t>(v[i]);
    return x;
  }
};

void AppendBigEndian(uint64_t x, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(x >> shift));
}

void AppendBits(double d, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  AppendBigEndian(bits, out);
}

class RocksDbPeer {
 public:
  bool Open(const std::string& dir, bool multi) {
    multi_ = multi;
    rocksdb::Options options;
    options.create_if_missing = true;
    options.merge_operator = std::make_shared<HigherVersionWins>();
    rocksdb::DB* db = nullptr;
    if (!rocksdb::DB::Open(options, file::JoinPath(dir, "rocksdb"), &db).ok()) return false;
    db_.reset(db);
    syncer_ = std::thread([this] { SyncLoop(); });
    return true;
  }

  ~RocksDbPeer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (syncer_.joinable()) syncer_.join();
    if (db_ != nullptr) (void)db_->Close();
  }

  bool Write(const WriteRecordsRequest& req) {
    batch_.Clear();
    const Record& common = *req.common_attributes;
    for (const Record& r : req.records) {
      bool new_series;
      const int64_t series = series_ids_.Of(common, r, &new_series);
      if (new_series) batch_.Put(absl::StrCat("s", series), series_ids_.key());
      const std::string& measure = r.measure_name ? *r.measure_name : *common.measure_name;
      key_.clear();
      key_.push_back('p');
      AppendBigEndian(static_cast<uint64_t>(series), &key_);
      key_.append(measure);
      key_.push_back('\0');
      AppendBigEndian(static_cast<uint64_t>(ParseInt(*r.time) * 1000000) ^ (uint64_t{1} << 63),
                      &key_);
      value_.clear();
      AppendBigEndian(static_cast<uint64_t>(r.version.value_or(1)), &value_);
      if (multi_) {
        for (int i = 0; i < 3; ++i) AppendBits(ParseDouble(r.measure_values[i].value), &value_);
        AppendBigEndian(static_cast<uint64_t>(ParseInt(r.measure_values[3].value)), &value_);
      } else {
        AppendBits(ParseDouble(*r.measure_value), &value_);
      }
      batch_.Merge(key_, value_);
    }
    return db_->Write(write_options_, &batch_).ok();
  }

 private:
  // fsyncs the WAL every 100 ms, as tsw's kSyncPeriodically syncer does.
  void SyncLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; })) {
      lock.unlock();
      (void)db_->SyncWAL();
      lock.lock();
    }
  }

  bool multi_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;  // sync = false: written to the OS, not fsync'ed.
  rocksdb::WriteBatch batch_;
  std::string key_;
  std::string value_;
  SeriesIds series_ids_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread syncer_;
};

void BM_WriteRecordsRocksDb(benchmark::State& state, Workload w) {
  const std::string dir = TempDir();
  {
    RocksDbPeer peer;
    if (!peer.Open(dir, w.multi)) {
      state.SkipWithError("rocksdb open failed");
      return;
    }
    RunWorkload(state, w, [&](const WriteRecordsRequest& req) { return peer.Write(req); });
  }
  (void)file::RemoveTree(*Env::Default(), dir);
}

// The write-ahead log alone in a steady state: a table whose maintenance keeps trimming
// its log, so files keep being retired. 3 KiB batches (about one 100-record MULTI
// request's payload), kSyncPeriodically, 4 MiB files (so a short run rotates many times;
// the default is 64 MiB), a trim every 256 batches keeping the last 2048. recycle:1 reuses
// a trimmed file's blocks (wal::LogOptions::recycle_files); recycle:0 deletes trimmed
// files and zero-fills new ones.
void BM_LogAppendTrimmed(benchmark::State& state) {
  const std::string dir = TempDir();
  {
    wal::LogOptions options;
    options.durability.policy = SyncPolicy::kSyncPeriodically;
    options.max_file_bytes = 4 << 20;
    options.recycle_files = static_cast<int>(state.range(0));
    options.report = [](absl::string_view) {};
    auto log =
        wal::Log::Open(dir, options, [](uint64_t, absl::string_view) { return absl::OkStatus(); });
    if (!log.ok()) {
      state.SkipWithError(std::string(log.status().message()).c_str());
      return;
    }
    std::string payload(3 << 10, 'x');
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 131 % 251);
    rusage before;
    getrusage(RUSAGE_SELF, &before);
    int64_t appends = 0;
    for (auto _ : state) {
      absl::Status s = (*log)->Reserve(payload.size());
      absl::StatusOr<uint64_t> seq = s.ok() ? (*log)->AppendNoSync(payload) : s;
      if (!seq.ok()) {
        state.SkipWithError(std::string(seq.status().message()).c_str());
        break;
      }
      ++appends;
      if (*seq % 256 == 0 && *seq > 2048 && !(*log)->TrimBefore(*seq - 2048).ok()) {
        state.SkipWithError("trim failed");
        break;
      }
    }
    rusage after;
    getrusage(RUSAGE_SELF, &after);
    state.SetBytesProcessed(appends * static_cast<int64_t>(payload.size()));
    state.counters["minflt_per_append"] =
        static_cast<double>(after.ru_minflt - before.ru_minflt) / std::max<int64_t>(1, appends);
  }
  (void)file::RemoveTree(*Env::Default(), dir);
}
BENCHMARK(BM_LogAppendTrimmed)
    ->ArgName("recycle")
    ->Arg(0)
    ->Arg(1)
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMicrosecond);

// CPU time is the process's, so each peer's background threads (tsw's log syncer,
// RocksDB's flushes and compactions, SQLite has none) count against it; items_per_second
// is records per second of that CPU time, which a loaded machine disturbs less than wall
// time. The real time is reported beside it.
void RegisterAll() {
  for (bool multi : {false, true}) {
    for (int series : {1, 10000}) {
      for (bool upserts : {false, true}) {
        const Workload w{multi, series, upserts};
        const std::string params = absl::StrCat(multi ? "multi" : "double", "/series:", series,
                                                "/upserts:", upserts ? 10 : 0);
        benchmark::RegisterBenchmark(absl::StrCat("BM_WriteRecords/tsw/", params).c_str(),
                                     BM_WriteRecordsTsw, w)
            ->MeasureProcessCPUTime()
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(absl::StrCat("BM_WriteRecords/sqlite/", params).c_str(),
                                     BM_WriteRecordsSqlite, w)
            ->MeasureProcessCPUTime()
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(absl::StrCat("BM_WriteRecords/rocksdb/", params).c_str(),
                                     BM_WriteRecordsRocksDb, w)
            ->MeasureProcessCPUTime()
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
