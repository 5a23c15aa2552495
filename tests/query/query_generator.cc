#include "tests/query/query_generator.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace tsw::testing {
namespace {

constexpr int64_t kSecondNanos = 1000000000;

struct IntervalUnit {
  const char* suffix;
  int64_t nanos;
};
constexpr IntervalUnit kUnits[] = {
    {"s", kSecondNanos}, {"m", 60 * kSecondNanos}, {"h", 3600 * kSecondNanos}};

struct Bin {
  const char* tsw;
  int64_t nanos;
};
constexpr Bin kBins[] = {{"1s", kSecondNanos},        {"30s", 30 * kSecondNanos},
                         {"1m", 60 * kSecondNanos},   {"5m", 300 * kSecondNanos},
                         {"15m", 900 * kSecondNanos}, {"1h", 3600 * kSecondNanos},
                         {"1d", 86400 * kSecondNanos}};

std::string Quote(const std::string& s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "''"}}), "'");
}

std::string SqliteName(const std::string& name) { return absl::StrCat("\"", name, "\""); }

// Floors t to a multiple of `nanos` (t positive).
std::string SqliteFloor(const std::string& t, int64_t nanos) {
  return absl::StrCat("((", t, " / ", nanos, ") * ", nanos, ")");
}

}  // namespace

const char* SqlTypeName(SqlType type) {
  switch (type) {
    case SqlType::kDouble:
      return "DOUBLE";
    case SqlType::kBigint:
      return "BIGINT";
    case SqlType::kVarchar:
      return "VARCHAR";
    case SqlType::kBoolean:
      return "BOOLEAN";
    case SqlType::kTimestamp:
      return "TIMESTAMP";
  }
  return "?";
}

QueryGenerator::QueryGenerator(const TableProfile& profile, const GeneratorFeatures& features,
                               uint64_t seed)
    : profile_(profile), features_(features), rng_(seed) {}

GeneratedQuery QueryGenerator::Next() {
  if (features_.subquery && Chance(0.1)) return SubQuery();
  return Chance(0.5) ? RowQuery() : AggregateQuery();
}

// A row or aggregate query read back through FROM (...) or WITH, optionally filtered on a
// column being NULL, then ordered and limited outside.
GeneratedQuery QueryGenerator::SubQuery() {
  GeneratedQuery inner = Chance(0.5) ? RowQuery(false) : AggregateQuery(false);
  GeneratedQuery q;
  q.types = inner.types;
  std::vector<std::string> aliases;
  for (size_t i = 0; i < inner.types.size(); ++i) aliases.push_back(absl::StrCat("c", i));
  const std::string columns = absl::StrJoin(aliases, ", ");
  if (Chance(0.5)) {
    q.tsw = absl::StrCat("SELECT ", columns, " FROM (", inner.tsw, ") AS sub");
    q.sqlite = absl::StrCat("SELECT ", columns, " FROM (", inner.sqlite, ") AS sub");
  } else {
    q.tsw = absl::StrCat("WITH sub AS (", inner.tsw, ") SELECT ", columns, " FROM sub");
    q.sqlite = absl::StrCat("WITH sub AS (", inner.sqlite, ") SELECT ", columns, " FROM sub");
  }
  if (Chance(0.4)) {
    const std::string& c = Pick(aliases);
    const char* op = Chance(0.5) ? " IS NULL" : " IS NOT NULL";
    absl::StrAppend(&q.tsw, " WHERE ", c, op);
    absl::StrAppend(&q.sqlite, " WHERE ", c, op);
  }
  AddOrderAndLimit(q, aliases, /*may_limit_without_order=*/true);
  return q;
}

