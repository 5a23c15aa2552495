// Every kind of change survives a reopen; compaction keeps the state; damaged files
// are detected and named, a torn log tail is cut, stray files are cleaned up.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "engine/catalog/catalog_format.h"
#include "tests/catalog/catalog_test_util.h"

namespace tsw::catalog::testing {
namespace {

class PersistenceTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    ASSERT_TRUE(Open().ok());
  }

  std::string SnapshotFile() const { return file::JoinPath(dir_, "catalog.snapshot"); }

  // The one log file in the directory.
  std::string LogFile() const {
    std::string found;
    auto names = file::ListDir(*Env::Default(), dir_);
    EXPECT_TRUE(names.ok());
    for (const std::string& name : *names) {
      if (absl::StartsWith(name, "catalog-") && absl::EndsWith(name, ".log")) {
        EXPECT_TRUE(found.empty()) << "two logs: " << found << " and " << name;
        found = file::JoinPath(dir_, name);
      }
    }
    EXPECT_FALSE(found.empty());
    return found;
  }

  static std::string Read(const std::string& path) {
    auto bytes = file::ReadFile(*Env::Default(), path);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : std::string();
  }
  static void Write(const std::string& path, const std::string& bytes) {
    ASSERT_TRUE(file::WriteFileAtomically(*Env::Default(), path, bytes).ok());
  }
  static void FlipByte(const std::string& path, size_t offset) {
    std::string bytes = Read(path);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] ^= 0x5A;
    Write(path, bytes);
  }

  // Makes one change of every kind, each at its own clock time.
  void MakeEveryKindOfChange() {
    auto tick = [this] { clock_.Advance(Seconds(1)); };
    TSW_ASSERT_OK(catalog().CreateDatabase(
        {.database_name = "fleet", .kms_key_id = "alias/k1", .tags = {{"a", "1"}}}));
    tick();
    TSW_ASSERT_OK(MakeDatabase("plain"));
    tick();
    TSW_ASSERT_OK(MakeDatabase("doomed"));
    tick();
    TSW_ASSERT_OK(catalog().UpdateDatabase({.database_name = "plain", .kms_key_id = "key-2"}));
    tick();
    TSW_ASSERT_OK(catalog().TagResource({.resource_arn = DbArn("plain"), .tags = {{"x", "y"}}}));
    TSW_ASSERT_OK(catalog().UntagResource({.resource_arn = DbArn("fleet"), .tag_keys = {"a"}}));
    TSW_ASSERT_OK(catalog().TagResource({.resource_arn = DbArn("fleet"), .tags = {{"b", ""}}}));
    tick();
    S3Configuration s3;
    s3.bucket_name = "bucket-1";
    s3.object_key_prefix = "pre";
    s3.encryption_option = S3EncryptionOption::kSseKms;
    s3.kms_key_id = "alias/s3";
    MagneticStoreWriteProperties m;
    m.enable_magnetic_store_writes = true;
    m.magnetic_store_rejected_data_location = MagneticStoreRejectedDataLocation{s3};
    TSW_ASSERT_OK(catalog().CreateTable({.database_name = "fleet",
                                         .table_name = "trucks",
                                         .retention_properties = RetentionProperties{12, 90},
                                         .tags = {{"t", "1"}},
                                         .magnetic_store_write_properties = m}));
    tick();
    TSW_ASSERT_OK(MakeTable("fleet", "cars"));
    tick();
    TSW_ASSERT_OK(MakeTable("fleet", "gone"));
    tick();
    TSW_ASSERT_OK(catalog().UpdateTable({.database_name = "fleet",
                                         .table_name = "cars",
                                         .retention_properties = RetentionProperties{1, 1}}));
    tick();
    S3Configuration s3b;
    s3b.bucket_name = "other";
    MagneticStoreWriteProperties m2;
    m2.magnetic_store_rejected_data_location = MagneticStoreRejectedDataLocation{s3b};
    TSW_ASSERT_OK(catalog().UpdateTable(
        {.database_name = "fleet", .table_name = "trucks", .magnetic_store_write_properties = m2}));
    TSW_ASSERT_OK(catalog().TagResource(
        {.resource_arn = TableArnOf("fleet", "cars"), .tags = {{"c", "3"}, {"d", "4"}}}));
    TSW_ASSERT_OK(
        catalog().UntagResource({.resource_arn = TableArnOf("fleet", "cars"), .tag_keys = {"c"}}));
    TSW_ASSERT_OK(catalog().DeleteTable({.database_name = "fleet", .table_name = "gone"}));
    TSW_ASSERT_OK(catalog().DeleteDatabase({.database_name = "doomed"}));
  }
};

