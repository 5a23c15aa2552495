#include "engine/model/value_parse.h"

#include <bit>
#include <charconv>
#include <cstring>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"

namespace tsw::model {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the SWAR helpers load text little-endian: p[0] is the low byte");

// SWAR ("SIMD within a register"): up to 8 text bytes in one uint64_t, p[0] in the low
// byte, classified and converted with a few word operations instead of a loop over bytes.
// Words are only ever loaded from bytes of the text itself (the parsers never see past
// it), by overlapping loads where the text is shorter than the word.
constexpr uint64_t kEachByte = 0x0101010101010101;

uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// p[0, n), 1 <= n <= 8, in the low n bytes; the other bytes are zero. Reads only p[0, n):
// two overlapping 4-byte loads, or first/middle/last byte, instead of a loop or a call.
inline uint64_t LoadUpTo8(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    return head | (uint64_t{tail} << (8 * (n - 4)));  // Overlapping bytes are equal.
  }
  const uint64_t first = static_cast<unsigned char>(p[0]);
  const uint64_t middle = static_cast<unsigned char>(p[n / 2]);
  const uint64_t last = static_cast<unsigned char>(p[n - 1]);
  return first | (middle << (8 * (n / 2))) | (last << (8 * (n - 1)));
}

// A mask of the low n bytes, 1 <= n <= 8.
inline uint64_t LowBytes(size_t n) {
  return ~uint64_t{0} >> ((0 - 8 * n) & 63);  // 64 - 8n, as x86 and ARM64 shifts take it.
}

// Each byte of w XOR '0': an ASCII digit becomes its value, 0 to 9; any other byte
// becomes more than 9.
inline uint64_t DigitValues(uint64_t w) { return w ^ (kEachByte * '0'); }

// 0x80 in each byte of x (digit values, as DigitValues makes them) that is above 9, 0 in
// each byte up to 9 below the lowest such byte. x + 0x76 sets a byte's top bit iff it is
// above 9 (`| x` for those whose own top bit is set); it carries into the next byte only
// out of a byte above 0x89, which is flagged itself. So every non-digit is flagged, the
// lowest flag is exact, and a digit is flagged only above another flag.
inline uint64_t NonDigitBytes(uint64_t x) {
  return ((x + kEachByte * (0x7F - 9)) | x) & (kEachByte * 0x80);
}

// The number spelled by the digit values (0 to 9) in the low k bytes of x, the low byte
// the most significant, 1 <= k <= 8. The other bytes are ignored.
inline uint64_t DigitsValue(uint64_t x, size_t k) {
  uint64_t v = x << (8 * (8 - k));  // The k digits last, after 8 - k leading zeros.
  // Each even byte: the 2-digit number of it and the next byte (at most 99: no carry).
  v = v * 10 + (v >> 8);
  // Each even 16-bit lane from 16: 100 * (the pair below) + its own pair. Shifted down,
  // bits 0-15 hold the first 4 digits' number, bits 32-47 the last 4's.
  v = ((v & 0x00FF00FF00FF00FF) * (1 + (100 << 16))) >> 16;
  return (v & 0xFFFF) * 10000 + ((v >> 32) & 0xFFFF);
}

// Reads 8 ASCII digits at `p` at once; false if any byte is not a digit.
inline bool ParseEightDigits(const char* p, uint32_t* out) {
  const uint64_t x = DigitValues(Load8(p));
  if (NonDigitBytes(x) != 0) return false;
  *out = static_cast<uint32_t>(DigitsValue(x, 8));
  return true;
}

// Equality of a[0, n), 1 <= n <= 16, and b[0, n), where at least max(n, 8) bytes of
// each are readable: one or two 8-byte loads instead of a memcmp call.
inline bool SameHead(const char* a, const char* b, size_t n) {
  if (n <= 8) return ((Load8(a) ^ Load8(b)) & LowBytes(n)) == 0;
  return Load8(a) == Load8(b) && Load8(a + n - 8) == Load8(b + n - 8);
}

// 10^i as integers.
constexpr uint64_t kPowersOfTen64[9] = {1,      10,      100,      1000,     10000,
                                        100000, 1000000, 10000000, 100000000};

// kZeroCharsBelow[n]: '0' in each of the low n bytes. XOR with it turns a text of n bytes,
// loaded with zeros above, into digit values followed by zeros, which add nothing to a
// fraction.
constexpr uint64_t kZeroCharsBelow[9] = {0,
                                         kEachByte * '0' >> 56,
                                         kEachByte * '0' >> 48,
                                         kEachByte * '0' >> 40,
                                         kEachByte * '0' >> 32,
                                         kEachByte * '0' >> 24,
                                         kEachByte * '0' >> 16,
                                         kEachByte * '0' >> 8,
                                         kEachByte * '0'};

// The usual DOUBLE mantissa, 1 to 8 bytes without a sign: digits ['.' digits*] or '.'
// digits. On success the mantissa's value is *m / 10^*f: *m is the number its digits
// spell (< 10^8) and *f the number of digits after the '.' (0 if none). False for
// anything else.
inline bool ParseShortMantissa(const char* p, size_t n, uint64_t* m, uint32_t* f) {
  uint64_t x = LoadUpTo8(p, n) ^ kZeroCharsBelow[n];  // DigitValues, then zeros.
  const uint64_t non_digits = NonDigitBytes(x);
  size_t digits = n;
  *f = 0;
  if (non_digits != 0) {  // Must be a single '.' (a lone flag is a real non-digit) and a digit.
    const size_t dot = static_cast<unsigned>(std::countr_zero(non_digits)) / 8;
    if ((non_digits & (non_digits - 1)) != 0 || p[dot] != '.' || n == 1) return false;
    // Close the gap: the bytes from the '.' up take the values of the bytes above them (the
    // fraction's digits move down over the '.', a zero comes in on top).
    const uint64_t from_dot = 0 - (non_digits >> 7);
    x ^= (x ^ (x >> 8)) & from_dot;
    digits = n - 1;
    *f = static_cast<uint32_t>(digits - dot);
  }
  *m = DigitsValue(x, digits);
  return true;
}

