// The scalar functions and casts of the subset: their signatures (for the binder) and
// their evaluation over column vectors (for the evaluator). Aggregates are in
// aggregates.h.
#ifndef TSW_ENGINE_QUERY_FUNCTIONS_H_
#define TSW_ENGINE_QUERY_FUNCTIONS_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/query/ast.h"
#include "engine/query/evaluator.h"
#include "engine/query/vector.h"

namespace tsw::query {

// The type names the service prints in messages ("bigint", "varchar", ...).
absl::string_view TypeText(ScalarType type);

// The result type of the call or cast `e` whose arguments are bound, or a
// ValidationException at `e` (unknown function, wrong argument count or types).
absl::StatusOr<ScalarType> ScalarFunctionType(const Expr& e);

// The type both `a` and `b` convert to (BIGINT and DOUBLE to DOUBLE; UNKNOWN to the
// other), or nullopt.
std::optional<ScalarType> CommonType(ScalarType a, ScalarType b);

// Evaluates a kFunction (scalar) or kCast node.
absl::StatusOr<VecPtr> EvalFunction(const Expr& e, const Chunk& chunk, const Sel& sel,
                                    const EvalContext& ctx);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_FUNCTIONS_H_
