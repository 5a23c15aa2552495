#include "engine/query/time_windows.h"

#include <algorithm>

namespace tsw::query {
namespace {

constexpr int64_t kSecondNanos = 1000000000;

bool IsTimeColumn(const Plan& plan, const Expr& e) {
  return e.kind == ExprKind::kColumn && e.slot >= 0 &&
         static_cast<size_t>(e.slot) < plan.sources.size() &&
         plan.sources[e.slot].kind == TableColumnSource::kTime;
}

// The bin width of a group key that is `time` (1) or `bin(time, constant)`, else nullopt.
std::optional<int64_t> TimeBinWidth(const Plan& plan, const Expr& key) {
  if (IsTimeColumn(plan, key)) return 1;
  if (key.kind != ExprKind::kFunction || key.name != "bin" || key.args.size() != 2) {
    return std::nullopt;
  }
  const Expr& width = *key.args[1];
  if (!IsTimeColumn(plan, *key.args[0]) || width.kind != ExprKind::kLiteral || width.literal.null ||
      width.literal.type != ScalarType::kIntervalDayToSecond || width.literal.i <= 0) {
    return std::nullopt;
  }
  return width.literal.i;
}

int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

}  // namespace

std::optional<TimeOrderedLimit> TimeOrderedLimitOf(const Plan& plan) {
  if (!plan.from_table || !plan.aggregate || plan.distinct || plan.having != nullptr ||
      plan.scan_empty || plan.scan.latest_only || !plan.limit.has_value() || *plan.limit < 1 ||
      plan.order.empty() || plan.scan.start_time_nanos >= plan.scan.end_time_nanos) {
    return std::nullopt;
  }
  const SortKey& first = plan.order[0];
  const Expr* e = first.output >= 0 ? plan.outputs[first.output].get() : first.expr.get();
  // Over the group row: a column below group_keys.size() is that group key as is.
  if (e == nullptr || e->kind != ExprKind::kColumn || e->slot < 0 ||
      static_cast<size_t>(e->slot) >= plan.group_keys.size()) {
    return std::nullopt;
  }
  std::optional<int64_t> width = TimeBinWidth(plan, *plan.group_keys[e->slot]);
  if (!width.has_value()) return std::nullopt;
  if (first.descending ? plan.scan.end_time_nanos == INT64_MAX
                       : plan.scan.start_time_nanos == INT64_MIN) {
    return std::nullopt;  // Reading would start from an unknown end.
  }
  return TimeOrderedLimit{static_cast<size_t>(e->slot), *width, first.descending, *plan.limit};
}

TimeWindows::TimeWindows(const TimeOrderedLimit& order, int64_t start, int64_t end)
    : descending_(order.descending),
      bin_width_(order.width),
      start_(start),
      end_(end),
      covered_from_(order.descending ? end : start),
      covered_to_(covered_from_),
      // n bins and the one the range's edge may cut, at least a second.
      width_(std::max(SaturatingMul(order.limit + 1, order.width), kSecondNanos)) {}

bool TimeWindows::Next(int64_t* from, int64_t* to) {
  // Distances as unsigned: start_ < end_ may span more than INT64_MAX.
  const bool last = ++windows_ >= kMaxWindows;
  if (descending_) {
    if (covered_from_ <= start_) return false;
    *to = covered_from_;
    const uint64_t rest = static_cast<uint64_t>(*to) - static_cast<uint64_t>(start_);
    *from = last || rest <= static_cast<uint64_t>(width_) ? start_ : *to - width_;
    covered_from_ = *from;
  } else {
    if (covered_to_ >= end_) return false;
    *from = covered_to_;
    const uint64_t rest = static_cast<uint64_t>(end_) - static_cast<uint64_t>(*from);
    *to = last || rest <= static_cast<uint64_t>(width_) ? end_ : *from + width_;
    covered_to_ = *to;
  }
  width_ = SaturatingMul(width_, 2);
  return true;
}

bool TimeWindows::Complete(int64_t key) const {
  if (descending_) return covered_from_ <= start_ || key >= covered_from_;
  if (covered_to_ >= end_) return true;
  // The bin [key, key + width) ends at or before covered_to_.
  int64_t last_key;
  if (__builtin_sub_overflow(covered_to_, bin_width_, &last_key)) return false;
  return key <= last_key;
}

}  // namespace tsw::query
