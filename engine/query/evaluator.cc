#include "engine/query/evaluator.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/query/functions.h"
#include "engine/query/lexer.h"
#include "tsw/status.h"

namespace tsw::query {
namespace {

absl::Status EvalError(const Expr& e, absl::string_view message) {
  return SyntaxError(e.pos, message);
}

bool AllConstant(const std::vector<VecPtr>& args) {
  for (const VecPtr& a : args) {
    if (!a->constant) return false;
  }
  return true;
}

// The result vector for `args`: constant (and `sel` one row) when all are.
Vec NewResult(ScalarType type, const Chunk& chunk, const std::vector<VecPtr>& args, Sel* sel) {
  if (AllConstant(args)) {
    *sel = Sel{nullptr, 1};
    return Vec::Nulls(type, 1, /*constant=*/true);
  }
  return Vec::Nulls(type, chunk.n);
}

absl::Status Arithmetic(const Expr& e, const Vec& a, const Vec& b, const Sel& sel, Vec& out) {
  const char op = e.name[0];
  if (e.type == ScalarType::kDouble) {
    ForEachRow(sel, [&](size_t r) {
      if (!a.Valid(r) || !b.Valid(r)) return;
      const double x = a.AsDouble(r), y = b.AsDouble(r);
      double v = 0;
      switch (op) {
        case '+':
          v = x + y;
          break;
        case '-':
          v = x - y;
          break;
        case '*':
          v = x * y;
          break;
        case '/':
          v = x / y;
          break;
        default:
          v = std::fmod(x, y);
          break;
      }
      out.dbls[r] = v;
      out.present[r] = 1;
    });
    return absl::OkStatus();
  }
  absl::Status status;
  ForEachRow(sel, [&](size_t r) {
    if (!status.ok() || !a.Valid(r) || !b.Valid(r)) return;
    const int64_t x = a.ints[a.Idx(r)], y = b.ints[b.Idx(r)];
    int64_t v = 0;
    bool overflow = false;
    switch (op) {
      case '+':
        overflow = __builtin_add_overflow(x, y, &v);
        break;
      case '-':
        overflow = __builtin_sub_overflow(x, y, &v);
        break;
      case '*':
        overflow = __builtin_mul_overflow(x, y, &v);
        break;
      default:
        if (y == 0) {
          status = EvalError(e, "Division by zero");
          return;
        }
        if (x == INT64_MIN && y == -1) {
          overflow = op == '/';
          v = 0;
        } else {
          v = op == '/' ? x / y : x % y;
        }
    }
    if (overflow) {
      status = EvalError(e, absl::StrCat("integer overflow in ", x, " ", e.name, " ", y));
      return;
    }
    out.ints[r] = v;
    out.present[r] = 1;
  });
  return status;
}

// Whether row `r` of `a` equals row `r` of `b` (both valid). A number compared with a
// number of the other type is compared as a double, so a NaN equals nothing, as in the
// typed loops below.
inline bool Equal(const Vec& a, const Vec& b, size_t r) {
  const Physical pa = PhysicalOf(a.type), pb = PhysicalOf(b.type);
  if (pa == Physical::kString) return a.strs[a.Idx(r)] == b.strs[b.Idx(r)];
  if (pa == Physical::kInt && pb == Physical::kInt) return a.ints[a.Idx(r)] == b.ints[b.Idx(r)];
  return a.AsDouble(r) == b.AsDouble(r);
}

template <typename T, typename Cmp>
void CompareLoop(const T* x, bool xc, const T* y, bool yc, const Vec& a, const Vec& b,
                 const Sel& sel, Vec& out, Cmp cmp) {
  ForEachRow(sel, [&](size_t r) {
    if (!a.Valid(r) || !b.Valid(r)) return;
    out.ints[r] = cmp(x[xc ? 0 : r], y[yc ? 0 : r]);
    out.present[r] = 1;
  });
}

// A typed loop for the common cases (same physical type), doubles otherwise.
template <typename Cmp>
void CompareTyped(const Vec& a, const Vec& b, const Sel& sel, Vec& out, Cmp cmp) {
  const Physical pa = PhysicalOf(a.type), pb = PhysicalOf(b.type);
  if (pa == Physical::kDouble && pb == Physical::kDouble) {
    CompareLoop(a.dbls.data(), a.constant, b.dbls.data(), b.constant, a, b, sel, out, cmp);
  } else if (pa == Physical::kInt && pb == Physical::kInt) {
    CompareLoop(a.ints.data(), a.constant, b.ints.data(), b.constant, a, b, sel, out, cmp);
  } else if (pa == Physical::kString && pb == Physical::kString) {
    CompareLoop(a.strs.data(), a.constant, b.strs.data(), b.constant, a, b, sel, out, cmp);
  } else {
    // An integer beside a double: both as doubles, so a NaN is unordered (every
    // comparison but <> false), as in the double loop above.
    ForEachRow(sel, [&](size_t r) {
      if (!a.Valid(r) || !b.Valid(r)) return;
      out.ints[r] = cmp(a.AsDouble(r), b.AsDouble(r));
      out.present[r] = 1;
    });
  }
}

void Comparison(const Expr& e, const Vec& a, const Vec& b, const Sel& sel, Vec& out) {
  const std::string& op = e.name;
  if (op == "=") CompareTyped(a, b, sel, out, [](const auto& x, const auto& y) { return x == y; });
  if (op == "<>") CompareTyped(a, b, sel, out, [](const auto& x, const auto& y) { return x != y; });
  if (op == "<") CompareTyped(a, b, sel, out, [](const auto& x, const auto& y) { return x < y; });
  if (op == "<=") CompareTyped(a, b, sel, out, [](const auto& x, const auto& y) { return x <= y; });
  if (op == ">") CompareTyped(a, b, sel, out, [](const auto& x, const auto& y) { return x > y; });
  if (op == ">=") CompareTyped(a, b, sel, out, [](const auto& x, const auto& y) { return x >= y; });
}

void Logical(const Expr& e, const Vec& a, const Vec& b, const Sel& sel, Vec& out) {
  const bool is_and = e.name == "and";
  ForEachRow(sel, [&](size_t r) {
    const bool av = a.Valid(r), bv = b.Valid(r);
    const bool x = av && a.ints[a.Idx(r)] != 0, y = bv && b.ints[b.Idx(r)] != 0;
    if (is_and) {
      if ((av && !x) || (bv && !y)) {
        out.ints[r] = 0;
        out.present[r] = 1;
      } else if (av && bv) {
        out.ints[r] = 1;
        out.present[r] = 1;
      }
    } else {
      if (x || y) {
        out.ints[r] = 1;
        out.present[r] = 1;
      } else if (av && bv) {
        out.ints[r] = 0;
        out.present[r] = 1;
      }
    }
  });
}

void Concat(const Vec& a, const Vec& b, const Sel& sel, Vec& out) {
  ForEachRow(sel, [&](size_t r) {
    if (!a.Valid(r) || !b.Valid(r)) return;
    out.strs[r] = absl::StrCat(a.strs[a.Idx(r)], b.strs[b.Idx(r)]);
    out.present[r] = 1;
  });
}

// Each argument of `e`, evaluated over the rows of `sel`.
absl::StatusOr<std::vector<VecPtr>> EvaluateArgs(const Expr& e, const Chunk& chunk, Sel sel,
                                                 const EvalContext& ctx) {
  std::vector<VecPtr> args;
  for (const auto& arg : e.args) {
    auto v = Evaluate(*arg, chunk, sel, ctx);
    if (!v.ok()) return v.status();
    args.push_back(std::move(*v));
  }
  return args;
}

absl::StatusOr<VecPtr> EvalBinary(const Expr& e, const Chunk& chunk, Sel sel,
                                  const EvalContext& ctx) {
  absl::StatusOr<std::vector<VecPtr>> evaluated = EvaluateArgs(e, chunk, sel, ctx);
  if (!evaluated.ok()) return evaluated.status();
  const std::vector<VecPtr>& args = *evaluated;
  Vec out = NewResult(e.type, chunk, args, &sel);
  const Vec &a = *args[0], &b = *args[1];
  const std::string& op = e.name;
  if (op == "and" || op == "or") {
    Logical(e, a, b, sel, out);
  } else if (op == "||") {
    Concat(a, b, sel, out);
  } else if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%") {
    if (absl::Status s = Arithmetic(e, a, b, sel, out); !s.ok()) return s;
  } else {
    Comparison(e, a, b, sel, out);
  }
  return std::make_shared<const Vec>(std::move(out));
}

absl::StatusOr<VecPtr> EvalUnary(const Expr& e, const Chunk& chunk, Sel sel,
                                 const EvalContext& ctx) {
  auto arg = Evaluate(*e.args[0], chunk, sel, ctx);
  if (!arg.ok()) return arg.status();
  if (e.name == "+") return arg;
  const Vec& a = **arg;
  Vec out = NewResult(e.type, chunk, {*arg}, &sel);
  absl::Status status;
  ForEachRow(sel, [&](size_t r) {
    if (!a.Valid(r)) return;
    out.present[r] = 1;
    if (e.name == "not") {
      out.ints[r] = a.ints[a.Idx(r)] == 0;
    } else if (e.type == ScalarType::kDouble) {
      out.dbls[r] = -a.dbls[a.Idx(r)];
    } else if (a.ints[a.Idx(r)] == INT64_MIN) {
      status = EvalError(e, "integer overflow in negation");
    } else {
      out.ints[r] = -a.ints[a.Idx(r)];
    }
  });
  if (!status.ok()) return status;
  return std::make_shared<const Vec>(std::move(out));
}

absl::StatusOr<VecPtr> EvalIsNull(const Expr& e, const Chunk& chunk, Sel sel,
                                  const EvalContext& ctx) {
  auto arg = Evaluate(*e.args[0], chunk, sel, ctx);
  if (!arg.ok()) return arg.status();
  const Vec& a = **arg;
  Vec out = NewResult(ScalarType::kBoolean, chunk, {*arg}, &sel);
  ForEachRow(sel, [&](size_t r) {
    out.ints[r] = a.Valid(r) == e.negated;
    out.present[r] = 1;
  });
  return std::make_shared<const Vec>(std::move(out));
}

absl::StatusOr<VecPtr> EvalIn(const Expr& e, const Chunk& chunk, Sel sel, const EvalContext& ctx) {
  absl::StatusOr<std::vector<VecPtr>> evaluated = EvaluateArgs(e, chunk, sel, ctx);
  if (!evaluated.ok()) return evaluated.status();
  const std::vector<VecPtr>& args = *evaluated;
  Vec out = NewResult(ScalarType::kBoolean, chunk, args, &sel);
  const Vec& value = *args[0];
  ForEachRow(sel, [&](size_t r) {
    if (!value.Valid(r)) return;
    bool found = false, saw_null = false;
    for (size_t k = 1; k < args.size() && !found; ++k) {
      if (!args[k]->Valid(r)) {
        saw_null = true;
      } else {
        found = Equal(value, *args[k], r);
      }
    }
    if (!found && saw_null) return;
    out.ints[r] = found != e.negated;
    out.present[r] = 1;
  });
  return std::make_shared<const Vec>(std::move(out));
}

// SQL LIKE: '%' any run, '_' any one character (bytes), everything else itself.
bool LikeMatch(absl::string_view s, absl::string_view p) {
  size_t si = 0, pi = 0, star_p = absl::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '_' || (p[pi] != '%' && p[pi] == s[si]))) {
      ++si;
      ++pi;
    } else if (pi < p.size() && p[pi] == '%') {
      star_p = pi++;
      star_s = si;
    } else if (star_p != absl::string_view::npos) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

