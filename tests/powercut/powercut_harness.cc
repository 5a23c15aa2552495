#include "tests/powercut/powercut_harness.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/common/fault_env.h"
#include "tsw/clock.h"
#include "tsw/engine.h"
#include "tsw/status.h"
#include "tsw/types.h"

namespace tsw::testing::powercut {
namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kMinute = 60 * 1000 * kMs;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kStartNanos = 1700000000LL * 1000000000;
constexpr char kDir[] = "/data";
constexpr char kDataDb[] = "pcdata";
const char* const kDataTables[] = {"tab0", "tab1"};
constexpr int kWriters = 2;
constexpr int kRequestsPerWriter = 14;
constexpr int kCatalogOps = 10;
constexpr int kMaxProblems = 12;
// Data tables: one hour in memory, one day in the magnetic store. Writers touch rows no
// older than 20 hours; the clock does not move while a request is being answered.
constexpr int64_t kMagneticDays = 1;
constexpr int64_t kWriteSpan = 20 * kHour;
constexpr int64_t kMaxAdvance = 24 * kHour;  // Of the clock in one epoch.

// ---- The model of stored rows.

using Key = std::tuple<std::string, std::string, std::string, int64_t>;  // table, series,
                                                                         // measure, time
struct Cell {
  int64_t version = 0;
  MeasureValueType type = MeasureValueType::kDouble;
  std::string value;  // As a scan shows it; MULTI: "attr=value;..." sorted.
  bool operator==(const Cell& o) const {
    return version == o.version && type == o.type && value == o.value;
  }
  bool operator!=(const Cell& o) const { return !(*this == o); }
};
using Rows = std::map<Key, Cell>;

std::string KeyText(const Key& k) {
  return absl::StrCat(std::get<0>(k), " {", std::get<1>(k), "} ", std::get<2>(k), " @",
                      std::get<3>(k));
}
std::string CellText(const Cell& c) { return absl::StrCat("v", c.version, " ", c.value); }

enum class Outcome { kInserted, kReplaced, kIdempotent, kRejected };

// Timestream's Version rules.
Outcome Apply(Rows& rows, const Key& key, const Cell& cell) {
  auto it = rows.find(key);
  if (it == rows.end()) {
    rows.emplace(key, cell);
    return Outcome::kInserted;
  }
  if (cell.version > it->second.version) {
    it->second = cell;
    return Outcome::kReplaced;
  }
  return it->second.value == cell.value ? Outcome::kIdempotent : Outcome::kRejected;
}

std::string DoubleText(double d) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

std::string ScanCellText(const ScanColumn& c, size_t i) {
  switch (c.type) {
    case MeasureValueType::kDouble:
      return DoubleText(c.doubles[i]);
    case MeasureValueType::kVarchar:
      return c.strings[i];
    case MeasureValueType::kBoolean:
      return c.ints[i] ? "true" : "false";
    default:
      return absl::StrCat(c.ints[i]);
  }
}

std::string SeriesText(const std::vector<Dimension>& dims) {
  std::vector<std::string> parts;
  for (const Dimension& d : dims) parts.push_back(absl::StrCat(d.name, "=", d.value));
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, ",");
}

Dimension Dim(std::string name, std::string value) {
  Dimension d;
  d.name = std::move(name);
  d.value = std::move(value);
  return d;
}

// Scans `table` of `db` into `*rows`, counting rows seen twice. False if the scan failed.
bool ScanTable(Engine& engine, const std::string& db, const std::string& table, Rows* rows,
               int64_t* duplicated, std::string* error) {
  ScanRequest request;
  request.database_name = db;
  request.table_name = table;
  absl::Status s = engine.Scan(request, [&](const ScanBatch& b) {
    const std::string series = SeriesText(b.dimensions);
    for (size_t i = 0; i < b.time_nanos.size(); ++i) {
      Cell cell;
      cell.version = b.versions[i];
      cell.type = b.measure_value_type;
      if (b.measure_value_type != MeasureValueType::kMulti) {
        cell.value = ScanCellText(b.columns.at(0), i);
      } else {
        std::vector<std::string> parts;
        for (const ScanColumn& c : b.columns) {
          if (c.present.at(i)) parts.push_back(absl::StrCat(c.name, "=", ScanCellText(c, i)));
        }
        std::sort(parts.begin(), parts.end());
        cell.value = absl::StrJoin(parts, ";");
      }
      if (!rows->emplace(Key(table, series, b.measure_name, b.time_nanos[i]), cell).second) {
        ++*duplicated;
      }
    }
    return true;
  });
  if (!s.ok()) *error = absl::StrCat("scan of ", db, ".", table, ": ", s.ToString());
  return s.ok();
}

// ---- Records.

