// The write-ahead log's ordinary life: append, rotate, reopen, trim, close.
#include "engine/wal/log.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
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
using testing::SizeFor;
using testing::TestOptions;

// Batches 1 .. n replayed in order, batch i being PayloadFor(i, size_of(i)).
template <typename SizeOf>
void ExpectReplayedInOrder(const Replayed& replayed, uint64_t n, SizeOf size_of) {
  ASSERT_EQ(replayed.sequences.size(), n);
  for (uint64_t i = 1; i <= n; ++i) {
    ASSERT_EQ(replayed.sequences[i - 1], i);
    ASSERT_EQ(replayed.payloads[i - 1], PayloadFor(i, size_of(i))) << "batch " << i;
  }
}

TEST(LogTest, NewLogStartsAtSequenceOneAndReplaysNothing) {
  std::string dir = NewTestDir("new");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(replayed.sequences, IsEmpty());
  EXPECT_EQ((*log)->NextSequence(), 1u);
  EXPECT_THAT(LogFileNames(dir), ElementsAre("000001.log"));
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogTest, ReplaysManyBatchesInOrderAcrossRotatedFiles) {
  std::string dir = NewTestDir("round_trip");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 16 << 10);
  options.durability.policy = SyncPolicy::kSyncPeriodically;  // Fewer fsyncs; same format.
  options.durability.sync_interval_millis = 3600 * 1000;
  constexpr uint64_t kBatches = 2000;
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t i = 1; i <= kBatches; ++i) {
      absl::StatusOr<uint64_t> seq = (*log)->Append(PayloadFor(i, SizeFor(i, 3000)));
      ASSERT_TRUE(seq.ok()) << seq.status();
      ASSERT_EQ(*seq, i);
    }
    ASSERT_TRUE((*log)->Close().ok());
  }
  EXPECT_GT(LogFileNames(dir).size(), 50u);
  for (const std::string& name : LogFileNames(dir)) {
    // No file grows past the limit when its batches are smaller than the limit.
    EXPECT_LE(FileSize(file::JoinPath(dir, name)), 16 << 10) << name;
  }
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ExpectReplayedInOrder(replayed, kBatches, [](uint64_t i) { return SizeFor(i, 3000); });
  EXPECT_EQ((*log)->NextSequence(), kBatches + 1);
  EXPECT_THAT(reports, IsEmpty());
}

