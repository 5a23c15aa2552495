// The latency histogram of tsw bench against an exact, sorted reference; and the
// per-second statistics built on it.
#include "tools/bench/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tools/bench/run_stats.h"

namespace tsw::bench {
namespace {

// The sample of rank ceil(q * n) (1-based) in sorted order: the definition Percentile uses.
int64_t ExactPercentile(const std::vector<int64_t>& sorted, double q) {
  int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * sorted.size())));
  return sorted[rank - 1];
}

void ExpectPercentilesNearSorted(const std::vector<int64_t>& samples) {
  LatencyHistogram h;
  for (int64_t s : samples) h.Record(s);
  std::vector<int64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  for (double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    const int64_t exact = ExactPercentile(sorted, q);
    const double tolerance = exact / static_cast<double>(LatencyHistogram::kSubBuckets);
    EXPECT_NEAR(h.Percentile(q), exact, tolerance) << "q " << q;
  }
  EXPECT_EQ(h.max(), sorted.back());
  EXPECT_EQ(h.min(), sorted.front());
  EXPECT_EQ(h.count(), static_cast<int64_t>(samples.size()));
}

TEST(LatencyHistogramTest, PercentilesMatchASortedReferenceWithinABucket) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(std::log(200000.0), 1.5);  // ~200 us median.
  std::vector<int64_t> samples;
  for (int i = 0; i < 200000; ++i) samples.push_back(static_cast<int64_t>(latency(rng)));
  ExpectPercentilesNearSorted(samples);
}

TEST(LatencyHistogramTest, SmallAndHugeValuesAreCounted) {
  ExpectPercentilesNearSorted({0, 1, 2, 3, 127, 128, 129, 255, 256});
  ExpectPercentilesNearSorted({int64_t{1} << 40, (int64_t{1} << 62) + 12345, 7, 1000000007});
  LatencyHistogram exact;
  for (int v = 0; v < 128; ++v) exact.Record(v);
  EXPECT_EQ(exact.Percentile(0.5), 63);  // Below kSubBuckets every value has its own bucket.
}

TEST(LatencyHistogramTest, EmptyGivesZeroAndMergeEqualsRecordingBoth) {
  LatencyHistogram a, b, both;
  EXPECT_EQ(a.Percentile(0.99), 0);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = static_cast<int64_t>(rng() % 50000000);
    (i % 3 == 0 ? a : b).Record(v);
    both.Record(v);
  }
  a.Merge(b);
  for (double q : {0.5, 0.99, 0.999}) EXPECT_EQ(a.Percentile(q), both.Percentile(q));
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.max(), both.max());
}

TEST(RunStatsTest, GroupsRequestsByTheSecondTheyCompletedIn) {
  RunStats stats;
  auto add = [&](int64_t end_ms, int64_t records, std::vector<std::string> reasons = {}) {
    RequestOutcome o;
    o.records = records;
    o.ingested = records - static_cast<int64_t>(reasons.size());
    o.rejection_reasons = std::move(reasons);
    o.latency_nanos = 1000000;
    o.end_nanos = end_ms * 1000000;
    stats.Add(o);
  };
  add(100, 100);
  add(900, 100, {"Time 17 is outside the window", "Time 18 is outside the window"});
  add(2500, 50);
  RunSummary s = stats.Summarize(3200000000);
  ASSERT_EQ(s.per_second.size(), 4u);  // Seconds 0, 1 (empty), 2 and the partial 3.
  EXPECT_EQ(s.per_second[0].records, 200);
  EXPECT_EQ(s.per_second[1].records, 0);
  EXPECT_EQ(s.per_second[2].records, 50);
  EXPECT_EQ(s.per_second[3].requests, 0);
  EXPECT_EQ(s.records, 250);
  EXPECT_EQ(s.ingested, 248);
  EXPECT_EQ(s.rejected, 2);
  EXPECT_EQ(s.rejected_by_reason.at("Time N is outside the window"), 2);
  EXPECT_NEAR(s.p99_nanos, 1000000, 1000000 / 128);
}

}  // namespace
}  // namespace tsw::bench
