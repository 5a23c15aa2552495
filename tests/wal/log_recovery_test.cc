// Open after damage: torn tails and torn headers in the last file are cut and reported;
// damage anywhere else fails Open, naming the file and offset.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/wal/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/wal/wal_test_util.h"
#include "tsw/status.h"
#include "xxhash.h"

namespace tsw::wal {
namespace {

using ::testing::ElementsAre;
using testing::FileSize;
using testing::FlipByte;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LogFileNames;
using testing::NewTestDir;
using testing::OpenRecording;
using testing::PayloadFor;
using testing::ReadBytes;
using testing::Replayed;
using testing::TestOptions;
using testing::TruncateFile;
using testing::WriteBytes;

constexpr int64_t kHeaderBytes = 24;       // File header (FORMAT.md).
constexpr int64_t kFrameHeaderBytes = 20;  // Frame header (FORMAT.md).

// Writes batches 1..count (payload PayloadFor(i, size)) to a new log in `dir` and returns
// the size of the last file after each batch (ends[i] is the end of batch i; ends[0] the
// end of the header).
std::vector<int64_t> WriteBatches(const std::string& dir, int count, size_t size,
                                  int64_t max_file_bytes = 1 << 20) {
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, max_file_bytes), &replayed);
  EXPECT_TRUE(log.ok()) << log.status();
  std::vector<int64_t> ends;
  if (!log.ok()) return ends;
  ends.push_back(FileSize(file::JoinPath(dir, LogFileNames(dir).back())));
  // Frame ends, computed: while the log is open its file also holds preallocated zeros.
  size_t files = LogFileNames(dir).size();
  for (int i = 1; i <= count; ++i) {
    const std::string payload = PayloadFor(i, size);
    EXPECT_TRUE((*log)->Append(payload).ok());
    const int64_t frame = kFrameHeaderBytes + static_cast<int64_t>(payload.size());
    const bool rotated = LogFileNames(dir).size() != files;
    files = LogFileNames(dir).size();
    ends.push_back((rotated ? kHeaderBytes : ends.back()) + frame);
  }
  EXPECT_TRUE((*log)->Close().ok());
  // Close cut the zeros: the file ends with its last frame.
  EXPECT_EQ(FileSize(file::JoinPath(dir, LogFileNames(dir).back())), ends.back());
  return ends;
}

// Opens `dir` expecting success and batches 1..count with the WriteBatches payloads.
void ExpectBatches(const std::string& dir, int count, size_t size,
                   std::vector<std::string>* reports, int64_t max_file_bytes = 1 << 20) {
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(reports, max_file_bytes), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(replayed.sequences.size(), static_cast<size_t>(count));
  for (int i = 1; i <= count; ++i) {
    ASSERT_EQ(replayed.sequences[i - 1], static_cast<uint64_t>(i));
    ASSERT_EQ(replayed.payloads[i - 1], PayloadFor(i, size)) << "batch " << i;
  }
  EXPECT_EQ((*log)->NextSequence(), static_cast<uint64_t>(count + 1));
}

TEST(LogRecoveryTest, CutsATornLastBatchAtEveryLengthAndKeepsTheEarlierOnes) {
  const std::string golden = NewTestDir("torn_golden");
  const std::vector<int64_t> ends = WriteBatches(golden, 5, 100);
  ASSERT_EQ(ends.size(), 6u);
  const std::string bytes = ReadBytes(file::JoinPath(golden, "000001.log"));
  ASSERT_EQ(static_cast<int64_t>(bytes.size()), ends[5]);

  for (int64_t length = ends[4]; length < ends[5]; ++length) {
    SCOPED_TRACE(absl::StrCat("file cut to ", length, " bytes"));
    const std::string dir = NewTestDir("torn");
    const std::string path = file::JoinPath(dir, "000001.log");
    WriteBytes(path, absl::string_view(bytes).substr(0, length));
    std::vector<std::string> reports;
    ExpectBatches(dir, 4, 100, &reports);
    if (length == ends[4]) {
      EXPECT_THAT(reports, IsEmpty());  // A clean end: nothing to cut.
    } else {
      ASSERT_EQ(reports.size(), 1u);
      EXPECT_THAT(reports[0], HasSubstr(path));
      EXPECT_THAT(reports[0], HasSubstr(absl::StrCat("at offset ", ends[4])));
      EXPECT_THAT(reports[0], HasSubstr(absl::StrCat("removed ", length - ends[4], " bytes")));
    }
    EXPECT_EQ(FileSize(path), ends[4]);

    // The log goes on after the cut, and the next Open finds nothing to cut.
    {
      Replayed replayed;
      auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
      ASSERT_TRUE(log.ok()) << log.status();
      ASSERT_EQ(*(*log)->Append(PayloadFor(5, 100)), 5u);
    }
    reports.clear();
    ExpectBatches(dir, 5, 100, &reports);
    EXPECT_THAT(reports, IsEmpty());
  }
}

