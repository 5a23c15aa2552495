// The engine facade (engine/db): opening a directory, the lock against a second engine,
// Close, DescribeEndpoints, paginators, a deleted table's data leaving the disk, and a
// streaming query whose visitor blocks holding up no writer and no maintenance.
#include "tsw/engine.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tests/common/latch.h"

namespace tsw {
namespace {

using ::tsw::testing::Latch;

constexpr int64_t kNow = 1'800'000'000LL * 1'000'000'000LL;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/engine_test.",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(file::RemoveTree(*Env::Default(), dir_).ok());
    options_.clock = &clock_;
    options_.background_maintenance = false;
    options_.report = [this](std::string_view line) { log_.emplace_back(line); };
  }

  std::unique_ptr<Engine> OpenOrDie() {
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(dir_, options_);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  static WriteRecordsRequest OneRecord(const std::string& table, int64_t time_ms) {
    WriteRecordsRequest request{.database_name = "fleet", .table_name = table};
    Record r;
    r.dimensions = {{"host", "h1"}};
    r.measure_name = "cpu";
    r.measure_value = "1.5";
    r.time = absl::StrCat(time_ms);
    request.records.push_back(r);
    return request;
  }

  std::string dir_;
  ManualClock clock_{kNow};
  Options options_;
  std::vector<std::string> log_;
};

TEST_F(EngineTest, SecondEngineOnTheSameDirectoryIsRefused) {
  std::unique_ptr<Engine> first = OpenOrDie();
  absl::StatusOr<std::unique_ptr<Engine>> second = Engine::Open(dir_, options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(KindOf(second.status()), ErrorKind::kAccessDenied);
  EXPECT_TRUE(absl::StrContains(second.status().message(), "in use")) << second.status();
  ASSERT_TRUE(first->Close().ok());
  // Once closed, the directory opens again.
  EXPECT_TRUE(Engine::Open(dir_, options_).ok());
}

TEST_F(EngineTest, SecondProcessOnTheSameDirectoryIsRefused) {
  std::unique_ptr<Engine> first = OpenOrDie();
  ASSERT_TRUE(first->CreateDatabase({.database_name = "fleet"}).ok());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    absl::StatusOr<std::unique_ptr<Engine>> second = Engine::Open(dir_, options_);
    _exit(!second.ok() && KindOf(second.status()) == ErrorKind::kAccessDenied ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child process could open a locked directory";
  // The first engine is untouched.
  EXPECT_TRUE(first->DescribeDatabase({"fleet"}).ok());
}

TEST_F(EngineTest, UnwritableDirectoryIsAccessDenied) {
  ASSERT_TRUE(file::CreateDirs(*Env::Default(), dir_).ok());
  std::string blocker = file::JoinPath(dir_, "a-file");
  ASSERT_TRUE(file::WriteFileAtomically(*Env::Default(), blocker, "not a directory").ok());
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Open(file::JoinPath(blocker, "data"), options_);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(KindOf(engine.status()), ErrorKind::kAccessDenied);
  EXPECT_TRUE(absl::StrContains(engine.status().message(), "a-file")) << engine.status();
}

TEST_F(EngineTest, EmptyDirectoryNameIsAValidationError) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open("", options_);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(KindOf(engine.status()), ErrorKind::kValidation);
}

TEST_F(EngineTest, CallsAfterCloseFailClearly) {
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_TRUE(engine->Close().ok());
  EXPECT_TRUE(engine->Close().ok());  // Idempotent.
  absl::StatusOr<ListDatabasesResponse> list = engine->ListDatabases({});
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(KindOf(list.status()), ErrorKind::kValidation);
  EXPECT_TRUE(absl::StrContains(list.status().message(), "closed"));
  EXPECT_FALSE(engine->WriteRecords(OneRecord("telemetry", kNow / 1'000'000)).ok());
}

TEST_F(EngineTest, DescribeEndpointsAnswersTheConfiguredAddress) {
  options_.endpoint_address = "127.0.0.1:8765";
  std::unique_ptr<Engine> engine = OpenOrDie();
  absl::StatusOr<DescribeEndpointsResponse> response = engine->DescribeEndpoints();
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->endpoints.size(), 1u);
  EXPECT_EQ(response->endpoints[0].address, "127.0.0.1:8765");
  EXPECT_EQ(response->endpoints[0].cache_period_in_minutes, 1440);
}

TEST_F(EngineTest, PaginatorsVisitEveryItemOnce) {
  std::unique_ptr<Engine> engine = OpenOrDie();
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(engine->CreateDatabase({.database_name = absl::StrCat("db", i)}).ok());
    absl::StatusOr<CreateTableResponse> table =
        engine->CreateTable({.database_name = "db0", .table_name = absl::StrCat("tbl", i)});
    ASSERT_TRUE(table.ok()) << table.status();
  }
  std::vector<std::string> databases;
  int pages = 0;
  for (const auto& page : engine->ListDatabasesPages({.max_results = 3})) {
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const Database& db : page->databases) databases.push_back(db.database_name);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(databases, (std::vector<std::string>{"db0", "db1", "db2", "db3", "db4", "db5", "db6"}));
  std::vector<std::string> tables;
  for (const auto& page : engine->ListTablesPages({.database_name = "db0", .max_results = 2})) {
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Table& t : page->tables) tables.push_back(t.table_name);
  }
  EXPECT_EQ(tables.size(), 7u);
}

