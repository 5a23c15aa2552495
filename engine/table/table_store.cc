#include "engine/table/table_store.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/common/row_batch.h"
#include "engine/ingest/batch_codec.h"
#include "engine/ingest/request_parser.h"
#include "engine/model/retention_window.h"
#include "engine/model/series_key.h"
#include "engine/scan/latest_scanner.h"
#include "engine/scan/mem_scanner.h"
#include "engine/scan/tier_scanner.h"
#include "engine/table/rejected_data.h"
#include "engine/table/tier_rows.h"
#include "tsw/status.h"

namespace tsw::table {
namespace {

using memstore::MeasureColumn;

constexpr absl::string_view kSchemaFile = "SCHEMA";
constexpr absl::string_view kWalDir = "wal";
constexpr absl::string_view kMagneticDir = "magnetic";

// The retention rule the parser applies to writes (engine/model/retention_window.h).
using model::kNanosPerDay;
using model::SubtractSaturating;
using model::WindowNanos;

// A row of a replayed batch older than the eviction cutoff: a magnetic-store write made
// after that eviction, still to be moved.
struct ReplayedLateRow {
  std::string key;
  std::string measure;
  int64_t time_nanos;
};

// The newest row time of a WAL payload; appends its rows older than `late_before` to
// *late. An InternalServerException if the payload is malformed.
absl::StatusOr<int64_t> PayloadTimes(ingest::BatchDecoder* decoder, absl::string_view payload,
                                     int64_t late_before, std::vector<ReplayedLateRow>* late) {
  if (absl::Status s = decoder->Reset(payload); !s.ok()) return s;
  ingest::BatchDecoder::Event e;
  std::vector<std::string> keys, measures;
  int64_t newest = INT64_MIN;
  while (true) {
    if (absl::Status s = decoder->Next(&e); !s.ok()) return s;
    switch (e.kind) {
      case ingest::BatchDecoder::Kind::kEnd:
        return newest;
      case ingest::BatchDecoder::Kind::kSeries:
        keys.emplace_back(e.key.data(), e.key.size());
        break;
      case ingest::BatchDecoder::Kind::kMeasure:
        measures.emplace_back(e.name.data(), e.name.size());
        break;
      case ingest::BatchDecoder::Kind::kAttribute:
        break;
      case ingest::BatchDecoder::Kind::kRow:
        newest = std::max(newest, e.time_nanos);
        if (e.time_nanos < late_before) {
          late->push_back({keys[e.series_slot], measures[e.measure_slot], e.time_nanos});
        }
        break;
    }
  }
}

// Loads the memory the applier will touch for `parsed`'s records, a stage at a time over
// the whole batch. Records of many series each touch their own index slot, series, key,
// column, tail chunk and row lines, which a ring of thousands of series has pushed out of
// the nearer caches; the applier meets those misses one after another, while here each
// stage's misses for all records overlap. Reads only; a wrong guess (a hash slot of
// another key, a column about to split) costs a wasted prefetch, never a wrong row.
void PrefetchRows(const ingest::ParsedBatch& parsed, const memstore::MemStore& store) {
  const memstore::SeriesRegistry& registry = store.series();
  // With fewer series their lines (about 1 KiB each) mostly stay in L2 and the passes
  // cost more than they save (bench/RESULTS.md, "Figures moved out of code comments").
  // A tuning constant, not a correctness one.
  constexpr size_t kMinSeries = 3000;
  if (registry.size() < kMinSeries) return;
  thread_local std::vector<const memstore::Series*> series;
  series.clear();
  // Records like the one before them share its lines.
  for (const ingest::ParsedRecord& rec : parsed.records) {
    if (!rec.like_previous) registry.PrefetchHash(rec.series_hash);
  }
  for (const ingest::ParsedRecord& rec : parsed.records) {
    if (rec.like_previous) continue;
    const memstore::Series* s = registry.ProbeHash(rec.series_hash);
    if (s == nullptr) continue;
    __builtin_prefetch(s);  // The first line: the first column and a short key.
    series.push_back(s);
  }
  for (const memstore::Series* s : series) {
    if (s->key_head_size == memstore::Series::kLongKey) __builtin_prefetch(s->key.data());
    const MeasureColumn* c = s->first_column;
    if (c != nullptr) {
      __builtin_prefetch(c);
      __builtin_prefetch(reinterpret_cast<const char*>(c) + sizeof(MeasureColumn) - 1);
    }
  }
  for (const memstore::Series* s : series) {
    if (s->first_column != nullptr) s->first_column->PrefetchTail(0);
  }
  for (const memstore::Series* s : series) {
    if (s->first_column != nullptr) s->first_column->PrefetchTail(1);
  }
}

}  // namespace

TableStore::TableStore(std::string dir, const TableStoreOptions& options)
    : dir_(std::move(dir)),
      options_(options),
      env_(options.options->env != nullptr ? *options.options->env : *Env::Default()),
      applier_(&schema_, &store_) {}

TableStore::~TableStore() {
  if (absl::Status s = Close(); !s.ok()) {
    options_.report(absl::StrCat("table store ", dir_, ": closing the log failed: ", s.ToString()));
  }
}

absl::StatusOr<std::unique_ptr<TableStore>> TableStore::Open(const std::string& dir,
                                                             const TableStoreOptions& options) {
  Env& env = options.options->env != nullptr ? *options.options->env : *Env::Default();
  if (absl::Status s = file::CreateDirs(env, dir); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<file::DirectoryLock>> lock =
      file::DirectoryLock::Acquire(env, dir);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<TableStore> store(new TableStore(dir, options));
  store->dir_lock_ = std::move(*lock);

  if (absl::Status s = store->Recover(); !s.ok()) return s;
  return store;
}

absl::Status TableStore::ReadSchemaFile() {
  const std::string schema_path = file::JoinPath(dir_, kSchemaFile);
  if (!env_.Exists(schema_path)) return absl::OkStatus();
  absl::StatusOr<std::string> bytes = file::ReadFile(env_, schema_path);
  if (!bytes.ok()) return bytes.status();
  if (absl::Status s = schema_.Decode(*bytes); !s.ok()) {
    return InternalError(absl::StrCat(schema_path, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status TableStore::OpenMagnetic(EvictionNote* note) {
  magnetic::MagneticOptions magnetic_options;
  magnetic_options.zstd_level = options_.options->zstd_level;
  magnetic_options.filter_bits_per_key = options_.options->magnetic_filter_bits_per_key;
  magnetic_options.report = options_.report;
  magnetic_options.env = &env_;
  const std::string magnetic_dir = file::JoinPath(dir_, kMagneticDir);
  absl::StatusOr<std::unique_ptr<magnetic::MagneticStore>> magnetic =
      magnetic::MagneticStore::Open(magnetic_dir, magnetic_options);
  if (!magnetic.ok()) return magnetic.status();
  magnetic_ = std::move(*magnetic);
  if (absl::Status s = EvictionNote::Decode(magnetic_->LastNote(), note); !s.ok()) {
    return InternalError(absl::StrCat(magnetic_dir, ": ", s.message()));
  }
  evicted_cutoff_ = note->cutoff;
  evicted_cutoff_seen_.store(note->cutoff, std::memory_order_relaxed);
  // The schema file names every measure a segment holds (it is written before the log is
  // trimmed); should one be missing all the same, the segments' types are taken.
  for (const auto& [name, type] : magnetic_->MeasureTypes()) {
    const int32_t id = schema_.measures.Find(name);
    if (id == model::NameTable::kAbsent) {
      schema_.measures.Add(name, type, 0);
    } else if (schema_.measures.at(id).type != type) {
      options_.report(absl::StrCat("table store ", dir_, ": measure ", name, " has type ",
                                   std::string(ToString(schema_.measures.at(id).type)), " in ",
                                   file::JoinPath(dir_, kSchemaFile), " but ",
                                   std::string(ToString(type)), " in a magnetic segment"));
    }
  }
  return absl::OkStatus();
}

absl::Status TableStore::Recover() {
  if (absl::Status s = ReadSchemaFile(); !s.ok()) return s;
  auto schema_entries = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return schema_.measures.size() + schema_.attributes.size() + schema_.dimensions.size();
  };
  const size_t file_entries = schema_entries();

  // The magnetic tier, and what of the log its last eviction covered.
  EvictionNote note;
  if (absl::Status s = OpenMagnetic(&note); !s.ok()) return s;
  const std::string magnetic_dir = file::JoinPath(dir_, kMagneticDir);

  // Replay. Rows older than the cutoff of batches the eviction covered are in segments:
  // they are dropped once the last covered batch is replayed (later batches may hold
  // newer versions of them, or magnetic-store writes made after the eviction).
  bool evicted_dropped = false;
  auto drop_evicted = [this, &note, &evicted_dropped]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    evicted_dropped = true;
    if (note.cutoff == INT64_MIN) return;
    for (size_t id = 0; id < store_.column_count(); ++id) {
      store_.mutable_column(static_cast<uint32_t>(id))
          ->RemoveBefore(note.cutoff, [](int64_t, int64_t) { return true; });
    }
  };
  ingest::BatchDecoder decoder;
  std::vector<ReplayedLateRow> late;
  uint64_t first_replayed = 0;  // The log's first batch; 0 until one is replayed.
  wal::LogOptions log_options;
  log_options.durability = options_.options->durability;
  log_options.report = options_.report;
  log_options.max_file_bytes = options_.wal_max_file_bytes;
  log_options.env = &env_;
  const std::string wal_dir = file::JoinPath(dir_, kWalDir);
  absl::StatusOr<std::unique_ptr<wal::Log>> log = wal::Log::Open(
      wal_dir, log_options,
      [&](uint64_t sequence, absl::string_view payload)
          ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::Status {
            if (first_replayed == 0) first_replayed = sequence;
            if (!evicted_dropped && sequence > note.sequence) drop_evicted();
            absl::Status s = applier_.Replay(payload, sequence);
            absl::StatusOr<int64_t> newest = INT64_MIN;
            if (s.ok()) {
              newest = PayloadTimes(&decoder, payload,
                                    sequence > note.sequence ? note.cutoff : INT64_MIN, &late);
              s = newest.status();
            }
            if (!s.ok()) {
              return InternalError(absl::StrCat(wal_dir, ": batch ", sequence, ": ", s.message()));
            }
            wal_coverage_.Add(sequence, *newest);
            return absl::OkStatus();
          });
  if (!log.ok()) return log.status();
  log_ = std::move(*log);
  if (absl::Status s = CheckLogCoversNote(wal_dir, magnetic_dir, first_replayed, note); !s.ok()) {
    return s;
  }
  if (!evicted_dropped) drop_evicted();
  // Magnetic-store writes made after the last eviction wait for the next one.
  for (const ReplayedLateRow& r : late) {
    const uint32_t series = store_.series().Find(model::HashSeriesKey(r.key), r.key);
    const int32_t measure = schema_.measures.Find(r.measure);
    if (series == memstore::SeriesRegistry::kAbsent || measure == model::NameTable::kAbsent) {
      continue;
    }
    const MeasureColumn* column = store_.FindColumn(series, static_cast<uint32_t>(measure));
    if (column != nullptr) late_rows_.push_back({column, r.time_nanos});
  }
  late_rows_pending_ = !late.empty();
  oldest_hint_ = store_.OldestTime();

  // Replay may have taught the schema entries the file lacks (a crash before the file was
  // rewritten); make the file whole again once those batches are surely on disk.
  if (schema_entries() != file_entries) {
    if (absl::Status s = log_->Sync(); !s.ok()) return s;
    return PersistSchema(log_->NextSequence() - 1);
  }
  return absl::OkStatus();
}

absl::Status TableStore::CheckLogCoversNote(const std::string& wal_dir,
                                            const std::string& magnetic_dir,
                                            uint64_t first_replayed, const EvictionNote& note) {
  // An eviction covers batches through note.sequence only once the log has synced them,
  // and trimming never deletes the file being appended to, so an intact log still ends at
  // or after that batch. Trimming stops at the first batch after it, at the latest, so the
  // log begins at or before note.sequence + 1 (at 1 before any eviction). Outside those
  // bounds, log files the table had synced are gone (a lost directory entry, say): the
  // segments and the schema file would then describe batches the log no longer holds, and
  // new batches would reuse sequences the note says are in segments.
  const uint64_t next = log_->NextSequence();
  const uint64_t first = first_replayed != 0 ? first_replayed : next;
  if (next - 1 < note.sequence) {
    return InternalError(absl::StrCat(
        "table store ", dir_, ": the write-ahead log ", wal_dir, " ends at sequence ", next - 1,
        ", but the magnetic store ", magnetic_dir, " holds rows of batches through sequence ",
        note.sequence, ": synced log batches are missing; refusing to open the table"));
  }
  if (first > note.sequence + 1) {
    return InternalError(absl::StrCat(
        "table store ", dir_, ": the write-ahead log ", wal_dir, " begins at sequence ", first,
        ", but only batches through sequence ", note.sequence,
        note.sequence == 0 ? " (none: no eviction yet)" : "", " were moved to the magnetic store ",
        magnetic_dir, " and trimmed: synced log batches are missing; refusing to open the table"));
  }
  return absl::OkStatus();
}

absl::Status TableStore::Usable() const {
  if (closed_) return ValidationError(absl::StrCat("The table store ", dir_, " is closed."));
  if (!failed_.ok()) return failed_;
  if (unlogged_.has_value()) return unlogged_->error;
  return absl::OkStatus();
}

absl::Status TableStore::CatchUpLocked() {
  if (!unlogged_.has_value() || closed_ || !failed_.ok()) return absl::OkStatus();
  absl::StatusOr<uint64_t> appended = log_->AppendNoSync(unlogged_->payload);
  if (!appended.ok()) {
    unlogged_->error = file::ForClient(file::Annotate(
        appended.status(),
        absl::StrCat("Table store ", dir_, " cannot write a batch to its log (",
                     appended.status().message(), "); calls on the table fail until it can")));
    return unlogged_->error;
  }
  if (*appended != unlogged_->sequence) {
    failed_ = InternalError(absl::StrCat("Table store ", dir_, " appended a batch at sequence ",
                                         *appended, " where ", unlogged_->sequence,
                                         " was expected; reopen the table."));
    return failed_;
  }
  wal_coverage_.Add(*appended, unlogged_->newest);
  oldest_hint_ = std::min(oldest_hint_, unlogged_->oldest);
  unlogged_.reset();
  has_unlogged_.store(false, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status TableStore::CatchUp() {
  if (!has_unlogged_.load(std::memory_order_acquire)) return absl::OkStatus();
  MutexLock lock(&mu_);
  return CatchUpLocked();
}

namespace {

// More than the WAL payload of `parsed` takes, but for VARCHAR values (it holds the series
// keys, names of at most 256 bytes, and the values in binary), so that Log::Reserve can
// make room for it before it is applied. O(1), as every write pays for it. Underestimating
// costs only that room: AppendNoSync extends the file.
size_t PayloadBound(const ingest::ParsedBatch& parsed) {
  return 256 + parsed.keys.size() + (64 + 256) * parsed.records.size() +
         (24 + 256) * parsed.values.size();
}

}  // namespace

ingest::ParseContext TableStore::ParseContextFor(const Table& table) const {
  ingest::ParseContext context;
  context.quotas = &options_.options->quotas;
  context.now_nanos = options_.clock->NowNanos();
  context.retention = table.retention_properties;
  context.magnetic_store_writes =
      table.magnetic_store_write_properties.enable_magnetic_store_writes;
  return context;
}

absl::StatusOr<WriteRecordsResponse> TableStore::Write(const WriteRecordsRequest& request,
                                                       const Table& table) {
  if (hooks_.write_gate) {  // A forwarder's backlog over its limit (engine/forward).
    if (absl::Status s = hooks_.write_gate(); !s.ok()) return s;
  }
  // Per-thread scratch: steady-state writes allocate nothing for parsing.
  thread_local ingest::ParsedBatch parsed;
  if (absl::Status s = ingest::ParseRequest(request, ParseContextFor(table), &parsed); !s.ok()) {
    return s;
  }
  NoteRetention(table);
  int64_t oldest = INT64_MAX, newest = INT64_MIN;
  for (const ingest::ParsedRecord& rec : parsed.records) {
    oldest = std::min(oldest, rec.time_nanos);
    newest = std::max(newest, rec.time_nanos);
  }

  // Records older than the eviction cutoff may meet rows in segments: those are looked up
  // before the write lock, so segment reads and decodes stall no other writer or scan.
  MagneticLookup lookup;
  if (oldest < evicted_cutoff_seen_.load(std::memory_order_relaxed)) {
    LookUpLateRecords(parsed, &lookup);
  }

  const size_t payload_bound = PayloadBound(parsed);
  std::vector<RejectedRecord> rejected = parsed.rejected;
  ingest::ApplyResult result;
  uint64_t sequence = 0;
  {
    MutexLock lock(&mu_);
    if (absl::Status s = CatchUpLocked(); !s.ok()) return s;
    if (absl::Status s = Usable(); !s.ok()) return s;
    // Room in the log first: a full disk fails the request here, before the memory
    // store changes.
    if (absl::Status s = log_->Reserve(payload_bound); !s.ok()) {
      return file::ForClient(file::Annotate(
          s, absl::StrCat("Table store ", dir_, " cannot write to its log: ", s.message())));
    }
    // Only records older than the highest eviction cutoff can meet a row in a segment.
    if (oldest < evicted_cutoff_) {
      if (absl::Status s = SeedFromMagnetic(parsed, &lookup); !s.ok()) return s;
    }
    const size_t first_new_rejection = rejected.size();
    PrefetchRows(parsed, store_);
    absl::string_view payload;
    applier_.Apply(parsed, options_.options->quotas, log_->NextSequence(), &rejected, &payload,
                   &result);
    if (!seeds_.empty()) UnseedUnchanged();
    if (result.magnetic_store > 0) TrackLateRows(parsed, rejected, first_new_rejection);
    if (result.logged > 0) {
      const uint64_t expected = log_->NextSequence();
      absl::StatusOr<uint64_t> appended = log_->AppendNoSync(payload);
      if (!appended.ok()) {
        return KeepUnloggedLocked(payload, expected, oldest, newest, appended.status());
      }
      sequence = *appended;
      wal_coverage_.Add(sequence, newest);
      oldest_hint_ = std::min(oldest_hint_, oldest);
    }
  }
  if (sequence != 0) {
    if (absl::Status s = log_->WaitDurable(sequence); !s.ok()) {
      // Not acknowledged, though in memory and in the log (which repairs itself: see
      // wal/log.h); a retry of the request is harmless.
      return file::ForClient(file::Annotate(
          s, absl::StrCat("Table store ", dir_, " cannot make its log durable: ", s.message())));
    }
    if (result.schema_grew) {
      if (absl::Status s = PersistSchema(sequence); !s.ok()) return file::ForClient(s);
    }
  }

  if (!rejected.empty()) {
    std::stable_sort(rejected.begin(), rejected.end(),
                     [](const RejectedRecord& a, const RejectedRecord& b) {
                       return a.record_index < b.record_index;
                     });
    const std::string message =
        absl::StrCat(rejected.size(), " of ", request.records.size(),
                     " records were rejected (see RejectedRecords); the other ",
                     request.records.size() - rejected.size(), " were ingested.");
    return RejectedRecordsError(message, rejected);
  }
  WriteRecordsResponse response;
  response.records_ingested.memory_store = result.memory_store;
  response.records_ingested.magnetic_store = result.magnetic_store;
  response.records_ingested.total = result.memory_store + result.magnetic_store;
  return response;
}

absl::Status TableStore::KeepUnloggedLocked(absl::string_view payload, uint64_t sequence,
                                            int64_t oldest, int64_t newest,
                                            const absl::Status& error) {
  // The memory store holds a batch the log lacks (Reserve made room, so this is a device
  // error or a file system that allocates on overwrite). Keep it and append it before
  // anything else; until then calls on the table fail.
  unlogged_.emplace(Unlogged{});
  unlogged_->payload = std::string(payload);
  unlogged_->sequence = sequence;
  unlogged_->newest = newest;
  unlogged_->oldest = oldest;
  unlogged_->error = file::ForClient(file::Annotate(
      error, absl::StrCat("Table store ", dir_, " cannot write a batch to its log (",
                          error.message(), "); calls on the table fail until it can")));
  has_unlogged_.store(true, std::memory_order_release);
  return unlogged_->error;
}

absl::Status TableStore::PersistSchema(uint64_t durable) {
  MutexLock file_lock(&schema_file_mu_);
  if (schema_file_sequence_ >= durable) return absl::OkStatus();
  std::string bytes;
  {
    ReaderMutexLock lock(&mu_);
    bytes = schema_.Encode(durable);
  }
  if (absl::Status s = file::WriteFileAtomically(env_, file::JoinPath(dir_, kSchemaFile), bytes);
      !s.ok()) {
    return s;
  }
  schema_file_sequence_ = durable;
  return absl::OkStatus();
}

bool TableStore::InMemory(const ingest::ParsedBatch& parsed,
                          const ingest::ParsedRecord& rec) const {
  const uint32_t series = store_.series().Find(rec.series_hash, parsed.key(rec));
  const int32_t measure = schema_.measures.Find(rec.measure_name);
  if (series == memstore::SeriesRegistry::kAbsent || measure == model::NameTable::kAbsent) {
    return false;
  }
  const MeasureColumn* column = store_.FindColumn(series, static_cast<uint32_t>(measure));
  return column != nullptr && column->Locate(rec.time_nanos).found;
}

void TableStore::SelectLateRecords(const ingest::ParsedBatch& parsed,
                                   std::vector<magnetic::LookupKey>* keys,
                                   std::vector<const ingest::ParsedRecord*>* records) const {
  absl::flat_hash_set<std::tuple<absl::string_view, absl::string_view, int64_t>> asked;
  for (const ingest::ParsedRecord& rec : parsed.records) {
    if (rec.time_nanos >= evicted_cutoff_) continue;
    // A row in memory is the newest of its key: it was checked against segments when
    // written, or is a copy on its way to one.
    if (InMemory(parsed, rec)) continue;
    const absl::string_view key = parsed.key(rec);
    if (!asked.emplace(key, rec.measure_name, rec.time_nanos).second) continue;
    magnetic::LookupKey& k = keys->emplace_back();
    model::DecodeSeriesKey(key, &k.dimensions);
    k.measure_name = std::string(rec.measure_name);
    k.time_nanos = rec.time_nanos;
    records->push_back(&rec);
  }
}

void TableStore::LookUpLateRecords(const ingest::ParsedBatch& parsed, MagneticLookup* lookup) {
  std::vector<magnetic::LookupKey> keys;
  {
    ReaderMutexLock lock(&mu_);
    if (!Usable().ok()) return;  // The write fails under the lock, with this error.
    lookup->evictions = evictions_;
    SelectLateRecords(parsed, &keys, &lookup->records);
  }
  // Read before the lookup: a lookup's snapshot has at least this cutoff, so an unchanged
  // cutoff under the lock means the lookup saw the same one.
  lookup->retention_cutoff = magnetic_->RetentionCutoff();
  if (!keys.empty()) {
    absl::StatusOr<std::vector<std::optional<RowBatch>>> rows = magnetic_->LookupMany(keys);
    if (!rows.ok()) return;  // Looked up again under the lock, which reports the error.
    lookup->rows = *std::move(rows);
  }
  lookup->done = true;
}

absl::Status TableStore::SeedFromMagnetic(const ingest::ParsedBatch& parsed,
                                          MagneticLookup* lookup) {
  // The lookup made before the lock still holds if no eviction step ran since (none
  // raised the cutoff or removed memory rows, so segments gained only rows memory still
  // holds) and retention did not move: then its keys are those the lock would pick,
  // less the ones a writer has put in memory meanwhile (skipped below).
  const bool looked_up = lookup->done && lookup->evictions == evictions_ &&
                         lookup->retention_cutoff == magnetic_->RetentionCutoff();
  if (!looked_up) {
    std::vector<magnetic::LookupKey> keys;
    lookup->records.clear();
    SelectLateRecords(parsed, &keys, &lookup->records);
    if (keys.empty()) return absl::OkStatus();
    absl::StatusOr<std::vector<std::optional<RowBatch>>> rows = magnetic_->LookupMany(keys);
    if (!rows.ok()) return rows.status();
    lookup->rows = *std::move(rows);
  }
  for (size_t i = 0; i < lookup->rows.size(); ++i) {
    const std::optional<RowBatch>& row = lookup->rows[i];
    if (!row.has_value()) continue;
    const ingest::ParsedRecord& rec = *lookup->records[i];
    if (looked_up && InMemory(parsed, rec)) continue;  // Written since: the newer row.
    MeasureColumn* column =
        InsertLookedUpRow(&store_, &schema_, parsed.key(rec), rec.series_hash, *row);
    if (column != nullptr) seeds_.push_back({column, row->time_nanos[0], row->versions[0]});
  }
  return absl::OkStatus();
}

void TableStore::UnseedUnchanged() {
  for (const Seed& seed : seeds_) {
    const MeasureColumn::Position p = seed.column->Locate(seed.time_nanos);
    // Same Version: the batch did not replace it (a Version names one value).
    if (p.found && seed.column->VersionAt(p) == seed.version) seed.column->Erase(p);
  }
  seeds_.clear();
}

void TableStore::TrackLateRows(const ingest::ParsedBatch& parsed,
                               const std::vector<RejectedRecord>& rejected,
                               size_t first_new_rejection) {
  late_rows_pending_ = true;
  absl::flat_hash_set<int32_t> refused;
  for (size_t i = first_new_rejection; i < rejected.size(); ++i) {
    refused.insert(rejected[i].record_index);
  }
  for (const ingest::ParsedRecord& rec : parsed.records) {
    if (!rec.magnetic || refused.contains(rec.index)) continue;
    const uint32_t series = store_.series().Find(rec.series_hash, parsed.key(rec));
    const int32_t measure = schema_.measures.Find(rec.measure_name);
    if (series == memstore::SeriesRegistry::kAbsent || measure == model::NameTable::kAbsent) {
      continue;
    }
    const MeasureColumn* column = store_.FindColumn(series, static_cast<uint32_t>(measure));
    if (column != nullptr) late_rows_.push_back({column, rec.time_nanos});
  }
}

void TableStore::NoteRetention(const Table& table) {
  magnetic_window_nanos_.store(
      WindowNanos(table.retention_properties.magnetic_store_retention_period_in_days, kNanosPerDay),
      std::memory_order_relaxed);
}

int64_t TableStore::ScanFloor() const {
  int64_t floor = magnetic_->RetentionCutoff();
  const int64_t window = magnetic_window_nanos_.load(std::memory_order_relaxed);
  if (window >= 0) {
    floor = std::max(floor, SubtractSaturating(options_.clock->NowNanos(), window));
  }
  return floor;
}

absl::Status TableStore::Scan(const ScanRequest& request,
                              const std::function<bool(ScanBatch&)>& visitor,
                              const RowFilter* filter) {
  const int64_t floor = ScanFloor();
  if (absl::Status s = CatchUp(); !s.ok()) return s;
  ScanRequest clamped = request;  // Rows older than the magnetic window are gone.
  clamped.start_time_nanos = std::max(request.start_time_nanos, floor);
  // The engine's RowBatches become the caller's ScanBatches here, and only here, by
  // moving their vectors (row_batch.h).
  ScanBatchExchange exchange;
  const RowBatchVisitor lend = [&](RowBatch& rows) {
    const bool go_on = visitor(exchange.Lend(rows));
    exchange.Return(rows);
    return go_on;
  };
  if (request.latest_only) {
    scan::LatestRowSet rows;
    if (absl::Status s = GatherLatestRows(clamped, &rows); !s.ok()) return s;
    RowBatch batch;
    for (size_t i = 0; i < rows.size(); ++i) {
      rows.Get(i, &batch);
      if (!lend(batch)) break;
    }
    return absl::OkStatus();
  }
  // Both tiers are pinned at one moment under the shared lock, which covers no visitor
  // call: writers, eviction and compaction go on while the caller consumes the rows.
  scan::MemSnapshot memory;
  magnetic::MagneticStore::Pinned segments;
  {
    ReaderMutexLock lock(&mu_);
    if (absl::Status s = Usable(); !s.ok()) return s;
    if (absl::Status s = memory.Pin(store_, schema_, clamped); !s.ok()) return s;
    // Segments hold no row at or after the eviction cutoff that memory does not hold too
    // (engine/table/FORMAT.md): a scan of recent rows reads memory only.
    if (clamped.start_time_nanos < evicted_cutoff_) segments = magnetic_->Pin();
  }
  if (segments == nullptr) return scan::ScanMemStore(memory, clamped, lend, nullptr, filter);
  return scan::ScanTiers(memory, *magnetic_, segments, clamped, lend, filter);
}

absl::Status TableStore::ScanLatestColumns(const ScanRequest& request,
                                           const std::vector<LatestColumnSpec>& specs,
                                           LatestColumns* out) {
  const int64_t floor = ScanFloor();
  if (absl::Status s = CatchUp(); !s.ok()) return s;
  ScanRequest clamped = request;  // As Scan: rows older than the magnetic window are gone.
  clamped.start_time_nanos = std::max(request.start_time_nanos, floor);
  clamped.latest_only = true;
  ReaderMutexLock lock(&mu_);
  if (absl::Status s = Usable(); !s.ok()) return s;
  return scan::GatherLatestColumns(store_, schema_, magnetic_.get(), evicted_cutoff_, clamped,
                                   specs, out);
}

absl::Status TableStore::GatherLatestRows(const ScanRequest& request, scan::LatestRowSet* rows) {
  // One row per key: gathered under the shared lock (the answer's size, not the table's)
  // and handed out after it is released, so no visitor call holds it.
  ReaderMutexLock lock(&mu_);
  if (absl::Status s = Usable(); !s.ok()) return s;
  return scan::GatherLatest(store_, schema_, magnetic_.get(), evicted_cutoff_, request, rows);
}

std::string TableStore::WalDir() const { return file::JoinPath(dir_, kWalDir); }

std::vector<std::string> TableStore::Verify() const { return magnetic_->Verify(); }

TableStats TableStore::Stats() const {
  TableStats stats;
  {
    ReaderMutexLock lock(&mu_);
    stats.series = static_cast<int64_t>(store_.series().size());
    stats.memory_points = store_.Points();
    stats.memory_bytes = store_.MemoryBytes();
  }
  stats.wal_bytes = log_->SizeBytes();
  magnetic::MagneticStats magnetic = magnetic_->Stats();
  stats.magnetic_points = magnetic.points;
  stats.magnetic_bytes = magnetic.bytes;
  stats.segments = std::move(magnetic.segments);
  stats.bytes_by_column_kind = std::move(magnetic.bytes_by_column_kind);
  return stats;
}

TableStore::SchemaNames TableStore::Names() const {
  SchemaNames names;
  ReaderMutexLock lock(&mu_);
  for (size_t i = 0; i < schema_.measures.size(); ++i) {
    const model::NameTable::Entry& e = schema_.measures.at(static_cast<int32_t>(i));
    names.measures.emplace_back(e.name, e.type);
  }
  for (size_t i = 0; i < schema_.attributes.size(); ++i) {
    const model::NameTable::Entry& e = schema_.attributes.at(static_cast<int32_t>(i));
    names.attributes.emplace_back(e.name, e.type);
  }
  for (size_t i = 0; i < schema_.dimensions.size(); ++i) {
    names.dimensions.push_back(schema_.dimensions.at(static_cast<int32_t>(i)).name);
  }
  return names;
}

namespace {

// True when `table` holds exactly `names`, in order, with their types.
bool TypedNamesAre(const model::NameTable& table,
                   const std::vector<std::pair<std::string, MeasureValueType>>& names) {
  if (table.size() != names.size()) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    const model::NameTable::Entry& e = table.at(static_cast<int32_t>(i));
    if (e.type != names[i].second || e.name != names[i].first) return false;
  }
  return true;
}

}  // namespace

bool TableStore::NamesAre(
    const std::vector<std::string>& dimensions,
    const std::vector<std::pair<std::string, MeasureValueType>>& measures,
    const std::vector<std::pair<std::string, MeasureValueType>>& attributes) const {
  ReaderMutexLock lock(&mu_);
  if (!TypedNamesAre(schema_.measures, measures) ||
      !TypedNamesAre(schema_.attributes, attributes) ||
      schema_.dimensions.size() != dimensions.size()) {
    return false;
  }
  for (size_t i = 0; i < dimensions.size(); ++i) {
    if (schema_.dimensions.at(static_cast<int32_t>(i)).name != dimensions[i]) return false;
  }
  return true;
}

absl::Status TableStore::Close() {
  MutexLock lock(&mu_);
  if (closed_) return absl::OkStatus();
  closed_ = true;
  return log_ == nullptr ? absl::OkStatus() : log_->Close();
}

}  // namespace tsw::table
