// The forwarder: sends every record one table accepts to one Timestream Write destination,
// in log order, durably. engine/forward/README.md gives the design; in short:
//
// - A background thread (the dispatcher) reads the table's write-ahead log files
//   (wal::LogReader) from a durable cursor (batch sequence + record index), up to the log's
//   last fsync'ed batch (never a batch a power cut could still take back), and decodes the
//   batches into compact LogRecords (json_request.h); each shard writes its request's JSON
//   straight from them and sends it with Sender::SendJson.
// - Records go to shards by a hash of their series (dimensions + measure name), like
//   Prometheus' remote_write: each shard has its own thread, sends its records in log
//   order, one request of up to max_records_per_request at a time, on its own keep-alive
//   connection (the sender's pool). So one series' records (an upsert and the value it
//   replaces) reach the destination in log order while other series' requests are in
//   flight beside them. The number of shards grows with the backlog (one per
//   max_records_per_request records pending, up to max_connections) and changes only when
//   nothing is in flight, so a series never has records on two shards at once.
// - The cursor moves over the prefix of the log every shard has had accepted (a shard
//   stuck in retries holds it), and is written atomically (temporary, sync, rename,
//   directory sync) at most every cursor_persist_millis and when the forwarder stops. A
//   thread of its own writes it, so the dispatcher never waits for those syncs (on a busy
//   disk they take tens of milliseconds, in which the shards would send the window's few
//   requests and then idle). A crash resends from the last written cursor: at-least-once, with an
//   exactly-once effect because every record carries its Version (a resend of the same
//   value at the same Version is accepted as a no-op).
// - The table keeps its log from the written cursor on (TableStore::ForwardHooks::log_hold)
//   up to backlog_limit_bytes; past it the destination's ForwardBacklogPolicy applies.
// - kRetry outcomes back off exponentially with jitter (capped), per shard; kFailed ones
//   are reported and retried after a long backoff; rejected records go to the dead-letter
//   report and are never resent. Local writes never wait for any of it.
//
// Files, in `<table dir>/forward/` (`<id>`: 16 hex digits of a hash of the destination's
// endpoint, discovery endpoint, database and table, so each destination has its own):
//   <id>.cursor          the cursor (FORMAT below, in README.md)
//   <id>.rejected.jsonl  the dead-letter report: one JSON object per rejected record
//
// Thread-safe: Notify, LogHold, WriteGate and Stats may be called from any thread.
#ifndef TSW_ENGINE_FORWARD_FORWARDER_H_
#define TSW_ENGINE_FORWARD_FORWARDER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/mutex.h"
#include "engine/forward/default_sender.h"
#include "engine/forward/json_request.h"
#include "engine/forward/sender.h"
#include "engine/table/table_store.h"
#include "engine/wal/log_reader.h"
#include "tsw/clock.h"
#include "tsw/engine.h"
#include "tsw/env.h"
#include "tsw/options.h"

namespace tsw::forward {

struct ForwarderOptions {
  ForwardDestination destination;
  std::string source_database;
  std::string source_table;
  std::string table_dir;         // The table's data directory (TableStore's `dir`).
  Env* env = nullptr;            // Never null.
  const Clock* clock = nullptr;  // Never null; for ages and report times.
  std::function<void(absl::string_view)> report;  // Never null.
  std::shared_ptr<Sender> sender;                 // Never null.
  // Backoff after kRetry: from retry_initial_millis, doubling, capped at retry_max_millis,
  // each wait a random 50% to 100% of it (jitter, so many devices do not retry in step).
  int64_t retry_initial_millis = 100;
  int64_t retry_max_millis = 30000;
  // The wait after kFailed (a request the destination refused whole).
  int64_t failed_backoff_millis = 5 * 60 * 1000;
  // With nothing to send, the thread re-reads the log's durable end this often even
  // without Notify (under kSyncPeriodically batches become durable with no write; the
  // engine passes the sync interval then).
  int64_t idle_poll_millis = 1000;
  // The cursor file is written at most this often (and on Stop): a crash or power cut
  // resends at most the records the destination accepted in the last
  // cursor_persist_millis (plus the write's own duration), harmlessly (README).
  int64_t cursor_persist_millis = 100;
  // Woken by a write while caught up, the dispatcher waits this long before reading, so
  // a busy writer's writes are read and sent a few at a time (0: at once).
  int64_t notify_coalesce_millis = 2;
};

// The cursor: the next record to send is record `record` of batch `sequence`; `hint`
// says where that batch's frame was (a shortcut for LogReader::Seek).
struct Cursor {
  uint64_t sequence = 1;
  uint32_t record = 0;
  wal::LogPosition hint;

