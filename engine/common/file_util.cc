#include "engine/common/file_util.h"

#include <errno.h>
#include <string.h>

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::file {

std::string Dirname(absl::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (a.empty()) return std::string(b);
  if (a.back() == '/') return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

absl::Status Annotate(const absl::Status& status, absl::string_view message) {
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

absl::Status ForClient(const absl::Status& status) {
  const int err = ErrnoOf(status);
  if (err != ENOSPC && err != EDQUOT) return status;
  absl::Status out = tsw::MakeError(
      ErrorKind::kThrottling,
      absl::StrCat(status.message(), " (the disk holding the data is full; retry later)"));
  // The errno and any other payload; the kind stays Throttling.
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& payload) {
    if (!out.GetPayload(url).has_value()) out.SetPayload(url, payload);
  });
  return out;
}

absl::Status SyncDir(Env& env, const std::string& path) { return env.SyncDir(path); }

absl::Status CreateDirs(Env& env, const std::string& path) {
  if (path.empty() || env.Exists(path)) return absl::OkStatus();
  std::string parent = Dirname(path);
  if (parent != path) {
    if (absl::Status s = CreateDirs(env, parent); !s.ok()) return s;
  }
  if (absl::Status s = env.CreateDir(path); !s.ok()) return s;
  return env.SyncDir(parent);
}

absl::StatusOr<std::string> ReadFile(Env& env, const std::string& path) {
  absl::StatusOr<std::unique_ptr<File>> file = env.OpenFile(path, OpenMode::kRead);
  if (!file.ok()) return file.status();
  absl::StatusOr<uint64_t> size = (*file)->Size();
  if (!size.ok()) return size.status();
  std::string out(*size, '\0');
  // Read on past the size seen, in case the file grew meanwhile.
  size_t done = 0;
  while (true) {
    if (done == out.size()) out.resize(out.size() + (64 << 10));
    absl::StatusOr<size_t> n = (*file)->Read(done, out.size() - done, out.data() + done);
    if (!n.ok()) return n.status();
    done += *n;
    if (done < out.size()) break;  // Short only at the end of the file.
  }
  out.resize(done);
  return out;
}

absl::Status WriteFileAtomically(Env& env, const std::string& path, absl::string_view contents) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  absl::Status s;
  {
    absl::StatusOr<std::unique_ptr<File>> file = env.OpenFile(tmp, OpenMode::kCreateTruncate);
    if (!file.ok()) return file.status();
    s = (*file)->Write(0, contents);
    if (s.ok()) s = (*file)->Sync();
  }
  if (s.ok()) s = env.Rename(tmp, path);
  if (!s.ok()) {
    env.RemoveFile(tmp).IgnoreError();  // A leftover is removed by the next Open.
    return s;
  }
  return env.SyncDir(Dirname(path));
}

absl::StatusOr<std::vector<std::string>> ListDir(Env& env, const std::string& path) {
  return env.ListDir(path);
}

namespace {

// Removes `path` and, for a directory, everything under it; no parent sync.
absl::Status RemoveTreeUnsynced(Env& env, const std::string& path) {
  if (!env.IsDirectory(path)) {
    absl::Status s = env.RemoveFile(path);
    return absl::IsNotFound(s) ? absl::OkStatus() : s;
  }
  absl::StatusOr<std::vector<std::string>> names = env.ListDir(path);
  if (!names.ok()) return absl::IsNotFound(names.status()) ? absl::OkStatus() : names.status();
  for (const std::string& name : *names) {
    if (absl::Status s = RemoveTreeUnsynced(env, JoinPath(path, name)); !s.ok()) return s;
  }
  absl::Status s = env.RemoveDir(path);
  return absl::IsNotFound(s) ? absl::OkStatus() : s;
}

}  // namespace

absl::Status RemoveTree(Env& env, const std::string& path) {
  if (absl::Status s = RemoveTreeUnsynced(env, path); !s.ok()) return s;
  return env.SyncDir(Dirname(path));
}

absl::Status RemoveFile(Env& env, const std::string& path) {
  absl::Status s = env.RemoveFile(path);
  if (absl::IsNotFound(s)) return absl::OkStatus();
  return s;
}

absl::Status CheckWritable(Env& env, const std::string& path) {
  const std::string probe = JoinPath(path, ".write-probe");
  absl::StatusOr<std::unique_ptr<File>> file = env.OpenFile(probe, OpenMode::kCreateTruncate);
  if (!file.ok()) return file.status();
  file->reset();
  return env.RemoveFile(probe);
}

absl::StatusOr<std::unique_ptr<DirectoryLock>> DirectoryLock::Acquire(Env& env,
                                                                      const std::string& dir) {
  const std::string path = JoinPath(dir, "LOCK");
  absl::StatusOr<std::unique_ptr<FileLock>> lock = env.LockFile(path);
  if (lock.ok()) return std::unique_ptr<DirectoryLock>(new DirectoryLock(*std::move(lock)));
  if (absl::IsUnavailable(lock.status())) {
    return tsw::AccessDeniedError(absl::StrCat(
        "data directory ", dir, " is in use by another tsw engine (", path, " is locked)"));
  }
  const int err = ErrnoOf(lock.status());
  if (err == EACCES || err == EROFS || err == EPERM) {
    return tsw::AccessDeniedError(
        absl::StrCat("data directory ", dir, " is not writable: ", strerror(err)));
  }
  return lock.status();
}

}  // namespace tsw::file