absl::StatusOr<VecPtr> EvalLike(const Expr& e, const Chunk& chunk, Sel sel,
                                const EvalContext& ctx) {
  absl::StatusOr<std::vector<VecPtr>> evaluated = EvaluateArgs(e, chunk, sel, ctx);
  if (!evaluated.ok()) return evaluated.status();
  const std::vector<VecPtr>& args = *evaluated;
  Vec out = NewResult(ScalarType::kBoolean, chunk, args, &sel);
  const Vec &value = *args[0], &pattern = *args[1];
  ForEachRow(sel, [&](size_t r) {
    if (!value.Valid(r) || !pattern.Valid(r)) return;
    out.ints[r] = LikeMatch(value.strs[value.Idx(r)], pattern.strs[pattern.Idx(r)]) != e.negated;
    out.present[r] = 1;
  });
  return std::make_shared<const Vec>(std::move(out));
}

// Searched CASE (the binder rewrites the simple form): each WHEN sees the rows no
// earlier WHEN took, each THEN only the rows its WHEN took.
absl::StatusOr<VecPtr> EvalCase(const Expr& e, const Chunk& chunk, const Sel& sel,
                                const EvalContext& ctx) {
  Vec out = Vec::Nulls(e.type, chunk.n);
  std::vector<uint32_t> remaining(sel.count), taken;
  for (size_t k = 0; k < sel.count; ++k) remaining[k] = static_cast<uint32_t>(sel[k]);
  const size_t pairs = e.args.size() / 2;
  for (size_t p = 0; p <= pairs && !remaining.empty(); ++p) {
    const bool is_else = p == pairs;
    if (is_else && !e.has_else) break;
    const Sel rest{remaining.data(), remaining.size()};
    taken.clear();
    std::vector<uint32_t> left;
    if (is_else) {
      taken.swap(remaining);
    } else {
      if (absl::Status s = FilterRows(*e.args[2 * p], chunk, rest, ctx, &taken); !s.ok()) return s;
      size_t t = 0;
      for (uint32_t r : remaining) {
        if (t < taken.size() && taken[t] == r) {
          ++t;
        } else {
          left.push_back(r);
        }
      }
    }
    const Expr& value = *e.args[is_else ? e.args.size() - 1 : 2 * p + 1];
    auto v = Evaluate(value, chunk, Sel{taken.data(), taken.size()}, ctx);
    if (!v.ok()) return v.status();
    for (uint32_t r : taken) AssignValue(**v, r, out, r);
    remaining.swap(left);
  }
  return std::make_shared<const Vec>(std::move(out));
}

}  // namespace