  std::string Encode() const;
  // InternalServerException if `text` is not a cursor this build wrote.
  static absl::Status Decode(absl::string_view text, Cursor* cursor);
};

class Forwarder {
 public:
  // Reads the cursor (a missing one starts at the first batch the log holds, a damaged one
  // too, reported) and starts the thread. `store` must outlive the forwarder (Stop it
  // before closing the store).
  static absl::StatusOr<std::unique_ptr<Forwarder>> Start(ForwarderOptions options,
                                                          table::TableStore* store);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // New batches may be in the log (a write returned): wake the thread if it waits for them.
  void Notify();
  // Stops the threads after the requests in flight (a Send is not interrupted), writes the
  // cursor where the destination acknowledged. Idempotent.
  void Stop();

  // The first log sequence this forwarder still needs (the written cursor's batch).
  uint64_t LogHold() const { return hold_.load(std::memory_order_acquire); }
  // ThrottlingException while the backlog is over the limit under kThrottleWrites.
  absl::Status WriteGate() const;
  TableStats::ForwardStats Stats() const;

  // "<endpoint or discovery endpoint or region>/<database>/<table>", for stats and reports.
  static std::string DestinationName(const ForwardDestination& d, absl::string_view database,
                                     absl::string_view table);
  // The 16 hex digits naming the destination's files.
  static std::string StateId(const ForwardDestination& d);

 private:
  Forwarder(ForwarderOptions options, table::TableStore* store);

  // A record read from the log, handed to a shard, not yet accepted. `ordinal` numbers
  // the records the dispatcher has read (its place in window_).
  struct Queued {
    LogRecord record;
    uint64_t ordinal = 0;
  };
  // A record between the cursor and the reader, in log order.
  struct InFlight {
    uint64_t sequence = 0;
    uint32_t index = 0;          // In its batch.
    uint32_t batch_records = 0;  // Records of its batch.
    int64_t frame_bytes = 0;
    wal::LogPosition position;  // Its batch's frame.
    bool done = false;          // Accepted (or rejected to the dead letters).
  };

