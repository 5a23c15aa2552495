// Small POSIX file helpers shared by every engine part that writes to disk.
//
// Guarantees: WriteFileAtomically leaves either the old or the new contents at `path`
// after a crash at any moment (write to a temporary, fsync it, rename, fsync the
// directory). Errors come back as InternalServerException naming the path and errno text.
#ifndef TSW_ENGINE_COMMON_FILE_UTIL_H_
#define TSW_ENGINE_COMMON_FILE_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tsw::file {

// `path`'s parent directory ("a/b/c" -> "a/b"; "c" -> ".").
std::string Dirname(absl::string_view path);
// `a` joined with `b` by one '/'.
std::string JoinPath(absl::string_view a, absl::string_view b);

// An InternalServerException "<what> <path>: <strerror(err)>".
absl::Status IoError(absl::string_view what, absl::string_view path, int err);

bool Exists(const std::string& path);
// mkdir -p; fsyncs each parent whose entry it created.
absl::Status CreateDirs(const std::string& path);
absl::StatusOr<std::string> ReadFile(const std::string& path);
// Replaces `path` with `contents` atomically and durably (see the file comment).
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);
// fsync of a directory, making renames and creations inside it durable.
absl::Status SyncDir(const std::string& path);
// Names of the entries of `path` (no "." or ".."), unsorted.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path);
// rm -rf `path`, then fsync its parent. Missing is fine.
absl::Status RemoveTree(const std::string& path);
// unlink; missing is fine.
absl::Status RemoveFile(const std::string& path);

// An exclusive advisory lock (flock) on `<dir>/LOCK`, held until destruction. A second
// holder, in this or another process, fails with AccessDeniedException.
class DirectoryLock {
 public:
  static absl::StatusOr<std::unique_ptr<DirectoryLock>> Acquire(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace tsw::file

#endif  // TSW_ENGINE_COMMON_FILE_UTIL_H_