std::vector<int> QueryGenerator::ColumnsOf(SqlType type) const {
  std::vector<int> out;
  for (size_t i = 0; i < profile_.columns.size(); ++i) {
    if (profile_.columns[i].type == type) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::string QueryGenerator::DoubleLiteralTsw(int64_t hundredths) const {
  const int64_t a = std::llabs(hundredths);
  std::string text = absl::StrFormat("%d.%02d", a / 100, a % 100);
  return hundredths < 0 ? absl::StrCat("(-", text, ")") : text;
}

// An exact quotient: SQLite's own decimal parser is not guaranteed to round as strtod does,
// and a literal one ulp off would turn an equality into a false one.
std::string QueryGenerator::DoubleLiteralSqlite(int64_t hundredths) const {
  return absl::StrCat("(", hundredths, " / 100.0)");
}

QueryGenerator::Expr QueryGenerator::AsDouble(const Expr& e) {
  if (e.type != SqlType::kBigint) return e;
  return {e.tsw, absl::StrCat("CAST(", e.sqlite, " AS REAL)"), SqlType::kDouble};
}

QueryGenerator::Expr QueryGenerator::Column(SqlType type) {
  const std::vector<int> candidates = ColumnsOf(type);
  const FlatColumn& c = profile_.columns[Pick(candidates)];
  std::string tsw = c.name;
  // Quoted identifiers sometimes; measure_value::<type> is written bare, as users do.
  if (c.name.find("::") == std::string::npos && Chance(0.2)) tsw = SqliteName(c.name);
  return {tsw, SqliteName(c.name), type};
}

QueryGenerator::Expr QueryGenerator::Literal(SqlType type) {
  switch (type) {
    case SqlType::kDouble: {
      const int64_t h = Chance(0.3) ? Uniform(-20, 120) * 100 : Uniform(-5000, 15000);
      return {DoubleLiteralTsw(h), DoubleLiteralSqlite(h), type};
    }
    case SqlType::kBigint: {
      const int64_t v = Chance(0.5) ? Uniform(-20, 120) : Uniform(-1000, 100000);
      const std::string text = v < 0 ? absl::StrCat("(", v, ")") : absl::StrCat(v);
      return {text, text, type};
    }
    case SqlType::kVarchar: {
      std::vector<std::string> pool;
      for (size_t i = 0; i < profile_.columns.size(); ++i) {
        for (const std::string& s : profile_.strings[i]) pool.push_back(s);
      }
      std::string s = pool.empty() || Chance(0.15) ? "zz'top" : Pick(pool);
      return {Quote(s), Quote(s), type};
    }
    case SqlType::kBoolean: {
      const bool b = Chance(0.5);
      return {b ? "true" : "false", b ? "1" : "0", type};
    }
    case SqlType::kTimestamp: {
      const int64_t span = profile_.max_time_nanos - profile_.min_time_nanos;
      const int64_t ms = (profile_.min_time_nanos + std::uniform_int_distribution<int64_t>(
                                                        -span / 10, span + span / 10)(rng_)) /
                         1000000;
      if (features_.from_milliseconds && (!features_.ago || Chance(0.5))) {
        return {absl::StrCat("from_milliseconds(", ms, ")"), absl::StrCat(ms * 1000000), type};
      }
      int64_t nanos = 0;
      Expr interval = Interval(&nanos);
      const std::string sqlite = absl::StrCat(profile_.now_nanos - nanos);
      if (Chance(0.5)) return {absl::StrCat("ago(", interval.tsw, ")"), sqlite, type};
      return {absl::StrCat("(now() - ", interval.tsw, ")"), sqlite, type};
    }
  }
  return {};
}

std::string QueryGenerator::LikePatternSource() {
  std::vector<std::string> pool;
  for (size_t i = 0; i < profile_.columns.size(); ++i) {
    for (const std::string& s : profile_.strings[i]) pool.push_back(s);
  }
  return pool.empty() ? "zz" : Pick(pool);
}

QueryGenerator::Expr QueryGenerator::Interval(int64_t* nanos) {
  const IntervalUnit& unit = kUnits[Uniform(0, 2)];
  int64_t count = 0;
  switch (unit.suffix[0]) {
    case 's':
      count = Uniform(1, 7200);
      break;
    case 'm':
      count = Uniform(1, 240);
      break;
    default:
      count = Uniform(1, 4);
  }
  *nanos = count * unit.nanos;
  if (unit.suffix[0] == 'h' && Chance(0.3)) {
    return {absl::StrCat("INTERVAL '", count, "' HOUR"), absl::StrCat(*nanos), SqlType::kTimestamp};
  }
  return {absl::StrCat(count, unit.suffix), absl::StrCat(*nanos), SqlType::kTimestamp};
}

QueryGenerator::Expr QueryGenerator::NumericScalar(int depth) {
  return Scalar(Chance(0.6) ? SqlType::kDouble : SqlType::kBigint, depth);
}

QueryGenerator::Expr QueryGenerator::Scalar(SqlType type, int depth) {
  // Leaves: mostly columns.
  if (depth <= 0 || Chance(0.45)) {
    if (type != SqlType::kTimestamp && Chance(0.12)) return Literal(type);
    if (type == SqlType::kBigint && features_.to_milliseconds && !no_epoch_ints_ && Chance(0.08)) {
      return {"to_milliseconds(time)", "(\"time\" / 1000000)", type};
    }
    return Column(type);
  }
  const int choice = Uniform(0, 9);
  // Shared shapes: coalesce and CASE, for every type.
  if (choice == 0 && features_.coalesce) {
    Expr a = Scalar(type, depth - 1);
    Expr b = Chance(0.5) ? Literal(type == SqlType::kTimestamp ? SqlType::kTimestamp : type)
                         : Scalar(type, depth - 1);
    if (type == SqlType::kTimestamp) b = Scalar(type, depth - 1);
    return {absl::StrCat("coalesce(", a.tsw, ", ", b.tsw, ")"),
            absl::StrCat("coalesce(", a.sqlite, ", ", b.sqlite, ")"), type};
  }
  if (choice == 1 && features_.case_when) {
    Expr p = Predicate(depth - 1);
    Expr a = Scalar(type, depth - 1);
    if (Chance(0.25)) {
      return {absl::StrCat("CASE WHEN ", p.tsw, " THEN ", a.tsw, " END"),
              absl::StrCat("CASE WHEN ", p.sqlite, " THEN ", a.sqlite, " END"), type};
    }
    Expr b = Scalar(type, depth - 1);
    return {absl::StrCat("CASE WHEN ", p.tsw, " THEN ", a.tsw, " ELSE ", b.tsw, " END"),
            absl::StrCat("CASE WHEN ", p.sqlite, " THEN ", a.sqlite, " ELSE ", b.sqlite, " END"),
            type};
  }
  switch (type) {
    case SqlType::kDouble: {
      switch (Uniform(0, 6)) {
        case 0:
        case 1: {  // Arithmetic with at least one DOUBLE operand.
          Expr a = Scalar(SqlType::kDouble, depth - 1);
          Expr b = NumericScalar(depth - 1);
          if (Chance(0.5)) std::swap(a, b);
          const char* op = Pick(std::vector<const char*>{"+", "-", "*"});
          return {absl::StrCat("(", a.tsw, " ", op, " ", b.tsw, ")"),
                  absl::StrCat("(", a.sqlite, " ", op, " ", b.sqlite, ")"), type};
        }
        case 2: {  // Division by a non-zero DOUBLE literal.
          Expr a = NumericScalar(depth - 1);
          int64_t h = Uniform(1, 800);
          if (Chance(0.3)) h = -h;
          return {absl::StrCat("(", a.tsw, " / ", DoubleLiteralTsw(h), ")"),
                  absl::StrCat("(", a.sqlite, " / ", DoubleLiteralSqlite(h), ")"), type};
        }
        case 3:
          if (features_.cast) {
            Expr a = Scalar(SqlType::kBigint, depth - 1);
            return {absl::StrCat("CAST(", a.tsw, " AS DOUBLE)"),
                    absl::StrCat("CAST(", a.sqlite, " AS REAL)"), type};
          }
          [[fallthrough]];
        case 4:
          if (features_.abs) {
            Expr a = Scalar(type, depth - 1);
            return {absl::StrCat("abs(", a.tsw, ")"), absl::StrCat("abs(", a.sqlite, ")"), type};
          }
          [[fallthrough]];
        case 5: {  // Negation.
          Expr a = Scalar(type, depth - 1);
          return {absl::StrCat("(-(", a.tsw, "))"), absl::StrCat("(-(", a.sqlite, "))"), type};
        }
        default:
          if (features_.coalesce) {  // BIGINT widened by coalesce.
            Expr a = Scalar(SqlType::kBigint, depth - 1);
            Expr b = AsDouble(Scalar(SqlType::kDouble, depth - 1));
            Expr wa = AsDouble(a);
            return {absl::StrCat("coalesce(", wa.tsw, ", ", b.tsw, ")"),
                    absl::StrCat("coalesce(", wa.sqlite, ", ", b.sqlite, ")"), type};
          }
          return Column(type);
      }
    }
    case SqlType::kBigint: {
      switch (Uniform(0, 5)) {
        case 0: {
          Expr a = Scalar(type, depth - 1);
          Expr b = Scalar(type, depth - 1);
          const char* op = Chance(0.5) ? "+" : "-";
          return {absl::StrCat("(", a.tsw, " ", op, " ", b.tsw, ")"),
                  absl::StrCat("(", a.sqlite, " ", op, " ", b.sqlite, ")"), type};
        }
        case 1: {  // Multiplication by a small literal only: no overflow.
          Expr a = Scalar(type, depth - 1);
          const int k = Uniform(-9, 9);
          const std::string lit = k < 0 ? absl::StrCat("(", k, ")") : absl::StrCat(k);
          return {absl::StrCat("(", a.tsw, " * ", lit, ")"),
                  absl::StrCat("(", a.sqlite, " * ", lit, ")"), type};
        }
        case 2:
        case 3: {  // Integer division and remainder truncate toward zero in both.
          Expr a = Scalar(type, depth - 1);
          int k = Uniform(1, 12);
          if (Chance(0.3)) k = -k;
          const std::string lit = k < 0 ? absl::StrCat("(", k, ")") : absl::StrCat(k);
          const char* op = (features_.modulo && Chance(0.4)) ? "%" : "/";
          return {absl::StrCat("(", a.tsw, " ", op, " ", lit, ")"),
                  absl::StrCat("(", a.sqlite, " ", op, " ", lit, ")"), type};
        }
        case 4:
          if (features_.abs) {
            Expr a = Scalar(type, depth - 1);
            return {absl::StrCat("abs(", a.tsw, ")"), absl::StrCat("abs(", a.sqlite, ")"), type};
          }
          [[fallthrough]];
        default: {
          Expr a = Scalar(type, depth - 1);
          return {absl::StrCat("(-(", a.tsw, "))"), absl::StrCat("(-(", a.sqlite, "))"), type};
        }
      }
    }
    case SqlType::kVarchar:
      return Column(type);
    case SqlType::kBoolean:
      return Predicate(depth - 1);
    case SqlType::kTimestamp: {
      switch (Uniform(0, 3)) {
        case 0:
        case 1: {
          const Bin& bin = kBins[Uniform(0, 6)];
          return {absl::StrCat("bin(time, ", bin.tsw, ")"), SqliteFloor("\"time\"", bin.nanos),
                  type};
        }
        case 2:
          if (features_.date_trunc) {
            static constexpr std::pair<const char*, int64_t> kUnitsTrunc[] = {
                {"second", kSecondNanos},
                {"minute", 60 * kSecondNanos},
                {"hour", 3600 * kSecondNanos},
                {"day", 86400 * kSecondNanos}};
            const auto& [unit, nanos] = kUnitsTrunc[Uniform(0, 3)];
            return {absl::StrCat("date_trunc('", unit, "', time)"), SqliteFloor("\"time\"", nanos),
                    type};
          }
          [[fallthrough]];
        default:
          if (features_.time_arithmetic) {
            int64_t nanos = 0;
            Expr interval = Interval(&nanos);
            const char* op = Chance(0.5) ? "-" : "+";
            return {absl::StrCat("(time ", op, " ", interval.tsw, ")"),
                    absl::StrCat("(\"time\" ", op, " ", nanos, ")"), type};
          }
          return Column(type);
      }
    }
  }
  return Column(type);
}

QueryGenerator::Expr QueryGenerator::Predicate(int depth) {
  if (depth > 0 && Chance(0.45)) {
    const int choice = Uniform(0, 4);
    if (choice == 0) {
      Expr a = Predicate(depth - 1);
      return {absl::StrCat("(NOT ", a.tsw, ")"), absl::StrCat("(NOT ", a.sqlite, ")"),
              SqlType::kBoolean};
    }
    Expr a = Predicate(depth - 1);
    Expr b = Predicate(depth - 1);
    const char* op = choice <= 2 ? "AND" : "OR";
    return {absl::StrCat("(", a.tsw, " ", op, " ", b.tsw, ")"),
            absl::StrCat("(", a.sqlite, " ", op, " ", b.sqlite, ")"), SqlType::kBoolean};
  }
  // Parenthesized: a comparison is no operand of another one in Timestream's grammar.
  Expr c = Comparison();
  return {absl::StrCat("(", c.tsw, ")"), absl::StrCat("(", c.sqlite, ")"), c.type};
}

QueryGenerator::Expr QueryGenerator::TimePredicate() {
  const SqlType ts = SqlType::kTimestamp;
  if (features_.between && Chance(0.35)) {
    Expr lo = Literal(ts);
    Expr hi = Literal(ts);
    return {absl::StrCat("time BETWEEN ", lo.tsw, " AND ", hi.tsw),
            absl::StrCat("\"time\" BETWEEN ", lo.sqlite, " AND ", hi.sqlite), SqlType::kBoolean};
  }
  Expr lit = Literal(ts);
  const char* op = Pick(std::vector<const char*>{"<", "<=", ">", ">=", "=", "<>"});
  if (Chance(0.2)) op = ">=";
  return {absl::StrCat("time ", op, " ", lit.tsw), absl::StrCat("\"time\" ", op, " ", lit.sqlite),
          SqlType::kBoolean};
}

QueryGenerator::Expr QueryGenerator::Comparison() {
  const SqlType b = SqlType::kBoolean;
  const int choice = Uniform(0, 19);
  if (choice <= 2) {  // measure_name, the most common filter.
    if (features_.in_list && Chance(0.4)) {
      std::vector<std::string> names;
      const int n = Uniform(1, 3);
      for (int i = 0; i < n; ++i) names.push_back(Quote(Pick(profile_.measure_names)));
      const std::string list = absl::StrJoin(names, ", ");
      return {absl::StrCat("measure_name IN (", list, ")"),
              absl::StrCat("\"measure_name\" IN (", list, ")"), b};
    }
    const std::string name = Quote(Pick(profile_.measure_names));
    const char* op = Chance(0.85) ? "=" : "<>";
    return {absl::StrCat("measure_name ", op, " ", name),
            absl::StrCat("\"measure_name\" ", op, " ", name), b};
  }
  if (choice <= 4 && (features_.ago || features_.from_milliseconds)) return TimePredicate();
  if (choice == 5 && features_.is_null) {
    Expr c = Column(profile_.columns[Uniform(0, profile_.columns.size() - 1)].type);
    const char* op = Chance(0.5) ? " IS NULL" : " IS NOT NULL";
    return {absl::StrCat(c.tsw, op), absl::StrCat(c.sqlite, op), b};
  }
  if (choice == 6) {  // A BOOLEAN column as the predicate itself.
    Expr c = Column(SqlType::kBoolean);
    return c;
  }
  if (choice == 7 && features_.like) {
    Expr c = Column(SqlType::kVarchar);
    // A pattern cut from a value: ASCII bytes only are replaced, cuts fall on UTF-8
    // character boundaries.
    std::string pattern = LikePatternSource();
    if (!pattern.empty() && Chance(0.5)) {
      const size_t i = Uniform(0, pattern.size() - 1);
      if (static_cast<unsigned char>(pattern[i]) < 0x80) pattern[i] = '_';
    }
    auto boundary = [&pattern](size_t i) {
      return i >= pattern.size() || (static_cast<unsigned char>(pattern[i]) & 0xC0) != 0x80;
    };
    if (pattern.size() > 2 && Chance(0.4)) {
      size_t cut = Uniform(1, 2);
      while (!boundary(cut)) ++cut;
      pattern = pattern.substr(cut);
    }
    if (Chance(0.5)) pattern = absl::StrCat("%", pattern);
    if (Chance(0.5)) {
      size_t cut = pattern.size() / 2 + 1;
      while (!boundary(cut)) ++cut;
      pattern.resize(std::min(cut, pattern.size()));
    }
    if (Chance(0.6)) pattern += "%";
    const char* op = Chance(0.3) ? " NOT LIKE " : " LIKE ";
    return {absl::StrCat(c.tsw, op, Quote(pattern)), absl::StrCat(c.sqlite, op, Quote(pattern)), b};
  }
  // Typed comparisons.
  static constexpr SqlType kTypes[] = {SqlType::kDouble,  SqlType::kDouble,  SqlType::kBigint,
                                       SqlType::kVarchar, SqlType::kVarchar, SqlType::kBoolean};
  const SqlType type = kTypes[Uniform(0, 5)];
  Expr lhs = Chance(0.7) ? Column(type) : Scalar(type, 1);
  if (type != SqlType::kBoolean && features_.between && choice == 8) {
    Expr lo = Literal(type);
    Expr hi = Literal(type);
    const char* op = Chance(0.25) ? " NOT BETWEEN " : " BETWEEN ";
    return {absl::StrCat(lhs.tsw, op, lo.tsw, " AND ", hi.tsw),
            absl::StrCat(lhs.sqlite, op, lo.sqlite, " AND ", hi.sqlite), b};
  }
  if (type != SqlType::kBoolean && features_.in_list && choice == 9) {
    std::vector<std::string> t, s;
    const int n = Uniform(1, 4);
    for (int i = 0; i < n; ++i) {
      Expr lit = Literal(type);
      t.push_back(lit.tsw);
      s.push_back(lit.sqlite);
    }
    const char* op = Chance(0.25) ? " NOT IN (" : " IN (";
    return {absl::StrCat(lhs.tsw, op, absl::StrJoin(t, ", "), ")"),
            absl::StrCat(lhs.sqlite, op, absl::StrJoin(s, ", "), ")"), b};
  }
  Expr rhs = Chance(0.75) ? Literal(type) : Column(type);
  const char* op = type == SqlType::kBoolean
                       ? (Chance(0.5) ? "=" : "<>")
                       : Pick(std::vector<const char*>{"=", "<>", "<", "<=", ">", ">="});
  return {absl::StrCat(lhs.tsw, " ", op, " ", rhs.tsw),
          absl::StrCat(lhs.sqlite, " ", op, " ", rhs.sqlite), b};
}

QueryGenerator::Expr QueryGenerator::AggregateCall(SqlType* input_type) {
  const int choice = Uniform(0, 11);
  if (choice == 0) return {"count(*)", "count(*)", SqlType::kBigint};
  if (choice == 1) {
    static constexpr SqlType kAny[] = {SqlType::kDouble, SqlType::kBigint, SqlType::kVarchar,
                                       SqlType::kBoolean, SqlType::kTimestamp};
    Expr x = Scalar(kAny[Uniform(0, 4)], 1);
    return {absl::StrCat("count(", x.tsw, ")"), absl::StrCat("count(", x.sqlite, ")"),
            SqlType::kBigint};
  }
  if (choice <= 3) {
    Expr x = NumericScalar(Uniform(0, 1));
    *input_type = x.type;
    return {absl::StrCat("sum(", x.tsw, ")"), absl::StrCat("sum(", x.sqlite, ")"), x.type};
  }
  if (choice <= 5) {
    Expr x = NumericScalar(Uniform(0, 1));
    return {absl::StrCat("avg(", x.tsw, ")"), absl::StrCat("avg(", x.sqlite, ")"),
            SqlType::kDouble};
  }
  if (choice <= 9) {
    static constexpr SqlType kOrderable[] = {SqlType::kDouble,  SqlType::kDouble,
                                             SqlType::kBigint,  SqlType::kVarchar,
                                             SqlType::kBoolean, SqlType::kTimestamp};
    const SqlType type = kOrderable[Uniform(0, 5)];
    Expr x = type == SqlType::kTimestamp && Chance(0.6) ? Expr{"time", "\"time\"", type}
                                                        : Scalar(type, Uniform(0, 1));
    const char* f = Chance(0.5) ? "min" : "max";
    return {absl::StrCat(f, "(", x.tsw, ")"), absl::StrCat(f, "(", x.sqlite, ")"), type};
  }
  if (features_.stddev) {
    // Not over epoch milliseconds: with a mean ~1e8 times the spread, any double algorithm
    // (Welford's too) loses about that factor of precision, beyond the stated tolerance.
    no_epoch_ints_ = true;
    Expr x = NumericScalar(Uniform(0, 1));
    no_epoch_ints_ = false;
    return {absl::StrCat("stddev(", x.tsw, ")"), absl::StrCat("stddev(", x.sqlite, ")"),
            SqlType::kDouble};
  }
  return {"count(*)", "count(*)", SqlType::kBigint};
}

QueryGenerator::Expr QueryGenerator::Aggregate(int depth) {
  SqlType input = SqlType::kDouble;
  if (depth <= 0 || Chance(0.55)) return AggregateCall(&input);
  const int choice = Uniform(0, 3);
  if (choice == 0 && features_.coalesce) {
    Expr a = AggregateCall(&input);
    if (a.type == SqlType::kTimestamp) return a;
    Expr lit = Literal(a.type);
    return {absl::StrCat("coalesce(", a.tsw, ", ", lit.tsw, ")"),
            absl::StrCat("coalesce(", a.sqlite, ", ", lit.sqlite, ")"), a.type};
  }
  if (choice == 1 && features_.case_when) {
    Expr p = AggregatePredicate(depth - 1);
    Expr a = AggregateCall(&input);
    Expr b = a.type == SqlType::kTimestamp ? AggregateCall(&input) : Literal(a.type);
    if (a.type != b.type) return a;
    return {absl::StrCat("CASE WHEN ", p.tsw, " THEN ", a.tsw, " ELSE ", b.tsw, " END"),
            absl::StrCat("CASE WHEN ", p.sqlite, " THEN ", a.sqlite, " ELSE ", b.sqlite, " END"),
            a.type};
  }
  if (!features_.aggregate_arithmetic) return AggregateCall(&input);
  // Arithmetic over numeric aggregates; BIGINT products only by small literals.
  Expr a = AggregateCall(&input);
  if (a.type != SqlType::kDouble && a.type != SqlType::kBigint) return a;
  if (Chance(0.5)) {
    Expr b = AggregateCall(&input);
    if (b.type != SqlType::kDouble && b.type != SqlType::kBigint) return a;
    const char* op = (a.type == SqlType::kDouble || b.type == SqlType::kDouble) && Chance(0.3)
                         ? "*"
                         : (Chance(0.5) ? "+" : "-");
    const SqlType t = a.type == SqlType::kDouble || b.type == SqlType::kDouble ? SqlType::kDouble
                                                                               : SqlType::kBigint;
    return {absl::StrCat("(", a.tsw, " ", op, " ", b.tsw, ")"),
            absl::StrCat("(", a.sqlite, " ", op, " ", b.sqlite, ")"), t};
  }
  if (a.type == SqlType::kDouble) {
    int64_t h = Uniform(1, 500);
    const char* op = Chance(0.5) ? " / " : " * ";
    return {absl::StrCat("(", a.tsw, op, DoubleLiteralTsw(h), ")"),
            absl::StrCat("(", a.sqlite, op, DoubleLiteralSqlite(h), ")"), a.type};
  }
  const int k = Uniform(1, 9);
  const char* op = Chance(0.5) ? " / " : " * ";
  return {absl::StrCat("(", a.tsw, op, k, ")"), absl::StrCat("(", a.sqlite, op, k, ")"), a.type};
}

QueryGenerator::Expr QueryGenerator::AggregatePredicate(int depth) {
  const SqlType b = SqlType::kBoolean;
  if (depth > 0 && Chance(0.3)) {
    Expr l = AggregatePredicate(depth - 1);
    Expr r = AggregatePredicate(depth - 1);
    const char* op = Chance(0.5) ? "AND" : "OR";
    return {absl::StrCat("(", l.tsw, " ", op, " ", r.tsw, ")"),
            absl::StrCat("(", l.sqlite, " ", op, " ", r.sqlite, ")"), b};
  }
  SqlType input = SqlType::kDouble;
  Expr a = AggregateCall(&input);
  Expr lit = Literal(a.type);
  if (a.type == SqlType::kBigint && a.tsw == "count(*)") {
    const int n = Uniform(0, 30);
    lit = {absl::StrCat(n), absl::StrCat(n), a.type};
  }
  const char* op = a.type == SqlType::kBoolean
                       ? "="
                       : Pick(std::vector<const char*>{"=", "<>", "<", "<=", ">", ">="});
  return {absl::StrCat(a.tsw, " ", op, " ", lit.tsw),
          absl::StrCat(a.sqlite, " ", op, " ", lit.sqlite), b};
}

void QueryGenerator::AddOrderAndLimit(GeneratedQuery& q, const std::vector<std::string>& aliases,
                                      bool may_limit_without_order) {
  const int n = static_cast<int>(aliases.size());
  if (features_.order_by && Chance(0.55)) {
    const bool limit = features_.limit && Chance(0.5);
    std::vector<int> columns(n);
    for (int i = 0; i < n; ++i) columns[i] = i;
    std::shuffle(columns.begin(), columns.end(), rng_);
    if (!limit) columns.resize(Uniform(1, n));
    std::vector<std::string> t, s;
    for (int c : columns) {
      OrderKey key;
      key.column = c;
      key.descending = Chance(0.5);
      std::string tsw_key = aliases[c];
      if (features_.order_by_ordinal && Chance(0.2)) tsw_key = absl::StrCat(c + 1);
      std::string tsw =
          absl::StrCat(tsw_key, key.descending ? " DESC" : (Chance(0.3) ? " ASC" : ""));
      if (features_.nulls_placement && Chance(0.4)) {
        key.nulls_first = Chance(0.5);
        absl::StrAppend(&tsw, key.nulls_first ? " NULLS FIRST" : " NULLS LAST");
      }
      t.push_back(tsw);
      s.push_back(absl::StrCat(aliases[c], key.descending ? " DESC" : " ASC",
                               key.nulls_first ? " NULLS FIRST" : " NULLS LAST"));
      q.order.push_back(key);
    }
    q.total_order = static_cast<int>(columns.size()) == n;
    absl::StrAppend(&q.tsw, " ORDER BY ", absl::StrJoin(t, ", "));
    absl::StrAppend(&q.sqlite, " ORDER BY ", absl::StrJoin(s, ", "));
    if (limit) q.limit = Chance(0.1) ? 0 : Uniform(1, 25);
  } else if (may_limit_without_order && features_.limit && Chance(0.1)) {
    q.limit = Uniform(0, 30);
  }
  if (q.limit >= 0) {
    absl::StrAppend(&q.tsw, " LIMIT ", q.limit);
    // SQLite gets the whole answer when the order leaves the rows to choose from open.
    if (!q.order.empty()) absl::StrAppend(&q.sqlite, " LIMIT ", q.limit);
  }
}

GeneratedQuery QueryGenerator::RowQuery(bool outer) {
  GeneratedQuery q;
  std::string where_tsw, where_sqlite;
  if (Chance(0.8)) {
    Expr p = Predicate(Uniform(0, 3));
    where_tsw = absl::StrCat(" WHERE ", p.tsw);
    where_sqlite = absl::StrCat(" WHERE ", p.sqlite);
  }
  if (features_.select_star && outer && Chance(0.05)) {
    q.select_star = true;
    q.tsw = absl::StrCat("SELECT * FROM ", profile_.tsw_table, where_tsw);
    q.sqlite = absl::StrCat("SELECT {cols} FROM ", profile_.sqlite_table, where_sqlite);
    if (features_.limit && Chance(0.2)) {
      q.limit = Uniform(0, 20);
      absl::StrAppend(&q.tsw, " LIMIT ", q.limit);
    }
    return q;
  }
  static constexpr SqlType kAny[] = {SqlType::kDouble,   SqlType::kDouble,  SqlType::kBigint,
                                     SqlType::kVarchar,  SqlType::kVarchar, SqlType::kBoolean,
                                     SqlType::kTimestamp};
  const int n = Uniform(1, 4);
  std::vector<std::string> t, s, aliases;
  for (int i = 0; i < n; ++i) {
    Expr e = Scalar(kAny[Uniform(0, 6)], Uniform(0, 2));
    const std::string alias = absl::StrCat("c", i);
    t.push_back(absl::StrCat(e.tsw, " AS ", alias));
    s.push_back(absl::StrCat(e.sqlite, " AS ", alias));
    aliases.push_back(alias);
    q.types.push_back(e.type);
  }
  const char* distinct = features_.distinct && Chance(0.15) ? "DISTINCT " : "";
  q.tsw = absl::StrCat("SELECT ", distinct, absl::StrJoin(t, ", "), " FROM ", profile_.tsw_table,
                       where_tsw);
  q.sqlite = absl::StrCat("SELECT ", distinct, absl::StrJoin(s, ", "), " FROM ",
                          profile_.sqlite_table, where_sqlite);
  if (outer) AddOrderAndLimit(q, aliases, /*may_limit_without_order=*/true);
  return q;
}

// The "last point" shape the engine answers from latest-row scans (engine/query/
// latest_rows.h): max(time) and max_by(x, time) grouped by dimensions and measure_name,
// filtered on measure_name, a dimension and time (sometimes on anything else, which
// takes the general path). SQLite has no max_by; its side takes the group's max(time) in a
// derived table, then the greatest x among the group's rows at that time (NULL only if
// all are), Timestream's tie rule as tsw implements it (aggregates.cc, WinsTie).
GeneratedQuery QueryGenerator::LastPointQuery(bool outer) {
  GeneratedQuery q;
  std::vector<Expr> candidates;
  for (const std::string& d : profile_.dimensions) {
    candidates.push_back({d, SqliteName(d), SqlType::kVarchar});
  }
  candidates.push_back({"measure_name", "\"measure_name\"", SqlType::kVarchar});
  std::shuffle(candidates.begin(), candidates.end(), rng_);
  const int k = std::min<int>(Uniform(0, 2), candidates.size());
  std::vector<Expr> keys(candidates.begin(), candidates.begin() + k);

  std::vector<std::string> where_tsw, where_sqlite;
  if (!profile_.measure_names.empty() && Chance(0.6)) {
    const std::string m = Quote(Pick(profile_.measure_names));
    where_tsw.push_back(absl::StrCat("measure_name = ", m));
    where_sqlite.push_back(absl::StrCat("\"measure_name\" = ", m));
  }
  if (!profile_.dimensions.empty() && Chance(0.3)) {
    const std::string& d = Pick(profile_.dimensions);
    const Expr v = Literal(SqlType::kVarchar);
    where_tsw.push_back(absl::StrCat(d, " = ", v.tsw));
    where_sqlite.push_back(absl::StrCat(SqliteName(d), " = ", v.sqlite));
  }
  if (Chance(0.5)) {
    const Expr p = TimePredicate();
    where_tsw.push_back(p.tsw);
    where_sqlite.push_back(p.sqlite);
  }
  if (Chance(0.15)) {  // Not a last-point filter: the general path answers.
    const Expr p = Predicate(1);
    where_tsw.push_back(absl::StrCat("(", p.tsw, ")"));
    where_sqlite.push_back(absl::StrCat("(", p.sqlite, ")"));
  }
  const std::string w_tsw =
      where_tsw.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(where_tsw, " AND "));
  const std::string w_sqlite = where_sqlite.empty() ? "true" : absl::StrJoin(where_sqlite, " AND ");

  std::vector<std::string> t, s, aliases, inner_keys, match;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string alias = absl::StrCat("c", aliases.size());
    t.push_back(absl::StrCat(keys[i].tsw, " AS ", alias));
    s.push_back(absl::StrCat("m.k", i, " AS ", alias));
    inner_keys.push_back(absl::StrCat(keys[i].sqlite, " AS k", i));
    match.push_back(absl::StrCat(" AND ", keys[i].sqlite, " IS m.k", i));
    aliases.push_back(alias);
    q.types.push_back(SqlType::kVarchar);
  }
  const int aggregates = Uniform(1, 3);
  for (int i = 0; i < aggregates; ++i) {
    const std::string alias = absl::StrCat("c", aliases.size());
    if (i == 0 || Chance(0.3)) {
      t.push_back(absl::StrCat("max(time) AS ", alias));
      s.push_back(absl::StrCat("m.mt AS ", alias));
      q.types.push_back(SqlType::kTimestamp);
    } else {
      const FlatColumn& x = Pick(profile_.columns);
      t.push_back(absl::StrCat("max_by(", x.name, ", time) AS ", alias));
      s.push_back(absl::StrCat("(SELECT max(", SqliteName(x.name), ") FROM ", profile_.sqlite_table,
                               " WHERE (", w_sqlite, ") AND \"time\" = m.mt",
                               absl::StrJoin(match, ""), ") AS ", alias));
      q.types.push_back(x.type);
    }
    aliases.push_back(alias);
  }
  inner_keys.push_back("max(\"time\") AS mt");
  std::vector<std::string> group_tsw, group_sqlite;
  for (const Expr& key : keys) {
    group_tsw.push_back(key.tsw);
    group_sqlite.push_back(key.sqlite);
  }
  q.tsw = absl::StrCat("SELECT ", absl::StrJoin(t, ", "), " FROM ", profile_.tsw_table, w_tsw);
  q.sqlite = absl::StrCat("SELECT ", absl::StrJoin(s, ", "), " FROM (SELECT ",
                          absl::StrJoin(inner_keys, ", "), " FROM ", profile_.sqlite_table,
                          " WHERE ", w_sqlite);
  if (!keys.empty()) {
    absl::StrAppend(&q.tsw, " GROUP BY ", absl::StrJoin(group_tsw, ", "));
    absl::StrAppend(&q.sqlite, " GROUP BY ", absl::StrJoin(group_sqlite, ", "));
  }
  absl::StrAppend(&q.sqlite, ") AS m");
  if (outer) AddOrderAndLimit(q, aliases, /*may_limit_without_order=*/true);
  return q;
}

