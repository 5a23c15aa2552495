#include "tests/common/fault_env.h"

#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tsw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr CutOptions kWorst{CutMode::kWorstCase, 0};

std::unique_ptr<File> Open(FaultEnv& env, const std::string& path,
                           OpenMode mode = OpenMode::kCreate) {
  absl::StatusOr<std::unique_ptr<File>> file = env.OpenFile(path, mode);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? *std::move(file) : nullptr;
}

std::string Content(FaultEnv& env, const std::string& path) {
  absl::StatusOr<std::string> data = env.ReadAll(path);
  return data.ok() ? *data : "<" + std::string(data.status().message()) + ">";
}

void Restart(FaultEnv& env, const CutOptions& options = kWorst) {
  env.CutPower(options);
  env.PowerOn();
}

bool IsEio(const absl::Status& s) { return absl::StrContains(s.message(), strerror(EIO)); }
bool IsEnospc(const absl::Status& s) { return absl::StrContains(s.message(), strerror(ENOSPC)); }

class FaultEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir("/d").ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
  }
  FaultEnv env_;
};

TEST_F(FaultEnvTest, ReadsWhatWasWritten) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(f->Write(0, "hello").ok());
  ASSERT_TRUE(f->Write(7, "xy").ok());  // Past the end: a zero-filled gap.
  char buf[16];
  absl::StatusOr<size_t> n = f->Read(0, sizeof(buf), buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), std::string("hello\0\0xy", 9));
  EXPECT_EQ(*f->Size(), 9u);
  ASSERT_TRUE(f->Truncate(3).ok());
  EXPECT_EQ(Content(env_, "/d/f"), "hel");
  std::vector<absl::string_view> pieces = {"ab", "cd"};
  ASSERT_TRUE(f->Write(3, pieces).ok());
  EXPECT_EQ(Content(env_, "d/f"), "helabcd");  // Relative and absolute paths agree.
}

TEST_F(FaultEnvTest, OpenModesFollowTheContract) {
  EXPECT_TRUE(absl::IsNotFound(env_.OpenFile("/d/missing", OpenMode::kRead).status()));
  EXPECT_TRUE(absl::IsNotFound(env_.OpenFile("/d/missing", OpenMode::kReadWrite).status()));
  EXPECT_TRUE(absl::IsNotFound(env_.OpenFile("/nodir/f", OpenMode::kCreate).status()));
  auto f = Open(env_, "/d/f", OpenMode::kCreateExclusive);
  ASSERT_TRUE(f->Write(0, "abc").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(env_.OpenFile("/d/f", OpenMode::kCreateExclusive).status()));
  Open(env_, "/d/f", OpenMode::kCreate);
  EXPECT_EQ(Content(env_, "/d/f"), "abc");
  auto reader = Open(env_, "/d/f", OpenMode::kRead);
  EXPECT_FALSE(reader->Write(0, "x").ok());
  Open(env_, "/d/f", OpenMode::kCreateTruncate);
  EXPECT_EQ(Content(env_, "/d/f"), "");
}

TEST_F(FaultEnvTest, DirectoriesListCreateAndRemove) {
  ASSERT_TRUE(env_.CreateDir("/d/sub").ok());
  ASSERT_TRUE(env_.CreateDir("/d/sub").ok());  // Exists already: OK.
  Open(env_, "/d/f");
  EXPECT_TRUE(env_.IsDirectory("/d/sub"));
  EXPECT_FALSE(env_.IsDirectory("/d/f"));
  EXPECT_TRUE(env_.Exists("/d/f"));
  EXPECT_THAT(*env_.ListDir("/d"), UnorderedElementsAre("sub", "f"));
  EXPECT_FALSE(env_.RemoveDir("/d").ok());  // Not empty.
  ASSERT_TRUE(env_.RemoveDir("/d/sub").ok());
  EXPECT_TRUE(absl::IsNotFound(env_.RemoveFile("/d/nothing")));
  ASSERT_TRUE(env_.RemoveFile("/d/f").ok());
  EXPECT_THAT(*env_.ListDir("/d"), ::testing::IsEmpty());
  EXPECT_TRUE(absl::IsNotFound(env_.ListDir("/d/sub").status()));
}

// --- Power cuts, worst case ---

TEST_F(FaultEnvTest, UnsyncedBytesAreLostAndSyncedOnesKept) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(f->Write(0, "durable").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Write(7, "-lost").ok());
  ASSERT_TRUE(f->Write(0, "D").ok());
  Restart(env_);
  EXPECT_EQ(Content(env_, "/d/f"), "durable");
}