struct MeasureKind {
  const char* name;
  MeasureValueType type;
};
constexpr MeasureKind kMeasures[] = {
    {"cpu", MeasureValueType::kDouble},    {"count", MeasureValueType::kBigint},
    {"state", MeasureValueType::kVarchar}, {"up", MeasureValueType::kBoolean},
    {"at", MeasureValueType::kTimestamp},  {"metrics", MeasureValueType::kMulti},
};

MeasureValueType AttributeType(absl::string_view name) {
  if (name == "load") return MeasureValueType::kDouble;
  if (name == "mode") return MeasureValueType::kVarchar;
  if (name == "apps") return MeasureValueType::kBigint;
  return MeasureValueType::kTimestamp;  // "seen"
}

// A value as a record sends it, from its text as a scan shows it (TIMESTAMP values are
// sent in milliseconds, the records' time unit, and shown in nanoseconds).
std::string SentText(MeasureValueType type, const std::string& shown) {
  if (type != MeasureValueType::kTimestamp) return shown;
  int64_t nanos = 0;
  (void)absl::SimpleAtoi(shown, &nanos);
  return absl::StrCat(nanos / kMs);
}

// The record that stores `cell` under `key` (series "h=..,w=.." or "mk=1,w=..").
Record RecordFor(const Key& key, const Cell& cell) {
  Record r;
  for (absl::string_view pair : absl::StrSplit(std::get<1>(key), ',')) {
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    r.dimensions.push_back(Dim(kv[0], kv[1]));
  }
  r.measure_name = std::get<2>(key);
  r.time = absl::StrCat(std::get<3>(key) / kMs);
  r.version = cell.version;
  r.measure_value_type = cell.type;
  if (cell.type != MeasureValueType::kMulti) {
    r.measure_value = SentText(cell.type, cell.value);
    return r;
  }
  for (absl::string_view part : absl::StrSplit(cell.value, ';')) {
    std::vector<std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    MeasureValue v;
    v.name = kv[0];
    v.type = AttributeType(kv[0]);
    v.value = SentText(v.type, kv[1]);
    r.measure_values.push_back(std::move(v));
  }
  return r;
}

// A fresh value of `type` as a scan shows it.
std::string RandomValue(std::mt19937_64& rng, MeasureValueType type) {
  switch (type) {
    case MeasureValueType::kDouble:
      return DoubleText(static_cast<double>(static_cast<int64_t>(rng() % 200000) - 100000) / 8);
    case MeasureValueType::kBigint:
      return absl::StrCat(static_cast<int64_t>(rng() % 2000000) - 1000000);
    case MeasureValueType::kVarchar:
      return absl::StrCat("s", rng() % 1000);
    case MeasureValueType::kBoolean:
      return rng() % 2 ? "true" : "false";
    case MeasureValueType::kTimestamp:
      return absl::StrCat((kStartNanos / kMs + static_cast<int64_t>(rng() % 100000000)) * kMs);
    default: {
      std::vector<std::string> parts = {
          absl::StrCat("load=", RandomValue(rng, MeasureValueType::kDouble))};
      if (rng() % 2) parts.push_back(absl::StrCat("mode=m", rng() % 4));
      if (rng() % 3 == 0) parts.push_back(absl::StrCat("apps=", rng() % 90));
      if (rng() % 4 == 0) {
        parts.push_back(absl::StrCat("seen=", RandomValue(rng, MeasureValueType::kTimestamp)));
      }
      std::sort(parts.begin(), parts.end());
      return absl::StrJoin(parts, ";");
    }
  }
}

// ---- One epoch's bookkeeping.

// One WriteRecords of a writer thread.
struct Request {
  int table = 0;
  Key marker;
  Cell marker_cell;
  std::vector<std::pair<Key, Cell>> cells;  // Accepted records, in order (marker last).
  int64_t send_sequence = 0;
  int64_t ack_sequence = 0;  // FaultEnv::Sequence() after the acknowledgement.
  bool acked = false;        // Else in flight at the cut.
};

// The catalog databases the catalog thread owns (data tables live in kDataDb).
struct TableModel {
  int64_t memory_hours = 1;
  int64_t magnetic_days = 1;
  bool magnetic_writes = false;
  std::map<std::string, std::string> tags;
  Rows rows;
};
struct DatabaseModel {
  std::string kms;
  std::map<std::string, std::string> tags;
  std::map<std::string, TableModel> tables;
};
using CatalogModel = std::map<std::string, DatabaseModel>;