// Files large enough for many 128 KiB zero-fill steps: frames are copied into the page
// cache through a mapping of the latest step (log.cc), and some frames straddle steps or
// are larger than one. A child process appends and exits without closing the log (a
// process crash, page cache intact); every batch it appended must replay, and the log
// must go on from there.
TEST(LogTest, BatchesAcrossZeroFillStepsSurviveAProcessExitWithoutClose) {
  std::string dir = NewTestDir("fill_steps");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 4 << 20);
  options.durability.policy = SyncPolicy::kSyncPeriodically;
  options.durability.sync_interval_millis = 3600 * 1000;  // Nothing is fsync'ed.
  constexpr uint64_t kBatches = 600;
  auto size_of = [](uint64_t i) { return i % 97 == 0 ? size_t{300} << 10 : SizeFor(i, 20000); };
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    if (!log.ok()) _exit(2);
    for (uint64_t i = 1; i <= kBatches; ++i) {
      absl::StatusOr<uint64_t> seq = (*log)->Append(PayloadFor(i, size_of(i)));
      if (!seq.ok() || *seq != i) _exit(3);
    }
    _exit(0);  // No Close, no destructor: the preallocated zeros stay behind the frames.
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_GT(LogFileNames(dir).size(), 1u);
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ExpectReplayedInOrder(replayed, kBatches, size_of);
    for (uint64_t i = kBatches + 1; i <= kBatches + 50; ++i) {
      ASSERT_EQ(*(*log)->Append(PayloadFor(i, size_of(i))), i);
    }
    ASSERT_TRUE((*log)->Close().ok());
  }
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(replayed.sequences.size(), kBatches + 50);
  EXPECT_EQ(replayed.payloads.back(), PayloadFor(kBatches + 50, size_of(kBatches + 50)));
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogTest, ReopenedLogAppendsAfterTheLastSequence) {
  std::string dir = NewTestDir("reopen");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 1024);
  for (int round = 0; round < 4; ++round) {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_EQ(replayed.sequences.size(), static_cast<size_t>(round * 10));
    for (size_t i = 0; i < replayed.sequences.size(); ++i) {
      EXPECT_EQ(replayed.sequences[i], i + 1);
      EXPECT_EQ(replayed.payloads[i], PayloadFor(i + 1, 100));
    }
    EXPECT_EQ((*log)->NextSequence(), static_cast<uint64_t>(round * 10 + 1));
    for (int i = 0; i < 10; ++i) {
      uint64_t expected = (*log)->NextSequence();
      absl::StatusOr<uint64_t> seq = (*log)->Append(PayloadFor(expected, 100));
      ASSERT_TRUE(seq.ok()) << seq.status();
      EXPECT_EQ(*seq, expected);
    }
    // Round 0 closes explicitly; later rounds rely on the destructor.
    if (round == 0) {
      ASSERT_TRUE((*log)->Close().ok());
    }
  }
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogTest, EmptyAndOneMegabytePayloadsRoundTrip) {
  std::string dir = NewTestDir("sizes");
  std::vector<std::string> reports;
  const std::string big = PayloadFor(7, 1 << 20);
  {
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports, 4096), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append("").ok());
    ASSERT_TRUE((*log)->Append(big).ok());
    ASSERT_TRUE((*log)->Append("").ok());
    ASSERT_TRUE((*log)->Append("tail").ok());
  }
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, 4096), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(replayed.sequences, ElementsAre(1, 2, 3, 4));
  ASSERT_EQ(replayed.payloads.size(), 4u);
  EXPECT_EQ(replayed.payloads[0], "");
  EXPECT_TRUE(replayed.payloads[1] == big);
  EXPECT_EQ(replayed.payloads[2], "");
  EXPECT_EQ(replayed.payloads[3], "tail");
}

TEST(LogTest, RejectsPayloadOverTheLimitWithValidationException) {
  std::string dir = NewTestDir("limit");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  const std::string too_big(Log::kMaxPayloadBytes + 1, 'x');
  absl::StatusOr<uint64_t> seq = (*log)->Append(too_big);
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(KindOf(seq.status()), ErrorKind::kValidation) << seq.status();
  EXPECT_THAT(seq.status().message(), HasSubstr("over the limit"));
  // The rejected batch used no sequence.
  EXPECT_EQ((*log)->NextSequence(), 1u);
  EXPECT_EQ(*(*log)->Append("ok"), 1u);
}

TEST(LogTest, SizeBytesIsTheSizeOfTheLogFilesOnDisk) {
  std::string dir = NewTestDir("size");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 2048);
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  for (uint64_t i = 1; i <= 50; ++i) ASSERT_TRUE((*log)->AppendNoSync(PayloadFor(i, 300)).ok());
  auto on_disk = [&] {  // Every file: trimmed files kept for reuse count too.
    int64_t total = 0;
    const absl::StatusOr<std::vector<std::string>> names = file::ListDir(*Env::Default(), dir);
    for (const std::string& name : *names) {
      total += FileSize(file::JoinPath(dir, name));
    }
    return total;
  };
  EXPECT_GT(LogFileNames(dir).size(), 1u);
  EXPECT_EQ((*log)->SizeBytes(), on_disk());
  ASSERT_TRUE((*log)->TrimBefore(30).ok());
  EXPECT_EQ((*log)->SizeBytes(), on_disk());
}