TEST_F(FaultEnvTest, UnsyncedTruncationIsUndone) {
  ASSERT_TRUE(env_.WriteDurably("/d/f", "0123456789").ok());
  auto f = Open(env_, "/d/f", OpenMode::kReadWrite);
  ASSERT_TRUE(f->Truncate(4).ok());
  Restart(env_);
  EXPECT_EQ(Content(env_, "/d/f"), "0123456789");
}

TEST_F(FaultEnvTest, NewFileVanishesUnlessItsDirectoryWasSynced) {
  auto f = Open(env_, "/d/new");
  ASSERT_TRUE(f->Write(0, "x").ok());
  ASSERT_TRUE(f->Sync().ok());  // Its bytes, but not its name.
  auto g = Open(env_, "/d/kept");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  env_.RemoveFile("/d/new").IgnoreError();
  auto h = Open(env_, "/d/late");
  Restart(env_);
  EXPECT_THAT(*env_.ListDir("/d"), UnorderedElementsAre("new", "kept"));
  EXPECT_EQ(Content(env_, "/d/new"), "x");
  EXPECT_EQ(Content(env_, "/d/kept"), "");
}

TEST_F(FaultEnvTest, RemovedFileComesBackUnlessItsDirectoryWasSynced) {
  ASSERT_TRUE(env_.WriteDurably("/d/a", "A").ok());
  ASSERT_TRUE(env_.WriteDurably("/d/b", "B").ok());
  ASSERT_TRUE(env_.RemoveFile("/d/a").ok());
  ASSERT_TRUE(env_.RemoveFile("/d/b").ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  Open(env_, "/d/c");
  ASSERT_TRUE(env_.RemoveFile("/d/c").ok());
  ASSERT_TRUE(env_.WriteDurably("/d/e", "E").ok());
  ASSERT_TRUE(env_.RemoveFile("/d/e").ok());
  Restart(env_);
  EXPECT_THAT(*env_.ListDir("/d"), UnorderedElementsAre("e"));
  EXPECT_EQ(Content(env_, "/d/e"), "E");
}

TEST_F(FaultEnvTest, RenamedFileRevertsToItsOldNameAndTheTargetToItsOldContent) {
  ASSERT_TRUE(env_.WriteDurably("/d/CURRENT", "old").ok());
  auto tmp = Open(env_, "/d/CURRENT.tmp");
  ASSERT_TRUE(tmp->Write(0, "new").ok());
  ASSERT_TRUE(tmp->Sync().ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());  // CURRENT.tmp's name is durable.
  ASSERT_TRUE(env_.Rename("/d/CURRENT.tmp", "/d/CURRENT").ok());
  EXPECT_EQ(Content(env_, "/d/CURRENT"), "new");
  EXPECT_FALSE(env_.Exists("/d/CURRENT.tmp"));
  Restart(env_);
  EXPECT_EQ(Content(env_, "/d/CURRENT"), "old");
  EXPECT_EQ(Content(env_, "/d/CURRENT.tmp"), "new");
}

TEST_F(FaultEnvTest, RenameMadeDurableBySyncDirSurvives) {
  ASSERT_TRUE(env_.WriteDurably("/d/CURRENT", "old").ok());
  auto tmp = Open(env_, "/d/CURRENT.tmp");
  ASSERT_TRUE(tmp->Write(0, "new").ok());
  ASSERT_TRUE(env_.Rename("/d/CURRENT.tmp", "/d/CURRENT").ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  Restart(env_);
  // The name is durable but the bytes were never synced: an empty file (ext4's
  // zero-length-file-after-rename, the reason for syncing before renaming).
  EXPECT_THAT(*env_.ListDir("/d"), UnorderedElementsAre("CURRENT"));
  EXPECT_EQ(Content(env_, "/d/CURRENT"), "");
}

// ReadDurable answers, without cutting, what a worst-case cut would leave: checked at each
// step of an atomic replacement against a real cut of a copy of the same steps.
TEST_F(FaultEnvTest, ReadDurableIsWhatAWorstCaseCutWouldLeave) {
  auto durable = [](FaultEnv& env, const std::string& path) {
    absl::StatusOr<std::string> data = env.ReadDurable(path);
    return data.ok() ? *data : "<" + std::string(data.status().message()) + ">";
  };
  const int kSteps = 6;
  for (int cut_after = 0; cut_after <= kSteps; ++cut_after) {
    SCOPED_TRACE(cut_after);
    FaultEnv env;
    ASSERT_TRUE(env.CreateDir("/d").ok());
    ASSERT_TRUE(env.SyncDir("/").ok());
    ASSERT_TRUE(env.WriteDurably("/d/CURRENT", "old").ok());
    std::unique_ptr<File> tmp;
    std::vector<std::function<void()>> steps = {
        [&] { tmp = Open(env, "/d/CURRENT.tmp"); },
        [&] { ASSERT_TRUE(tmp->Write(0, "new").ok()); },
        [&] { ASSERT_TRUE(tmp->Sync().ok()); },
        [&] { tmp.reset(); },
        [&] { ASSERT_TRUE(env.Rename("/d/CURRENT.tmp", "/d/CURRENT").ok()); },
        [&] { ASSERT_TRUE(env.SyncDir("/d").ok()); },
    };
    ASSERT_EQ(steps.size(), static_cast<size_t>(kSteps));
    for (int i = 0; i < cut_after; ++i) steps[i]();
    const std::string current = durable(env, "/d/CURRENT");
    const std::string tmp_name = durable(env, "/d/CURRENT.tmp");
    tmp.reset();
    Restart(env);
    EXPECT_EQ(current, Content(env, "/d/CURRENT"));
    EXPECT_EQ(tmp_name, Content(env, "/d/CURRENT.tmp"));
  }
  // Before the directory sync the reader sees the new name; ReadDurable does not.
  ASSERT_TRUE(env_.WriteDurably("/d/CURRENT", "old").ok());
  auto tmp = Open(env_, "/d/CURRENT.tmp");
  ASSERT_TRUE(tmp->Write(0, "new").ok());
  ASSERT_TRUE(tmp->Sync().ok());
  ASSERT_TRUE(env_.Rename("/d/CURRENT.tmp", "/d/CURRENT").ok());
  EXPECT_EQ(Content(env_, "/d/CURRENT"), "new");
  EXPECT_EQ(durable(env_, "/d/CURRENT"), "old");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  EXPECT_EQ(durable(env_, "/d/CURRENT"), "new");
}

TEST_F(FaultEnvTest, DirectoryNeverMadeDurableVanishesWithItsFiles) {
  ASSERT_TRUE(env_.CreateDir("/d/sub").ok());
  auto f = Open(env_, "/d/sub/f");
  ASSERT_TRUE(f->Write(0, "x").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_.SyncDir("/d/sub").ok());  // Not /d: "sub" itself is not durable.
  Restart(env_);
  EXPECT_FALSE(env_.Exists("/d/sub"));
  EXPECT_FALSE(env_.Exists("/d/sub/f"));
}

TEST_F(FaultEnvTest, RemovedDirectoryComesBackWithItsDurableEntries) {
  ASSERT_TRUE(env_.CreateDir("/d/sub").ok());
  ASSERT_TRUE(env_.WriteDurably("/d/sub/f", "F").ok());
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(env_.RemoveFile("/d/sub/f").ok());
  ASSERT_TRUE(env_.RemoveDir("/d/sub").ok());
  Restart(env_);
  EXPECT_EQ(Content(env_, "/d/sub/f"), "F");
}

TEST_F(FaultEnvTest, HandlesFromBeforeTheCutFailWithEioForever) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(f->Write(0, "abc").ok());
  ASSERT_TRUE(f->Sync().ok());
  env_.CutPower();
  // While the power is off, nothing works, old handle or new.
  EXPECT_TRUE(IsEio(f->Write(0, "zzz")));
  EXPECT_TRUE(IsEio(env_.OpenFile("/d/f", OpenMode::kRead).status()));
  EXPECT_TRUE(IsEio(env_.CreateDir("/x")));
  EXPECT_FALSE(env_.Exists("/d/f"));
  env_.PowerOn();
  char buf[4];
  EXPECT_TRUE(IsEio(f->Read(0, 3, buf).status()));
  EXPECT_TRUE(IsEio(f->Write(0, "zzz")));
  EXPECT_TRUE(IsEio(f->Truncate(0)));
  EXPECT_TRUE(IsEio(f->Sync()));
  EXPECT_TRUE(IsEio(f->Size().status()));
  EXPECT_TRUE(IsEio(f->MapWritable(0, 3).status()));
  f.reset();
  EXPECT_EQ(Content(env_, "/d/f"), "abc");
  auto g = Open(env_, "/d/f", OpenMode::kReadWrite);  // A new handle works.
  ASSERT_TRUE(g->Write(3, "d").ok());
  EXPECT_EQ(Content(env_, "/d/f"), "abcd");
}

TEST_F(FaultEnvTest, LocksAreExclusiveAndReleasedByTheCut) {
  absl::StatusOr<std::unique_ptr<FileLock>> lock = env_.LockFile("/d/LOCK");
  ASSERT_TRUE(lock.ok());
  EXPECT_TRUE(absl::IsUnavailable(env_.LockFile("/d/LOCK").status()));
  Restart(env_);
  absl::StatusOr<std::unique_ptr<FileLock>> again = env_.LockFile("/d/LOCK");
  ASSERT_TRUE(again.ok()) << again.status();
  lock->reset();  // The dead engine's lock goes; the new holder keeps its own.
  EXPECT_TRUE(absl::IsUnavailable(env_.LockFile("/d/LOCK").status()));
  again->reset();
  EXPECT_TRUE(env_.LockFile("/d/LOCK").ok());
}

TEST_F(FaultEnvTest, ScheduledCutHitsTheNthMutatingOperation) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  env_.CutPowerAfter(3);
  char buf[1];
  ASSERT_TRUE(f->Read(0, 1, buf).ok());  // Reads do not count.
  ASSERT_TRUE(f->Write(0, "a").ok());
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_TRUE(env_.powered());
  EXPECT_TRUE(IsEio(f->Write(1, "b")));  // The third: cut instead.
  EXPECT_FALSE(env_.powered());
  EXPECT_EQ(env_.power_cuts(), 1);
  env_.PowerOn();
  EXPECT_EQ(Content(env_, "/d/f"), "a");
}