std::string Render(const CatalogModel& catalog, int64_t now) {
  std::string out;
  for (const auto& [db, d] : catalog) {
    absl::StrAppend(&out, "db ", db, " kms=", d.kms, " tags{");
    for (const auto& [k, v] : d.tags) absl::StrAppend(&out, k, "=", v, ",");
    absl::StrAppend(&out, "}\n");
    for (const auto& [t, m] : d.tables) {
      absl::StrAppend(&out, "  table ", t, " ", m.memory_hours, "h ", m.magnetic_days, "d ",
                      m.magnetic_writes ? "mw" : "-", " tags{");
      for (const auto& [k, v] : m.tags) absl::StrAppend(&out, k, "=", v, ",");
      absl::StrAppend(&out, "}\n");
      for (const auto& [key, cell] : m.rows) {
        if (std::get<3>(key) < now - m.magnetic_days * kDay) continue;  // May be gone.
        absl::StrAppend(&out, "    ", KeyText(key), " ", CellText(cell), "\n");
      }
    }
  }
  return out;
}

std::map<std::string, std::string> TagMap(const std::vector<Tag>& tags) {
  std::map<std::string, std::string> out;
  for (const Tag& t : tags) out[t.key] = t.value;
  return out;
}

class Campaign {
 public:
  explicit Campaign(const CampaignOptions& options) : options_(options), rng_(options.seed) {}

  Summary Run() {
    while (summary_.cuts < options_.cuts && !stopped_) RunOnce();
    return summary_;
  }

 private:
  void Problem(std::string text) {
    std::lock_guard<std::mutex> lock(mu_);
    if (summary_.problems.size() < kMaxProblems) summary_.problems.push_back(std::move(text));
  }

  Options EngineOptions() {
    Options o;
    o.env = env_.get();
    o.clock = clock_.get();
    o.background_maintenance = false;
    o.durability.policy = options_.policy;
    o.durability.sync_interval_millis = 1;
    o.report = [](std::string_view) {};
    return o;
  }

  // A fresh directory: the data tables created, then epochs until the run's cuts are made.
  void RunOnce() {
    env_ = std::make_unique<FaultEnv>();
    clock_ = std::make_unique<ManualClock>(kStartNanos);
    // Stops the campaign on a failure before the first cut: the workload cannot start.
    auto setup_failed = [this](absl::string_view what, const absl::Status& s) {
      if (s.ok()) return false;
      ++summary_.other;
      Problem(absl::StrCat("setup: ", what, ": ", s.ToString()));
      stopped_ = true;
      engine_.reset();
      return true;
    };
    if (setup_failed("mkdir", env_->CreateDir(kDir))) return;
    if (setup_failed("sync /", env_->SyncDir("/"))) return;
    absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(kDir, EngineOptions());
    if (setup_failed("open", opened.status())) return;
    engine_ = *std::move(opened);
    if (setup_failed("create database",
                     engine_->CreateDatabase({.database_name = kDataDb}).status())) {
      return;
    }
    for (int t = 0; t < 2; ++t) {
      absl::StatusOr<std::vector<std::string>> before =
          env_->ListDir(absl::StrCat(kDir, "/tables"));
      if (setup_failed("list tables/", before.status())) return;
      CreateTableRequest create;
      create.database_name = kDataDb;
      create.table_name = kDataTables[t];
      create.retention_properties = RetentionProperties{1 + 2 * t, kMagneticDays};
      MagneticStoreWriteProperties magnetic;
      magnetic.enable_magnetic_store_writes = true;
      create.magnetic_store_write_properties = magnetic;
      if (setup_failed("create table", engine_->CreateTable(create).status())) return;
      absl::StatusOr<std::vector<std::string>> after = env_->ListDir(absl::StrCat(kDir, "/tables"));
      if (setup_failed("list tables/", after.status())) return;
      // The table's directory is the new entry of tables/: its log is what a sync of
      // this table's acknowledged writes goes through.
      for (const std::string& name : *after) {
        if (std::find(before->begin(), before->end(), name) == before->end()) {
          wal_path_[t] = absl::StrCat("/tables/", name, "/wal/");
        }
      }
    }
    rows_.clear();
    catalog_.clear();
    next_marker_ = 0;
    for (int e = 0; e < options_.epochs_per_run && summary_.cuts < options_.cuts; ++e) {
      epoch_ = e;
      if (!RunEpoch()) break;
    }
    engine_.reset();
  }

  // ---- Threads of the workload.

