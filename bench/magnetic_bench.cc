// The magnetic tier (//engine/magnetic) beside SQLite on the same generated data: bytes
// per point on disk, write, full scan, time-slice scan, point lookups, and compaction.
//
// Data: 200 series (device=dev-NNNN, region=rN) x 4 scalar measures x 1,250 points at 1 s
// with millisecond jitter (1,000,000 points): temperature DOUBLE (21 +- 4, 1 decimal,
// random walk), energy BIGINT (counter, +0..20 per point), status VARCHAR (5 states lasting
// ~50 points), online BOOLEAN (flips every ~300 points); Version 1.
// SQLite peer: one WITHOUT ROWID table keyed by (series, measure, time), WAL journal,
// synchronous=NORMAL, one transaction, size measured after a TRUNCATE checkpoint.
//
//   bazel run -c opt //bench:magnetic_bench
#include <sqlite3.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "benchmark/benchmark.h"
#include "engine/magnetic/magnetic_store.h"

namespace tsw::magnetic {
namespace {

constexpr int kSeries = 200;
constexpr int kPointsPerStream = 1250;
constexpr int64_t kStart = 1'700'000'000'000'000'000;
constexpr int64_t kSecond = 1'000'000'000;
const char* const kStates[] = {"idle", "heating", "cooling", "fault", "maintenance"};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "magnetic_bench: %s\n", what.c_str());
  std::abort();
}

void Check(const absl::Status& s) {
  if (!s.ok()) Die(std::string(s.message()));
}

