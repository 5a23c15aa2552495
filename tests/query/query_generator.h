// Random queries of the Timestream SQL subset (engine/query/README.md), each rendered twice:
// as Timestream SQL for tsw and as SQLite SQL over the same rows in Timestream's flat model
// (one column per dimension, `measure_name`, `time` as integer nanoseconds,
// "measure_value::<type>" columns, one column per MULTI attribute). The two renderings
// must give the same answer; differential_test.cc checks that they do.
//
// Where the dialects differ, the SQLite side spells out Timestream's meaning: bin(time, X)
// becomes (time / X) * X (every generated time is positive, so this is the floor),
// interval literals and ago()/now() become nanosecond integers, ORDER BY names its NULL
// placement (Timestream's default is NULLS LAST in both directions), double literals are
// exact quotients, and an integer that Timestream would widen to DOUBLE is CAST to REAL so
// SQLite does not divide it as an integer. Divisors are always non-zero literals (Timestream
// fails a division by zero where SQLite answers NULL), and values stay far from overflow.
#ifndef TSW_TESTS_QUERY_QUERY_GENERATOR_H_
#define TSW_TESTS_QUERY_QUERY_GENERATOR_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tsw::testing {

enum class SqlType { kDouble, kBigint, kVarchar, kBoolean, kTimestamp };
const char* SqlTypeName(SqlType type);

// One column of the flat table.
struct FlatColumn {
  std::string name;  // As Timestream names it ("region", "measure_value::double", "temp").
  SqlType type;
};

// What the generator knows about a table: its columns and some of its values, so that
// literals hit rows often enough for predicates to be interesting.
struct TableProfile {
  std::string tsw_table;     // "\"db\".\"t\"".
  std::string sqlite_table;  // "t".
  std::vector<FlatColumn> columns;
  std::vector<std::string> dimensions;  // Names of the dimension columns.
  std::vector<std::string> measure_names;
  // Sample values per VARCHAR column (by column index; empty for other types).
  std::vector<std::vector<std::string>> strings;
  int64_t min_time_nanos = 0;
  int64_t max_time_nanos = 0;
  int64_t now_nanos = 0;  // The query's now() (the engine's clock).
};

// Constructs the generator may use; each off names a gap of the engine under test.
struct GeneratorFeatures {
  bool distinct = true;
  bool case_when = true;
  bool coalesce = true;
  bool cast = true;
  bool abs = true;
  bool modulo = true;
  bool like = true;
  bool between = true;
  bool in_list = true;
  bool is_null = true;
  bool stddev = true;
  bool having = true;
  bool order_by = true;
  bool nulls_placement = true;  // Explicit NULLS FIRST / NULLS LAST.
  bool limit = true;
  bool select_star = true;
  bool ago = true;  // ago(X), now() - X.
  bool from_milliseconds = true;
  bool to_milliseconds = true;
  bool date_trunc = true;
  bool time_arithmetic = true;       // time - 1h in projections.
  bool aggregate_arithmetic = true;  // max(x) - min(x), sum(x) * 2, ...
  bool group_by_ordinal = true;      // GROUP BY 1, 2.
  bool subquery = true;              // FROM (SELECT ...) and WITH name AS (SELECT ...).
  bool order_by_ordinal = true;      // ORDER BY 2 DESC.
  bool last_point = true;            // max(time), max_by(x, time) GROUP BY dimensions.
  bool time_bin_limit = true;        // GROUP BY bin(time, X) ORDER BY it LIMIT n, time-bounded.
};

// How the rows of an answer are ordered.
struct OrderKey {
  int column = 0;
  bool descending = false;
  bool nulls_first = false;
};

struct GeneratedQuery {
  std::string tsw;
  // For SELECT *: "SELECT * FROM ..." with "*" to be replaced by the answer's column names
  // (select_star true), since the column order is tsw's to choose.
  std::string sqlite;
  std::vector<SqlType> types;   // Of the answer's columns (empty for SELECT *).
  std::vector<OrderKey> order;  // ORDER BY over output columns; empty if none.
  bool total_order = false;     // ORDER BY determines the answer's row order.
  int64_t limit = -1;           // -1: no LIMIT.
  bool select_star = false;
};

class QueryGenerator {
 public:
  QueryGenerator(const TableProfile& profile, const GeneratorFeatures& features, uint64_t seed);

  GeneratedQuery Next();

 private:
  struct Expr {
    std::string tsw;
    std::string sqlite;
    SqlType type;
  };

  // With `outer` false, no ORDER BY or LIMIT (the query becomes a sub-query).
  GeneratedQuery RowQuery(bool outer = true);
  GeneratedQuery AggregateQuery(bool outer = true);
  GeneratedQuery SubQuery();
  GeneratedQuery LastPointQuery(bool outer);
  GeneratedQuery TimeBinLimitQuery();
  void AddOrderAndLimit(GeneratedQuery& q, const std::vector<std::string>& aliases,
                        bool may_limit_without_order);

  // Row-level expressions.
  Expr Scalar(SqlType type, int depth);
  Expr Column(SqlType type);
  Expr Literal(SqlType type);
  Expr NumericScalar(int depth);  // DOUBLE or BIGINT.
  Expr Predicate(int depth);
  Expr Comparison();
  Expr TimePredicate();
  Expr Interval(int64_t* nanos);
  std::string LikePatternSource();
  Expr AsDouble(const Expr& e);  // The SQLite side widened to REAL where it might be an int.

  // Aggregate-level expressions (over groups).
  Expr Aggregate(int depth);
  Expr AggregateCall(SqlType* input_type);
  Expr AggregatePredicate(int depth);

  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }
  std::vector<int> ColumnsOf(SqlType type) const;
  std::string DoubleLiteralTsw(int64_t hundredths) const;
  std::string DoubleLiteralSqlite(int64_t hundredths) const;

  const TableProfile& profile_;
  GeneratorFeatures features_;
  std::mt19937_64 rng_;
  bool no_epoch_ints_ = false;  // Set while generating a stddev argument.
};

}  // namespace tsw::testing

#endif  // TSW_TESTS_QUERY_QUERY_GENERATOR_H_