  void Writer(int w, std::vector<Request>* requests) {
    std::mt19937_64 rng(rng_seed_ + 101 * w);
    // This writer's rows: its series are its own.
    Rows mine;
    for (const auto& [key, cell] : rows_) {
      if (absl::StrContains(std::get<1>(key), absl::StrCat("w=", w))) mine.emplace(key, cell);
    }
    const std::string wtext = absl::StrCat(w);
    for (int r = 0; r < kRequestsPerWriter; ++r) {
      Request req;
      req.table = static_cast<int>(rng() % 2);
      const std::string table = kDataTables[req.table];
      // The clock stands still from reading "now" to the answer, so the model knows which
      // records the engine rejects for their time.
      std::shared_lock<std::shared_mutex> clock_lock(clock_mu_);
      const int64_t now = clock_->NowNanos();
      Rows scratch = mine;
      WriteRecordsRequest request;
      request.database_name = kDataDb;
      request.table_name = table;
      std::vector<int> predicted_rejections;
      std::set<Key> in_request;
      const int n = 1 + static_cast<int>(rng() % 6);
      for (int i = 0; i < n; ++i) {
        const int what = static_cast<int>(rng() % 10);
        // Existing keys of this table still well inside the window, for upserts.
        std::vector<const std::pair<const Key, Cell>*> live;
        if (what >= 5 && what <= 7) {
          for (const auto& entry : scratch) {
            if (std::get<0>(entry.first) == table && std::get<3>(entry.first) > now - kWriteSpan &&
                absl::StartsWith(std::get<1>(entry.first), "h=") &&
                in_request.count(entry.first) == 0) {
              live.push_back(&entry);
            }
          }
        }
        Key key;
        Cell cell;
        bool time_rejected = false;
        if (what >= 8) {
          // Rejected for its time: in the future, or past the magnetic window.
          const MeasureKind& m = kMeasures[rng() % 6];
          const int64_t t = (what == 8 ? now + 6 * kHour : now - kMagneticDays * kDay - 6 * kHour);
          key = Key(table, absl::StrCat("h=", rng() % 3, ",w=", wtext), m.name, t / kMs * kMs);
          cell = Cell{1, m.type, RandomValue(rng, m.type)};
          time_rejected = true;
        } else if (!live.empty()) {
          const auto& [old_key, old_cell] = *live[rng() % live.size()];
          key = old_key;
          cell = old_cell;
          if (what == 5) {  // A higher Version replaces.
            cell.version += 1 + static_cast<int64_t>(rng() % 2);
            cell.value = RandomValue(rng, cell.type);
          } else if (what == 6) {  // The same again: idempotent.
          } else {                 // A different value at no higher a Version: rejected.
            if (cell.version > 1) cell.version -= static_cast<int64_t>(rng() % 2);
            std::string v;
            do {
              v = RandomValue(rng, cell.type);
            } while (v == cell.value);
            cell.value = v;
          }
        } else {
          const MeasureKind& m = kMeasures[rng() % 6];
          do {
            const int64_t t = now - 1 - static_cast<int64_t>(rng() % (kWriteSpan / kMs)) * kMs;
            key = Key(table, absl::StrCat("h=", rng() % 3, ",w=", wtext), m.name, t / kMs * kMs);
          } while (scratch.count(key) != 0 || in_request.count(key) != 0);
          cell = Cell{1 + static_cast<int64_t>(rng() % 3), m.type, RandomValue(rng, m.type)};
        }
        in_request.insert(key);
        request.records.push_back(RecordFor(key, cell));
        if (time_rejected || Apply(scratch, key, cell) == Outcome::kRejected) {
          predicted_rejections.push_back(static_cast<int>(request.records.size()) - 1);
        } else {
          req.cells.emplace_back(key, cell);
        }
      }
      // The marker: which requests a recovery kept. Its time is unique to the writer.
      const int64_t marker_id = next_marker_.fetch_add(1);
      req.marker = Key(table, absl::StrCat("mk=1,w=", wtext), "req",
                       (now - kHour) / kMs * kMs + marker_id * kMs);
      req.marker_cell = Cell{1, MeasureValueType::kBigint, absl::StrCat(marker_id)};
      request.records.push_back(RecordFor(req.marker, req.marker_cell));
      Apply(scratch, req.marker, req.marker_cell);
      req.cells.emplace_back(req.marker, req.marker_cell);

      req.send_sequence = env_->Sequence();
      absl::StatusOr<WriteRecordsResponse> result = engine_->WriteRecords(request);
      const bool acked = result.ok() || KindOf(result.status()) == ErrorKind::kRejectedRecords;
      const bool cut_since = env_->power_cuts() != epoch_cuts_;
      if (acked) {
        req.ack_sequence = env_->Sequence();
        req.acked = true;
        mine = std::move(scratch);
        std::vector<int> rejected;
        for (const RejectedRecord& rr : RejectedRecordsOf(result.status())) {
          rejected.push_back(rr.record_index);
        }
        std::sort(rejected.begin(), rejected.end());
        if (!cut_since && rejected != predicted_rejections) {
          ++other_;
          Problem(absl::StrCat("writer ", w, ": rejected [", absl::StrJoin(rejected, ","),
                               "], expected [", absl::StrJoin(predicted_rejections, ","),
                               "]: ", result.status().ToString()));
        }
      }
      requests->push_back(std::move(req));
      if (!acked) {
        if (!cut_since) {
          ++other_;
          Problem(absl::StrCat("writer ", w,
                               ": error with the power on: ", result.status().ToString()));
        }
        return;
      }
    }
  }

