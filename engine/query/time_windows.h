// ORDER BY a time bin ... LIMIT n, read newest first. A grouped query over a table whose
// first sort key is one of its group keys, `bin(time, constant)` or `time` itself, needs
// only the groups of the n latest (or, ascending, earliest) bins: the executor reads the
// time range in windows from that end, each twice as wide as the one before, and stops
// once n groups are complete, a group being complete when the windows read so far cover
// its bin entirely. Every group not yet complete has a bin strictly after (in sort order)
// every complete one, so the n first rows of the answer are among the complete groups,
// with the values a full scan would give. Anything else (HAVING, DISTINCT, an open time
// bound on the side the reading starts from, another first sort key) takes the general
// path.
#ifndef TSW_ENGINE_QUERY_TIME_WINDOWS_H_
#define TSW_ENGINE_QUERY_TIME_WINDOWS_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "engine/query/plan.h"

namespace tsw::query {

struct TimeOrderedLimit {
  size_t key = 0;     // The group key that is the time bin.
  int64_t width = 1;  // The bin's width in nanoseconds (1: the key is `time`).
  bool descending = true;
  int64_t limit = 0;  // n >= 1.
};

// The plan's ORDER BY bin ... LIMIT n, when it takes the windowed path (above).
std::optional<TimeOrderedLimit> TimeOrderedLimitOf(const Plan& plan);

// The windows over [start, end), from the end the order starts at: disjoint, adjacent,
// each twice as wide as the one before, and after kMaxWindows one window of the rest.
class TimeWindows {
 public:
  static constexpr int kMaxWindows = 24;

  // REQUIRES: start < end; the side reading starts from is bounded (end < INT64_MAX when
  // descending, start > INT64_MIN when ascending).
  TimeWindows(const TimeOrderedLimit& order, int64_t start, int64_t end);

  // Sets [*from, *to) to the next window; false once [start, end) is covered.
  bool Next(int64_t* from, int64_t* to);

  // Whether every row of the bin starting at `key` is in the windows returned so far.
  bool Complete(int64_t key) const;

 private:
  bool descending_;
  int64_t bin_width_;
  int64_t start_, end_;
  int64_t covered_from_, covered_to_;  // The windows so far: [covered_from_, covered_to_).
  int64_t width_;                      // The next window's.
  int windows_ = 0;
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_TIME_WINDOWS_H_
