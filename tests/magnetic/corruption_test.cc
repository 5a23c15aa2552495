// Corrupting any single byte of a segment file or the manifest is detected: Open, Scan,
// Lookup or Verify reports an InternalServerException naming the file; no call crashes or
// returns a row that was not stored.
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/magnetic/magnetic_store.h"
#include "gtest/gtest.h"
#include "tests/magnetic/magnetic_test_util.h"
#include "tsw/status.h"

namespace tsw::magnetic {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/corruption_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    options_.max_rows_per_block = 6;
    options_.filter_bits_per_key = 10;  // Filter bytes are damaged too.
    auto store = MagneticStore::Open(dir_, options_);
    ASSERT_TRUE(store.ok()) << store.status();
    std::mt19937_64 rng(11);
    // A small segment holding every type, several blocks per stream, and columns large
    // enough to be Zstd-compressed (the 200-byte strings).
    std::vector<RowBatch> batches =
        testing::RandomBatches(rng, {.batches = 8, .max_rows = 14, .time_slots = 40});
    ASSERT_TRUE((*store)->AddSegment(batches, "note").ok());
    model_.Add(batches);
    std::vector<std::string> rows = model_.Rows();
    rows_.insert(rows.begin(), rows.end());
    segment_path_ = dir_ + "/000001.seg";
    ASSERT_TRUE(std::filesystem::exists(segment_path_));
    for (const RowBatch& b : batches) {
      keys_.push_back({b.dimensions, b.measure_name, b.time_nanos.back()});
    }
  }

  // Opens the store, scans, looks up and verifies; expects an error naming `file` from at
  // least one of them and never a row outside the model.
  void ExpectDetected(const std::string& file, const std::string& what) {
    SCOPED_TRACE(what);
    absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(dir_, options_);
    if (!store.ok()) {
      EXPECT_EQ(KindOf(store.status()), ErrorKind::kInternalServer);
      EXPECT_TRUE(absl::StrContains(store.status().message(), file)) << store.status();
      ++detected_by_open_;
      return;
    }
    // A damaged block is met by a full scan (every block is read).
    std::vector<std::string> delivered;
    absl::Status scan = (*store)->Scan({}, [&](const RowBatch& b) {
      for (size_t i = 0; i < b.time_nanos.size(); ++i) {
        delivered.push_back(testing::RowString(b, i));
      }
      return true;
    });
    for (const std::string& row : delivered) {
      EXPECT_TRUE(rows_.contains(row)) << "wrong row " << row;
    }
    EXPECT_FALSE(scan.ok()) << "a full scan missed the damage";
    if (!scan.ok()) {
      EXPECT_EQ(KindOf(scan), ErrorKind::kInternalServer);
      EXPECT_TRUE(absl::StrContains(scan.message(), file)) << scan;
    }
    for (const LookupKey& key : keys_) {
      absl::StatusOr<std::optional<RowBatch>> row = (*store)->Lookup(key);
      if (row.ok()) {
        ASSERT_TRUE(row->has_value());
        EXPECT_EQ(testing::RowString(**row, 0), model_.Find(key));
      } else {
        EXPECT_TRUE(absl::StrContains(row.status().message(), file)) << row.status();
      }
    }
    std::vector<std::string> problems = (*store)->Verify();
    ASSERT_FALSE(problems.empty()) << "Verify missed the damage";
    EXPECT_TRUE(absl::StrContains(problems[0], file)) << problems[0];
  }

  std::string dir_;
  MagneticOptions options_;
  testing::Model model_;
  std::set<std::string> rows_;
  std::vector<LookupKey> keys_;
  std::string segment_path_;
  int detected_by_open_ = 0;
};

TEST_F(CorruptionTest, TheIntactStoreIsHealthy) {
  auto store = MagneticStore::Open(dir_, options_);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->Verify().empty());
  absl::StatusOr<std::vector<std::string>> rows = testing::ScanRows(**store);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, model_.Rows());
}

TEST_F(CorruptionTest, EveryFlippedByteOfASegmentIsDetected) {
  const std::string original = ReadAll(segment_path_);
  ASSERT_GT(original.size(), 1000u);
  ASSERT_LT(original.size(), 20000u);
  for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xff}}) {
    for (size_t pos = 0; pos < original.size(); ++pos) {
      std::string damaged = original;
      uint8_t bit = mask == 0x01 ? static_cast<uint8_t>(1u << (pos % 8)) : mask;
      damaged[pos] = static_cast<char>(static_cast<uint8_t>(damaged[pos]) ^ bit);
      WriteAll(segment_path_, damaged);
      ExpectDetected("000001.seg", absl::StrCat("byte ", pos, " ^ ", int{bit}));
      if (HasFatalFailure()) return;
    }
  }
  WriteAll(segment_path_, original);
  // Header, trailer and footer bytes are caught at Open; block bytes by the reads.
  EXPECT_GT(detected_by_open_, 0);
  EXPECT_LT(detected_by_open_, static_cast<int>(2 * original.size()));
}

TEST_F(CorruptionTest, EveryTruncationOfASegmentIsDetected) {
  const std::string original = ReadAll(segment_path_);
  for (size_t size = 0; size < original.size(); ++size) {
    WriteAll(segment_path_, original.substr(0, size));
    ExpectDetected("000001.seg", absl::StrCat("truncated to ", size));
    if (HasFatalFailure()) return;
  }
  // An extra byte at the end moves the trailer.
  WriteAll(segment_path_, original + "x");
  ExpectDetected("000001.seg", "one byte appended");
}

TEST_F(CorruptionTest, EveryFlippedByteOrTruncationOfTheManifestIsDetected) {
  const std::string manifest_path = dir_ + "/MANIFEST";
  const std::string original = ReadAll(manifest_path);
  for (size_t pos = 0; pos < original.size(); ++pos) {
    for (uint8_t bit : {static_cast<uint8_t>(1u << (pos % 8)), uint8_t{0xff}}) {
      std::string damaged = original;
      damaged[pos] = static_cast<char>(static_cast<uint8_t>(damaged[pos]) ^ bit);
      WriteAll(manifest_path, damaged);
      absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(dir_, options_);
      ASSERT_FALSE(store.ok()) << "byte " << pos;
      EXPECT_EQ(KindOf(store.status()), ErrorKind::kInternalServer);
      EXPECT_TRUE(absl::StrContains(store.status().message(), "MANIFEST")) << store.status();
    }
  }
  for (size_t size = 0; size < original.size(); ++size) {
    WriteAll(manifest_path, original.substr(0, size));
    absl::StatusOr<std::unique_ptr<MagneticStore>> store = MagneticStore::Open(dir_, options_);
    ASSERT_FALSE(store.ok()) << "size " << size;
    EXPECT_TRUE(absl::StrContains(store.status().message(), "MANIFEST")) << store.status();
  }
  // The segment was never deleted as an "orphan" of an unreadable manifest.
  EXPECT_TRUE(std::filesystem::exists(segment_path_));
  WriteAll(manifest_path, original);
  EXPECT_TRUE(MagneticStore::Open(dir_, options_).ok());
}

}  // namespace
}  // namespace tsw::magnetic