TEST_F(FaultEnvTest, CuttingTwiceWithoutPowerOnIsOneCut) {
  env_.CutPower();
  env_.CutPower();
  EXPECT_EQ(env_.power_cuts(), 1);
}

// --- Power cuts, randomized ---

TEST_F(FaultEnvTest, RandomCutKeepsAPrefixOfTheUnsyncedWritesTornAnywhere) {
  const std::string full = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::set<size_t> lengths;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    FaultEnv env;
    ASSERT_TRUE(env.WriteDurably("/f", "0123").ok());
    auto f = Open(env, "/f", OpenMode::kReadWrite);
    for (size_t at = 4; at < full.size(); at += 8) {
      ASSERT_TRUE(f->Write(at, full.substr(at, 8)).ok());
    }
    Restart(env, {CutMode::kRandom, seed});
    const std::string got = Content(env, "/f");
    ASSERT_GE(got.size(), 4u);
    ASSERT_EQ(got, full.substr(0, got.size())) << "seed " << seed;
    lengths.insert(got.size());
  }
  // Nothing kept, everything kept, and tears inside writes all happen.
  EXPECT_TRUE(lengths.count(4));
  EXPECT_TRUE(lengths.count(full.size()));
  EXPECT_TRUE(lengths.count(5) || lengths.count(6) || lengths.count(7));
  EXPECT_GT(lengths.size(), 20u);
}

