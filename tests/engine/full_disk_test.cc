// The engine on a full or failing disk (issue 11, section 4), through the public API and
// a FaultEnv: writes fail with an error an SDK retries, nothing unacknowledged shows up
// that was not attempted, nothing acknowledged is lost, the engine works again without a
// restart once there is room, and a failed catalog change leaves the catalog as before.

#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/fault_env.h"
#include "tsw/engine.h"
#include "tsw/env.h"
#include "tsw/status.h"

namespace tsw {
namespace {

using testing::Fault;
using testing::FaultEnv;
using testing::FaultOp;

constexpr int64_t kNow = 1'800'000'000LL * 1'000'000'000LL;
constexpr int64_t kMillis = 1'000'000;
constexpr int kRecordsPerWrite = 100;

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.env = &env_;
    options_.clock = &clock_;
    options_.background_maintenance = false;
    options_.report = [this](std::string_view line) { log_.emplace_back(line); };
    Reopen();
    ASSERT_TRUE(engine_->CreateDatabase({.database_name = "fleet"}).ok());
    ASSERT_TRUE(engine_->CreateTable({.database_name = "fleet", .table_name = "cpu"}).ok());
  }

  void Reopen() {
    engine_.reset();
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open("/data", options_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
  }

  // Writes request `n`: kRecordsPerWrite points of one series at times of its own, each
  // with value "n.j". Remembers them as acknowledged or as attempted.
  absl::Status Write(int n) {
    absl::Status status;
    WriteTo(n, &status);
    return status;
  }
  void WriteTo(int n, absl::Status* status) {
    WriteRecordsRequest request{.database_name = "fleet", .table_name = "cpu"};
    std::map<int64_t, double> points;
    for (int j = 0; j < kRecordsPerWrite; ++j) {
      const int64_t time_ms = kNow / kMillis - 1'000'000 + n * kRecordsPerWrite + j;
      const std::string text = absl::StrCat(n, ".", j);
      double value = 0;
      ASSERT_TRUE(absl::SimpleAtod(text, &value));  // As the engine reads it.
      Record r;
      r.dimensions = {{"host", "h1"}};
      r.measure_name = "load";
      r.measure_value = text;
      r.time = absl::StrCat(time_ms);
      request.records.push_back(r);
      points[time_ms * kMillis] = value;
    }
    absl::StatusOr<WriteRecordsResponse> response = engine_->WriteRecords(request);
    for (const auto& [time, value] : points) {
      (response.ok() ? acked_ : attempted_)[time] = value;
    }
    *status = response.status();
  }

  // Every row of the table by time; fails the test on a Scan error.
  std::map<int64_t, double> ScanAll() {
    std::map<int64_t, double> rows;
    absl::Status s = engine_->Scan({.database_name = "fleet", .table_name = "cpu"},
                                   [&rows](const ScanBatch& batch) {
                                     for (size_t i = 0; i < batch.time_nanos.size(); ++i) {
                                       rows[batch.time_nanos[i]] = batch.columns[0].doubles[i];
                                     }
                                     return true;
                                   });
    EXPECT_TRUE(s.ok()) << s;
    return rows;
  }

  // The table holds every acknowledged point with its value, and otherwise only points
  // of writes that failed (which may or may not have been stored).
  void ExpectMatchesModel(const std::string& when) {
    std::map<int64_t, double> rows = ScanAll();
    int missing = 0, phantoms = 0, wrong = 0;
    for (const auto& [time, value] : acked_) {
      auto it = rows.find(time);
      if (it == rows.end()) {
        ++missing;
      } else if (it->second != value) {
        if (wrong++ == 0) ADD_FAILURE() << "at " << time << ": " << it->second << " not " << value;
      }
    }
    for (const auto& [time, value] : rows) {
      if (acked_.contains(time)) continue;
      auto it = attempted_.find(time);
      if (it == attempted_.end() || it->second != value) ++phantoms;
    }
    EXPECT_EQ(missing, 0) << when << ": acknowledged points are missing";
    EXPECT_EQ(wrong, 0) << when << ": acknowledged points have other values";
    EXPECT_EQ(phantoms, 0) << when << ": points that were never written";
  }

  FaultEnv env_;
  ManualClock clock_{kNow};
  Options options_;
  std::vector<std::string> log_;
  std::unique_ptr<Engine> engine_;
  std::map<int64_t, double> acked_;
  std::map<int64_t, double> attempted_;
};

TEST_F(FullDiskTest, WritesFailWithThrottlingUntilSpaceReturns) {
  for (int n = 0; n < 20; ++n) ASSERT_TRUE(Write(n).ok());

  env_.SetCapacity(env_.BytesUsed());
  // Writes go on into the log's preallocated room; once it is used up, all fail (how many
  // fit depends on the log's bytes per write: fewer than half of these).
  int first_failure = -1;
  for (int n = 20; n < 400; ++n) {
    absl::Status s = Write(n);
    if (s.ok()) {
      EXPECT_EQ(first_failure, -1) << "write " << n << " accepted after write " << first_failure
                                   << " failed on the full disk";
      continue;
    }
    if (first_failure < 0) first_failure = n;
    EXPECT_EQ(KindOf(s), ErrorKind::kThrottling) << s;
    EXPECT_EQ(ErrnoOf(s), ENOSPC) << s;
    if (n % 50 == 0) ExpectMatchesModel(absl::StrCat("full, after write ", n));
  }
  EXPECT_GE(first_failure, 20);
  EXPECT_LT(first_failure, 210);
  ExpectMatchesModel("full");

  env_.SetCapacity(-1);
  for (int n = 400; n < 420; ++n) EXPECT_TRUE(Write(n).ok()) << n;
  ExpectMatchesModel("after space returned");

  const std::map<int64_t, double> shown = ScanAll();
  Reopen();
  ExpectMatchesModel("after reopen");
  EXPECT_TRUE(ScanAll() == shown) << "the rows shown before the reopen were not all logged";
  env_.CutPower();
  env_.PowerOn();
  Reopen();
  ExpectMatchesModel("after a power cut");
}

TEST_F(FullDiskTest, FailedLogSyncsHealWithoutARestart) {
  for (int n = 0; n < 5; ++n) ASSERT_TRUE(Write(n).ok());
  // Syncs of the table's log fail now and then; and for a while new files do not fit.
  env_.InjectFault(Fault{.op = FaultOp::kSync, .times = 1, .err = EIO, .path_contains = "wal"});
  EXPECT_TRUE(Write(5).ok());  // The log rewrites the batch elsewhere and syncs it.
  env_.InjectFault(Fault{.op = FaultOp::kSync, .times = 1, .err = EIO, .path_contains = "wal"});
  env_.InjectFault(
      Fault{.op = FaultOp::kOpen, .times = -1, .err = ENOSPC, .path_contains = ".tmp"});
  absl::Status s = Write(6);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(KindOf(s), ErrorKind::kThrottling) << s;
  for (int n = 7; n < 12; ++n) EXPECT_FALSE(Write(n).ok()) << n;
  ExpectMatchesModel("while the log cannot be repaired");

  env_.ClearFaults();
  for (int n = 12; n < 20; ++n) EXPECT_TRUE(Write(n).ok()) << n;
  ExpectMatchesModel("after the repair");
  env_.CutPower();
  env_.PowerOn();
  Reopen();
  ExpectMatchesModel("after a power cut");
}

TEST_F(FullDiskTest, EveryWriteFailingWithEioKeepsTheTableReadable) {
  for (int n = 0; n < 5; ++n) ASSERT_TRUE(Write(n).ok());
  env_.InjectFault(Fault{.op = FaultOp::kWrite, .times = 3, .err = EIO, .path_contains = "wal"});
  for (int n = 5; n < 8; ++n) {
    absl::Status s = Write(n);
    if (!s.ok()) {
      EXPECT_EQ(KindOf(s), ErrorKind::kInternalServer) << s;
    }
  }
  for (int n = 8; n < 12; ++n) EXPECT_TRUE(Write(n).ok()) << n;
  ExpectMatchesModel("after EIO");
  // What the memory store showed is what the log holds: a reopen shows the same rows.
  const std::map<int64_t, double> shown = ScanAll();
  Reopen();
  ExpectMatchesModel("after reopen");
  EXPECT_TRUE(ScanAll() == shown) << "the rows shown before the reopen were not all logged";
}

TEST_F(FullDiskTest, MaintenanceThatFailsLosesNothingAndRunsAgain) {
  for (int n = 0; n < 30; ++n) ASSERT_TRUE(Write(n).ok());
  clock_.Advance(int64_t{7} * 3600 * 1'000'000'000);  // Past the memory retention (6 h).

  // The eviction cannot write its segment, then cannot trim the log.
  env_.SetCapacity(env_.BytesUsed());
  EXPECT_FALSE(engine_->RunMaintenance().ok());
  ExpectMatchesModel("after a failed eviction");
  env_.SetCapacity(-1);
  env_.InjectFault(
      Fault{.op = FaultOp::kRemoveFile, .times = -1, .err = EIO, .path_contains = "wal"});
  engine_->RunMaintenance().IgnoreError();
  ExpectMatchesModel("after a failed log trim");
  env_.ClearFaults();
  EXPECT_TRUE(engine_->RunMaintenance().ok());
  ExpectMatchesModel("after maintenance");
  absl::StatusOr<std::vector<std::string>> problems = engine_->Verify();
  ASSERT_TRUE(problems.ok()) << problems.status();
  EXPECT_TRUE(problems->empty()) << problems->front();

  Reopen();
  ExpectMatchesModel("after reopen");
  env_.CutPower();
  env_.PowerOn();
  Reopen();
  ExpectMatchesModel("after a power cut");
}

TEST_F(FullDiskTest, FailedCatalogChangesLeaveTheCatalogAsBefore) {
  const std::string arn = engine_->DescribeTable({"fleet", "cpu"})->table.arn;
  auto retention = [this] {
    return engine_->DescribeTable({"fleet", "cpu"})->table.retention_properties;
  };
  const RetentionProperties before = retention();
  RetentionProperties changed = before;
  changed.memory_store_retention_period_in_hours += 1;

  // A failed sync of the catalog's log.
  env_.InjectFault(Fault{.op = FaultOp::kSync, .times = 1, .err = EIO, .path_contains = "catalog"});
  EXPECT_FALSE(engine_->UpdateTable({"fleet", "cpu", changed, std::nullopt}).ok());
  EXPECT_EQ(retention().memory_store_retention_period_in_hours,
            before.memory_store_retention_period_in_hours);

  // A full disk.
  env_.SetCapacity(env_.BytesUsed());
  absl::Status tagged = engine_->TagResource({arn, {{"team", "a"}}}).status();
  EXPECT_EQ(KindOf(tagged), ErrorKind::kThrottling) << tagged;
  absl::Status created =
      engine_->CreateTable({.database_name = "fleet", .table_name = "mem"}).status();
  EXPECT_FALSE(created.ok());
  EXPECT_EQ(KindOf(engine_->DescribeTable({"fleet", "mem"}).status()),
            ErrorKind::kResourceNotFound);
  EXPECT_TRUE(engine_->ListTagsForResource({arn})->tags.empty());

  env_.SetCapacity(-1);
  Reopen();
  EXPECT_EQ(retention().memory_store_retention_period_in_hours,
            before.memory_store_retention_period_in_hours);
  EXPECT_TRUE(engine_->ListTagsForResource({arn})->tags.empty());
  EXPECT_EQ(KindOf(engine_->DescribeTable({"fleet", "mem"}).status()),
            ErrorKind::kResourceNotFound);

  // And changes work again.
  EXPECT_TRUE(engine_->UpdateTable({"fleet", "cpu", changed, std::nullopt}).ok());
  EXPECT_TRUE(engine_->TagResource({arn, {{"team", "a"}}}).ok());
  EXPECT_TRUE(engine_->CreateTable({.database_name = "fleet", .table_name = "mem"}).ok());
  Reopen();
  EXPECT_EQ(retention().memory_store_retention_period_in_hours,
            changed.memory_store_retention_period_in_hours);
  EXPECT_EQ(engine_->ListTagsForResource({arn})->tags.size(), 1u);
  EXPECT_TRUE(engine_->DescribeTable({"fleet", "mem"}).ok());
}

}  // namespace
}  // namespace tsw