std::string BenchDir(const std::string& name) {
  std::string dir = absl::StrCat("/tmp/tsw_magnetic_bench/", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<Dimension> SeriesDims(int s) {
  return {{"device", absl::StrFormat("dev-%04d", s)}, {"region", absl::StrCat("r", s % 4)}};
}

std::string SeriesText(int s) { return absl::StrFormat("device=dev-%04d,region=r%d", s, s % 4); }

// The whole dataset, one batch per (series, measure).
const std::vector<RowBatch>& Dataset() {
  static const std::vector<RowBatch>* data = [] {
    auto* out = new std::vector<RowBatch>;
    std::mt19937_64 rng(42);
    std::normal_distribution<double> step(0.0, 0.05);
    for (int s = 0; s < kSeries; ++s) {
      std::vector<int64_t> times;
      for (int i = 0; i < kPointsPerStream; ++i) {
        times.push_back(kStart + i * kSecond + static_cast<int64_t>(rng() % 100) * 1'000'000);
      }
      auto make = [&](const char* name, MeasureValueType type) {
        RowBatch b;
        b.dimensions = SeriesDims(s);
        b.measure_name = name;
        b.measure_value_type = type;
        b.time_nanos = times;
        b.versions.assign(times.size(), 1);
        b.columns.push_back({.name = name, .type = type});
        return b;
      };
      RowBatch temperature = make("temperature", MeasureValueType::kDouble);
      RowBatch energy = make("energy", MeasureValueType::kBigint);
      RowBatch status = make("status", MeasureValueType::kVarchar);
      RowBatch online = make("online", MeasureValueType::kBoolean);
      double t = 21.0;
      int64_t e = 0;
      int state = 0;
      int64_t on = 1;
      for (int i = 0; i < kPointsPerStream; ++i) {
        t = std::clamp(t + step(rng), 17.0, 25.0);
        temperature.columns[0].doubles.push_back(std::round(t * 10) / 10);
        e += static_cast<int64_t>(rng() % 21);
        energy.columns[0].ints.push_back(e);
        if (rng() % 50 == 0) state = static_cast<int>(rng() % 5);
        status.columns[0].strings.push_back(kStates[state]);
        if (rng() % 300 == 0) on = 1 - on;
        online.columns[0].ints.push_back(on);
      }
      for (RowBatch* b : {&temperature, &energy, &status, &online}) out->push_back(std::move(*b));
    }
    return out;
  }();
  return *data;
}

int64_t TotalPoints() { return int64_t{kSeries} * 4 * kPointsPerStream; }

// ---------------------------------------------------------------------------- magnetic

std::unique_ptr<MagneticStore> OpenMagnetic(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(dir, {});
  Check(store.status());
  return *std::move(store);
}

// The dataset in one segment, with key filters of `filter_bits` bits per key.
MagneticStore& LoadedMagnetic(int filter_bits = MagneticOptions().filter_bits_per_key) {
  static std::map<int, MagneticStore*>* stores = new std::map<int, MagneticStore*>;
  MagneticStore*& store = (*stores)[filter_bits];
  if (store == nullptr) {
    MagneticOptions options;
    options.filter_bits_per_key = filter_bits;
    absl::StatusOr<std::unique_ptr<MagneticStore>> s =
        MagneticStore::Open(BenchDir(absl::StrCat("loaded_", filter_bits)), options);
    Check(s.status());
    Check((*s)->AddSegment(Dataset(), ""));
    store = s->release();
  }
  return *store;
}

// ---------------------------------------------------------------------------- SQLite

class Sqlite {
 public:
  explicit Sqlite(const std::string& dir) : path_(dir + "/peer.db") {
    if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) Die("sqlite3_open");
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=NORMAL");
    Exec(
        "CREATE TABLE IF NOT EXISTS p(series TEXT, measure TEXT, time INTEGER, version INTEGER,"
        " d REAL, i INTEGER, s TEXT, PRIMARY KEY(series, measure, time)) WITHOUT ROWID");
  }
  ~Sqlite() { sqlite3_close(db_); }

  void Load(const std::vector<RowBatch>& batches) {
    Exec("BEGIN");
    sqlite3_stmt* insert = Prepare("INSERT OR REPLACE INTO p VALUES(?,?,?,?,?,?,?)");
    for (const RowBatch& b : batches) {
      std::string series =
          absl::StrCat("device=", b.dimensions[0].value, ",region=", b.dimensions[1].value);
      const RowColumn& c = b.columns[0];
      for (size_t r = 0; r < b.time_nanos.size(); ++r) {
        sqlite3_bind_text(insert, 1, series.data(), static_cast<int>(series.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, b.measure_name.data(), static_cast<int>(b.measure_name.size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(insert, 3, b.time_nanos[r]);
        sqlite3_bind_int64(insert, 4, b.versions[r]);
        sqlite3_bind_null(insert, 5);
        sqlite3_bind_null(insert, 6);
        sqlite3_bind_null(insert, 7);
        if (c.type == MeasureValueType::kDouble) sqlite3_bind_double(insert, 5, c.doubles[r]);
        if (c.type == MeasureValueType::kBigint || c.type == MeasureValueType::kBoolean) {
          sqlite3_bind_int64(insert, 6, c.ints[r]);
        }
        if (c.type == MeasureValueType::kVarchar) {
          sqlite3_bind_text(insert, 7, c.strings[r].data(), static_cast<int>(c.strings[r].size()),
                            SQLITE_STATIC);
        }
        if (sqlite3_step(insert) != SQLITE_DONE) Die("insert");
        sqlite3_reset(insert);
      }
    }
    sqlite3_finalize(insert);
    Exec("COMMIT");
    Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  int64_t Bytes() const {
    struct stat st;
    return ::stat(path_.c_str(), &st) == 0 ? st.st_size : 0;
  }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) Die(sqlite3_errmsg(db_));
    return stmt;
  }

 private:
  void Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Die(sqlite3_errmsg(db_));
  }
  std::string path_;
  sqlite3* db_ = nullptr;
};

Sqlite& LoadedSqlite() {
  static Sqlite* db = [] {
    auto* s = new Sqlite(BenchDir("loaded_sqlite"));
    s->Load(Dataset());
    return s;
  }();
  return *db;
}

// ---------------------------------------------------------------------------- write

void BM_Write_Magnetic(benchmark::State& state) {
  const std::vector<RowBatch>& data = Dataset();
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = BenchDir("write");
    std::unique_ptr<MagneticStore> store = OpenMagnetic(dir);
    state.ResumeTiming();
    Check(store->AddSegment(data, ""));
    bytes = store->Stats().bytes;
  }
  state.SetItemsProcessed(state.iterations() * TotalPoints());
  state.counters["bytes_per_point"] = static_cast<double>(bytes) / TotalPoints();
}
BENCHMARK(BM_Write_Magnetic)->Name("BM_Write/magnetic")->Unit(benchmark::kMillisecond);

void BM_Write_Sqlite(benchmark::State& state) {
  const std::vector<RowBatch>& data = Dataset();
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = BenchDir("write_sqlite");
    auto db = std::make_unique<Sqlite>(dir);
    state.ResumeTiming();
    db->Load(data);
    bytes = db->Bytes();
  }
  state.SetItemsProcessed(state.iterations() * TotalPoints());
  state.counters["bytes_per_point"] = static_cast<double>(bytes) / TotalPoints();
}
BENCHMARK(BM_Write_Sqlite)->Name("BM_Write/sqlite")->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------- scans

