#include "engine/query/functions.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/common/json_writer.h"
#include "engine/query/lexer.h"
#include "engine/query/time_util.h"

namespace tsw::query {

absl::string_view TypeText(ScalarType type) {
  switch (type) {
    case ScalarType::kVarchar:
      return "varchar";
    case ScalarType::kBoolean:
      return "boolean";
    case ScalarType::kBigint:
      return "bigint";
    case ScalarType::kDouble:
      return "double";
    case ScalarType::kTimestamp:
      return "timestamp";
    case ScalarType::kIntervalDayToSecond:
      return "interval day to second";
    case ScalarType::kUnknown:
      return "unknown";
    default:
      return "other";
  }
}

std::optional<ScalarType> CommonType(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (a == ScalarType::kUnknown) return b;
  if (b == ScalarType::kUnknown) return a;
  const bool numeric_a = a == ScalarType::kBigint || a == ScalarType::kDouble;
  const bool numeric_b = b == ScalarType::kBigint || b == ScalarType::kDouble;
  if (numeric_a && numeric_b) return ScalarType::kDouble;
  return std::nullopt;
}

namespace {

bool IsNumeric(ScalarType t) {
  return t == ScalarType::kBigint || t == ScalarType::kDouble || t == ScalarType::kUnknown;
}
bool Is(ScalarType t, ScalarType want) { return t == want || t == ScalarType::kUnknown; }

absl::Status BadArguments(const Expr& e) {
  std::string types;
  for (const auto& arg : e.args) {
    absl::StrAppend(&types, types.empty() ? "" : ", ", TypeText(arg->type));
  }
  return SyntaxError(e.pos,
                     absl::StrCat("Unexpected parameters (", types, ") for function ", e.name));
}

absl::StatusOr<ScalarType> CastType(const Expr& e) {
  const ScalarType from = e.args[0]->type, to = e.cast_type;
  bool ok = from == to || from == ScalarType::kUnknown || from == ScalarType::kVarchar ||
            to == ScalarType::kVarchar;
  if (to == ScalarType::kDouble || to == ScalarType::kBigint || to == ScalarType::kBoolean) {
    ok = ok || from == ScalarType::kBigint || from == ScalarType::kDouble ||
         from == ScalarType::kBoolean;
  }
  if (from == ScalarType::kIntervalDayToSecond && to == ScalarType::kVarchar) ok = false;
  if (!ok) {
    return SyntaxError(e.pos, absl::StrCat("Cannot cast ", TypeText(from), " to ", TypeText(to)));
  }
  return to;
}

}  // namespace

absl::StatusOr<ScalarType> ScalarFunctionType(const Expr& e) {
  if (e.kind == ExprKind::kCast) return CastType(e);
  const std::string& f = e.name;
  const size_t n = e.args.size();
  auto arg = [&](size_t i) { return e.args[i]->type; };
  if (e.star || e.distinct) return BadArguments(e);
  if (f == "now")
    return n == 0 ? absl::StatusOr<ScalarType>(ScalarType::kTimestamp) : BadArguments(e);
  if (f == "ago") {
    if (n == 1 && Is(arg(0), ScalarType::kIntervalDayToSecond)) return ScalarType::kTimestamp;
    return BadArguments(e);
  }
  if (f == "bin") {
    if (n == 2 && Is(arg(0), ScalarType::kTimestamp) &&
        Is(arg(1), ScalarType::kIntervalDayToSecond)) {
      return ScalarType::kTimestamp;
    }
    return BadArguments(e);
  }
  if (f == "date_trunc") {
    if (n == 2 && Is(arg(0), ScalarType::kVarchar) && Is(arg(1), ScalarType::kTimestamp)) {
      return ScalarType::kTimestamp;
    }
    return BadArguments(e);
  }
  if (f == "from_milliseconds" || f == "from_nanoseconds") {
    if (n == 1 && Is(arg(0), ScalarType::kBigint)) return ScalarType::kTimestamp;
    return BadArguments(e);
  }
  if (f == "to_milliseconds" || f == "to_nanoseconds") {
    if (n == 1 && Is(arg(0), ScalarType::kTimestamp)) return ScalarType::kBigint;
    return BadArguments(e);
  }
  if (f == "from_iso8601_timestamp") {
    if (n == 1 && Is(arg(0), ScalarType::kVarchar)) return ScalarType::kTimestamp;
    return BadArguments(e);
  }
  if (f == "coalesce") {
    if (n == 0) return BadArguments(e);
    std::optional<ScalarType> t = arg(0);
    for (size_t i = 1; i < n && t; ++i) t = CommonType(*t, arg(i));
    if (!t) return BadArguments(e);
    return *t;
  }
  if (f == "round") {
    if ((n == 1 || (n == 2 && Is(arg(1), ScalarType::kBigint))) && IsNumeric(arg(0))) {
      return arg(0) == ScalarType::kUnknown ? ScalarType::kDouble : arg(0);
    }
    return BadArguments(e);
  }
  if (f == "abs" || f == "floor" || f == "ceil" || f == "ceiling") {
    if (n == 1 && IsNumeric(arg(0))) {
      return arg(0) == ScalarType::kUnknown ? ScalarType::kDouble : arg(0);
    }
    return BadArguments(e);
  }
  if (f == "sqrt" || f == "ln" || f == "exp") {
    if (n == 1 && IsNumeric(arg(0))) return ScalarType::kDouble;
    return BadArguments(e);
  }
  if (f == "lower" || f == "upper") {
    if (n == 1 && Is(arg(0), ScalarType::kVarchar)) return ScalarType::kVarchar;
    return BadArguments(e);
  }
  if (f == "length") {
    if (n == 1 && Is(arg(0), ScalarType::kVarchar)) return ScalarType::kBigint;
    return BadArguments(e);
  }
  return SyntaxError(e.pos, absl::StrCat("Function ", f, " not registered"));
}

namespace {

struct Args {
  std::vector<VecPtr> v;
  bool constant = true;
};

absl::StatusOr<Args> EvalArgs(const Expr& e, const Chunk& chunk, const Sel& sel,
                              const EvalContext& ctx) {
  Args args;
  for (const auto& a : e.args) {
    auto v = Evaluate(*a, chunk, sel, ctx);
    if (!v.ok()) return v.status();
    args.constant = args.constant && (*v)->constant;
    args.v.push_back(std::move(*v));
  }
  return args;
}

// Runs `f(row)` over the selected rows into a result of `e.type` whose rows are NULL
// where any argument is; `f` sets the value and returns false to leave the row NULL.
template <typename F>
absl::StatusOr<VecPtr> MapRows(const Expr& e, const Chunk& chunk, Sel sel, const Args& args,
                               F&& f) {
  Vec out = args.constant ? Vec::Nulls(e.type, 1, true) : Vec::Nulls(e.type, chunk.n);
  if (args.constant) sel = Sel{nullptr, 1};
  absl::Status status;
  ForEachRow(sel, [&](size_t r) {
    if (!status.ok()) return;
    for (const VecPtr& a : args.v) {
      if (!a->Valid(r)) return;
    }
    absl::StatusOr<bool> set = f(r, out);
    if (!set.ok()) {
      status = set.status();
    } else if (*set) {
      out.present[r] = 1;
    }
  });
  if (!status.ok()) return status;
  return std::make_shared<const Vec>(std::move(out));
}

absl::StatusOr<int64_t> DateTrunc(const Expr& e, absl::string_view unit_text, int64_t t) {
  const std::string unit = absl::AsciiStrToLower(unit_text);
  static const std::pair<absl::string_view, int64_t> kFixed[] = {
      {"millisecond", 1000000},
      {"second", 1000000000},
      {"minute", int64_t{60} * 1000000000},
      {"hour", int64_t{3600} * 1000000000},
      {"day", int64_t{86400} * 1000000000}};
  for (const auto& [name, width] : kFixed) {
    if (unit == name) return FloorDiv(t, width) * width;
  }
  const absl::CivilDay day = absl::ToCivilDay(absl::FromUnixNanos(t), absl::UTCTimeZone());
  absl::CivilDay start;
  if (unit == "week") {
    start = day - ((static_cast<int>(absl::GetWeekday(day)) + 7) % 7);  // Monday first.
  } else if (unit == "month") {
    start = absl::CivilDay(absl::CivilMonth(day));
  } else if (unit == "quarter") {
    const absl::CivilMonth m(day);
    start = absl::CivilDay(absl::CivilMonth(m.year(), (m.month() - 1) / 3 * 3 + 1));
  } else if (unit == "year") {
    start = absl::CivilDay(absl::CivilYear(day));
  } else {
    return SyntaxError(e.pos, absl::StrCat("'", unit_text, "' is not a valid TIMESTAMP field"));
  }
  return absl::ToUnixNanos(absl::FromCivil(start, absl::UTCTimeZone()));
}

double RoundHalfAway(double x, int64_t digits) {
  if (!std::isfinite(x)) return x;
  if (digits == 0) return std::round(x);
  const double scale = std::pow(10.0, static_cast<double>(digits));
  const double scaled = x * scale;
  if (!std::isfinite(scaled)) return x;
  return std::round(scaled) / scale;
}

enum class TimeFn { kNow, kAgo, kBin, kDateTrunc, kFromMillis, kIdentity, kToMillis, kFromIso };

TimeFn TimeFnOf(const std::string& f) {
  if (f == "now") return TimeFn::kNow;
  if (f == "ago") return TimeFn::kAgo;
  if (f == "bin") return TimeFn::kBin;
  if (f == "date_trunc") return TimeFn::kDateTrunc;
  if (f == "from_milliseconds") return TimeFn::kFromMillis;
  if (f == "to_milliseconds") return TimeFn::kToMillis;
  if (f == "from_iso8601_timestamp") return TimeFn::kFromIso;
  return TimeFn::kIdentity;  // from_nanoseconds, to_nanoseconds.
}

// bin(time, constant width) over a time vector: the hot path of time-bucketed queries.
std::optional<VecPtr> BinFast(const Expr& e, const Chunk& chunk, const Sel& sel, const Args& a) {
  const Vec &t = *a.v[0], &w = *a.v[1];
  if (t.constant || !w.constant || !w.present[0] || w.ints[0] <= 0) return std::nullopt;
  const int64_t width = w.ints[0];
  Vec out = Vec::Nulls(e.type, chunk.n);
  const int64_t* in = t.ints.data();
  const uint8_t* present = t.present.data();
  int64_t* result = out.ints.data();
  uint8_t* out_present = out.present.data();
  ForEachRow(sel, [&](size_t r) {
    result[r] = FloorDiv(in[r], width) * width;
    out_present[r] = present[r];
  });
  return std::make_shared<const Vec>(std::move(out));
}

absl::StatusOr<VecPtr> EvalTimeFunction(const Expr& e, const Chunk& chunk, const Sel& sel,
                                        const Args& a, const EvalContext& ctx) {
  const TimeFn fn = TimeFnOf(e.name);
  if (fn == TimeFn::kBin) {
    if (std::optional<VecPtr> fast = BinFast(e, chunk, sel, a)) return *fast;
  }
  const std::vector<VecPtr>& v = a.v;
  auto ints = [&](size_t k, size_t r) { return v[k]->ints[v[k]->Idx(r)]; };
  return MapRows(e, chunk, sel, a, [&](size_t r, Vec& out) -> absl::StatusOr<bool> {
    int64_t& result = out.ints[out.Idx(r)];
    switch (fn) {
      case TimeFn::kNow:
        result = ctx.now_nanos;
        break;
      case TimeFn::kAgo:
        if (__builtin_sub_overflow(ctx.now_nanos, ints(0, r), &result)) {
          return SyntaxError(e.pos, "ago(): the interval is too large");
        }
        break;
      case TimeFn::kBin: {
        const int64_t width = ints(1, r);
        if (width <= 0) return SyntaxError(e.pos, "bin(): the interval must be positive");
        result = FloorDiv(ints(0, r), width) * width;
        break;
      }
      case TimeFn::kDateTrunc: {
        auto t = DateTrunc(e, v[0]->strs[v[0]->Idx(r)], ints(1, r));
        if (!t.ok()) return t.status();
        result = *t;
        break;
      }
      case TimeFn::kFromMillis:
        if (__builtin_mul_overflow(ints(0, r), 1000000, &result)) {
          return SyntaxError(e.pos, "from_milliseconds(): out of the TIMESTAMP range");
        }
        break;
      case TimeFn::kIdentity:
        result = ints(0, r);
        break;
      case TimeFn::kToMillis:
        result = FloorDiv(ints(0, r), 1000000);
        break;
      case TimeFn::kFromIso: {
        const std::string& text = v[0]->strs[v[0]->Idx(r)];
        auto t = ParseIso8601(text);
        if (!t) return SyntaxError(e.pos, absl::StrCat("Invalid format: \"", text, "\""));
        result = *t;
        break;
      }
    }
    return true;
  });
}

enum class NumFn { kRound, kAbs, kFloor, kCeil, kSqrt, kLn, kExp };

NumFn NumFnOf(const std::string& f) {
  if (f == "round") return NumFn::kRound;
  if (f == "abs") return NumFn::kAbs;
  if (f == "floor") return NumFn::kFloor;
  if (f == "ceil" || f == "ceiling") return NumFn::kCeil;
  if (f == "sqrt") return NumFn::kSqrt;
  if (f == "ln") return NumFn::kLn;
  return NumFn::kExp;
}

double ApplyDouble(NumFn fn, double d, int64_t digits) {
  switch (fn) {
    case NumFn::kRound:
      return RoundHalfAway(d, digits);
    case NumFn::kAbs:
      return std::fabs(d);
    case NumFn::kFloor:
      return std::floor(d);
    case NumFn::kCeil:
      return std::ceil(d);
    case NumFn::kSqrt:
      return std::sqrt(d);
    case NumFn::kLn:
      return std::log(d);
    case NumFn::kExp:
      return std::exp(d);
  }
  return d;
}

absl::StatusOr<VecPtr> EvalNumericFunction(const Expr& e, const Chunk& chunk, const Sel& sel,
                                           const Args& a) {
  const NumFn fn = NumFnOf(e.name);
  const Vec& x = *a.v[0];
  const Vec* digits = a.v.size() > 1 ? a.v[1].get() : nullptr;
  return MapRows(e, chunk, sel, a, [&](size_t r, Vec& out) -> absl::StatusOr<bool> {
    const size_t o = out.Idx(r);
    if (e.type == ScalarType::kDouble) {
      out.dbls[o] = ApplyDouble(fn, x.AsDouble(r), digits ? digits->ints[digits->Idx(r)] : 0);
      return true;
    }
    const int64_t i = x.ints[x.Idx(r)];
    if (fn == NumFn::kAbs && i == INT64_MIN) return SyntaxError(e.pos, "abs(): integer overflow");
    out.ints[o] = fn == NumFn::kAbs ? (i < 0 ? -i : i) : i;
    const int64_t d = digits != nullptr ? digits->ints[digits->Idx(r)] : 0;
    if (fn == NumFn::kRound && d < 0) {  // round(1250, -2) = 1300.
      if (d < -18) {
        out.ints[o] = 0;
        return true;
      }
      int64_t scale = 1;
      for (int64_t k = 0; k < -d; ++k) scale *= 10;
      const int64_t q = i / scale, rem = i % scale;
      int64_t rounded = q;
      if (2 * (rem < 0 ? -rem : rem) >= scale) rounded += i < 0 ? -1 : 1;
      if (__builtin_mul_overflow(rounded, scale, &out.ints[o])) {
        return SyntaxError(e.pos, "round(): integer overflow");
      }
    }
    return true;
  });
}

absl::StatusOr<VecPtr> EvalStringFunction(const Expr& e, const Chunk& chunk, const Sel& sel,
                                          const Args& a) {
  const Vec& x = *a.v[0];
  return MapRows(e, chunk, sel, a, [&](size_t r, Vec& out) -> absl::StatusOr<bool> {
    const std::string& s = x.strs[x.Idx(r)];
    if (e.name == "length") {
      int64_t count = 0;
      for (char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      out.ints[out.Idx(r)] = count;
    } else {
      out.strs[out.Idx(r)] =
          e.name == "lower" ? absl::AsciiStrToLower(s) : absl::AsciiStrToUpper(s);
    }
    return true;
  });
}

absl::StatusOr<VecPtr> EvalCoalesce(const Expr& e, const Chunk& chunk, Sel sel, const Args& a) {
  Vec out = a.constant ? Vec::Nulls(e.type, 1, true) : Vec::Nulls(e.type, chunk.n);
  if (a.constant) sel = Sel{nullptr, 1};
  ForEachRow(sel, [&](size_t r) {
    for (const VecPtr& v : a.v) {
      if (v->Valid(r)) {
        AssignValue(*v, r, out, out.Idx(r));
        return;
      }
    }
  });
  return std::make_shared<const Vec>(std::move(out));
}

absl::StatusOr<bool> CastRow(const Expr& e, const Vec& x, size_t r, Vec& out);

absl::StatusOr<VecPtr> EvalCast(const Expr& e, const Chunk& chunk, const Sel& sel, const Args& a) {
  const Vec& x = *a.v[0];
  if (x.type == e.type) return a.v[0];
  return MapRows(e, chunk, sel, a, [&](size_t r, Vec& out) { return CastRow(e, x, r, out); });
}

absl::Status CastError(const Expr& e, absl::string_view text) {
  return SyntaxError(
      e.pos, absl::StrCat("Cannot cast '", text, "' to ", absl::AsciiStrToUpper(TypeText(e.type))));
}

absl::StatusOr<bool> CastFromVarchar(const Expr& e, const std::string& s, Vec& out, size_t o) {
  const absl::string_view text = absl::StripAsciiWhitespace(s);
  switch (e.type) {
    case ScalarType::kDouble:
      if (!absl::SimpleAtod(text, &out.dbls[o])) return CastError(e, s);
      return true;
    case ScalarType::kBigint:
      if (!absl::SimpleAtoi(text, &out.ints[o])) return CastError(e, s);
      return true;
    case ScalarType::kBoolean:
      if (absl::EqualsIgnoreCase(text, "true")) {
        out.ints[o] = 1;
      } else if (absl::EqualsIgnoreCase(text, "false")) {
        out.ints[o] = 0;
      } else {
        return CastError(e, s);
      }
      return true;
    default: {  // TIMESTAMP
      auto t = ParseTimestampText(text);
      if (!t) return CastError(e, s);
      out.ints[o] = *t;
      return true;
    }
  }
}

absl::StatusOr<bool> CastRow(const Expr& e, const Vec& x, size_t r, Vec& out) {
  const size_t i = x.Idx(r), o = out.Idx(r);
  if (x.type == ScalarType::kVarchar) return CastFromVarchar(e, x.strs[i], out, o);
  if (e.type == ScalarType::kVarchar) {
    switch (x.type) {
      case ScalarType::kDouble:
        out.strs[o] = json::FormatDouble(x.dbls[i]);
        if (std::isnan(x.dbls[i])) out.strs[o] = "NaN";
        if (std::isinf(x.dbls[i])) out.strs[o] = x.dbls[i] > 0 ? "Infinity" : "-Infinity";
        break;
      case ScalarType::kBoolean:
        out.strs[o] = x.ints[i] ? "true" : "false";
        break;
      case ScalarType::kTimestamp:
        out.strs[o] = FormatTimestamp(x.ints[i]);
        break;
      default:
        out.strs[o] = absl::StrCat(x.ints[i]);
    }
    return true;
  }
  if (e.type == ScalarType::kDouble) {
    out.dbls[o] = x.AsDouble(r);
  } else if (e.type == ScalarType::kBoolean) {
    out.ints[o] = x.AsDouble(r) != 0;
  } else if (x.type == ScalarType::kDouble) {  // To BIGINT.
    const double d = std::round(x.dbls[i]);
    if (!(d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)) {
      return CastError(e, json::FormatDouble(x.dbls[i]));
    }
    out.ints[o] = static_cast<int64_t>(d);
  } else {
    out.ints[o] = x.ints[i];
  }
  return true;
}

}  // namespace

absl::StatusOr<VecPtr> EvalFunction(const Expr& e, const Chunk& chunk, const Sel& sel,
                                    const EvalContext& ctx) {
  auto args = EvalArgs(e, chunk, sel, ctx);
  if (!args.ok()) return args.status();
  if (e.kind == ExprKind::kCast) return EvalCast(e, chunk, sel, *args);
  const std::string& f = e.name;
  if (f == "coalesce") return EvalCoalesce(e, chunk, sel, *args);
  if (f == "round" || f == "abs" || f == "floor" || f == "ceil" || f == "ceiling" || f == "sqrt" ||
      f == "ln" || f == "exp") {
    return EvalNumericFunction(e, chunk, sel, *args);
  }
  if (f == "lower" || f == "upper" || f == "length") {
    return EvalStringFunction(e, chunk, sel, *args);
  }
  return EvalTimeFunction(e, chunk, sel, *args, ctx);
}

}  // namespace tsw::query
