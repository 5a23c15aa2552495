// Column vectors the executor and evaluator pass around: one typed value array and a
// presence mask, or a single value standing for every row (`constant`), which is how a
// dimension or measure_name (fixed within a scan batch) costs one evaluation per batch.
#ifndef TSW_ENGINE_QUERY_VECTOR_H_
#define TSW_ENGINE_QUERY_VECTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/query/ast.h"
#include "tsw/query.h"

namespace tsw::query {

// Which value array a type uses: DOUBLE -> dbls, VARCHAR -> strs, UNKNOWN -> none,
// every other type -> ints (BOOLEAN 0/1, TIMESTAMP and intervals in nanoseconds).
enum class Physical { kInt, kDouble, kString, kNone };
inline Physical PhysicalOf(ScalarType t) {
  switch (t) {
    case ScalarType::kDouble:
      return Physical::kDouble;
    case ScalarType::kVarchar:
      return Physical::kString;
    case ScalarType::kUnknown:
      return Physical::kNone;
    default:
      return Physical::kInt;
  }
}

struct Vec {
  ScalarType type = ScalarType::kUnknown;
  bool constant = false;
  std::vector<int64_t> ints;
  std::vector<double> dbls;
  std::vector<std::string> strs;
  std::vector<uint8_t> present;  // 1 where the row has a value.

  size_t Idx(size_t row) const { return constant ? 0 : row; }
  bool Valid(size_t row) const { return present[Idx(row)] != 0; }
  size_t size() const { return present.size(); }

  // `n` rows of `type`, all NULL.
  static Vec Nulls(ScalarType type, size_t n, bool constant = false) {
    Vec v;
    v.type = type;
    v.constant = constant;
    v.Resize(n);
    return v;
  }
  // Grows (or shrinks) to `n` rows; new rows are NULL.
  void Resize(size_t n) {
    present.resize(n, 0);
    switch (PhysicalOf(type)) {
      case Physical::kInt:
        ints.resize(n);
        break;
      case Physical::kDouble:
        dbls.resize(n);
        break;
      case Physical::kString:
        strs.resize(n);
        break;
      case Physical::kNone:
        break;
    }
  }
  static Vec Constant(const Scalar& s) {
    Vec v = Nulls(s.type, 1, /*constant=*/true);
    if (s.null || s.type == ScalarType::kUnknown) return v;
    v.present[0] = 1;
    switch (PhysicalOf(s.type)) {
      case Physical::kInt:
        v.ints[0] = s.i;
        break;
      case Physical::kDouble:
        v.dbls[0] = s.d;
        break;
      case Physical::kString:
        v.strs[0] = s.s;
        break;
      case Physical::kNone:
        break;
    }
    return v;
  }
  Scalar Get(size_t row) const {
    Scalar s;
    s.type = type;
    const size_t i = Idx(row);
    s.null = !present[i];
    if (s.null) return s;
    switch (PhysicalOf(type)) {
      case Physical::kInt:
        s.i = ints[i];
        break;
      case Physical::kDouble:
        s.d = dbls[i];
        break;
      case Physical::kString:
        s.s = strs[i];
        break;
      case Physical::kNone:
        s.null = true;
        break;
    }
    return s;
  }
  double AsDouble(size_t row) const {
    const size_t i = Idx(row);
    return type == ScalarType::kDouble ? dbls[i] : static_cast<double>(ints[i]);
  }
};

// The rows an operation looks at: `idx[0..count)` or, when idx is null, 0..count.
struct Sel {
  const uint32_t* idx = nullptr;
  size_t count = 0;
  size_t operator[](size_t k) const { return idx != nullptr ? idx[k] : k; }
};

template <typename F>
inline void ForEachRow(const Sel& sel, F&& f) {
  if (sel.idx != nullptr) {
    for (size_t k = 0; k < sel.count; ++k) f(static_cast<size_t>(sel.idx[k]));
  } else {
    for (size_t r = 0; r < sel.count; ++r) f(r);
  }
}

// The input of an evaluation: `n` rows; `cols[slot]` is the vector of input column
// `slot` (null for columns no expression reads).
using VecPtr = std::shared_ptr<const Vec>;
struct Chunk {
  size_t n = 0;
  std::vector<VecPtr> cols;
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_VECTOR_H_
