// A table whose write-ahead log lost files it had synced (a log file's directory entry
// that never reached the disk, a file deleted by hand) fails to open with an
// InternalServerException naming the log, rather than opening on segments and a schema
// that describe batches the log no longer holds.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "gtest/gtest.h"
#include "tests/table/tier_test_util.h"
#include "tsw/env.h"
#include "tsw/status.h"

namespace tsw::testing {
namespace {

class DamagedLogTest : public TierFixture {
 protected:
  static constexpr int64_t kMillis = kNowMillis - 30 * 60 * 1000;

  std::string WalDir() const { return file::JoinPath(dir_, "wal"); }

  // Closes the store and deletes log file `name` for good.
  void RemoveLogFile(const std::string& name) {
    store_.reset();
    Env* env = Env::Default();
    ASSERT_TRUE(env->RemoveFile(file::JoinPath(WalDir(), name)).ok()) << name;
    ASSERT_TRUE(env->SyncDir(WalDir()).ok());
  }
  // Closes the store and deletes every log file.
  void RemoveAllLogFiles() {
    store_.reset();
    absl::StatusOr<std::vector<std::string>> names = Env::Default()->ListDir(WalDir());
    ASSERT_TRUE(names.ok()) << names.status();
    for (const std::string& name : *names) RemoveLogFile(name);
  }

  absl::StatusOr<std::unique_ptr<table::TableStore>> Open(int64_t wal_file_bytes = 64 << 20) {
    table::TableStoreOptions o;
    o.options = &options_;
    o.clock = &clock_;
    o.report = [this](absl::string_view line) { log_lines_.emplace_back(line); };
    o.wal_max_file_bytes = wal_file_bytes;
    return table::TableStore::Open(dir_, o);
  }

  // Open fails with InternalServerException naming the log directory and saying `what`,
  // every time it is tried.
  void ExpectOpenFails(absl::string_view what, int64_t wal_file_bytes = 64 << 20) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      absl::StatusOr<std::unique_ptr<table::TableStore>> opened = Open(wal_file_bytes);
      ASSERT_FALSE(opened.ok()) << "attempt " << attempt;
      EXPECT_EQ(KindOf(opened.status()), ErrorKind::kInternalServer) << opened.status();
      EXPECT_TRUE(absl::StrContains(opened.status().message(), WalDir())) << opened.status();
      EXPECT_TRUE(absl::StrContains(opened.status().message(), what)) << opened.status();
    }
  }

  // Two rows, evicted to a segment (the eviction covers batches 1 and 2).
  void WriteAndEvict() {
    ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", "1.5", kMillis, std::nullopt, 2)).ok());
    ASSERT_TRUE(
        WriteOne(MultiRec({Dim("host", "a")}, "mm", {Attr("load", "0.25")}, kMillis, 1)).ok());
    clock_.Advance(2 * kHour);
    ASSERT_TRUE(Maintain().ok());
    ASSERT_EQ(Stats().memory_points, 0);
    ASSERT_EQ(Stats().magnetic_points, 2);
  }
};

// What a power cut does to a log whose new file's name was never made durable: the
// directory comes back without it. Opening on the segments alone once let the next
// write (a lower Version of an evicted row, then a new row) crash the applier.
TEST_F(DamagedLogTest, LogThatLostTheBatchesASegmentHoldsFailsOpen) {
  WriteAndEvict();
  RemoveAllLogFiles();
  ExpectOpenFails("ends at sequence 0, but the magnetic store");
}

TEST_F(DamagedLogTest, LogThatLostBatchesAfterTheEvictionFailsOpen) {
  WriteAndEvict();
  ReopenWithWalFileBytes(100);  // One batch per file from here on.
  clock_.Advance(kMinute);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        WriteOne(Rec({Dim("host", "b")}, "cpu", absl::StrCat(i), kNowMillis + 2 * 3600000 + i))
            .ok());
  }
  // Without the files up to and including the first batch after the eviction's, the
  // log begins past where the eviction's trim could have cut it.
  absl::StatusOr<std::vector<std::string>> names = Env::Default()->ListDir(WalDir());
  ASSERT_TRUE(names.ok());
  std::vector<std::string> logs;
  for (const std::string& n : *names) {
    if (absl::EndsWith(n, ".log")) logs.push_back(n);
  }
  std::sort(logs.begin(), logs.end());
  ASSERT_GE(logs.size(), 3u);
  for (size_t i = 0; i + 2 < logs.size(); ++i) RemoveLogFile(logs[i]);
  ExpectOpenFails("begins at sequence", 100);
}

TEST_F(DamagedLogTest, LogThatLostItsFirstFileBeforeAnyEvictionFailsOpen) {
  ReopenWithWalFileBytes(100);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", absl::StrCat(i), kNowMillis + i)).ok());
  }
  RemoveLogFile("000001.log");
  ExpectOpenFails("begins at sequence 2, but only batches through sequence 0 (none");
}

TEST_F(DamagedLogTest, LogThatLostAMiddleFileFailsOpen) {
  ReopenWithWalFileBytes(100);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(WriteOne(Rec({Dim("host", "a")}, "cpu", absl::StrCat(i), kNowMillis + i)).ok());
  }
  RemoveLogFile("000002.log");
  ExpectOpenFails("batches are missing", 100);
}

TEST_F(DamagedLogTest, IntactLogWithSegmentsOpensAndTakesWrites) {
  WriteAndEvict();
  ReopenStore();
  const absl::StatusOr<WriteRecordsResponse> r =
      Write({Rec({Dim("host", "a")}, "cpu", "9.5", kMillis, std::nullopt, 1),
             Rec({Dim("host", "b")}, "cpu", "2.5", kNowMillis + 2 * 3600000, std::nullopt, 1)});
  EXPECT_EQ(KindOf(r.status()), ErrorKind::kRejectedRecords) << r.status();
  EXPECT_EQ(Stats().magnetic_points + Stats().memory_points, 3);
}

}  // namespace
}  // namespace tsw::testing
