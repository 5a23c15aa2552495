// Env::Default() and Env::DefaultWithoutMapping(): the POSIX file system. The only file in
// engine/ that calls the file system directly (tests/common/no_raw_file_io_test.sh checks that).

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "tsw/env.h"

namespace tsw {
namespace {

// Largest iovec array one pwritev takes.
constexpr size_t kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;

class PosixMappedRegion final : public MappedRegion {
 public:
  PosixMappedRegion(char* base, size_t size) : base_(base), size_(size) {}
  ~PosixMappedRegion() override { ::munmap(base_, size_); }
  char* data() override { return base_; }
  size_t size() const override { return size_; }

 private:
  char* const base_;
  const size_t size_;
};

class PosixFile final : public File {
 public:
  // `map`: whether MapWritable and MapReadOnly map (else Unimplemented: callers use
  // Write and Read).
  PosixFile(std::string path, int fd, bool map) : path_(std::move(path)), fd_(fd), map_(map) {}
  ~PosixFile() override { ::close(fd_); }

  const std::string& path() const override { return path_; }

  absl::StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return EnvError("cannot read", path_, errno);
      }
      if (r == 0) break;  // End of file.
      done += static_cast<size_t>(r);
    }
    return done;
  }

  absl::Status Write(uint64_t offset, absl::Span<const absl::string_view> pieces) override {
    // The pieces as iovecs, skipping empty ones; a short write resumes where it stopped.
    struct iovec small[4];
    std::vector<struct iovec> large;
    struct iovec* iov = small;
    if (pieces.size() > 4) {
      large.resize(pieces.size());
      iov = large.data();
    }
    size_t count = 0;
    for (const absl::string_view piece : pieces) {
      if (piece.empty()) continue;
      iov[count].iov_base = const_cast<char*>(piece.data());
      iov[count].iov_len = piece.size();
      ++count;
    }
    while (count > 0) {
      const int batch = static_cast<int>(std::min(count, kMaxIov));
      const ssize_t n = ::pwritev(fd_, iov, batch, static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return EnvError("cannot write", path_, errno);
      }
      if (n == 0) return EnvError("cannot write", path_, EIO);
      offset += static_cast<uint64_t>(n);
      size_t left = static_cast<size_t>(n);
      while (count > 0 && left >= iov->iov_len) {
        left -= iov->iov_len;
        ++iov;
        --count;
      }
      if (count > 0) {
        iov->iov_base = static_cast<char*>(iov->iov_base) + left;
        iov->iov_len -= left;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return EnvError("cannot truncate", path_, errno);
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return EnvError("cannot fdatasync", path_, errno);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return EnvError("cannot stat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  absl::StatusOr<std::unique_ptr<MappedRegion>> MapWritable(uint64_t offset, size_t n) override {
    if (!map_) return absl::UnimplementedError("this Env does not map files");
    void* const base =
        ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(offset));
    if (base == MAP_FAILED) {
      return absl::UnimplementedError(
          absl::StrCat("cannot map ", path_, ": ", EnvError("mmap", path_, errno).message()));
    }
    // Fault the pages in writable now, where a failure is an error return, rather than
    // page by page inside the caller's stores, where it would be a SIGBUS. Before Linux
    // 5.14 the kernel does not know the advice.
    if (::madvise(base, n, MADV_POPULATE_WRITE) != 0) {
      const int err = errno;
      ::munmap(base, n);
      return absl::UnimplementedError(absl::StrCat("cannot populate a mapping of ", path_, ": ",
                                                   EnvError("madvise", path_, err).message()));
    }
    return std::unique_ptr<MappedRegion>(new PosixMappedRegion(static_cast<char*>(base), n));
  }

  absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly() const override {
    // A 32-bit process (an armhf device) has too little address space to map every segment
    // of a store whole: it reads them, as LevelDB does there.
    if constexpr (sizeof(void*) < 8) {
      return absl::UnimplementedError("no read-only mappings in a 32-bit address space");
    }
    if (!map_) return absl::UnimplementedError("this Env does not map files");
    absl::StatusOr<uint64_t> size = Size();
    if (!size.ok()) return size.status();
    if (*size == 0) return absl::UnimplementedError(absl::StrCat("cannot map empty ", path_));
    const size_t n = static_cast<size_t>(*size);
    void* const base = ::mmap(nullptr, n, PROT_READ, MAP_SHARED, fd_, 0);
    if (base == MAP_FAILED) {
      return absl::UnimplementedError(
          absl::StrCat("cannot map ", path_, ": ", EnvError("mmap", path_, errno).message()));
    }
    return std::unique_ptr<MappedRegion>(new PosixMappedRegion(static_cast<char*>(base), n));
  }

 private:
  const std::string path_;
  const int fd_;
  const bool map_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  const int fd_;
};

class PosixEnv final : public Env {
 public:
  explicit PosixEnv(bool map) : map_(map) {}

  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead:
        flags |= O_RDONLY;
        break;
      case OpenMode::kReadWrite:
        flags |= O_RDWR;
        break;
      case OpenMode::kCreate:
        flags |= O_RDWR | O_CREAT;
        break;
      case OpenMode::kCreateTruncate:
        flags |= O_RDWR | O_CREAT | O_TRUNC;
        break;
      case OpenMode::kCreateExclusive:
        flags |= O_RDWR | O_CREAT | O_EXCL;
        break;
    }
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      const int err = errno;
      return EnvError(
          mode == OpenMode::kRead || mode == OpenMode::kReadWrite ? "cannot open" : "cannot create",
          path, err);
    }
    return std::unique_ptr<File>(new PosixFile(path, fd, map_));
  }

  bool Exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return EnvError("cannot list", path, errno);
    std::vector<std::string> names;
    while (true) {
      errno = 0;
      struct dirent* entry = ::readdir(dir);
      if (entry == nullptr) {
        const int err = errno;
        ::closedir(dir);
        if (err != 0) return EnvError("cannot list", path, err);
        return names;
      }
      absl::string_view name(entry->d_name);
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
  }

  absl::Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return EnvError("cannot create directory", path, errno);
    }
    return absl::OkStatus();
  }

  absl::Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return EnvError("cannot remove directory", path, errno);
    return absl::OkStatus();
  }

  absl::Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return EnvError("cannot remove", path, errno);
    return absl::OkStatus();
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return EnvError(absl::StrCat("cannot rename ", from, " to"), to, errno);
    }
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return EnvError("cannot open directory", path, errno);
    int rc;
    do {
      rc = ::fsync(fd);
    } while (rc != 0 && errno == EINTR);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return EnvError("cannot fsync directory", path, err);
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return EnvError("cannot open lock file", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err != EWOULDBLOCK) return EnvError("cannot lock", path, err);
      return WithErrno(absl::UnavailableError(
                           absl::StrCat("cannot lock ", path, ": it is locked by another holder")),
                       err);
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

 private:
  const bool map_;
};

}  // namespace

Env* Env::Default() {
  static Env* const env = new PosixEnv(/*map=*/true);
  return env;
}

Env* Env::DefaultWithoutMapping() {
  static Env* const env = new PosixEnv(/*map=*/false);
  return env;
}

}  // namespace tsw
