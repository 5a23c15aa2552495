// Queries of TSBS's devops use case (github.com/timescale/tsbs, "cpu-only"): tsw beside
// SQLite on the same rows, single-threaded, in one binary.
//
// Data: N hosts (--hosts, default 100) with TSBS's 10 tags (hostname, region, datacenter,
// rack, os, arch, team, service, service_version, service_environment), one `cpu` reading
// every 10 s for 24 hours with TSBS's 10 fields (usage_user .. usage_guest_nice, clamped
// random walks in [0, 100], full-precision doubles). In tsw each reading is one MULTI record
// (measure_name 'cpu', 10 DOUBLE attributes), written through Engine::WriteRecords in time
// order under a manual clock with 12 hours of memory retention, so the older half of the
// day is in magnetic segments (moved by Engine::RunMaintenance as the clock advances) and the
// newer half in the memory store. In SQLite (a file in the same temporary directory, WAL
// journal, page cache and mmap large enough for the whole database) the same rows in
// Timestream's flat model: one row per reading, a column per tag, measure_name, time
// (integer nanoseconds) and a REAL column per field, indexed on (hostname, time) and
// (measure_name, time), as a user querying by host and by time would.
//
// Queries (TSBS names; fixed parameters, so every iteration asks the same thing):
//   lastpoint              the latest reading of every host
//   single-groupby-1-1-1   max(usage_user) per minute, 1 host, 1 hour
//   single-groupby-1-8-1   max(usage_user) per minute over 8 hosts, 1 hour
//   single-groupby-1-1-12  max(usage_user) per minute, 1 host, 12 hours
//   double-groupby-1       avg(usage_user) per host per hour over the day
//   high-cpu-all           every reading with usage_user > 90, all hosts, 12 hours
//   groupby-orderby-limit  max(usage_user) per minute before a time: the last 5 minutes
// tsw runs the Timestream SQL through Engine::QueryStream (the embedded, streaming form:
// typed column batches, no text rows); SQLite runs the equivalent SQL from a statement
// prepared once, reading every column of every row. Before timing, each query runs once on
// both and the answers must match (doubles within 1e-9 relative); a mismatch marks both
// benchmarks of that query as errors.
//
// Counters: `points` per second = (readings inside the query's host and time window) x
// (fields the query reads); for lastpoint the window is the whole table. BM_SumDoubles sums
// an array far larger than the caches: the memory-bandwidth ceiling in doubles/s.
//
//   bazel build -c opt //bench:query_bench
//   bazel-bin/bench/query_bench --benchmark_repetitions=3
//   --benchmark_enable_random_interleaving=true Flags of its own: --hosts=N (default 100).
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "benchmark/benchmark.h"
#include "tsw/clock.h"
#include "tsw/engine.h"

