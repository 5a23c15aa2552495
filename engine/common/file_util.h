// Small file helpers shared by every engine part that writes to disk, over an Env.
//
// Guarantees: WriteFileAtomically leaves either the old or the new contents at `path`
// after a crash at any moment (write to a temporary, sync it, rename, sync the
// directory). Errors are the Env's (tsw/env.h): they name the operation and the path and
// carry the errno.
#ifndef TSW_ENGINE_COMMON_FILE_UTIL_H_
#define TSW_ENGINE_COMMON_FILE_UTIL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/env.h"

namespace tsw::file {

// `path`'s parent directory ("a/b/c" -> "a/b"; "c" -> ".").
std::string Dirname(absl::string_view path);
// `a` joined with `b` by one '/'.
std::string JoinPath(absl::string_view a, absl::string_view b);

// `status` with `message` in place of its message: same code, kind and errno.
absl::Status Annotate(const absl::Status& status, absl::string_view message);

// The error a client gets for `status`, an Env error met while storing its request:
// ThrottlingException when the disk is full (ENOSPC, EDQUOT), which SDKs retry with
// backoff (README, "Full disk and I/O errors"); any other error unchanged (an
// InternalServerException, HTTP 500, which SDKs retry too). Keeps the errno.
absl::Status ForClient(const absl::Status& status);

// mkdir -p; syncs each parent whose entry it created.
absl::Status CreateDirs(Env& env, const std::string& path);
// The whole file; absl NotFound if it is missing.
absl::StatusOr<std::string> ReadFile(Env& env, const std::string& path);
// Replaces `path` with `contents` atomically and durably (see the file comment). On
// failure the temporary ("<path>.tmp") is removed if it can be.
absl::Status WriteFileAtomically(Env& env, const std::string& path, absl::string_view contents);
// Makes renames and creations inside directory `path` durable.
absl::Status SyncDir(Env& env, const std::string& path);
// Names of the entries of `path` (no "." or ".."), unsorted.
absl::StatusOr<std::vector<std::string>> ListDir(Env& env, const std::string& path);
// rm -rf `path`, then syncs its parent. Missing is fine.
absl::Status RemoveTree(Env& env, const std::string& path);
// Removes a file; missing is fine.
absl::Status RemoveFile(Env& env, const std::string& path);
// Whether files can be created in directory `path`: creates and removes a probe file
// there. The error is the Env's (its errno tells EACCES or EROFS).
absl::Status CheckWritable(Env& env, const std::string& path);

// An exclusive lock (Env::LockFile) on `<dir>/LOCK`, held until destruction. A second
// holder, in this or another process, fails with AccessDeniedException, as does a
// directory where the lock file cannot be created for lack of permission.
class DirectoryLock {
 public:
  static absl::StatusOr<std::unique_ptr<DirectoryLock>> Acquire(Env& env, const std::string& dir);
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(std::unique_ptr<FileLock> lock) : lock_(std::move(lock)) {}
  std::unique_ptr<FileLock> lock_;
};

}  // namespace tsw::file

#endif  // TSW_ENGINE_COMMON_FILE_UTIL_H_