TEST_F(FaultEnvTest, RandomCutKeepsAPrefixOfEachDirectorysChanges) {
  std::set<std::vector<std::string>> outcomes;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    FaultEnv env;
    ASSERT_TRUE(env.WriteDurably("/old", "x").ok());
    ASSERT_TRUE(env.WriteDurably("/tmp", "y").ok());
    Open(env, "/a");
    Open(env, "/b");
    ASSERT_TRUE(env.Rename("/tmp", "/old").ok());
    Restart(env, {CutMode::kRandom, seed});
    std::vector<std::string> names = *env.ListDir("/");
    std::sort(names.begin(), names.end());
    outcomes.insert(names);
    // The rename is all or nothing: never both names, never neither.
    EXPECT_TRUE(env.Exists("/old"));
    if (!env.Exists("/tmp")) {
      EXPECT_EQ(Content(env, "/old"), "y");
    } else {
      EXPECT_EQ(Content(env, "/old"), "x");
    }
  }
  using V = std::vector<std::string>;
  EXPECT_THAT(outcomes, UnorderedElementsAre(V{"old", "tmp"}, V{"a", "old", "tmp"},
                                             V{"a", "b", "old", "tmp"}, V{"a", "b", "old"}));
}

TEST_F(FaultEnvTest, RandomCutIsReproducibleFromItsSeed) {
  auto run = [](uint64_t seed) {
    FaultEnv env;
    auto f = Open(env, "/f");
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(f->Write(i * 10, std::string(10, 'a' + i)).ok());
    Restart(env, {CutMode::kRandom, seed});
    return Content(env, "/f") + "|" + std::to_string(env.Exists("/f"));
  };
  for (uint64_t seed = 0; seed < 20; ++seed) EXPECT_EQ(run(seed), run(seed));
}