  // The catalog thread: returns the models after each acknowledged change; `*in_flight`
  // the model had the change in flight at the cut been applied.
  void CatalogWorker(std::vector<CatalogModel>* states, std::optional<CatalogModel>* in_flight) {
    std::mt19937_64 rng(rng_seed_ + 7);
    CatalogModel model = catalog_;
    auto pick_tags = [&rng]() {
      std::vector<Tag> tags;
      const int first = static_cast<int>(rng() % 4);
      const int n = static_cast<int>(rng() % 3);
      for (int i = 0; i < n; ++i) {
        tags.push_back(Tag{absl::StrCat("k", (first + i) % 4), absl::StrCat("v", rng() % 10)});
      }
      return tags;
    };
    auto db_arn = [](const std::string& db) {
      return absl::StrCat("arn:aws:timestream:us-east-1:000000000000:database/", db);
    };
    auto table_arn = [&db_arn](const std::string& db, const std::string& t) {
      return absl::StrCat(db_arn(db), "/table/", t);
    };
    for (int op = 0; op < kCatalogOps; ++op) {
      CatalogModel next = model;
      absl::Status status;
      std::vector<std::string> dbs;
      for (const auto& [name, d] : model) dbs.push_back(name);
      const int what = static_cast<int>(rng() % 9);
      const std::string some_db = dbs.empty() ? "" : dbs[rng() % dbs.size()];
      std::vector<std::string> tables;
      if (!some_db.empty()) {
        for (const auto& [name, t] : model[some_db].tables) tables.push_back(name);
      }
      const std::string some_table = tables.empty() ? "" : tables[rng() % tables.size()];
      if (what == 0 || dbs.empty()) {
        const std::string db = absl::StrCat("cat", rng() % 3);
        if (model.count(db) != 0) continue;
        CreateDatabaseRequest request{.database_name = db,
                                      .kms_key_id = absl::StrCat("alias/k", rng() % 5),
                                      .tags = pick_tags()};
        next[db].kms = *request.kms_key_id;
        next[db].tags = TagMap(request.tags);
        status = engine_->CreateDatabase(request).status();
      } else if (what == 1) {
        if (!tables.empty()) continue;
        next.erase(some_db);
        status = engine_->DeleteDatabase({.database_name = some_db});
      } else if (what == 2) {
        UpdateDatabaseRequest request{some_db, absl::StrCat("alias/k", rng() % 5)};
        next[some_db].kms = request.kms_key_id;
        status = engine_->UpdateDatabase(request).status();
      } else if (what == 3 || tables.empty()) {
        const std::string t = absl::StrCat("tbl", rng() % 4);
        if (model[some_db].tables.count(t) != 0) continue;
        CreateTableRequest request;
        request.database_name = some_db;
        request.table_name = t;
        TableModel& m = next[some_db].tables[t];
        m.memory_hours = 2 + static_cast<int64_t>(rng() % 23);
        m.magnetic_days = 2 + static_cast<int64_t>(rng() % 4);
        m.magnetic_writes = rng() % 2;
        request.retention_properties = RetentionProperties{m.memory_hours, m.magnetic_days};
        MagneticStoreWriteProperties magnetic;
        magnetic.enable_magnetic_store_writes = m.magnetic_writes;
        request.magnetic_store_write_properties = magnetic;
        request.tags = pick_tags();
        m.tags = TagMap(request.tags);
        status = engine_->CreateTable(request).status();
      } else if (what == 4) {
        next[some_db].tables.erase(some_table);
        status = engine_->DeleteTable({some_db, some_table});
      } else if (what == 5) {
        TableModel& m = next[some_db].tables[some_table];
        m.memory_hours = 2 + static_cast<int64_t>(rng() % 23);
        m.magnetic_writes = rng() % 2;
        UpdateTableRequest request;
        request.database_name = some_db;
        request.table_name = some_table;
        request.retention_properties = RetentionProperties{m.memory_hours, m.magnetic_days};
        MagneticStoreWriteProperties magnetic;
        magnetic.enable_magnetic_store_writes = m.magnetic_writes;
        request.magnetic_store_write_properties = magnetic;
        status = engine_->UpdateTable(request).status();
      } else if (what == 6) {
        std::vector<Tag> tags = pick_tags();
        if (tags.empty()) tags.push_back(Tag{"k0", "v0"});
        const bool on_table = rng() % 2;
        auto& target = on_table ? next[some_db].tables[some_table].tags : next[some_db].tags;
        for (const Tag& t : tags) target[t.key] = t.value;
        status =
            engine_
                ->TagResource({on_table ? table_arn(some_db, some_table) : db_arn(some_db), tags})
                .status();
      } else if (what == 7) {
        const bool on_table = rng() % 2;
        auto& target = on_table ? next[some_db].tables[some_table].tags : next[some_db].tags;
        const std::string key = absl::StrCat("k", rng() % 4);
        target.erase(key);
        status = engine_
                     ->UntagResource(
                         {on_table ? table_arn(some_db, some_table) : db_arn(some_db), {key}})
                     .status();
      } else {
        // A row in a catalog table (whose deletion must take it along). Under
        // kSyncPeriodically an acknowledged row may still be lost; the writers check that.
        if (options_.policy != SyncPolicy::kSyncBeforeAck) continue;
        std::shared_lock<std::shared_mutex> clock_lock(clock_mu_);
        const int64_t now = clock_->NowNanos();
        const int64_t t = (now - kMinute) / kMs * kMs;
        const Key key(some_table, "c=1", "v", t);
        TableModel& m = next[some_db].tables[some_table];
        if (m.rows.count(key) != 0) continue;
        const Cell cell{1, MeasureValueType::kDouble, RandomValue(rng, MeasureValueType::kDouble)};
        m.rows.emplace(key, cell);
        WriteRecordsRequest request;
        request.database_name = some_db;
        request.table_name = some_table;
        request.records.push_back(RecordFor(key, cell));
        status = engine_->WriteRecords(request).status();
      }
      if (status.ok()) {
        model = std::move(next);
        states->push_back(model);
        continue;
      }
      if (env_->power_cuts() == epoch_cuts_) {
        ++other_;
        Problem(absl::StrCat("catalog: error with the power on: ", status.ToString()));
      }
      *in_flight = std::move(next);
      return;
    }
  }

