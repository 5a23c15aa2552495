// The log after I/O errors (wal/log.h, "After an I/O error"): a full disk or a failed
// sync fails the append or the wait, acknowledges nothing it did not store, loses nothing
// acknowledged, and the log works again, without a reopen, once the disk allows.
// Faults come from tsw::testing::FaultEnv, an in-memory Env.

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/wal/log.h"
#include "gtest/gtest.h"
#include "tests/common/fault_env.h"
#include "tests/wal/wal_test_util.h"
#include "tsw/env.h"
#include "tsw/status.h"

namespace tsw::wal {
namespace {

using testing::OpenRecording;
using testing::PayloadFor;
using testing::Replayed;
using tsw::testing::Fault;
using tsw::testing::FaultEnv;
using tsw::testing::FaultOp;

constexpr char kDir[] = "/data/wal";

class LogFaultTest : public ::testing::TestWithParam<SyncPolicy> {
 protected:
  LogOptions Options() {
    LogOptions options;
    options.env = &env_;
    options.max_file_bytes = 1 << 20;
    options.durability.policy = GetParam();
    options.durability.sync_interval_millis = 1000;
    options.report = [this](absl::string_view line) { reports_.emplace_back(line); };
    return options;
  }

  std::unique_ptr<Log> OpenOrDie(Replayed* replayed) {
    absl::StatusOr<std::unique_ptr<Log>> log = OpenRecording(kDir, Options(), replayed);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }

  // Appends batch `key` and waits for it; records it as acknowledged or as attempted.
  absl::Status Write(Log& log, uint64_t key) {
    const std::string payload = PayloadFor(key, 3000);
    absl::StatusOr<uint64_t> sequence = log.Append(payload);
    if (sequence.ok()) {
      acked_.push_back(payload);
    } else {
      failed_.push_back(payload);
    }
    return sequence.status();
  }

  // What a reopen replays: every acknowledged batch, in order, and otherwise only batches
  // whose append failed (they may have reached the disk), each at most once.
  // Cuts the power with `log` open, then reopens the log from what survived.
  std::unique_ptr<Log> CutPowerAndReopen(std::unique_ptr<Log> log, Replayed* replayed) {
    env_.CutPower();
    env_.PowerOn();
    log.reset();
    return OpenOrDie(replayed);
  }

  // The log replayed every acknowledged batch, in order, and nothing else.
  void ExpectReplayedExactlyTheAcknowledged(const Replayed& replayed) {
    EXPECT_TRUE(replayed.payloads == acked_)
        << replayed.payloads.size() << " batches replayed, " << acked_.size() << " acknowledged";
  }

  void ExpectReplayMatches(const Replayed& replayed) {
    size_t next_acked = 0;
    for (size_t i = 0; i < replayed.payloads.size(); ++i) {
      EXPECT_EQ(replayed.sequences[i], i + 1);
      const std::string& p = replayed.payloads[i];
      if (next_acked < acked_.size() && p == acked_[next_acked]) {
        ++next_acked;
        continue;
      }
      bool attempted = false;
      for (const std::string& f : failed_) attempted = attempted || f == p;
      EXPECT_TRUE(attempted) << "batch " << i + 1 << " was never written";
    }
    EXPECT_EQ(next_acked, acked_.size()) << "acknowledged batches are missing";
  }

  size_t LogFileCount() {
    absl::StatusOr<std::vector<std::string>> names = env_.ListDir(kDir);
    EXPECT_TRUE(names.ok()) << names.status();
    size_t n = 0;
    for (const std::string& name : names.value_or(std::vector<std::string>())) {
      n += absl::EndsWith(name, ".log");
    }
    return n;
  }

  FaultEnv env_;
  std::vector<std::string> reports_;
  std::vector<std::string> acked_;
  std::vector<std::string> failed_;
};

TEST_P(LogFaultTest, FullDiskFailsAppendsUntilSpaceReturns) {
  Replayed replayed;
  std::unique_ptr<Log> log = OpenOrDie(&replayed);
  ASSERT_NE(log, nullptr);
  uint64_t key = 0;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Write(*log, key++).ok());

  env_.SetCapacity(env_.BytesUsed());
  int failures = 0;
  for (int i = 0; i < 200; ++i) {
    absl::Status s = Write(*log, key++);
    if (s.ok()) continue;
    ++failures;
    EXPECT_EQ(ErrnoOf(s), ENOSPC) << s;
    EXPECT_NE(s.message().find(kDir), absl::string_view::npos) << s;
  }
  // The preallocated zeros take some batches; then every append fails.
  EXPECT_GT(failures, 100);

  env_.SetCapacity(-1);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Write(*log, key++).ok());
  ASSERT_TRUE(log->Close().ok());
  log = OpenOrDie(&replayed);
  ASSERT_NE(log, nullptr);
  ExpectReplayMatches(replayed);
  // A write that failed was taken back whole.
  EXPECT_EQ(replayed.payloads.size(), acked_.size());
}

TEST_P(LogFaultTest, FailedSyncMovesTheUnsyncedBatchesToANewFile) {
  Replayed replayed;
  std::unique_ptr<Log> log = OpenOrDie(&replayed);
  ASSERT_NE(log, nullptr);
  uint64_t key = 0;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Write(*log, key++).ok());
  ASSERT_TRUE(log->Sync().ok());
  const size_t files_before = LogFileCount();
  for (int i = 0; i < 5; ++i) {
    const std::string payload = PayloadFor(key++, 3000);
    ASSERT_TRUE(log->AppendNoSync(payload).ok());
    acked_.push_back(payload);  // Once the Sync below returns OK.
  }

  env_.InjectFault(Fault{.op = FaultOp::kSync, .times = 1, .err = EIO});
  // The failed sync is repaired within the call: the batches are rewritten and synced.
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(LogFileCount(), files_before + 1);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Write(*log, key++).ok());
  ASSERT_TRUE(log->Sync().ok());

  // Everything acknowledged survives a power cut right now.
  log = CutPowerAndReopen(std::move(log), &replayed);
  ASSERT_NE(log, nullptr);
  ExpectReplayedExactlyTheAcknowledged(replayed);
}