TEST(LogTest, TrimBeforeRemovesOnlyFilesWhoseBatchesAreAllBelowTheSequence) {
  std::string dir = NewTestDir("trim");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 1024);
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  for (uint64_t i = 1; i <= 60; ++i) ASSERT_TRUE((*log)->AppendNoSync(PayloadFor(i, 200)).ok());
  ASSERT_TRUE((*log)->Sync().ok());
  // Frames are 20 + 200 bytes and a 1024-byte file has a 24-byte header, so each file
  // holds 4 batches: file k (from 0) holds 4k+1 .. 4k+4.
  std::vector<std::string> names = LogFileNames(dir);
  ASSERT_EQ(names.size(), 15u);

  // Sequence 8 is in the second file: only the first (1..4) is wholly below it.
  ASSERT_TRUE((*log)->TrimBefore(8).ok());
  EXPECT_EQ(LogFileNames(dir).front(), names[1]);
  // 9 starts the third file: the second (5..8) is now wholly below.
  ASSERT_TRUE((*log)->TrimBefore(9).ok());
  EXPECT_EQ(LogFileNames(dir).front(), names[2]);
  EXPECT_EQ(LogFileNames(dir).size(), names.size() - 2);
  // Trimming again, or below what is left, removes nothing.
  ASSERT_TRUE((*log)->TrimBefore(9).ok());
  ASSERT_TRUE((*log)->TrimBefore(1).ok());
  EXPECT_EQ(LogFileNames(dir).size(), names.size() - 2);
  ASSERT_TRUE((*log)->Close().ok());

  Replayed after;
  auto reopened = OpenRecording(dir, options, &after);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ASSERT_FALSE(after.sequences.empty());
  EXPECT_EQ(after.sequences.front(), 9u);
  EXPECT_EQ(after.sequences.back(), 60u);
  EXPECT_EQ(after.payloads.front(), PayloadFor(9, 200));
  EXPECT_EQ((*reopened)->NextSequence(), 61u);
}

TEST(LogTest, TrimBeforeKeepsTheActiveFileWhileABatchInItIsNeeded) {
  std::string dir = NewTestDir("trim_active");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 1024);
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    // Four batches per file: the active file holds 17..20.
    for (uint64_t i = 1; i <= 20; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, 200)).ok());
    ASSERT_TRUE((*log)->TrimBefore(20).ok());
    ASSERT_EQ(LogFileNames(dir).size(), 1u);
    EXPECT_EQ(*(*log)->Append(PayloadFor(21, 200)), 21u);
  }
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(replayed.sequences, (std::vector<uint64_t>{17, 18, 19, 20, 21}));
  EXPECT_EQ((*log)->NextSequence(), 22u);
}

TEST(LogTest, TrimBeforePastEveryBatchLeavesOneEmptyFileAndKeepsTheNumbering) {
  std::string dir = NewTestDir("trim_all");
  std::vector<std::string> reports;
  // The default file size: without retiring the active file, its batches and the zeros
  // ahead of them would stay on disk until it filled up.
  LogOptions options = TestOptions(&reports, 64 << 20);
  const std::string first_file = file::JoinPath(dir, "000001.log");
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t i = 1; i <= 20; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, 200)).ok());
    EXPECT_GT((*log)->SizeBytes(), 20 * 200);
    ASSERT_TRUE((*log)->TrimBefore(21).ok());
    const std::vector<std::string> names = LogFileNames(dir);
    ASSERT_EQ(names.size(), 1u);
    EXPECT_NE(file::JoinPath(dir, names[0]), first_file);
    // Only the new file's header is left.
    EXPECT_EQ((*log)->SizeBytes(), FileSize(file::JoinPath(dir, names[0])));
    EXPECT_LT((*log)->SizeBytes(), 64);
    // Trimming again with nothing new written changes nothing.
    ASSERT_TRUE((*log)->TrimBefore(21).ok());
    EXPECT_EQ(LogFileNames(dir), names);
    EXPECT_EQ((*log)->NextSequence(), 21u);
  }
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_TRUE(replayed.sequences.empty());
    EXPECT_EQ((*log)->NextSequence(), 21u);
    EXPECT_EQ(*(*log)->Append(PayloadFor(21, 200)), 21u);
  }
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(replayed.sequences, (std::vector<uint64_t>{21}));
  EXPECT_EQ(replayed.payloads.front(), PayloadFor(21, 200));
  EXPECT_TRUE(reports.empty()) << reports.front();
}