TEST_F(EngineTest, PaginatorStopsAfterAnError) {
  std::unique_ptr<Engine> engine = OpenOrDie();
  int pages = 0;
  for (const auto& page : engine->ListTablesPages({.database_name = "missing"})) {
    ++pages;
    EXPECT_EQ(KindOf(page.status()), ErrorKind::kResourceNotFound);
  }
  EXPECT_EQ(pages, 1);
}

TEST_F(EngineTest, DeletedTableDataLeavesTheDisk) {
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
  ASSERT_TRUE(engine->CreateTable({.database_name = "fleet", .table_name = "telemetry"}).ok());
  ASSERT_TRUE(engine->WriteRecords(OneRecord("telemetry", kNow / 1'000'000)).ok());
  absl::StatusOr<std::vector<std::string>> tables =
      file::ListDir(*Env::Default(), file::JoinPath(dir_, "tables"));
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  ASSERT_TRUE(engine->DeleteTable({"fleet", "telemetry"}).ok());
  tables = file::ListDir(*Env::Default(), file::JoinPath(dir_, "tables"));
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables->empty());
  // A new table of the same name starts empty.
  ASSERT_TRUE(engine->CreateTable({.database_name = "fleet", .table_name = "telemetry"}).ok());
  int rows = 0;
  ASSERT_TRUE(engine
                  ->Scan({.database_name = "fleet", .table_name = "telemetry"},
                         [&](const ScanBatch& b) {
                           rows += static_cast<int>(b.time_nanos.size());
                           return true;
                         })
                  .ok());
  EXPECT_EQ(rows, 0);
}

TEST_F(EngineTest, AStreamingQueryWhoseVisitorBlocksHoldsUpNoWriterNorMaintenance) {
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
  CreateTableRequest create{.database_name = "fleet", .table_name = "telemetry"};
  create.retention_properties = RetentionProperties{};
  create.retention_properties->memory_store_retention_period_in_hours = 1;
  ASSERT_TRUE(engine->CreateTable(create).ok());
  // More rows than a streamed batch holds: the visitor is called during the scan.
  for (int i = 0; i < 30; ++i) {
    WriteRecordsRequest request = OneRecord("telemetry", kNow / 1'000'000 - 100 * i);
    for (int j = 1; j < 100; ++j) {
      request.records.push_back(request.records[0]);
      request.records.back().time = absl::StrCat(kNow / 1'000'000 - 100 * i - j);
    }
    ASSERT_TRUE(engine->WriteRecords(request).ok());
  }
  Latch entered, release;
  int64_t rows = 0;
  std::thread reader([&] {
    bool first = true;
    absl::Status s = engine->QueryStream(
        "SELECT time, measure_value::double FROM fleet.telemetry", [&](const QueryBatch& b) {
          rows += b.num_rows;
          if (first) {
            first = false;
            entered.Open();
            release.Wait();  // A slow consumer: deadlocks the test if it blocks the others.
          }
          return true;
        });
    EXPECT_TRUE(s.ok()) << s;
  });
  entered.Wait();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(engine->WriteRecords(OneRecord("telemetry", kNow / 1'000'000 + 1 + i)).ok());
  }
  clock_.Advance(3 * 3600 * 1'000'000'000LL);  // Every row leaves the memory window.
  ASSERT_TRUE(engine->RunMaintenance().ok());
  absl::StatusOr<TableStats> stats = engine->GetTableStats("fleet", "telemetry");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->memory_points, 0);
  release.Open();
  reader.join();
  EXPECT_EQ(rows, 3000) << "the query answers from the table as it was when it began";
}

TEST_F(EngineTest, OrphanTableDirectoryIsRemovedAtOpen) {
  {
    std::unique_ptr<Engine> engine = OpenOrDie();
    ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
  }
  // What a DeleteTable that crashed after its catalog commit leaves behind.
  std::string orphan = file::JoinPath(file::JoinPath(dir_, "tables"), "99");
  ASSERT_TRUE(file::CreateDirs(*Env::Default(), orphan).ok());
  ASSERT_TRUE(file::WriteFileAtomically(*Env::Default(), file::JoinPath(orphan, "junk"), "x").ok());
  std::unique_ptr<Engine> engine = OpenOrDie();
  EXPECT_FALSE(Env::Default()->Exists(orphan));
  bool logged = false;
  for (const std::string& line : log_) logged |= absl::StrContains(line, "99");
  EXPECT_TRUE(logged);
}

