// The write-ahead log of one table: framed, xxHash-checksummed batches in numbered files.
//
// What it guarantees: a batch whose Append (or AppendNoSync + WaitDurable) returned OK
// is replayed by every later Open, in sequence order, byte for byte. A batch that was
// being written when the process died is either replayed whole or not at all: Open
// detects a torn or corrupt tail, cuts the log at the last whole batch, and reports the
// cut through LogOptions::log. Concurrent appenders share fsyncs (group commit).
//
// Who may call it: the table store that owns the directory. Thread-safe.
// The byte layout is in engine/wal/FORMAT.md.
#ifndef TSW_ENGINE_WAL_LOG_H_
#define TSW_ENGINE_WAL_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/options.h"

namespace tsw::wal {

struct LogOptions {
  DurabilityOptions durability;
  // Start a new log file once the current one reaches this size.
  int64_t max_file_bytes = 64 << 20;
  // Receives one line per notable event (a torn tail cut). Must be set.
  std::function<void(absl::string_view)> log;
};

// Called by Open for every intact batch, in sequence order. A non-OK return aborts Open.
using ReplayFn = std::function<absl::Status(uint64_t sequence, absl::string_view payload)>;

class Log {
 public:
  // Opens (creating if needed) the log in `dir`, replays it through `replay`, cuts a torn
  // tail, and returns a log ready to append after the last intact batch.
  static absl::StatusOr<std::unique_ptr<Log>> Open(const std::string& dir,
                                                   const LogOptions& options,
                                                   const ReplayFn& replay);
  virtual ~Log() = default;

  // Writes one batch to the log file (not yet synced) and returns its sequence number,
  // one more than the previous batch's. Sequence order is append order.
  virtual absl::StatusOr<uint64_t> AppendNoSync(absl::string_view payload) = 0;

  // Returns once batch `sequence` (and every earlier one) is as durable as the policy
  // requires: fsync'ed for kSyncBeforeAck (one fsync serves every waiter it covers),
  // written for kSyncPeriodically.
  virtual absl::Status WaitDurable(uint64_t sequence) = 0;

  // AppendNoSync, then WaitDurable.
  virtual absl::StatusOr<uint64_t> Append(absl::string_view payload) = 0;

  // Deletes whole log files all of whose batches have sequence < `sequence` (their
  // contents are durable elsewhere now). Never deletes the file being appended to.
  virtual absl::Status TrimBefore(uint64_t sequence) = 0;

  // fsyncs everything written so far.
  virtual absl::Status Sync() = 0;

  // Syncs, stops the background syncer and closes files. Idempotent.
  virtual absl::Status Close() = 0;

  // Bytes of log files on disk.
  virtual int64_t SizeBytes() const = 0;

  // The sequence the next AppendNoSync will return.
  virtual uint64_t NextSequence() const = 0;
};

}  // namespace tsw::wal

#endif  // TSW_ENGINE_WAL_LOG_H_
