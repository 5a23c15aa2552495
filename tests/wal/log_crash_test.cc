// Crash safety: a child process appends batches and reports each acknowledged sequence
// through a pipe; the parent SIGKILLs it at a random point, reopens the log, and checks
// that every acknowledged batch replays with its payload and nothing half-written does.
#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/wal/log.h"
#include "gtest/gtest.h"
#include "tests/wal/wal_test_util.h"

namespace tsw::wal {
namespace {

using testing::NewTestDir;
using testing::PayloadFor;

// A payload that carries its own tag in its first 8 bytes, the rest a function of the tag,
// so any replayed batch can be checked whole without knowing who wrote it.
std::string TaggedPayload(uint64_t tag) {
  std::string payload = PayloadFor(tag, 8 + testing::SizeFor(tag, 6000));
  std::memcpy(payload.data(), &tag, 8);
  return payload;
}

// The tag a payload claims, or 0 if it is too short to claim one.
uint64_t TagOf(absl::string_view payload) {
  uint64_t tag = 0;
  if (payload.size() >= 8) std::memcpy(&tag, payload.data(), 8);
  return tag;
}

// Batches the trimming child keeps in its log behind the newest one.
constexpr uint64_t kKeptBatches = 40;

struct Ack {
  uint64_t sequence;
  uint64_t tag;
};

LogOptions CrashOptions(int round) {
  LogOptions options;
  options.max_file_bytes = 16 << 10;  // Rotate often, so kills land around rotations too.
  if (round % 3 == 2) {
    // Written is acknowledged: a process crash (page cache intact) must lose nothing.
    options.durability.policy = SyncPolicy::kSyncPeriodically;
    options.durability.sync_interval_millis = 2;
  }
  options.report = [](absl::string_view) {};
  return options;
}

// The child: append until killed. Never returns. Uses no gtest (it is a forked copy).
[[noreturn]] void RunChild(const std::string& dir, int round, int threads, int ack_fd) {
  auto log = Log::Open(dir, CrashOptions(round),
                       [](uint64_t, absl::string_view) { return absl::OkStatus(); });
  if (!log.ok()) _exit(2);
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t i = 1; i < 1000000; ++i) {
        // With one writer the sequence is known beforehand and is the tag itself.
        const uint64_t tag =
            threads == 1 ? (*log)->NextSequence()
                         : (uint64_t{1} << 63) | uint64_t(round) << 40 | uint64_t(t) << 32 | i;
        absl::StatusOr<uint64_t> seq = (*log)->Append(TaggedPayload(tag));
        if (!seq.ok() || (threads == 1 && *seq != tag)) _exit(3);
        Ack ack{*seq, tag};
        // 16-byte pipe writes are atomic, so concurrent writers do not interleave.
        if (::write(ack_fd, &ack, sizeof(ack)) != sizeof(ack)) _exit(4);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  _exit(0);
}

// Reads whole Acks from `fd` into `acks` until `want` are there or the pipe is at EOF.
void ReadAcks(int fd, size_t want, std::vector<Ack>* acks) {
  while (acks->size() < want) {
    Ack ack;
    size_t got = 0;
    while (got < sizeof(ack)) {
      ssize_t n = ::read(fd, reinterpret_cast<char*>(&ack) + got, sizeof(ack) - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // EOF; a partial ack was never complete.
      got += static_cast<size_t>(n);
    }
    acks->push_back(ack);
  }
}

TEST(LogCrashTest, EveryAcknowledgedBatchSurvivesSigkillAtRandomMoments) {
  const std::string dir = NewTestDir("crash");
  std::mt19937_64 rng(20240607);
  std::map<uint64_t, uint64_t> known;  // Sequence -> tag of every batch replayed or acked.
  size_t total_acks = 0;
  int tails_cut = 0;
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const int threads = round % 2 == 0 ? 1 : 4;
    // Some rounds kill before the child has acknowledged anything (during Open's recovery).
    const size_t kill_after = round % 5 == 0 ? rng() % 3 : rng() % 300;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(dir, round, threads, fds[1]);
    }
    ::close(fds[1]);
    std::vector<Ack> acks;
    ReadAcks(fds[0], kill_after, &acks);
    ::kill(pid, SIGKILL);
    ReadAcks(fds[0], SIZE_MAX, &acks);  // Acks the child sent before it died.
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited by itself with status " << status;
    total_acks += acks.size();
    for (const Ack& ack : acks) {
      auto [it, inserted] = known.emplace(ack.sequence, ack.tag);
      ASSERT_TRUE(inserted || it->second == ack.tag)
          << "sequence " << ack.sequence << " acknowledged for two different batches";
    }

    std::map<uint64_t, std::string> replayed;
    uint64_t expected = 1;
    std::string problem;
    LogOptions options = CrashOptions(round);
    options.report = [&](absl::string_view line) {
      if (absl::StrContains(line, "cut torn tail")) ++tails_cut;
    };
    auto log = Log::Open(dir, options, [&](uint64_t seq, absl::string_view payload) {
      if (seq != expected && problem.empty()) {
        problem = absl::StrCat("sequence ", seq, " replayed where ", expected, " was due");
      }
      expected = seq + 1;
      replayed.emplace(seq, std::string(payload));
      return absl::OkStatus();
    });
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ(problem, "");
    EXPECT_EQ((*log)->NextSequence(), expected);
    for (const auto& [seq, payload] : replayed) {
      // Whole or absent: every replayed batch is exactly some writer's payload.
      ASSERT_EQ(payload, TaggedPayload(TagOf(payload))) << "sequence " << seq << " is torn";
      auto [it, inserted] = known.emplace(seq, TagOf(payload));
      ASSERT_EQ(it->second, TagOf(payload)) << "sequence " << seq << " changed between opens";
    }
    // Every acknowledged batch, this round's and earlier rounds', is still there.
    for (const auto& [seq, tag] : known) {
      ASSERT_TRUE(replayed.count(seq)) << "acknowledged sequence " << seq << " lost";
    }
  }
  std::printf("%zu acknowledged batches, %zu in the log, %d torn tails cut\n", total_acks,
              known.size(), tails_cut);
  // The rounds did write something (a child that never got going would pass vacuously).
  EXPECT_GT(total_acks, 500u);
  EXPECT_GT(known.size(), total_acks / 2);
}

// Trimmed files are kept and reused (engine/wal/FORMAT.md, "Recycled files"), so kills
// land while old frames lie behind new ones, around rotations into reused files, and
// between a trim's rename and the reuse. One writer: a batch's tag is its sequence, so a
// replayed old frame would show as a payload under the wrong sequence.
[[noreturn]] void RunTrimmingChild(const std::string& dir, int round, int ack_fd) {
  auto log = Log::Open(dir, CrashOptions(round),
                       [](uint64_t, absl::string_view) { return absl::OkStatus(); });
  if (!log.ok()) _exit(2);
  for (uint64_t i = 1; i < 1000000; ++i) {
    const uint64_t tag = (*log)->NextSequence();
    absl::StatusOr<uint64_t> seq = (*log)->Append(TaggedPayload(tag));
    if (!seq.ok() || *seq != tag) _exit(3);
    Ack ack{*seq, tag};
    if (::write(ack_fd, &ack, sizeof(ack)) != sizeof(ack)) _exit(4);
    // Keep about the last kKeptBatches batches (whole files below them go).
    if (*seq % 7 == 0 && *seq > kKeptBatches && !(*log)->TrimBefore(*seq - kKeptBatches).ok()) {
      _exit(5);
    }
  }
  _exit(0);
}

TEST(LogCrashTest, BatchesNotTrimmedSurviveSigkillWhileTrimmedFilesAreReused) {
  const std::string dir = NewTestDir("crash_recycle");
  std::mt19937_64 rng(20261206);
  uint64_t acked_max = 0;
  size_t total_acks = 0;
  int rounds_with_reused_files = 0;
  for (int round = 0; round < 16; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    const size_t kill_after = round % 5 == 0 ? rng() % 3 : rng() % 300;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunTrimmingChild(dir, round, fds[1]);
    }
    ::close(fds[1]);
    std::vector<Ack> acks;
    ReadAcks(fds[0], kill_after, &acks);
    ::kill(pid, SIGKILL);
    ReadAcks(fds[0], SIZE_MAX, &acks);
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
    total_acks += acks.size();
    for (const Ack& ack : acks) acked_max = std::max(acked_max, ack.sequence);

    std::vector<uint64_t> replayed;
    std::string problem;
    auto log = Log::Open(dir, CrashOptions(round), [&](uint64_t seq, absl::string_view payload) {
      if (problem.empty() && payload != TaggedPayload(seq)) {
        problem = absl::StrCat("sequence ", seq, " replayed the payload of ", TagOf(payload));
      }
      if (problem.empty() && !replayed.empty() && seq != replayed.back() + 1) {
        problem = absl::StrCat("sequence ", seq, " replayed after ", replayed.back());
      }
      replayed.push_back(seq);
      return absl::OkStatus();
    });
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ(problem, "");
    // Every acknowledged batch the child could not have trimmed yet is there.
    if (acked_max > 0) {
      ASSERT_FALSE(replayed.empty());
      // The child trims below (its last acknowledged sequence - kKeptBatches) at most.
      EXPECT_LE(replayed.front(), acked_max > kKeptBatches ? acked_max - kKeptBatches : 1);
      EXPECT_GE(replayed.back(), acked_max);
    }
    for (const std::string& name : testing::LogFileNames(dir)) {
      if (testing::ReadBytes(file::JoinPath(dir, name))[4] == 2) {
        ++rounds_with_reused_files;
        break;
      }
    }
  }
  std::printf("%zu acknowledged batches, %d rounds found reused files\n", total_acks,
              rounds_with_reused_files);
  EXPECT_GT(total_acks, 500u);
  // The rounds met reused files (else this test proves nothing about them).
  EXPECT_GT(rounds_with_reused_files, 3);
}

}  // namespace
}  // namespace tsw::wal
