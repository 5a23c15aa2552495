// The query language's tokens: identifiers (bare ones lowercased, "quoted" ones as
// written), string and number literals, Timestream's interval literals (`15m`, `1h`,
// `50ns`) and punctuation, each with its line:column for error messages.
#ifndef TSW_ENGINE_QUERY_LEXER_H_
#define TSW_ENGINE_QUERY_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tsw::query {

// A place in the query text, 1-based as the service prints it ("line 1:8").
struct Position {
  int line = 1;
  int column = 1;
};

// "line L:C: `message`" as a ValidationException.
absl::Status SyntaxError(Position pos, absl::string_view message);

enum class TokenKind {
  kIdentifier,        // Bare: `text` lowercased. Keywords are bare identifiers.
  kQuotedIdentifier,  // "..." with "" unescaped.
  kString,            // '...' with '' unescaped.
  kInteger,           // Digits only.
  kDecimal,           // Digits with a point or an exponent.
  kInterval,          // Digits with a unit: `text` is the digits, `unit` the unit.
  kSymbol,            // Punctuation and operators: `text` is the symbol ("<=", "::").
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  std::string unit;  // kInterval: "ns", "us", "ms", "s", "m", "h" or "d".
  Position pos;
};

// The tokens of `sql`, ending with one kEnd. A ValidationException at the first
// character that starts no token, or at an unterminated string or quoted identifier.
absl::StatusOr<std::vector<Token>> Tokenize(std::string_view sql);

}  // namespace tsw::query

#endif  // TSW_ENGINE_QUERY_LEXER_H_
