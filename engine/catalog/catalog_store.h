// CatalogStore: the catalog's directory on disk, a snapshot plus the log of the changes
// made since it (byte layouts in engine/catalog/FORMAT.md).
//
//   <dir>/catalog.snapshot      the whole catalog as of some moment; names log N
//   <dir>/catalog-<N>.log       the changes committed after that snapshot, in order
//
// What it guarantees: a record whose Append returned OK is in every later Open's
// recovered state, in order; a record being appended when the process died is either
// recovered whole or not at all. Compact replaces the snapshot and starts a new, empty
// log in a crash-safe order (new log, then the snapshot naming it, then the old log is
// removed), so Open finds either the old pair or the new pair, each complete.
//
// Who may call it: the Catalog, one per directory at a time (the engine's directory
// lock keeps other processes out). Not thread-safe; REQUIRES external synchronization.
#ifndef TSW_ENGINE_CATALOG_CATALOG_STORE_H_
#define TSW_ENGINE_CATALOG_CATALOG_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog_format.h"
#include "tsw/env.h"

namespace tsw::catalog {

struct StoreOptions {
  // Compact once the log is larger than both this and the last snapshot, so the cost of
  // rewriting the snapshot is spread over at least as many log bytes (amortized O(1)
  // per change) and the log never holds much more than the catalog itself.
  int64_t min_log_bytes_to_compact = 1 << 20;
  // Receives one line per notable event (a torn log tail cut, a stray file removed).
  std::function<void(std::string_view)> report;
  // The file system; not owned. nullptr: Env::Default().
  Env* env = nullptr;
};

class CatalogStore {
 public:
  // The state found on disk: apply `records` in order on top of `snapshot`.
  struct Recovered {
    Snapshot snapshot;
    std::vector<LogRecord> records;
  };

  // Opens the store in `dir`, creating the directory and an empty catalog if there is
  // none, and fills `*recovered`. Cuts a torn log tail (reporting it). Fails with
  // InternalServerException naming the file when a file is corrupt or missing; an
  // existing catalog is never silently replaced by an empty one.
  static absl::StatusOr<std::unique_ptr<CatalogStore>> Open(const std::string& dir,
                                                            StoreOptions options,
                                                            Recovered* recovered);
  ~CatalogStore();
  CatalogStore(const CatalogStore&) = delete;
  CatalogStore& operator=(const CatalogStore&) = delete;

  // Appends `record` to the log and makes it durable (fdatasync) before returning OK.
  // On a failed write or sync the record is cut off the log and the cut synced (retried
  // by the next Append if that fails too), so the catalog on disk is as before the call;
  // the error (with its errno) is returned.
  absl::Status Append(const LogRecord& record);

  // True when the log has grown enough that Compact would pay off.
  bool ShouldCompact() const;

  // Makes `snapshot` (its log_number is assigned here) the new base with an empty log.
  // On failure the catalog on disk is still complete (the old or the new pair); the
  // store may refuse further changes if it cannot tell which pair is in place.
  absl::Status Compact(Snapshot snapshot);

  // Paths, for messages and tests.
  std::string SnapshotPath() const;
  std::string LogPath(uint64_t log_number) const;
  uint64_t log_number() const { return log_number_; }

 private:
  CatalogStore(Env& env, std::string dir, StoreOptions options);
  absl::Status OpenLogForAppend(uint64_t log_number, int64_t size);
  // If cut_pending_: cuts the log to log_bytes_ and syncs it.
  absl::Status CutBackLocked();
  void Report(std::string_view line) const;

  Env& env_;
  const std::string dir_;
  const StoreOptions options_;
  std::unique_ptr<File> log_;  // The current log, appended to at log_bytes_.
  uint64_t log_number_ = 0;    // The current log's number.
  int64_t log_bytes_ = 0;      // The current log's size.
  int64_t snapshot_bytes_ = 0;
  absl::Status failed_;  // Sticky: set when the on-disk state is uncertain.
  // A record's write or sync failed and the log may hold (some of) it past log_bytes_.
  bool cut_pending_ = false;
};

}  // namespace tsw::catalog

#endif  // TSW_ENGINE_CATALOG_CATALOG_STORE_H_
