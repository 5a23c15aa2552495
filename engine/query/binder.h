// Turns a parsed Select into a Plan: resolves names against the table's columns (or a
// WITH / sub-query's answer), types every expression, separates aggregates from group
// keys, and pushes the WHERE clause's time bounds, measure_name and dimension
// equalities down into the table scan. Every error is a ValidationException at the
// construct's line:column, except a missing table (the source's ResourceNotFound).
#ifndef TSW_ENGINE_QUERY_BINDER_H_
#define TSW_ENGINE_QUERY_BINDER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "engine/query/ast.h"
#include "engine/query/evaluator.h"
#include "engine/query/plan.h"
#include "engine/query/query_engine.h"

namespace tsw::query {

absl::StatusOr<std::unique_ptr<Plan>> BuildPlan(const Select& select, QuerySource& source,
                                                const EvalContext& ctx);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_BINDER_H_