// GROUP BY a time bin (or time) [and a dimension], ORDER BY that bin first, LIMIT n, with
// a time bound on the side the order starts from: the shape the executor reads in time
// windows from that end (engine/query/time_windows.h), so their edges are checked here.
GeneratedQuery QueryGenerator::TimeBinLimitQuery() {
  GeneratedQuery q;
  const SqlType ts = SqlType::kTimestamp;
  const bool descending = Chance(0.6);
  std::vector<Expr> keys;
  if (Chance(0.15)) {
    keys.push_back({"time", "\"time\"", ts});
  } else {
    const Bin& bin = kBins[Uniform(0, 6)];
    keys.push_back(
        {absl::StrCat("bin(time, ", bin.tsw, ")"), SqliteFloor("\"time\"", bin.nanos), ts});
  }
  if (Chance(0.4)) {  // Several groups per bin: ties on the first sort key.
    const std::string& d = Pick(profile_.dimensions);
    keys.push_back({d, SqliteName(d), SqlType::kVarchar});
  }
  std::vector<std::string> t, s, aliases;
  auto add = [&](const Expr& e) {
    const std::string alias = absl::StrCat("c", aliases.size());
    t.push_back(absl::StrCat(e.tsw, " AS ", alias));
    s.push_back(absl::StrCat(e.sqlite, " AS ", alias));
    aliases.push_back(alias);
    q.types.push_back(e.type);
  };
  for (const Expr& k : keys) add(k);
  const int aggregates = Uniform(1, 2);
  for (int i = 0; i < aggregates; ++i) add(Aggregate(Uniform(0, 1)));
  // The bound the reading starts from, sometimes the other one, sometimes a residual filter.
  Expr literal = Literal(ts);
  const char* op = descending ? (Chance(0.5) ? "<" : "<=") : (Chance(0.5) ? ">=" : ">");
  std::string where_tsw = absl::StrCat("time ", op, " ", literal.tsw);
  std::string where_sqlite = absl::StrCat("\"time\" ", op, " ", literal.sqlite);
  if (Chance(0.3)) {
    Expr other = Literal(ts);
    const char* other_op = descending ? ">=" : "<";
    absl::StrAppend(&where_tsw, " AND time ", other_op, " ", other.tsw);
    absl::StrAppend(&where_sqlite, " AND \"time\" ", other_op, " ", other.sqlite);
  }
  if (Chance(0.5)) {
    Expr p = Predicate(Uniform(0, 2));
    absl::StrAppend(&where_tsw, " AND (", p.tsw, ")");
    absl::StrAppend(&where_sqlite, " AND (", p.sqlite, ")");
  }
  std::vector<std::string> gt, gs;
  for (const Expr& k : keys) {
    gt.push_back(k.tsw);
    gs.push_back(k.sqlite);
  }
  q.tsw = absl::StrCat("SELECT ", absl::StrJoin(t, ", "), " FROM ", profile_.tsw_table, " WHERE ",
                       where_tsw, " GROUP BY ", absl::StrJoin(gt, ", "));
  q.sqlite = absl::StrCat("SELECT ", absl::StrJoin(s, ", "), " FROM ", profile_.sqlite_table,
                          " WHERE ", where_sqlite, " GROUP BY ", absl::StrJoin(gs, ", "));
  // The bin first, then every other column: a total order, so LIMIT's rows are determined.
  std::vector<int> rest;
  for (int c = 1; c < static_cast<int>(aliases.size()); ++c) rest.push_back(c);
  std::shuffle(rest.begin(), rest.end(), rng_);
  rest.insert(rest.begin(), 0);
  std::vector<std::string> ot, os;
  for (int c : rest) {
    OrderKey key;
    key.column = c;
    key.descending = c == 0 ? descending : Chance(0.5);
    ot.push_back(absl::StrCat(aliases[c], key.descending ? " DESC" : ""));
    os.push_back(absl::StrCat(aliases[c], key.descending ? " DESC" : " ASC", " NULLS LAST"));
    q.order.push_back(key);
  }
  q.total_order = true;
  q.limit = Uniform(1, 12);
  absl::StrAppend(&q.tsw, " ORDER BY ", absl::StrJoin(ot, ", "), " LIMIT ", q.limit);
  absl::StrAppend(&q.sqlite, " ORDER BY ", absl::StrJoin(os, ", "), " LIMIT ", q.limit);
  return q;
}

