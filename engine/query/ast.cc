#include "engine/query/ast.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/query/time_util.h"

namespace tsw::query {

std::unique_ptr<Expr> Expr::Clone() const {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  e->name = name;
  e->literal = literal;
  for (const auto& arg : args) e->args.push_back(arg->Clone());
  e->negated = negated;
  e->star = star;
  e->distinct = distinct;
  e->has_operand = has_operand;
  e->has_else = has_else;
  e->cast_type = cast_type;
  e->type = type;
  e->slot = slot;
  return e;
}

namespace {

std::string LiteralText(const Scalar& v) {
  if (v.null) return "null";
  switch (v.type) {
    case ScalarType::kVarchar:
      return absl::StrCat("'", v.s, "'");
    case ScalarType::kBoolean:
      return v.i ? "true" : "false";
    case ScalarType::kBigint:
      return absl::StrCat(v.i);
    case ScalarType::kDouble:
      return absl::StrCat(v.d, "d");
    case ScalarType::kTimestamp:
      return absl::StrCat("timestamp '", FormatTimestamp(v.i), "'");
    case ScalarType::kIntervalDayToSecond:
      return absl::StrCat(v.i, "ns");
    default:
      return "?";
  }
}

}  // namespace

std::string Expr::ToString() const {
  std::vector<std::string> parts;
  for (const auto& arg : args) parts.push_back(arg->ToString());
  const std::string n = negated ? "not " : "";
  switch (kind) {
    case ExprKind::kLiteral:
      return LiteralText(literal);
    case ExprKind::kColumn:
      return absl::StrCat("\"", name, "\"");
    case ExprKind::kUnary:
      return absl::StrCat("(", name, " ", parts[0], ")");
    case ExprKind::kBinary:
      return absl::StrCat("(", parts[0], " ", name, " ", parts[1], ")");
    case ExprKind::kFunction:
      return absl::StrCat(name, "(", distinct ? "distinct " : "", star ? "*" : "",
                          absl::StrJoin(parts, ", "), ")");
    case ExprKind::kCase:
      return absl::StrCat("case(", has_operand, has_else, " ", absl::StrJoin(parts, ", "), ")");
    case ExprKind::kCast:
      return absl::StrCat("cast(", parts[0], " as ", static_cast<int>(cast_type), ")");
    case ExprKind::kBetween:
      return absl::StrCat("(", parts[0], " ", n, "between ", parts[1], " and ", parts[2], ")");
    case ExprKind::kIn:
      return absl::StrCat("(", parts[0], " ", n, "in (",
                          absl::StrJoin(parts.begin() + 1, parts.end(), ", "), "))");
    case ExprKind::kLike:
      return absl::StrCat("(", parts[0], " ", n, "like ", parts[1], ")");
    case ExprKind::kIsNull:
      return absl::StrCat("(", parts[0], " is ", n, "null)");
  }
  return "?";
}

ScalarType ScalarOf(MeasureValueType t) {
  switch (t) {
    case MeasureValueType::kDouble:
      return ScalarType::kDouble;
    case MeasureValueType::kBigint:
      return ScalarType::kBigint;
    case MeasureValueType::kVarchar:
      return ScalarType::kVarchar;
    case MeasureValueType::kBoolean:
      return ScalarType::kBoolean;
    case MeasureValueType::kTimestamp:
      return ScalarType::kTimestamp;
    case MeasureValueType::kMulti:
      break;
  }
  return ScalarType::kUnknown;
}

}  // namespace tsw::query