TEST_P(LogFaultTest, FailedSyncOnAFullDiskHealsWhenSpaceReturns) {
  Replayed replayed;
  std::unique_ptr<Log> log = OpenOrDie(&replayed);
  ASSERT_NE(log, nullptr);
  uint64_t key = 0;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Write(*log, key++).ok());
  ASSERT_TRUE(log->Sync().ok());

  // A sync fails, and the new file the repair needs cannot be created.
  const std::string unsynced = PayloadFor(key++, 3000);
  ASSERT_TRUE(log->AppendNoSync(unsynced).ok());
  failed_.push_back(unsynced);  // Never acknowledged; the repair keeps it all the same.
  env_.InjectFault(Fault{.op = FaultOp::kSync, .times = 1, .err = EIO});
  env_.InjectFault(
      Fault{.op = FaultOp::kOpen, .times = -1, .err = ENOSPC, .path_contains = ".tmp"});
  absl::Status synced = log->Sync();
  ASSERT_FALSE(synced.ok());
  EXPECT_EQ(ErrnoOf(synced), ENOSPC) << synced;
  for (int i = 0; i < 5; ++i) {
    absl::Status s = Write(*log, key++);
    EXPECT_FALSE(s.ok()) << "write " << i << " was acknowledged on a log awaiting repair";
    EXPECT_EQ(ErrnoOf(s), ENOSPC) << s;
  }

  env_.ClearFaults();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Write(*log, key++).ok()) << i;
  ASSERT_TRUE(log->Sync().ok());
  log = CutPowerAndReopen(std::move(log), &replayed);
  ASSERT_NE(log, nullptr);
  ExpectReplayMatches(replayed);
  EXPECT_EQ(replayed.payloads.size(), acked_.size() + 1);  // And the unsynced batch.
}

TEST_P(LogFaultTest, ReadErrorDuringRepairIsRetried) {
  Replayed replayed;
  std::unique_ptr<Log> log = OpenOrDie(&replayed);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Write(*log, 0).ok());
  ASSERT_TRUE(log->Sync().ok());
  ASSERT_TRUE(log->AppendNoSync(PayloadFor(1, 3000)).ok());
  acked_.push_back(PayloadFor(1, 3000));
  env_.InjectFault(Fault{.op = FaultOp::kSync, .times = 1, .err = EIO});
  env_.InjectFault(Fault{.op = FaultOp::kRead, .times = 1, .err = EIO});
  EXPECT_FALSE(log->Sync().ok());
  EXPECT_TRUE(log->Sync().ok()) << "the repair did not run again";
  EXPECT_TRUE(Write(*log, 2).ok());
  ASSERT_TRUE(log->Sync().ok());
  log = CutPowerAndReopen(std::move(log), &replayed);
  ASSERT_NE(log, nullptr);
  ExpectReplayedExactlyTheAcknowledged(replayed);
}

TEST_P(LogFaultTest, BatchesLostFromThePageCacheFailTheLogForGood) {
  env_.SetMapSupported(false);  // So that the garbage below is not overwritten by a mapping.
  Replayed replayed;
  std::unique_ptr<Log> log = OpenOrDie(&replayed);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Write(*log, 0).ok());
  ASSERT_TRUE(log->Sync().ok());
  // The end of the first batch: the file's last nonzero byte (zeros are preallocated).
  const std::string before = *env_.ReadAll(std::string(kDir) + "/000001.log");
  const size_t end = before.find_last_not_of('\0') + 1;
  ASSERT_TRUE(log->AppendNoSync(PayloadFor(1, 3000)).ok());
  // What the page cache holds after the failed writeback is not what was written.
  {
    absl::StatusOr<std::unique_ptr<File>> file =
        env_.OpenFile(std::string(kDir) + "/000001.log", OpenMode::kReadWrite);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Write(end + 100, "garbage").ok());
  }
  env_.InjectFault(Fault{.op = FaultOp::kSync, .times = 1, .err = EIO});
  absl::Status s = log->Sync();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("could not be read back"), absl::string_view::npos) << s;
  EXPECT_FALSE(log->Append(PayloadFor(2, 3000)).ok());
  EXPECT_FALSE(log->Sync().ok());
  // The acknowledged batch is still there for the next Open.
  log.reset();
  log = OpenOrDie(&replayed);
  ASSERT_NE(log, nullptr);
  ASSERT_GE(replayed.payloads.size(), 1u);
  EXPECT_TRUE(replayed.payloads[0] == acked_[0]);
}

INSTANTIATE_TEST_SUITE_P(Policies, LogFaultTest,
                         ::testing::Values(SyncPolicy::kSyncBeforeAck,
                                           SyncPolicy::kSyncPeriodically),
                         [](const ::testing::TestParamInfo<SyncPolicy>& info) {
                           return info.param == SyncPolicy::kSyncBeforeAck ? "SyncBeforeAck"
                                                                           : "SyncPeriodically";
                         });

}  // namespace
}  // namespace tsw::wal
