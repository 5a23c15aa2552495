// ScanPredicate: the rules of a ScanRequest that every tier applies the same way. It
// validates the request once, gives its time range in one convention, and matches a
// series against the dimension filters. Both the memory scanner (engine/scan) and the
// magnetic store (engine/magnetic) use it, so the two tiers cannot disagree on which rows
// a request names. Thread-compatible; it refers to the request's filters, so the request
// must outlive it.
#ifndef TSW_ENGINE_COMMON_SCAN_PREDICATE_H_
#define TSW_ENGINE_COMMON_SCAN_PREDICATE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tsw/types.h"

namespace tsw {

class ScanPredicate {
 public:
  // The predicate of `request`; ValidationException when max_rows_per_batch < 1.
  static absl::StatusOr<ScanPredicate> Make(const ScanRequest& request);

  // True when no time can match: the range [start, end) is empty (start >= end). Every
  // other accessor of the time range assumes a non-empty one.
  bool empty() const { return start_ >= end_; }
  // The range as [first_time, last_time], both inclusive; REQUIRES: !empty(). (last_time
  // is end - 1, which cannot overflow since end > start >= INT64_MIN.)
  int64_t first_time() const { return start_; }
  int64_t last_time() const { return end_ - 1; }
  // The range as [start_time, end_time), end exclusive, as in ScanRequest.
  int64_t start_time() const { return start_; }
  int64_t end_time() const { return end_; }
  bool TimeMatches(int64_t time) const { return start_ <= time && time < end_; }

  // True when `series_dimensions` (sorted by name, unique names) holds every filter
  // dimension with an equal value; true for any series when there is no filter.
  bool SeriesMatches(const std::vector<Dimension>& series_dimensions) const;

  // At least 1.
  size_t max_rows_per_batch() const { return max_rows_per_batch_; }

 private:
  explicit ScanPredicate(const ScanRequest& request)
      : start_(request.start_time_nanos),
        end_(request.end_time_nanos),
        filters_(&request.dimension_filters),
        filters_sorted_(FiltersSortedByName(request.dimension_filters)),
        max_rows_per_batch_(static_cast<size_t>(request.max_rows_per_batch)) {}

  // Names strictly increasing (so also unique).
  static bool FiltersSortedByName(const std::vector<Dimension>& filters);

  int64_t start_;
  int64_t end_;
  const std::vector<Dimension>* filters_;  // The request's; not owned.
  bool filters_sorted_;
  size_t max_rows_per_batch_;
};

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_SCAN_PREDICATE_H_
