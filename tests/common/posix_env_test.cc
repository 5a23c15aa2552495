// Env::Default(), the POSIX Env: its errors, reads, writes, truncation, locks and maps,
// and the file helpers over it.

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/file_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tsw/env.h"
#include "tsw/status.h"

namespace tsw {
namespace {

using ::testing::HasSubstr;

class PosixEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const char* root = std::getenv("TEST_TMPDIR");
    dir_ = file::JoinPath(root != nullptr ? root : "/tmp",
                          absl::StrCat("posix_env_", getpid(), "_", counter++));
    ASSERT_TRUE(file::RemoveTree(env_, dir_).ok());
    ASSERT_TRUE(file::CreateDirs(env_, dir_).ok());
  }
  void TearDown() override { EXPECT_TRUE(file::RemoveTree(env_, dir_).ok()); }

  std::string Path(absl::string_view name) const { return file::JoinPath(dir_, name); }

  std::unique_ptr<File> Open(const std::string& path, OpenMode mode) {
    absl::StatusOr<std::unique_ptr<File>> file = env_.OpenFile(path, mode);
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? *std::move(file) : nullptr;
  }

  std::string ReadAll(const File& file) {
    std::string out(1 << 16, '\0');
    absl::StatusOr<size_t> n = file.Read(0, out.size(), out.data());
    EXPECT_TRUE(n.ok()) << n.status();
    out.resize(n.ok() ? *n : 0);
    return out;
  }

  Env& env_ = *Env::Default();
  std::string dir_;
};

TEST_F(PosixEnvTest, MissingFileIsNotFoundNamingOperationPathAndErrno) {
  const std::string path = Path("missing");
  absl::StatusOr<std::unique_ptr<File>> file = env_.OpenFile(path, OpenMode::kRead);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsNotFound(file.status())) << file.status();
  EXPECT_EQ(ErrnoOf(file.status()), ENOENT);
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("cannot open " + path));
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("No such file"));

  absl::Status removed = env_.RemoveFile(path);
  EXPECT_TRUE(absl::IsNotFound(removed)) << removed;
  EXPECT_EQ(ErrnoOf(removed), ENOENT);
  EXPECT_TRUE(file::RemoveFile(env_, path).ok());  // The helper accepts a missing file.
}

TEST_F(PosixEnvTest, OtherErrorsAreInternalServerExceptionsWithTheirErrno) {
  // A directory cannot be opened for writing: EISDIR.
  absl::StatusOr<std::unique_ptr<File>> file = env_.OpenFile(dir_, OpenMode::kReadWrite);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(KindOf(file.status()), ErrorKind::kInternalServer);
  EXPECT_EQ(ErrnoOf(file.status()), EISDIR);
  EXPECT_THAT(std::string(file.status().message()), HasSubstr(dir_));

  // Renaming onto a non-empty directory: names both paths.
  ASSERT_TRUE(file::WriteFileAtomically(env_, Path("a"), "x").ok());
  ASSERT_TRUE(env_.CreateDir(Path("d")).ok());
  ASSERT_TRUE(file::WriteFileAtomically(env_, Path("d/inner"), "y").ok());
  absl::Status renamed = env_.Rename(Path("d"), Path("a"));
  ASSERT_FALSE(renamed.ok());
  EXPECT_NE(ErrnoOf(renamed), 0);
  EXPECT_THAT(std::string(renamed.message()),
              HasSubstr("rename " + Path("d") + " to " + Path("a")));

  EXPECT_EQ(ErrnoOf(absl::OkStatus()), 0);
  EXPECT_EQ(ErrnoOf(InternalError("no errno here")), 0);
}

TEST_F(PosixEnvTest, EnvErrorFormatsAndTagsItsStatus) {
  absl::Status s = EnvError("cannot fdatasync", "/data/wal/000001.log", ENOSPC);
  EXPECT_EQ(s.message(), "cannot fdatasync /data/wal/000001.log: No space left on device");
  EXPECT_EQ(KindOf(s), ErrorKind::kInternalServer);
  EXPECT_EQ(ErrnoOf(s), ENOSPC);
  EXPECT_TRUE(absl::IsNotFound(EnvError("cannot open", "/x", ENOENT)));
}

