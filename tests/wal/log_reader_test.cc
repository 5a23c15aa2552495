// wal::LogReader: every durable batch, in order, across files and in both read modes; its
// read-ahead never serves a batch from bytes read before that batch was durable; a
// damaged payload fails its checksum however it was read.
#include "engine/wal/log_reader.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/wal/log.h"
#include "gtest/gtest.h"
#include "tests/wal/wal_test_util.h"
#include "tsw/env.h"

namespace tsw::wal {
namespace {

using testing::FlipByte;
using testing::LogFileNames;
using testing::NewTestDir;
using testing::OpenRecording;
using testing::PayloadFor;
using testing::Replayed;
using testing::SizeFor;
using testing::TestOptions;
using testing::TruncateFile;

// Batch i's payload: sizes from empty to a few KiB, and one far over the read-ahead.
std::string Payload(uint64_t i) {
  const size_t size = i == 37 ? LogReader::kReadAheadMax + 12345 : SizeFor(i, 3000);
  return PayloadFor(i, size);
}

TEST(LogReaderTest, ReadsEveryDurableBatchAcrossFilesInBothModes) {
  const std::string dir = NewTestDir("every");
  std::vector<std::string> reports;
  constexpr uint64_t kBatches = 400;
  {
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports, 64 << 10), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t i = 1; i <= kBatches; ++i) {
      absl::StatusOr<uint64_t> seq = (*log)->Append(Payload(i));
      ASSERT_TRUE(seq.ok()) << seq.status();
      ASSERT_EQ(*seq, i);
    }
    ASSERT_GT(LogFileNames(dir).size(), 3u);  // Batches in many files.
    ASSERT_EQ((*log)->DurableSequence(), kBatches);
    // Read while the log is open: the active file ends in its prefilled zeros.
    for (LogReader::ReadMode mode :
         {LogReader::ReadMode::kWhole, LogReader::ReadMode::kRecordCount}) {
      LogReader reader(*Env::Default(), dir);
      uint64_t first_held = 0;
      ASSERT_TRUE(reader.Seek(1, {}, &first_held).ok());
      LogBatch batch;
      for (uint64_t i = 1; i <= kBatches; ++i) {
        absl::StatusOr<bool> got = reader.Next(kBatches, mode, &batch);
        ASSERT_TRUE(got.ok()) << got.status();
        ASSERT_TRUE(*got) << i;
        EXPECT_EQ(batch.sequence, i);
        const std::string want = Payload(i);
        if (mode == LogReader::ReadMode::kWhole) {
          ASSERT_EQ(batch.payload, want) << i;
        } else {
          ASSERT_EQ(batch.payload, want.substr(0, LogReader::kPayloadHeaderBytes)) << i;
        }
      }
      absl::StatusOr<bool> end = reader.Next(kBatches, mode, &batch);
      ASSERT_TRUE(end.ok()) << end.status();
      EXPECT_FALSE(*end);
    }
  }
}

// Opens a log in `dir` (1 MiB files) and appends batches 1-3 of 100 bytes each.
void OpenWithThreeBatches(const std::string& dir, std::vector<std::string>* reports,
                          Replayed* replayed, std::unique_ptr<Log>* log) {
  absl::StatusOr<std::unique_ptr<Log>> opened =
      OpenRecording(dir, TestOptions(reports, 1 << 20), replayed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  *log = *std::move(opened);
  for (uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE((*log)->Append(PayloadFor(i, 100)).ok());
}

TEST(LogReaderTest, ABatchMadeDurableAfterTheReadAheadIsReadAgainFromTheFile) {
  const std::string dir = NewTestDir("later");
  std::vector<std::string> reports;
  Replayed replayed;
  std::unique_ptr<Log> log;
  ASSERT_NO_FATAL_FAILURE(OpenWithThreeBatches(dir, &reports, &replayed, &log));
  LogReader reader(*Env::Default(), dir);
  uint64_t first_held = 0;
  ASSERT_TRUE(reader.Seek(1, {}, &first_held).ok());
  LogBatch batch;
  // The first read fetches batches 1-3 and the file's zeros after them.
  absl::StatusOr<bool> got = reader.Next(3, LogReader::ReadMode::kWhole, &batch);
  ASSERT_TRUE(got.ok() && *got) << got.status();
  EXPECT_EQ(batch.payload, PayloadFor(1, 100));
  // Batch 4 is written where the reader's buffer holds zeros.
  ASSERT_TRUE(log->Append(PayloadFor(4, 100)).ok());
  ASSERT_EQ(log->DurableSequence(), 4u);
  for (uint64_t i = 2; i <= 4; ++i) {
    got = reader.Next(4, LogReader::ReadMode::kWhole, &batch);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(*got) << i;
    EXPECT_EQ(batch.sequence, i);
    EXPECT_EQ(batch.payload, PayloadFor(i, 100)) << i;
  }
  got = reader.Next(4, LogReader::ReadMode::kWhole, &batch);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(*got);
}

TEST(LogReaderTest, ADamagedPayloadFailsItsChecksumAfterAnEarlierReadAhead) {
  const std::string dir = NewTestDir("damaged");
  std::vector<std::string> reports;
  Replayed replayed;
  std::unique_ptr<Log> log;
  ASSERT_NO_FATAL_FAILURE(OpenWithThreeBatches(dir, &reports, &replayed, &log));
  LogReader reader(*Env::Default(), dir);
  uint64_t first_held = 0;
  ASSERT_TRUE(reader.Seek(2, {}, &first_held).ok());
  const LogPosition second = reader.position();
  // Batch 3's payload damaged on disk before the reader first reads.
  const std::vector<std::string> files = LogFileNames(dir);
  ASSERT_EQ(files.size(), 1u);
  FlipByte(file::JoinPath(dir, files[0]), second.offset + (20 + 100) + 20 + 50);
  LogBatch batch;
  absl::StatusOr<bool> got = reader.Next(3, LogReader::ReadMode::kWhole, &batch);
  ASSERT_TRUE(got.ok() && *got) << got.status();
  EXPECT_EQ(batch.payload, PayloadFor(2, 100));
  got = reader.Next(3, LogReader::ReadMode::kWhole, &batch);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("fails its checksum"), std::string::npos) << got.status();
}

TEST(LogReaderTest, AFrameCutShortAfterItsHeaderWasReadIsAnErrorNotAReadPastTheBuffer) {
  const std::string dir = NewTestDir("cut");
  std::vector<std::string> reports;
  const size_t big = 4 * LogReader::kReadAheadMin;  // Only its header is in the first read.
  {
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports, 1 << 20), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append(PayloadFor(1, 100)).ok());
    ASSERT_TRUE((*log)->Append(PayloadFor(2, big)).ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  LogReader reader(*Env::Default(), dir);
  uint64_t first_held = 0;
  ASSERT_TRUE(reader.Seek(1, {}, &first_held).ok());
  LogBatch batch;
  absl::StatusOr<bool> got = reader.Next(2, LogReader::ReadMode::kWhole, &batch);
  ASSERT_TRUE(got.ok() && *got) << got.status();
  // Cut (by damage, not by the log) into batch 2's header: the reader holds the header
  // from its first read; the second, for the payload, finds less than the header.
  const std::vector<std::string> files = LogFileNames(dir);
  ASSERT_EQ(files.size(), 1u);
  TruncateFile(file::JoinPath(dir, files[0]), reader.position().offset + 10);
  got = reader.Next(2, LogReader::ReadMode::kWhole, &batch);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("is cut short"), std::string::npos) << got.status();
}

}  // namespace
}  // namespace tsw::wal
