// Evaluates bound expressions (binder.h) over a Chunk of column vectors. Each operator
// runs one typed loop over the selected rows; an operator whose inputs are all constant
// (a dimension, measure_name, a literal) runs once and yields a constant, so predicates
// and keys on what a scan batch fixes cost one evaluation per batch.
//
// Values follow the service: NULL in, NULL out (three-valued AND/OR/NOT), BIGINT
// arithmetic checks overflow and division by zero ("Division by zero"), DOUBLE follows
// IEEE 754.
#ifndef TSW_ENGINE_QUERY_EVALUATOR_H_
#define TSW_ENGINE_QUERY_EVALUATOR_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/query/ast.h"
#include "engine/query/vector.h"

namespace tsw::query {

struct EvalContext {
  int64_t now_nanos = 0;  // now()
};

// The value of `expr` at the rows of `sel` (other rows of the result are unspecified).
// The result is constant when every input of `expr` is.
absl::StatusOr<VecPtr> Evaluate(const Expr& expr, const Chunk& chunk, const Sel& sel,
                                const EvalContext& ctx);

// The rows of `sel` where the BOOLEAN `predicate` is TRUE, into `out`.
absl::Status FilterRows(const Expr& predicate, const Chunk& chunk, const Sel& sel,
                        const EvalContext& ctx, std::vector<uint32_t>* out);

// Copies row `in_row` of `in` to row `out_row` of `out` (BIGINT to DOUBLE where `out` is
// DOUBLE); leaves `out_row` NULL where `in_row` is.
void AssignValue(const Vec& in, size_t in_row, Vec& out, size_t out_row);

// A constant expression's value (no column references).
absl::StatusOr<Scalar> EvaluateConstant(const Expr& expr, const EvalContext& ctx);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_EVALUATOR_H_
