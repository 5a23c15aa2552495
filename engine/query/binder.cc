#include "engine/query/binder.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/query/functions.h"
#include "tsw/status.h"

namespace tsw::query {
namespace {

// WITH names visible to a FROM, innermost last.
using CteScope = std::vector<std::pair<std::string, const Select*>>;

struct Scope {
  const std::vector<InputColumn>* columns = nullptr;
  std::vector<bool>* used = nullptr;  // Marks the slots read; may be null.
  // Why an aggregate may not appear here (WHERE, GROUP BY, inside an aggregate).
  absl::string_view no_aggregates = "aggregations are not allowed here";
};

bool IsAggregateName(absl::string_view n) {
  return n == "count" || n == "sum" || n == "avg" || n == "min" || n == "max" || n == "max_by" ||
         n == "min_by" || n == "approx_percentile" || n == "stddev" || n == "stddev_samp";
}

bool HasColumn(const Expr& e) {
  if (e.kind == ExprKind::kColumn) return true;
  for (const auto& a : e.args) {
    if (HasColumn(*a)) return true;
  }
  return false;
}

bool HasAggregate(const Expr& e) {
  if (e.kind == ExprKind::kFunction && IsAggregateName(e.name)) return true;
  for (const auto& a : e.args) {
    if (HasAggregate(*a)) return true;
  }
  return false;
}

std::unique_ptr<Expr> MakeNode(ExprKind kind, Position pos, std::string name,
                               std::vector<std::unique_ptr<Expr>> args) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  e->name = std::move(name);
  e->args = std::move(args);
  return e;
}

std::unique_ptr<Expr> MakeBinary(Position pos, std::string op, std::unique_ptr<Expr> a,
                                 std::unique_ptr<Expr> b) {
  std::vector<std::unique_ptr<Expr>> args;
  args.push_back(std::move(a));
  args.push_back(std::move(b));
  return MakeNode(ExprKind::kBinary, pos, std::move(op), std::move(args));
}

absl::Status BindExpr(std::unique_ptr<Expr>& e, const Scope& scope);

absl::Status ResolveColumn(Expr& e, const Scope& scope) {
  const std::vector<InputColumn>& cols = *scope.columns;
  if (e.slot < 0) {
    for (size_t i = 0; i < cols.size() && e.slot < 0; ++i) {
      if (cols[i].name == e.name) e.slot = static_cast<int>(i);
    }
    for (size_t i = 0; i < cols.size() && e.slot < 0; ++i) {
      if (absl::EqualsIgnoreCase(cols[i].name, e.name)) e.slot = static_cast<int>(i);
    }
    if (e.slot < 0) return SyntaxError(e.pos, absl::StrCat("Column '", e.name, "' does not exist"));
  }
  e.type = cols[e.slot].type;
  if (scope.used != nullptr) (*scope.used)[e.slot] = true;
  return absl::OkStatus();
}

absl::Status BinaryTypeError(const Expr& e) {
  return SyntaxError(
      e.pos, absl::StrCat("'", e.name, "' cannot be applied to ", TypeText(e.args[0]->type), ", ",
                          TypeText(e.args[1]->type)));
}

absl::StatusOr<ScalarType> ArithmeticType(const Expr& e) {
  const ScalarType a = e.args[0]->type, b = e.args[1]->type;
  using T = ScalarType;
  const auto numeric = [](T t) { return t == T::kBigint || t == T::kDouble || t == T::kUnknown; };
  if (numeric(a) && numeric(b)) {
    if (a == T::kUnknown && b == T::kUnknown) return T::kUnknown;
    return (a == T::kDouble || b == T::kDouble) ? T::kDouble : T::kBigint;
  }
  const bool additive = e.name == "+" || e.name == "-";
  const auto is = [](T t, T want) { return t == want || t == T::kUnknown; };
  if (additive && a == T::kTimestamp && is(b, T::kIntervalDayToSecond)) return T::kTimestamp;
  if (e.name == "+" && b == T::kTimestamp && is(a, T::kIntervalDayToSecond)) return T::kTimestamp;
  if (e.name == "-" && a == T::kTimestamp && b == T::kTimestamp) return T::kIntervalDayToSecond;
  if (additive && is(a, T::kIntervalDayToSecond) && is(b, T::kIntervalDayToSecond)) {
    return T::kIntervalDayToSecond;
  }
  return BinaryTypeError(e);
}

absl::StatusOr<ScalarType> BinaryType(const Expr& e) {
  const ScalarType a = e.args[0]->type, b = e.args[1]->type;
  using T = ScalarType;
  const auto is = [](T t, T want) { return t == want || t == T::kUnknown; };
  if (e.name == "and" || e.name == "or") {
    if (is(a, T::kBoolean) && is(b, T::kBoolean)) return T::kBoolean;
    return BinaryTypeError(e);
  }
  if (e.name == "||") {
    if (is(a, T::kVarchar) && is(b, T::kVarchar)) return T::kVarchar;
    return BinaryTypeError(e);
  }
  if (e.name == "+" || e.name == "-" || e.name == "*" || e.name == "/" || e.name == "%") {
    return ArithmeticType(e);
  }
  if (!CommonType(a, b)) return BinaryTypeError(e);
  return T::kBoolean;
}

// `value BETWEEN low AND high` as `value >= low AND value <= high` (NOT for NOT BETWEEN),
// which the time pushdown then sees as two bounds.
std::unique_ptr<Expr> RewriteBetween(Expr& e) {
  auto low = MakeBinary(e.pos, ">=", e.args[0]->Clone(), std::move(e.args[1]));
  auto high = MakeBinary(e.pos, "<=", std::move(e.args[0]), std::move(e.args[2]));
  auto both = MakeBinary(e.pos, "and", std::move(low), std::move(high));
  if (!e.negated) return both;
  std::vector<std::unique_ptr<Expr>> args;
  args.push_back(std::move(both));
  return MakeNode(ExprKind::kUnary, e.pos, "not", std::move(args));
}

// CASE x WHEN v THEN ... as CASE WHEN x = v THEN ....
void RewriteSimpleCase(Expr& e) {
  std::unique_ptr<Expr> operand = std::move(e.args[0]);
  e.args.erase(e.args.begin());
  const size_t pairs = e.args.size() / 2;
  for (size_t p = 0; p < pairs; ++p) {
    std::unique_ptr<Expr>& when = e.args[2 * p];
    const Position pos = when->pos;
    when = MakeBinary(pos, "=", operand->Clone(), std::move(when));
  }
  e.has_operand = false;
}

absl::Status BindCase(Expr& e, const Scope& scope) {
  if (e.has_operand) RewriteSimpleCase(e);
  std::optional<ScalarType> type = ScalarType::kUnknown;
  const size_t pairs = e.args.size() / 2;
  for (size_t k = 0; k < e.args.size(); ++k) {
    if (absl::Status s = BindExpr(e.args[k], scope); !s.ok()) return s;
    const bool is_when = k < 2 * pairs && k % 2 == 0;
    const ScalarType t = e.args[k]->type;
    if (is_when) {
      if (t != ScalarType::kBoolean && t != ScalarType::kUnknown) {
        return SyntaxError(e.args[k]->pos,
                           absl::StrCat("WHEN clause must be boolean, not ", TypeText(t)));
      }
      continue;
    }
    type = CommonType(*type, t);
    if (!type) {
      return SyntaxError(e.args[k]->pos, "All CASE results must be the same type or coercible");
    }
  }
  e.type = *type;
  return absl::OkStatus();
}

absl::Status BindPredicate(Expr& e, const Scope& scope) {
  for (auto& a : e.args) {
    if (absl::Status s = BindExpr(a, scope); !s.ok()) return s;
  }
  e.type = ScalarType::kBoolean;
  if (e.kind == ExprKind::kLike) {
    for (const auto& a : e.args) {
      if (a->type != ScalarType::kVarchar && a->type != ScalarType::kUnknown) {
        return SyntaxError(e.pos, absl::StrCat("LIKE cannot be applied to ", TypeText(a->type)));
      }
    }
  }
  if (e.kind == ExprKind::kIn) {
    for (size_t k = 1; k < e.args.size(); ++k) {
      if (!CommonType(e.args[0]->type, e.args[k]->type)) {
        return SyntaxError(
            e.args[k]->pos,
            absl::StrCat("IN value and list items must be the same type: ",
                         TypeText(e.args[0]->type), " and ", TypeText(e.args[k]->type)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status BindUnary(Expr& e) {
  const ScalarType t = e.args[0]->type;
  if (e.name == "not") {
    if (t != ScalarType::kBoolean && t != ScalarType::kUnknown) {
      return SyntaxError(e.pos, absl::StrCat("NOT cannot be applied to ", TypeText(t)));
    }
    e.type = ScalarType::kBoolean;
    return absl::OkStatus();
  }
  if (t != ScalarType::kBigint && t != ScalarType::kDouble && t != ScalarType::kUnknown &&
      t != ScalarType::kIntervalDayToSecond) {
    return SyntaxError(e.pos, absl::StrCat("'", e.name, "' cannot be applied to ", TypeText(t)));
  }
  e.type = t;
  return absl::OkStatus();
}

absl::Status BindExpr(std::unique_ptr<Expr>& e, const Scope& scope) {
  switch (e->kind) {
    case ExprKind::kLiteral:
      e->type = e->literal.null ? ScalarType::kUnknown : e->literal.type;
      return absl::OkStatus();
    case ExprKind::kColumn:
      return ResolveColumn(*e, scope);
    case ExprKind::kBetween:
      e = RewriteBetween(*e);
      return BindExpr(e, scope);
    case ExprKind::kCase:
      return BindCase(*e, scope);
    case ExprKind::kIn:
    case ExprKind::kLike:
    case ExprKind::kIsNull:
      return BindPredicate(*e, scope);
    default:
      break;
  }
  if (e->kind == ExprKind::kFunction && IsAggregateName(e->name)) {
    return SyntaxError(e->pos, absl::StrCat(scope.no_aggregates, ": ", e->name, "()"));
  }
  for (auto& a : e->args) {
    if (absl::Status s = BindExpr(a, scope); !s.ok()) return s;
  }
  if (e->kind == ExprKind::kUnary) return BindUnary(*e);
  absl::StatusOr<ScalarType> type =
      e->kind == ExprKind::kBinary ? BinaryType(*e) : ScalarFunctionType(*e);
  if (!type.ok()) return type.status();
  e->type = *type;
  return absl::OkStatus();
}

absl::Status RequireBoolean(const Expr& e, absl::string_view clause) {
  if (e.type == ScalarType::kBoolean || e.type == ScalarType::kUnknown) return absl::OkStatus();
  return SyntaxError(e.pos, absl::StrCat(clause, " clause must evaluate to a boolean: actual type ",
                                         TypeText(e.type)));
}

}  // namespace

namespace {

// ---- Aggregation: splitting expressions into group keys and aggregate calls.

struct AggregationScope {
  const Scope* input = nullptr;
  std::vector<std::string> key_texts;  // Group keys as written (before binding).
  std::vector<AggCall>* aggs = nullptr;
  std::vector<std::string> agg_texts;
};

absl::StatusOr<AggCall> BindAggregate(Expr& call, const Scope& input) {
  Scope inner = input;
  inner.no_aggregates = "Cannot nest aggregations";
  if (call.distinct) {
    return SyntaxError(call.pos, "DISTINCT inside an aggregate function is not supported");
  }
  for (auto& a : call.args) {
    if (absl::Status s = BindExpr(a, inner); !s.ok()) return s;
  }
  AggCall agg;
  const std::string& f = call.name;
  const size_t n = call.args.size();
  auto type = [&](size_t i) { return call.args[i]->type; };
  auto numeric = [&](size_t i) {
    return type(i) == ScalarType::kBigint || type(i) == ScalarType::kDouble ||
           type(i) == ScalarType::kUnknown;
  };
  auto bad = [&]() -> absl::Status {
    std::string types;
    for (size_t i = 0; i < n; ++i) absl::StrAppend(&types, i ? ", " : "", TypeText(type(i)));
    return SyntaxError(call.pos,
                       absl::StrCat("Unexpected parameters (", types, ") for function ", f));
  };
  if (f == "count") {
    if (call.star && n == 0) {
      agg.kind = AggKind::kCountStar;
    } else if (n == 1) {
      agg.kind = AggKind::kCount;
    } else {
      return bad();
    }
    agg.result_type = ScalarType::kBigint;
  } else if (call.star) {
    return bad();
  } else if ((f == "sum" || f == "avg" || f == "stddev" || f == "stddev_samp") && n == 1 &&
             numeric(0)) {
    agg.kind = f == "sum" ? AggKind::kSum : f == "avg" ? AggKind::kAvg : AggKind::kStddev;
    agg.result_type =
        (f == "sum" && type(0) == ScalarType::kBigint) ? ScalarType::kBigint : ScalarType::kDouble;
  } else if ((f == "min" || f == "max") && n == 1 && type(0) != ScalarType::kIntervalDayToSecond) {
    agg.kind = f == "min" ? AggKind::kMin : AggKind::kMax;
    agg.result_type = type(0);
  } else if ((f == "max_by" || f == "min_by") && n == 2) {
    agg.kind = f == "max_by" ? AggKind::kMaxBy : AggKind::kMinBy;
    agg.result_type = type(0);
  } else if (f == "approx_percentile" && n == 2 && numeric(0) && numeric(1) &&
             !HasColumn(*call.args[1])) {
    agg.kind = AggKind::kApproxPercentile;
    agg.result_type = type(0) == ScalarType::kUnknown ? ScalarType::kDouble : type(0);
    absl::StatusOr<Scalar> p = EvaluateConstant(*call.args[1], EvalContext{});
    if (!p.ok()) return p.status();
    agg.percentile = p->null ? -1 : (p->type == ScalarType::kDouble ? p->d : p->i);
    if (!(agg.percentile >= 0 && agg.percentile <= 1)) {
      return SyntaxError(call.args[1]->pos, "Percentile must be between 0 and 1");
    }
  } else {
    return bad();
  }
  agg.args = std::move(call.args);
  return agg;
}

std::unique_ptr<Expr> SlotRef(const Expr& original, int slot) {
  auto ref = std::make_unique<Expr>();
  ref->kind = ExprKind::kColumn;
  ref->pos = original.pos;
  ref->name = original.kind == ExprKind::kColumn ? original.name : original.ToString();
  ref->slot = slot;
  return ref;
}

// Replaces, in an expression over the group row, each group key (as written) and each
// aggregate call with a reference to its place in the group row.
absl::Status RewriteForGroups(std::unique_ptr<Expr>& e, AggregationScope& scope) {
  const std::string text = e->ToString();
  for (size_t k = 0; k < scope.key_texts.size(); ++k) {
    if (scope.key_texts[k] == text) {
      e = SlotRef(*e, static_cast<int>(k));
      return absl::OkStatus();
    }
  }
  if (e->kind == ExprKind::kFunction && IsAggregateName(e->name)) {
    const int base = static_cast<int>(scope.key_texts.size());
    for (size_t j = 0; j < scope.agg_texts.size(); ++j) {
      if (scope.agg_texts[j] == text) {
        e = SlotRef(*e, base + static_cast<int>(j));
        return absl::OkStatus();
      }
    }
    absl::StatusOr<AggCall> agg = BindAggregate(*e, *scope.input);
    if (!agg.ok()) return agg.status();
    scope.aggs->push_back(std::move(*agg));
    scope.agg_texts.push_back(text);
    e = SlotRef(*e, base + static_cast<int>(scope.agg_texts.size()) - 1);
    return absl::OkStatus();
  }
  if (e->kind == ExprKind::kColumn && e->slot < 0) {
    return SyntaxError(e->pos, absl::StrCat("'", e->name,
                                            "' must be an aggregate expression or appear in "
                                            "GROUP BY clause"));
  }
  for (auto& a : e->args) {
    if (absl::Status s = RewriteForGroups(a, scope); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// ---- Pushdown of WHERE conjuncts into the table scan.

void SplitConjuncts(std::unique_ptr<Expr> e, std::vector<std::unique_ptr<Expr>>* out) {
  if (e->kind == ExprKind::kBinary && e->name == "and") {
    SplitConjuncts(std::move(e->args[0]), out);
    SplitConjuncts(std::move(e->args[1]), out);
    return;
  }
  out->push_back(std::move(e));
}

std::string FlipComparison(const std::string& op) {
  if (op == "<") return ">";
  if (op == "<=") return ">=";
  if (op == ">") return "<";
  if (op == ">=") return "<=";
  return op;
}

struct PushdownState {
  std::optional<std::set<std::string>> measure_names;
};

// `column IN (constants)` or `column = c1 OR column = c2 ...` as the column's slot and the
// values (VARCHAR constants only); nullopt for anything else.
absl::StatusOr<std::optional<std::pair<int, std::set<std::string>>>> ValueSet(
    const Expr& c, const EvalContext& ctx) {
  std::vector<const Expr*> values;
  int slot = -1;
  if (c.kind == ExprKind::kIn && !c.negated && c.args[0]->kind == ExprKind::kColumn) {
    slot = c.args[0]->slot;
    for (size_t k = 1; k < c.args.size(); ++k) values.push_back(c.args[k].get());
  } else if (c.kind == ExprKind::kBinary && c.name == "or") {
    std::vector<const Expr*> stack = {&c};
    while (!stack.empty()) {
      const Expr* e = stack.back();
      stack.pop_back();
      if (e->kind == ExprKind::kBinary && e->name == "or") {
        stack.push_back(e->args[0].get());
        stack.push_back(e->args[1].get());
        continue;
      }
      if (e->kind != ExprKind::kBinary || e->name != "=") return std::nullopt;
      const int side = e->args[0]->kind == ExprKind::kColumn ? 0 : 1;
      const Expr& column = *e->args[side];
      if (column.kind != ExprKind::kColumn || (slot >= 0 && column.slot != slot)) {
        return std::nullopt;
      }
      slot = column.slot;
      values.push_back(e->args[1 - side].get());
    }
  } else {
    return std::nullopt;
  }
  std::set<std::string> set;
  for (const Expr* v : values) {
    if (HasColumn(*v)) return std::nullopt;
    absl::StatusOr<Scalar> value = EvaluateConstant(*v, ctx);
    if (!value.ok()) return value.status();
    if (value->null || value->type != ScalarType::kVarchar) return std::nullopt;
    set.insert(value->s);
  }
  return std::make_pair(slot, std::move(set));
}

// Pushes `c` into the plan's scan if it is exactly expressible there.
absl::StatusOr<bool> TryPush(const Expr& c, Plan& plan, PushdownState& state,
                             const EvalContext& ctx) {
  absl::StatusOr<std::optional<std::pair<int, std::set<std::string>>>> set = ValueSet(c, ctx);
  if (!set.ok()) return set.status();
  if (set->has_value()) {
    auto& [slot, names] = **set;
    const TableColumnSource& source = plan.sources[slot];
    if (source.kind == TableColumnSource::kMeasureName) {
      if (state.measure_names) {
        std::set<std::string> both;
        for (const std::string& n : names) {
          if (state.measure_names->count(n)) both.insert(n);
        }
        names.swap(both);
      }
      state.measure_names = std::move(names);
      return true;
    }
    if (source.kind == TableColumnSource::kDimension && plan.scan_dimension.empty()) {
      plan.scan_dimension = source.name;
      plan.scan_dimension_values.assign(names.begin(), names.end());
      if (names.empty()) plan.scan_empty = true;
      return true;
    }
    return false;
  }
  if (c.kind != ExprKind::kBinary || c.name == "and" || c.name == "or" || c.name == "<>" ||
      c.args[0]->type == ScalarType::kUnknown || c.args[1]->type == ScalarType::kUnknown) {
    return false;
  }
  const bool column_left = c.args[0]->kind == ExprKind::kColumn && !HasColumn(*c.args[1]);
  const bool column_right = c.args[1]->kind == ExprKind::kColumn && !HasColumn(*c.args[0]);
  if (!column_left && !column_right) return false;
  const Expr& column = *c.args[column_left ? 0 : 1];
  const std::string op = column_left ? c.name : FlipComparison(c.name);
  if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return false;
  absl::StatusOr<Scalar> v = EvaluateConstant(*c.args[column_left ? 1 : 0], ctx);
  if (!v.ok()) return v.status();
  if (v->null) return false;
  const TableColumnSource& source = plan.sources[column.slot];
  ScanRequest& scan = plan.scan;
  if (source.kind == TableColumnSource::kTime && v->type == ScalarType::kTimestamp) {
    const int64_t t = v->i;
    if (op == "=" || op == ">=") scan.start_time_nanos = std::max(scan.start_time_nanos, t);
    if (op == ">") {
      if (t == INT64_MAX)
        plan.scan_empty = true;
      else
        scan.start_time_nanos = std::max(scan.start_time_nanos, t + 1);
    }
    if (op == "<") scan.end_time_nanos = std::min(scan.end_time_nanos, t);
    if (op == "=" || op == "<=") {
      if (t != INT64_MAX)
        scan.end_time_nanos = std::min(scan.end_time_nanos, t + 1);
      else
        return false;
    }
    return true;
  }
  if (op != "=" || v->type != ScalarType::kVarchar) return false;
  if (source.kind == TableColumnSource::kMeasureName) {
    std::set<std::string> names;
    if (!state.measure_names || state.measure_names->count(v->s)) names.insert(v->s);
    state.measure_names = std::move(names);
    return true;
  }
  if (source.kind == TableColumnSource::kDimension) {
    scan.dimension_filters.push_back(Dimension{source.name, v->s});
    return true;
  }
  return false;
}

absl::Status PushDown(Plan& plan, const EvalContext& ctx) {
  if (!plan.from_table || plan.where == nullptr) return absl::OkStatus();
  std::vector<std::unique_ptr<Expr>> conjuncts, kept;
  SplitConjuncts(std::move(plan.where), &conjuncts);
  PushdownState state;
  for (auto& c : conjuncts) {
    absl::StatusOr<bool> pushed = TryPush(*c, plan, state, ctx);
    if (!pushed.ok()) return pushed.status();
    if (!*pushed) kept.push_back(std::move(c));
  }
  for (auto& c : kept) {
    // The position is read before `c` is moved into an argument (the order in which
    // arguments are initialized is unspecified).
    const Position pos = c->pos;
    plan.where = plan.where == nullptr
                     ? std::move(c)
                     : MakeBinary(pos, "and", std::move(plan.where), std::move(c));
    plan.where->type = ScalarType::kBoolean;
  }
  if (state.measure_names) {
    if (state.measure_names->empty()) plan.scan_empty = true;
    plan.scan.measure_names.assign(state.measure_names->begin(), state.measure_names->end());
  }
  if (plan.scan.start_time_nanos >= plan.scan.end_time_nanos) plan.scan_empty = true;
  return absl::OkStatus();
}

}  // namespace

namespace {

// The flat row model: each dimension, measure_name, time, measure_value::<type> for each
// scalar type the table has, then each MULTI attribute.
void TableInput(const TableColumns& table, Plan& plan) {
  auto add = [&](std::string name, ScalarType type, TableColumnSource source) {
    plan.input.push_back(InputColumn{std::move(name), type});
    plan.sources.push_back(std::move(source));
  };
  for (const std::string& d : table.dimensions) {
    add(d, ScalarType::kVarchar, {TableColumnSource::kDimension, d});
  }
  add("measure_name", ScalarType::kVarchar, {TableColumnSource::kMeasureName});
  add("time", ScalarType::kTimestamp, {TableColumnSource::kTime});
  static constexpr MeasureValueType kScalarTypes[] = {
      MeasureValueType::kDouble, MeasureValueType::kBigint, MeasureValueType::kVarchar,
      MeasureValueType::kBoolean, MeasureValueType::kTimestamp};
  for (MeasureValueType t : kScalarTypes) {
    bool present = false;
    for (const auto& [name, type] : table.measures) present = present || type == t;
    if (!present) continue;
    std::string name =
        absl::StrCat("measure_value::", absl::AsciiStrToLower(TypeText(ScalarOf(t))));
    add(std::move(name), ScalarOf(t), {TableColumnSource::kMeasureValue, "", t});
  }
  for (const auto& [name, type] : table.attributes) {
    add(name, ScalarOf(type), {TableColumnSource::kAttribute, name, type});
  }
}

absl::StatusOr<std::unique_ptr<Plan>> BuildPlanIn(const Select& select, QuerySource& source,
                                                  const EvalContext& ctx, CteScope ctes);

absl::Status BindFrom(const Select& select, QuerySource& source, const EvalContext& ctx,
                      const CteScope& ctes, Plan& plan) {
  const TableRef& from = select.from;
  const Select* sub = from.subquery.get();
  if (sub == nullptr && from.database.empty()) {
    for (auto it = ctes.rbegin(); it != ctes.rend() && sub == nullptr; ++it) {
      if (absl::EqualsIgnoreCase(it->first, from.table)) sub = it->second;
    }
    if (sub == nullptr) {
      return SyntaxError(
          from.pos, absl::StrCat("Table '", from.table,
                                 "' does not exist: name it as \"database\".\"", from.table, "\""));
    }
  }
  if (sub != nullptr) {
    absl::StatusOr<std::unique_ptr<Plan>> inner = BuildPlanIn(*sub, source, ctx, ctes);
    if (!inner.ok()) return inner.status();
    for (const SelectColumn& c : (*inner)->columns) {
      plan.input.push_back(InputColumn{c.name, c.type.scalar_type});
    }
    plan.subquery = std::move(*inner);
    return absl::OkStatus();
  }
  absl::StatusOr<TableColumns> table = source.Columns(from.database, from.table);
  std::string database = from.database, table_name = from.table;
  if (!table.ok() && (absl::AsciiStrToLower(database) != database ||
                      absl::AsciiStrToLower(table_name) != table_name)) {
    // Unquoted names are case-insensitive: a table created in lower case is found too.
    absl::StatusOr<TableColumns> lower =
        source.Columns(absl::AsciiStrToLower(database), absl::AsciiStrToLower(table_name));
    if (lower.ok()) {
      table = std::move(lower);
      database = absl::AsciiStrToLower(database);
      table_name = absl::AsciiStrToLower(table_name);
    }
  }
  if (!table.ok()) return table.status();
  plan.from_table = true;
  plan.scan.database_name = database;
  plan.scan.table_name = table_name;
  TableInput(*table, plan);
  return absl::OkStatus();
}

struct Item {
  std::unique_ptr<Expr> expr;
  std::string alias;
};

// The select list with `*` expanded to the input's columns.
std::vector<Item> ExpandItems(const Select& select, const Plan& plan) {
  std::vector<Item> items;
  for (const SelectItem& item : select.items) {
    if (item.expr != nullptr) {
      items.push_back(Item{item.expr->Clone(), item.alias});
      continue;
    }
    for (const InputColumn& c : plan.input) {
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::kColumn;
      e->pos = item.pos;
      e->name = c.name;
      items.push_back(Item{std::move(e), ""});
    }
  }
  return items;
}

void NameColumns(const std::vector<Item>& items, Plan& plan) {
  for (size_t i = 0; i < items.size(); ++i) {
    SelectColumn c;
    c.aliased = !items[i].alias.empty();
    if (c.aliased) {
      c.name = items[i].alias;
    } else if (items[i].expr->kind == ExprKind::kColumn) {
      c.name = items[i].expr->name;
      if (plan.from_table) {
        c.database_name = plan.scan.database_name;
        c.table_name = plan.scan.table_name;
      }
    } else {
      c.name = absl::StrCat("_col", i);
    }
    plan.columns.push_back(std::move(c));
  }
}

// An ORDER BY item naming an output column (by alias or ordinal), or -1.
absl::StatusOr<int> OrderOutput(const Expr& e, const std::vector<Item>& items) {
  if (e.kind == ExprKind::kLiteral && e.literal.type == ScalarType::kBigint && !e.literal.null) {
    if (e.literal.i < 1 || e.literal.i > static_cast<int64_t>(items.size())) {
      return SyntaxError(e.pos,
                         absl::StrCat("ORDER BY position ", e.literal.i, " is not in select list"));
    }
    return static_cast<int>(e.literal.i - 1);
  }
  if (e.kind == ExprKind::kColumn) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].alias.empty() && items[i].alias == e.name) return static_cast<int>(i);
    }
  }
  const std::string text = e.ToString();
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].expr->ToString() == text) return static_cast<int>(i);
  }
  return -1;
}

// The ORDER BY items as sort keys: an output column, or an expression (rewritten over the
// group row when `groups` is set) that the caller binds.
absl::StatusOr<std::vector<SortKey>> SortKeys(const Select& select, const std::vector<Item>& items,
                                              AggregationScope* groups) {
  std::vector<SortKey> keys;
  for (const OrderItem& o : select.order_by) {
    SortKey key;
    key.descending = o.descending;
    key.nulls_first = o.nulls_first.value_or(false);
    absl::StatusOr<int> output = OrderOutput(*o.expr, items);
    if (!output.ok()) return output.status();
    key.output = *output;
    if (key.output < 0) {
      if (select.distinct) {
        return SyntaxError(o.expr->pos,
                           "For SELECT DISTINCT, ORDER BY expressions must appear in select list");
      }
      key.expr = o.expr->Clone();
      if (groups != nullptr) {
        if (absl::Status s = RewriteForGroups(key.expr, *groups); !s.ok()) return s;
      }
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

absl::Status BindSortKeys(std::vector<SortKey> keys, const Scope& scope, Plan& plan) {
  for (SortKey& key : keys) {
    if (key.expr != nullptr) {
      if (absl::Status s = BindExpr(key.expr, scope); !s.ok()) return s;
    }
    plan.order.push_back(std::move(key));
  }
  return absl::OkStatus();
}

absl::Status BindGroupKeys(const Select& select, const std::vector<Item>& items, const Scope& input,
                           Plan& plan, AggregationScope& groups) {
  Scope key_scope = input;
  key_scope.no_aggregates = "GROUP BY clause cannot contain aggregations";
  for (const auto& g : select.group_by) {
    std::unique_ptr<Expr> key;
    if (g->kind == ExprKind::kLiteral && g->literal.type == ScalarType::kBigint &&
        !g->literal.null) {
      if (g->literal.i < 1 || g->literal.i > static_cast<int64_t>(items.size())) {
        return SyntaxError(
            g->pos, absl::StrCat("GROUP BY position ", g->literal.i, " is not in select list"));
      }
      key = items[g->literal.i - 1].expr->Clone();
    } else {
      key = g->Clone();
    }
    if (HasAggregate(*key)) {
      return SyntaxError(key->pos, "GROUP BY clause cannot contain aggregations");
    }
    groups.key_texts.push_back(key->ToString());
    if (absl::Status s = BindExpr(key, key_scope); !s.ok()) return s;
    plan.group_keys.push_back(std::move(key));
  }
  return absl::OkStatus();
}

// Binds the select list, HAVING and ORDER BY of an aggregating query over its group row.
absl::Status BindAggregation(const Select& select, std::vector<Item>& items, const Scope& input,
                             Plan& plan) {
  plan.aggregate = true;
  AggregationScope groups;
  groups.input = &input;
  groups.aggs = &plan.aggs;
  if (absl::Status s = BindGroupKeys(select, items, input, plan, groups); !s.ok()) return s;
  std::vector<std::unique_ptr<Expr>> outputs;
  for (Item& item : items) {
    auto e = item.expr->Clone();
    if (absl::Status s = RewriteForGroups(e, groups); !s.ok()) return s;
    outputs.push_back(std::move(e));
  }
  std::unique_ptr<Expr> having;
  if (select.having != nullptr) {
    having = select.having->Clone();
    if (absl::Status s = RewriteForGroups(having, groups); !s.ok()) return s;
  }
  // ORDER BY may add aggregates, so the group row is known only after it.
  absl::StatusOr<std::vector<SortKey>> order = SortKeys(select, items, &groups);
  if (!order.ok()) return order.status();
  std::vector<InputColumn> group_row;
  for (const auto& k : plan.group_keys) group_row.push_back(InputColumn{k->ToString(), k->type});
  for (const AggCall& a : plan.aggs) group_row.push_back(InputColumn{"", a.result_type});
  Scope group_scope;
  group_scope.columns = &group_row;
  group_scope.no_aggregates = "Cannot nest aggregations";
  for (auto& e : outputs) {
    if (absl::Status s = BindExpr(e, group_scope); !s.ok()) return s;
    plan.outputs.push_back(std::move(e));
  }
  if (having != nullptr) {
    if (absl::Status s = BindExpr(having, group_scope); !s.ok()) return s;
    if (absl::Status s = RequireBoolean(*having, "HAVING"); !s.ok()) return s;
    plan.having = std::move(having);
  }
  return BindSortKeys(std::move(*order), group_scope, plan);
}

// The scan's projection: the MULTI attributes some expression reads (input_used, which
// the executor also goes by: an unread slot is never materialized), so the tiers copy and
// decode only those. A query reading no attribute (count(*), dimensions, time) asks for
// the empty name, which no attribute has (names are 1 to 256 bytes): MULTI rows then come
// without columns, since an empty list would mean every attribute.
void ProjectAttributes(Plan& plan) {
  if (!plan.from_table) return;
  std::set<std::string> names;
  for (size_t slot = 0; slot < plan.sources.size(); ++slot) {
    const TableColumnSource& source = plan.sources[slot];
    if (source.kind == TableColumnSource::kAttribute && plan.input_used[slot]) {
      names.insert(source.name);
    }
  }
  if (names.empty()) names.insert("");
  plan.scan.attributes.assign(names.begin(), names.end());
}

absl::StatusOr<std::unique_ptr<Plan>> BuildPlanIn(const Select& select, QuerySource& source,
                                                  const EvalContext& ctx, CteScope ctes) {
  auto plan = std::make_unique<Plan>();
  for (const CommonTable& cte : select.with) ctes.emplace_back(cte.name, cte.query.get());
  if (absl::Status s = BindFrom(select, source, ctx, ctes, *plan); !s.ok()) return s;
  plan->input_used.assign(plan->input.size(), false);
  plan->distinct = select.distinct;
  plan->limit = select.limit;
  Scope input;
  input.columns = &plan->input;
  input.used = &plan->input_used;
  std::vector<Item> items = ExpandItems(select, *plan);
  NameColumns(items, *plan);
  if (select.where != nullptr) {
    plan->where = select.where->Clone();
    input.no_aggregates = "WHERE clause cannot contain aggregations";
    if (absl::Status s = BindExpr(plan->where, input); !s.ok()) return s;
    if (absl::Status s = RequireBoolean(*plan->where, "WHERE"); !s.ok()) return s;
    input.no_aggregates = "aggregations are not allowed here";
  }
  bool aggregate = !select.group_by.empty() || select.having != nullptr;
  for (const Item& item : items) aggregate = aggregate || HasAggregate(*item.expr);
  for (const OrderItem& o : select.order_by) aggregate = aggregate || HasAggregate(*o.expr);
  if (aggregate) {
    if (absl::Status s = BindAggregation(select, items, input, *plan); !s.ok()) return s;
  } else {
    for (Item& item : items) {
      auto e = item.expr->Clone();
      if (absl::Status s = BindExpr(e, input); !s.ok()) return s;
      plan->outputs.push_back(std::move(e));
    }
    absl::StatusOr<std::vector<SortKey>> order = SortKeys(select, items, nullptr);
    if (!order.ok()) return order.status();
    if (absl::Status s = BindSortKeys(std::move(*order), input, *plan); !s.ok()) return s;
  }
  for (size_t i = 0; i < plan->outputs.size(); ++i) {
    plan->columns[i].type.scalar_type = plan->outputs[i]->type;
  }
  if (absl::Status s = PushDown(*plan, ctx); !s.ok()) return s;
  ProjectAttributes(*plan);
  return plan;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Plan>> BuildPlan(const Select& select, QuerySource& source,
                                                const EvalContext& ctx) {
  return BuildPlanIn(select, source, ctx, {});
}

}  // namespace tsw::query
