// The parsed form of a query: a tree of expressions and the clauses of a SELECT. The
// binder (binder.h) annotates expressions in place with their type and, for columns,
// the input column they read; the evaluator (evaluator.h) runs them over column vectors.
#ifndef TSW_ENGINE_QUERY_AST_H_
#define TSW_ENGINE_QUERY_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/query/lexer.h"
#include "tsw/query.h"
#include "tsw/types.h"

namespace tsw::query {

// A constant value. Interval literals are INTERVAL_DAY_TO_SECOND in nanoseconds;
// TIMESTAMP in nanoseconds since the epoch; BOOLEAN in `i` (0 or 1).
struct Scalar {
  ScalarType type = ScalarType::kUnknown;
  bool null = true;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

enum class ExprKind {
  kLiteral,
  kColumn,    // `name`; bound: `slot` is the input column.
  kUnary,     // `name` is "-", "+" or "not"; one arg.
  kBinary,    // `name` is an operator ("+", "<=", "and", "||", ...); two args.
  kFunction,  // `name` lowercased; `star` for count(*); `distinct` for count(DISTINCT x).
  kCase,      // args: [operand] (when, then)... [else]; see has_operand / has_else.
  kCast,      // One arg, to `cast_type`.
  kBetween,   // args: value, low, high; `negated` for NOT BETWEEN.
  kIn,        // args: value, list...; `negated` for NOT IN.
  kLike,      // args: value, pattern; `negated` for NOT LIKE.
  kIsNull,    // One arg; `negated` for IS NOT NULL.
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Position pos;
  std::string name;
  Scalar literal;
  std::vector<std::unique_ptr<Expr>> args;
  bool negated = false;
  bool star = false;
  bool distinct = false;
  bool has_operand = false;
  bool has_else = false;
  ScalarType cast_type = ScalarType::kUnknown;

  // Set by the binder.
  ScalarType type = ScalarType::kUnknown;
  int slot = -1;

  std::unique_ptr<Expr> Clone() const;
  // A canonical text of the expression (GROUP BY matching, column names, messages).
  std::string ToString() const;
};

struct Select;

struct SelectItem {
  std::unique_ptr<Expr> expr;  // Null for `*`.
  std::string alias;           // Empty when none.
  Position pos;
};

struct OrderItem {
  std::unique_ptr<Expr> expr;
  bool descending = false;
  std::optional<bool> nulls_first;
};

struct TableRef {
  Position pos;
  std::string database;  // Empty for a WITH name or a sub-query.
  std::string table;
  std::unique_ptr<Select> subquery;
};

struct CommonTable {
  std::string name;
  std::unique_ptr<Select> query;
};

struct Select {
  Position pos;
  std::vector<CommonTable> with;
  bool distinct = false;
  std::vector<SelectItem> items;
  TableRef from;
  std::unique_ptr<Expr> where;
  std::vector<std::unique_ptr<Expr>> group_by;
  std::unique_ptr<Expr> having;
  std::vector<OrderItem> order_by;
  std::optional<int64_t> limit;
};

// The type a column of measure values of type `t` has in a query (kUnknown for MULTI).
ScalarType ScalarOf(MeasureValueType t);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_AST_H_
