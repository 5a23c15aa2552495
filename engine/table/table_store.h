// The storage of one table below the engine facade: WriteRecords, Scan, maintenance and
// figures, over two tiers: the memory store (recent rows, made durable by the write-ahead
// log) and the magnetic store (older rows in segment files).
//
// A TableStore owns `<dir>`: its write-ahead log (`<dir>/wal/`), its schema file
// (`<dir>/SCHEMA`, engine/ingest/FORMAT.md), its magnetic store (`<dir>/magnetic/`,
// engine/magnetic/FORMAT.md) and a LOCK file that keeps a second store (in this or another
// process) off the directory. Open rebuilds the memory store and schema by replaying the
// log, leaving out what the magnetic store already holds (engine/table/FORMAT.md).
//
// A Write parses and validates the request outside any lock (ingest::ParseRequest, with
// per-thread scratch), then, under the table's write lock, resolves versions and applies
// the accepted records to the memory store (ingest::BatchApplier) and appends them to the
// log as one batch, so log order is apply order. It waits for durability after releasing
// the lock, so concurrent writers share an fsync (group commit). A scan pins both tiers
// under the lock, shared, and reads them with no lock held (engine/table/FORMAT.md,
// "Scans"), so it sees whole requests or nothing; rows may be visible to a scan a moment
// before their Write returns, never rows that are not in the log.
//
// Records older than the highest eviction cutoff so far may have their (series, measure,
// time) in segments; only for those does a Write look rows up in the magnetic store
// (batched, before taking the write lock; under it, the lookup is redone if an eviction
// step came between) so the Version rules hold across the tiers. Records
// accepted for the magnetic store (magnetic-store writes) are applied to the memory store
// and logged like any other, and move to segments at the next maintenance.
//
// RunMaintenance moves rows that left the memory window to a segment, drops what left the
// magnetic window, compacts, and trims the log; engine/table/FORMAT.md gives the protocol
// and why a crash at any step loses or duplicates nothing. It holds the write lock only in
// short slices (deciding, then removing at most kMaintenanceSliceRows rows at a time); the
// copy to a segment happens under the shared lock in slices too, and the segment write
// under no table lock at all, so writers stall for milliseconds, not for the I/O. The one
// longer stall: when the memory store's string pool holds twice the strings its rows still
// use, the pass rebuilds it under the write lock (MemStore::CompactStrings; amortized over
// the strings interned since the last rebuild).
//
// Scan merges both tiers (engine/scan/tier_scanner.h) and never returns rows older than the
// magnetic retention window, as last given to Write or RunMaintenance (and the magnetic
// store's own persisted cutoff). It returns the table as it was when it began: every row
// that existed then, once, at its value then, whatever is written, evicted, compacted or
// expired while the visitor runs.
//
// Guarantees: under SyncPolicy::kSyncBeforeAck an acknowledged write survives a crash or
// power loss; after a log failure the store refuses every call with that error (the memory
// store may hold a batch the log lacks) until it is reopened.
//
// Thread-safe: Write, Scan, Stats, Verify and RunMaintenance may run on many threads at once
// (maintenance passes run one at a time). Close must not race with them. A Scan's visitor
// runs with no lock of the store held: it may block (holding up no writer and no
// maintenance) and may call Write or RunMaintenance on the same store.
#ifndef TSW_ENGINE_TABLE_TABLE_STORE_H_
#define TSW_ENGINE_TABLE_TABLE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/file_util.h"
#include "engine/common/latest_columns.h"
#include "engine/common/mutex.h"
#include "engine/common/row_batch.h"
#include "engine/ingest/batch_applier.h"
#include "engine/ingest/request_parser.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/memstore/mem_store.h"
#include "engine/model/table_schema.h"
#include "engine/scan/latest_row_set.h"
#include "engine/table/wal_coverage.h"
#include "engine/wal/log.h"
#include "tsw/clock.h"
#include "tsw/engine.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::table {

