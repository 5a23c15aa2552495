// Exact parsing of the strings WriteRecords carries: times, versions and measure values.
//
// Every parser reads the whole input and fails on anything else: no leading or trailing
// spaces, no partial numbers. Integers are accumulated in integer arithmetic with overflow
// checks (never through a float), so every time unit is exact to the nanosecond.
// Thread-safe; no allocation.
#ifndef TSW_ENGINE_MODEL_VALUE_PARSE_H_
#define TSW_ENGINE_MODEL_VALUE_PARSE_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "engine/common/decimal_code.h"
#include "tsw/types.h"

namespace tsw::model {

enum class ParseError {
  kOk,
  kSyntax,      // Not the expected form.
  kOutOfRange,  // Well formed, but not representable (int64 overflow, |double| too large).
};

// A decimal integer: an optional '+' or '-', then one or more ASCII digits.
ParseError ParseInt64(absl::string_view text, int64_t* out);

// ParseInt64 for a sequence of integers that mostly share their leading digits with the
// previous one (the times of one request): when all but the last 2 characters equal the
// previous text's, only those 2 are read; else when all but the last 8 do, only those 8
// (at once). Same results as ParseInt64. The previous text must stay valid until the
// next call (it is a view).
class IncrementalIntParser {
 public:
  ParseError Parse(absl::string_view text, int64_t* out);

 private:
  friend ParseError ParseTimeNanos(IncrementalIntParser* parser, absl::string_view text,
                                   TimeUnit unit, int64_t* out);

  // The shortcut: true (and *out set) if it applies.
  bool ParseSameHead(absl::string_view text, int64_t* out);
  // Parse without the shortcut (out of line, so the shortcut stays small).
  ParseError ParseAndRemember(absl::string_view text, int64_t* out);

  absl::string_view previous_;     // Unsigned, 9 to 18 digits; empty if none.
  int64_t previous_head_ = 0;      // The value of previous_ without its last 8 digits.
  int64_t previous_hundreds_ = 0;  // The value of previous_ with its last 2 digits zero.
};

// ParseInt64 of `text`, times the nanoseconds in one `unit`, with overflow checks.
ParseError ParseTimeNanos(absl::string_view text, TimeUnit unit, int64_t* out);
ParseError ParseTimeNanos(IncrementalIntParser* parser, absl::string_view text, TimeUnit unit,
                          int64_t* out);

// A finite decimal: [+-]? (digits ['.' digits*] | '.' digits) ([eE] [+-]? digits)?.
// NaN, infinities, hexadecimal and values whose magnitude is too large or too small
// (non-zero underflowing to zero) for a double are rejected; the rest round to nearest.
ParseError ParseFiniteDouble(absl::string_view text, double* out);
// Decimal codes (engine/common/decimal_code.h): the parsers give a DOUBLE whose text is a
// short decimal its code, computing its value as DecimalCodeBits does.
using ::tsw::DecimalCodeBits;
using ::tsw::kMaxDecimalFraction;
using ::tsw::kNoDecimal;

// ParseFiniteDouble, storing the double's bit pattern (as ParsedValue::bits holds it):
// the caller needs no double of its own to copy from. Also sets *decimal to the value's
// decimal code, or kNoDecimal.
ParseError ParseFiniteDoubleBits(absl::string_view text, uint64_t* bits, uint32_t* decimal);

// "true" or "false", in any letter case (TRUE, True, ...). Timestream documents no
// spelling; these are the ones its SDKs and console produce.
ParseError ParseBoolean(absl::string_view text, bool* out);

// The API's spellings as absl::string_view (this Abseil's string_view is not std's).
inline absl::string_view Spelling(MeasureValueType type) {
  const std::string_view s = ToString(type);
  return absl::string_view(s.data(), s.size());
}
inline absl::string_view Spelling(TimeUnit unit) {
  const std::string_view s = ToString(unit);
  return absl::string_view(s.data(), s.size());
}

// Nanoseconds in one `unit`.
int64_t NanosPerUnit(TimeUnit unit);

}  // namespace tsw::model

#endif  // TSW_ENGINE_MODEL_VALUE_PARSE_H_