  void Maintainer(const std::atomic<int>* writers_left) {
    std::mt19937_64 rng(rng_seed_ + 13);
    // At least a few passes per epoch, so segments are written, compacted and expired
    // while the writers run and after.
    // The clock moves at most kMaxAdvance per epoch, so rows age out over a few epochs.
    int64_t advanced = 0;
    for (int pass = 0; pass < 3 || writers_left->load() > 0; ++pass) {
      const int64_t step =
          std::min(static_cast<int64_t>(rng() % 60) * kMinute, kMaxAdvance - advanced);
      {
        std::unique_lock<std::shared_mutex> clock_lock(clock_mu_);
        clock_->Advance(step);
      }
      advanced += step;
      absl::Status s = engine_->RunMaintenance();
      if (!s.ok()) {
        if (env_->power_cuts() == epoch_cuts_) {
          ++other_;
          Problem(absl::StrCat("maintenance: error with the power on: ", s.ToString()));
        }
        return;
      }
      std::this_thread::yield();
    }
  }

  // ---- One epoch: the workload until the cut, a reopen, the check.

  CutOptions RandomCut() {
    CutOptions cut;
    cut.mode = rng_() % 4 == 0 ? CutMode::kWorstCase : CutMode::kRandom;
    cut.seed = rng_();
    return cut;
  }

  const char* PolicyName() const {
    return options_.policy == SyncPolicy::kSyncBeforeAck ? "kSyncBeforeAck" : "kSyncPeriodically";
  }

  bool RunEpoch() {
    rng_seed_ = rng_();
    epoch_cuts_ = env_->power_cuts();
    const int64_t ops_before = env_->MutatingOps();
    env_->CutPowerAfter(1 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(epoch_ops_)),
                        RandomCut());
    std::vector<Request> requests[kWriters];
    std::vector<CatalogModel> catalog_states;
    std::optional<CatalogModel> catalog_in_flight;
    {
      std::atomic<int> writers_left{kWriters};
      std::vector<std::thread> threads;
      for (int w = 0; w < kWriters; ++w) {
        threads.emplace_back([this, w, &requests, &writers_left] {
          Writer(w, &requests[w]);
          --writers_left;
        });
      }
      threads.emplace_back([this, &catalog_states, &catalog_in_flight] {
        CatalogWorker(&catalog_states, &catalog_in_flight);
      });
      threads.emplace_back([this, &writers_left] { Maintainer(&writers_left); });
      for (std::thread& t : threads) t.join();
    }
    if (!env_->powered()) ++summary_.cuts_mid_workload;
    if (env_->powered()) {
      // The workload ended first: cut now, and aim the next cut inside the workload.
      epoch_ops_ = std::max<int64_t>(20, env_->MutatingOps() - ops_before);
      env_->CutPowerAfter(0);
      env_->CutPower(RandomCut());
    }
    ++summary_.cuts;
    int64_t synced[2];
    for (int t = 0; t < 2; ++t) synced[t] = env_->LastSyncSequence(wal_path_[t]);
    engine_.reset();  // The dead engine's destructor, on a dead file system.
    env_->PowerOn();