// The decimal code of +-m / 10^f, or kNoDecimal if it has none.
inline uint32_t DecimalCodeOf(uint64_t m, int f, bool negative) {
  if (m >= (uint64_t{1} << 27) || f < 0 || f > static_cast<int>(kMaxDecimalFraction)) {
    return kNoDecimal;
  }
  return PackDecimal(m, static_cast<uint32_t>(f), negative);
}

// The usual DOUBLE text, 1 to 8 bytes: a sign, then a mantissa as ParseShortMantissa takes
// it. Writes the value and its decimal code and returns true for those, false for
// anything else (which the general parser then reads or rejects).
inline bool ParseShortDecimal(const char* p, size_t n, double* out, uint32_t* decimal) {
  const bool negative = *p == '-';
  if (negative || *p == '+') {
    ++p;
    if (--n == 0) return false;
  }
  uint64_t m;
  uint32_t f;
  if (!ParseShortMantissa(p, n, &m, &f)) return false;
  // Exact: m < 10^8 and 10^f (f < 8) are doubles, so the one IEEE division rounds
  // correctly (Clinger's fast path).
  const double value = static_cast<double>(m) / kExactPowersOfTen[f];
  *out = negative ? -value : value;
  *decimal = PackDecimal(m, f, negative);
  return true;
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

// ParseInt64 of 1 to 4 bytes: a plain loop costs less than SWAR's fixed part.
inline ParseError ParseTinyInt64(const char* p, size_t n, int64_t* out) {
  const char* const end = p + n;
  ptrdiff_t i = -static_cast<ptrdiff_t>(n);  // Counting up to 0 saves a compare.
  const bool negative = *p == '-';
  if (ABSL_PREDICT_FALSE(negative || *p == '+') && ++i == 0) return ParseError::kSyntax;
  uint64_t value = 0;
  do {
    const unsigned digit = static_cast<unsigned char>(end[i]) - unsigned{'0'};
    if (digit > 9) return ParseError::kSyntax;
    value = value * 10 + digit;
  } while (++i != 0);
  *out = static_cast<int64_t>(negative ? uint64_t{0} - value : value);
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

ParseError ParseInt64(absl::string_view text, int64_t* out) {
  const size_t n = text.size();
  if (n - 1 < 4) return ParseTinyInt64(text.data(), n, out);  // 1 to 4.
  if (n == 0) return ParseError::kSyntax;
  if (n <= 8) return ParseShortInt64(text.data(), n, out);
  return ParseLongInt64(text.data(), text.data() + n, out);
}

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

// Parse's shortcut, inline here so that ParseTimeNanos has it without a call.
inline bool IncrementalIntParser::ParseSameHead(absl::string_view text, int64_t* out) {
  const size_t n = text.size();
  if (n != previous_.size() || previous_.empty()) return false;
  // All but the last 2 digits equal (the next time of a run, mostly): read those 2. n is
  // previous_'s size, 9 to 18, so SameHead's loads stay inside both texts.
  const char* const p = text.data();
  if (SameHead(p, previous_.data(), n - 2)) {
    const unsigned tens = static_cast<unsigned char>(p[n - 2]) - unsigned{'0'};
    const unsigned ones = static_cast<unsigned char>(p[n - 1]) - unsigned{'0'};
    if (tens > 9 || ones > 9) return false;
    *out = previous_hundreds_ + tens * 10 + ones;
    previous_ = text;
    return true;
  }
  const size_t head = n - 8;
  uint32_t tail;
  if (!SameHead(p, previous_.data(), head) || !ParseEightDigits(p + head, &tail)) {
    return false;
  }
  *out = previous_head_ * 100000000 + tail;
  previous_ = text;
  previous_hundreds_ = *out - tail % 100;
  return true;
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

ParseError IncrementalIntParser::Parse(absl::string_view text, int64_t* out) {
  if (ParseSameHead(text, out)) return ParseError::kOk;
  return ParseAndRemember(text, out);
}

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

// ParseOtherDouble for ParseFiniteDoubleBits. Out of line: its double on the stack would
// otherwise give the short path a stack frame.
ABSL_ATTRIBUTE_NOINLINE ParseError ParseOtherDoubleBits(const char* p, size_t n, uint64_t* bits,
                                                        uint32_t* decimal) {
  double value;
  const ParseError error = ParseOtherDouble(p, n, &value, decimal);
  if (error == ParseError::kOk) std::memcpy(bits, &value, 8);
  return error;
}

}  // namespace

ParseError ParseFiniteDouble(absl::string_view text, double* out) {
  const size_t n = text.size();
  uint32_t decimal;
  if (n - 1 < 8 && ParseShortDecimal(text.data(), n, out, &decimal)) return ParseError::kOk;
  return ParseOtherDouble(text.data(), n, out, &decimal);
}

ParseError ParseFiniteDoubleBits(absl::string_view text, uint64_t* bits, uint32_t* decimal) {
  const size_t n = text.size();
  double value;
  if (n - 1 < 8 && ParseShortDecimal(text.data(), n, &value, decimal)) {
    std::memcpy(bits, &value, 8);
    return ParseError::kOk;
  }
  return ParseOtherDoubleBits(text.data(), n, bits, decimal);
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