void BM_ScanAll_Magnetic(benchmark::State& state) {
  MagneticStore& store = LoadedMagnetic();
  for (auto _ : state) {
    int64_t rows = 0;
    double sum = 0;
    Check(store.Scan({}, [&](const RowBatch& b) {
      rows += static_cast<int64_t>(b.time_nanos.size());
      if (!b.columns[0].doubles.empty()) sum += b.columns[0].doubles[0];
      return true;
    }));
    if (rows != TotalPoints()) Die("scan lost rows");
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * TotalPoints());
}
BENCHMARK(BM_ScanAll_Magnetic)->Name("BM_ScanAll/magnetic")->Unit(benchmark::kMillisecond);

void BM_ScanAll_Sqlite(benchmark::State& state) {
  Sqlite& db = LoadedSqlite();
  sqlite3_stmt* scan = db.Prepare("SELECT series, measure, time, version, d, i, s FROM p");
  for (auto _ : state) {
    int64_t rows = 0;
    double sum = 0;
    while (sqlite3_step(scan) == SQLITE_ROW) {
      ++rows;
      benchmark::DoNotOptimize(sqlite3_column_text(scan, 0));
      benchmark::DoNotOptimize(sqlite3_column_text(scan, 1));
      benchmark::DoNotOptimize(sqlite3_column_int64(scan, 2) + sqlite3_column_int64(scan, 3));
      sum += sqlite3_column_double(scan, 4) + static_cast<double>(sqlite3_column_int64(scan, 5));
      benchmark::DoNotOptimize(sqlite3_column_text(scan, 6));
    }
    sqlite3_reset(scan);
    if (rows != TotalPoints()) Die("sqlite scan lost rows");
    benchmark::DoNotOptimize(sum);
  }
  sqlite3_finalize(scan);
  state.SetItemsProcessed(state.iterations() * TotalPoints());
}
BENCHMARK(BM_ScanAll_Sqlite)->Name("BM_ScanAll/sqlite")->Unit(benchmark::kMillisecond);

// Five minutes (300 points) of one series' temperature, a different series each time.
void BM_ScanSlice_Magnetic(benchmark::State& state) {
  MagneticStore& store = LoadedMagnetic();
  int s = 0;
  for (auto _ : state) {
    int64_t start = kStart + 600 * kSecond;
    ScanRequest request{.start_time_nanos = start,
                        .end_time_nanos = start + 300 * kSecond,
                        .measure_names = {"temperature"},
                        .dimension_filters = {SeriesDims(s)[0]}};
    int64_t rows = 0;
    Check(store.Scan(request, [&](const RowBatch& b) {
      rows += static_cast<int64_t>(b.time_nanos.size());
      return true;
    }));
    if (rows != 300) Die(absl::StrCat("slice has ", rows, " rows"));
    s = (s + 1) % kSeries;
  }
  state.SetItemsProcessed(state.iterations() * 300);
}
BENCHMARK(BM_ScanSlice_Magnetic)->Name("BM_ScanSlice/magnetic");

void BM_ScanSlice_Sqlite(benchmark::State& state) {
  Sqlite& db = LoadedSqlite();
  sqlite3_stmt* q = db.Prepare(
      "SELECT time, version, d FROM p WHERE series=? AND measure='temperature' AND time>=? AND "
      "time<?");
  int s = 0;
  for (auto _ : state) {
    int64_t start = kStart + 600 * kSecond;
    std::string series = SeriesText(s);
    sqlite3_bind_text(q, 1, series.data(), static_cast<int>(series.size()), SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, start);
    sqlite3_bind_int64(q, 3, start + 300 * kSecond);
    int64_t rows = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
      ++rows;
      benchmark::DoNotOptimize(sqlite3_column_double(q, 2));
    }
    sqlite3_reset(q);
    if (rows != 300) Die(absl::StrCat("sqlite slice has ", rows, " rows"));
    s = (s + 1) % kSeries;
  }
  sqlite3_finalize(q);
  state.SetItemsProcessed(state.iterations() * 300);
}
BENCHMARK(BM_ScanSlice_Sqlite)->Name("BM_ScanSlice/sqlite");