struct TableStoreOptions {
  const Options* options = nullptr;               // Quotas, durability, env; outlives the store.
  const Clock* clock = nullptr;                   // Never null.
  std::function<void(absl::string_view)> report;  // Never null.
  // The write-ahead log starts a new file at this size; only whole files are trimmed.
  int64_t wal_max_file_bytes = 64 << 20;
};

class TableStore {
 public:
  // dir: this table's own data directory (<data>/tables/<table_id>), created if missing.
  // Replays the WAL. AccessDeniedException if another store holds `dir`;
  // InternalServerException naming the file if the schema file or the log is damaged, or
  // if the log lacks batches the magnetic store's last eviction shows it had synced.
  static absl::StatusOr<std::unique_ptr<TableStore>> Open(const std::string& dir,
                                                          const TableStoreOptions& options);
  ~TableStore();
  TableStore(const TableStore&) = delete;
  TableStore& operator=(const TableStore&) = delete;

  // Ingests the valid records of `request` into this table. `table` is the catalog's
  // current description (retention, magnetic-store writes). Returns the counts, or a
  // ValidationException for a request-level problem (nothing ingested), or a
  // RejectedRecordsException listing the rejected records (the others are ingested).
  absl::StatusOr<WriteRecordsResponse> Write(const WriteRecordsRequest& request,
                                             const Table& table);

  // See Engine::Scan. The request's database and table names are not looked at. Pins the
  // rows under the lock, then calls `visitor` with none held (see above).
  // With `filter` (engine/common/row_batch.h), the tiers may leave out rows it rejects.
  // The visitor may take the batch's vectors for the length of the call (swapping them
  // with others) but leaves the batch as it found it.
  absl::Status Scan(const ScanRequest& request, const std::function<bool(ScanBatch&)>& visitor,
                    const RowFilter* filter = nullptr);

  // The rows Scan would hand out for `request` with latest_only set, as columns: one per
  // spec, in *out (engine/common/latest_columns.h), read under the shared lock. Errors as
  // Scan's.
  absl::Status ScanLatestColumns(const ScanRequest& request,
                                 const std::vector<LatestColumnSpec>& specs, LatestColumns* out)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Tells the store `table`'s magnetic window, which scans hide rows past. Write and
  // RunMaintenance tell it too; the engine calls this before each Scan, because a store
  // just opened knows only its manifest's retention cutoff, which moves in steps (rows up
  // to a step past the window, and older Versions of rows whose newest one maintenance
  // dropped as too old, would show).
  void NoteRetention(const Table& table);

  // Maintenance at the clock's now under `table`'s retention: moves memory rows older than
  // the memory window (and rows accepted for the magnetic store) to a magnetic segment,
  // reports the ones that left the magnetic window first (rejected_data.h), raises the
  // magnetic retention cutoff, compacts, and trims the log. Crash-safe at every step.
  // Errors (I/O, a closed or failed store) leave the data as it was or as after the step
  // that failed, never half of one.
  absl::Status RunMaintenance(const Table& table);

  // Problems found re-reading the magnetic tier from disk (MagneticStore::Verify); empty
  // means healthy.
  std::vector<std::string> Verify() const;

  // Every figure except database_name and table_name.
  TableStats Stats() const;

  // The names the table has learned from its writes, in order of addition (the query
  // engine's columns).
  struct SchemaNames {
    std::vector<std::pair<std::string, MeasureValueType>> measures;
    std::vector<std::pair<std::string, MeasureValueType>> attributes;
    std::vector<std::string> dimensions;
  };
  SchemaNames Names() const;
  // True when Names() would answer exactly these names (and types), compared in place
  // under the shared lock, without copying them.
  bool NamesAre(const std::vector<std::string>& dimensions,
                const std::vector<std::pair<std::string, MeasureValueType>>& measures,
                const std::vector<std::pair<std::string, MeasureValueType>>& attributes) const;