namespace tsw {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kInterval = 10 * kSecond;
// 2026-12-04 00:00:00 UTC: the first reading.
constexpr int64_t kStart = int64_t{1796342400} * kSecond;
constexpr int64_t kEnd = kStart + 24 * kHour;  // Exclusive.

const char* const kTags[] = {
    "hostname", "region",          "datacenter",         "rack", "os", "arch", "team",
    "service",  "service_version", "service_environment"};
constexpr int kNumTags = 10;
const char* const kFields[] = {"usage_user",   "usage_system",    "usage_idle",    "usage_nice",
                               "usage_iowait", "usage_irq",       "usage_softirq", "usage_steal",
                               "usage_guest",  "usage_guest_nice"};
constexpr int kNumFields = 10;

int g_hosts = 100;

std::string HostName(int h) { return absl::StrCat("host_", h); }

// TSBS's tag values (devops/host.go): picked per host from fixed lists.
std::vector<std::vector<std::string>> MakeTags(int hosts) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kRegions = {
      {"us-east-1", {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1e"}},
      {"us-west-1", {"us-west-1a", "us-west-1b"}},
      {"us-west-2", {"us-west-2a", "us-west-2b", "us-west-2c"}},
      {"eu-west-1", {"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
      {"eu-central-1", {"eu-central-1a", "eu-central-1b"}},
      {"ap-southeast-1", {"ap-southeast-1a", "ap-southeast-1b"}},
      {"ap-southeast-2", {"ap-southeast-2a", "ap-southeast-2b"}},
      {"ap-northeast-1", {"ap-northeast-1a", "ap-northeast-1c"}},
      {"sa-east-1", {"sa-east-1a", "sa-east-1b", "sa-east-1c"}},
  };
  static const std::vector<std::string> kOs = {"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"};
  static const std::vector<std::string> kArch = {"x64", "x86"};
  static const std::vector<std::string> kTeam = {"SF", "NYC", "LON", "CHI"};
  static const std::vector<std::string> kEnv = {"production", "staging", "test"};
  std::mt19937_64 rng(42);
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  std::vector<std::vector<std::string>> out;
  for (int h = 0; h < hosts; ++h) {
    const auto& [region, dcs] = kRegions[pick(kRegions.size())];
    out.push_back({HostName(h), region, dcs[pick(dcs.size())], absl::StrCat(pick(100)),
                   kOs[pick(kOs.size())], kArch[pick(kArch.size())], kTeam[pick(kTeam.size())],
                   absl::StrCat(pick(20)), absl::StrCat(pick(2)), kEnv[pick(kEnv.size())]});
  }
  return out;
}

// ---------------------------------------------------------------- the two stores

struct Stores {
  std::string dir;
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  sqlite3* db = nullptr;
  int64_t readings = 0;
};

Stores* g_stores = nullptr;

void Die(const std::string& what) {
  std::fprintf(stderr, "query_bench: %s\n", what.c_str());
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    Die(absl::StrCat(sql, ": ", error ? error : ""));
  }
}

std::string ShortestDouble(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

void Load(Stores& s) {
  char pattern[] = "/tmp/tsw_query_bench_XXXXXX";
  if (mkdtemp(pattern) == nullptr) Die("mkdtemp");
  s.dir = pattern;
  s.clock = std::make_unique<ManualClock>(kStart + kSecond);
  Options options;
  options.clock = s.clock.get();
  options.background_maintenance = false;
  options.durability.policy = SyncPolicy::kSyncPeriodically;
  options.report = [](std::string_view) {};
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(s.dir + "/tsw", options);
  if (!engine.ok()) Die(engine.status().ToString());
  s.engine = std::move(*engine);
  if (auto r = s.engine->CreateDatabase({.database_name = "devops"}); !r.ok()) {
    Die(r.status().ToString());
  }
  CreateTableRequest create;
  create.database_name = "devops";
  create.table_name = "cpu";
  create.retention_properties = RetentionProperties{12, 3650};
  if (auto r = s.engine->CreateTable(create); !r.ok()) Die(r.status().ToString());

  if (sqlite3_open((s.dir + "/sqlite.db").c_str(), &s.db) != SQLITE_OK) Die("sqlite3_open");
  Exec(s.db, "PRAGMA journal_mode=WAL");
  Exec(s.db, "PRAGMA synchronous=NORMAL");
  Exec(s.db, "PRAGMA cache_size=-2000000");  // 2 GB: the whole database stays cached.
  Exec(s.db, "PRAGMA mmap_size=4000000000");
  std::vector<std::string> defs;
  for (const char* t : kTags) defs.push_back(absl::StrCat(t, " TEXT"));
  defs.push_back("measure_name TEXT");
  defs.push_back("time INTEGER");
  for (const char* f : kFields) defs.push_back(absl::StrCat(f, " REAL"));
  Exec(s.db, absl::StrCat("CREATE TABLE cpu (", absl::StrJoin(defs, ", "), ")"));
  std::string insert = "INSERT INTO cpu VALUES (?";
  for (int i = 1; i < kNumTags + 2 + kNumFields; ++i) insert += ", ?";
  insert += ")";
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(s.db, insert.c_str(), -1, &stmt, nullptr) != SQLITE_OK) Die("prepare");

  const std::vector<std::vector<std::string>> tags = MakeTags(g_hosts);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> step(0, 1);
  std::uniform_real_distribution<double> initial(0, 100);
  std::vector<std::array<double, kNumFields>> values(g_hosts);
  for (auto& v : values) {
    for (double& x : v) x = initial(rng);
  }
  Exec(s.db, "BEGIN");
  int64_t last_maintenance = kStart;
  for (int64_t t = kStart; t < kEnd; t += kInterval) {
    s.clock->Set(t + kSecond);
    if (t - last_maintenance >= kHour) {
      if (absl::Status st = s.engine->RunMaintenance(); !st.ok()) Die(st.ToString());
      last_maintenance = t;
    }
    WriteRecordsRequest request;
    request.database_name = "devops";
    request.table_name = "cpu";
    Record common;
    common.measure_name = "cpu";
    common.measure_value_type = MeasureValueType::kMulti;
    common.time = absl::StrCat(t);
    common.time_unit = TimeUnit::kNanoseconds;
    request.common_attributes = common;
    for (int h = 0; h < g_hosts; ++h) {
      Record r;
      for (int k = 0; k < kNumTags; ++k) {
        r.dimensions.push_back({.name = kTags[k], .value = tags[h][k]});
      }
      for (int f = 0; f < kNumFields; ++f) {
        double& x = values[h][f];
        x = std::clamp(x + step(rng), 0.0, 100.0);
        r.measure_values.push_back(
            {.name = kFields[f], .value = ShortestDouble(x), .type = MeasureValueType::kDouble});
      }
      request.records.push_back(std::move(r));
      int p = 1;
      for (int k = 0; k < kNumTags; ++k) {
        sqlite3_bind_text(stmt, p++, tags[h][k].c_str(), -1, SQLITE_STATIC);
      }
      sqlite3_bind_text(stmt, p++, "cpu", -1, SQLITE_STATIC);
      sqlite3_bind_int64(stmt, p++, t);
      for (int f = 0; f < kNumFields; ++f) sqlite3_bind_double(stmt, p++, values[h][f]);
      if (sqlite3_step(stmt) != SQLITE_DONE) Die("insert");
      sqlite3_reset(stmt);
      ++s.readings;
      if (request.records.size() == 100 || h == g_hosts - 1) {
        absl::StatusOr<WriteRecordsResponse> w = s.engine->WriteRecords(request);
        if (!w.ok()) Die(w.status().ToString());
        request.records.clear();
      }
    }
  }
  Exec(s.db, "COMMIT");
  sqlite3_finalize(stmt);
  s.clock->Set(kEnd);
  if (absl::Status st = s.engine->RunMaintenance(); !st.ok()) Die(st.ToString());
  Exec(s.db, "CREATE INDEX cpu_host_time ON cpu (hostname, time)");
  Exec(s.db, "CREATE INDEX cpu_measure_time ON cpu (measure_name, time)");
  Exec(s.db, "ANALYZE");
  absl::StatusOr<TableStats> stats = s.engine->GetTableStats("devops", "cpu");
  if (!stats.ok()) Die(stats.status().ToString());
  std::fprintf(
      stderr,
      "query_bench: %d hosts, %lld readings (%lld points); tsw: %lld in memory, %lld in "
      "%zu magnetic segments of %lld bytes\n",
      g_hosts, static_cast<long long>(s.readings), static_cast<long long>(s.readings * kNumFields),
      static_cast<long long>(stats->memory_points), static_cast<long long>(stats->magnetic_points),
      stats->segments.size(), static_cast<long long>(stats->magnetic_bytes));
  for (const auto& [kind, bytes] : stats->bytes_by_column_kind) {
    std::fprintf(stderr, "query_bench: magnetic %s columns: %lld bytes\n", kind.c_str(),
                 static_cast<long long>(bytes));
  }
}

// ---------------------------------------------------------------- queries

struct BenchQuery {
  std::string name;
  std::string tsw;
  std::string sqlite;
  bool ordered = false;  // ORDER BY fixes the answer's row order.
  int64_t points = 0;
  sqlite3_stmt* stmt = nullptr;
  std::string mismatch;  // Non-empty: the answers differ (the benchmarks report it).
};

std::string Ms(int64_t nanos) { return absl::StrCat(nanos / 1000000); }

std::string TswTimeRange(int64_t from, int64_t to) {
  return absl::StrCat("time >= from_milliseconds(", Ms(from), ") AND time < from_milliseconds(",
                      Ms(to), ")");
}
std::string SqliteTimeRange(int64_t from, int64_t to) {
  return absl::StrCat("time >= ", from, " AND time < ", to);
}

int64_t Readings(int hosts, int64_t from, int64_t to) {
  from = std::max(from, kStart);
  to = std::min(to, kEnd);
  return hosts * ((to - from + kInterval - 1) / kInterval);
}

std::vector<BenchQuery> MakeQueries() {
  const std::string table = "\"devops\".\"cpu\"";
  std::vector<BenchQuery> q;
  {
    std::vector<std::string> tsw_cols, sqlite_cols;
    for (const char* f : kFields) {
      tsw_cols.push_back(absl::StrCat("max_by(", f, ", time) AS ", f));
      sqlite_cols.push_back(absl::StrCat("c.", f));
    }
    // SQLite: one index probe per host for its latest time (the skip-ahead DISTINCT on
    // the (hostname, time) index, then max(time) from the same index).
    q.push_back({"lastpoint",
                 absl::StrCat("SELECT hostname, max(time) AS time, ", absl::StrJoin(tsw_cols, ", "),
                              " FROM ", table,
                              " WHERE measure_name = 'cpu' GROUP BY hostname ORDER BY hostname"),
                 absl::StrCat("SELECT c.hostname, c.time, ", absl::StrJoin(sqlite_cols, ", "),
                              " FROM (SELECT DISTINCT hostname FROM cpu) h JOIN cpu c ON "
                              "c.hostname = h.hostname AND c.time = (SELECT max(time) FROM cpu "
                              "WHERE hostname = h.hostname) ORDER BY c.hostname"),
                 true, Readings(g_hosts, kStart, kEnd) * kNumFields});
  }
  auto single_groupby = [&](const std::string& name, int hosts, int64_t from, int64_t to) {
    std::vector<std::string> names;
    for (int h = 0; h < hosts; ++h)
      names.push_back(absl::StrCat("'", HostName(h * 7 % g_hosts), "'"));
    const std::string in = absl::StrJoin(names, ", ");
    const std::string host_tsw =
        hosts == 1 ? absl::StrCat("hostname = ", in) : absl::StrCat("hostname IN (", in, ")");
    q.push_back(
        {name,
         absl::StrCat("SELECT bin(time, 1m) AS minute, max(usage_user) AS max_usage_user FROM ",
                      table, " WHERE measure_name = 'cpu' AND ", host_tsw, " AND ",
                      TswTimeRange(from, to), " GROUP BY bin(time, 1m) ORDER BY minute"),
         absl::StrCat("SELECT (time / 60000000000) * 60000000000 AS minute, max(usage_user) FROM "
                      "cpu WHERE measure_name = 'cpu' AND ",
                      host_tsw, " AND ", SqliteTimeRange(from, to),
                      " GROUP BY minute ORDER BY minute"),
         true, Readings(hosts, from, to)});
  };
  // The last 12 hours are in memory, the first 12 in magnetic segments.
  single_groupby("single-groupby-1-1-1", 1, kStart + 20 * kHour, kStart + 21 * kHour);
  single_groupby("single-groupby-1-8-1", 8, kStart + 20 * kHour, kStart + 21 * kHour);
  single_groupby("single-groupby-1-1-12", 1, kStart + 6 * kHour, kStart + 18 * kHour);
  q.push_back({"double-groupby-1",
               absl::StrCat("SELECT hostname, bin(time, 1h) AS hour, avg(usage_user) AS "
                            "mean_usage_user FROM ",
                            table, " WHERE measure_name = 'cpu' AND ", TswTimeRange(kStart, kEnd),
                            " GROUP BY hostname, bin(time, 1h) ORDER BY hostname, hour"),
               absl::StrCat("SELECT hostname, (time / 3600000000000) * 3600000000000 AS hour, "
                            "avg(usage_user) FROM cpu WHERE measure_name = 'cpu' AND ",
                            SqliteTimeRange(kStart, kEnd),
                            " GROUP BY hostname, hour ORDER BY hostname, hour"),
               true, Readings(g_hosts, kStart, kEnd)});
  {
    std::vector<std::string> cols;
    for (const char* t : kTags) cols.push_back(t);
    cols.push_back("measure_name");
    cols.push_back("time");
    for (const char* f : kFields) cols.push_back(f);
    const std::string list = absl::StrJoin(cols, ", ");  // SELECT *, spelled out.
    const int64_t from = kStart + 6 * kHour, to = kStart + 18 * kHour;
    q.push_back({"high-cpu-all",
                 absl::StrCat("SELECT ", list, " FROM ", table,
                              " WHERE measure_name = 'cpu' AND usage_user > 90.0 AND ",
                              TswTimeRange(from, to)),
                 absl::StrCat("SELECT ", list,
                              " FROM cpu WHERE measure_name = 'cpu' AND usage_user > 90.0 AND ",
                              SqliteTimeRange(from, to)),
                 false, Readings(g_hosts, from, to)});
  }
  {
    const int64_t before = kStart + 22 * kHour;
    q.push_back({"groupby-orderby-limit",
                 absl::StrCat("SELECT bin(time, 1m) AS minute, max(usage_user) AS max_usage_user "
                              "FROM ",
                              table, " WHERE measure_name = 'cpu' AND time < from_milliseconds(",
                              Ms(before), ") GROUP BY bin(time, 1m) ORDER BY minute DESC LIMIT 5"),
                 absl::StrCat("SELECT (time / 60000000000) * 60000000000 AS minute, "
                              "max(usage_user) FROM cpu WHERE measure_name = 'cpu' AND time < ",
                              before, " GROUP BY minute ORDER BY minute DESC LIMIT 5"),
                 true, Readings(g_hosts, kStart, before)});
  }
  return q;
}

std::vector<BenchQuery>* g_queries = nullptr;

// ---------------------------------------------------------------- running and checking

// A cell as text for the answer check: integers and strings exactly, doubles as numbers.
struct Cell {
  bool null = true;
  bool is_double = false;
  double d = 0;
  std::string s;
};
using Rows = std::vector<std::vector<Cell>>;

absl::Status RunTsw(const std::string& sql, Rows* rows, double* checksum) {
  return g_stores->engine->QueryStream(sql, [&](const QueryBatch& batch) {
    for (const QueryColumn& c : batch.columns) {
      if (!c.doubles.empty()) *checksum += c.doubles[0];
      if (!c.ints.empty()) *checksum += static_cast<double>(c.ints.back());
    }
    *checksum += static_cast<double>(batch.num_rows);
    if (rows == nullptr) return true;
    for (int64_t r = 0; r < batch.num_rows; ++r) {
      std::vector<Cell> row;
      for (const QueryColumn& c : batch.columns) {
        Cell cell;
        if (c.present.empty() || c.present[r] != 0) {
          cell.null = false;
          switch (c.type) {
            case ScalarType::kDouble:
              cell.is_double = true;
              cell.d = c.doubles[r];
              break;
            case ScalarType::kVarchar:
              cell.s = c.strings[r];
              break;
            default:
              cell.s = absl::StrCat(c.ints[r]);
          }
        }
        row.push_back(std::move(cell));
      }
      rows->push_back(std::move(row));
    }
    return true;
  });
}

void RunSqlite(sqlite3_stmt* stmt, Rows* rows, double* checksum) {
  sqlite3_reset(stmt);
  const int n = sqlite3_column_count(stmt);
  int64_t count = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    ++count;
    std::vector<Cell> row;
    for (int c = 0; c < n; ++c) {
      const int type = sqlite3_column_type(stmt, c);
      Cell cell;
      if (type == SQLITE_FLOAT) {
        cell.null = false;
        cell.is_double = true;
        cell.d = sqlite3_column_double(stmt, c);
        *checksum += cell.d;
      } else if (type == SQLITE_INTEGER) {
        cell.null = false;
        cell.s = absl::StrCat(sqlite3_column_int64(stmt, c));
      } else if (type == SQLITE_TEXT) {
        cell.null = false;
        cell.s = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
      }
      if (rows != nullptr) row.push_back(std::move(cell));
    }
    if (rows != nullptr) rows->push_back(std::move(row));
  }
  *checksum += static_cast<double>(count);
}

bool CellsMatch(const Cell& a, const Cell& b) {
  if (a.null || b.null) return a.null == b.null;
  if (a.is_double != b.is_double) return false;
  if (!a.is_double) return a.s == b.s;
  return std::fabs(a.d - b.d) <= 1e-9 * std::max(std::fabs(a.d), std::fabs(b.d));
}

std::string CheckAnswers(BenchQuery& q) {
  Rows got, want;
  double checksum = 0;
  absl::Status s = RunTsw(q.tsw, &got, &checksum);
  if (!s.ok()) return absl::StrCat("tsw: ", s.ToString());
  RunSqlite(q.stmt, &want, &checksum);
  auto key = [](const std::vector<Cell>& r) {
    std::string k;
    for (const Cell& c : r)
      absl::StrAppend(&k, c.null ? "N" : (c.is_double ? ShortestDouble(c.d) : c.s), "|");
    return k;
  };
  if (!q.ordered) {
    auto by_key = [&](const auto& x, const auto& y) { return key(x) < key(y); };
    std::sort(got.begin(), got.end(), by_key);
    std::sort(want.begin(), want.end(), by_key);
  }
  if (got.size() != want.size()) {
    return absl::StrCat("tsw answered ", got.size(), " rows, SQLite ", want.size());
  }
  for (size_t r = 0; r < got.size(); ++r) {
    bool same = got[r].size() == want[r].size();
    for (size_t c = 0; same && c < got[r].size(); ++c) same = CellsMatch(got[r][c], want[r][c]);
    if (!same) return absl::StrCat("row ", r, ": tsw ", key(got[r]), " SQLite ", key(want[r]));
  }
  std::fprintf(stderr, "query_bench: %s: %zu rows, answers match\n", q.name.c_str(), got.size());
  return "";
}

void BM_QueryTsw(benchmark::State& state, BenchQuery* q) {
  if (!q->mismatch.empty()) {
    state.SkipWithError(q->mismatch.c_str());
    return;
  }
  double checksum = 0;
  for (auto _ : state) {
    absl::Status s = RunTsw(q->tsw, nullptr, &checksum);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  benchmark::DoNotOptimize(checksum);
  state.counters["points"] = benchmark::Counter(static_cast<double>(q->points),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

void BM_QuerySqlite(benchmark::State& state, BenchQuery* q) {
  if (!q->mismatch.empty()) {
    state.SkipWithError(q->mismatch.c_str());
    return;
  }
  double checksum = 0;
  for (auto _ : state) RunSqlite(q->stmt, nullptr, &checksum);
  benchmark::DoNotOptimize(checksum);
  state.counters["points"] = benchmark::Counter(static_cast<double>(q->points),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

// The memory-bandwidth ceiling: doubles summed per second from an array far larger than the
// caches.
void BM_SumDoubles(benchmark::State& state) {
  std::vector<double> v(size_t{64} << 20 >> 3, 1.0);  // 64 MiB.
  for (auto _ : state) {
    double a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= v.size(); i += 4) {
      a += v[i];
      b += v[i + 1];
      c += v[i + 2];
      d += v[i + 3];
    }
    benchmark::DoNotOptimize(a + b + c + d);
  }
  state.counters["points"] = benchmark::Counter(static_cast<double>(v.size()),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace
}  // namespace tsw

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--hosts=", 8) == 0) {
      tsw::g_hosts = std::max(8, std::atoi(argv[i] + 8));
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;

  tsw::Stores stores;
  tsw::g_stores = &stores;
  tsw::Load(stores);
  std::vector<tsw::BenchQuery> queries = tsw::MakeQueries();
  tsw::g_queries = &queries;
  for (tsw::BenchQuery& q : queries) {
    if (sqlite3_prepare_v2(stores.db, q.sqlite.c_str(), -1, &q.stmt, nullptr) != SQLITE_OK) {
      tsw::Die(absl::StrCat(q.name, ": ", sqlite3_errmsg(stores.db)));
    }
    q.mismatch = tsw::CheckAnswers(q);
    if (!q.mismatch.empty()) {
      std::fprintf(stderr, "query_bench: %s: ANSWERS DIFFER: %s\n  tsw: %s\n  SQLite: %s\n",
                   q.name.c_str(), q.mismatch.c_str(), q.tsw.c_str(), q.sqlite.c_str());
    }
    benchmark::RegisterBenchmark(absl::StrCat("BM_Query/", q.name, "/tsw").c_str(),
                                 tsw::BM_QueryTsw, &q);
    benchmark::RegisterBenchmark(absl::StrCat("BM_Query/", q.name, "/sqlite").c_str(),
                                 tsw::BM_QuerySqlite, &q);
  }
  benchmark::RegisterBenchmark("BM_SumDoubles", tsw::BM_SumDoubles);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  for (tsw::BenchQuery& q : queries) sqlite3_finalize(q.stmt);
  sqlite3_close(stores.db);
  (void)stores.engine->Close();
  std::filesystem::remove_all(stores.dir);
  return 0;
}