  // Names the calling thread and lowers its priority by destination.thread_nice (reported
  // if that fails; forwarding goes on at the priority it has).
  void LowerPriority(const char* thread_name) const;
  void Run();
  // A shard's thread: sends what the dispatcher queued for shard `shard`.
  void RunShard(int shard);
  // Positions the readers at the cursor; reports a cursor the log no longer holds.
  absl::Status Open(bool had_cursor);
  // Counts the durable batches after what the counter has seen (pending figures).
  absl::Status Count(uint64_t durable);
  // Applies the backlog policy; true if records were dropped (the shards are reset).
  absl::StatusOr<bool> EnforceBacklog(uint64_t durable);
  // Forgets every record queued or in flight (after a drop): a shard's request in flight
  // is abandoned, its answer ignored. Returns how many of them had been accepted.
  int64_t ResetShards(uint64_t before_sequence);
  // Changes the number of shards to what the backlog asks for, when nothing is in flight.
  // Returns false while a change waits for the shards to drain (read nothing meanwhile).
  bool Reshard();
  // Reads batches, handing their records to the shards, until the window is full or the
  // durable end (then *caught_up).
  absl::Status Fill(uint64_t durable) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status FillWindow(uint64_t durable, bool* caught_up) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether a shard whose queue is `queue` (not empty) may take a request from it now: a
  // full one always; a partial one only when no more records for it can come soon (the
  // dispatcher caught up with the log, nothing in flight but requests backing off) or it
  // holds the oldest record the window waits for. So a full window (the dispatcher
  // waiting for answers) does not send every shard's remainder as a small request, nor
  // does it hold healthy shards' remainders behind a shard stuck in retries, and it
  // never stalls.
  bool MaySendLocked(const std::deque<Queued>& queue) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wakes the shards that hold records MaySendLocked lets them send now. A shard that may
  // not is woken later by what changes that: its queue filling (FillWindow), the end of a
  // Fill, or the last request in flight being answered.
  void SignalShardsThatMaySendLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The same shards, into *shards, for SignalShards after mu_ is released: a shard
  // signalled while the signaller holds mu_ wakes only to wait for mu_ (and its release
  // takes one more futex call to wake it again).
  void ShardsThatMaySendLocked(std::vector<int>* shards) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SignalShards(const std::vector<int>& shards) ABSL_LOCKS_EXCLUDED(mu_);
  // Moves the cursor over the accepted prefix of the window.
  void Advance();
  // Sends `records` (one request's worth of a shard) until accepted, stopping or reset
  // (epoch_ no longer `epoch`). True if accepted (their window_ entries are done then).
  // `body` is the shard's buffer for the request's JSON.
  bool SendUntilAccepted(uint64_t epoch, std::vector<Queued>& records, std::string* body);
  // Hands cursor_ to the writer thread if it moved, at most every cursor_persist_millis
  // unless `force`; returns at once (the dispatcher's only use of the cursor's file).
  void PersistCursor(bool force);
  // The cursor's writer thread: writes each cursor PersistCursor hands it that is past
  // the last one written; after a failed write, tries again every cursor_persist_millis.
  void RunCursorWriter();
  // Writes `cursor` to cursor_path_ and moves the log hold to it; reports a failure.
  bool WriteCursor(const Cursor& cursor);
  // `body`: the request the destination answered with `outcome`.
  void WriteDeadLetters(const std::string& body, const SendOutcome& outcome);
  // Waits up to `millis` or until Stop (or, if `wake_on_notify`, Notify). Returns false
  // once stopping.
  bool Wait(int64_t millis, bool wake_on_notify);
  // The dispatcher's next wait: the idle poll, or less when the cursor is due for its writer.
  int64_t NextWaitMillis() const;
  // A shard's request was answered: Notify, and no coalescing pause for it.
  void NotifyAcknowledged();
  void SetError(const std::string& error);
  void Report(absl::string_view line) const;
  size_t RequestRecords() const;
  uint64_t NextRandom();

  const ForwarderOptions options_;
  table::TableStore* const store_;
  const std::string name_;       // DestinationName.
  const std::string state_dir_;  // <table dir>/forward
  const std::string cursor_path_;
  const std::string dead_letter_path_;
  const std::string database_;  // The destination's names.
  const std::string table_;
  const std::string request_prefix_;  // RequestPrefix(database_, table_).
  const int max_shards_;              // max_connections, at least 1.

  // ---- Only the dispatcher thread touches these (and Open before it starts, Stop after).
  wal::LogReader reader_;   // At the end of window_.
  wal::LogReader counter_;  // At the end of what Count has seen.
  LogDecoder decoder_;
  Cursor cursor_;             // Accepted so far (maybe not yet written).
  Cursor handed_;             // The last cursor handed to the writer (PersistCursor).
  int64_t last_persist_ = 0;  // When it was handed over, steady-clock ms.
  std::vector<LogRecord> scratch_;
  std::vector<int> wake_shards_;  // Shards to signal once mu_ is released.
  wal::LogBatch batch_;
  int shards_ = 1;  // Shards records are hashed to now.

  std::atomic<uint64_t> hold_{UINT64_MAX};
  std::atomic<bool> throttled_{false};
  std::atomic<bool> wake_{false};
  // Whether the dispatcher waits (or is about to) for wake_: Notify takes mu_ only then,
  // so a write does not contend with the dispatcher while it is busy.
  std::atomic<bool> waiting_{false};
  std::atomic<bool> acknowledged_{false};  // Set by NotifyAcknowledged, read by Run.