    // Sometimes the power goes again while the next Open recovers.
    if (rng_() % 4 == 0 && summary_.cuts < options_.cuts) {
      env_->CutPowerAfter(1 + static_cast<int64_t>(rng_() % 12), RandomCut());
      absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(kDir, EngineOptions());
      env_->CutPowerAfter(0);
      if (!env_->powered()) {
        ++summary_.cuts;
        ++summary_.cuts_in_open;
        opened = absl::UnknownError("cut");
        env_->PowerOn();
      } else if (!opened.ok()) {
        ++summary_.unclean_opens;
        Problem(absl::StrCat("open: ", opened.status().ToString()));
        return false;
      }
    }
    absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(kDir, EngineOptions());
    if (!opened.ok()) {
      ++summary_.unclean_opens;
      Problem(absl::StrCat("open: ", opened.status().ToString()));
      return false;
    }
    engine_ = *std::move(opened);
    absl::StatusOr<std::vector<std::string>> problems = engine_->Verify();
    if (!problems.ok() || !problems->empty()) {
      ++summary_.unclean_opens;
      Problem(absl::StrCat("verify: ", problems.ok() ? absl::StrJoin(*problems, "; ")
                                                     : problems.status().ToString()));
      return false;
    }
    const bool data_ok = CheckData(requests, synced);
    const bool catalog_ok = CheckCatalog(catalog_states, catalog_in_flight);
    summary_.other += other_.exchange(0);
    return data_ok && catalog_ok;
  }

  bool CheckData(const std::vector<Request> (&requests)[kWriters], const int64_t (&synced)[2]) {
    Rows actual;
    for (const char* table : kDataTables) {
      std::string error;
      if (!ScanTable(*engine_, kDataDb, table, &actual, &summary_.duplicated, &error)) {
        ++summary_.unclean_opens;
        Problem(error);
        return false;
      }
    }
    const bool sync_before_ack = options_.policy == SyncPolicy::kSyncBeforeAck;
    auto survived = [&actual](const Request& r) {
      auto it = actual.find(r.marker);
      return it != actual.end() && it->second == r.marker_cell;
    };
    const int64_t expired_before = clock_->NowNanos() - kMagneticDays * kDay;
    Rows expected = rows_;
    for (int w = 0; w < kWriters; ++w) {
      for (const Request& r : requests[w]) {
        if (r.acked) summary_.acknowledged += static_cast<int64_t>(r.cells.size());
        const bool kept = survived(r);
        if (!r.acked) ++(kept ? summary_.in_flight_kept : summary_.in_flight_dropped);
        if (sync_before_ack ? (r.acked || kept) : kept) {
          for (const auto& [key, cell] : r.cells) Apply(expected, key, cell);
        }
        if (sync_before_ack || !r.acked || kept) continue;
        if (std::get<3>(r.marker) < expired_before) continue;  // May be gone for its age.
        ++summary_.acked_lost_allowed;
        // kSyncPeriodically: a lost request must have come after the last sync of its log,
        // and nothing sent to the same table (the same log) after it was acknowledged may
        // have survived. (Each table has its own log, synced on its own.)
        if (r.ack_sequence < synced[r.table]) {
          summary_.lost += static_cast<int64_t>(r.cells.size());
          Problem(absl::StrCat("request ", r.marker_cell.value, " (acknowledged at ",
                               r.ack_sequence, ") lost though its log was synced at ",
                               synced[r.table]));
        }
        for (int v = 0; v < kWriters; ++v) {
          for (const Request& later : requests[v]) {
            if (later.table == r.table && later.send_sequence > r.ack_sequence && survived(later)) {
              summary_.lost += static_cast<int64_t>(r.cells.size());
              Problem(absl::StrCat("request ", r.marker_cell.value, " lost but request ",
                                   later.marker_cell.value,
                                   ", sent after it was acknowledged, "
                                   "kept"));
            }
          }
        }
      }
    }
    for (const auto& [key, cell] : expected) {
      auto it = actual.find(key);
      if (it == actual.end()) {
        if (std::get<3>(key) >= expired_before) {
          ++summary_.lost;
          Problem(absl::StrCat("lost: ", KeyText(key), " ", CellText(cell)));
        }
      } else if (it->second != cell) {
        ++summary_.lost;
        Problem(absl::StrCat("wrong: ", KeyText(key), " is ", CellText(it->second), ", expected ",
                             CellText(cell), " (",
                             (clock_->NowNanos() - std::get<3>(key)) / kMinute,
                             " minutes old, epoch ", epoch_, ", ", PolicyName(), ")"));
      }
    }
    for (const auto& [key, cell] : actual) {
      if (expected.count(key) == 0) {
        ++summary_.phantom;
        Problem(absl::StrCat("phantom: ", KeyText(key), " ", CellText(cell)));
      }
    }
    for (const char* table : kDataTables) {
      absl::StatusOr<TableStats> stats = engine_->GetTableStats(kDataDb, table);
      if (stats.ok()) summary_.segments_seen += static_cast<int64_t>(stats->segments.size());
    }
    rows_ = std::move(actual);
    return true;
  }

  bool CheckCatalog(const std::vector<CatalogModel>& states,
                    const std::optional<CatalogModel>& in_flight) {
    const int64_t now = clock_->NowNanos();
    CatalogModel actual;
    for (const auto& page : engine_->ListDatabasesPages()) {
      if (!page.ok()) {
        ++summary_.unclean_opens;
        Problem(absl::StrCat("ListDatabases: ", page.status().ToString()));
        return false;
      }
      for (const Database& d : page->databases) {
        if (d.database_name == kDataDb) continue;
        DatabaseModel& m = actual[d.database_name];
        m.kms = d.kms_key_id;
        auto tags = engine_->ListTagsForResource({d.arn});
        if (tags.ok()) m.tags = TagMap(tags->tags);
      }
    }
    ListTablesRequest list;
    for (const auto& page : engine_->ListTablesPages(list)) {
      if (!page.ok()) {
        ++summary_.unclean_opens;
        Problem(absl::StrCat("ListTables: ", page.status().ToString()));
        return false;
      }
      for (const Table& t : page->tables) {
        if (t.database_name == kDataDb) continue;
        TableModel& m = actual[t.database_name].tables[t.table_name];
        m.memory_hours = t.retention_properties.memory_store_retention_period_in_hours;
        m.magnetic_days = t.retention_properties.magnetic_store_retention_period_in_days;
        m.magnetic_writes = t.magnetic_store_write_properties.enable_magnetic_store_writes;
        auto tags = engine_->ListTagsForResource({t.arn});
        if (tags.ok()) m.tags = TagMap(tags->tags);
        std::string error;
        if (!ScanTable(*engine_, t.database_name, t.table_name, &m.rows, &summary_.duplicated,
                       &error)) {
          ++summary_.unclean_opens;
          Problem(error);
          return false;
        }
      }
    }
    summary_.acknowledged += static_cast<int64_t>(states.size());
    const CatalogModel& acked = states.empty() ? catalog_ : states.back();
    const std::string got = Render(actual, now);
    if (got != Render(acked, now) && !(in_flight.has_value() && got == Render(*in_flight, now))) {
      ++summary_.lost;
      Problem(absl::StrCat("catalog is\n", got, "expected\n", Render(acked, now),
                           in_flight.has_value() ? "or\n" + Render(*in_flight, now) : ""));
    }
    catalog_ = std::move(actual);
    return true;
  }

  const CampaignOptions options_;
  std::mt19937_64 rng_;
  uint64_t rng_seed_ = 0;
  std::unique_ptr<FaultEnv> env_;
  std::unique_ptr<ManualClock> clock_;
  std::unique_ptr<Engine> engine_;
  std::string wal_path_[2];
  Rows rows_;             // The data tables as the last check found them.
  CatalogModel catalog_;  // The catalog databases as the last check found them.
  std::atomic<int64_t> next_marker_{0};
  std::atomic<int64_t> other_{0};
  int64_t epoch_ops_ = 200;
  int64_t epoch_cuts_ = 0;
  int epoch_ = 0;         // FaultEnv::power_cuts() when the epoch began.
  bool stopped_ = false;  // A run could not start.
  std::mutex mu_;
  // Held shared by a thread from reading the clock to the engine's answer, exclusively to
  // move the clock.
  std::shared_mutex clock_mu_;
  Summary summary_;
};

}  // namespace

