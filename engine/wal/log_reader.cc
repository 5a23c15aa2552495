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
  file_ = std::move(*file);
  file_number_ = number;
  offset_ = static_cast<int64_t>(kFileHeaderSize);
  return absl::OkStatus();
}

absl::Status LogReader::Seek(uint64_t sequence, const LogPosition& hint, uint64_t* first_held) {
  *first_held = 0;
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

absl::StatusOr<bool> LogReader::Next(uint64_t durable, ReadMode mode, LogBatch* batch) {
  if (file_ == nullptr || next_sequence_ == 0 || next_sequence_ > durable) return false;
  format::FrameHeader header;
  char raw[kFrameHeaderSize];
  absl::StatusOr<bool> at = FrameAt(*file_, offset_, next_sequence_, &header, raw);
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
    at = FrameAt(*file_, offset_, next_sequence_, &header, raw);
    if (!at.ok()) return at.status();
    if (!*at) {
      return InternalError(absl::StrCat("write-ahead log file ", PathOf(file_number_),
                                        ": no frame of durable batch ", next_sequence_,
                                        " at offset ", offset_));
    }
  }
  const size_t want = mode == ReadMode::kWhole
                          ? header.length
                          : std::min<size_t>(header.length, kPayloadHeaderBytes);
  batch->payload.resize(want);
  absl::StatusOr<size_t> n =
      file_->Read(static_cast<uint64_t>(offset_) + kFrameHeaderSize, want, batch->payload.data());
  if (!n.ok()) return n.status();
  if (*n < want ||
      (mode == ReadMode::kWhole && !format::FrameChecksumMatches(raw, batch->payload))) {
    return InternalError(absl::StrCat("write-ahead log file ", PathOf(file_number_),
                                      ": durable batch ", next_sequence_, " at offset ", offset_,
                                      *n < want ? " is cut short" : " fails its checksum"));
  }
  batch->sequence = next_sequence_;
  batch->position = {file_number_, offset_};
  batch->frame_bytes = static_cast<int64_t>(kFrameHeaderSize + header.length);
  offset_ += batch->frame_bytes;
  ++next_sequence_;
  return true;
}

}  // namespace tsw::wal
