// The write-ahead log of one table: framed, xxHash-checksummed batches in numbered files.
//
// What it guarantees: a batch whose Append (or AppendNoSync + WaitDurable) returned OK
// is replayed by every later Open, in sequence order, byte for byte. A batch that was
// being written when the process died is either replayed whole or not at all: Open
// detects a torn or corrupt tail, cuts the log at the last whole batch, and reports the
// cut through LogOptions::log. Concurrent appenders share fsyncs (group commit).
//
// Durability of the files themselves: a log file is created whole (header written under a
// temporary name, synced, renamed, directory synced), and a file is fsync'ed before the
// next one is created, so every file but the last is complete on disk. Damage inside a
// file that later files follow is therefore data loss, and Open fails on it (naming the
// file and offset) rather than dropping batches. Damage in the last file is
// indistinguishable from a crash mid-write (after a power loss unsynced pages may reach
// disk in any order), so there the log is cut at the last whole batch and the cut reported.
//
// After an I/O error (a full disk, EIO) the log heals itself rather than refusing writes
// until reopened:
// - A failed write or zero-fill is taken back (the file is cut to its last whole frame);
//   the batch is not in the log and its sequence is not used.
// - A failed sync (fdatasync) is the hard case: the kernel may have dropped the pages it
//   could not write and reports that only once, so a later successful sync proves
//   nothing about them. The rule: bytes count as durable only through the last
//   successful sync of their file (synced_size_). After a failed one nothing more is
//   written to that file and no batch after the last good sync is acknowledged; the
//   batches after it are read back from the page cache (each frame's checksum and
//   sequence checked), the file is cut to its last good sync and synced again, and the
//   batches are written to a new file, which is synced. Until that succeeds (the disk may
//   still be full) every append, Reserve and WaitDurable first retries it and fails with
//   its error; the kSyncPeriodically syncer retries it too. A batch that cannot be read
//   back intact makes the log fail for good (reopen it): it was lost with the page cache.
// - A failed cut of a partial write is handled the same way.
// A batch whose append or wait failed may still be replayed by a later Open (it may have
// reached the disk): callers must treat the failure as "not acknowledged", not as "not
// stored".
//
// Who may call it: the table store that owns the directory, which must keep any other Log
// (in this or another process) off it, e.g. with file::DirectoryLock. Thread-safe.
// The byte layout is in engine/wal/FORMAT.md.
#ifndef TSW_ENGINE_WAL_LOG_H_
#define TSW_ENGINE_WAL_LOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/env.h"
#include "tsw/options.h"

namespace tsw::wal {

struct LogOptions {
  DurabilityOptions durability;
  // Start a new log file once the current one reaches this size.
  int64_t max_file_bytes = 64 << 20;
  // Trimmed log files kept for reuse by later rotations, at most this many (RocksDB's
  // recycle_log_file_num): a reused file's blocks are overwritten in place instead of a
  // new file being zero-filled 128 KiB at a time. They count in SizeBytes. A trim that
  // covers every batch written deletes them too, so an idle log gives its space back.
  // 0: delete trimmed files.
  int recycle_files = 1;
  // Receives one line per notable event (a torn tail cut, a leftover temporary removed, a
  // background fsync failure). Should be set; if empty, lines go to stderr. May be called
  // with the log's lock held: it must not call back into the Log.
  std::function<void(absl::string_view)> report;
  // The file system; not owned. nullptr: Env::Default().
  Env* env = nullptr;
};

// Called by Open for every intact batch, in sequence order. A non-OK return aborts Open.
using ReplayFn = std::function<absl::Status(uint64_t sequence, absl::string_view payload)>;

class Log {
 public:
  // Payloads above this size are rejected by AppendNoSync with ValidationException.
  static constexpr size_t kMaxPayloadBytes = size_t{64} << 20;

