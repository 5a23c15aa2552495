#include "engine/wal/log_file.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/wal/log_format.h"
#include "tsw/status.h"

namespace tsw::wal {
namespace {

using format::kFileHeaderSize;
using format::kFrameHeaderSize;

// Sequential reads of one file through a buffer that is refilled from the requested
// offset whenever a request does not fit in it. Views stay valid until the next Read.
class BufferedReader {
 public:
  BufferedReader(const File& file, int64_t file_size) : file_(file), file_size_(file_size) {}

  // The bytes [offset, offset + n). REQUIRES: offset + n <= file size.
  absl::StatusOr<absl::string_view> Read(int64_t offset, size_t n) {
    if (offset < buffer_offset_ ||
        offset + static_cast<int64_t>(n) > buffer_offset_ + static_cast<int64_t>(buffered_)) {
      size_t want = std::max<size_t>(n, kChunkBytes);
      want = static_cast<size_t>(std::min<int64_t>(want, file_size_ - offset));
      if (buffer_.size() < want) buffer_.resize(want);
      buffered_ = 0;
      absl::StatusOr<size_t> read = file_.Read(static_cast<uint64_t>(offset), want, buffer_.data());
      if (!read.ok()) return read.status();
      if (*read < want) {
        return tsw::InternalError(
            absl::StrCat("wal: ", file_.path(), " shrank while being read at offset ", offset));
      }
      buffer_offset_ = offset;
      buffered_ = want;
    }
    return absl::string_view(buffer_.data() + (offset - buffer_offset_), n);
  }

 private:
  static constexpr size_t kChunkBytes = 1 << 20;
  const File& file_;
  const int64_t file_size_;
  std::string buffer_;
  int64_t buffer_offset_ = 0;
  size_t buffered_ = 0;
};

// True if the bytes [offset, end) are all zero.
absl::StatusOr<bool> AllZeros(BufferedReader* reader, int64_t offset, int64_t end) {
  static constexpr size_t kStep = 64 << 10;
  while (offset < end) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(end - offset, kStep));
    absl::StatusOr<absl::string_view> read = reader->Read(offset, n);
    if (!read.ok()) return read.status();
    for (const char c : *read) {
      if (c != 0) return false;
    }
    offset += static_cast<int64_t>(n);
  }
  return true;
}

}  // namespace

absl::StatusOr<FileHandle> CreateLogFile(Env& env, const std::string& dir, uint64_t number,
                                         uint64_t first_sequence, bool* renamed) {
  *renamed = false;
  const std::string tmp = file::JoinPath(dir, format::TempLogFileName(number));
  const std::string path = file::JoinPath(dir, format::LogFileName(number));
  absl::StatusOr<std::unique_ptr<File>> created = env.OpenFile(tmp, OpenMode::kCreateTruncate);
  if (!created.ok()) return created.status();
  FileHandle handle = *std::move(created);
  char header[kFileHeaderSize];
  format::EncodeFileHeader(first_sequence, header);
  absl::Status s = handle->Write(0, absl::string_view(header, sizeof(header)));
  if (s.ok()) s = handle->Sync();
  if (s.ok()) s = env.Rename(tmp, path);
  if (!s.ok()) {
    env.RemoveFile(tmp).IgnoreError();  // Else the next Open removes it.
    return s;
  }
  *renamed = true;
  if (absl::Status synced = env.SyncDir(dir); !synced.ok()) return synced;
  return handle;
}

absl::StatusOr<FileHandle> ReuseLogFile(Env& env, const std::string& dir,
                                        const std::string& free_path, uint64_t number,
                                        uint64_t first_sequence, bool* renamed, int64_t* size) {
  *renamed = false;
  const std::string path = file::JoinPath(dir, format::LogFileName(number));
  absl::StatusOr<std::unique_ptr<File>> opened = env.OpenFile(free_path, OpenMode::kReadWrite);
  if (!opened.ok()) return opened.status();
  FileHandle handle = *std::move(opened);
  absl::StatusOr<uint64_t> bytes = handle->Size();
  if (!bytes.ok()) return bytes.status();
  *size = std::max<int64_t>(static_cast<int64_t>(*bytes), kFileHeaderSize);
  char header[kFileHeaderSize];
  format::EncodeFileHeader(first_sequence, header, format::kRecycledFormatVersion);
  absl::Status s = handle->Write(0, absl::string_view(header, sizeof(header)));
  if (s.ok()) s = handle->Sync();
  if (s.ok()) s = env.Rename(free_path, path);
  if (!s.ok()) return s;
  *renamed = true;
  if (absl::Status synced = env.SyncDir(dir); !synced.ok()) return synced;
  return handle;
}

