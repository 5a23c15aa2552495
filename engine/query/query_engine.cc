#include "engine/query/query_engine.h"

#include "engine/query/binder.h"
#include "engine/query/executor.h"
#include "engine/query/latest_rows.h"
#include "engine/query/parser.h"

namespace tsw::query {

absl::StatusOr<std::vector<SelectColumn>> Prepare(std::string_view query_string,
                                                  QuerySource& source) {
  absl::StatusOr<std::unique_ptr<Select>> select = Parse(query_string);
  if (!select.ok()) return select.status();
  EvalContext ctx{source.NowNanos()};
  absl::StatusOr<std::unique_ptr<Plan>> plan = BuildPlan(**select, source, ctx);
  if (!plan.ok()) return plan.status();
  return (*plan)->columns;
}

absl::Status Execute(std::string_view query_string, QuerySource& source, const QueryLimits& limits,
                     const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned) {
  absl::StatusOr<std::unique_ptr<Select>> select = Parse(query_string);
  if (!select.ok()) return select.status();
  EvalContext ctx{source.NowNanos()};
  absl::StatusOr<std::unique_ptr<Plan>> plan = BuildPlan(**select, source, ctx);
  if (!plan.ok()) return plan.status();
  if (limits.latest_rows) UseLatestRows(plan->get());
  return RunPlan(**plan, source, ctx, limits, visitor, bytes_scanned);
}

}  // namespace tsw::query