TEST_F(PersistenceTest, EveryKindOfChangeSurvivesReopen) {
  MakeEveryKindOfChange();
  const std::string before = DumpCatalog(catalog());
  // Spot-check the dump covers what matters.
  EXPECT_TRUE(absl::StrContains(before, "kms=key-2")) << before;
  EXPECT_TRUE(absl::StrContains(before, "bucket=other")) << before;
  EXPECT_FALSE(absl::StrContains(before, "doomed")) << before;
  EXPECT_FALSE(absl::StrContains(before, "gone")) << before;
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(DumpCatalog(catalog()), before);
  ASSERT_TRUE(Open().ok());  // And again (reopen of a reopened catalog).
  EXPECT_EQ(DumpCatalog(catalog()), before);
}

TEST_F(PersistenceTest, NewTableIdsStayAboveDeletedOnesAfterReopen) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_ASSERT_OK(MakeTable("fleet", "tba"));
  TSW_ASSERT_OK(MakeTable("fleet", "tbb"));
  auto b = catalog().DeleteTable({.database_name = "fleet", .table_name = "tbb"});
  TSW_ASSERT_OK(b);
  ASSERT_TRUE(Open().ok());
  TSW_ASSERT_OK(MakeTable("fleet", "tbc"));
  EXPECT_GT(catalog().LookupTable("fleet", "tbc")->table_id, *b);
}

TEST_F(PersistenceTest, CompactionKeepsEveryChange) {
  tuning_.min_log_bytes_to_compact = 1;  // Compact whenever the log outgrows the snapshot.
  ASSERT_TRUE(Open().ok());
  MakeEveryKindOfChange();
  for (int i = 0; i < 30; ++i) {
    TSW_ASSERT_OK(catalog().TagResource(
        {.resource_arn = DbArn("plain"), .tags = {{"n", std::to_string(i)}}}));
  }
  const std::string before = DumpCatalog(catalog());
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(DumpCatalog(catalog()), before);
  // Compaction happened (the log is not the first one) and left exactly one log.
  EXPECT_FALSE(absl::EndsWith(LogFile(), "catalog-000001.log"));
  // Ids keep growing across compactions, even after the newest table was deleted.
  TSW_ASSERT_OK(MakeTable("fleet", "zz1"));
  uint64_t z1 = catalog().LookupTable("fleet", "zz1")->table_id;
  TSW_ASSERT_OK(catalog().DeleteTable({.database_name = "fleet", .table_name = "zz1"}));
  for (int i = 0; i < 10; ++i) {
    TSW_ASSERT_OK(catalog().TagResource(
        {.resource_arn = DbArn("plain"), .tags = {{"m", std::to_string(i)}}}));
  }
  ASSERT_TRUE(Open().ok());
  TSW_ASSERT_OK(MakeTable("fleet", "zz2"));
  EXPECT_GT(catalog().LookupTable("fleet", "zz2")->table_id, z1);
}

