// Recycled log files (engine/wal/FORMAT.md, "Recycled files"): a trimmed file is kept and
// reused by a later rotation, its earlier frames left behind the new ones. Open must
// replay only the new ones, whichever way the old bytes line up with them.
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/wal/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/wal/wal_test_util.h"
#include "tsw/status.h"

namespace tsw::wal {
namespace {

using ::testing::ElementsAre;
using testing::FileSize;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LogFileNames;
using testing::NewTestDir;
using testing::OpenRecording;
using testing::PayloadFor;
using testing::Replayed;
using testing::TestOptions;

// 200-byte payloads make 220-byte frames: a 4096-byte file holds 18 of them after its
// 24-byte header (file k, from 0, holds 18k+1 .. 18k+18).
constexpr size_t kPayload = 200;
constexpr int64_t kFrame = 220;

bool Exists(const std::string& dir, const std::string& name) {
  return Env::Default()->Exists(file::JoinPath(dir, name));
}

// Every file in `dir`, free ones included.
int64_t BytesInDir(const std::string& dir) {
  int64_t total = 0;
  absl::StatusOr<std::vector<std::string>> names = file::ListDir(*Env::Default(), dir);
  EXPECT_TRUE(names.ok()) << names.status();
  for (const std::string& name : *names) total += FileSize(file::JoinPath(dir, name));
  return total;
}

// The format version in a log file's header.
uint8_t VersionOf(const std::string& path) {
  return static_cast<uint8_t>(testing::ReadBytes(path)[4]);
}

void ExpectReplayed(const Replayed& replayed, uint64_t first, uint64_t last) {
  ASSERT_EQ(replayed.sequences.size(), last - first + 1);
  for (uint64_t s = first; s <= last; ++s) {
    ASSERT_EQ(replayed.sequences[s - first], s);
    ASSERT_EQ(replayed.payloads[s - first], PayloadFor(s, kPayload)) << "batch " << s;
  }
}

// A child process writes 1..54 over three files, trims the first two (the second is kept
// as 000002.log.free), then rotates into the kept file as 000004.log and writes 55..58
// over its old frames 19..22, and exits without closing: old frames 23..36 stay behind
// the new ones, each a whole frame with a good checksum, one right at the end of 58.
void WriteOverARecycledFileAndExit(const std::string& dir, const LogOptions& options) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    if (!log.ok()) _exit(2);
    for (uint64_t i = 1; i <= 54; ++i) {
      if (!(*log)->Append(PayloadFor(i, kPayload)).ok()) _exit(3);
    }
    if (!(*log)->TrimBefore(37).ok()) _exit(4);
    if (!Exists(dir, "000002.log.free") || Exists(dir, "000001.log")) _exit(5);
    for (uint64_t i = 55; i <= 58; ++i) {
      if (!(*log)->Append(PayloadFor(i, kPayload)).ok()) _exit(6);
    }
    _exit(0);  // No Close: the old frames stay behind the new ones.
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(LogRecycleTest, ARecycledFileReplaysOnlyItsNewBatchesAfterAProcessExit) {
  for (SyncPolicy policy : {SyncPolicy::kSyncBeforeAck, SyncPolicy::kSyncPeriodically}) {
    SCOPED_TRACE(policy == SyncPolicy::kSyncBeforeAck ? "sync before ack" : "sync periodically");
    const std::string dir = NewTestDir("recycled");
    std::vector<std::string> reports;
    LogOptions options = TestOptions(&reports, 4096);
    options.durability.policy = policy;
    options.durability.sync_interval_millis = 3600 * 1000;
    WriteOverARecycledFileAndExit(dir, options);
    ASSERT_THAT(LogFileNames(dir), ElementsAre("000003.log", "000004.log"));
    EXPECT_FALSE(Exists(dir, "000002.log.free"));
    const std::string reused = file::JoinPath(dir, "000004.log");
    // The kept file's blocks: its 18 old frames' worth, not 4 new frames and zeros.
    EXPECT_EQ(FileSize(reused), 24 + 18 * kFrame);
    EXPECT_EQ(VersionOf(reused), 2);
    {
      Replayed replayed;
      auto log = OpenRecording(dir, options, &replayed);
      ASSERT_TRUE(log.ok()) << log.status();
      ExpectReplayed(replayed, 37, 58);
      EXPECT_EQ((*log)->NextSequence(), 59u);
      ASSERT_EQ(*(*log)->Append(PayloadFor(59, kPayload)), 59u);
      ASSERT_TRUE((*log)->Close().ok());
    }
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ExpectReplayed(replayed, 37, 59);
    EXPECT_THAT(reports, IsEmpty());
  }
}

TEST(LogRecycleTest, OldBytesOutOfStepWithTheNewFramesEndTheFileToo) {
  const std::string dir = NewTestDir("recycled_unaligned");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 4096);
  WriteOverARecycledFileAndExit(dir, options);
  // Shift the frames after the first new one by half a frame: batch 55 then ends in the
  // middle of an old frame, as new frames of other sizes would.
  const std::string reused = file::JoinPath(dir, "000004.log");
  std::string bytes = testing::ReadBytes(reused);
  const std::string old_tail = bytes.substr(24 + kFrame);
  bytes.resize(24 + kFrame);
  bytes += old_tail.substr(kFrame / 2);
  testing::WriteBytes(reused, bytes);
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ExpectReplayed(replayed, 37, 55);
  EXPECT_EQ(*(*log)->Append(PayloadFor(56, kPayload)), 56u);
  EXPECT_THAT(reports, IsEmpty());
}

// A recycled file that later files follow may keep old bytes behind its frames (the
// rotation's cut did not reach the disk): accepted while the next file starts where its
// batches end, Open's failure when a batch is missing.
TEST(LogRecycleTest, OldBytesInAFileLaterFilesFollowAreAcceptedOnlyIfNoBatchIsMissing) {
  const std::string dir = NewTestDir("recycled_middle");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 4096);
  WriteOverARecycledFileAndExit(dir, options);
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    // 59..72 fill 000004.log; 73 starts 000005.log (rotation cuts the old bytes off).
    for (uint64_t i = 59; i <= 73; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, kPayload)).ok());
  }
  ASSERT_THAT(LogFileNames(dir), ElementsAre("000003.log", "000004.log", "000005.log"));
  const std::string middle = file::JoinPath(dir, "000004.log");
  const std::string whole = testing::ReadBytes(middle);
  ASSERT_EQ(whole.size(), static_cast<size_t>(24 + 18 * kFrame));
  // Old frames behind the last one: a copy of its own first frame (batch 55).
  testing::WriteBytes(middle, whole + whole.substr(24, kFrame));
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ExpectReplayed(replayed, 37, 73);
  }
  // Its last batch (72) turned into old bytes: 000005.log starts at 73, so 72 is lost.
  std::string damaged = whole;
  damaged.replace(damaged.size() - kFrame, kFrame, whole.substr(24, kFrame));
  testing::WriteBytes(middle, damaged);
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(KindOf(log.status()), ErrorKind::kInternalServer);
  EXPECT_THAT(log.status().message(), HasSubstr("batches are missing"));
}