// ---------------------------------------------------------------------------- lookups

// state.range(0): 1 looks up stored times, 0 times 500 ms after them (inside a block's
// range, absent). state.range(1): key filter bits per key.
void BM_Lookup_Magnetic(benchmark::State& state) {
  MagneticStore& store = LoadedMagnetic(static_cast<int>(state.range(1)));
  const int64_t decoded_before = store.Stats().blocks_decoded;
  const bool hit = state.range(0) == 1;
  const std::vector<RowBatch>& data = Dataset();
  std::mt19937_64 rng(7);
  int64_t found = 0;
  for (auto _ : state) {
    const RowBatch& b = data[rng() % data.size()];
    int64_t t = b.time_nanos[rng() % b.time_nanos.size()] + (hit ? 0 : 500'000'000);
    absl::StatusOr<std::optional<RowBatch>> row =
        store.Lookup({.dimensions = b.dimensions, .measure_name = b.measure_name, .time_nanos = t});
    Check(row.status());
    found += row->has_value();
  }
  if (found != (hit ? static_cast<int64_t>(state.iterations()) : 0)) Die("lookup answers");
  MagneticStats stats = store.Stats();
  state.counters["decodes_per_lookup"] =
      static_cast<double>(stats.blocks_decoded - decoded_before) / state.iterations();
  state.counters["bytes_per_point"] = static_cast<double>(stats.bytes) / TotalPoints();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Lookup_Magnetic)
    ->Name("BM_Lookup/magnetic")
    ->ArgNames({"hit", "filter_bits"})
    ->ArgsProduct({{1, 0}, {0, 4, 10}});