TEST_F(EngineTest, WritesRacingADeleteEitherLandOrSeeNotFound) {
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
  ASSERT_TRUE(engine->CreateTable({.database_name = "fleet", .table_name = "telemetry"}).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      int64_t time_ms = kNow / 1'000'000 - 1000 * w;
      while (!stop.load()) {
        absl::StatusOr<WriteRecordsResponse> r =
            engine->WriteRecords(OneRecord("telemetry", --time_ms));
        if (!r.ok() && KindOf(r.status()) != ErrorKind::kResourceNotFound) ++unexpected;
      }
    });
  }
  std::this_thread::yield();
  ASSERT_TRUE(engine->DeleteTable({"fleet", "telemetry"}).ok());
  stop.store(true);
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  absl::StatusOr<std::vector<std::string>> tables =
      file::ListDir(*Env::Default(), file::JoinPath(dir_, "tables"));
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables->empty());
}

TEST_F(EngineTest, MaintenanceAndVerifyRunOnAHealthyDirectory) {
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
  ASSERT_TRUE(engine->CreateTable({.database_name = "fleet", .table_name = "telemetry"}).ok());
  ASSERT_TRUE(engine->WriteRecords(OneRecord("telemetry", kNow / 1'000'000)).ok());
  clock_.Advance(7LL * 3600 * 1'000'000'000);  // Past the default 6-hour memory window.
  ASSERT_TRUE(engine->RunMaintenance().ok());
  absl::StatusOr<TableStats> stats = engine->GetTableStats("fleet", "telemetry");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->memory_points, 0);
  EXPECT_EQ(stats->magnetic_points, 1);
  absl::StatusOr<std::vector<std::string>> problems = engine->Verify();
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
}

TEST_F(EngineTest, KeyFiltersAreWrittenWhenAskedAndVersionChecksStillHold) {
  options_.magnetic_filter_bits_per_key = 10;
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
  CreateTableRequest create{.database_name = "fleet", .table_name = "telemetry"};
  create.magnetic_store_write_properties = MagneticStoreWriteProperties{true, {}};
  ASSERT_TRUE(engine->CreateTable(create).ok());
  const int64_t time_ms = kNow / 1'000'000;
  ASSERT_TRUE(engine->WriteRecords(OneRecord("telemetry", time_ms)).ok());
  clock_.Advance(7LL * 3600 * 1'000'000'000);
  ASSERT_TRUE(engine->RunMaintenance().ok());
  absl::StatusOr<TableStats> stats = engine->GetTableStats("fleet", "telemetry");
  ASSERT_TRUE(stats.ok());
  int64_t filter_bytes = 0;
  for (const auto& [kind, bytes] : stats->bytes_by_column_kind) {
    if (kind == "filter") filter_bytes = bytes;
  }
  EXPECT_GT(filter_bytes, 0);
  // The evicted point still blocks a different value at the same Version...
  WriteRecordsRequest conflicting = OneRecord("telemetry", time_ms);
  conflicting.records[0].measure_value = "2.5";
  absl::StatusOr<WriteRecordsResponse> rejected = engine->WriteRecords(conflicting);
  ASSERT_FALSE(rejected.ok());
  std::vector<RejectedRecord> list = RejectedRecordsOf(rejected.status());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].existing_version, 1);
  // ...and a higher Version replaces it.
  conflicting.records[0].version = 2;
  absl::StatusOr<WriteRecordsResponse> replaced = engine->WriteRecords(conflicting);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->records_ingested.magnetic_store, 1);
}

