// Crash safety: a child process loops AddSegment / Compact / ApplyRetention, reporting
// each completed operation through a pipe, and is SIGKILLed at a random moment. After
// every kill the store reopens to exactly the model after the last acknowledged operation
// or after the one in flight, with nothing duplicated and no orphan files; the next child
// continues from there.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/magnetic/magnetic_store.h"
#include "gtest/gtest.h"
#include "tests/magnetic/magnetic_test_util.h"

namespace tsw::magnetic {
namespace {

constexpr uint64_t kSeed = 20240611;
constexpr int kRounds = 20;

enum class OpKind { kAdd, kCompact, kRetention };

struct Op {
  OpKind kind;
  std::vector<RowBatch> batches;  // kAdd.
  std::string note;               // kAdd.
  int64_t cutoff = 0;             // kRetention: strictly increasing with the op number.
};

// Operation number `i` of the deterministic sequence both processes follow.
Op MakeOp(uint64_t i) {
  std::mt19937_64 rng(kSeed * 1000003 + i);
  Op op;
  uint64_t pick = rng() % 10;
  const testing::RandomBatchOptions batch_options{.batches = 4, .max_rows = 30};
  if (pick < 6) {
    op.kind = OpKind::kAdd;
    op.batches = testing::RandomBatches(rng, batch_options);
    op.note = absl::StrCat("op ", i);
  } else if (pick < 8) {
    op.kind = OpKind::kCompact;
  } else {
    op.kind = OpKind::kRetention;
    op.cutoff = batch_options.base_time + 300 * static_cast<int64_t>(i);
  }
  return op;
}

MagneticOptions StoreOptions() {
  MagneticOptions options;
  options.max_rows_per_block = 8;
  options.target_segment_bytes = 6000;
  options.compaction_min_segments = 3;
  return options;
}

// The child: runs operations from `first` on, writing each finished op number to `fd`.
[[noreturn]] void RunChild(const std::string& dir, uint64_t first, int fd) {
  absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(dir, StoreOptions());
  if (!store.ok()) _exit(2);
  for (uint64_t i = first;; ++i) {
    Op op = MakeOp(i);
    absl::Status s;
    switch (op.kind) {
      case OpKind::kAdd:
        s = (*store)->AddSegment(op.batches, op.note);
        break;
      case OpKind::kCompact:
        s = (*store)->Compact();
        break;
      case OpKind::kRetention:
        s = (*store)->ApplyRetention(op.cutoff);
        break;
    }
    if (!s.ok()) _exit(3);
    if (write(fd, &i, sizeof(i)) != sizeof(i)) _exit(4);
  }
}

void ApplyToModel(const Op& op, testing::Model* model) {
  if (op.kind == OpKind::kAdd) model->Add(op.batches);
  if (op.kind == OpKind::kRetention) model->ApplyRetention(op.cutoff);
}

TEST(CrashTest, ReopenAfterSigkillYieldsTheLastAcknowledgedOrInFlightState) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/crash_test");
  std::filesystem::remove_all(dir);
  std::mt19937_64 rng(kSeed);
  testing::Model model;  // After operations [0, next).
  uint64_t next = 0;
  std::string last_note;
  int completed_in_flight = 0;
  int compactions_seen = 0;
  int orphans_deleted = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round, " starting at op ", next));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(dir, next, fds[1]);
    }
    close(fds[1]);
    // Wait for a few acknowledgements, then kill at a random moment.
    const int wait_for = 1 + static_cast<int>(rng() % 6);
    std::vector<uint64_t> acked;
    uint64_t i;
    while (static_cast<int>(acked.size()) < wait_for && read(fds[0], &i, sizeof(i)) == sizeof(i)) {
      acked.push_back(i);
    }
    usleep(static_cast<useconds_t>(rng() % 3000));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status);
    while (read(fds[0], &i, sizeof(i)) == sizeof(i)) acked.push_back(i);
    close(fds[0]);
    ASSERT_FALSE(acked.empty());
    for (size_t k = 0; k < acked.size(); ++k) ASSERT_EQ(acked[k], next + k);

    // The acknowledged operations happened.
    for (uint64_t op_number : acked) {
      Op op = MakeOp(op_number);
      ApplyToModel(op, &model);
      if (op.kind == OpKind::kAdd) last_note = op.note;
      compactions_seen += op.kind == OpKind::kCompact;
    }
    next = acked.back() + 1;

    MagneticOptions options = StoreOptions();
    options.report = [&](absl::string_view line) {
      orphans_deleted += absl::StrContains(line, "orphan");
    };
    absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(dir, options);
    ASSERT_TRUE(store.ok()) << store.status();
    // The one in flight may have happened too; its own trace tells.
    Op in_flight = MakeOp(next);
    bool done =
        (in_flight.kind == OpKind::kAdd && (*store)->LastNote() == in_flight.note) ||
        (in_flight.kind == OpKind::kRetention && (*store)->RetentionCutoff() == in_flight.cutoff);
    if (done) {
      ApplyToModel(in_flight, &model);
      if (in_flight.kind == OpKind::kAdd) last_note = in_flight.note;
      ++next;
      ++completed_in_flight;
    }
    EXPECT_EQ((*store)->LastNote(), last_note);
    EXPECT_EQ((*store)->RetentionCutoff(), model.cutoff());
    absl::StatusOr<std::vector<std::string>> rows = testing::ScanRows(**store);
    ASSERT_TRUE(rows.ok()) << rows.status();  // Also: no (series, measure, time) twice.
    ASSERT_EQ(*rows, model.Rows());

    // No orphans: the directory holds the manifest and the live segments only.
    std::set<std::string> live;
    for (const TableStats::Segment& s : (*store)->Stats().segments) {
      live.insert(std::filesystem::path(s.file).filename().string());
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      EXPECT_TRUE(name == "MANIFEST" || live.contains(name)) << "orphan " << name;
    }
    EXPECT_TRUE((*store)->Verify().empty());
  }
  // The run exercised what it claims to.
  EXPECT_GT(next, static_cast<uint64_t>(kRounds));
  EXPECT_GT(compactions_seen, 0);
  RecordProperty("operations", static_cast<int>(next));
  RecordProperty("in_flight_operations_found_complete", completed_in_flight);
  RecordProperty("orphans_deleted_at_open", orphans_deleted);
}

}  // namespace
}  // namespace tsw::magnetic
