// An Env, and a File, that pass every call to another: a test's own Env derives from them
// and overrides only what it changes (a read that pauses, a sync that waits), so the
// pass-through of the rest is written once.
#ifndef TSW_TESTS_COMMON_WRAPPING_ENV_H_
#define TSW_TESTS_COMMON_WRAPPING_ENV_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tsw/env.h"

namespace tsw::testing {

class WrappingFile : public File {
 public:
  explicit WrappingFile(std::unique_ptr<File> base) : base_(std::move(base)) {}
  const std::string& path() const override { return base_->path(); }
  absl::StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    return base_->Read(offset, n, scratch);
  }
  absl::Status Write(uint64_t offset, absl::Span<const absl::string_view> pieces) override {
    return base_->Write(offset, pieces);
  }
  absl::Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  absl::Status Sync() override { return base_->Sync(); }
  absl::StatusOr<uint64_t> Size() const override { return base_->Size(); }
  absl::StatusOr<std::unique_ptr<MappedRegion>> MapWritable(uint64_t offset, size_t n) override {
    return base_->MapWritable(offset, n);
  }
  absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly() const override {
    return base_->MapReadOnly();
  }

 private:
  const std::unique_ptr<File> base_;
};

class WrappingEnv : public Env {
 public:
  explicit WrappingEnv(Env* base) : base_(base) {}
  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path, OpenMode mode) override {
    return base_->OpenFile(path, mode);
  }
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  absl::Status CreateDir(const std::string& path) override { return base_->CreateDir(path); }
  absl::Status RemoveDir(const std::string& path) override { return base_->RemoveDir(path); }
  absl::Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return base_->Rename(from, to);
  }
  absl::Status SyncDir(const std::string& path) override { return base_->SyncDir(path); }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }

 protected:
  Env* base() const { return base_; }

 private:
  Env* const base_;
};

}  // namespace tsw::testing

#endif  // TSW_TESTS_COMMON_WRAPPING_ENV_H_