TEST(LogTest, AFailedWriteLeavesNoPartialBatchAndUsesNoSequence) {
  std::string dir = NewTestDir("write_error");
  std::vector<std::string> reports;
  const std::string path = file::JoinPath(dir, "000001.log");
  {
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports, 1 << 20), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, 100)).ok());
    // The file already holds its preallocated zeros (see FORMAT.md): a batch larger than
    // what is left of them makes the log extend the file first.
    const int64_t size = FileSize(path);
    // Let the file grow by only 50 bytes: the extension is written in part, then fails.
    struct rlimit old_limit;
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    struct rlimit limit = old_limit;
    limit.rlim_cur = static_cast<rlim_t>(size + 50);
    sighandler_t old_handler = ::signal(SIGXFSZ, SIG_IGN);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
    absl::StatusOr<uint64_t> failed = (*log)->Append(PayloadFor(4, 300 << 10));
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
    ::signal(SIGXFSZ, old_handler);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(KindOf(failed.status()), ErrorKind::kInternalServer);
    EXPECT_THAT(failed.status().message(), HasSubstr(path));
    EXPECT_EQ(FileSize(path), size);  // The partial extension was taken back.
    EXPECT_EQ((*log)->NextSequence(), 4u);
    // The log is still usable: the failure was not an fsync.
    ASSERT_EQ(*(*log)->Append(PayloadFor(4, 100)), 4u);
  }
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, 1 << 20), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(replayed.sequences, ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(replayed.payloads[3], PayloadFor(4, 100));
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogTest, CloseIsIdempotentAndLaterCallsFailClearly) {
  std::string dir = NewTestDir("close");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->AppendNoSync("a").ok());
  ASSERT_TRUE((*log)->Close().ok());
  ASSERT_TRUE((*log)->Close().ok());
  // Close synced the batch, so waiting for it still succeeds.
  EXPECT_TRUE((*log)->WaitDurable(1).ok());
  absl::StatusOr<uint64_t> seq = (*log)->Append("b");
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(KindOf(seq.status()), ErrorKind::kInternalServer);
  EXPECT_THAT(seq.status().message(), HasSubstr("closed"));
  EXPECT_FALSE((*log)->Sync().ok());
  EXPECT_FALSE((*log)->TrimBefore(1).ok());
}

TEST(LogTest, WaitDurableOnASequenceNeverAppendedFails) {
  std::string dir = NewTestDir("wait_unknown");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->Append("a").ok());
  absl::Status s = (*log)->WaitDurable(2);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("WaitDurable(2)"));
}

TEST(LogTest, OpenReturnsTheReplayFunctionsError) {
  std::string dir = NewTestDir("replay_error");
  std::vector<std::string> reports;
  {
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append("a").ok());
    ASSERT_TRUE((*log)->Append("b").ok());
  }
  auto log = Log::Open(dir, TestOptions(&reports), [](uint64_t seq, absl::string_view) {
    return seq == 2 ? ValidationError("batch 2 does not parse") : absl::OkStatus();
  });
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(KindOf(log.status()), ErrorKind::kValidation);
  EXPECT_THAT(log.status().message(), HasSubstr("batch 2 does not parse"));
}

TEST(LogTest, OpenRemovesAnUnfinishedNewFileAndLeavesOtherFilesAlone) {
  std::string dir = NewTestDir("leftovers");
  std::vector<std::string> reports;
  {
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append("a").ok());
  }
  testing::WriteBytes(file::JoinPath(dir, "000002.log.tmp"), "half a header");
  testing::WriteBytes(file::JoinPath(dir, "LOCK"), "");
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(replayed.sequences, ElementsAre(1));
  EXPECT_FALSE(Env::Default()->Exists(file::JoinPath(dir, "000002.log.tmp")));
  EXPECT_TRUE(Env::Default()->Exists(file::JoinPath(dir, "LOCK")));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THAT(reports[0], HasSubstr("000002.log.tmp"));
}

TEST(LogTest, OpenRejectsAFileLimitTooSmallForAnyBatch) {
  std::string dir = NewTestDir("bad_options");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, 10), &replayed);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(KindOf(log.status()), ErrorKind::kValidation);
}

}  // namespace
}  // namespace tsw::wal