TEST_F(PersistenceTest, CorruptSnapshotIsReportedNamingTheFile) {
  tuning_.min_log_bytes_to_compact = 1;
  ASSERT_TRUE(Open().ok());
  MakeEveryKindOfChange();
  catalog_.reset();
  const std::string path = SnapshotFile();
  const std::string good = Read(path);
  ASSERT_GT(good.size(), 64u);

  auto expect_corrupt = [&](const std::string& bytes, const std::string& what) {
    Write(path, bytes);
    absl::Status s = Open();
    TSW_EXPECT_KIND(s, ErrorKind::kInternalServer);
    EXPECT_TRUE(absl::StrContains(s.message(), path)) << what << ": " << s;
  };
  std::string flipped = good;
  flipped[good.size() / 2] ^= 1;
  expect_corrupt(flipped, "flipped body byte");
  expect_corrupt(good.substr(0, good.size() - 1), "truncated by one byte");
  expect_corrupt(good.substr(0, 10), "truncated header");
  expect_corrupt("", "empty");
  std::string magic = good;
  magic[0] = 'X';
  expect_corrupt(magic, "bad magic");
  std::string version = good;
  version[8] = 99;
  expect_corrupt(version, "unknown version");
  expect_corrupt(good + "x", "trailing byte");

  // The good file opens again: the failures changed nothing on disk.
  Write(path, good);
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(catalog().DescribeTable({.database_name = "fleet", .table_name = "trucks"}));
}

TEST_F(PersistenceTest, CorruptRecordInsideTheLogIsReportedNamingTheFile) {
  MakeEveryKindOfChange();
  catalog_.reset();
  const std::string log = LogFile();
  // A byte inside the first record (just past the 32-byte header and 16-byte frame),
  // with many good records after it: corruption, not a torn tail.
  FlipByte(log, 32 + 16 + 3);
  absl::Status s = Open();
  TSW_EXPECT_KIND(s, ErrorKind::kInternalServer);
  EXPECT_TRUE(absl::StrContains(s.message(), log)) << s;
}

TEST_F(PersistenceTest, CorruptLogHeaderIsReported) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  catalog_.reset();
  const std::string log = LogFile();
  FlipByte(log, 17);  // Inside the log number.
  absl::Status s = Open();
  TSW_EXPECT_KIND(s, ErrorKind::kInternalServer);
  EXPECT_TRUE(absl::StrContains(s.message(), log)) << s;
}

TEST_F(PersistenceTest, MissingLogIsReported) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  catalog_.reset();
  const std::string log = LogFile();
  ASSERT_EQ(::unlink(log.c_str()), 0);
  absl::Status s = Open();
  TSW_EXPECT_KIND(s, ErrorKind::kInternalServer);
  EXPECT_TRUE(absl::StrContains(s.message(), log)) << s;
}

TEST_F(PersistenceTest, MissingSnapshotWithCommittedChangesIsNotAnEmptyCatalog) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  catalog_.reset();
  ASSERT_EQ(::unlink(SnapshotFile().c_str()), 0);
  absl::Status s = Open();
  TSW_EXPECT_KIND(s, ErrorKind::kInternalServer);
  EXPECT_TRUE(absl::StrContains(s.message(), SnapshotFile())) << s;
}

TEST_F(PersistenceTest, TornLastRecordIsCutAndOnlyThatChangeIsLost) {
  TSW_ASSERT_OK(MakeDatabase("kept"));
  TSW_ASSERT_OK(MakeDatabase("torn"));
  catalog_.reset();
  const std::string log = LogFile();
  std::string bytes = Read(log);
  Write(log, bytes.substr(0, bytes.size() - 5));
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "kept"}));
  TSW_EXPECT_KIND(catalog().DescribeDatabase({.database_name = "torn"}),
                  ErrorKind::kResourceNotFound);
  ASSERT_FALSE(log_.empty());
  EXPECT_TRUE(absl::StrContains(log_.back(), "torn tail")) << log_.back();
  // New changes append cleanly after the cut, and survive another reopen.
  TSW_ASSERT_OK(MakeDatabase("after"));
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "after"}));
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "kept"}));
}