TEST_F(PosixEnvTest, WritesEveryPieceInOrderAtTheOffset) {
  std::unique_ptr<File> file = Open(Path("f"), OpenMode::kCreateTruncate);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->path(), Path("f"));
  std::vector<std::string> owned;
  for (int i = 0; i < 40; ++i) owned.push_back(std::string(i % 7, static_cast<char>('a' + i % 26)));
  std::vector<absl::string_view> pieces(owned.begin(), owned.end());
  std::string expected = absl::StrJoin(owned, "");
  ASSERT_TRUE(file->Write(0, pieces).ok());
  ASSERT_TRUE(file->Write(expected.size(), "tail").ok());
  expected += "tail";
  EXPECT_EQ(ReadAll(*file), expected);
  EXPECT_EQ(*file->Size(), expected.size());

  // A write past the end leaves zeros before it.
  ASSERT_TRUE(file->Write(expected.size() + 3, "!").ok());
  expected += std::string(3, '\0') + "!";
  EXPECT_EQ(ReadAll(*file), expected);
}

TEST_F(PosixEnvTest, ReadIsShortOnlyAtTheEndOfTheFile) {
  std::unique_ptr<File> file = Open(Path("f"), OpenMode::kCreate);
  ASSERT_NE(file, nullptr);
  const std::string data(200000, 'q');
  ASSERT_TRUE(file->Write(0, data).ok());
  std::string buf(300000, '\0');
  EXPECT_EQ(*file->Read(0, 150000, buf.data()), 150000u);
  EXPECT_EQ(*file->Read(100000, 150000, buf.data()), 100000u);
  EXPECT_EQ(*file->Read(200000, 10, buf.data()), 0u);
  EXPECT_EQ(*file->Read(500000, 10, buf.data()), 0u);
}

TEST_F(PosixEnvTest, TruncateCutsAndExtendsWithZeros) {
  std::unique_ptr<File> file = Open(Path("f"), OpenMode::kCreate);
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Write(0, "0123456789").ok());
  ASSERT_TRUE(file->Truncate(4).ok());
  EXPECT_EQ(ReadAll(*file), "0123");
  ASSERT_TRUE(file->Truncate(8).ok());
  EXPECT_EQ(ReadAll(*file), std::string("0123") + std::string(4, '\0'));
  EXPECT_EQ(*file->Size(), 8u);
  ASSERT_TRUE(file->Sync().ok());
}

TEST_F(PosixEnvTest, OpenModes) {
  const std::string path = Path("f");
  EXPECT_TRUE(absl::IsNotFound(env_.OpenFile(path, OpenMode::kReadWrite).status()));
  ASSERT_NE(Open(path, OpenMode::kCreateExclusive), nullptr);
  absl::StatusOr<std::unique_ptr<File>> again = env_.OpenFile(path, OpenMode::kCreateExclusive);
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
  EXPECT_EQ(ErrnoOf(again.status()), EEXIST);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr(path));

  ASSERT_TRUE(Open(path, OpenMode::kReadWrite)->Write(0, "kept").ok());
  EXPECT_EQ(ReadAll(*Open(path, OpenMode::kCreate)), "kept");
  EXPECT_EQ(ReadAll(*Open(path, OpenMode::kRead)), "kept");
  EXPECT_EQ(ReadAll(*Open(path, OpenMode::kCreateTruncate)), "");

  std::unique_ptr<File> read_only = Open(path, OpenMode::kRead);
  absl::Status w = read_only->Write(0, "x");
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(ErrnoOf(w), EBADF);
  EXPECT_THAT(std::string(w.message()), HasSubstr("cannot write " + path));
}

TEST_F(PosixEnvTest, LockHeldTwiceIsUnavailableUntilReleased) {
  const std::string path = Path("LOCK");
  absl::StatusOr<std::unique_ptr<FileLock>> first = env_.LockFile(path);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<FileLock>> second = env_.LockFile(path);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  EXPECT_EQ(ErrnoOf(second.status()), EWOULDBLOCK);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(path));

  absl::StatusOr<std::unique_ptr<file::DirectoryLock>> dir_lock =
      file::DirectoryLock::Acquire(env_, dir_);
  ASSERT_FALSE(dir_lock.ok());
  EXPECT_EQ(KindOf(dir_lock.status()), ErrorKind::kAccessDenied);

  first->reset();
  EXPECT_TRUE(env_.LockFile(path).ok());
}

TEST_F(PosixEnvTest, MappedWritesAreVisibleAfterSync) {
  std::unique_ptr<File> file = Open(Path("f"), OpenMode::kCreate);
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Truncate(3 * 4096).ok());
  absl::StatusOr<std::unique_ptr<MappedRegion>> region = file->MapWritable(4096, 2 * 4096);
  if (absl::IsUnimplemented(region.status())) {
    GTEST_SKIP() << "the kernel cannot populate a mapping: " << region.status();
  }
  ASSERT_TRUE(region.ok()) << region.status();
  ASSERT_EQ((*region)->size(), 2u * 4096);
  std::memcpy((*region)->data() + 10, "mapped", 6);
  ASSERT_TRUE(file->Sync().ok());
  char buf[6];
  ASSERT_EQ(*file->Read(4096 + 10, 6, buf), 6u);
  EXPECT_EQ(std::string(buf, 6), "mapped");
  region->reset();
  // Through another open file too.
  std::unique_ptr<File> other = Open(Path("f"), OpenMode::kRead);
  ASSERT_EQ(*other->Read(4096 + 10, 6, buf), 6u);
  EXPECT_EQ(std::string(buf, 6), "mapped");
}

