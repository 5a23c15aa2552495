// Runs a Plan: scans the table with the plan's pushed-down request (or runs the
// sub-query), turns each ScanBatch into a Chunk of column vectors (a batch is one series
// and one measure, so dimensions and measure_name are constant vectors), filters,
// aggregates in one hash pass, and hands the answer to the visitor in QueryBatches.
// ORDER BY with LIMIT n keeps at most a few times n rows; state beyond
// QueryLimits::memory_limit_bytes fails the query with a ValidationException.
#ifndef TSW_ENGINE_QUERY_EXECUTOR_H_
#define TSW_ENGINE_QUERY_EXECUTOR_H_

#include <functional>

#include "absl/status/status.h"
#include "engine/query/evaluator.h"
#include "engine/query/plan.h"
#include "engine/query/query_engine.h"

namespace tsw::query {

absl::Status RunPlan(const Plan& plan, QuerySource& source, const EvalContext& ctx,
                     const QueryLimits& limits,
                     const std::function<bool(const QueryBatch&)>& visitor, int64_t* bytes_scanned);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_EXECUTOR_H_