TEST(LogRecycleTest, KeptFilesCountInSizeSurviveReopenAndGoWhenEveryBatchIsTrimmed) {
  const std::string dir = NewTestDir("recycled_size");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 4096);
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t i = 1; i <= 54; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, kPayload)).ok());
    ASSERT_TRUE((*log)->TrimBefore(37).ok());
    // One kept (the limit), the older one deleted.
    EXPECT_TRUE(Exists(dir, "000002.log.free"));
    EXPECT_FALSE(Exists(dir, "000001.log.free"));
    EXPECT_EQ((*log)->SizeBytes(), BytesInDir(dir));
  }
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ExpectReplayed(replayed, 37, 54);
    EXPECT_EQ((*log)->SizeBytes(), BytesInDir(dir));
    // The next rotation takes the kept file.
    ASSERT_TRUE((*log)->Append(PayloadFor(55, kPayload)).ok());
    EXPECT_FALSE(Exists(dir, "000002.log.free"));
    EXPECT_EQ(VersionOf(file::JoinPath(dir, "000004.log")), 2);
    EXPECT_EQ((*log)->SizeBytes(), BytesInDir(dir));
    for (uint64_t i = 56; i <= 80; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, kPayload)).ok());
    ASSERT_TRUE((*log)->TrimBefore(73).ok());  // 000003.log kept, 000004.log goes.
    EXPECT_TRUE(Exists(dir, "000004.log.free"));
    EXPECT_FALSE(Exists(dir, "000003.log") || Exists(dir, "000003.log.free"));
    // Every batch trimmed: the log gives its space back, kept files included.
    ASSERT_TRUE((*log)->TrimBefore(81).ok());
    EXPECT_EQ(LogFileNames(dir).size(), 1u);
    EXPECT_EQ(BytesInDir(dir), 24);
    EXPECT_EQ((*log)->SizeBytes(), 24);
  }
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogRecycleTest, NoFileIsKeptWhenRecyclingIsOff) {
  const std::string dir = NewTestDir("recycle_off");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 4096);
  options.recycle_files = 0;
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  for (uint64_t i = 1; i <= 54; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, kPayload)).ok());
  ASSERT_TRUE((*log)->TrimBefore(37).ok());
  EXPECT_EQ(BytesInDir(dir), FileSize(file::JoinPath(dir, "000003.log")));
  ASSERT_TRUE((*log)->Append(PayloadFor(55, kPayload)).ok());
  EXPECT_EQ(VersionOf(file::JoinPath(dir, "000004.log")), 1);
}

}  // namespace
}  // namespace tsw::wal