TEST(LogRecoveryTest, CutsTheLastBatchWhateverByteOfItIsFlipped) {
  const std::string golden = NewTestDir("flip_golden");
  const std::vector<int64_t> ends = WriteBatches(golden, 5, 60);
  const std::string bytes = ReadBytes(file::JoinPath(golden, "000001.log"));
  for (int64_t offset = ends[4]; offset < ends[5]; ++offset) {
    SCOPED_TRACE(absl::StrCat("byte ", offset, " flipped"));
    const std::string dir = NewTestDir("flip_last");
    const std::string path = file::JoinPath(dir, "000001.log");
    WriteBytes(path, bytes);
    FlipByte(path, offset);
    std::vector<std::string> reports;
    ExpectBatches(dir, 4, 60, &reports);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_THAT(reports[0], HasSubstr(absl::StrCat("at offset ", ends[4])));
    EXPECT_EQ(FileSize(path), ends[4]);
  }
}

TEST(LogRecoveryTest, TakesZerosAfterTheLastBatchAsThePreallocatedTail) {
  // The appender extends the active file with zeros ahead of its frames; a crash leaves
  // them (so may a file system that extends a file before its data lands).
  const std::string dir = NewTestDir("zeros");
  const std::vector<int64_t> ends = WriteBatches(dir, 3, 80);
  const std::string path = file::JoinPath(dir, "000001.log");
  WriteBytes(path, ReadBytes(path) + std::string(4096, '\0'));
  std::vector<std::string> reports;
  ExpectBatches(dir, 3, 80, &reports);
  EXPECT_THAT(reports, IsEmpty());
  {
    // Appending goes on over the zeros; Close leaves the file ending with its last frame.
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_EQ(*(*log)->Append(PayloadFor(4, 80)), 4u);
    ASSERT_TRUE((*log)->Close().ok());
  }
  EXPECT_EQ(FileSize(path), ends[3] + (ends[3] - ends[2]));
  ExpectBatches(dir, 4, 80, &reports);
  EXPECT_THAT(reports, IsEmpty());
}

TEST(LogRecoveryTest, CutsATornBatchInsideThePreallocatedTail) {
  // Frame bytes that are not all zeros after the last whole batch are a torn write even
  // when zeros follow them.
  const std::string dir = NewTestDir("torn_in_zeros");
  const std::vector<int64_t> ends = WriteBatches(dir, 3, 80);
  const std::string path = file::JoinPath(dir, "000001.log");
  const std::string bytes = ReadBytes(path);
  WriteBytes(path, bytes + bytes.substr(ends[2], 30) + std::string(4096, '\0'));
  std::vector<std::string> reports;
  ExpectBatches(dir, 3, 80, &reports);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THAT(reports[0], HasSubstr(absl::StrCat("at offset ", ends[3])));
  EXPECT_THAT(reports[0], HasSubstr("removed 4126 bytes"));
  EXPECT_EQ(FileSize(path), ends[3]);
}

