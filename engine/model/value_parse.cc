#include "engine/model/value_parse.h"

#include <bit>
#include <charconv>
#include <cstring>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"

namespace tsw::model {
namespace {

using namespace value_parse_internal;  // NOLINT: the SWAR helpers, shared with the header.

// 10^i as integers.
constexpr uint64_t kPowersOfTen64[9] = {1,      10,      100,      1000,     10000,
                                        100000, 1000000, 10000000, 100000000};

// The decimal code of +-m / 10^f, or kNoDecimal if it has none.
inline uint32_t DecimalCodeOf(uint64_t m, int f, bool negative) {
  if (m >= (uint64_t{1} << 27) || f < 0 || f > static_cast<int>(kMaxDecimalFraction)) {
    return kNoDecimal;
  }
  return PackDecimal(m, static_cast<uint32_t>(f), negative);
}

// The exponent form absl::StrCat and printf's %g write ("1.23457e+06", "-5e-07"): a sign,
// a mantissa as ParseShortMantissa takes it, then [eE][+-] and 2 digits. Writes the value
// and returns true for those, false for anything else.
inline bool ParseShortWithExponent(const char* p, size_t n, double* out, uint32_t* decimal) {
  const char* const e = p + n - 4;  // n >= 5.
  const unsigned tens = static_cast<unsigned char>(e[2]) - unsigned{'0'};
  const unsigned ones = static_cast<unsigned char>(e[3]) - unsigned{'0'};
  if ((e[0] | 0x20) != 'e' || (e[1] != '-' && e[1] != '+') || tens > 9 || ones > 9) return false;
  const bool negative = *p == '-';
  if (negative || *p == '+') ++p;
  const size_t mantissa_bytes = e - p;
  uint64_t m;
  uint32_t f;
  if (mantissa_bytes - 1 >= 8 || !ParseShortMantissa(p, mantissa_bytes, &m, &f)) return false;
  // Exact as in ParseShortDecimal: m < 10^8 and 10^|scale| (|scale| <= 22) are doubles.
  const int exponent = static_cast<int>(tens * 10 + ones);
  const int scale = (e[1] == '-' ? -exponent : exponent) - static_cast<int>(f);
  double value = static_cast<double>(m);
  if (scale < 0) {
    if (scale < -22) return false;
    value /= kExactPowersOfTen[-scale];
    *decimal = DecimalCodeOf(m, -scale, negative);
  } else {
    if (scale > 22) return false;
    value *= kExactPowersOfTen[scale];
    // An integer: its code, if it has one, has no fraction digits.
    *decimal = scale <= 8 ? DecimalCodeOf(m * kPowersOfTen64[scale], 0, negative) : kNoDecimal;
  }
  *out = negative ? -value : value;
  return true;
}

// ParseFiniteDouble for any text: long inputs, other exponents, and every error.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseFiniteDoubleGeneral(const char* begin, const char* end,
                                                            double* out, uint32_t* decimal) {
  // Check the grammar (std::from_chars alone would accept "nan", "inf" and partial
  // input) and accumulate the decimal digits. When they fit in 53 bits and the
  // decimal exponent is within +-22, one IEEE multiplication or division by an exact power
  // of ten is correctly rounded (Clinger's fast path); anything else goes to from_chars.
  const char* p = begin;
  bool negative = false;
  if (p != end && *p == '+') {
    begin = ++p;  // from_chars never accepts '+'.
  } else if (p != end && *p == '-') {
    negative = true;
    ++p;
  }
  // Scan and accumulate the digit runs in one pass, without per-digit overflow checks:
  // the accumulation wraps harmlessly past 19 digits, and then the mantissa is not used.
  uint64_t mantissa = 0;
  const char* int_digits = p;
  for (unsigned d; p != end && (d = static_cast<unsigned char>(*p - '0')) <= 9; ++p) {
    mantissa = mantissa * 10 + d;
  }
  const size_t int_count = p - int_digits;
  size_t frac_count = 0;
  if (p != end && *p == '.') {
    const char* frac_digits = ++p;
    for (unsigned d; p != end && (d = static_cast<unsigned char>(*p - '0')) <= 9; ++p) {
      mantissa = mantissa * 10 + d;
    }
    frac_count = p - frac_digits;
  }
  const bool any_digits = int_count + frac_count > 0;
  const bool mantissa_overflow = int_count + frac_count > 19;
  int exponent = -static_cast<int>(frac_count);
  if (!any_digits) return ParseError::kSyntax;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '+' || *p == '-')) exp_negative = *p++ == '-';
    const char* exp_digits = p;
    int e = 0;
    for (unsigned d; p != end && (d = static_cast<unsigned char>(*p - '0')) <= 9; ++p) {
      if (e < 100000) e = e * 10 + static_cast<int>(d);
    }
    if (p == exp_digits) return ParseError::kSyntax;
    exponent += exp_negative ? -e : e;
  }
  if (p != end) return ParseError::kSyntax;
  if (!mantissa_overflow && mantissa <= (uint64_t{1} << 53) && exponent >= -22 && exponent <= 22) {
    double value = static_cast<double>(mantissa);
    value =
        exponent < 0 ? value / kExactPowersOfTen[-exponent] : value * kExactPowersOfTen[exponent];
    *out = negative ? -value : value;
    // As in ParseShortWithExponent: a fraction's code, or an exact integer's.
    if (exponent <= 0) {
      *decimal = DecimalCodeOf(mantissa, -exponent, negative);
    } else {
      *decimal = exponent <= 8 && mantissa < (uint64_t{1} << 27)
                     ? DecimalCodeOf(mantissa * kPowersOfTen64[exponent], 0, negative)
                     : kNoDecimal;
    }
    return ParseError::kOk;
  }
  *decimal = kNoDecimal;
  double value;
  const std::from_chars_result result = std::from_chars(begin, end, value);
  if (result.ec == std::errc::result_out_of_range) return ParseError::kOutOfRange;
  if (result.ec != std::errc() || result.ptr != end) return ParseError::kSyntax;
  *out = value;
  return ParseError::kOk;
}