  // Opens (creating if needed) the log in `dir`, replays it through `replay`, cuts a torn
  // tail, and returns a log ready to append after the last intact batch. Sequences start
  // at 1 in a new log, so 0 never names a batch.
  // Batches are replayed while the files are read: if Open then fails (damage in a
  // non-last file: InternalServerException naming the file and offset; an I/O error; a
  // non-OK return from `replay`, which Open returns as is), discard what was replayed.
  static absl::StatusOr<std::unique_ptr<Log>> Open(const std::string& dir,
                                                   const LogOptions& options,
                                                   const ReplayFn& replay);
  virtual ~Log() = default;

  // Makes room for the next batch, of up to `payload_bytes`: retries a pending repair
  // (see the file comment), rotates if the batch would not fit in the active file, and
  // extends the file with zeros to hold it, so that AppendNoSync of such a batch meets no
  // full disk (on file systems that allocate blocks on write; the zeros are written).
  // A bound over an eighth of max_file_bytes that does not fit in the active file is not
  // reserved (the batch may need a new file, which AppendNoSync makes).
  // Fails with the I/O error, having changed nothing a batch depends on.
  virtual absl::Status Reserve(size_t payload_bytes) = 0;

  // Writes one batch to the log file (not yet synced) and returns its sequence number,
  // one more than the previous batch's. Sequence order is append order.
  // Fails with ValidationException for a payload over kMaxPayloadBytes, with
  // InternalServerException after Close, and on an I/O error (the batch is not in the log
  // and its sequence is not used; the error carries the errno, see tsw::ErrnoOf). After
  // a failed sync it first repairs the log (see the file comment) and fails if it cannot.
  // Once a batch read back for a repair proved damaged, every call fails; reopen the log.
  virtual absl::StatusOr<uint64_t> AppendNoSync(absl::string_view payload) = 0;

  // Returns once batch `sequence` (and every earlier one) is as durable as the policy
  // requires: fsync'ed for kSyncBeforeAck (one fsync serves every waiter it covers),
  // written for kSyncPeriodically. Fails if the fsync fails and the repair after it fails
  // too, if `sequence` was never returned by AppendNoSync, or if the log was closed
  // before the batch was synced.
  virtual absl::Status WaitDurable(uint64_t sequence) = 0;

  // AppendNoSync, then WaitDurable.
  virtual absl::StatusOr<uint64_t> Append(absl::string_view payload) = 0;

  // Deletes whole log files all of whose batches have sequence < `sequence` (their
  // contents are durable elsewhere now). When that is every batch written so far, the
  // file being appended to is first closed (synced) and a new, empty one started, so it
  // goes too; otherwise the file being appended to is never deleted.
  // Files go oldest first, each removal made durable before the next, so a crash leaves
  // the remaining files contiguous. Up to LogOptions::recycle_files of them are kept for
  // reuse by later rotations instead of deleted, unless the trim covers every batch
  // written (then kept files are deleted too).
  virtual absl::Status TrimBefore(uint64_t sequence) = 0;

  // fsyncs everything written so far.
  virtual absl::Status Sync() = 0;

  // Syncs, stops the background syncer and closes files. Idempotent: later calls return
  // OK. Every other call fails after Close (except WaitDurable on a synced batch).
  // The destructor closes the log too, reporting a failure through LogOptions::log.
  virtual absl::Status Close() = 0;

  // Bytes of log files on disk, the active file's preallocated zeros and the files kept
  // for reuse included.
  virtual int64_t SizeBytes() const = 0;

  // The sequence the next AppendNoSync will return.
  virtual uint64_t NextSequence() const = 0;

  // The last batch known fsync'ed (every batch through it is), whatever the policy: under
  // kSyncPeriodically it trails the acknowledged batches by up to a sync interval. A batch
  // through it never changes or moves, so a reader of the files (LogReader) may forward it:
  // a later batch may still be lost to a power cut and its sequence reused.
  virtual uint64_t DurableSequence() const { return 0; }

  // fdatasync calls made on log data so far (group commit leaders, rotations, Close). For
  // tests and statistics: N writers sharing one fsync count 1.
  virtual int64_t SyncCount() const { return 0; }
};

}  // namespace tsw::wal

#endif  // TSW_ENGINE_WAL_LOG_H_