// A log of batches 1..24 of 200 bytes in 1024-byte files: six files of four batches.
std::vector<std::string> WriteSixFiles(const std::string& dir) {
  WriteBatches(dir, 24, 200, 1024);
  std::vector<std::string> names = LogFileNames(dir);
  EXPECT_EQ(names.size(), 6u);
  return names;
}

TEST(LogRecoveryTest, FailsOpenOnAFlippedByteInAFileThatLaterFilesFollow) {
  const std::string golden = NewTestDir("earlier_golden");
  const std::vector<std::string> names = WriteSixFiles(golden);
  ASSERT_EQ(names.size(), 6u);
  // In file 2: its header, the first frame's length, sequence, checksum and payload, and
  // the last frame's payload.
  const int64_t frame = 220;
  const std::vector<int64_t> offsets = {0,
                                        8,
                                        16,
                                        kHeaderBytes,
                                        kHeaderBytes + 5,
                                        kHeaderBytes + 13,
                                        kHeaderBytes + 100,
                                        kHeaderBytes + 3 * frame + 150};
  for (int64_t offset : offsets) {
    SCOPED_TRACE(absl::StrCat("byte ", offset, " of ", names[1], " flipped"));
    const std::string dir = NewTestDir("earlier");
    for (const std::string& name : names) {
      WriteBytes(file::JoinPath(dir, name), ReadBytes(file::JoinPath(golden, name)));
    }
    const std::string path = file::JoinPath(dir, names[1]);
    FlipByte(path, offset);
    std::vector<std::string> reports;
    Replayed replayed;
    auto log = OpenRecording(dir, TestOptions(&reports, 1024), &replayed);
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(KindOf(log.status()), ErrorKind::kInternalServer);
    EXPECT_THAT(log.status().message(), HasSubstr(path));
    const int64_t damaged_at =
        offset < kHeaderBytes ? 0 : kHeaderBytes + (offset - kHeaderBytes) / frame * frame;
    EXPECT_THAT(log.status().message(), HasSubstr(absl::StrCat("offset ", damaged_at)));
    EXPECT_THAT(log.status().message(), HasSubstr("lost"));
    // Nothing was cut or rewritten.
    EXPECT_EQ(FileSize(path), FileSize(file::JoinPath(golden, names[1])));
    EXPECT_THAT(reports, IsEmpty());
  }
}

TEST(LogRecoveryTest, FailsOpenOnATruncatedFileThatLaterFilesFollow) {
  const std::string dir = NewTestDir("earlier_torn");
  const std::vector<std::string> names = WriteSixFiles(dir);
  ASSERT_EQ(names.size(), 6u);
  const std::string path = file::JoinPath(dir, names[3]);
  TruncateFile(path, FileSize(path) - 7);
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, 1024), &replayed);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(KindOf(log.status()), ErrorKind::kInternalServer);
  EXPECT_THAT(log.status().message(), HasSubstr(path));
}

TEST(LogRecoveryTest, FailsOpenWhenAFileIsMissingFromTheMiddle) {
  const std::string dir = NewTestDir("gap");
  const std::vector<std::string> names = WriteSixFiles(dir);
  ASSERT_EQ(names.size(), 6u);
  ASSERT_TRUE(file::RemoveFile(*Env::Default(), file::JoinPath(dir, names[2])).ok());
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports, 1024), &replayed);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(KindOf(log.status()), ErrorKind::kInternalServer);
  EXPECT_THAT(log.status().message(), HasSubstr(names[3]));
  EXPECT_THAT(log.status().message(), HasSubstr("missing"));
}

