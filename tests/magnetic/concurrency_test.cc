// Readers work on snapshots: scans and lookups running while segments are added,
// compacted and dropped by retention see a consistent set of rows and never fail.
#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/magnetic/magnetic_store.h"
#include "gtest/gtest.h"
#include "tests/magnetic/magnetic_test_util.h"

namespace tsw::magnetic {
namespace {

std::string TestDir() {
  std::string dir = absl::StrCat(::testing::TempDir(), "/concurrency_",
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(ConcurrencyTest, ScanContinuesWhileCompactionDeletesItsSegments) {
  MagneticOptions options;
  options.compaction_min_segments = 2;
  options.max_rows_per_block = 4;
  auto store = MagneticStore::Open(TestDir(), options);
  ASSERT_TRUE(store.ok());
  testing::Model model;
  std::mt19937_64 rng(21);
  for (int i = 0; i < 6; ++i) {
    std::vector<RowBatch> batches = testing::RandomBatches(rng, {.batches = 10});
    ASSERT_TRUE((*store)->AddSegment(batches, "").ok());
    model.Add(batches);
  }
  const std::vector<std::string> expected = model.Rows();
  std::vector<std::string> rows;
  bool compacted = false;
  absl::Status scan = (*store)->Scan({.max_rows_per_batch = 3}, [&](const RowBatch& b) {
    if (!compacted) {
      // The scan's segments are replaced and deleted under it.
      EXPECT_TRUE((*store)->Compact().ok());
      EXPECT_EQ((*store)->Stats().segments.size(), 1u);
      EXPECT_TRUE((*store)->AddSegment(testing::RandomBatches(rng, {.batches = 5}), "").ok());
      compacted = true;
    }
    for (size_t i = 0; i < b.time_nanos.size(); ++i) rows.push_back(testing::RowString(b, i));
    return true;
  });
  ASSERT_TRUE(scan.ok()) << scan;
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, expected);  // The snapshot taken when the scan began.
}

TEST(ConcurrencyTest, ReadersSeeWholeOperationsWhileAWriterRuns) {
  MagneticOptions options;
  options.compaction_min_segments = 3;
  options.target_segment_bytes = 8000;
  options.max_rows_per_block = 8;
  auto opened = MagneticStore::Open(TestDir(), options);
  ASSERT_TRUE(opened.ok());
  MagneticStore& store = **opened;

  // Each AddSegment writes one whole "generation": the same 50 keys, every value equal to
  // the generation number, at a higher version. Since an operation becomes visible whole,
  // a reader sees all 50 rows of one generation, never a mix.
  const std::vector<Dimension> series = {{"host", "h"}};
  auto generation = [&](int64_t g) {
    RowBatch b;
    b.dimensions = series;
    b.measure_name = "g";
    b.measure_value_type = MeasureValueType::kBigint;
    RowColumn c{.name = "g", .type = MeasureValueType::kBigint};
    for (int64_t t = 0; t < 50; ++t) {
      b.time_nanos.push_back(t);
      b.versions.push_back(g);
      c.ints.push_back(g);
    }
    b.columns.push_back(c);
    return std::vector<RowBatch>{b};
  };
  ASSERT_TRUE(store.AddSegment(generation(1), "1").ok());

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> scans{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::vector<int64_t> values;
        absl::Status s = store.Scan({}, [&](const RowBatch& b) {
          values.insert(values.end(), b.columns[0].ints.begin(), b.columns[0].ints.end());
          return true;
        });
        bool whole =
            s.ok() && values.size() == 50 &&
            std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == values[0]; });
        if (!whole) failures.fetch_add(1);
        absl::StatusOr<std::optional<RowBatch>> row =
            store.Lookup({.dimensions = series, .measure_name = "g", .time_nanos = 7});
        if (!row.ok() || !row->has_value()) failures.fetch_add(1);
        scans.fetch_add(1);
      }
    });
  }
  for (int64_t g = 2; g <= 60; ++g) {
    ASSERT_TRUE(store.AddSegment(generation(g), absl::StrCat(g)).ok());
    if (g % 5 == 0) {
      ASSERT_TRUE(store.Compact().ok());
    }
    if (g % 20 == 0) {
      ASSERT_TRUE(store.ApplyRetention(-1).ok());
    }
  }
  // Let the readers see the final state at least once.
  int64_t seen = scans.load();
  while (scans.load() < seen + 4) std::this_thread::yield();
  stop.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store.LastNote(), "60");
  EXPECT_TRUE(store.Verify().empty());
}

}  // namespace
}  // namespace tsw::magnetic