TEST_F(EngineTest, DamagedTableIsFencedOffAndTheOthersKeepWorking) {
  {
    std::unique_ptr<Engine> engine = OpenOrDie();
    ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
    for (const char* name : {"damaged", "healthy"}) {
      ASSERT_TRUE(engine->CreateTable({.database_name = "fleet", .table_name = name}).ok());
      ASSERT_TRUE(engine->WriteRecords(OneRecord(name, kNow / 1'000'000)).ok());
    }
    clock_.Advance(7LL * 3600 * 1'000'000'000);
    ASSERT_TRUE(engine->RunMaintenance().ok());  // Both tables now have a segment.
  }
  // Flip one byte in the middle of the first table's segment.
  std::string segment = file::JoinPath(dir_, "tables/1/magnetic/000001.seg");
  absl::StatusOr<std::string> bytes = file::ReadFile(*Env::Default(), segment);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  (*bytes)[bytes->size() / 2] ^= 0x5a;
  ASSERT_TRUE(file::WriteFileAtomically(*Env::Default(), segment, *bytes).ok());

  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_NE(engine, nullptr);
  bool logged = false;
  for (const std::string& line : log_) logged |= absl::StrContains(line, "fleet.damaged");
  EXPECT_TRUE(logged);
  absl::StatusOr<WriteRecordsResponse> write =
      engine->WriteRecords(OneRecord("damaged", clock_.NowNanos() / 1'000'000));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(KindOf(write.status()), ErrorKind::kInternalServer);
  EXPECT_TRUE(absl::StrContains(write.status().message(), "000001.seg")) << write.status();
  EXPECT_TRUE(engine->WriteRecords(OneRecord("healthy", clock_.NowNanos() / 1'000'000)).ok());
  absl::StatusOr<std::vector<std::string>> problems = engine->Verify();
  ASSERT_TRUE(problems.ok());
  ASSERT_EQ(problems->size(), 1u);
  EXPECT_TRUE(absl::StrContains((*problems)[0], "fleet.damaged")) << (*problems)[0];
  ASSERT_TRUE(engine->DeleteTable({"fleet", "damaged"}).ok());
  problems = engine->Verify();
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
  EXPECT_FALSE(Env::Default()->Exists(file::JoinPath(dir_, "tables/1")));
}

// An engine on the POSIX file system without memory mapping (for storage whose reads can
// fail: a mapped page's read error is a SIGBUS) writes its log with Write and reads its
// segments with Read: the same rows come back from both tiers, also after a reopen.
TEST_F(EngineTest, AnEngineWithoutMappingKeepsAndReadsBothTiers) {
  options_.env = Env::DefaultWithoutMapping();
  auto sum = [](Engine& engine) -> std::string {
    absl::StatusOr<QueryResponse> r = engine.Query(
        {.query_string = "SELECT count(*), sum(measure_value::double) FROM \"fleet\".\"tele\""});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->rows.size() != 1 || r->rows[0].data.size() != 2) return "?";
    return absl::StrCat(r->rows[0].data[0].scalar_value.value_or("null"), " ",
                        r->rows[0].data[1].scalar_value.value_or("null"));
  };
  {
    std::unique_ptr<Engine> engine = OpenOrDie();
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
    CreateTableRequest table{.database_name = "fleet", .table_name = "tele"};
    table.retention_properties = RetentionProperties{1, 30};  // 1 hour in memory.
    absl::StatusOr<CreateTableResponse> created = engine->CreateTable(table);
    ASSERT_TRUE(created.ok()) << created.status();
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(engine->WriteRecords(OneRecord("tele", kNow / 1'000'000 + i)).ok());
    }
    clock_.Advance(2LL * 3600 * 1'000'000'000);  // The 50 rows leave memory's hour.
    ASSERT_TRUE(engine->RunMaintenance().ok());
    absl::StatusOr<TableStats> stats = engine->GetTableStats("fleet", "tele");
    ASSERT_TRUE(stats.ok());
    ASSERT_EQ(stats->magnetic_points, 50);
    ASSERT_TRUE(engine->WriteRecords(OneRecord("tele", clock_.NowNanos() / 1'000'000)).ok());
    EXPECT_EQ(sum(*engine), "51 76.5");
    ASSERT_TRUE(engine->Close().ok());
  }
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(sum(*engine), "51 76.5");
}

TEST_F(EngineTest, BackgroundMaintenanceEvictsWithoutBeingAsked) {
  options_.background_maintenance = true;
  options_.maintenance_interval_millis = 10;
  std::unique_ptr<Engine> engine = OpenOrDie();
  ASSERT_TRUE(engine->CreateDatabase({.database_name = "fleet"}).ok());
  ASSERT_TRUE(engine->CreateTable({.database_name = "fleet", .table_name = "telemetry"}).ok());
  ASSERT_TRUE(engine->WriteRecords(OneRecord("telemetry", kNow / 1'000'000)).ok());
  clock_.Advance(7LL * 3600 * 1'000'000'000);
  // Wait (without timing assertions) until the background thread has moved the row.
  for (int i = 0; i < 3000; ++i) {
    absl::StatusOr<TableStats> stats = engine->GetTableStats("fleet", "telemetry");
    ASSERT_TRUE(stats.ok());
    if (stats->magnetic_points == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  absl::StatusOr<TableStats> stats = engine->GetTableStats("fleet", "telemetry");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->magnetic_points, 1);
  EXPECT_TRUE(engine->Close().ok());  // Stops the thread cleanly.
}

}  // namespace
}  // namespace tsw