void AssignValue(const Vec& in, size_t in_row, Vec& out, size_t out_row) {
  const size_t i = in.Idx(in_row);
  if (!in.present.empty() && !in.present[i]) return;
  if (in.type == ScalarType::kUnknown) return;
  out.present[out_row] = 1;
  switch (PhysicalOf(out.type)) {
    case Physical::kDouble:
      out.dbls[out_row] = in.AsDouble(in_row);
      break;
    case Physical::kInt:
      out.ints[out_row] = in.ints[i];
      break;
    case Physical::kString:
      out.strs[out_row] = in.strs[i];
      break;
    case Physical::kNone:
      out.present[out_row] = 0;
      break;
  }
}

absl::StatusOr<VecPtr> Evaluate(const Expr& e, const Chunk& chunk, const Sel& sel,
                                const EvalContext& ctx) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return std::make_shared<const Vec>(Vec::Constant(e.literal));
    case ExprKind::kColumn:
      return chunk.cols[e.slot];
    case ExprKind::kUnary:
      return EvalUnary(e, chunk, sel, ctx);
    case ExprKind::kBinary:
      return EvalBinary(e, chunk, sel, ctx);
    case ExprKind::kIsNull:
      return EvalIsNull(e, chunk, sel, ctx);
    case ExprKind::kIn:
      return EvalIn(e, chunk, sel, ctx);
    case ExprKind::kLike:
      return EvalLike(e, chunk, sel, ctx);
    case ExprKind::kCase:
      return EvalCase(e, chunk, sel, ctx);
    case ExprKind::kCast:
    case ExprKind::kFunction:
      return EvalFunction(e, chunk, sel, ctx);
    case ExprKind::kBetween:
      break;  // The binder rewrites BETWEEN.
  }
  return InternalError(absl::StrCat("query: cannot evaluate ", e.ToString()));
}

absl::Status FilterRows(const Expr& predicate, const Chunk& chunk, const Sel& sel,
                        const EvalContext& ctx, std::vector<uint32_t>* out) {
  out->clear();
  auto v = Evaluate(predicate, chunk, sel, ctx);
  if (!v.ok()) return v.status();
  const Vec& b = **v;
  if (b.constant) {
    if (b.present[0] && b.ints[0]) {
      out->resize(sel.count);
      for (size_t k = 0; k < sel.count; ++k) (*out)[k] = static_cast<uint32_t>(sel[k]);
    }
    return absl::OkStatus();
  }
  out->reserve(sel.count);
  ForEachRow(sel, [&](size_t r) {
    if (b.present[r] && b.ints[r]) out->push_back(static_cast<uint32_t>(r));
  });
  return absl::OkStatus();
}

absl::StatusOr<Scalar> EvaluateConstant(const Expr& expr, const EvalContext& ctx) {
  Chunk chunk;
  chunk.n = 1;
  auto v = Evaluate(expr, chunk, Sel{nullptr, 1}, ctx);
  if (!v.ok()) return v.status();
  return (*v)->Get(0);
}

}  // namespace tsw::query