// --- Injected failures ---

TEST_F(FaultEnvTest, FailsTheChosenOperationWithTheChosenErrno) {
  auto f = Open(env_, "/d/wal.log");
  auto g = Open(env_, "/d/other");
  env_.InjectFault(
      {.op = FaultOp::kSync, .skip = 1, .times = 2, .err = EIO, .path_contains = "wal"});
  EXPECT_TRUE(f->Sync().ok());    // Skipped.
  EXPECT_TRUE(g->Sync().ok());    // Another path: not counted.
  EXPECT_TRUE(IsEio(f->Sync()));  // Failed.
  absl::Status s = f->Sync();     // Failed.
  EXPECT_TRUE(IsEio(s));
  EXPECT_THAT(std::string(s.message()), HasSubstr("/d/wal.log"));
  EXPECT_TRUE(absl::IsInternal(s));
  EXPECT_TRUE(f->Sync().ok());  // Done failing.
  env_.InjectFault({.op = FaultOp::kRename, .times = -1, .err = ENOSPC});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(IsEnospc(env_.Rename("/d/other", "/d/o2")));
  env_.ClearFaults();
  EXPECT_TRUE(env_.Rename("/d/other", "/d/o2").ok());
  env_.InjectFault({.op = FaultOp::kCreateDir});
  EXPECT_TRUE(IsEio(env_.CreateDir("/d/x")));
  EXPECT_FALSE(env_.Exists("/d/x"));
  EXPECT_TRUE(env_.CreateDir("/d/x").ok());
}

TEST_F(FaultEnvTest, FailedWriteMayLeaveAPrefixOfItsBuffer) {
  auto f = Open(env_, "/d/f");
  env_.InjectFault({.op = FaultOp::kWrite, .err = EIO, .partial_bytes = 3});
  EXPECT_TRUE(IsEio(f->Write(0, "abcdef")));
  EXPECT_EQ(Content(env_, "/d/f"), "abc");
  env_.InjectFault({.op = FaultOp::kWrite, .err = ENOSPC});
  EXPECT_TRUE(IsEnospc(f->Write(3, "xyz")));
  EXPECT_EQ(Content(env_, "/d/f"), "abc");
}

TEST_F(FaultEnvTest, FullDiskFailsWritesWithEnospcUntilSpaceReturns) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(f->Write(0, "12345").ok());
  env_.SetCapacity(8);
  EXPECT_EQ(env_.BytesUsed(), 5);
  EXPECT_TRUE(IsEnospc(f->Write(5, "abcdef")));  // Writes what fits.
  EXPECT_EQ(Content(env_, "/d/f"), "12345abc");
  EXPECT_TRUE(f->Write(0, "ABCDEFGH").ok());  // Overwrites need no space.
  auto g = Open(env_, "/d/g");
  EXPECT_TRUE(IsEnospc(g->Write(0, "x")));
  EXPECT_TRUE(IsEnospc(g->Truncate(100)));
  env_.SetCapacity(12);  // Space returns.
  EXPECT_TRUE(g->Write(0, "wxyz").ok());
  ASSERT_TRUE(env_.RemoveFile("/d/f").ok());  // Removing frees space.
  EXPECT_TRUE(g->Write(4, "12345678").ok());
  env_.SetCapacity(-1);
  EXPECT_TRUE(g->Truncate(1 << 20).ok());
}

TEST_F(FaultEnvTest, CountsOperations) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(f->Write(0, "a").ok());
  ASSERT_TRUE(f->Write(1, "b").ok());
  ASSERT_TRUE(f->Sync().ok());
  env_.InjectFault({.op = FaultOp::kSync});
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_EQ(env_.Count(FaultOp::kWrite), 2);
  EXPECT_EQ(env_.Count(FaultOp::kSync), 2);  // Failed ones count.
  EXPECT_EQ(env_.Count(FaultOp::kOpen), 1);
  EXPECT_EQ(env_.Count(FaultOp::kSyncDir), 1);       // SetUp's.
  EXPECT_EQ(env_.MutatingOps(), 2 + 2 + 1 + 1 + 1);  // + CreateDir in SetUp.
}