// ParseInt64 of 5 to 8 bytes, at once. Out of line, like the longer ones: the shortest
// inputs' path stays small.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseShortInt64(const char* p, size_t n, int64_t* out) {
  const bool negative = *p == '-';
  if (negative || *p == '+') {
    ++p;
    --n;
  }
  const uint64_t x = LoadUpTo8(p, n) ^ kZeroCharsBelow[n];  // Digit values, then zeros.
  if (NonDigitBytes(x) != 0) return ParseError::kSyntax;
  const uint64_t value = DigitsValue(x, n);
  *out = static_cast<int64_t>(negative ? uint64_t{0} - value : value);
  return ParseError::kOk;
}

// ParseInt64 of more than 18 digits, with overflow checks.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseHugeInt64(const char* p, const char* end, bool negative,
                                                  int64_t* out) {
  uint64_t value = 0;
  bool overflow = false;
  for (; p != end; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p) - unsigned{'0'};
    if (digit > 9) return ParseError::kSyntax;
    // Keep scanning after an overflow so "99...9x" is a syntax error, not a range one.
    overflow |= __builtin_mul_overflow(value, uint64_t{10}, &value);
    overflow |= __builtin_add_overflow(value, uint64_t{digit}, &value);
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || value > limit) return ParseError::kOutOfRange;
  *out = static_cast<int64_t>(negative ? uint64_t{0} - value : value);
  return ParseError::kOk;
}

// ParseInt64 of 9 or more bytes. Out of line: the short inputs' path stays small.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseLongInt64(const char* p, const char* end, int64_t* out) {
  const bool negative = *p == '-';
  if (negative || *p == '+') ++p;
  const size_t digits = end - p;  // At least 8.
  if (digits > 18) return ParseHugeInt64(p, end, negative, out);
  // 18 digits cannot overflow. The last 8 digits, and the 1 to 10 before them, each
  // from 8-byte loads inside the text.
  const uint64_t last = DigitValues(Load8(end - 8));
  uint64_t non_digits = NonDigitBytes(last);
  uint64_t value = 0;
  if (const size_t head = digits - 8; head > 8) {  // 17 or 18 digits: 1 or 2, then 8.
    const uint64_t first = DigitValues(Load8(p));
    const uint64_t middle = DigitValues(Load8(p + head - 8));
    non_digits |= (NonDigitBytes(first) & LowBytes(head - 8)) | NonDigitBytes(middle);
    value = DigitsValue(first, head - 8) * 100000000 + DigitsValue(middle, 8);
  } else if (head != 0) {
    const uint64_t first = DigitValues(Load8(p));
    non_digits |= NonDigitBytes(first) & LowBytes(head);
    value = DigitsValue(first, head);
  }
  if (non_digits != 0) return ParseError::kSyntax;
  value = value * 100000000 + DigitsValue(last, 8);
  *out = static_cast<int64_t>(negative ? uint64_t{0} - value : value);
  return ParseError::kOk;
}

