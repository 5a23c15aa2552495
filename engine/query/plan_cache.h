// PlanCache: bound plans by query text, so a query run again (a dashboard's, a
// benchmark's) skips binding, pushdown and the latest-rows check, not only parsing.
//
// A bound plan is a function of the query text, of what the source's Columns() answered
// for each table the binder looked up (the binder reads nothing else of the source), of
// QueryLimits::latest_rows, and of now() when the query calls now() or ago() (the binder
// folds them into pushed-down time bounds). So an entry keeps the answers of its
// Columns() lookups and is used only when every one of them is the same again (same
// success or failure, same columns in the same order; asked of the source as
// QuerySource::HasColumns, which the engine answers by comparing the table's names in
// place rather than copying them out on every run): a table that learned a dimension,
// an attribute or a measure since, or was dropped or created, rebuilds the plan. A query
// that reads now() is reused only at the same now(). The runtime context (now() in
// expressions evaluated per row) is passed to the executor per run, never cached.
//
// Thread-safe. Entries are shared read-only (RunPlan reads a Plan, never changes it).
// Bounded: at most `capacity` entries of at most ParseCache::kMaxTextBytes of text; when
// full, the oldest entry goes. Errors are not cached.
#ifndef TSW_ENGINE_QUERY_PLAN_CACHE_H_
#define TSW_ENGINE_QUERY_PLAN_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/query/ast.h"
#include "engine/query/evaluator.h"
#include "engine/query/fifo_cache.h"
#include "engine/query/parse_cache.h"
#include "engine/query/plan.h"
#include "engine/query/query_engine.h"

namespace tsw::query {

// True when `select` (or any sub-query, WITH query or expression in it) calls now() or
// ago().
bool ReadsNow(const Select& select);

class PlanCache {
 public:
  explicit PlanCache(size_t capacity) : entries_(capacity) {}

  // The plan of `text` over `source` at `ctx`: the cached one if still valid (above),
  // else parsed through `parses` and bound anew (with UseLatestRows when `latest_rows`),
  // and cached. Errors are those of parsing, Columns() and binding.
  absl::StatusOr<std::shared_ptr<const Plan>> Get(std::string_view text, QuerySource& source,
                                                  const EvalContext& ctx, bool latest_rows,
                                                  ParseCache& parses);

  size_t size() const { return entries_.size(); }

  // One Columns() lookup the binder made, and its answer.
  struct Lookup {
    std::string database;
    std::string table;
    bool found = false;
    TableColumns columns;  // When found.
  };
  struct Entry {
    std::shared_ptr<const Plan> plan;
    std::vector<Lookup> lookups;
    bool reads_now = false;
    int64_t now_nanos = 0;  // The now() it was bound at, when reads_now.
  };

 private:
  // Keyed by latest_rows ('1' or '0') and the text.
  FifoCache<Entry> entries_;
};

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_PLAN_CACHE_H_
