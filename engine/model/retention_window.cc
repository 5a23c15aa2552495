#include "engine/model/retention_window.h"

namespace tsw::model {

int64_t WindowNanos(int64_t count, int64_t unit) {
  if (count <= 0) return 0;
  return count > INT64_MAX / unit ? INT64_MAX : count * unit;
}

int64_t MemoryWindowNanos(const RetentionProperties& retention) {
  return WindowNanos(retention.memory_store_retention_period_in_hours, kNanosPerHour);
}

int64_t MagneticWindowNanos(const RetentionProperties& retention) {
  return WindowNanos(retention.magnetic_store_retention_period_in_days, kNanosPerDay);
}

int64_t SubtractSaturating(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_sub_overflow(a, b, &out)) return b > 0 ? INT64_MIN : INT64_MAX;
  return out;
}

int64_t AddSaturating(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

}  // namespace tsw::model
