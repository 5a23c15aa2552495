#include "engine/query/lexer.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tsw/status.h"

namespace tsw::query {

absl::Status SyntaxError(Position pos, absl::string_view message) {
  return ValidationError(absl::StrCat("line ", pos.line, ":", pos.column, ": ", message));
}

namespace {

class Lexer {
 public:
  explicit Lexer(absl::string_view sql) : sql_(sql) {}

  absl::StatusOr<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpaceAndComments();
      Token t;
      t.pos = pos_;
      if (i_ >= sql_.size()) {
        tokens.push_back(std::move(t));
        return tokens;
      }
      absl::Status s = Next(t);
      if (!s.ok()) return s;
      tokens.push_back(std::move(t));
    }
  }

 private:
  char Peek(size_t ahead = 0) const { return i_ + ahead < sql_.size() ? sql_[i_ + ahead] : '\0'; }
  void Advance() {
    if (sql_[i_] == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else {
      ++pos_.column;
    }
    ++i_;
  }

  void SkipSpaceAndComments() {
    while (i_ < sql_.size()) {
      if (std::isspace(static_cast<unsigned char>(Peek()))) {
        Advance();
      } else if (Peek() == '-' && Peek(1) == '-') {
        while (i_ < sql_.size() && Peek() != '\n') Advance();
      } else if (Peek() == '/' && Peek(1) == '*') {
        Advance();
        Advance();
        while (i_ < sql_.size() && !(Peek() == '*' && Peek(1) == '/')) Advance();
        if (i_ < sql_.size()) {
          Advance();
          Advance();
        }
      } else {
        return;
      }
    }
  }

  static bool IsIdentStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
  }
  static bool IsIdentPart(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@' || c == '$';
  }

  absl::Status Next(Token& t) {
    const char c = Peek();
    if (IsIdentStart(c)) return Identifier(t);
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && std::isdigit(static_cast<unsigned char>(Peek(1))))) {
      return Number(t);
    }
    if (c == '\'') return Quoted(t, '\'', TokenKind::kString, "string literal");
    if (c == '"') return Quoted(t, '"', TokenKind::kQuotedIdentifier, "quoted identifier");
    return Symbol(t);
  }

  absl::Status Identifier(Token& t) {
    t.kind = TokenKind::kIdentifier;
    while (IsIdentPart(Peek())) {
      t.text.push_back(static_cast<char>(absl::ascii_tolower(Peek())));
      Advance();
    }
    // Timestream's `measure_value::double` is one column name.
    if (t.text == "measure_value" && Peek() == ':' && Peek(1) == ':' && IsIdentStart(Peek(2))) {
      Advance();
      Advance();
      t.text += "::";
      while (IsIdentPart(Peek())) {
        t.text.push_back(static_cast<char>(absl::ascii_tolower(Peek())));
        Advance();
      }
    }
    return absl::OkStatus();
  }

  absl::Status Number(Token& t) {
    t.kind = TokenKind::kInteger;
    auto digits = [&] {
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        t.text.push_back(Peek());
        Advance();
      }
    };
    digits();
    if (Peek() == '.') {
      t.kind = TokenKind::kDecimal;
      t.text.push_back('.');
      Advance();
      digits();
    }
    if ((Peek() == 'e' || Peek() == 'E') && (std::isdigit(static_cast<unsigned char>(Peek(1))) ||
                                             ((Peek(1) == '+' || Peek(1) == '-') &&
                                              std::isdigit(static_cast<unsigned char>(Peek(2)))))) {
      t.kind = TokenKind::kDecimal;
      t.text.push_back('e');
      Advance();
      if (Peek() == '+' || Peek() == '-') {
        t.text.push_back(Peek());
        Advance();
      }
      digits();
    }
    if (t.kind == TokenKind::kInteger && IsIdentStart(Peek())) return IntervalUnit(t);
    if (IsIdentPart(Peek())) return SyntaxError(pos_, "invalid number literal");
    return absl::OkStatus();
  }

  absl::Status IntervalUnit(Token& t) {
    const Position start = pos_;
    std::string unit;
    while (IsIdentPart(Peek())) {
      unit.push_back(static_cast<char>(absl::ascii_tolower(Peek())));
      Advance();
    }
    if (unit != "ns" && unit != "us" && unit != "ms" && unit != "s" && unit != "m" && unit != "h" &&
        unit != "d") {
      return SyntaxError(
          start, absl::StrCat("unknown interval unit '", unit, "' (use ns, us, ms, s, m, h or d)"));
    }
    t.kind = TokenKind::kInterval;
    t.unit = std::move(unit);
    return absl::OkStatus();
  }

  absl::Status Quoted(Token& t, char quote, TokenKind kind, absl::string_view what) {
    t.kind = kind;
    Advance();
    while (true) {
      if (i_ >= sql_.size()) return SyntaxError(t.pos, absl::StrCat("unterminated ", what));
      if (Peek() == quote) {
        if (Peek(1) != quote) break;
        Advance();
      }
      t.text.push_back(Peek());
      Advance();
    }
    Advance();
    return absl::OkStatus();
  }

  absl::Status Symbol(Token& t) {
    static constexpr absl::string_view kTwo[] = {"<=", ">=", "<>", "!=", "::", "||"};
    t.kind = TokenKind::kSymbol;
    for (absl::string_view two : kTwo) {
      if (Peek() == two[0] && Peek(1) == two[1]) {
        t.text = std::string(two);
        Advance();
        Advance();
        return absl::OkStatus();
      }
    }
    static constexpr absl::string_view kOne = "=<>+-*/%(),.;";
    if (kOne.find(Peek()) == absl::string_view::npos) {
      return SyntaxError(pos_, absl::StrCat("unexpected character '", std::string(1, Peek()), "'"));
    }
    t.text = std::string(1, Peek());
    Advance();
    return absl::OkStatus();
  }

  absl::string_view sql_;
  size_t i_ = 0;
  Position pos_;
};

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view sql) {
  return Lexer(absl::string_view(sql.data(), sql.size())).Run();
}

}  // namespace tsw::query
