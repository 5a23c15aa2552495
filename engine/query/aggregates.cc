#include "engine/query/aggregates.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/query/evaluator.h"
#include "tsw/status.h"

namespace tsw::query {

int CompareValues(const Vec& a, size_t a_row, const Vec& b, size_t b_row) {
  const size_t i = a.Idx(a_row), j = b.Idx(b_row);
  const Physical pa = PhysicalOf(a.type), pb = PhysicalOf(b.type);
  if (pa == Physical::kString) {
    const int c = a.strs[i].compare(b.strs[j]);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (pa == Physical::kInt && pb == Physical::kInt) {
    return a.ints[i] < b.ints[j] ? -1 : (a.ints[i] > b.ints[j] ? 1 : 0);
  }
  const double x = a.AsDouble(a_row), y = b.AsDouble(b_row);
  // NaN sorts above every other double, as the service orders it.
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) - std::isnan(y);
  return x < y ? -1 : (x > y ? 1 : 0);
}

Accumulator::Accumulator(const AggCall& call)
    : kind_(call.kind), result_type_(call.result_type), percentile_(call.percentile) {
  best_ = Vec::Nulls(result_type_, 0);
  if (kind_ == AggKind::kMaxBy || kind_ == AggKind::kMinBy) {
    best_key_ = Vec::Nulls(call.args[1]->type, 0);
  }
}

void Accumulator::Resize(size_t groups) {
  count_.resize(groups, 0);
  switch (kind_) {
    case AggKind::kSum:
    case AggKind::kAvg:
      dsum_.resize(groups, 0);
      isum_.resize(groups, 0);
      break;
    case AggKind::kStddev:
      dsum_.resize(groups, 0);
      m2_.resize(groups, 0);
      break;
    case AggKind::kMin:
    case AggKind::kMax:
      best_.Resize(groups);
      break;
    case AggKind::kMaxBy:
    case AggKind::kMinBy:
      best_.Resize(groups);
      best_key_.Resize(groups);
      break;
    case AggKind::kApproxPercentile:
      samples_.resize(groups);
      break;
    default:
      break;
  }
}

absl::Status Accumulator::Update(const std::vector<VecPtr>& args, const Sel& sel,
                                 const uint32_t* gids) {
  if (kind_ == AggKind::kCountStar) {
    ForEachRow(sel, [&](size_t r) { ++count_[gids[r]]; });
    return absl::OkStatus();
  }
  const Vec& x = *args[0];
  switch (kind_) {
    case AggKind::kCount:
      ForEachRow(sel, [&](size_t r) { count_[gids[r]] += x.Valid(r); });
      return absl::OkStatus();
    case AggKind::kSum:
      if (result_type_ == ScalarType::kBigint) {
        bool overflow = false;
        ForEachRow(sel, [&](size_t r) {
          if (!x.Valid(r)) return;
          const uint32_t g = gids[r];
          ++count_[g];
          overflow |= __builtin_add_overflow(isum_[g], x.ints[x.Idx(r)], &isum_[g]);
        });
        if (overflow) return ValidationError("bigint addition overflow in sum()");
        return absl::OkStatus();
      }
      [[fallthrough]];
    case AggKind::kAvg:
      if (x.type == ScalarType::kDouble && !x.constant) {
        const double* d = x.dbls.data();
        const uint8_t* p = x.present.data();
        ForEachRow(sel, [&](size_t r) {
          const uint32_t g = gids[r];
          count_[g] += p[r];
          dsum_[g] += p[r] ? d[r] : 0.0;
        });
      } else {
        ForEachRow(sel, [&](size_t r) {
          if (!x.Valid(r)) return;
          ++count_[gids[r]];
          dsum_[gids[r]] += x.AsDouble(r);
        });
      }
      return absl::OkStatus();
    case AggKind::kStddev:
      ForEachRow(sel, [&](size_t r) {
        if (!x.Valid(r)) return;
        const uint32_t g = gids[r];
        const double v = x.AsDouble(r);
        const double delta = v - dsum_[g];
        dsum_[g] += delta / static_cast<double>(++count_[g]);
        m2_[g] += delta * (v - dsum_[g]);
      });
      return absl::OkStatus();
    case AggKind::kMin:
    case AggKind::kMax:
      UpdateMinMax(x, x, sel, gids, kind_ == AggKind::kMax);
      return absl::OkStatus();
    case AggKind::kMaxBy:
    case AggKind::kMinBy:
      UpdateMinMax(x, *args[1], sel, gids, kind_ == AggKind::kMaxBy);
      return absl::OkStatus();
    case AggKind::kApproxPercentile:
      ForEachRow(sel, [&](size_t r) {
        if (!x.Valid(r)) return;
        samples_[gids[r]].push_back(x.AsDouble(r));
        sample_bytes_ += sizeof(double);
      });
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

// True when row `r` of `value` should replace the group's value `g` of `best` on a tie of
// max_by/min_by keys: the greater value wins, NULL loses to any value. The service leaves
// the choice open; a rule that ignores the order rows come in gives the same answer
// whatever the scan order, and from latest-row scans (latest_rows.h) as from full ones.
static bool WinsTie(const Vec& value, size_t r, const Vec& best, size_t g) {
  if (!value.Valid(r)) return false;
  if (!best.present[g]) return true;
  return CompareValues(value, r, best, g) > 0;
}

// min/max (key == value) and max_by/min_by: keeps, per group, the value at the row with
// the largest (smallest) non-NULL key; on ties of max_by/min_by keys, WinsTie decides.
void Accumulator::UpdateMinMax(const Vec& value, const Vec& key, const Sel& sel,
                               const uint32_t* gids, bool want_max) {
  const bool by = kind_ == AggKind::kMaxBy || kind_ == AggKind::kMinBy;
  Vec& best_key = by ? best_key_ : best_;
  if (!by && value.type == ScalarType::kDouble && !value.constant) {
    ForEachRow(sel, [&](size_t r) {
      if (!value.present[r]) return;
      const uint32_t g = gids[r];
      const double v = value.dbls[r];
      if (!best_.present[g] || (want_max ? v > best_.dbls[g] : v < best_.dbls[g])) {
        best_.dbls[g] = v;
        best_.present[g] = 1;
      }
    });
    return;
  }
  if (!by && PhysicalOf(value.type) == Physical::kInt && value.type == result_type_ &&
      !value.constant) {
    // min/max of an integer-like column (max(time)).
    ForEachRow(sel, [&](size_t r) {
      if (!value.present[r]) return;
      const uint32_t g = gids[r];
      const int64_t v = value.ints[r];
      if (!best_.present[g] || (want_max ? v > best_.ints[g] : v < best_.ints[g])) {
        best_.ints[g] = v;
        best_.present[g] = 1;
      }
    });
    return;
  }
  if (by && PhysicalOf(key.type) == Physical::kInt && !key.constant &&
      value.type == ScalarType::kDouble && !value.constant) {
    // max_by(x, time): the latest-value path, over raw arrays (stores through vectors
    // make the compiler reload every vector's data pointer on each row).
    const uint8_t* key_present = key.present.data();
    const int64_t* keys = key.ints.data();
    const uint8_t* value_present = value.present.data();
    const double* values = value.dbls.data();
    int64_t* count = count_.data();
    int64_t* best_keys = best_key.ints.data();
    uint8_t* best_key_present = best_key.present.data();
    double* best_values = best_.dbls.data();
    uint8_t* best_present = best_.present.data();
    ForEachRow(sel, [&](size_t r) {
      if (!key_present[r]) return;
      const uint32_t g = gids[r];
      const int64_t k = keys[r];
      if (count[g] > 0 && (want_max ? k <= best_keys[g] : k >= best_keys[g])) {
        if (k != best_keys[g] || !WinsTie(value, r, best_, g)) return;
      }
      count[g] = 1;
      best_keys[g] = k;
      best_key_present[g] = 1;
      best_values[g] = values[r];
      best_present[g] = value_present[r];
    });
    return;
  }
  ForEachRow(sel, [&](size_t r) {
    if (!key.Valid(r)) return;
    const uint32_t g = gids[r];
    if (by ? count_[g] > 0 : best_.present[g] != 0) {
      const int c = CompareValues(key, r, best_key, g);
      if (want_max ? c < 0 : c > 0) return;
      if (c == 0 && (!by || !WinsTie(value, r, best_, g))) return;
    }
    count_[g] = 1;
    if (by) {
      best_key.present[g] = 0;
      AssignValue(key, r, best_key, g);
      best_.present[g] = 0;
    }
    AssignValue(value, r, best_, g);
  });
}

Vec Accumulator::Finish(size_t groups) const {
  switch (kind_) {
    case AggKind::kMin:
    case AggKind::kMax:
    case AggKind::kMaxBy:
    case AggKind::kMinBy:
      return FinishBest(groups);
    default:
      break;
  }
  Vec out = Vec::Nulls(result_type_, groups);
  for (size_t g = 0; g < groups; ++g) {
    const int64_t n = count_[g];
    switch (kind_) {
      case AggKind::kCountStar:
      case AggKind::kCount:
        out.ints[g] = n;
        out.present[g] = 1;
        break;
      case AggKind::kSum:
        if (n == 0) break;
        out.present[g] = 1;
        if (result_type_ == ScalarType::kBigint) {
          out.ints[g] = isum_[g];
        } else {
          out.dbls[g] = dsum_[g];
        }
        break;
      case AggKind::kAvg:
        if (n == 0) break;
        out.present[g] = 1;
        out.dbls[g] = dsum_[g] / static_cast<double>(n);
        break;
      case AggKind::kStddev:
        if (n < 2) break;
        out.present[g] = 1;
        out.dbls[g] = std::sqrt(m2_[g] / static_cast<double>(n - 1));
        break;
      case AggKind::kApproxPercentile: {
        std::vector<double> v = samples_[g];
        if (v.empty()) break;
        const size_t k = static_cast<size_t>(std::llround(percentile_ * (v.size() - 1)));
        std::nth_element(v.begin(), v.begin() + k, v.end());
        out.present[g] = 1;
        if (result_type_ == ScalarType::kDouble) {
          out.dbls[g] = v[k];
        } else {
          out.ints[g] = static_cast<int64_t>(v[k]);
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

Vec Accumulator::FinishBest(size_t groups) const {
  // best_ holds the answer already, in the result's type: copied array by array, with
  // NULL groups' values zeroed as Vec::Nulls leaves them.
  Vec out;
  out.type = best_.type;
  const uint8_t* present = best_.present.data();
  out.present.assign(present, present + groups);
  switch (PhysicalOf(out.type)) {
    case Physical::kInt:
      out.ints.resize(groups);
      for (size_t g = 0; g < groups; ++g) out.ints[g] = present[g] ? best_.ints[g] : 0;
      break;
    case Physical::kDouble:
      out.dbls.resize(groups);
      for (size_t g = 0; g < groups; ++g) out.dbls[g] = present[g] ? best_.dbls[g] : 0;
      break;
    case Physical::kString:
      out.strs.resize(groups);
      for (size_t g = 0; g < groups; ++g) {
        if (present[g]) out.strs[g] = best_.strs[g];
      }
      break;
    case Physical::kNone:
      break;
  }
  return out;
}

}  // namespace tsw::query