TEST_F(FaultEnvTest, LastSyncSequenceMarksWhatASyncCovered) {
  ASSERT_TRUE(env_.CreateDir("/d/wal").ok());
  auto wal = Open(env_, "/d/wal/1.log");
  auto other = Open(env_, "/d/x");
  EXPECT_EQ(env_.LastSyncSequence("/wal/"), 0);
  ASSERT_TRUE(wal->Write(0, "a").ok());
  const int64_t after_write = env_.Sequence();
  ASSERT_TRUE(wal->Sync().ok());
  const int64_t synced = env_.LastSyncSequence("/wal/");
  EXPECT_GT(synced, after_write);
  ASSERT_TRUE(other->Sync().ok());
  EXPECT_EQ(env_.LastSyncSequence("/wal/"), synced);
  env_.CutPower();
  EXPECT_EQ(env_.LastSyncSequence("/wal/"), synced);  // Still there to read.
  env_.PowerOn();
  EXPECT_EQ(env_.LastSyncSequence("/wal/"), 0);
}

// --- Mappings ---

TEST_F(FaultEnvTest, MappedBytesReachTheFileAtSync) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(env_.SyncDir("/d").ok());
  ASSERT_TRUE(f->Truncate(8192).ok());
  absl::StatusOr<std::unique_ptr<MappedRegion>> map = f->MapWritable(4096, 4096);
  ASSERT_TRUE(map.ok()) << map.status();
  ASSERT_EQ((*map)->size(), 4096u);
  std::memcpy((*map)->data() + 10, "frame", 5);
  ASSERT_TRUE(f->Sync().ok());
  EXPECT_EQ(Content(env_, "/d/f").substr(4106, 5), "frame");
  std::memcpy((*map)->data() + 20, "lost!", 5);
  Restart(env_);
  const std::string after = Content(env_, "/d/f");
  EXPECT_EQ(after.size(), 8192u);
  EXPECT_EQ(after.substr(4106, 5), "frame");
  EXPECT_EQ(after.substr(4116, 5), std::string(5, '\0'));
  map->reset();  // A dead region's destruction changes nothing.
  EXPECT_EQ(Content(env_, "/d/f"), after);
}

TEST_F(FaultEnvTest, MappedBytesReachTheFileWhenTheRegionGoes) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(f->Truncate(4096).ok());
  auto map = *f->MapWritable(0, 4096);
  std::memcpy(map->data(), "abc", 3);
  map.reset();
  EXPECT_EQ(Content(env_, "/d/f").substr(0, 3), "abc");
  // A region past a later truncation drops what lies beyond the end.
  map = *f->MapWritable(0, 4096);
  std::memcpy(map->data() + 100, "xyz", 3);
  ASSERT_TRUE(f->Truncate(101).ok());
  map.reset();
  EXPECT_EQ(Content(env_, "/d/f").substr(100), "x");
}

TEST_F(FaultEnvTest, MapWritableChecksItsArgumentsAndCanBeTurnedOff) {
  auto f = Open(env_, "/d/f");
  ASSERT_TRUE(f->Truncate(8192).ok());
  EXPECT_FALSE(f->MapWritable(100, 10).ok());     // Not page-aligned.
  EXPECT_FALSE(f->MapWritable(4096, 8192).ok());  // Past the end.
  env_.SetMapSupported(false);
  EXPECT_TRUE(absl::IsUnimplemented(f->MapWritable(0, 4096).status()));
}

// --- Threads ---

TEST_F(FaultEnvTest, ManyThreadsWriteAndSyncAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kWrites = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      auto f = Open(env_, absl::StrCat("/d/f", t));
      auto map_file = Open(env_, absl::StrCat("/d/m", t));
      ASSERT_TRUE(map_file->Truncate(4096).ok());
      auto map = *map_file->MapWritable(0, 4096);
      for (int i = 0; i < kWrites; ++i) {
        ASSERT_TRUE(f->Write(i, std::string(1, 'a' + t)).ok());
        map->data()[i] = static_cast<char>('a' + t);
        if (i % 10 == 0) {
          ASSERT_TRUE(f->Sync().ok());
          ASSERT_TRUE(map_file->Sync().ok());
        }
        env_.SyncDir("/d").IgnoreError();
      }
      ASSERT_TRUE(map_file->Sync().ok());
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(Content(env_, absl::StrCat("/d/f", t)), std::string(kWrites, 'a' + t));
    EXPECT_EQ(Content(env_, absl::StrCat("/d/m", t)).substr(0, kWrites),
              std::string(kWrites, 'a' + t));
  }
}

}  // namespace
}  // namespace tsw::testing
