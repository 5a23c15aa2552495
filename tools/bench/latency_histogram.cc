#include "tools/bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tsw::bench {
namespace {

// Buckets 0..kSubBuckets-1 hold the values 0..kSubBuckets-1 exactly. After them, each
// power of two 2^k (k >= kSubBucketBits) has kSubBuckets/2 buckets of width
// 2^(k - kSubBucketBits + 1).
constexpr int kHalf = LatencyHistogram::kSubBuckets / 2;
constexpr int kRanges = 63 - LatencyHistogram::kSubBucketBits + 1;
constexpr int kBuckets = LatencyHistogram::kSubBuckets + kRanges * kHalf;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

int LatencyHistogram::BucketOf(int64_t nanos) {
  if (nanos < kSubBuckets) return static_cast<int>(nanos);
  const int k = 63 - std::countl_zero(static_cast<uint64_t>(nanos));  // 2^k <= nanos.
  const int shift = k - kSubBucketBits + 1;
  const int sub = static_cast<int>((nanos >> shift) - kHalf);  // In [0, kHalf).
  return kSubBuckets + (k - kSubBucketBits) * kHalf + sub;
}

int64_t LatencyHistogram::BucketLow(int bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int range = (bucket - kSubBuckets) / kHalf, sub = (bucket - kSubBuckets) % kHalf;
  const int shift = range + 1;
  return (int64_t{kHalf} + sub) << shift;
}

int64_t LatencyHistogram::BucketWidth(int bucket) {
  if (bucket < kSubBuckets) return 1;
  return int64_t{1} << ((bucket - kSubBuckets) / kHalf + 1);
}

void LatencyHistogram::Record(int64_t nanos) {
  nanos = std::max<int64_t>(nanos, 0);
  ++counts_[BucketOf(nanos)];
  if (count_ == 0 || nanos < min_) min_ = nanos;
  max_ = std::max(max_, nanos);
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
}

void LatencyHistogram::Clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = max_ = min_ = 0;
}

int64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_)));
  int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      const int64_t mid = BucketLow(b) + (BucketWidth(b) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace tsw::bench
