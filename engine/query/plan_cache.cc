#include "engine/query/plan_cache.h"

#include <utility>

#include "engine/query/binder.h"
#include "engine/query/latest_rows.h"

namespace tsw::query {
namespace {

bool ExprReadsNow(const Expr* e) {
  if (e == nullptr) return false;
  if (e->kind == ExprKind::kFunction && (e->name == "now" || e->name == "ago")) return true;
  for (const auto& arg : e->args) {
    if (ExprReadsNow(arg.get())) return true;
  }
  return false;
}

// Forwards to `source`, noting every Columns() answer for the cache entry.
class RecordingSource final : public QuerySource {
 public:
  explicit RecordingSource(QuerySource& source) : source_(source) {}

  absl::StatusOr<TableColumns> Columns(std::string_view database, std::string_view table) override {
    absl::StatusOr<TableColumns> columns = source_.Columns(database, table);
    PlanCache::Lookup lookup;
    lookup.database = std::string(database);
    lookup.table = std::string(table);
    lookup.found = columns.ok();
    if (columns.ok()) lookup.columns = *columns;
    lookups_.push_back(std::move(lookup));
    return columns;
  }
  absl::Status Scan(const ScanRequest& request,
                    const std::function<bool(const ScanBatch&)>& visitor) override {
    return source_.Scan(request, visitor);
  }
  absl::Status ScanLatestColumns(const ScanRequest& request,
                                 const std::vector<LatestColumnSpec>& specs,
                                 LatestColumns* out) override {
    return source_.ScanLatestColumns(request, specs, out);
  }
  int64_t NowNanos() const override { return source_.NowNanos(); }

  std::vector<PlanCache::Lookup> TakeLookups() { return std::move(lookups_); }

 private:
  QuerySource& source_;
  std::vector<PlanCache::Lookup> lookups_;
};

// True when `entry` holds the plan `source` and `ctx` would bind now.
bool StillValid(const PlanCache::Entry& entry, QuerySource& source, const EvalContext& ctx) {
  if (entry.reads_now && entry.now_nanos != ctx.now_nanos) return false;
  for (const PlanCache::Lookup& lookup : entry.lookups) {
    // Compared in place by the source (no copy of the table's names per run).
    absl::StatusOr<bool> same = source.HasColumns(lookup.database, lookup.table, lookup.columns);
    if (same.ok() != lookup.found) return false;
    if (same.ok() && !*same) return false;
  }
  return true;
}

}  // namespace

bool ReadsNow(const Select& select) {
  for (const CommonTable& with : select.with) {
    if (with.query != nullptr && ReadsNow(*with.query)) return true;
  }
  if (select.from.subquery != nullptr && ReadsNow(*select.from.subquery)) return true;
  for (const SelectItem& item : select.items) {
    if (ExprReadsNow(item.expr.get())) return true;
  }
  for (const auto& key : select.group_by) {
    if (ExprReadsNow(key.get())) return true;
  }
  for (const OrderItem& item : select.order_by) {
    if (ExprReadsNow(item.expr.get())) return true;
  }
  return ExprReadsNow(select.where.get()) || ExprReadsNow(select.having.get());
}

absl::StatusOr<std::shared_ptr<const Plan>> PlanCache::Get(std::string_view text,
                                                           QuerySource& source,
                                                           const EvalContext& ctx, bool latest_rows,
                                                           ParseCache& parses) {
  std::string key;
  key.reserve(text.size() + 1);
  key.push_back(latest_rows ? '1' : '0');
  key.append(text);
  const std::shared_ptr<const Entry> cached = entries_.Find(key);
  // Checked outside the lock: Columns() takes the table's lock.
  if (cached != nullptr && StillValid(*cached, source, ctx)) return cached->plan;

  absl::StatusOr<std::shared_ptr<const Select>> select = parses.Parse(text);
  if (!select.ok()) return select.status();
  RecordingSource recording(source);
  absl::StatusOr<std::unique_ptr<Plan>> plan = BuildPlan(**select, recording, ctx);
  if (!plan.ok()) return plan.status();
  if (latest_rows) UseLatestRows(plan->get());
  auto entry = std::make_shared<Entry>();
  entry->plan = std::move(*plan);
  entry->lookups = recording.TakeLookups();
  entry->reads_now = ReadsNow(**select);
  entry->now_nanos = ctx.now_nanos;
  std::shared_ptr<const Plan> result = entry->plan;
  if (text.size() > ParseCache::kMaxTextBytes) return result;
  // A stale entry under the key goes; the key keeps its place.
  entries_.Insert(std::move(key), std::move(entry), /*replace=*/true);
  return result;
}

}  // namespace tsw::query
