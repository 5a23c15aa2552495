// The tiers through the public tsw::Engine: maintenance on demand under a manual clock,
// UpdateTable taking effect at once, and a reopened engine showing the same rows.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/table/tier_test_util.h"
#include "tsw/engine.h"

namespace tsw::testing {
namespace {

class EngineTiersTest : public ::testing::Test {
 protected:
  EngineTiersTest() : clock_(kNowNanos), dir_(NewTempDir()) {
    Open();
    EXPECT_TRUE(engine_->CreateDatabase({.database_name = "fleet"}).ok());
    CreateTableRequest create;
    create.database_name = "fleet";
    create.table_name = "hosts";
    create.retention_properties = RetentionProperties{2, 3};
    MagneticStoreWriteProperties magnetic;
    magnetic.enable_magnetic_store_writes = true;
    create.magnetic_store_write_properties = magnetic;
    EXPECT_TRUE(engine_->CreateTable(create).ok());
  }

  void Open() {
    engine_.reset();
    Options options;
    options.clock = &clock_;
    options.background_maintenance = false;
    options.report = [](std::string_view) {};
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(dir_, options);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
  }

  absl::StatusOr<WriteRecordsResponse> Write(std::vector<Record> records) {
    WriteRecordsRequest request = Req(std::move(records));
    request.database_name = "fleet";
    request.table_name = "hosts";
    return engine_->WriteRecords(request);
  }
  Contents ScanAll() {
    Contents out;
    ScanRequest r;
    r.database_name = "fleet";
    r.table_name = "hosts";
    absl::Status s = engine_->Scan(r, [&out](const ScanBatch& b) {
      CollectBatch(b, &out);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  TableStats Stats() {
    absl::StatusOr<TableStats> stats = engine_->GetTableStats("fleet", "hosts");
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : TableStats();
  }

  ManualClock clock_;
  std::string dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTiersTest, MaintenanceMovesRowsAndUpdateTableTakesEffectAtOnce) {
  std::mt19937_64 rng(21);
  Model model;
  // Two hours of rows (inside the memory window) and some from five hours ago.
  std::vector<Record> recent = MixedRecords(rng, 400, clock_.NowNanos(), 2 * kHour, 1, &model);
  std::vector<Record> old =
      MixedRecords(rng, 100, clock_.NowNanos() - 3 * kHour, 2 * kHour, 1, &model);
  for (size_t i = 0; i < recent.size(); i += 100) {
    absl::StatusOr<WriteRecordsResponse> r =
        Write(std::vector<Record>(recent.begin() + i, recent.begin() + i + 100));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->records_ingested.memory_store, 100);
  }
  absl::StatusOr<WriteRecordsResponse> r = Write(old);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records_ingested.magnetic_store, 100);
  EXPECT_EQ(ScanAll(), model.rows());

  ASSERT_TRUE(engine_->RunMaintenance().ok());
  TableStats stats = Stats();
  EXPECT_EQ(stats.magnetic_points, 100);
  EXPECT_EQ(stats.memory_points, 400);
  EXPECT_EQ(ScanAll(), model.rows());

  // A one-hour window evicts at once, without waiting for a maintenance pass.
  UpdateTableRequest update;
  update.database_name = "fleet";
  update.table_name = "hosts";
  update.retention_properties = RetentionProperties{1, 3};
  ASSERT_TRUE(engine_->UpdateTable(update).ok());
  const int64_t in_window =
      static_cast<int64_t>(From(model.rows(), clock_.NowNanos() - kHour).size());
  stats = Stats();
  EXPECT_EQ(stats.memory_points, in_window);
  EXPECT_EQ(stats.magnetic_points, 500 - in_window);
  EXPECT_EQ(ScanAll(), model.rows());

  // A longer one does not bring rows back.
  update.retention_properties = RetentionProperties{24, 3};
  ASSERT_TRUE(engine_->UpdateTable(update).ok());
  EXPECT_EQ(Stats().memory_points, in_window);

  ASSERT_TRUE(engine_->Close().ok());
  Open();
  EXPECT_EQ(ScanAll(), model.rows());
  EXPECT_EQ(Stats().memory_points, in_window);
  absl::StatusOr<std::vector<std::string>> problems = engine_->Verify();
  ASSERT_TRUE(problems.ok()) << problems.status();
  EXPECT_TRUE(problems->empty());

  // Four days on, the magnetic window (3 days) has passed every row.
  clock_.Advance(4 * kDay);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  EXPECT_TRUE(ScanAll().empty());
  EXPECT_EQ(Stats().memory_points, 0);
  EXPECT_EQ(Stats().magnetic_points, 0);
}

// Found by the power-cut tests: right after Open, before any write or maintenance pass, a
// scan used only the manifest's retention cutoff, which moves in one-hour steps for a
// one-day window; a row past the window then showed, with the Version its newest one
// (dropped as too old by the last maintenance pass) had replaced.
TEST_F(EngineTiersTest, ReopenedEngineHidesRowsPastTheMagneticWindow) {
  UpdateTableRequest update;
  update.database_name = "fleet";
  update.table_name = "hosts";
  update.retention_properties = RetentionProperties{1, 1};
  ASSERT_TRUE(engine_->UpdateTable(update).ok());
  const int64_t t_ms = kNowMillis - 2 * 3600 * 1000;
  const int64_t kept_ms = kNowMillis - 90 * 60 * 1000;
  // Version 2 goes to a segment with a later row (so retention keeps the segment), then
  // Version 3 replaces it in memory.
  ASSERT_TRUE(Write({Rec({Dim("host", "a")}, "cpu", "2", t_ms, std::nullopt, 2),
                     Rec({Dim("host", "a")}, "cpu", "9", kept_ms, std::nullopt, 1)})
                  .ok());
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  ASSERT_TRUE(Write({Rec({Dim("host", "a")}, "cpu", "3", t_ms, std::nullopt, 3)}).ok());
  // 22.5 hours on, t is past the one-day window; the later row is exactly at its edge.
  clock_.Advance(22 * kHour + 30 * kMinute);
  ASSERT_TRUE(engine_->RunMaintenance().ok());
  Contents expected;
  expected[RowKey("host=a", "cpu", kept_ms * 1000000)] = Row{1, MeasureValueType::kDouble, "9"};
  EXPECT_EQ(ScanAll(), expected);
  ASSERT_TRUE(engine_->Close().ok());
  Open();
  EXPECT_EQ(ScanAll(), expected);
}

}  // namespace
}  // namespace tsw::testing
