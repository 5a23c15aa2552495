#include "engine/wal/log_reader.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/wal/log_format.h"
#include "tsw/status.h"

namespace tsw::wal {
namespace {

using format::kFileHeaderSize;
using format::kFrameHeaderSize;

// The frame header at `offset` of `file` if it carries `sequence` (else false: the end of
// the file's frames, its zero tail, or a frame not yet written).
absl::StatusOr<bool> FrameAt(const File& file, int64_t offset, uint64_t sequence,
                             format::FrameHeader* header, char raw[kFrameHeaderSize]) {
  absl::StatusOr<size_t> n = file.Read(static_cast<uint64_t>(offset), kFrameHeaderSize, raw);
  if (!n.ok()) return n.status();
  if (*n < kFrameHeaderSize) return false;
  *header = format::DecodeFrameHeader(raw);
  return header->sequence == sequence && header->length <= format::kMaxPayloadBytes;
}

}  // namespace

std::string LogReader::PathOf(uint64_t number) const {
  return file::JoinPath(dir_, format::LogFileName(number));
}

absl::Status LogReader::OpenNumber(uint64_t number, uint64_t* first_sequence) {
  absl::StatusOr<std::unique_ptr<File>> file = env_.OpenFile(PathOf(number), OpenMode::kRead);
  if (!file.ok()) return file.status();
  char raw[kFileHeaderSize];
  absl::StatusOr<size_t> n = (*file)->Read(0, kFileHeaderSize, raw);
  if (!n.ok()) return n.status();
  format::FileHeader header = format::DecodeFileHeader(absl::string_view(raw, *n));
  if (header.problem != nullptr) {
    return InternalError(
        absl::StrCat("write-ahead log file ", PathOf(number), ": ", header.problem));
  }
  *first_sequence = header.first_sequence;
  DropBuffer();
  file_ = std::move(*file);
  file_number_ = number;
  offset_ = static_cast<int64_t>(kFileHeaderSize);
  return absl::OkStatus();
}

absl::Status LogReader::Seek(uint64_t sequence, const LogPosition& hint, uint64_t* first_held) {
  *first_held = 0;
  DropBuffer();
  format::FrameHeader header;
  char raw[kFrameHeaderSize];
  uint64_t first = 0;
  if (hint.file_number != 0 && hint.offset >= static_cast<int64_t>(kFileHeaderSize) &&
      OpenNumber(hint.file_number, &first).ok()) {
    absl::StatusOr<bool> at = FrameAt(*file_, hint.offset, sequence, &header, raw);
    if (at.ok() && *at) {
      offset_ = hint.offset;
      next_sequence_ = sequence;
      return absl::OkStatus();
    }
  }
  // The file whose first sequence is the highest at or below `sequence`.
  absl::StatusOr<std::vector<std::string>> names = env_.ListDir(dir_);
  if (!names.ok()) return names.status();
  std::vector<uint64_t> numbers;
  for (const std::string& name : *names) {
    uint64_t number = 0;
    if (format::ParseLogFileName(name, &number)) numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  uint64_t chosen = 0, chosen_first = 0;
  for (uint64_t number : numbers) {
    if (absl::Status s = OpenNumber(number, &first); !s.ok()) return s;
    if (*first_held == 0) *first_held = first;
    if (first > sequence) break;
    chosen = number;
    chosen_first = first;
  }
  if (chosen == 0) {
    return absl::NotFoundError(
        absl::StrCat("the write-ahead log in ", dir_, " no longer holds batch ", sequence));
  }
  if (absl::Status s = OpenNumber(chosen, &first); !s.ok()) return s;
  // Frame headers only, each carrying the next sequence, up to `sequence`.
  for (uint64_t expected = chosen_first;; ++expected) {
    absl::StatusOr<bool> at = FrameAt(*file_, offset_, expected, &header, raw);
    if (!at.ok()) return at.status();
    if (expected == sequence) break;  // Found, or where it will be written.
    if (!*at) {
      return absl::OutOfRangeError(absl::StrCat("the write-ahead log in ", dir_,
                                                " ends before batch ", sequence, " (at ",
                                                expected - 1, ")"));
    }
    offset_ += static_cast<int64_t>(kFrameHeaderSize + header.length);
  }
  next_sequence_ = sequence;
  return absl::OkStatus();
}

absl::Status LogReader::ReadAhead(int64_t offset, size_t bytes, uint64_t durable) {
  // Sized by what the previous read served: a reader keeping up with a writer reads about
  // what arrived since, one catching up reads larger pieces.
  if (buffer_durable_ != 0 && offset >= buffer_offset_) {
    const size_t served = static_cast<size_t>(offset - buffer_offset_);
    read_ahead_ = std::clamp(2 * served, kReadAheadMin, kReadAheadMax);
  }
  bytes = std::max(bytes, read_ahead_);
  DropBuffer();
  if (bytes > buffer_capacity_ || buffer_capacity_ > 4 * std::max(bytes, kReadAheadMax)) {
    buffer_.reset(new char[bytes]);  // Not zeroed: only bytes Read filled are used.
    buffer_capacity_ = bytes;
  }
  absl::StatusOr<size_t> n = file_->Read(static_cast<uint64_t>(offset), bytes, buffer_.get());
  if (!n.ok()) return n.status();
  buffer_offset_ = offset;
  buffer_size_ = *n;
  buffer_durable_ = durable;
  return absl::OkStatus();
}

absl::StatusOr<bool> LogReader::LoadFrame(uint64_t durable, bool whole, uint32_t* length) {
  // The buffer's bytes from offset_ on, if they may be used for next_sequence_.
  auto held = [&]() -> size_t {
    if (next_sequence_ > buffer_durable_ || offset_ < buffer_offset_) return 0;
    const size_t from = static_cast<size_t>(offset_ - buffer_offset_);
    return from < buffer_size_ ? buffer_size_ - from : 0;
  };
  if (held() < kFrameHeaderSize) {
    if (absl::Status s = ReadAhead(offset_, kFrameHeaderSize, durable); !s.ok()) return s;
  }
  const size_t have = held();
  if (have < kFrameHeaderSize) return false;  // The file's end.
  const format::FrameHeader header =
      format::DecodeFrameHeader(buffer_.get() + (offset_ - buffer_offset_));
  if (header.sequence != next_sequence_ || header.length > format::kMaxPayloadBytes) return false;
  const size_t need =
      kFrameHeaderSize +
      (whole ? header.length : std::min<size_t>(header.length, kPayloadHeaderBytes));
  if (have < need) {
    if (absl::Status s = ReadAhead(offset_, need, durable); !s.ok()) return s;
  }
  *length = header.length;
  return true;
}

absl::StatusOr<bool> LogReader::Next(uint64_t durable, ReadMode mode, LogBatch* batch) {
  if (file_ == nullptr || next_sequence_ == 0 || next_sequence_ > durable) return false;
  const bool whole = mode == ReadMode::kWhole;
  uint32_t length = 0;
  absl::StatusOr<bool> at = LoadFrame(durable, whole, &length);
  if (!at.ok()) return at.status();
  if (!*at) {
    // Past this file's frames: a durable batch is then the next file's first.
    const uint64_t previous = file_number_;
    const int64_t end = offset_;
    uint64_t first = 0;
    absl::Status s = OpenNumber(previous + 1, &first);
    if (s.ok() && first != next_sequence_) {
      s = InternalError(absl::StrCat("write-ahead log file ", PathOf(previous + 1),
                                     " begins at batch ", first, ", not ", next_sequence_));
    }
    if (!s.ok()) {
      return InternalError(absl::StrCat("the write-ahead log in ", dir_, " lacks durable batch ",
                                        next_sequence_, " after ", PathOf(previous), " offset ",
                                        end, ": ", s.message()));
    }
    at = LoadFrame(durable, whole, &length);
    if (!at.ok()) return at.status();
    if (!*at) {
      return InternalError(absl::StrCat("write-ahead log file ", PathOf(file_number_),
                                        ": no frame of durable batch ", next_sequence_,
                                        " at offset ", offset_));
    }
  }
  const size_t want = whole ? length : std::min<size_t>(length, kPayloadHeaderBytes);
  // Payload bytes the buffer holds (after a second read the file may have been cut below
  // the header this frame's first read saw: none then, and the frame is cut short).
  const size_t from = static_cast<size_t>(offset_ - buffer_offset_);
  const size_t have =
      buffer_size_ > from + kFrameHeaderSize ? buffer_size_ - from - kFrameHeaderSize : 0;
  const char* frame = buffer_.get() + from;
  batch->payload =
      absl::string_view(have > 0 ? frame + kFrameHeaderSize : nullptr, std::min(want, have));
  if (have < want || (whole && !format::FrameChecksumMatches(frame, batch->payload))) {
    return InternalError(absl::StrCat("write-ahead log file ", PathOf(file_number_),
                                      ": durable batch ", next_sequence_, " at offset ", offset_,
                                      have < want ? " is cut short" : " fails its checksum"));
  }
  batch->sequence = next_sequence_;
  batch->position = {file_number_, offset_};
  batch->frame_bytes = static_cast<int64_t>(kFrameHeaderSize + length);
  offset_ += batch->frame_bytes;
  ++next_sequence_;
  return true;
}

}  // namespace tsw::wal