absl::StatusOr<ScanResult> ScanLogFile(
    const File& file, const std::function<absl::Status(uint64_t, absl::string_view)>& replay) {
  ScanResult result;
  const std::string& path = file.path();
  absl::StatusOr<uint64_t> size = file.Size();
  if (!size.ok()) return size.status();
  result.file_size = static_cast<int64_t>(*size);
  BufferedReader reader(file, result.file_size);

  absl::string_view header_bytes;
  if (result.file_size >= static_cast<int64_t>(kFileHeaderSize)) {
    absl::StatusOr<absl::string_view> read = reader.Read(0, kFileHeaderSize);
    if (!read.ok()) return read.status();
    header_bytes = *read;
  }
  format::FileHeader header = format::DecodeFileHeader(header_bytes);
  if (header.intact && header.problem != nullptr) {
    // Whole and checksummed, so not damage: a file this code must not guess about.
    return tsw::InternalError(
        absl::StrCat("wal: ", path, ": ", header.problem, " (version ", header.version,
                     ", first sequence ", header.first_sequence, "); this build reads versions ",
                     format::kFormatVersion, " and ", format::kRecycledFormatVersion));
  }
  if (header.problem != nullptr) {
    result.problem = header.problem;
    return result;
  }
  result.header_ok = true;
  result.recycled = header.version == format::kRecycledFormatVersion;
  result.first_sequence = header.first_sequence;
  result.next_sequence = header.first_sequence;

  int64_t offset = kFileHeaderSize;
  while (offset < result.file_size) {
    const int64_t remaining = result.file_size - offset;
    if (remaining < static_cast<int64_t>(kFrameHeaderSize)) {
      result.problem =
          absl::StrCat("torn frame header (", remaining, " of ", kFrameHeaderSize, " bytes)");
      break;
    }
    absl::StatusOr<absl::string_view> read = reader.Read(offset, kFrameHeaderSize);
    if (!read.ok()) return read.status();
    const format::FrameHeader frame = format::DecodeFrameHeader(read->data());
    if (frame.length > format::kMaxPayloadBytes) {
      result.problem = absl::StrCat("frame length ", frame.length, " over the limit of ",
                                    format::kMaxPayloadBytes);
      break;
    }
    const int64_t frame_bytes = static_cast<int64_t>(kFrameHeaderSize) + frame.length;
    if (frame_bytes > remaining) {
      result.problem = absl::StrCat("torn frame (", remaining, " of ", frame_bytes, " bytes)");
      break;
    }
    // Re-read header and payload together so both views come from one buffer fill.
    read = reader.Read(offset, static_cast<size_t>(frame_bytes));
    if (!read.ok()) return read.status();
    absl::string_view payload = read->substr(kFrameHeaderSize);
    if (!format::FrameChecksumMatches(read->data(), payload)) {
      result.problem = "frame checksum mismatch";
      break;
    }
    if (frame.sequence != result.next_sequence) {
      result.problem = absl::StrCat("frame has sequence ", frame.sequence, " where ",
                                    result.next_sequence, " was expected");
      break;
    }
    if (absl::Status s = replay(frame.sequence, payload); !s.ok()) return s;
    offset += frame_bytes;
    ++result.next_sequence;
  }
  result.valid_end = offset;
  if (!result.problem.empty() && !result.recycled) {
    // The appender's preallocated zeros (a frame is never all zeros: its checksum covers
    // a sequence of at least 1), not a torn batch.
    absl::StatusOr<bool> zeros = AllZeros(&reader, offset, result.file_size);
    if (!zeros.ok()) return zeros.status();
    if (*zeros) result.problem.clear();
  }
  return result;
}

}  // namespace tsw::wal
