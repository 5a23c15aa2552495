// Exact parsing of the strings WriteRecords carries: times, versions and measure values.
//
// Every parser reads the whole input and fails on anything else: no leading or trailing
// spaces, no partial numbers. Integers are accumulated in integer arithmetic with overflow
// checks (never through a float), so every time unit is exact to the nanosecond.
// Thread-safe; no allocation.
#ifndef TSW_ENGINE_MODEL_VALUE_PARSE_H_
#define TSW_ENGINE_MODEL_VALUE_PARSE_H_

#include <cstdint>
#include <cstring>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"
#include "engine/common/decimal_code.h"
#include "engine/model/value_parse_inline.h"
#include "tsw/types.h"

namespace tsw::model {

enum class ParseError {
  kOk,
  kSyntax,      // Not the expected form.
  kOutOfRange,  // Well formed, but not representable (int64 overflow, |double| too large).
};

namespace value_parse_internal {
// ParseInt64 of the texts ParseTinyInt64 does not take: none, or 5 bytes and more
// (value_parse.cc).
ABSL_ATTRIBUTE_NOINLINE ParseError ParseOtherInt64(const char* p, size_t n, int64_t* out);
}  // namespace value_parse_internal

// A decimal integer: an optional '+' or '-', then one or more ASCII digits. Inline: texts of
// 1 to 4 bytes (small BIGINTs) are read in the caller's loop without a call.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline ParseError ParseInt64(absl::string_view text, int64_t* out) {
  const size_t n = text.size();
  if (n - 1 < 4) {
    return value_parse_internal::ParseTinyInt64(text.data(), n, out) ? ParseError::kOk
                                                                     : ParseError::kSyntax;
  }
  return value_parse_internal::ParseOtherInt64(text.data(), n, out);
}

// ParseInt64 of a text with at least 16 bytes readable from text.data() (such as a
// std::string's: kStringsPadded in engine/ingest): the same results; texts of 1 to 8 bytes
// are read with one 8-byte load.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline ParseError ParseInt64Padded(absl::string_view text,
                                                                int64_t* out) {
  const size_t n = text.size();
  if (n - 1 < 8) {
    return value_parse_internal::ParseShortInt64Padded(text.data(), n, out) ? ParseError::kOk
                                                                            : ParseError::kSyntax;
  }
  return value_parse_internal::ParseOtherInt64(text.data(), n, out);
}

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

// Parse's shortcut, inline in each caller (ReadTime's loop, ParseTimeNanos) without a call.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool IncrementalIntParser::ParseSameHead(absl::string_view text,
                                                                             int64_t* out) {
  const size_t n = text.size();
  if (n != previous_.size() || previous_.empty()) return false;
  // All but the last 2 digits equal (the next time of a run, mostly): read those 2. n is
  // previous_'s size, 9 to 18, so SameHead's loads stay inside both texts.
  const char* const p = text.data();
  if (value_parse_internal::SameHead(p, previous_.data(), n - 2)) {
    const unsigned tens = static_cast<unsigned char>(p[n - 2]) - unsigned{'0'};
    const unsigned ones = static_cast<unsigned char>(p[n - 1]) - unsigned{'0'};
    if (tens > 9 || ones > 9) return false;
    *out = previous_hundreds_ + tens * 10 + ones;
    previous_ = text;
    return true;
  }
  const size_t head = n - 8;
  uint32_t tail;
  if (!value_parse_internal::SameHead(p, previous_.data(), head) ||
      !value_parse_internal::ParseEightDigits(p + head, &tail)) {
    return false;
  }
  *out = previous_head_ * 100000000 + tail;
  previous_ = text;
  previous_hundreds_ = *out - tail % 100;
  return true;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline ParseError IncrementalIntParser::Parse(absl::string_view text,
                                                                           int64_t* out) {
  if (ParseSameHead(text, out)) return ParseError::kOk;
  return ParseAndRemember(text, out);
}

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

namespace value_parse_internal {
// ParseFiniteDoubleBits of the texts the short path does not take (value_parse.cc). Out of
// line, so that the inline short path needs no stack frame in its caller.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseOtherDoubleBits(const char* p, size_t n, uint64_t* bits,
                                                        uint32_t* decimal);
}  // namespace value_parse_internal

// ParseFiniteDouble, storing the double's bit pattern (as ParsedValue::bits holds it):
// the caller needs no double of its own to copy from. Also sets *decimal to the value's
// decimal code, or kNoDecimal. Inline: the usual texts (a sign, up to 8 digits and a '.')
// are read in the caller's loop without a call; the rest go to ParseOtherDoubleBits.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline ParseError ParseFiniteDoubleBits(absl::string_view text,
                                                                     uint64_t* bits,
                                                                     uint32_t* decimal) {
  const size_t n = text.size();
  double value;
  if (n - 1 < 8 && value_parse_internal::ParseShortDecimal(text.data(), n, &value, decimal)) {
    std::memcpy(bits, &value, 8);
    return ParseError::kOk;
  }
  return value_parse_internal::ParseOtherDoubleBits(text.data(), n, bits, decimal);
}

// ParseFiniteDoubleBits of a text with at least 16 bytes readable from text.data() (such as a
// std::string's: kStringsPadded in engine/ingest): the same results; the usual texts are read
// with one 8-byte load.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline ParseError ParseFiniteDoubleBitsPadded(absl::string_view text,
                                                                           uint64_t* bits,
                                                                           uint32_t* decimal) {
  const size_t n = text.size();
  double value;
  if (n - 1 < 8 && value_parse_internal::ParseShortDecimalPadded(text.data(), n, &value, decimal)) {
    std::memcpy(bits, &value, 8);
    return ParseError::kOk;
  }
  return value_parse_internal::ParseOtherDoubleBits(text.data(), n, bits, decimal);
}

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