TEST_F(PersistenceTest, TornTailShapesAreAllRecovered) {
  TSW_ASSERT_OK(MakeDatabase("kept"));
  catalog_.reset();
  const std::string log = LogFile();
  const std::string good = Read(log);
  LogRecord record;
  record.type = LogRecord::Type::kDeleteDatabase;
  record.database_name = "kept";
  const std::string whole = EncodeLogRecord(record);
  for (const std::string& tail :
       {std::string(7, '\x01'),  // A partial frame.
        std::string(300, '\0'),  // Zeros: the file grew, the data did not land.
        whole.substr(0, 20),     // A whole frame promising more than is there.
        whole.substr(0, whole.size() - 1)}) {
    Write(log, good + tail);
    TSW_ASSERT_OK(Open());
    TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "kept"}));
    catalog_.reset();
    EXPECT_EQ(Read(log), good) << "the torn tail was not cut";
  }
}

TEST_F(PersistenceTest, LastRecordWithBadChecksumIsATornTail) {
  TSW_ASSERT_OK(MakeDatabase("kept"));
  TSW_ASSERT_OK(MakeDatabase("torn"));
  catalog_.reset();
  const std::string log = LogFile();
  FlipByte(log, Read(log).size() - 2);
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "kept"}));
  TSW_EXPECT_KIND(catalog().DescribeDatabase({.database_name = "torn"}),
                  ErrorKind::kResourceNotFound);
}

TEST_F(PersistenceTest, StrayFilesFromInterruptedWritesAreRemoved) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  catalog_.reset();
  const std::string current = LogFile();
  // A compaction that stopped after creating its new log, and a half-written temporary.
  Write(file::JoinPath(dir_, "catalog-000009.log"), EncodeLogHeader(9));
  Write(file::JoinPath(dir_, "catalog.snapshot.tmp"), "half");
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "fleet"}));
  EXPECT_EQ(LogFile(), current);
  EXPECT_FALSE(Env::Default()->Exists(file::JoinPath(dir_, "catalog.snapshot.tmp")));
}

TEST_F(PersistenceTest, OldLogLeftByACompactionIsIgnoredAndRemoved) {
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_ASSERT_OK(MakeDatabase("doomed"));
  const std::string old_log = LogFile();
  const std::string old_bytes = Read(old_log);
  // Compact (the snapshot now names a newer log), then delete: the old log still holds
  // the create of "doomed", which must not come back.
  tuning_.min_log_bytes_to_compact = 1;
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(MakeDatabase("third"));
  ASSERT_NE(LogFile(), old_log);
  TSW_ASSERT_OK(catalog().DeleteDatabase({.database_name = "doomed"}));
  const std::string before = DumpCatalog(catalog());
  catalog_.reset();
  // A crash between the new snapshot's rename and the old log's removal.
  Write(old_log, old_bytes);
  TSW_ASSERT_OK(Open());
  EXPECT_EQ(DumpCatalog(catalog()), before);
  EXPECT_FALSE(Env::Default()->Exists(old_log));
}

TEST_F(PersistenceTest, CreationInterruptedBeforeTheSnapshotStartsEmpty) {
  catalog_.reset();
  ASSERT_TRUE(file::RemoveTree(*Env::Default(), dir_).ok());
  ASSERT_TRUE(file::CreateDirs(*Env::Default(), dir_).ok());
  Write(file::JoinPath(dir_, "catalog-000001.log"), EncodeLogHeader(1));
  TSW_ASSERT_OK(Open());
  EXPECT_TRUE(catalog().ListDatabases({})->databases.empty());
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "fleet"}));
}

TEST_F(PersistenceTest, OpenCreatesAMissingDirectory) {
  catalog_.reset();
  dir_ = file::JoinPath(dir_, "deeper/still");
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(MakeDatabase("fleet"));
  TSW_ASSERT_OK(Open());
  TSW_ASSERT_OK(catalog().DescribeDatabase({.database_name = "fleet"}));
}

}  // namespace
}  // namespace tsw::catalog::testing
