// The forwarder: sends every record one table accepts to one Timestream Write destination,
// in log order, durably. engine/forward/README.md gives the design; in short:
//
// - A background thread reads the table's write-ahead log files (wal::LogReader) from a
//   durable cursor (batch sequence + record index), up to the log's last fsync'ed batch
//   (never a batch a power cut could still take back), decodes the batches into Records
//   (record_builder.h) and sends them through a Sender, one request at a time in log
//   order, each of up to max_records_per_request records.
// - After the destination accepts, the cursor moves past the request's records and is
//   written atomically (temporary, sync, rename, directory sync) at most every
//   kCursorPersistMillis and whenever the forwarder catches up or stops. A crash resends
//   from the last written cursor: at-least-once, with an exactly-once effect because every
//   record carries its Version (a resend of the same value at the same Version is
//   accepted as a no-op).
// - The table keeps its log from the written cursor on (TableStore::ForwardHooks::log_hold)
//   up to backlog_limit_bytes; past it the destination's ForwardBacklogPolicy applies.
// - kRetry outcomes back off exponentially with jitter (capped); kFailed ones are
//   reported and retried after a long backoff; rejected records go to the dead-letter
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
#include "engine/forward/record_builder.h"
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
  int64_t cursor_persist_millis = 100;
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
  // Stops the thread after the request in flight (a Send is not interrupted), writes the
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

  // A record read from the log, not yet accepted.
  struct Pending {
    LoggedRecord record;
    uint64_t sequence = 0;
    uint32_t index = 0;          // In its batch.
    uint32_t batch_records = 0;  // Records of its batch.
    int64_t frame_bytes = 0;
    wal::LogPosition position;  // Its batch's frame.
  };

  void Run();
  // Positions the readers at the cursor; reports a cursor the log no longer holds.
  absl::Status Open(bool had_cursor);
  // Counts the durable batches after what the counter has seen (pending figures).
  absl::Status Count(uint64_t durable);
  // Applies the backlog policy; true if records were dropped (the send queue is reset).
  absl::StatusOr<bool> EnforceBacklog(uint64_t durable);
  // Reads batches into queue_ until it holds a request's worth or the durable end.
  absl::Status Fill(uint64_t durable);
  // Sends the first request's worth of queue_ until accepted (or stopping). Returns false
  // when stopping.
  bool SendOne();
  // The records accepted: moves the cursor past the first `n` of queue_.
  void Advance(size_t n);
  void PersistCursor(bool force);
  void WriteDeadLetters(const std::vector<Record>& full, const SendOutcome& outcome);
  // Waits up to `millis` or until Stop (or, if `wake_on_notify`, Notify). Returns false
  // once stopping.
  bool Wait(int64_t millis, bool wake_on_notify);
  void SetError(const std::string& error);
  void Report(absl::string_view line) const;

  const ForwarderOptions options_;
  table::TableStore* const store_;
  const std::string name_;       // DestinationName.
  const std::string state_dir_;  // <table dir>/forward
  const std::string cursor_path_;
  const std::string dead_letter_path_;
  const std::string database_;  // The destination's names.
  const std::string table_;

  // ---- Only the thread touches these (and Open before it starts).
  wal::LogReader reader_;   // At the end of queue_.
  wal::LogReader counter_;  // At the end of what Count has seen.
  BatchRecords decoder_;
  std::deque<Pending> queue_;
  Cursor cursor_;             // Accepted so far (maybe not yet written).
  Cursor written_;            // The last cursor written.
  int64_t last_persist_ = 0;  // steady-clock ms.
  uint64_t rng_ = 0x9e3779b97f4a7c15ULL;
  std::vector<LoggedRecord> scratch_;
  wal::LogBatch batch_;

  std::atomic<uint64_t> hold_{UINT64_MAX};
  std::atomic<bool> throttled_{false};
  std::atomic<bool> wake_{false};

  mutable Mutex mu_;
  CondVar cv_;  // stop_ or wake_ set.
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
  TableStats::ForwardStats stats_ ABSL_GUARDED_BY(mu_);
  // Monotonic since Start: records and frame bytes counted durable, and passed by the
  // cursor (sent, rejected or dropped); pending = counted - passed.
  int64_t counted_records_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t counted_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t passed_records_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t passed_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // When the pending batches were first seen durable: (last sequence, clock nanos), in
  // order; one entry per second of arrivals at most.
  std::deque<std::pair<uint64_t, int64_t>> seen_ ABSL_GUARDED_BY(mu_);
  std::string throttle_message_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
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
