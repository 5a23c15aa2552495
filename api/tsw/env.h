// Env: every file-system operation the engine performs, behind one interface.
//
// The engine touches the file system only through an Env (as LevelDB does through its
// Env): the data directory's files, the write-ahead log's mapping and the directory lock.
// Env::Default() is the POSIX implementation. An embedding application may pass its own
// in Options::env, for example to count I/O; tests pass a fault-injecting in-memory one
// that can cut the power or fail a chosen operation.
//
// Errors. A failed operation returns an InternalServerException whose message names the
// operation and the path ("cannot fdatasync /data/wal/000001.log: No space left on
// device"), with the errno attached (ErrnoOf). A missing file or directory is an absl
// NotFound error (also with ENOENT attached), so callers can tell it apart.
//
// Durability model (POSIX's, and the fault-injecting Env's): bytes written to a file are
// on stable storage only after a successful File::Sync of that file; a created, renamed
// or removed directory entry only after a successful SyncDir of its directory.
#ifndef TSW_API_ENV_H_
#define TSW_API_ENV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tsw {

// A writable shared mapping of part of a File. Bytes stored through data() are part of
// the file no later than the file's next successful Sync or the region's destruction;
// File::Read may not see them before. Destruction unmaps.
class MappedRegion {
 public:
  virtual ~MappedRegion() = default;
  virtual char* data() = 0;
  virtual size_t size() const = 0;
};

// An open file. Reads and writes take explicit offsets, so one File may be used by several
// threads at once (the WAL syncs from one thread while another appends). Destruction
// closes it; unsynced bytes are not lost by closing (only by a power cut).
class File {
 public:
  virtual ~File() = default;

  // The path the file was opened by, for messages.
  virtual const std::string& path() const = 0;

  // Reads up to `n` bytes at `offset` into `scratch`; returns how many were read, fewer
  // than `n` only at the end of the file.
  virtual absl::StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const = 0;

  // Writes every byte of `pieces`, one after another, starting at `offset` (extending the
  // file as needed). On an error some prefix of the bytes may have reached the file.
  virtual absl::Status Write(uint64_t offset, absl::Span<const absl::string_view> pieces) = 0;
  absl::Status Write(uint64_t offset, absl::string_view data) {
    return Write(offset, absl::MakeConstSpan(&data, 1));
  }

  // Sets the file's size, cutting or extending with zeros.
  virtual absl::Status Truncate(uint64_t size) = 0;

  // Makes the file's bytes and size durable (fdatasync).
  virtual absl::Status Sync() = 0;

  virtual absl::StatusOr<uint64_t> Size() const = 0;

  // Maps [offset, offset + n) of the file for writing, with its pages made resident and
  // writable up front (so a later store through the mapping cannot fail). `offset` is a
  // multiple of 4096 and the range lies inside the file. Returns absl Unimplemented where
  // the Env or the kernel cannot: callers then write with Write.
  virtual absl::StatusOr<std::unique_ptr<MappedRegion>> MapWritable(uint64_t offset, size_t n) = 0;

  // Maps the whole file read-only, for a reader of an immutable file (a segment) that
  // would otherwise copy its bytes out with Read. The region must only be read; it shows
  // the file as it is, so the file must not shrink while mapped. Returns absl
  // Unimplemented where the Env cannot (the default): callers then read with Read.
  virtual absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly() const {
    return absl::UnimplementedError("this Env does not map files");
  }
};

// How OpenFile opens a file. Every mode but kRead opens for reading and writing.
enum class OpenMode {
  kRead,             // Must exist.
  kReadWrite,        // Must exist.
  kCreate,           // Created empty if missing; kept as it is if present.
  kCreateTruncate,   // Created if missing; emptied if present.
  kCreateExclusive,  // Created; fails (absl AlreadyExists) if present.
};

// An exclusive lock on a file, held until destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The POSIX file system. Process-wide; never destroyed.
  static Env* Default();
  // The POSIX file system with no memory mapping: File::MapWritable and MapReadOnly are
  // Unimplemented, so the log is written with Write and segments are read with Read
  // (blocks copied out, so scans cost more). For storage whose reads can fail (SD cards,
  // USB sticks): a read error of a mapped page is a SIGBUS that ends the process, while
  // Read returns it as an error (EIO), which the engine reports for that one read.
  // Process-wide; never destroyed.
  static Env* DefaultWithoutMapping();

  virtual absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                         OpenMode mode) = 0;

  // Whether `path` names a file or directory, and whether it is a directory.
  virtual bool Exists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;

  // The names in directory `path` (no "." or ".."), in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) = 0;

  // Creates directory `path` (its parent must exist); OK if it exists already.
  virtual absl::Status CreateDir(const std::string& path) = 0;
  // Removes an empty directory.
  virtual absl::Status RemoveDir(const std::string& path) = 0;
  // Removes a file; absl NotFound if it is missing.
  virtual absl::Status RemoveFile(const std::string& path) = 0;
  // Renames `from` to `to`, replacing `to` if it exists.
  virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;
  // Makes the creations, renames and removals inside directory `path` durable.
  virtual absl::Status SyncDir(const std::string& path) = 0;

  // Takes an exclusive lock on `path` (created if missing). Held by another Env user, in
  // this process or another: absl Unavailable.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

// The errno an Env error carries; 0 for a status without one.
int ErrnoOf(const absl::Status& status);

// An Env error: "<what> <path>: <strerror(err)>", an InternalServerException (absl
// NotFound for ENOENT, absl AlreadyExists for EEXIST), carrying `err`. For Env
// implementations.
absl::Status EnvError(absl::string_view what, absl::string_view path, int err);

// `status` with `err` attached, so that ErrnoOf gives it back. For Env implementations
// whose error is of another kind than EnvError's (a lock held: absl Unavailable).
absl::Status WithErrno(absl::Status status, int err);

}  // namespace tsw

#endif  // TSW_API_ENV_H_
