// One log file on disk, for the Log implementation: creating a new file durably, and
// scanning an existing one frame by frame. Internal to //engine/wal.
#ifndef TSW_ENGINE_WAL_LOG_FILE_H_
#define TSW_ENGINE_WAL_LOG_FILE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/env.h"

namespace tsw::wal {

// An open log file. Shared between the appender and a group-commit leader that syncs
// outside the lock, so rotation or Close never closes a file a sync is still using.
using FileHandle = std::shared_ptr<File>;

// Creates log file `number` in `dir` holding only a header naming `first_sequence`, and
// makes it durable: written under a temporary name, fdatasync'ed, renamed into place
// (replacing any file of that name), directory fsync'ed. A crash at any moment leaves
// either no file of that name (or the old one) or the whole header.
// On failure `*renamed` says whether the file may already exist under its final name.
// Returns the file opened read-write.
absl::StatusOr<FileHandle> CreateLogFile(Env& env, const std::string& dir, uint64_t number,
                                         uint64_t first_sequence, bool* renamed);

// Turns the trimmed log file kept as `free_path` (format::FreeLogFileName) into log file
// `number` whose first batch will be `first_sequence`, keeping its blocks: writes a
// recycled-file header (version 2) over the old one, fdatasyncs, renames the file into
// place and fsyncs the directory. The old frames stay behind the header: Open and
// ScanLogFile tell them from new ones by their sequences (FORMAT.md, "Recycled files").
// A crash before the rename leaves the free file (Open keeps it for reuse), after it a
// log file holding no batch yet. On failure `*renamed` says whether the file may already
// exist under its final name. Returns the file opened read-write and its size.
absl::StatusOr<FileHandle> ReuseLogFile(Env& env, const std::string& dir,
                                        const std::string& free_path, uint64_t number,
                                        uint64_t first_sequence, bool* renamed, int64_t* size);

// What ScanLogFile found in one file.
struct ScanResult {
  int64_t file_size = 0;
  // The header is intact; first_sequence is the sequence it names.
  bool header_ok = false;
  // The header says the file is recycled: bytes after the last intact frame may be its
  // earlier use's (`problem` then describes them, and they are not checked for zeros).
  bool recycled = false;
  uint64_t first_sequence = 0;
  // Offset just past the last whole batch (the header's end if there is none), and the
  // sequence the next batch would carry.
  int64_t valid_end = 0;
  uint64_t next_sequence = 0;
  // Empty if the file is whole up to its end; else why the bytes from `valid_end` on (or
  // the header) are not a batch. Zeros from `valid_end` to the end of the file are the
  // file's preallocated tail (the appender extends the file with zeros ahead of its
  // frames), not a problem.
  std::string problem;
};

// Reads the log file `file` from its start and passes
// every whole batch, in order, to `replay`. Stops at the first damaged header or frame
// (torn, bad length, bad checksum, or a sequence other than the next expected) and
// describes it in the result; that is not an error here, because only the caller knows
// whether the file is the last one. Fails on I/O errors, on an intact header of a format
// version this code does not read, and when `replay` fails (with replay's status).
absl::StatusOr<ScanResult> ScanLogFile(
    const File& file, const std::function<absl::Status(uint64_t, absl::string_view)>& replay);

}  // namespace tsw::wal

#endif  // TSW_ENGINE_WAL_LOG_FILE_H_
