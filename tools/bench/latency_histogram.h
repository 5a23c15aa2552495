// A log-linear histogram of latencies (HDR-style): constant memory (about 60 KiB) whatever
// the number of samples, and percentiles within 1/kSubBuckets (under 1%) of the exact
// sample at that rank.
//
// Values are nanoseconds >= 0. Values below kSubBuckets are counted exactly; above, each
// power-of-two range [2^k, 2^(k+1)) is split into kSubBuckets/2 equal buckets, so a
// bucket's width is at most 2 * value / kSubBuckets, and the value reported for a bucket
// (its midpoint) is within 1/kSubBuckets of every value in it.
//
// Thread-safety: none; callers merge per-thread histograms or hold a lock.
#ifndef TSW_TOOLS_BENCH_LATENCY_HISTOGRAM_H_
#define TSW_TOOLS_BENCH_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace tsw::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr int64_t kSubBuckets = int64_t{1} << kSubBucketBits;  // 128.

  LatencyHistogram();

  // Counts one sample; negative values count as 0.
  void Record(int64_t nanos);
  void Merge(const LatencyHistogram& other);
  void Clear();

  int64_t count() const { return count_; }
  int64_t max() const { return max_; }  // Exact; 0 when empty.
  int64_t min() const { return min_; }  // Exact; 0 when empty.
  // The value at quantile `q` in [0, 1]: the smallest recorded bucket whose cumulative
  // count reaches ceil(q * count), as that bucket's midpoint clamped to [min, max]. 0 when
  // empty.
  int64_t Percentile(double q) const;

 private:
  static int BucketOf(int64_t nanos);
  static int64_t BucketLow(int bucket);
  static int64_t BucketWidth(int bucket);

  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  int64_t max_ = 0;
  int64_t min_ = 0;
};

}  // namespace tsw::bench

#endif  // TSW_TOOLS_BENCH_LATENCY_HISTOGRAM_H_
