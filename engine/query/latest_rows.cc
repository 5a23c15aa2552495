#include "engine/query/latest_rows.h"

namespace tsw::query {
namespace {

// The table source of input slot `slot`, or null.
const TableColumnSource* SourceOf(const Plan& plan, int slot) {
  if (slot < 0 || static_cast<size_t>(slot) >= plan.sources.size()) return nullptr;
  return &plan.sources[static_cast<size_t>(slot)];
}

bool IsTime(const Plan& plan, const Expr& e) {
  if (e.kind != ExprKind::kColumn) return false;
  const TableColumnSource* source = SourceOf(plan, e.slot);
  return source != nullptr && source->kind == TableColumnSource::kTime;
}

// True when `e` reads no input column but dimensions and measure_name, and calls no
// aggregate: its value is the same on every row of a (series, measure).
bool ConstantPerKey(const Plan& plan, const Expr& e) {
  if (e.kind == ExprKind::kColumn) {
    const TableColumnSource* source = SourceOf(plan, e.slot);
    return source != nullptr && (source->kind == TableColumnSource::kDimension ||
                                 source->kind == TableColumnSource::kMeasureName);
  }
  for (const auto& arg : e.args) {
    if (arg == nullptr || !ConstantPerKey(plan, *arg)) return false;
  }
  return true;
}

bool ExactOnLatestRows(const Plan& plan, const AggCall& agg) {
  switch (agg.kind) {
    case AggKind::kMax:
      return agg.args.size() == 1 && IsTime(plan, *agg.args[0]);
    case AggKind::kMaxBy:
      return agg.args.size() == 2 && agg.args[0]->kind == ExprKind::kColumn &&
             SourceOf(plan, agg.args[0]->slot) != nullptr && IsTime(plan, *agg.args[1]);
    default:
      return false;
  }
}

}  // namespace

bool AnswerableFromLatestRows(const Plan& plan) {
  if (!plan.from_table || !plan.aggregate || plan.aggs.empty()) return false;
  if (plan.sources.size() != plan.input.size()) return false;
  if (plan.where != nullptr && !ConstantPerKey(plan, *plan.where)) return false;
  for (const auto& key : plan.group_keys) {
    if (!ConstantPerKey(plan, *key)) return false;
  }
  for (const AggCall& agg : plan.aggs) {
    if (!ExactOnLatestRows(plan, agg)) return false;
  }
  return true;
}

void UseLatestRows(Plan* plan) {
  for (Plan* p = plan; p != nullptr; p = p->subquery.get()) {
    if (!AnswerableFromLatestRows(*p)) continue;
    p->scan.latest_only = true;
    p->latest_columns.clear();
    p->latest_slots.clear();
    for (size_t slot = 0; slot < p->input.size(); ++slot) {
      if (!p->input_used[slot]) continue;
      const TableColumnSource& source = p->sources[slot];
      LatestColumnSpec spec;
      spec.name = source.name;
      spec.type = source.value_type;
      switch (source.kind) {
        case TableColumnSource::kDimension:
          spec.kind = LatestColumnSpec::kDimension;
          break;
        case TableColumnSource::kMeasureName:
          spec.kind = LatestColumnSpec::kMeasureName;
          break;
        case TableColumnSource::kTime:
          spec.kind = LatestColumnSpec::kTime;
          break;
        case TableColumnSource::kMeasureValue:
          spec.kind = LatestColumnSpec::kMeasureValue;
          break;
        case TableColumnSource::kAttribute:
          spec.kind = LatestColumnSpec::kAttribute;
          break;
      }
      p->latest_columns.push_back(std::move(spec));
      p->latest_slots.push_back(slot);
    }
  }
}

}  // namespace tsw::query