GeneratedQuery QueryGenerator::AggregateQuery(bool outer) {
  if (features_.last_point && Chance(0.15)) return LastPointQuery(outer);
  if (outer && features_.time_bin_limit && Chance(0.15)) return TimeBinLimitQuery();
  GeneratedQuery q;
  // Group keys.
  std::vector<Expr> candidates;
  for (const std::string& d : profile_.dimensions) {
    candidates.push_back({d, SqliteName(d), SqlType::kVarchar});
  }
  candidates.push_back({"measure_name", "\"measure_name\"", SqlType::kVarchar});
  for (int i = 0; i < 3; ++i) {
    const Bin& bin = kBins[Uniform(1, 6)];
    candidates.push_back({absl::StrCat("bin(time, ", bin.tsw, ")"),
                          SqliteFloor("\"time\"", bin.nanos), SqlType::kTimestamp});
  }
  if (features_.date_trunc) {
    candidates.push_back({"date_trunc('hour', time)", SqliteFloor("\"time\"", 3600 * kSecondNanos),
                          SqlType::kTimestamp});
  }
  for (SqlType type : {SqlType::kVarchar, SqlType::kBoolean, SqlType::kBigint}) {
    for (int c : ColumnsOf(type)) {
      const std::string& name = profile_.columns[c].name;
      if (std::find(profile_.dimensions.begin(), profile_.dimensions.end(), name) !=
              profile_.dimensions.end() ||
          name == "measure_name") {
        continue;
      }
      candidates.push_back({name, SqliteName(name), type});
    }
  }
  std::shuffle(candidates.begin(), candidates.end(), rng_);
  const int k = std::min<int>(Uniform(0, 3), candidates.size());
  std::vector<Expr> keys(candidates.begin(), candidates.begin() + k);
  // Two bins of the same column in one GROUP BY are allowed and harmless.

  std::vector<std::string> t, s, aliases;
  const bool all_keys = Chance(0.8);
  int shown_keys = 0;
  for (const Expr& key : keys) {
    if (!all_keys && Chance(0.5)) continue;
    const std::string alias = absl::StrCat("c", aliases.size());
    t.push_back(absl::StrCat(key.tsw, " AS ", alias));
    s.push_back(absl::StrCat(key.sqlite, " AS ", alias));
    aliases.push_back(alias);
    q.types.push_back(key.type);
    ++shown_keys;
  }
  const int aggregates = Uniform(1, 3);
  for (int i = 0; i < aggregates; ++i) {
    Expr a = Aggregate(Uniform(0, 2));
    const std::string alias = absl::StrCat("c", aliases.size());
    t.push_back(absl::StrCat(a.tsw, " AS ", alias));
    s.push_back(absl::StrCat(a.sqlite, " AS ", alias));
    aliases.push_back(alias);
    q.types.push_back(a.type);
  }
  q.tsw = absl::StrCat("SELECT ", absl::StrJoin(t, ", "), " FROM ", profile_.tsw_table);
  q.sqlite = absl::StrCat("SELECT ", absl::StrJoin(s, ", "), " FROM ", profile_.sqlite_table);
  if (Chance(0.7)) {
    Expr p = Predicate(Uniform(0, 3));
    absl::StrAppend(&q.tsw, " WHERE ", p.tsw);
    absl::StrAppend(&q.sqlite, " WHERE ", p.sqlite);
  }
  if (!keys.empty()) {
    std::vector<std::string> gt, gs;
    const bool ordinal = features_.group_by_ordinal && all_keys && Chance(0.2);
    for (size_t i = 0; i < keys.size(); ++i) {
      gt.push_back(ordinal ? absl::StrCat(i + 1) : keys[i].tsw);
      gs.push_back(keys[i].sqlite);
    }
    absl::StrAppend(&q.tsw, " GROUP BY ", absl::StrJoin(gt, ", "));
    absl::StrAppend(&q.sqlite, " GROUP BY ", absl::StrJoin(gs, ", "));
  }
  if (features_.having && Chance(0.3)) {
    Expr p = AggregatePredicate(1);
    absl::StrAppend(&q.tsw, " HAVING ", p.tsw);
    absl::StrAppend(&q.sqlite, " HAVING ", p.sqlite);
  }
  if (outer) AddOrderAndLimit(q, aliases, /*may_limit_without_order=*/true);
  return q;
}

}  // namespace tsw::testing
