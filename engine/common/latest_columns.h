// LatestColumns: the latest rows of many (series, measure) keys as columns, for the query
// engine's "last point" queries (engine/query/latest_rows.h). A latest_only scan hands
// out one ScanBatch per key with every dimension and attribute, which the executor then
// copies into its column vectors; this form carries only the columns the query reads,
// already one value per key, so the scan fills them and the executor moves them.
//
// Shared by the query engine (which asks, engine/query/query_engine.h) and the table
// layer (which answers, engine/table/table_store.h, engine/scan/latest_columns_builder.h),
// neither of which may depend on the other.
//
// Thread-compatible value types.
#ifndef TSW_ENGINE_COMMON_LATEST_COLUMNS_H_
#define TSW_ENGINE_COMMON_LATEST_COLUMNS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"
#include "tsw/types.h"

namespace tsw {

// One column wanted from each key's latest row.
struct LatestColumnSpec {
  enum Kind { kDimension, kMeasureName, kTime, kMeasureValue, kAttribute };
  Kind kind = kTime;
  std::string name;  // kDimension, kAttribute: the dimension's or attribute's name.
  // kMeasureValue, kAttribute: the value's type. A row whose value has another type (or
  // a scalar measure's row for an attribute, a MULTI row for a measure value) reads NULL,
  // as the query engine's column of that name and type has no value there.
  MeasureValueType type = MeasureValueType::kDouble;
};

// The answer: `rows` rows, one per key in the order a latest_only scan would hand the
// keys out; columns[i] answers spec i. Values are in ScanColumn's arrays by type:
// kDimension and kMeasureName in `strings` (kVarchar; a series without the dimension
// is NULL), kTime in `ints` (kTimestamp), values by their spec's type (DOUBLE ->
// doubles, VARCHAR -> strings, others -> ints). Every column has `present` (1 where the
// row has a value) and its one value array, each `rows` long.
struct LatestColumns {
  size_t rows = 0;
  std::vector<ScanColumn> columns;
};

// Empties *out and gives it one column per spec, of the type above.
void StartLatestColumns(const std::vector<LatestColumnSpec>& specs, LatestColumns* out);

// Appends a value to `column`: `bits` holds a DOUBLE's or an int64's 8 bytes, `text` a
// VARCHAR's value; neither is read when !present. Always inlined: called once per cell of
// a latest-rows read, where gcc otherwise keeps it a call.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void AppendLatestValue(ScanColumn* column, bool present,
                                                           uint64_t bits, absl::string_view text) {
  column->present.push_back(present ? 1 : 0);
  switch (column->type) {
    case MeasureValueType::kDouble: {
      double d = 0;
      if (present) std::memcpy(&d, &bits, sizeof(d));
      column->doubles.push_back(d);
      break;
    }
    case MeasureValueType::kVarchar:
      column->strings.emplace_back(present ? text : absl::string_view());
      break;
    default:
      column->ints.push_back(present ? static_cast<int64_t>(bits) : 0);
      break;
  }
}

// The value of dimension `name` in `dimensions`, or null. Consecutive keys mostly have
// the same dimensions in the same order: `*hint`, where the previous key had it, is
// tried first, and set.
const std::string* FindLatestDimension(const std::vector<Dimension>& dimensions,
                                       const std::string& name, size_t* hint);

// Appends row `r` of `batch` (a ScanBatch or a RowBatch: the same fields) to *out, whose
// columns StartLatestColumns made for `specs`. `hints` has one entry per spec (zeros at
// first), for the lookups by name.
template <typename Batch>
void AppendLatestRow(const Batch& batch, size_t r, const std::vector<LatestColumnSpec>& specs,
                     std::vector<size_t>* hints, LatestColumns* out) {
  for (size_t c = 0; c < specs.size(); ++c) {
    const LatestColumnSpec& spec = specs[c];
    ScanColumn* to = &out->columns[c];
    switch (spec.kind) {
      case LatestColumnSpec::kDimension: {
        const std::string* value = FindLatestDimension(batch.dimensions, spec.name, &(*hints)[c]);
        AppendLatestValue(to, value != nullptr, 0, value != nullptr ? *value : absl::string_view());
        continue;
      }
      case LatestColumnSpec::kMeasureName:
        AppendLatestValue(to, true, 0, batch.measure_name);
        continue;
      case LatestColumnSpec::kTime:
        AppendLatestValue(to, true, static_cast<uint64_t>(batch.time_nanos[r]), {});
        continue;
      default:
        break;
    }
    // A value: the measure's one column, or the MULTI attribute of this name and type.
    const auto* from = batch.columns.data();
    const size_t n = batch.columns.size();
    size_t& hint = (*hints)[c];
    if (spec.kind == LatestColumnSpec::kMeasureValue) {
      if (batch.measure_value_type != spec.type || n == 0) from = nullptr;
    } else if (batch.measure_value_type != MeasureValueType::kMulti) {
      from = nullptr;
    } else if (hint < n && from[hint].name == spec.name && from[hint].type == spec.type) {
      from += hint;
    } else {
      size_t i = 0;
      while (i < n && !(from[i].name == spec.name && from[i].type == spec.type)) ++i;
      if (i < n) hint = i;
      from = i < n ? from + i : nullptr;
    }
    if (from == nullptr || (!from->present.empty() && from->present[r] == 0)) {
      AppendLatestValue(to, false, 0, {});
      continue;
    }
    switch (from->type) {
      case MeasureValueType::kDouble: {
        uint64_t bits;
        std::memcpy(&bits, &from->doubles[r], sizeof(bits));
        AppendLatestValue(to, true, bits, {});
        break;
      }
      case MeasureValueType::kVarchar:
        AppendLatestValue(to, true, 0, from->strings[r]);
        break;
      default:
        AppendLatestValue(to, true, static_cast<uint64_t>(from->ints[r]), {});
        break;
    }
  }
  ++out->rows;
}

}  // namespace tsw

#endif  // TSW_ENGINE_COMMON_LATEST_COLUMNS_H_
