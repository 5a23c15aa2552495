#include "engine/query/value_bounds.h"

#include <cstdint>
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

// A numeric literal, or one under a unary minus (`-2.5` parses as one), as a bound's
// constant; false for anything else.
bool ConstantOf(const Expr& e, ValueBound* bound) {
  const bool negated = e.kind == ExprKind::kUnary && e.name == "-" && e.args.size() == 1;
  const Expr& literal = negated ? *e.args[0] : e;
  if (literal.kind != ExprKind::kLiteral || literal.literal.null) return false;
  if (literal.literal.type == ScalarType::kBigint) {
    if (negated && literal.literal.i == INT64_MIN) return false;  // -INT64_MIN overflows.
    bound->integer = true;
    bound->i = negated ? -literal.literal.i : literal.literal.i;
    return true;
  }
  if (literal.literal.type == ScalarType::kDouble) {
    bound->d = negated ? -literal.literal.d : literal.literal.d;
    return true;
  }
  return false;
}

// `e` as a bound, if it is `attribute op constant` or `constant op attribute`.
std::optional<ValueBound> BoundOf(const Plan& plan, const Expr& e) {
  if (e.kind != ExprKind::kBinary || e.args.size() != 2) return std::nullopt;
  const bool flipped = e.args[0]->kind != ExprKind::kColumn;
  const Expr& column = *e.args[flipped ? 1 : 0];
  const Expr& constant = *e.args[flipped ? 0 : 1];
  const std::optional<ValueBound::Op> op = OpOf(e.name, flipped);
  if (!op.has_value() || column.kind != ExprKind::kColumn || column.slot < 0 ||
      static_cast<size_t>(column.slot) >= plan.sources.size()) {
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
  if (!ConstantOf(constant, &bound)) return std::nullopt;
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
