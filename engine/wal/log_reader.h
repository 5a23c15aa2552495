// LogReader: reads a table's write-ahead log files from outside the Log that writes them,
// batch by batch in sequence order, while the Log goes on appending and trimming. The
// forwarder (engine/forward) reads with it what it has not yet sent.
//
// It reads only batches the caller says are durable (Log::DurableSequence): those never
// change or move (engine/wal/FORMAT.md: frames after the last sync may be cut and written
// again elsewhere, synced ones never). Every frame it returns whole is checked against
// its checksum and sequence; damage is an InternalServerException naming file and offset.
//
// Not thread-safe; one reader per consumer. Uses only the Env.
#ifndef TSW_ENGINE_WAL_LOG_READER_H_
#define TSW_ENGINE_WAL_LOG_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tsw/env.h"

namespace tsw::wal {

// Where a batch's frame is: its file's number and the frame's offset in it.
struct LogPosition {
  uint64_t file_number = 0;
  int64_t offset = 0;
};

struct LogBatch {
  uint64_t sequence = 0;
  LogPosition position;
  int64_t frame_bytes = 0;  // Frame header and payload.
  // The payload, or with ReadMode::kRecordCount only its first bytes (the batch header,
  // whose record count engine/ingest's BatchDecoder reads); unchecked then.
  std::string payload;
};

class LogReader {
 public:
  enum class ReadMode { kWhole, kRecordCount };
  // Bytes of a payload ReadMode::kRecordCount reads: the batch format's version byte and
  // record count (engine/ingest/FORMAT.md).
  static constexpr size_t kPayloadHeaderBytes = 5;

  LogReader(Env& env, std::string dir) : env_(env), dir_(std::move(dir)) {}

  // Positions the reader at batch `sequence`. `hint`, if its file still holds the frame of
  // that sequence at that offset, saves the search. Fails with absl NotFound when the log
  // no longer holds it (trimmed): *first_held is then the first batch the log holds (the
  // next sequence to be written if it holds none), or 0 if unknown. Other errors: I/O,
  // damage.
  absl::Status Seek(uint64_t sequence, const LogPosition& hint, uint64_t* first_held);

  // The next batch (the one Seek or the previous Next left the reader at) if its sequence
  // is at most `durable`, else nullopt-like false. REQUIRES: a successful Seek first.
  absl::StatusOr<bool> Next(uint64_t durable, ReadMode mode, LogBatch* batch);

  // The sequence and position of the batch Next returns next.
  uint64_t next_sequence() const { return next_sequence_; }
  LogPosition position() const { return {file_number_, offset_}; }

 private:
  // Opens file `number` and checks its header; sets *first_sequence.
  absl::Status OpenNumber(uint64_t number, uint64_t* first_sequence);
  std::string PathOf(uint64_t number) const;

  Env& env_;
  const std::string dir_;
  std::unique_ptr<File> file_;
  uint64_t file_number_ = 0;
  int64_t offset_ = 0;
  uint64_t next_sequence_ = 0;
};

}  // namespace tsw::wal

#endif  // TSW_ENGINE_WAL_LOG_READER_H_
