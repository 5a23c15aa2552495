#include "engine/query/query_engine.h"

#include "engine/query/executor.h"
#include "engine/query/parse_cache.h"
#include "engine/query/plan_cache.h"

namespace tsw::query {
namespace {

// Shared by every engine in the process: an entry depends on the query text alone.
ParseCache& SharedParseCache() {
  static ParseCache* const cache = new ParseCache(256);
  return *cache;
}

// Shared too: an entry is checked against the source it is used with (plan_cache.h).
PlanCache& SharedPlanCache() {
  static PlanCache* const cache = new PlanCache(256);
  return *cache;
}

}  // namespace

absl::StatusOr<bool> QuerySource::HasColumns(std::string_view database_name,
                                             std::string_view table_name,
                                             const TableColumns& columns) {
  absl::StatusOr<TableColumns> now = Columns(database_name, table_name);
  if (!now.ok()) return now.status();
  return *now == columns;
}

absl::Status QuerySource::ScanLatestColumns(const ScanRequest& request,
                                            const std::vector<LatestColumnSpec>& specs,
                                            LatestColumns* out) {
  StartLatestColumns(specs, out);
  std::vector<size_t> hints(specs.size(), 0);
  ScanRequest latest = request;
  latest.latest_only = true;
  return Scan(latest, [&](const ScanBatch& batch) {
    for (size_t r = 0; r < batch.time_nanos.size(); ++r) {
      AppendLatestRow(batch, r, specs, &hints, out);
    }
    return true;
  });
}

absl::Status QuerySource::ScanFiltered(const ScanRequest&, const RowFilter&,
                                       const std::function<bool(ScanBatch&)>&) {
  return absl::UnimplementedError("this source does not filter rows in its scans");
}

absl::StatusOr<std::vector<SelectColumn>> Prepare(std::string_view query_string,
                                                  QuerySource& source) {
  EvalContext ctx{source.NowNanos()};
  absl::StatusOr<std::shared_ptr<const Plan>> plan =
      SharedPlanCache().Get(query_string, source, ctx, /*latest_rows=*/true, SharedParseCache());
  if (!plan.ok()) return plan.status();
  return (*plan)->columns;
}

absl::Status Execute(std::string_view query_string, QuerySource& source, const QueryLimits& limits,
                     const std::function<bool(const QueryBatch&)>& visitor,
                     int64_t* bytes_scanned) {
  EvalContext ctx{source.NowNanos()};
  absl::StatusOr<std::shared_ptr<const Plan>> plan =
      SharedPlanCache().Get(query_string, source, ctx, limits.latest_rows, SharedParseCache());
  if (!plan.ok()) return plan.status();
  return RunPlan(**plan, source, ctx, limits, visitor, bytes_scanned);
}

}  // namespace tsw::query
