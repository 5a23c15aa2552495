// The retention rule, in one place: which instants a table's memory store and magnetic
// store keep. The write path uses it to decide where a record goes (or whether it is too
// old), the table store to decide what eviction and retention drop and where scans start.
//
// A store with a retention period of P keeps the instants t with t >= now - P: the
// window's first instant, now - P itself, is inside. Periods are whole hours (memory
// store) or days (magnetic store); catalog validation keeps them at 1 or more and far
// from overflow, but every function here is total over int64 all the same (saturating,
// never undefined behaviour), so an unvalidated table cannot make the arithmetic wrap.
//
// Thread-safe: pure functions.
#ifndef TSW_ENGINE_MODEL_RETENTION_WINDOW_H_
#define TSW_ENGINE_MODEL_RETENTION_WINDOW_H_

#include <cstdint>

#include "tsw/types.h"

namespace tsw::model {

inline constexpr int64_t kNanosPerMinute = int64_t{60} * 1000000000;
inline constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
inline constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;

// The length of a retention period of `count` units of `unit` nanoseconds: count * unit;
// INT64_MAX if that overflows; 0 for count <= 0 (a store that keeps nothing older than
// now). REQUIRES: unit > 0.
int64_t WindowNanos(int64_t count, int64_t unit);

// The memory store's and magnetic store's windows of `retention`, in nanoseconds (>= 0).
int64_t MemoryWindowNanos(const RetentionProperties& retention);
int64_t MagneticWindowNanos(const RetentionProperties& retention);

// a - b, saturating at INT64_MIN (b > 0) or INT64_MAX (b < 0).
int64_t SubtractSaturating(int64_t a, int64_t b);

// a + b, saturating at INT64_MAX (b > 0) or INT64_MIN (b < 0).
int64_t AddSaturating(int64_t a, int64_t b);

// The first instant a window of `window_nanos` (>= 0) ending at `now` keeps: now - window,
// INT64_MIN if that is below the range. An instant t is inside iff t >= WindowStart(...).
inline int64_t WindowStart(int64_t now, int64_t window_nanos) {
  return SubtractSaturating(now, window_nanos);
}

}  // namespace tsw::model

#endif  // TSW_ENGINE_MODEL_RETENTION_WINDOW_H_
