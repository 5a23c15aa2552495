#include "engine/query/query_engine.h"

#include "engine/query/binder.h"
#include "engine/query/executor.h"
#include "engine/query/latest_rows.h"
#include "engine/query/parse_cache.h"

namespace tsw::query {
namespace {

// Shared by every engine in the process: an entry depends on the query text alone.
ParseCache& SharedParseCache() {
  static ParseCache* const cache = new ParseCache(256);
  return *cache;
}

}  // namespace

absl::StatusOr<std::vector<SelectColumn>> Prepare(std::string_view query_string,
                                                  QuerySource& source) {
  absl::StatusOr<std::shared_ptr<const Select>> select = SharedParseCache().Parse(query_string);
  if (!select.ok()) return select.status();
  EvalContext ctx{source.NowNanos()};
  absl::StatusOr<std::unique_ptr<Plan>> plan = BuildPlan(**select, source, ctx);
  if (!plan.ok()) return plan.status();
  return (*plan)->columns;
}

absl::Status Execute(std::string_view query_string, QuerySource& source, const QueryLimits& limits,
                     const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned) {
  absl::StatusOr<std::shared_ptr<const Select>> select = SharedParseCache().Parse(query_string);
  if (!select.ok()) return select.status();
  EvalContext ctx{source.NowNanos()};
  absl::StatusOr<std::unique_ptr<Plan>> plan = BuildPlan(**select, source, ctx);
  if (!plan.ok()) return plan.status();
  if (limits.latest_rows) UseLatestRows(plan->get());
  return RunPlan(**plan, source, ctx, limits, visitor, bytes_scanned);
}

}  // namespace tsw::query
