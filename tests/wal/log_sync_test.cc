// Durability policies: group commit under kSyncBeforeAck, the background syncer under
// kSyncPeriodically. Nothing here measures time; fsyncs are counted with SyncCount().
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/wal/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/wal/wal_test_util.h"

namespace tsw::wal {
namespace {

using ::testing::IsEmpty;
using testing::NewTestDir;
using testing::OpenRecording;
using testing::PayloadFor;
using testing::Replayed;
using testing::TestOptions;

// A payload naming its writer and the writer's count, so replay can tell whose it is.
std::string TaggedPayload(uint32_t thread, uint32_t i) {
  std::string payload = PayloadFor(uint64_t{thread} << 32 | i, 64 + (i % 200));
  std::memcpy(payload.data(), &thread, 4);
  std::memcpy(payload.data() + 4, &i, 4);
  return payload;
}

TEST(LogSyncTest, ConcurrentAppendersGetDistinctConsecutiveSequencesAndAllReplay) {
  std::string dir = NewTestDir("concurrent");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 32 << 10);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::vector<std::vector<uint64_t>> sequences(kThreads);
  int64_t syncs = 0;
  {
    Replayed replayed;
    auto opened = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(opened.ok()) << opened.status();
    Log* log = opened->get();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          absl::StatusOr<uint64_t> seq = log->Append(TaggedPayload(t, i));
          if (!seq.ok()) {
            ++failures;
            return;
          }
          sequences[t].push_back(*seq);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    ASSERT_EQ(failures.load(), 0);
    EXPECT_EQ(log->NextSequence(), uint64_t{kThreads * kPerThread + 1});
    syncs = log->SyncCount();
  }
  // Every acknowledged batch was synced by some fsync, and never more than one each.
  EXPECT_GE(syncs, 1);
  EXPECT_LE(syncs, kThreads * kPerThread);

  std::vector<bool> seen(kThreads * kPerThread + 1, false);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(sequences[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) {
      uint64_t seq = sequences[t][i];
      ASSERT_GE(seq, 1u);
      ASSERT_LE(seq, uint64_t{kThreads * kPerThread});
      ASSERT_FALSE(seen[seq]) << "sequence " << seq << " returned twice";
      seen[seq] = true;
      // One writer's batches keep their order.
      if (i > 0) {
        ASSERT_GT(seq, sequences[t][i - 1]);
      }
    }
  }
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(replayed.sequences.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      uint64_t seq = sequences[t][i];
      ASSERT_EQ(replayed.sequences[seq - 1], seq);
      ASSERT_EQ(replayed.payloads[seq - 1], TaggedPayload(t, i)) << "sequence " << seq;
    }
  }
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogSyncTest, OneFsyncMakesEveryBatchWrittenBeforeItDurable) {
  std::string dir = NewTestDir("one_fsync");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, 1 << 20), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  const int64_t before = (*log)->SyncCount();
  for (uint64_t i = 1; i <= 100; ++i) ASSERT_TRUE((*log)->AppendNoSync(PayloadFor(i, 50)).ok());
  EXPECT_EQ((*log)->SyncCount(), before);
  // The first waiter syncs everything written so far ...
  ASSERT_TRUE((*log)->WaitDurable(1).ok());
  EXPECT_EQ((*log)->SyncCount(), before + 1);
  // ... so no later waiter for those batches syncs again.
  for (uint64_t i = 1; i <= 100; ++i) ASSERT_TRUE((*log)->WaitDurable(i).ok());
  ASSERT_TRUE((*log)->Sync().ok());
  EXPECT_EQ((*log)->SyncCount(), before + 1);
  // A new batch needs a new fsync.
  ASSERT_TRUE((*log)->Append("more").ok());
  EXPECT_EQ((*log)->SyncCount(), before + 2);
}

TEST(LogSyncTest, WaitersBlockedOnALeaderAreReleasedByItsFsync) {
  // Many threads wait for batches appended before any of them started waiting; however
  // their waits interleave, one fsync covers all and nobody waits forever.
  std::string dir = NewTestDir("waiters");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, 1 << 20), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  const int64_t before = (*log)->SyncCount();
  for (uint64_t i = 1; i <= 64; ++i) ASSERT_TRUE((*log)->AppendNoSync(PayloadFor(i, 10)).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (uint64_t i = 1; i <= 64; ++i) {
    threads.emplace_back([&, i] {
      if (!(*log)->WaitDurable(i).ok()) ++failures;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*log)->SyncCount(), before + 1);
}

TEST(LogSyncTest, SyncPeriodicallyAcknowledgesWithoutFsyncAndCloseSyncs) {
  std::string dir = NewTestDir("periodic");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 1 << 20);
  options.durability.policy = SyncPolicy::kSyncPeriodically;
  // Longer than any test runs: the syncer never fires, and Close must not wait for it.
  options.durability.sync_interval_millis = 24 * 3600 * 1000;
  {
    Replayed replayed;
    auto log = OpenRecording(dir, options, &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    const int64_t before = (*log)->SyncCount();
    for (uint64_t i = 1; i <= 200; ++i) {
      absl::StatusOr<uint64_t> seq = (*log)->Append(PayloadFor(i, 100));
      ASSERT_TRUE(seq.ok()) << seq.status();
      ASSERT_EQ(*seq, i);
    }
    EXPECT_EQ((*log)->SyncCount(), before);
    ASSERT_TRUE((*log)->Close().ok());
    EXPECT_EQ((*log)->SyncCount(), before + 1);
  }
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(replayed.sequences.size(), 200u);
  for (uint64_t i = 1; i <= 200; ++i) {
    ASSERT_EQ(replayed.sequences[i - 1], i);
    ASSERT_EQ(replayed.payloads[i - 1], PayloadFor(i, 100));
  }
}

TEST(LogSyncTest, BackgroundSyncerFsyncsWrittenBatchesWithoutBeingAsked) {
  std::string dir = NewTestDir("syncer");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 1 << 20);
  options.durability.policy = SyncPolicy::kSyncPeriodically;
  options.durability.sync_interval_millis = 1;
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  const int64_t before = (*log)->SyncCount();
  ASSERT_TRUE((*log)->Append("batch").ok());
  // Nobody but the syncer fsyncs here; wait (however long it takes) until it has.
  while ((*log)->SyncCount() == before) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogSyncTest, RotationSyncsTheFileItLeaves) {
  std::string dir = NewTestDir("rotation_sync");
  std::vector<std::string> reports;
  LogOptions options = TestOptions(&reports, 1024);
  options.durability.policy = SyncPolicy::kSyncPeriodically;
  options.durability.sync_interval_millis = 24 * 3600 * 1000;
  Replayed replayed;
  auto log = OpenRecording(dir, options, &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  const int64_t before = (*log)->SyncCount();
  // 4 frames of 220 bytes fill a 1024-byte file; the fifth starts the next file.
  for (uint64_t i = 1; i <= 4; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, 200)).ok());
  EXPECT_EQ((*log)->SyncCount(), before);
  ASSERT_TRUE((*log)->Append(PayloadFor(5, 200)).ok());
  EXPECT_EQ((*log)->SyncCount(), before + 1);
  EXPECT_EQ(testing::LogFileNames(dir).size(), 2u);
}

}  // namespace
}  // namespace tsw::wal
