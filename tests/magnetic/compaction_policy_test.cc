#include "engine/magnetic/compaction_policy.h"

#include <optional>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace tsw::magnetic {
namespace {

constexpr int64_t kTarget = 1000;  // Small: below 500 bytes.

ManifestSegment Segment(uint64_t id, uint64_t seq_lo, uint64_t seq_hi, uint64_t bytes,
                        int64_t min_time = 100) {
  ManifestSegment s;
  s.file_id = id;
  s.seq_lo = seq_lo;
  s.seq_hi = seq_hi;
  s.summary.file_size = bytes;
  s.summary.min_time = min_time;
  s.summary.max_time = min_time + 10;
  return s;
}

std::optional<std::pair<size_t, size_t>> Pick(const std::vector<ManifestSegment>& segments,
                                              int64_t cutoff = INT64_MIN) {
  return PickCompactionRun(segments, cutoff, kTarget, /*min_segments=*/3);
}

TEST(CompactionPolicyTest, PicksNothingWithoutEnoughSmallSegments) {
  EXPECT_FALSE(Pick({}).has_value());
  EXPECT_FALSE(Pick({Segment(1, 1, 1, 100), Segment(2, 2, 2, 100)}).has_value());
  EXPECT_FALSE(
      Pick({Segment(1, 1, 1, 900), Segment(2, 2, 2, 900), Segment(3, 3, 3, 900)}).has_value());
}

TEST(CompactionPolicyTest, PicksTheOldestRunOfAdjacentSmallSegments) {
  std::vector<ManifestSegment> segments = {
      Segment(1, 1, 1, 900), Segment(2, 2, 2, 100), Segment(3, 3, 3, 100),
      Segment(4, 4, 4, 100), Segment(5, 5, 5, 900), Segment(6, 6, 6, 100),
      Segment(7, 7, 7, 100), Segment(8, 8, 8, 100), Segment(9, 9, 9, 100)};
  EXPECT_EQ(Pick(segments), std::make_pair(size_t{1}, size_t{4}));
  segments.erase(segments.begin() + 3);  // The first run is now too short.
  EXPECT_EQ(Pick(segments), std::make_pair(size_t{4}, size_t{8}));
}

TEST(CompactionPolicyTest, NeverSplitsTheOutputsOfOneCompaction) {
  // Segments 2..4 share the sequence range [2, 5]: one unit, large as a whole.
  std::vector<ManifestSegment> segments = {Segment(1, 1, 1, 100),  Segment(2, 2, 5, 1000),
                                           Segment(3, 2, 5, 1000), Segment(4, 2, 5, 100),
                                           Segment(5, 6, 6, 100),  Segment(6, 7, 7, 100)};
  EXPECT_FALSE(Pick(segments).has_value());
  // A whole unit of small outputs can join a run.
  segments = {Segment(1, 1, 1, 100), Segment(2, 2, 5, 100), Segment(3, 2, 5, 100),
              Segment(4, 6, 6, 100)};
  EXPECT_EQ(Pick(segments), std::make_pair(size_t{0}, size_t{4}));
}

TEST(CompactionPolicyTest, RewritesASegmentWithExpiredRowsEvenAlone) {
  std::vector<ManifestSegment> segments = {Segment(1, 1, 1, 900, /*min_time=*/10),
                                           Segment(2, 2, 2, 900, /*min_time=*/100)};
  EXPECT_FALSE(Pick(segments, /*cutoff=*/10).has_value());
  EXPECT_EQ(Pick(segments, /*cutoff=*/11), std::make_pair(size_t{0}, size_t{1}));
}

TEST(CompactionPolicyTest, DoesNotPickOneSmallCompactionOutputAgain) {
  std::vector<ManifestSegment> segments = {Segment(1, 1, 9, 100), Segment(2, 10, 10, 900)};
  EXPECT_FALSE(PickCompactionRun(segments, INT64_MIN, kTarget, 2).has_value());
}

}  // namespace
}  // namespace tsw::magnetic