  mutable Mutex mu_;
  CondVar cv_;        // The dispatcher's: stop_ or wake_ set.
  CondVar shard_cv_;  // The shards' backoff: stop_ or epoch_ changed.
  // queue_cvs_[i]: shard i's queue has records to send (or stop_, or epoch_ changed).
  std::unique_ptr<CondVar[]> queue_cvs_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // The records from the cursor on that the dispatcher has read: window_[i] has ordinal
  // window_base_ + i.
  std::deque<InFlight> window_ ABSL_GUARDED_BY(mu_);
  uint64_t window_base_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t window_done_ ABSL_GUARDED_BY(mu_) = 0;                 // Entries of window_ done.
  std::vector<std::deque<Queued>> queues_ ABSL_GUARDED_BY(mu_);  // One per shard.
  int busy_ ABSL_GUARDED_BY(mu_) = 0;         // Shards holding a request (sending or backing off).
  int backing_off_ ABSL_GUARDED_BY(mu_) = 0;  // Of those, the ones backing off.
  // The dispatcher is reading durable batches (Fill): a shard waits for a full request
  // rather than sending the first records of a batch alone.
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  // The last Fill read up to the log's durable end (or could not read it), rather than
  // stopping at a full window.
  bool caught_up_ ABSL_GUARDED_BY(mu_) = true;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;  // Bumped by ResetShards.
  uint64_t rng_ ABSL_GUARDED_BY(mu_) = 0x9e3779b97f4a7c15ULL;
  TableStats::ForwardStats stats_ ABSL_GUARDED_BY(mu_);
  // Monotonic since Start: records and frame bytes counted durable, and passed by the
  // cursor (sent, rejected or dropped); pending records = counted - passed - window_done_
  // (accepted ones the cursor has not passed yet), pending bytes = counted - passed.
  int64_t counted_records_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t counted_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t passed_records_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t passed_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // When the pending batches were first seen durable: (last sequence, clock nanos), in
  // order; one entry per second of arrivals at most.
  std::deque<std::pair<uint64_t, int64_t>> seen_ ABSL_GUARDED_BY(mu_);
  std::string throttle_message_ ABSL_GUARDED_BY(mu_);

  Mutex dead_letter_mu_;  // Shards append to the report one at a time.

  // The cursor's writer (and Stop, once the writer is gone).
  Mutex cursor_mu_;
  CondVar cursor_cv_;  // The writer's: a cursor handed over, or cursor_stop_.
  Cursor to_write_ ABSL_GUARDED_BY(cursor_mu_);  // The last cursor handed over.
  Cursor written_ ABSL_GUARDED_BY(cursor_mu_);   // The last cursor written.
  bool cursor_stop_ ABSL_GUARDED_BY(cursor_mu_) = false;

  std::thread thread_;
  std::thread cursor_thread_;
  std::vector<std::thread> shard_threads_;
  std::atomic<bool> joined_{false};
};

// The forwarders of one table (one per matching destination), as the engine holds them.
class TableForwarders {
 public:
  // Starts a forwarder for every destination of `options.forward` matching the table.
  // Fails (having stopped any started) if a sender cannot be made or a start fails.
  static absl::StatusOr<std::unique_ptr<TableForwarders>> Start(
      const Options& options, const std::string& database, const std::string& table,
      const std::string& table_dir, const Clock* clock,
      std::function<void(absl::string_view)> report, table::TableStore* store);
  bool empty() const { return forwarders_.empty(); }
  // The hooks to give the store (they call into this object, which must outlive them).
  table::TableStore::ForwardHooks Hooks();
  void Notify();
  void Stop();
  std::vector<TableStats::ForwardStats> Stats() const;

 private:
  std::vector<std::unique_ptr<Forwarder>> forwarders_;
};

}  // namespace tsw::forward

#endif  // TSW_ENGINE_FORWARD_FORWARDER_H_