  // Rows the write lock covers per slice of maintenance work.
  static constexpr size_t kMaintenanceSliceRows = 65536;
  // Rows per segment an eviction writes (a larger eviction writes several).
  static constexpr size_t kMaxRowsPerSegment = size_t{1} << 20;

  // Syncs and closes the log. Idempotent; later Write/Scan fail with ValidationException.
  absl::Status Close();

  // ---- For forwarders (engine/forward), which read the log files themselves.
  struct ForwardHooks {
    // The first log sequence a forwarder has not sent: trimming keeps it and every later
    // batch. Called by maintenance; must be cheap and thread-safe.
    std::function<uint64_t()> log_hold;
    // OK, or the error every Write fails with (ThrottlingException while a forwarding
    // backlog is over its limit). Called by every Write; cheap and thread-safe.
    std::function<absl::Status()> write_gate;
  };
  // REQUIRES: before the store is shared (no call in progress or to come concurrently).
  void SetForwardHooks(ForwardHooks hooks) { hooks_ = std::move(hooks); }
  // The log's directory and its last fsync'ed batch (wal::Log::DurableSequence).
  std::string WalDir() const;
  uint64_t DurableSequence() const { return log_->DurableSequence(); }

 private:
  TableStore(std::string dir, const TableStoreOptions& options);
  // Loads the schema file and replays the log. Runs inside Open, before the store is
  // shared, so it takes no locks.
  absl::Status Recover() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // Recover's first steps (before the store is shared too): the schema file, then the
  // magnetic tier with the note of its last eviction (and any measure type only the
  // segments name).
  absl::Status ReadSchemaFile() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  absl::Status OpenMagnetic(EvictionNote* note) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // After replay: InternalServerException naming `wal_dir` if the log lacks batches the
  // magnetic store's eviction `note` shows it had (begins after note.sequence + 1 or ends
  // before note.sequence). `first_replayed`: the first replayed sequence, 0 if none.
  absl::Status CheckLogCoversNote(const std::string& wal_dir, const std::string& magnetic_dir,
                                  uint64_t first_replayed, const EvictionNote& note);
  absl::Status Usable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Appends the batch the memory store holds but the log lacks (unlogged_), if any.
  // Fails with the append's error while it cannot.
  absl::Status CatchUpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps `payload`, applied to the memory store at `sequence` but refused by the log with
  // `error`, for CatchUpLocked; returns the error callers get until it is appended.
  absl::Status KeepUnloggedLocked(absl::string_view payload, uint64_t sequence, int64_t oldest,
                                  int64_t newest, const absl::Status& error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // CatchUpLocked under the write lock when a batch is unlogged; for readers.
  absl::Status CatchUp() ABSL_LOCKS_EXCLUDED(mu_);
  // Writes the schema entries whose batches are durable (sequence <= `durable`).
  absl::Status PersistSchema(uint64_t durable) ABSL_LOCKS_EXCLUDED(mu_, schema_file_mu_);

  // What a Write looked up in the magnetic store before taking the write lock, and the
  // state it looked up against.
  struct MagneticLookup {
    bool done = false;
    uint64_t evictions = 0;        // evictions_ then.
    int64_t retention_cutoff = 0;  // The magnetic store's, read before the lookup.
    std::vector<const ingest::ParsedRecord*> records;  // The records looked up.
    std::vector<std::optional<RowBatch>> rows;         // Their rows, parallel.
  };
  // Whether the (series, measure, time) of `rec` has a row in memory.
  bool InMemory(const ingest::ParsedBatch& parsed, const ingest::ParsedRecord& rec) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The records of `parsed` older than evicted_cutoff_ whose rows are not in memory (each
  // key once), and their lookup keys.
  void SelectLateRecords(const ingest::ParsedBatch& parsed, std::vector<magnetic::LookupKey>* keys,
                         std::vector<const ingest::ParsedRecord*>* records) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Picks those records under the shared lock and looks them up in the magnetic store
  // under no table lock. Leaves `lookup` not done if the store is unusable or a read
  // fails: SeedFromMagnetic then looks up under the write lock, and reports the error.
  void LookUpLateRecords(const ingest::ParsedBatch& parsed, MagneticLookup* lookup)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Those records get the magnetic store's row (if any) copied into memory, so
  // BatchApplier's Version rules see it; seeds_ lists them for UnseedUnchanged. Uses
  // `lookup` if no eviction step or retention change came between it and now, else looks
  // up again (the rare case: reads under the write lock).
  absl::Status SeedFromMagnetic(const ingest::ParsedBatch& parsed, MagneticLookup* lookup)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the seeded rows the batch left as they were: they stay in segments only.
  void UnseedUnchanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Remembers the accepted magnetic-store records of `parsed`, for reports.
  void TrackLateRows(const ingest::ParsedBatch& parsed, const std::vector<RejectedRecord>& rejected,
                     size_t first_new_rejection) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves rows older than the cutoff to segments (the eviction of RunMaintenance), in the
  // steps of engine/table/FORMAT.md, "Eviction": the functions below, one per step.
  absl::Status Evict(const Table& table, int64_t now, int64_t memory_window,
                     int64_t magnetic_cutoff, bool window_shrank)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_);
  // What one eviction carries from step to step, and the rows of one segment it writes
  // (both defined in table_maintenance.cc).
  struct Eviction;
  struct EvictionSegment;
  // 1. Decide: whether to evict now. Evict in slabs, so segments are not tiny: once the
  //    oldest row is a slab (1/24 of the window, at least a minute) past the memory
  //    cutoff; at once for a shrunk window, rows accepted for the magnetic store, or rows
  //    older than the last eviction's cutoff. Never when no row is older than both cutoffs.
  absl::StatusOr<bool> EvictionDue(const Eviction& eviction, bool window_shrank)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // 2. Fix C and S: the cutoff C and the last batch S the eviction covers. From here on
  //    writes of records older than C consult the segments for rows no longer in memory.
  absl::Status FixCutoffAndSequence(Eviction* eviction)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // 3. Report: magnetic-store writes about to leave memory past the magnetic window
  //    (rejected_data.h), before anything is removed: a crash repeats a report rather than
  //    losing it.
  absl::Status ReportRejectedLateRows(const Table& table, Eviction* eviction)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // 4. Copy: the rows older than C of the next columns, up to a segment's worth, into
  //    *segment (rows older than the magnetic cutoff are noted as expired instead), under
  //    the shared lock in slices of kMaintenanceSliceRows.
  absl::Status CopyEvictedRows(Eviction* eviction, EvictionSegment* segment)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // 5. Publish: syncs the log (a segment must not hold rows of a batch the log could still
  //    lose), then adds the segment. Only the `last` segment carries the new note, and the
  //    schema file is written through S before it (the log is about to lose the
  //    definitions); until then the previous note holds (rows already removed are still in
  //    the log, so a crash brings them back to memory, equal to their segment copies).
  absl::Status PublishSegment(const Eviction& eviction, const EvictionSegment& segment, bool last)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // 6. Remove: exactly the rows `segment` copied (or found expired), matched by (time,
  //    Version), under the write lock in slices of kMaintenanceSliceRows: a row a writer
  //    replaced or added meanwhile has another Version or time, and stays.
  void RemoveEvictedRows(const Eviction& eviction, const EvictionSegment& segment)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // 7. Trim: the log before the first batch holding a row the segments do not.
  absl::Status TrimEvictedLog(const Eviction& eviction)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // The oldest time a Scan may return.
  int64_t ScanFloor() const;
  // The rows of a latest_only request (already clamped to the scan floor), one per key,
  // read under the shared lock (engine/scan/latest_scanner.h).
  absl::Status GatherLatestRows(const ScanRequest& request, scan::LatestRowSet* rows)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The parser's view of `table` and of now.
  ingest::ParseContext ParseContextFor(const Table& table) const;

  const std::string dir_;
  const TableStoreOptions options_;
  Env& env_;  // options_.options->env, or Env::Default().
  std::unique_ptr<file::DirectoryLock> dir_lock_;

  mutable SharedMutex mu_;
  model::TableSchema schema_ ABSL_GUARDED_BY(mu_);
  memstore::MemStore store_ ABSL_GUARDED_BY(mu_);
  ingest::BatchApplier applier_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<wal::Log> log_;             // Set once by Open; thread-safe itself.
  absl::Status failed_ ABSL_GUARDED_BY(mu_);  // A log failure no retry can mend.
  // A batch applied to the memory store whose append to the log failed (the disk was
  // full, say): until it is appended, with the sequence it was applied at, no call
  // reads or changes the memory store (the invariant: what memory shows is in the log).
  struct Unlogged {
    std::string payload;
    uint64_t sequence = 0;  // The sequence Apply tagged its rows with.
    int64_t newest = INT64_MIN;
    int64_t oldest = INT64_MAX;
    absl::Status error;  // The latest append failure, for callers.
  };
  std::optional<Unlogged> unlogged_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> has_unlogged_{false};  // unlogged_.has_value(), read without mu_.
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  Mutex schema_file_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t schema_file_sequence_ ABSL_GUARDED_BY(schema_file_mu_) = 0;

  // ---- The tiers.
  std::unique_ptr<magnetic::MagneticStore> magnetic_;  // Set once by Open; thread-safe.
  // Serializes maintenance passes.
  Mutex maintenance_mu_ ABSL_ACQUIRED_BEFORE(schema_file_mu_);
  // The highest eviction cutoff so far: rows older than it may be in segments.
  int64_t evicted_cutoff_ ABSL_GUARDED_BY(mu_) = INT64_MIN;
  // evicted_cutoff_, read without mu_ (a Write decides with it whether to look up first).
  std::atomic<int64_t> evicted_cutoff_seen_{INT64_MIN};
  // Eviction steps that raised the cutoff or removed memory rows: a lookup made before
  // one may be stale.
  uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
  // No row in memory is older (a lower bound: writes lower it, eviction's check of the
  // exact oldest row raises it), so most maintenance passes decide in O(1).
  int64_t oldest_hint_ ABSL_GUARDED_BY(mu_) = INT64_MAX;
  // Rows were accepted for the magnetic store since the last eviction began.
  bool late_rows_pending_ ABSL_GUARDED_BY(mu_) = false;
  struct LateRow {
    const memstore::MeasureColumn* column;  // Columns live as long as the store.
    int64_t time_nanos;
  };
  std::vector<LateRow> late_rows_ ABSL_GUARDED_BY(mu_);  // Accepted magnetic-store records.
  WalCoverage wal_coverage_ ABSL_GUARDED_BY(mu_);
  struct Seed {
    memstore::MeasureColumn* column;
    int64_t time_nanos;
    int64_t version;
  };
  std::vector<Seed> seeds_ ABSL_GUARDED_BY(mu_);
  // The memory window of the last maintenance pass (to see it shrink), in ns.
  int64_t last_memory_window_ ABSL_GUARDED_BY(maintenance_mu_) = -1;
  ForwardHooks hooks_;  // Set before the store is shared; constant after.
  // The trim point the evictions reached, which a forwarder's hold may have kept the log
  // from: later passes trim up to it as the hold moves.
  uint64_t wanted_trim_ ABSL_GUARDED_BY(maintenance_mu_) = 0;
  // The magnetic window last given to Write or RunMaintenance, in ns; -1: not yet known.
  std::atomic<int64_t> magnetic_window_nanos_{-1};
};

}  // namespace tsw::table

#endif  // TSW_ENGINE_TABLE_TABLE_STORE_H_