void Summary::Add(const Summary& o) {
  cuts += o.cuts;
  acknowledged += o.acknowledged;
  lost += o.lost;
  phantom += o.phantom;
  duplicated += o.duplicated;
  unclean_opens += o.unclean_opens;
  other += o.other;
  cuts_mid_workload += o.cuts_mid_workload;
  cuts_in_open += o.cuts_in_open;
  in_flight_kept += o.in_flight_kept;
  in_flight_dropped += o.in_flight_dropped;
  segments_seen += o.segments_seen;
  acked_lost_allowed += o.acked_lost_allowed;
  for (const std::string& p : o.problems) {
    if (problems.size() < kMaxProblems) problems.push_back(p);
  }
}

bool Summary::clean() const {
  return lost == 0 && phantom == 0 && duplicated == 0 && unclean_opens == 0 && other == 0;
}

std::string Summary::Line() const {
  return absl::StrCat("power cuts: ", cuts, ", acknowledged changes: ", acknowledged,
                      ", lost: ", lost, ", phantom: ", phantom, ", duplicated: ", duplicated,
                      ", unclean opens: ", unclean_opens);
}

std::string Summary::Coverage() const {
  return absl::StrCat(
      "cuts while the workload ran: ", cuts_mid_workload, ", cuts during Open: ", cuts_in_open,
      ", requests in flight kept: ", in_flight_kept, ", dropped: ", in_flight_dropped,
      ", segments seen: ", segments_seen,
      ", unsynced acknowledged requests lost (kSyncPeriodically): ", acked_lost_allowed);
}

Summary RunCampaign(const CampaignOptions& options) { return Campaign(options).Run(); }

}  // namespace tsw::testing::powercut
