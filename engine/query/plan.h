// A bound, optimized query: where its rows come from (a table scan with pushed-down time
// range, measure names and dimension equalities, or a sub-query's answer), the residual
// filter, the grouping and aggregates, the output expressions, the order and the limit.
// Built by the binder (binder.h), run by the executor (executor.h).
#ifndef TSW_ENGINE_QUERY_PLAN_H_
#define TSW_ENGINE_QUERY_PLAN_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/latest_columns.h"
#include "engine/query/ast.h"
#include "tsw/query.h"
#include "tsw/types.h"

namespace tsw::query {

struct InputColumn {
  std::string name;
  ScalarType type = ScalarType::kUnknown;
};

// Where a table input column's values come from in a ScanBatch.
struct TableColumnSource {
  enum Kind { kDimension, kMeasureName, kTime, kMeasureValue, kAttribute };
  Kind kind = kTime;
  std::string name;                                         // Dimension or attribute name.
  MeasureValueType value_type = MeasureValueType::kDouble;  // kMeasureValue, kAttribute.
};

enum class AggKind {
  kCountStar,
  kCount,
  kSum,
  kAvg,
  kMin,
  kMax,
  kMaxBy,
  kMinBy,
  kApproxPercentile,
  kStddev,
};

struct AggCall {
  AggKind kind = AggKind::kCountStar;
  std::vector<std::unique_ptr<Expr>> args;  // Bound over the input.
  ScalarType result_type = ScalarType::kBigint;
  double percentile = 0;  // approx_percentile.
};

struct SortKey {
  int output = -1;             // An output column, or
  std::unique_ptr<Expr> expr;  // an expression over the rows the outputs are made from.
  bool descending = false;
  bool nulls_first = false;
};

struct Plan {
  std::vector<SelectColumn> columns;  // The answer's columns.

  // The input: a table or a sub-query.
  std::vector<InputColumn> input;
  std::vector<bool> input_used;  // Slots some expression reads.
  bool from_table = false;
  ScanRequest scan;         // from_table.
  bool scan_empty = false;  // The pushed-down predicates select nothing.
  // A pushed-down `dimension IN (...)`: one scan per value, each with `scan`'s filters
  // and dimension = value.
  std::string scan_dimension;
  std::vector<std::string> scan_dimension_values;
  std::vector<TableColumnSource> sources;  // from_table: per input slot.
  // scan.latest_only: what to read of each key's latest row, one spec per input slot an
  // expression reads, and that slot (latest_rows.h).
  std::vector<LatestColumnSpec> latest_columns;
  std::vector<size_t> latest_slots;
  std::unique_ptr<Plan> subquery;  // !from_table.

  std::unique_ptr<Expr> where;  // Residual filter over the input; may be null.

  // Aggregation: the group row is [keys..., aggregates...]; `having`, `outputs` and the
  // sort keys' expressions are then bound over it.
  bool aggregate = false;
  std::vector<std::unique_ptr<Expr>> group_keys;
  std::vector<AggCall> aggs;
  std::unique_ptr<Expr> having;

  std::vector<std::unique_ptr<Expr>> outputs;
  std::vector<SortKey> order;
  bool distinct = false;
  std::optional<int64_t> limit;
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_PLAN_H_
