// The storage of one table below the engine facade: WriteRecords, Scan and figures.
//
// A TableStore owns `<dir>`: its write-ahead log (`<dir>/wal/`), its schema file
// (`<dir>/SCHEMA`, engine/ingest/FORMAT.md) and a LOCK file that keeps a second store (in
// this or another process) off the directory. Open rebuilds the memory store and schema
// by replaying the log.
//
// A Write parses and validates the request outside any lock (ingest::ParseRequest, with
// per-thread scratch), then, under the table's write lock, resolves versions and applies
// the accepted records to the memory store (ingest::BatchApplier) and appends them to the
// log as one batch, so log order is apply order. It waits for durability after releasing
// the lock, so concurrent writers share an fsync (group commit). Readers hold the lock
// shared for a whole scan and so see whole requests or nothing; rows may be visible to a
// scan a moment before their Write returns, never rows that are not in the log.
//
// Guarantees: under SyncPolicy::kSyncBeforeAck an acknowledged write survives a crash or
// power loss; after a log failure the store refuses every call with that error (the memory
// store may hold a batch the log lacks) until it is reopened.
//
// Thread-safe: Write, Scan and Stats may run on many threads at once. Close must not race
// with them. A Scan visitor must not call Write on the same store (it holds the lock).
#ifndef TSW_ENGINE_TABLE_TABLE_STORE_H_
#define TSW_ENGINE_TABLE_TABLE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/common/file_util.h"
#include "engine/ingest/batch_applier.h"
#include "engine/ingest/table_schema.h"
#include "engine/memstore/mem_store.h"
#include "engine/wal/log.h"
#include "tsw/clock.h"
#include "tsw/engine.h"
#include "tsw/options.h"
#include "tsw/types.h"

namespace tsw::table {

struct TableStoreOptions {
  const Options* options = nullptr;            // Quotas, durability; outlives the store.
  const Clock* clock = nullptr;                // Never null.
  std::function<void(absl::string_view)> log;  // Never null.
};

class TableStore {
 public:
  // dir: this table's own data directory (<data>/tables/<table_id>), created if missing.
  // Replays the WAL. AccessDeniedException if another store holds `dir`;
  // InternalServerException naming the file if the schema file or the log is damaged.
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

  // See Engine::Scan. The request's database and table names are not looked at.
  absl::Status Scan(const ScanRequest& request,
                    const std::function<bool(const ScanBatch&)>& visitor);

  // series, memory_points, memory_bytes and wal_bytes; the rest are left default.
  TableStats Stats() const;

  // Syncs and closes the log. Idempotent; later Write/Scan fail with ValidationException.
  absl::Status Close();

 private:
  TableStore(std::string dir, const TableStoreOptions& options);
  // Loads the schema file and replays the log. Runs inside Open, before the store is
  // shared, so it takes no locks.
  absl::Status Recover() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  absl::Status Usable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Writes the schema entries whose batches are durable (sequence <= `durable`).
  absl::Status PersistSchema(uint64_t durable) ABSL_LOCKS_EXCLUDED(mu_, schema_file_mu_);

  const std::string dir_;
  const TableStoreOptions options_;
  std::unique_ptr<file::DirectoryLock> dir_lock_;

  mutable absl::Mutex mu_;
  ingest::TableSchema schema_ ABSL_GUARDED_BY(mu_);
  memstore::MemStore store_ ABSL_GUARDED_BY(mu_);
  ingest::BatchApplier applier_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<wal::Log> log_;             // Set once by Open; thread-safe itself.
  absl::Status failed_ ABSL_GUARDED_BY(mu_);  // The first log failure.
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex schema_file_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t schema_file_sequence_ ABSL_GUARDED_BY(schema_file_mu_) = 0;
};

}  // namespace tsw::table

#endif  // TSW_ENGINE_TABLE_TABLE_STORE_H_
