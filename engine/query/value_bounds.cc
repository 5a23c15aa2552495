#include "engine/query/value_bounds.h"

#include <optional>
#include <utility>

namespace tsw::query {
namespace {

std::optional<ValueBound::Op> OpOf(const std::string& name, bool flipped) {
  if (name == "=") return ValueBound::Op::kEqual;
  if (name == "<") return flipped ? ValueBound::Op::kGreater : ValueBound::Op::kLess;
  if (name == "<=") return flipped ? ValueBound::Op::kGreaterEqual : ValueBound::Op::kLessEqual;
  if (name == ">") return flipped ? ValueBound::Op::kLess : ValueBound::Op::kGreater;
  if (name == ">=") return flipped ? ValueBound::Op::kLessEqual : ValueBound::Op::kGreaterEqual;
  return std::nullopt;
}

// `e` as a bound, if it is `attribute op constant` or `constant op attribute`.
std::optional<ValueBound> BoundOf(const Plan& plan, const Expr& e) {
  if (e.kind != ExprKind::kBinary || e.args.size() != 2) return std::nullopt;
  const bool flipped = e.args[0]->kind != ExprKind::kColumn;
  const Expr& column = *e.args[flipped ? 1 : 0];
  const Expr& constant = *e.args[flipped ? 0 : 1];
  const std::optional<ValueBound::Op> op = OpOf(e.name, flipped);
  if (!op.has_value() || column.kind != ExprKind::kColumn || column.slot < 0 ||
      static_cast<size_t>(column.slot) >= plan.sources.size() ||
      constant.kind != ExprKind::kLiteral || constant.literal.null) {
    return std::nullopt;
  }
  const TableColumnSource& source = plan.sources[column.slot];
  const MeasureValueType type = source.value_type;
  if (source.kind != TableColumnSource::kAttribute ||
      (type != MeasureValueType::kDouble && type != MeasureValueType::kBigint) ||
      ScalarOf(type) != plan.input[column.slot].type) {
    return std::nullopt;
  }
  ValueBound bound;
  bound.attribute = source.name;
  bound.type = type;
  bound.op = *op;
  if (constant.literal.type == ScalarType::kBigint) {
    bound.integer = true;
    bound.i = constant.literal.i;
  } else if (constant.literal.type == ScalarType::kDouble) {
    bound.d = constant.literal.d;
  } else {
    return std::nullopt;
  }
  return bound;
}

void Collect(const Plan& plan, const Expr& e, std::vector<ValueBound>* bounds) {
  if (e.kind == ExprKind::kBinary && e.name == "and" && e.args.size() == 2) {
    Collect(plan, *e.args[0], bounds);
    Collect(plan, *e.args[1], bounds);
    return;
  }
  if (std::optional<ValueBound> bound = BoundOf(plan, e); bound.has_value()) {
    bounds->push_back(*std::move(bound));
  }
}

}  // namespace

std::vector<ValueBound> WhereValueBounds(const Plan& plan) {
  std::vector<ValueBound> bounds;
  if (plan.where != nullptr && plan.from_table) Collect(plan, *plan.where, &bounds);
  return bounds;
}

}  // namespace tsw::query
