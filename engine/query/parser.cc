#include "engine/query/parser.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/query/time_util.h"

namespace tsw::query {
namespace {

// Words that end an expression or a select item (so `SELECT a FROM` is not an alias).
const absl::flat_hash_set<std::string>& ReservedWords() {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "all",   "and",      "as",      "asc",   "between",   "by",       "case",   "cast",  "cross",
      "desc",  "distinct", "else",    "end",   "except",    "false",    "fetch",  "from",  "full",
      "group", "having",   "in",      "inner", "intersect", "interval", "is",     "join",  "left",
      "like",  "limit",    "natural", "not",   "null",      "nulls",    "offset", "on",    "or",
      "order", "outer",    "over",    "right", "select",    "then",     "true",   "union", "using",
      "when",  "where",    "window",  "with"};
  return *words;
}

// Words that start a construct outside the subset, and how to name it.
std::optional<std::string> UnsupportedClause(const std::string& word) {
  if (word == "join" || word == "inner" || word == "left" || word == "right" || word == "full" ||
      word == "cross" || word == "natural") {
    return "JOIN";
  }
  if (word == "union" || word == "except" || word == "intersect") {
    return absl::AsciiStrToUpper(word);
  }
  if (word == "offset" || word == "fetch" || word == "window") return absl::AsciiStrToUpper(word);
  return std::nullopt;
}

// Operators one chain (a + b + ...) may hold: the tree is as deep as the chain.
constexpr int kMaxChain = 1000;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  absl::StatusOr<std::unique_ptr<Select>> ParseQuery() {
    auto select = ParseSelect();
    if (!select.ok()) return select.status();
    if (IsSymbol(";")) ++i_;
    if (Cur().kind != TokenKind::kEnd) return Unexpected();
    return select;
  }