TEST(LogRecoveryTest, RewritesATornHeaderOfTheNewestFile) {
  // A crash just after a rotation created the newest file can leave it short or empty.
  const std::string golden = NewTestDir("torn_header_golden");
  WriteBatches(golden, 4, 200, 1024);  // Exactly fills 000001.log.
  {
    std::vector<std::string> reports;
    Replayed replayed;
    auto log = OpenRecording(golden, TestOptions(&reports, 1024), &replayed);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append(PayloadFor(5, 200)).ok());  // Rotates into 000002.log.
  }
  ASSERT_THAT(LogFileNames(golden), ElementsAre("000001.log", "000002.log"));
  const std::string first = ReadBytes(file::JoinPath(golden, "000001.log"));
  const std::string second = ReadBytes(file::JoinPath(golden, "000002.log"));
  for (int64_t length = 0; length <= kHeaderBytes; ++length) {
    SCOPED_TRACE(absl::StrCat("000002.log cut to ", length, " bytes"));
    const std::string dir = NewTestDir("torn_header");
    WriteBytes(file::JoinPath(dir, "000001.log"), first);
    WriteBytes(file::JoinPath(dir, "000002.log"), absl::string_view(second).substr(0, length));
    std::vector<std::string> reports;
    ExpectBatches(dir, 4, 200, &reports, 1024);
    if (length == kHeaderBytes) {
      EXPECT_THAT(reports, IsEmpty());
    } else {
      ASSERT_EQ(reports.size(), 1u);
      EXPECT_THAT(reports[0], HasSubstr("000002.log at offset 0"));
      EXPECT_THAT(reports[0], HasSubstr(absl::StrCat("removed ", length, " bytes")));
    }
    EXPECT_EQ(FileSize(file::JoinPath(dir, "000002.log")), kHeaderBytes);
    {
      Replayed replayed;
      auto log = OpenRecording(dir, TestOptions(&reports, 1024), &replayed);
      ASSERT_TRUE(log.ok()) << log.status();
      ASSERT_EQ(*(*log)->Append(PayloadFor(5, 200)), 5u);
    }
    ExpectBatches(dir, 5, 200, &reports, 1024);
  }
}

TEST(LogRecoveryTest, OpensALogWhoseOnlyFileIsEmpty) {
  const std::string dir = NewTestDir("only_empty");
  WriteBytes(file::JoinPath(dir, "000001.log"), "");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(replayed.sequences, IsEmpty());
  EXPECT_EQ((*log)->NextSequence(), 1u);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THAT(reports[0], HasSubstr("000001.log at offset 0: removed 0 bytes"));
  ASSERT_EQ(*(*log)->Append("first"), 1u);
}

TEST(LogRecoveryTest, FailsOpenWhenTheOnlyFileHasADamagedHeaderAndNoKnownStart) {
  // 000007.log alone (earlier files trimmed): nothing says which sequence it starts at.
  const std::string dir = NewTestDir("only_torn_later");
  WriteBytes(file::JoinPath(dir, "000007.log"), "TSWL");
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(KindOf(log.status()), ErrorKind::kInternalServer);
  EXPECT_THAT(log.status().message(), HasSubstr("000007.log"));
}

TEST(LogRecoveryTest, FailsOpenOnADamagedHeaderWithBatchesBehindIt) {
  const std::string dir = NewTestDir("header_damage");
  WriteBatches(dir, 3, 50);
  const std::string path = file::JoinPath(dir, "000001.log");
  FlipByte(path, 10);  // In the first sequence.
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(KindOf(log.status()), ErrorKind::kInternalServer);
  EXPECT_THAT(log.status().message(), HasSubstr(absl::StrCat(path, " is damaged at offset 0")));
  EXPECT_THAT(replayed.sequences, IsEmpty());
}

TEST(LogRecoveryTest, FailsOpenOnAFormatVersionItDoesNotRead) {
  const std::string dir = NewTestDir("version");
  WriteBatches(dir, 2, 50);
  const std::string path = file::JoinPath(dir, "000001.log");
  std::string bytes = ReadBytes(path);
  bytes[4] = 3;  // Version 3, with a checksum that matches: a real file of another version.
  const uint64_t checksum = XXH3_64bits(bytes.data(), 16);
  for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<char>(checksum >> (8 * i));
  WriteBytes(path, bytes);
  std::vector<std::string> reports;
  Replayed replayed;
  auto log = OpenRecording(dir, TestOptions(&reports), &replayed);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr("version 3"));
  EXPECT_EQ(FileSize(path), static_cast<int64_t>(bytes.size()));  // Left untouched.
}

}  // namespace
}  // namespace tsw::wal