void BM_Lookup_Sqlite(benchmark::State& state) {
  Sqlite& db = LoadedSqlite();
  const bool hit = state.range(0) == 1;
  sqlite3_stmt* q =
      db.Prepare("SELECT version, d, i, s FROM p WHERE series=? AND measure=? AND time=?");
  const std::vector<RowBatch>& data = Dataset();
  std::mt19937_64 rng(7);
  int64_t found = 0;
  for (auto _ : state) {
    const RowBatch& b = data[rng() % data.size()];
    int64_t t = b.time_nanos[rng() % b.time_nanos.size()] + (hit ? 0 : 500'000'000);
    std::string series =
        absl::StrCat("device=", b.dimensions[0].value, ",region=", b.dimensions[1].value);
    sqlite3_bind_text(q, 1, series.data(), static_cast<int>(series.size()), SQLITE_STATIC);
    sqlite3_bind_text(q, 2, b.measure_name.data(), static_cast<int>(b.measure_name.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, t);
    found += sqlite3_step(q) == SQLITE_ROW;
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  if (found != (hit ? static_cast<int64_t>(state.iterations()) : 0)) Die("sqlite lookup answers");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Lookup_Sqlite)->Name("BM_Lookup/sqlite")->ArgName("hit")->Arg(1)->Arg(0);

// ---------------------------------------------------------------------------- compaction

// 16 segments, each 1/16 of the time range of every stream, merged into one.
void BM_Compact_Magnetic(benchmark::State& state) {
  const std::vector<RowBatch>& data = Dataset();
  constexpr int kParts = 16;
  std::vector<std::vector<RowBatch>> parts(kParts);
  for (const RowBatch& b : data) {
    size_t n = b.time_nanos.size();
    for (int p = 0; p < kParts; ++p) {
      size_t lo = n * p / kParts, hi = n * (p + 1) / kParts;
      RowBatch part = b;
      part.time_nanos.assign(b.time_nanos.begin() + lo, b.time_nanos.begin() + hi);
      part.versions.assign(b.versions.begin() + lo, b.versions.begin() + hi);
      RowColumn& c = part.columns[0];
      const RowColumn& from = b.columns[0];
      if (!from.doubles.empty())
        c.doubles.assign(from.doubles.begin() + lo, from.doubles.begin() + hi);
      if (!from.ints.empty()) c.ints.assign(from.ints.begin() + lo, from.ints.begin() + hi);
      if (!from.strings.empty())
        c.strings.assign(from.strings.begin() + lo, from.strings.begin() + hi);
      parts[p].push_back(std::move(part));
    }
  }
  int64_t before = 0, after = 0;
  for (auto _ : state) {
    state.PauseTiming();
    MagneticOptions options;
    options.compaction_min_segments = 2;
    absl::StatusOr<std::unique_ptr<MagneticStore>> store =
        MagneticStore::Open(BenchDir("compact"), options);
    Check(store.status());
    for (const auto& part : parts) Check((*store)->AddSegment(part, ""));
    before = (*store)->Stats().bytes;
    state.ResumeTiming();
    Check((*store)->Compact());
    state.PauseTiming();
    MagneticStats stats = (*store)->Stats();
    if (stats.segments.size() != 1 || stats.points != TotalPoints()) Die("compaction result");
    after = stats.bytes;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * TotalPoints());
  state.counters["bytes_per_point_before"] = static_cast<double>(before) / TotalPoints();
  state.counters["bytes_per_point_after"] = static_cast<double>(after) / TotalPoints();
}
BENCHMARK(BM_Compact_Magnetic)->Name("BM_Compact/magnetic")->Unit(benchmark::kMillisecond);

// Bytes by kind of the loaded segment, printed once (not timed).
void BM_BytesByKind_Magnetic(benchmark::State& state) {
  MagneticStats stats = LoadedMagnetic().Stats();
  for (auto _ : state) benchmark::DoNotOptimize(stats.bytes);
  for (const auto& [kind, bytes] : stats.bytes_by_column_kind) {
    state.counters[kind] = static_cast<double>(bytes);
  }
  state.counters["total"] = static_cast<double>(stats.bytes);
}
BENCHMARK(BM_BytesByKind_Magnetic)->Name("BM_BytesByKind/magnetic")->Iterations(1);

// ---------------------------------------------------------------------------- real data

// The five public series of ../shared/data/real-doubles (bench/real_doubles_bench.cc), each
// one DOUBLE stream (series=<file>, measure "value") at 1 s, stored in one segment: the
// segment-level bits per value (every byte of the file), the encode cost of writing it,
// and point lookups and narrow scans over it. Skipped when the data is missing.
constexpr const char* kRealSeries[] = {"City-temp", "Air-pressure", "Basel-wind", "Stocks-DE",
                                       "POI-lat"};

std::string RealDataDir() {
  if (const char* dir = std::getenv("TSW_REAL_DOUBLES")) return dir;
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  std::filesystem::path dir =
      workspace != nullptr ? std::filesystem::path(workspace) : std::filesystem::current_path();
  for (int up = 0; up < 4 && !dir.empty() && dir != dir.parent_path(); ++up) {
    std::filesystem::path candidate = dir.parent_path() / "shared/data/real-doubles";
    std::error_code ec;
    if (std::filesystem::is_directory(candidate, ec)) return candidate.string();
    dir = dir.parent_path();
  }
  return "/work/shared/data/real-doubles";
}

// Series `i` as one batch, or an empty batch when its file is missing.
const RowBatch& RealSeries(int i) {
  static std::map<int, RowBatch>* cache = new std::map<int, RowBatch>;
  auto it = cache->find(i);
  if (it != cache->end()) return it->second;
  RowBatch b;
  b.dimensions = {{"series", kRealSeries[i]}};
  b.measure_name = "value";
  b.measure_value_type = MeasureValueType::kDouble;
  b.columns.push_back({.name = "value", .type = MeasureValueType::kDouble});
  std::ifstream in(absl::StrCat(RealDataDir(), "/", kRealSeries[i], ".csv"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    double v;
    if (text.empty() || text == "\"\"" || !absl::SimpleAtod(text, &v)) continue;
    b.time_nanos.push_back(kStart + static_cast<int64_t>(b.time_nanos.size()) * kSecond);
    b.versions.push_back(1);
    b.columns[0].doubles.push_back(v);
  }
  return cache->emplace(i, std::move(b)).first->second;
}

MagneticStore& LoadedReal(int i) {
  static std::map<int, MagneticStore*>* stores = new std::map<int, MagneticStore*>;
  MagneticStore*& store = (*stores)[i];
  if (store == nullptr) {
    store = OpenMagnetic(BenchDir(absl::StrCat("real_", i))).release();
    Check(store->AddSegment({RealSeries(i)}, ""));
  }
  return *store;
}

// Writing the series as a segment; bits_per_value counts every byte of the file.
// state.range(1): MagneticOptions::dictionary_group_blocks (1: no group dictionaries).
void BM_RealWrite_Magnetic(benchmark::State& state) {
  const RowBatch& b = RealSeries(static_cast<int>(state.range(0)));
  if (b.time_nanos.empty()) return state.SkipWithError("no data (TSW_REAL_DOUBLES)");
  int64_t bytes = 0, value_bytes = 0;
  MagneticOptions options;
  options.dictionary_group_blocks = static_cast<int32_t>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    absl::StatusOr<std::unique_ptr<MagneticStore>> opened =
        MagneticStore::Open(BenchDir("real_write"), options);
    Check(opened.status());
    std::unique_ptr<MagneticStore> store = *std::move(opened);
    state.ResumeTiming();
    Check(store->AddSegment({b}, ""));
    MagneticStats stats = store->Stats();
    bytes = stats.bytes;
    for (const auto& [kind, kind_bytes] : stats.bytes_by_column_kind) {
      if (kind == "double") value_bytes = kind_bytes;
    }
  }
  const double n = static_cast<double>(b.time_nanos.size());
  state.SetItemsProcessed(state.iterations() * b.time_nanos.size());
  state.counters["bits_per_value"] = 8.0 * bytes / n;
  state.counters["value_bits_per_value"] = 8.0 * value_bytes / n;
  state.SetLabel(kRealSeries[state.range(0)]);
}
BENCHMARK(BM_RealWrite_Magnetic)
    ->Name("BM_RealWrite/magnetic")
    ->ArgNames({"series", "group_blocks"})
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1, 16}})
    ->Unit(benchmark::kMillisecond);