// ParseFiniteDouble of 5 to 13 bytes that ParseShortDecimal does not take. Out of line: the
// short inputs' path stays small.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseMaybeWithExponent(const char* p, size_t n, double* out,
                                                          uint32_t* decimal) {
  if (ParseShortWithExponent(p, n, out, decimal)) return ParseError::kOk;
  return ParseFiniteDoubleGeneral(p, p + n, out, decimal);
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

bool EqualsIgnoreCase(absl::string_view text, absl::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (Lower(text[i]) != lower[i]) return false;
  }
  return true;
}

}  // namespace

namespace value_parse_internal {

ParseError ParseOtherInt64(const char* p, size_t n, int64_t* out) {
  if (n == 0) return ParseError::kSyntax;
  if (n <= 8) return ParseShortInt64(p, n, out);
  return ParseLongInt64(p, p + n, out);
}

}  // namespace value_parse_internal

int64_t NanosPerUnit(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSeconds:
      return 1000000000;
    case TimeUnit::kMilliseconds:
      return 1000000;
    case TimeUnit::kMicroseconds:
      return 1000;
    case TimeUnit::kNanoseconds:
      return 1;
  }
  return 1000000;
}

namespace {

// ParseTimeNanos(parser, ...) when the shortcut does not apply. Out of line: the shortcut's
// path then needs no stack frame.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseTimeNanosSlowly(IncrementalIntParser* parser,
                                                        absl::string_view text, TimeUnit unit,
                                                        int64_t* out) {
  int64_t value;
  const ParseError error = parser->Parse(text, &value);
  if (error != ParseError::kOk) return error;
  if (__builtin_mul_overflow(value, NanosPerUnit(unit), out)) return ParseError::kOutOfRange;
  return ParseError::kOk;
}

}  // namespace

// Out of line: the shortcut in Parse then needs no saved registers.
ABSL_ATTRIBUTE_NOINLINE ParseError IncrementalIntParser::ParseAndRemember(absl::string_view text,
                                                                          int64_t* out) {
  const ParseError error = ParseInt64(text, out);
  // Remember plain digit strings of 9 to 18 digits (no sign: ParseInt64 accepted the text,
  // so a first digit means all are digits).
  const size_t n = text.size();
  if (error == ParseError::kOk && n >= 9 && n <= 18 && text[0] >= '0' && text[0] <= '9') {
    previous_ = text;
    previous_head_ = *out / 100000000;
    previous_hundreds_ = *out - *out % 100;
  } else {
    previous_ = absl::string_view();
  }
  return error;
}

ParseError ParseTimeNanos(IncrementalIntParser* parser, absl::string_view text, TimeUnit unit,
                          int64_t* out) {
  int64_t value;
  if (!parser->ParseSameHead(text, &value)) return ParseTimeNanosSlowly(parser, text, unit, out);
  if (__builtin_mul_overflow(value, NanosPerUnit(unit), out)) return ParseError::kOutOfRange;
  return ParseError::kOk;
}

ParseError ParseTimeNanos(absl::string_view text, TimeUnit unit, int64_t* out) {
  int64_t value;
  const ParseError error = ParseInt64(text, &value);
  if (error != ParseError::kOk) return error;
  if (__builtin_mul_overflow(value, NanosPerUnit(unit), out)) return ParseError::kOutOfRange;
  return ParseError::kOk;
}

namespace {

// ParseFiniteDouble of what ParseShortDecimal does not take.
ParseError ParseOtherDouble(const char* p, size_t n, double* out, uint32_t* decimal) {
  if (n - 5 < 9) return ParseMaybeWithExponent(p, n, out, decimal);  // 5 to 13 bytes.
  return ParseFiniteDoubleGeneral(p, p + n, out, decimal);
}

}  // namespace

namespace value_parse_internal {

ParseError ParseOtherDoubleBits(const char* p, size_t n, uint64_t* bits, uint32_t* decimal) {
  double value;
  const ParseError error = ParseOtherDouble(p, n, &value, decimal);
  if (error == ParseError::kOk) std::memcpy(bits, &value, 8);
  return error;
}

}  // namespace value_parse_internal

ParseError ParseFiniteDouble(absl::string_view text, double* out) {
  const size_t n = text.size();
  uint32_t decimal;
  if (n - 1 < 8 && ParseShortDecimal(text.data(), n, out, &decimal)) return ParseError::kOk;
  return ParseOtherDouble(text.data(), n, out, &decimal);
}

ParseError ParseBoolean(absl::string_view text, bool* out) {
  if (EqualsIgnoreCase(text, "true")) {
    *out = true;
    return ParseError::kOk;
  }
  if (EqualsIgnoreCase(text, "false")) {
    *out = false;
    return ParseError::kOk;
  }
  return ParseError::kSyntax;
}

}  // namespace tsw::model
