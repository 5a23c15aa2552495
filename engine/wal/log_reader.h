// LogReader: reads a table's write-ahead log files from outside the Log that writes them,
// batch by batch in sequence order, while the Log goes on appending and trimming. The
// forwarder (engine/forward) reads with it what it has not yet sent.
//
// It reads only batches the caller says are durable (Log::DurableSequence): those never
// change or move (engine/wal/FORMAT.md: frames after the last sync may be cut and written
// again elsewhere, synced ones never). Every frame it returns whole is checked against
// its checksum and sequence; damage is an InternalServerException naming file and offset.
//
// Reads ahead: one Read fetches the frames of many batches (kReadAheadMin to
// kReadAheadMax bytes, sized by what the previous read served), not a header and a
// payload per batch. A frame is served from those bytes only if its batch was durable
// when they were read (bytes past the durable end may be unwritten, or rewritten after a
// failed sync); its checksum is verified each time it is returned whole.
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
#include "absl/strings/string_view.h"
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
  // whose record count engine/ingest's BatchDecoder reads); unchecked then. Points into
  // the reader's buffer: valid until the reader's next Seek or Next.
  absl::string_view payload;
};

class LogReader {
 public:
  enum class ReadMode { kWhole, kRecordCount };
  // Bytes of a payload ReadMode::kRecordCount reads: the batch format's version byte and
  // record count (engine/ingest/FORMAT.md).
  static constexpr size_t kPayloadHeaderBytes = 5;
  static constexpr size_t kReadAheadMin = size_t{16} << 10;
  static constexpr size_t kReadAheadMax = size_t{256} << 10;

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
  // Makes the frame of next_sequence_ at offset_ available in the buffer: its header and
  // its payload (`whole`) or the payload's first kPayloadHeaderBytes, fewer only where
  // the file ends; reads from the file unless the buffer holds them and was read once
  // next_sequence_ was durable. False (not an error) if no frame of that sequence is
  // there; else *length is the payload's length.
  absl::StatusOr<bool> LoadFrame(uint64_t durable, bool whole, uint32_t* length);
  // Replaces the buffer with at least `bytes` of file_ from `offset` (fewer at its end).
  absl::Status ReadAhead(int64_t offset, size_t bytes, uint64_t durable);
  void DropBuffer() {
    buffer_size_ = 0;
    buffer_durable_ = 0;
  }

  Env& env_;
  const std::string dir_;
  std::unique_ptr<File> file_;
  uint64_t file_number_ = 0;
  int64_t offset_ = 0;
  uint64_t next_sequence_ = 0;
  // Bytes [buffer_offset_, buffer_offset_ + buffer_size_) of file_, read when the
  // batches up to buffer_durable_ were durable (0: none).
  std::unique_ptr<char[]> buffer_;
  size_t buffer_capacity_ = 0;
  size_t buffer_size_ = 0;
  int64_t buffer_offset_ = 0;
  uint64_t buffer_durable_ = 0;
  size_t read_ahead_ = kReadAheadMin;
};

}  // namespace tsw::wal

#endif  // TSW_ENGINE_WAL_LOG_READER_H_