// Point lookups of stored times (late-write Version checks, latest-point reads).
void BM_RealLookup_Magnetic(benchmark::State& state) {
  const RowBatch& b = RealSeries(static_cast<int>(state.range(0)));
  if (b.time_nanos.empty()) return state.SkipWithError("no data (TSW_REAL_DOUBLES)");
  MagneticStore& store = LoadedReal(static_cast<int>(state.range(0)));
  std::mt19937_64 rng(7);
  for (auto _ : state) {
    int64_t t = b.time_nanos[rng() % b.time_nanos.size()];
    absl::StatusOr<std::optional<RowBatch>> row =
        store.Lookup({.dimensions = b.dimensions, .measure_name = "value", .time_nanos = t});
    Check(row.status());
    if (!row->has_value()) Die("real lookup missed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kRealSeries[state.range(0)]);
}
BENCHMARK(BM_RealLookup_Magnetic)->Name("BM_RealLookup/magnetic")->DenseRange(0, 4);

// Scans of 100 consecutive points at a random place.
void BM_RealScanSlice_Magnetic(benchmark::State& state) {
  const RowBatch& b = RealSeries(static_cast<int>(state.range(0)));
  if (b.time_nanos.empty()) return state.SkipWithError("no data (TSW_REAL_DOUBLES)");
  MagneticStore& store = LoadedReal(static_cast<int>(state.range(0)));
  std::mt19937_64 rng(7);
  for (auto _ : state) {
    int64_t start = b.time_nanos[rng() % (b.time_nanos.size() - 100)];
    int64_t rows = 0;
    Check(store.Scan({.start_time_nanos = start, .end_time_nanos = start + 100 * kSecond},
                     [&](const RowBatch& r) {
                       rows += static_cast<int64_t>(r.time_nanos.size());
                       return true;
                     }));
    if (rows != 100) Die(absl::StrCat("real slice has ", rows, " rows"));
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.SetLabel(kRealSeries[state.range(0)]);
}
BENCHMARK(BM_RealScanSlice_Magnetic)->Name("BM_RealScanSlice/magnetic")->DenseRange(0, 4);

}  // namespace
}  // namespace tsw::magnetic

BENCHMARK_MAIN();
