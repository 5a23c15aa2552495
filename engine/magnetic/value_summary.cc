#include "engine/magnetic/value_summary.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tsw::magnetic {
namespace {

constexpr uint8_t kHasValues = 1;
constexpr uint8_t kHasNan = 2;

// Numeric order of non-NaN doubles as unsigned order, -0.0 below 0.0 (FORMAT.md's
// dictionary order key).
uint64_t OrderKey(double v) {
  const uint64_t b = std::bit_cast<uint64_t>(v);
  return (b >> 63) != 0 ? ~b : b | (uint64_t{1} << 63);
}

double FromOrderKey(uint64_t k) {
  return std::bit_cast<double>((k >> 63) != 0 ? k & ~(uint64_t{1} << 63) : ~k);
}

// Whether some value in [lo, hi] meets `value op c`, for values and a constant of one type
// compared with the built-in operators.
template <typename T>
bool RangeMayMeet(T lo, T hi, ValueBound::Op op, T c) {
  switch (op) {
    case ValueBound::Op::kLess:
      return lo < c;
    case ValueBound::Op::kLessEqual:
      return lo <= c;
    case ValueBound::Op::kGreater:
      return hi > c;
    case ValueBound::Op::kGreaterEqual:
      return hi >= c;
    case ValueBound::Op::kEqual:
      return lo <= c && c <= hi;
  }
  return true;
}

}  // namespace

bool HasValueSummary(MeasureValueType type) {
  return type == MeasureValueType::kDouble || type == MeasureValueType::kBigint;
}

ValueSummary SummarizeValues(const RowColumn& column, size_t begin, size_t end) {
  ValueSummary s;
  if (column.type == MeasureValueType::kDouble) {
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = begin; i < end; ++i) {
      if (column.present[i] == 0) continue;
      const double v = column.doubles[i];
      if (std::isnan(v)) {
        s.has_nan = true;
        continue;
      }
      const uint64_t k = OrderKey(v);
      lo = std::min(lo, k);
      hi = std::max(hi, k);
      s.has_values = true;
    }
    if (s.has_values) {
      s.min_double = FromOrderKey(lo);
      s.max_double = FromOrderKey(hi);
    }
    return s;
  }
  for (size_t i = begin; i < end; ++i) {
    if (column.present[i] == 0) continue;
    const int64_t v = column.ints[i];
    s.min_int = s.has_values ? std::min(s.min_int, v) : v;
    s.max_int = s.has_values ? std::max(s.max_int, v) : v;
    s.has_values = true;
  }
  return s;
}

bool SameValueSummary(MeasureValueType type, const ValueSummary& a, const ValueSummary& b) {
  if (a.has_values != b.has_values || a.has_nan != b.has_nan) return false;
  if (!a.has_values) return true;
  if (type == MeasureValueType::kDouble) {
    return std::bit_cast<uint64_t>(a.min_double) == std::bit_cast<uint64_t>(b.min_double) &&
           std::bit_cast<uint64_t>(a.max_double) == std::bit_cast<uint64_t>(b.max_double);
  }
  return a.min_int == b.min_int && a.max_int == b.max_int;
}

void EncodeValueSummary(MeasureValueType type, const ValueSummary& summary, std::string* out) {
  const uint8_t flags = (summary.has_values ? kHasValues : 0) | (summary.has_nan ? kHasNan : 0);
  out->push_back(static_cast<char>(flags));
  if (!summary.has_values) return;
  if (type == MeasureValueType::kDouble) {
    PutFixed64(out, std::bit_cast<uint64_t>(summary.min_double));
    PutFixed64(out, std::bit_cast<uint64_t>(summary.max_double));
  } else {
    PutSignedVarint64(out, summary.min_int);
    PutVarint64(out,
                static_cast<uint64_t>(summary.max_int) - static_cast<uint64_t>(summary.min_int));
  }
}

bool DecodeValueSummary(MeasureValueType type, ByteReader* in, ValueSummary* summary) {
  *summary = ValueSummary();
  uint8_t flags;
  if (!in->ReadByte(&flags) || (flags & ~(kHasValues | kHasNan)) != 0) return false;
  if ((flags & kHasNan) != 0 && type != MeasureValueType::kDouble) return false;
  summary->has_nan = (flags & kHasNan) != 0;
  summary->has_values = (flags & kHasValues) != 0;
  if (!summary->has_values) return true;
  if (type == MeasureValueType::kDouble) {
    uint64_t lo, hi;
    if (!in->ReadFixed64(&lo) || !in->ReadFixed64(&hi)) return false;
    summary->min_double = std::bit_cast<double>(lo);
    summary->max_double = std::bit_cast<double>(hi);
    return !std::isnan(summary->min_double) && !std::isnan(summary->max_double) &&
           OrderKey(summary->min_double) <= OrderKey(summary->max_double);
  }
  uint64_t span;
  if (!in->ReadSignedVarint64(&summary->min_int) || !in->ReadVarint64(&span)) return false;
  // min + span must not pass INT64_MAX (the difference is taken in unsigned arithmetic).
  if (span > static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(summary->min_int)) {
    return false;
  }
  summary->max_int = static_cast<int64_t>(static_cast<uint64_t>(summary->min_int) + span);
  return true;
}

bool SummaryMayMeet(MeasureValueType type, const ValueSummary& summary, const ValueBound& bound) {
  if (summary.has_nan) return true;       // Cautious: summaries never decide on NaN.
  if (!summary.has_values) return false;  // NULL in every row.
  if (type == MeasureValueType::kBigint && bound.integer) {
    return RangeMayMeet(summary.min_int, summary.max_int, bound.op, bound.i);
  }
  // As doubles; int64 -> double rounding keeps the order, so the range's ends stay ends.
  const double lo =
      type == MeasureValueType::kBigint ? static_cast<double>(summary.min_int) : summary.min_double;
  const double hi =
      type == MeasureValueType::kBigint ? static_cast<double>(summary.max_int) : summary.max_double;
  const double c = bound.integer ? static_cast<double>(bound.i) : bound.d;
  if (std::isnan(c)) return true;
  return RangeMayMeet(lo, hi, bound.op, c);
}

}  // namespace tsw::magnetic