 private:
  const Token& Cur() const { return t_[i_]; }
  const Token& Ahead(size_t n) const { return t_[std::min(i_ + n, t_.size() - 1)]; }
  bool IsWord(absl::string_view w) const {
    return Cur().kind == TokenKind::kIdentifier && Cur().text == w;
  }
  bool IsSymbol(absl::string_view s) const {
    return Cur().kind == TokenKind::kSymbol && Cur().text == s;
  }
  bool AcceptWord(absl::string_view w) {
    if (!IsWord(w)) return false;
    ++i_;
    return true;
  }
  bool AcceptSymbol(absl::string_view s) {
    if (!IsSymbol(s)) return false;
    ++i_;
    return true;
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kEnd:
        return "<EOF>";
      case TokenKind::kString:
        return absl::StrCat("'", t.text, "'");
      case TokenKind::kQuotedIdentifier:
        return absl::StrCat("\"", t.text, "\"");
      case TokenKind::kInterval:
        return t.text + t.unit;
      default:
        return t.text;
    }
  }

  absl::Status Unexpected() const {
    if (Cur().kind == TokenKind::kIdentifier) {
      if (auto clause = UnsupportedClause(Cur().text)) {
        return SyntaxError(Cur().pos, absl::StrCat(*clause, " is not supported"));
      }
    }
    return SyntaxError(Cur().pos, absl::StrCat("mismatched input '", Describe(Cur()), "'"));
  }
  absl::Status Expect(absl::string_view what) const {
    return SyntaxError(Cur().pos,
                       absl::StrCat("mismatched input '", Describe(Cur()), "'. Expecting: ", what));
  }
  absl::Status ExpectWord(absl::string_view w) {
    if (AcceptWord(w)) return absl::OkStatus();
    return Expect(absl::StrCat("'", absl::AsciiStrToUpper(w), "'"));
  }
  absl::Status ExpectSymbol(absl::string_view s) {
    if (AcceptSymbol(s)) return absl::OkStatus();
    return Expect(absl::StrCat("'", s, "'"));
  }

  absl::StatusOr<std::unique_ptr<Select>> ParseSelect();
  absl::Status ParseWith(Select& select);
  absl::Status ParseSelectList(Select& select);
  absl::Status ParseFrom(Select& select);
  absl::Status ParseOrderBy(Select& select);
  absl::Status ParseLimit(Select& select);
  absl::StatusOr<std::string> ParseName();

  absl::StatusOr<std::unique_ptr<Expr>> ParseExpr() { return ParseOr(); }
  absl::StatusOr<std::unique_ptr<Expr>> ParseOr();
  absl::StatusOr<std::unique_ptr<Expr>> ParseAnd();
  absl::StatusOr<std::unique_ptr<Expr>> ParseNot();
  absl::StatusOr<std::unique_ptr<Expr>> ParsePredicate();
  absl::StatusOr<std::unique_ptr<Expr>> ParsePredicateTail(std::unique_ptr<Expr> left);
  absl::StatusOr<std::unique_ptr<Expr>> ParseAdditive();
  absl::StatusOr<std::unique_ptr<Expr>> ParseMultiplicative();
  absl::StatusOr<std::unique_ptr<Expr>> ParseUnary();
  absl::StatusOr<std::unique_ptr<Expr>> ParsePrimary();
  absl::StatusOr<std::unique_ptr<Expr>> ParseNumber();
  absl::StatusOr<std::unique_ptr<Expr>> ParseIntervalLiteral();
  absl::StatusOr<std::unique_ptr<Expr>> ParseIntervalKeyword();
  absl::StatusOr<std::unique_ptr<Expr>> ParseTypedLiteral();
  absl::StatusOr<std::unique_ptr<Expr>> ParseCase();
  absl::StatusOr<std::unique_ptr<Expr>> ParseCast();
  absl::StatusOr<std::unique_ptr<Expr>> ParseIdentifierExpr();
  absl::StatusOr<std::unique_ptr<Expr>> ParseCall(std::unique_ptr<Expr> call);

  std::unique_ptr<Expr> Node(ExprKind kind, Position pos, std::string name = "") {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    e->name = std::move(name);
    return e;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

#define TSW_ASSIGN_OR_RETURN_EXPR(lhs, rexpr)   \
  auto lhs##_or = (rexpr);                      \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

absl::StatusOr<std::unique_ptr<Select>> Parser::ParseSelect() {
  if (++depth_ > 64) return SyntaxError(Cur().pos, "the query is nested too deeply");
  auto select = std::make_unique<Select>();
  select->pos = Cur().pos;
  if (IsWord("with")) {
    if (absl::Status s = ParseWith(*select); !s.ok()) return s;
  }
  if (absl::Status s = ExpectWord("select"); !s.ok()) return s;
  if (AcceptWord("distinct")) {
    select->distinct = true;
  } else {
    AcceptWord("all");
  }
  if (absl::Status s = ParseSelectList(*select); !s.ok()) return s;
  if (absl::Status s = ExpectWord("from"); !s.ok()) return s;
  if (absl::Status s = ParseFrom(*select); !s.ok()) return s;
  if (AcceptWord("where")) {
    TSW_ASSIGN_OR_RETURN_EXPR(where, ParseExpr());
    select->where = std::move(where);
  }
  if (AcceptWord("group")) {
    if (absl::Status s = ExpectWord("by"); !s.ok()) return s;
    do {
      TSW_ASSIGN_OR_RETURN_EXPR(key, ParseExpr());
      select->group_by.push_back(std::move(key));
    } while (AcceptSymbol(","));
  }
  if (AcceptWord("having")) {
    TSW_ASSIGN_OR_RETURN_EXPR(having, ParseExpr());
    select->having = std::move(having);
  }
  if (AcceptWord("order")) {
    if (absl::Status s = ParseOrderBy(*select); !s.ok()) return s;
  }
  if (AcceptWord("limit")) {
    if (absl::Status s = ParseLimit(*select); !s.ok()) return s;
  }
  if (Cur().kind == TokenKind::kIdentifier && UnsupportedClause(Cur().text)) return Unexpected();
  --depth_;
  return select;
}

absl::Status Parser::ParseWith(Select& select) {
  ++i_;
  if (IsWord("recursive")) return SyntaxError(Cur().pos, "WITH RECURSIVE is not supported");
  do {
    CommonTable cte;
    auto name = ParseName();
    if (!name.ok()) return name.status();
    cte.name = *name;
    if (IsSymbol("(")) return SyntaxError(Cur().pos, "column lists in WITH are not supported");
    if (absl::Status s = ExpectWord("as"); !s.ok()) return s;
    if (absl::Status s = ExpectSymbol("("); !s.ok()) return s;
    auto query = ParseSelect();
    if (!query.ok()) return query.status();
    cte.query = std::move(*query);
    if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
    select.with.push_back(std::move(cte));
  } while (AcceptSymbol(","));
  return absl::OkStatus();
}

absl::Status Parser::ParseSelectList(Select& select) {
  do {
    SelectItem item;
    item.pos = Cur().pos;
    if (AcceptSymbol("*")) {
      select.items.push_back(std::move(item));
      continue;
    }
    TSW_ASSIGN_OR_RETURN_EXPR(expr, ParseExpr());
    item.expr = std::move(expr);
    if (AcceptWord("as")) {
      auto alias = ParseName();
      if (!alias.ok()) return alias.status();
      item.alias = *alias;
    } else if (Cur().kind == TokenKind::kQuotedIdentifier ||
               (Cur().kind == TokenKind::kIdentifier && !ReservedWords().contains(Cur().text))) {
      item.alias = Cur().text;
      ++i_;
    }
    select.items.push_back(std::move(item));
  } while (AcceptSymbol(","));
  return absl::OkStatus();
}

absl::StatusOr<std::string> Parser::ParseName() {
  if (Cur().kind == TokenKind::kQuotedIdentifier ||
      (Cur().kind == TokenKind::kIdentifier && !ReservedWords().contains(Cur().text))) {
    return t_[i_++].text;
  }
  return Expect("an identifier");
}

absl::Status Parser::ParseFrom(Select& select) {
  select.from.pos = Cur().pos;
  if (AcceptSymbol("(")) {
    auto sub = ParseSelect();
    if (!sub.ok()) return sub.status();
    select.from.subquery = std::move(*sub);
    if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
  } else {
    auto first = ParseName();
    if (!first.ok()) return first.status();
    if (AcceptSymbol(".")) {
      auto second = ParseName();
      if (!second.ok()) return second.status();
      select.from.database = *first;
      select.from.table = *second;
    } else {
      select.from.table = *first;
    }
  }
  // An alias: `FROM t AS x` or `FROM t x`.
  if (AcceptWord("as") ||
      (Cur().kind == TokenKind::kIdentifier && !ReservedWords().contains(Cur().text)) ||
      Cur().kind == TokenKind::kQuotedIdentifier) {
    auto alias = ParseName();
    if (!alias.ok()) return alias.status();
  }
  if (IsSymbol(",")) return SyntaxError(Cur().pos, "more than one table in FROM is not supported");
  return absl::OkStatus();
}

absl::Status Parser::ParseOrderBy(Select& select) {
  if (absl::Status s = ExpectWord("by"); !s.ok()) return s;
  do {
    OrderItem item;
    TSW_ASSIGN_OR_RETURN_EXPR(expr, ParseExpr());
    item.expr = std::move(expr);
    if (AcceptWord("desc")) {
      item.descending = true;
    } else {
      AcceptWord("asc");
    }
    if (AcceptWord("nulls")) {
      if (AcceptWord("first")) {
        item.nulls_first = true;
      } else if (AcceptWord("last")) {
        item.nulls_first = false;
      } else {
        return Expect("'FIRST', 'LAST'");
      }
    }
    select.order_by.push_back(std::move(item));
  } while (AcceptSymbol(","));
  return absl::OkStatus();
}

absl::Status Parser::ParseLimit(Select& select) {
  if (AcceptWord("all")) return absl::OkStatus();
  int64_t n = 0;
  if (Cur().kind != TokenKind::kInteger || !absl::SimpleAtoi(Cur().text, &n)) {
    return Expect("an integer");
  }
  ++i_;
  select.limit = n;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseOr() {
  TSW_ASSIGN_OR_RETURN_EXPR(left, ParseAnd());
  int chain = 0;
  while (IsWord("or")) {
    auto node = Node(ExprKind::kBinary, Cur().pos, "or");
    ++i_;
    if (++chain > kMaxChain) return SyntaxError(node->pos, "the expression is nested too deeply");
    TSW_ASSIGN_OR_RETURN_EXPR(right, ParseAnd());
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(right));
    left = std::move(node);
  }
  return left;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseAnd() {
  TSW_ASSIGN_OR_RETURN_EXPR(left, ParseNot());
  int chain = 0;
  while (IsWord("and")) {
    auto node = Node(ExprKind::kBinary, Cur().pos, "and");
    ++i_;
    if (++chain > kMaxChain) return SyntaxError(node->pos, "the expression is nested too deeply");
    TSW_ASSIGN_OR_RETURN_EXPR(right, ParseNot());
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(right));
    left = std::move(node);
  }
  return left;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseNot() {
  if (IsWord("not")) {
    auto node = Node(ExprKind::kUnary, Cur().pos, "not");
    ++i_;
    if (++depth_ > 200) return SyntaxError(Cur().pos, "the expression is nested too deeply");
    TSW_ASSIGN_OR_RETURN_EXPR(arg, ParseNot());
    --depth_;
    node->args.push_back(std::move(arg));
    return node;
  }
  return ParsePredicate();
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParsePredicate() {
  TSW_ASSIGN_OR_RETURN_EXPR(left, ParseAdditive());
  return ParsePredicateTail(std::move(left));
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParsePredicateTail(std::unique_ptr<Expr> left) {
  static constexpr absl::string_view kComparisons[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
  const Position pos = Cur().pos;
  for (absl::string_view op : kComparisons) {
    if (!IsSymbol(op)) continue;
    ++i_;
    if (IsWord("any") || IsWord("all") || IsWord("some")) {
      return SyntaxError(Cur().pos, "quantified comparisons are not supported");
    }
    TSW_ASSIGN_OR_RETURN_EXPR(right, ParseAdditive());
    auto node = Node(ExprKind::kBinary, pos, op == "!=" ? "<>" : std::string(op));
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(right));
    return node;
  }
  if (IsWord("is")) {
    ++i_;
    auto node = Node(ExprKind::kIsNull, pos);
    node->negated = AcceptWord("not");
    if (IsWord("distinct")) return SyntaxError(Cur().pos, "IS DISTINCT FROM is not supported");
    if (absl::Status s = ExpectWord("null"); !s.ok()) return s;
    node->args.push_back(std::move(left));
    return node;
  }
  const bool negated =
      IsWord("not") &&
      (Ahead(1).kind == TokenKind::kIdentifier &&
       (Ahead(1).text == "between" || Ahead(1).text == "in" || Ahead(1).text == "like"));
  if (negated) ++i_;
  if (AcceptWord("between")) {
    auto node = Node(ExprKind::kBetween, pos);
    node->negated = negated;
    TSW_ASSIGN_OR_RETURN_EXPR(low, ParseAdditive());
    if (absl::Status s = ExpectWord("and"); !s.ok()) return s;
    TSW_ASSIGN_OR_RETURN_EXPR(high, ParseAdditive());
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(low));
    node->args.push_back(std::move(high));
    return node;
  }
  if (AcceptWord("in")) {
    auto node = Node(ExprKind::kIn, pos);
    node->negated = negated;
    node->args.push_back(std::move(left));
    if (absl::Status s = ExpectSymbol("("); !s.ok()) return s;
    if (IsWord("select") || IsWord("with")) {
      return SyntaxError(Cur().pos, "IN with a sub-query is not supported");
    }
    do {
      TSW_ASSIGN_OR_RETURN_EXPR(item, ParseExpr());
      node->args.push_back(std::move(item));
    } while (AcceptSymbol(","));
    if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
    return node;
  }
  if (AcceptWord("like")) {
    auto node = Node(ExprKind::kLike, pos);
    node->negated = negated;
    TSW_ASSIGN_OR_RETURN_EXPR(pattern, ParseAdditive());
    if (IsWord("escape")) return SyntaxError(Cur().pos, "LIKE ... ESCAPE is not supported");
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(pattern));
    return node;
  }
  return left;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseAdditive() {
  TSW_ASSIGN_OR_RETURN_EXPR(left, ParseMultiplicative());
  int chain = 0;
  while (IsSymbol("+") || IsSymbol("-") || IsSymbol("||")) {
    auto node = Node(ExprKind::kBinary, Cur().pos, Cur().text);
    ++i_;
    if (++chain > kMaxChain) return SyntaxError(node->pos, "the expression is nested too deeply");
    TSW_ASSIGN_OR_RETURN_EXPR(right, ParseMultiplicative());
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(right));
    left = std::move(node);
  }
  return left;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseMultiplicative() {
  TSW_ASSIGN_OR_RETURN_EXPR(left, ParseUnary());
  int chain = 0;
  while (IsSymbol("*") || IsSymbol("/") || IsSymbol("%")) {
    auto node = Node(ExprKind::kBinary, Cur().pos, Cur().text);
    ++i_;
    if (++chain > kMaxChain) return SyntaxError(node->pos, "the expression is nested too deeply");
    TSW_ASSIGN_OR_RETURN_EXPR(right, ParseUnary());
    node->args.push_back(std::move(left));
    node->args.push_back(std::move(right));
    left = std::move(node);
  }
  return left;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseUnary() {
  if (IsSymbol("-") || IsSymbol("+")) {
    auto node = Node(ExprKind::kUnary, Cur().pos, Cur().text);
    ++i_;
    if (++depth_ > 200) return SyntaxError(Cur().pos, "the expression is nested too deeply");
    TSW_ASSIGN_OR_RETURN_EXPR(arg, ParseUnary());
    --depth_;
    // Fold `-<number>` so that the smallest BIGINT can be written.
    if (node->name == "-" && arg->kind == ExprKind::kLiteral && !arg->literal.null &&
        arg->literal.type == ScalarType::kBigint && arg->literal.i == INT64_MIN) {
      return arg;
    }
    node->args.push_back(std::move(arg));
    return node;
  }
  return ParsePrimary();
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParsePrimary() {
  const Token& t = Cur();
  switch (t.kind) {
    case TokenKind::kInteger:
    case TokenKind::kDecimal:
      return ParseNumber();
    case TokenKind::kInterval:
      return ParseIntervalLiteral();
    case TokenKind::kString: {
      auto node = Node(ExprKind::kLiteral, t.pos);
      node->literal = Scalar{ScalarType::kVarchar, false, 0, 0, t.text};
      ++i_;
      return node;
    }
    case TokenKind::kQuotedIdentifier:
    case TokenKind::kIdentifier:
      return ParseIdentifierExpr();
    case TokenKind::kSymbol:
      if (AcceptSymbol("(")) {
        if (IsWord("select") || IsWord("with")) {
          return SyntaxError(t.pos, "scalar sub-queries are not supported");
        }
        if (++depth_ > 200) return SyntaxError(t.pos, "the expression is nested too deeply");
        TSW_ASSIGN_OR_RETURN_EXPR(inner, ParseExpr());
        --depth_;
        if (IsSymbol(",")) return SyntaxError(Cur().pos, "row constructors are not supported");
        if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
        return inner;
      }
      return Expect("an expression");
    case TokenKind::kEnd:
      return Expect("an expression");
  }
  return Expect("an expression");
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseNumber() {
  const Token& t = Cur();
  auto node = Node(ExprKind::kLiteral, t.pos);
  if (t.kind == TokenKind::kInteger) {
    uint64_t v = 0;
    if (!absl::SimpleAtoi(t.text, &v) || v > uint64_t{1} << 63) {
      return SyntaxError(t.pos, absl::StrCat("Invalid numeric literal: ", t.text));
    }
    node->literal = Scalar{ScalarType::kBigint, false, static_cast<int64_t>(v), 0, ""};
    if (v == uint64_t{1} << 63) {
      // Only valid negated; ParseUnary folds it.
      if (i_ == 0 || !(t_[i_ - 1].kind == TokenKind::kSymbol && t_[i_ - 1].text == "-")) {
        return SyntaxError(t.pos, absl::StrCat("Invalid numeric literal: ", t.text));
      }
      node->literal.i = INT64_MIN;
    }
  } else {
    double d = 0;
    if (!absl::SimpleAtod(t.text, &d)) {
      return SyntaxError(t.pos, absl::StrCat("Invalid numeric literal: ", t.text));
    }
    node->literal = Scalar{ScalarType::kDouble, false, 0, d, ""};
  }
  ++i_;
  return node;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseIntervalLiteral() {
  const Token& t = Cur();
  auto nanos = IntervalNanos(t.text, t.unit);
  if (!nanos) return SyntaxError(t.pos, absl::StrCat("interval ", Describe(t), " is too large"));
  auto node = Node(ExprKind::kLiteral, t.pos);
  node->literal = Scalar{ScalarType::kIntervalDayToSecond, false, *nanos, 0, ""};
  ++i_;
  return node;
}

// INTERVAL '12' HOUR (DAY, HOUR, MINUTE, SECOND, MILLISECOND).
absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseIntervalKeyword() {
  const Position pos = Cur().pos;
  ++i_;
  bool negative = false;
  if (AcceptSymbol("-")) {
    negative = true;
  } else {
    AcceptSymbol("+");
  }
  if (Cur().kind != TokenKind::kString) return Expect("a string");
  std::string digits = Cur().text;
  ++i_;
  if (Cur().kind != TokenKind::kIdentifier) return Expect("an interval unit");
  static const std::pair<absl::string_view, absl::string_view> kUnits[] = {
      {"day", "d"}, {"hour", "h"}, {"minute", "m"}, {"second", "s"}, {"millisecond", "ms"}};
  std::string unit;
  for (const auto& [word, short_unit] : kUnits) {
    if (Cur().text == word) unit = std::string(short_unit);
  }
  if (unit.empty()) {
    if (Cur().text == "year" || Cur().text == "month") {
      return SyntaxError(Cur().pos, "year-month intervals are not supported");
    }
    return Expect("DAY, HOUR, MINUTE, SECOND or MILLISECOND");
  }
  ++i_;
  if (IsWord("to")) return SyntaxError(Cur().pos, "INTERVAL ... TO ... is not supported");
  if (!digits.empty() && digits[0] == '-') {
    negative = !negative;
    digits.erase(0, 1);
  }
  auto nanos = IntervalNanos(digits, unit);
  if (!nanos) return SyntaxError(pos, absl::StrCat("invalid interval '", digits, "'"));
  auto node = Node(ExprKind::kLiteral, pos);
  node->literal =
      Scalar{ScalarType::kIntervalDayToSecond, false, negative ? -*nanos : *nanos, 0, ""};
  return node;
}

// TIMESTAMP '2026-12-05 12:00:00', DATE is outside the subset.
absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseTypedLiteral() {
  const Position pos = Cur().pos;
  ++i_;
  const Token& text = Cur();
  ++i_;
  auto nanos = ParseTimestampText(text.text);
  if (!nanos) {
    return SyntaxError(text.pos,
                       absl::StrCat("'", text.text, "' is not a valid timestamp literal"));
  }
  auto node = Node(ExprKind::kLiteral, pos);
  node->literal = Scalar{ScalarType::kTimestamp, false, *nanos, 0, ""};
  return node;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseCase() {
  auto node = Node(ExprKind::kCase, Cur().pos);
  ++i_;
  if (!IsWord("when")) {
    TSW_ASSIGN_OR_RETURN_EXPR(operand, ParseExpr());
    node->args.push_back(std::move(operand));
    node->has_operand = true;
  }
  if (!IsWord("when")) return Expect("'WHEN'");
  while (AcceptWord("when")) {
    TSW_ASSIGN_OR_RETURN_EXPR(when, ParseExpr());
    if (absl::Status s = ExpectWord("then"); !s.ok()) return s;
    TSW_ASSIGN_OR_RETURN_EXPR(then, ParseExpr());
    node->args.push_back(std::move(when));
    node->args.push_back(std::move(then));
  }
  if (AcceptWord("else")) {
    TSW_ASSIGN_OR_RETURN_EXPR(otherwise, ParseExpr());
    node->args.push_back(std::move(otherwise));
    node->has_else = true;
  }
  if (absl::Status s = ExpectWord("end"); !s.ok()) return s;
  return node;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseCast() {
  auto node = Node(ExprKind::kCast, Cur().pos, Cur().text);
  ++i_;
  if (absl::Status s = ExpectSymbol("("); !s.ok()) return s;
  TSW_ASSIGN_OR_RETURN_EXPR(arg, ParseExpr());
  node->args.push_back(std::move(arg));
  if (absl::Status s = ExpectWord("as"); !s.ok()) return s;
  if (Cur().kind != TokenKind::kIdentifier) return Expect("a type");
  static const std::pair<absl::string_view, ScalarType> kTypes[] = {
      {"double", ScalarType::kDouble},
      {"bigint", ScalarType::kBigint},
      {"varchar", ScalarType::kVarchar},
      {"boolean", ScalarType::kBoolean},
      {"timestamp", ScalarType::kTimestamp}};
  for (const auto& [word, type] : kTypes) {
    if (Cur().text == word) node->cast_type = type;
  }
  if (node->cast_type == ScalarType::kUnknown) {
    return SyntaxError(Cur().pos, absl::StrCat("CAST to ", absl::AsciiStrToUpper(Cur().text),
                                               " is not supported"));
  }
  ++i_;
  if (IsSymbol("(")) return SyntaxError(Cur().pos, "type parameters are not supported");
  if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
  return node;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseIdentifierExpr() {
  const Token& t = Cur();
  if (t.kind == TokenKind::kIdentifier) {
    if (t.text == "null" || t.text == "true" || t.text == "false") {
      auto node = Node(ExprKind::kLiteral, t.pos);
      if (t.text != "null") node->literal = Scalar{ScalarType::kBoolean, false, t.text == "true"};
      ++i_;
      return node;
    }
    if (t.text == "case") return ParseCase();
    if (t.text == "cast" || t.text == "try_cast") {
      if (t.text == "try_cast") return SyntaxError(t.pos, "TRY_CAST is not supported");
      return ParseCast();
    }
    if (t.text == "interval") return ParseIntervalKeyword();
    if (t.text == "timestamp" && Ahead(1).kind == TokenKind::kString) return ParseTypedLiteral();
    if ((t.text == "date" || t.text == "time") && Ahead(1).kind == TokenKind::kString) {
      return SyntaxError(
          t.pos, absl::StrCat(absl::AsciiStrToUpper(t.text), " literals are not supported"));
    }
    if (t.text == "exists") return SyntaxError(t.pos, "EXISTS is not supported");
    if (ReservedWords().contains(t.text)) {
      if (UnsupportedClause(t.text)) return Unexpected();
      return Expect("an expression");
    }
  }
  auto node = Node(ExprKind::kColumn, t.pos, t.text);
  ++i_;
  if (t.kind == TokenKind::kIdentifier && IsSymbol("(")) {
    node->kind = ExprKind::kFunction;
    return ParseCall(std::move(node));
  }
  // A qualified column (`t.x`): the query has one table, so the qualifier is dropped.
  while (AcceptSymbol(".")) {
    auto name = ParseName();
    if (!name.ok()) return name.status();
    node->name = *name;
  }
  return node;
}

absl::StatusOr<std::unique_ptr<Expr>> Parser::ParseCall(std::unique_ptr<Expr> call) {
  ++i_;  // "("
  if (AcceptSymbol("*")) {
    call->star = true;
  } else if (!IsSymbol(")")) {
    if (AcceptWord("distinct")) call->distinct = true;
    do {
      TSW_ASSIGN_OR_RETURN_EXPR(arg, ParseExpr());
      call->args.push_back(std::move(arg));
    } while (AcceptSymbol(","));
  }
  if (IsWord("order")) return SyntaxError(Cur().pos, "ORDER BY inside a call is not supported");
  if (absl::Status s = ExpectSymbol(")"); !s.ok()) return s;
  if (IsWord("over")) return SyntaxError(Cur().pos, "window functions (OVER) are not supported");
  if (IsWord("filter")) return SyntaxError(Cur().pos, "FILTER is not supported");
  return call;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Select>> Parse(std::string_view sql) {
  auto tokens = Tokenize(sql);
  if (!tokens.ok()) return tokens.status();
  return Parser(std::move(*tokens)).ParseQuery();
}

}  // namespace tsw::query