TEST_F(PosixEnvTest, MapOutsideTheFileIsUnimplemented) {
  std::unique_ptr<File> file = Open(Path("f"), OpenMode::kCreate);
  ASSERT_NE(file, nullptr);
  absl::StatusOr<std::unique_ptr<MappedRegion>> region = file->MapWritable(0, 4096);
  EXPECT_TRUE(absl::IsUnimplemented(region.status())) << region.status();
}

TEST_F(PosixEnvTest, MapReadOnlyShowsTheWholeFileAndRefusesAnEmptyOne) {
  ASSERT_TRUE(file::WriteFileAtomically(env_, Path("r"), "segment bytes").ok());
  std::unique_ptr<File> file = Open(Path("r"), OpenMode::kRead);
  ASSERT_NE(file, nullptr);
  absl::StatusOr<std::unique_ptr<MappedRegion>> region = file->MapReadOnly();
  ASSERT_TRUE(region.ok()) << region.status();
  EXPECT_EQ(std::string((*region)->data(), (*region)->size()), "segment bytes");
  region->reset();
  std::unique_ptr<File> empty = Open(Path("e"), OpenMode::kCreate);
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(absl::IsUnimplemented(empty->MapReadOnly().status()));
}

TEST_F(PosixEnvTest, WithoutMappingNoFileMapsAndReadsAndWritesWork) {
  Env& env = *Env::DefaultWithoutMapping();
  absl::StatusOr<std::unique_ptr<File>> file = env.OpenFile(Path("n"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Write(0, std::string(2 * 4096, 'x')).ok());
  EXPECT_TRUE(absl::IsUnimplemented((*file)->MapWritable(0, 4096).status()));
  EXPECT_TRUE(absl::IsUnimplemented((*file)->MapReadOnly().status()));
  char buf[4];
  ASSERT_EQ(*(*file)->Read(4096, 4, buf), 4u);
  EXPECT_EQ(std::string(buf, 4), "xxxx");
  // The same file through Env::Default() maps.
  std::unique_ptr<File> mapped = Open(Path("n"), OpenMode::kRead);
  ASSERT_NE(mapped, nullptr);
  EXPECT_TRUE(mapped->MapReadOnly().ok());
}

TEST_F(PosixEnvTest, DirectoriesListCreateAndRemove) {
  ASSERT_TRUE(file::CreateDirs(env_, Path("a/b/c")).ok());
  EXPECT_TRUE(env_.IsDirectory(Path("a/b/c")));
  EXPECT_TRUE(env_.CreateDir(Path("a/b/c")).ok());  // Existing is fine.
  ASSERT_TRUE(file::WriteFileAtomically(env_, Path("a/b/f"), "contents").ok());
  EXPECT_FALSE(env_.IsDirectory(Path("a/b/f")));
  EXPECT_TRUE(env_.Exists(Path("a/b/f")));
  EXPECT_FALSE(env_.Exists(Path("a/b/f.tmp")));
  EXPECT_EQ(*file::ReadFile(env_, Path("a/b/f")), "contents");
  std::vector<std::string> names = *env_.ListDir(Path("a/b"));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"c", "f"}));
  EXPECT_FALSE(env_.RemoveDir(Path("a/b")).ok());  // Not empty.
  ASSERT_TRUE(file::RemoveTree(env_, Path("a")).ok());
  EXPECT_FALSE(env_.Exists(Path("a")));
  EXPECT_TRUE(file::RemoveTree(env_, Path("a")).ok());  // Missing is fine.
  EXPECT_TRUE(absl::IsNotFound(env_.ListDir(Path("a")).status()));
}

TEST_F(PosixEnvTest, ReadFileReadsLargeFilesWhole) {
  std::string big(300000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(file::WriteFileAtomically(env_, Path("big"), big).ok());
  EXPECT_EQ(*file::ReadFile(env_, Path("big")), big);
  ASSERT_TRUE(file::WriteFileAtomically(env_, Path("empty"), "").ok());
  EXPECT_EQ(*file::ReadFile(env_, Path("empty")), "");
}

}  // namespace
}  // namespace tsw
