// The short decimals' path of the value parsers (value_parse.h), inline so that a caller's
// loop runs it without a call: SWAR helpers, integers of 1 to 4 bytes, the usual DOUBLE
// text of 1 to 8 bytes, and what IncrementalIntParser's shortcut compares.
// Internal to //engine/model:value_parse; include value_parse.h instead.
#ifndef TSW_ENGINE_MODEL_VALUE_PARSE_INLINE_H_
#define TSW_ENGINE_MODEL_VALUE_PARSE_INLINE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "engine/common/decimal_code.h"

namespace tsw::model::value_parse_internal {

static_assert(std::endian::native == std::endian::little,
              "the SWAR helpers load text little-endian: p[0] is the low byte");

// SWAR ("SIMD within a register"): up to 8 text bytes in one uint64_t, p[0] in the low
// byte, classified and converted with a few word operations instead of a loop over bytes.
// Words are only ever loaded from bytes of the text itself (the parsers never see past
// it), by overlapping loads where the text is shorter than the word.
inline constexpr uint64_t kEachByte = 0x0101010101010101;

ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// p[0, n), 1 <= n <= 8, in the low n bytes; the other bytes are zero. Reads only p[0, n):
// two overlapping 4-byte loads, or first/middle/last byte, instead of a loop or a call.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t LoadUpTo8(const char* p, size_t n) {
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
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t LowBytes(size_t n) {
  return ~uint64_t{0} >> ((0 - 8 * n) & 63);  // 64 - 8n, as x86 and ARM64 shifts take it.
}

// Each byte of w XOR '0': an ASCII digit becomes its value, 0 to 9; any other byte
// becomes more than 9.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t DigitValues(uint64_t w) {
  return w ^ (kEachByte * '0');
}

// 0x80 in each byte of x (digit values, as DigitValues makes them) that is above 9, 0 in
// each byte up to 9 below the lowest such byte. x + 0x76 sets a byte's top bit iff it is
// above 9 (`| x` for those whose own top bit is set); it carries into the next byte only
// out of a byte above 0x89, which is flagged itself. So every non-digit is flagged, the
// lowest flag is exact, and a digit is flagged only above another flag.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t NonDigitBytes(uint64_t x) {
  return ((x + kEachByte * (0x7F - 9)) | x) & (kEachByte * 0x80);
}

// The number spelled by the digit values (0 to 9) in the low k bytes of x, the low byte
// the most significant, 1 <= k <= 8. The other bytes are ignored.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t DigitsValue(uint64_t x, size_t k) {
  uint64_t v = x << (8 * (8 - k));  // The k digits last, after 8 - k leading zeros.
  // Each even byte: the 2-digit number of it and the next byte (at most 99: no carry).
  v = v * 10 + (v >> 8);
  // Each even 16-bit lane from 16: 100 * (the pair below) + its own pair. Shifted down,
  // bits 0-15 hold the first 4 digits' number, bits 32-47 the last 4's.
  v = ((v & 0x00FF00FF00FF00FF) * (1 + (100 << 16))) >> 16;
  return (v & 0xFFFF) * 10000 + ((v >> 32) & 0xFFFF);
}

// Reads 8 ASCII digits at `p` at once; false if any byte is not a digit.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseEightDigits(const char* p, uint32_t* out) {
  const uint64_t x = DigitValues(Load8(p));
  if (NonDigitBytes(x) != 0) return false;
  *out = static_cast<uint32_t>(DigitsValue(x, 8));
  return true;
}

// Equality of a[0, n), 1 <= n <= 16, and b[0, n), where at least max(n, 8) bytes of
// each are readable: one or two 8-byte loads instead of a memcmp call.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SameHead(const char* a, const char* b, size_t n) {
  if (n <= 8) return ((Load8(a) ^ Load8(b)) & LowBytes(n)) == 0;
  return Load8(a) == Load8(b) && Load8(a + n - 8) == Load8(b + n - 8);
}

// kZeroCharsBelow[n]: '0' in each of the low n bytes. XOR with it turns a text of n bytes,
// loaded with zeros above, into digit values followed by zeros, which add nothing to a
// fraction.
inline constexpr uint64_t kZeroCharsBelow[9] = {0,
                                                kEachByte * '0' >> 56,
                                                kEachByte * '0' >> 48,
                                                kEachByte * '0' >> 40,
                                                kEachByte * '0' >> 32,
                                                kEachByte * '0' >> 24,
                                                kEachByte * '0' >> 16,
                                                kEachByte * '0' >> 8,
                                                kEachByte * '0'};

// ParseInt64 of 1 to 4 bytes (a plain loop costs less than SWAR's fixed part): true with
// *out set, or false for a syntax error (4 bytes cannot overflow).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseTinyInt64(const char* p, size_t n, int64_t* out) {
  const char* const end = p + n;
  ptrdiff_t i = -static_cast<ptrdiff_t>(n);  // Counting up to 0 saves a compare.
  const bool negative = *p == '-';
  if (ABSL_PREDICT_FALSE(negative || *p == '+') && ++i == 0) return false;
  uint64_t value = 0;
  do {
    const unsigned digit = static_cast<unsigned char>(end[i]) - unsigned{'0'};
    if (digit > 9) return false;
    value = value * 10 + digit;
  } while (++i != 0);
  *out = static_cast<int64_t>(negative ? uint64_t{0} - value : value);
  return true;
}

// The usual DOUBLE mantissa, 1 to 8 bytes without a sign: digits ['.' digits*] or '.'
// digits. On success the mantissa's value is *m / 10^*f: *m is the number its digits
// spell (< 10^8) and *f the number of digits after the '.' (0 if none). False for
// anything else.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseShortMantissa(const char* p, size_t n, uint64_t* m,
                                                            uint32_t* f) {
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

// The usual DOUBLE text, 1 to 8 bytes: a sign, then a mantissa as ParseShortMantissa takes
// it. Writes the value and its decimal code and returns true for those, false for
// anything else (which the general parser then reads or rejects).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseShortDecimal(const char* p, size_t n, double* out,
                                                           uint32_t* decimal) {
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

// ParseShortDecimal for a text with p[0, 9) readable, whatever its size (ParseFiniteDoubleBits-
// Padded's texts): the mantissa's 8 bytes are one load, the text's bytes shifted to the word's top
// (the bytes past the text out at the bottom, zeros in: leading zero digits), so neither
// LoadUpTo8's loads by size nor DigitsValue's shift down. Same answers as ParseShortDecimal.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseShortDecimalPadded(const char* p, size_t n,
                                                                 double* out, uint32_t* decimal) {
  const bool negative = *p == '-';
  if (negative || *p == '+') {
    ++p;
    if (--n == 0) return false;
  }
  // The n text bytes' digit values in the top n bytes (p[n - 1] the top one), zeros below.
  uint64_t x = DigitValues(Load8(p)) << ((0 - 8 * n) & 63);  // 64 - 8n; 0 for n = 8.
  const uint64_t non_digits = NonDigitBytes(x);
  uint32_t f = 0;
  if (non_digits != 0) {  // Must be a single '.' (a lone flag is a real non-digit) and a digit.
    // The flag's leading zeros: 8 times the bytes above the flagged one, the fraction's digits.
    const unsigned above = static_cast<unsigned>(std::countl_zero(non_digits));
    if ((non_digits & (non_digits - 1)) != 0 || (x << above) >> 56 != ('.' ^ '0') || n == 1) {
      return false;
    }
    // Close the gap: the bytes from the '.' down take the values of the bytes below them (the
    // integer part's digits move up over the '.', a zero comes in at the bottom).
    const uint64_t to_dot = (non_digits << 1) - 1;  // Bytes 0 to the '.' (all for the top one).
    x ^= (x ^ (x << 8)) & to_dot;
    f = above / 8;
  }
  const uint64_t m = DigitsValue(x, 8);
  // Exact as in ParseShortDecimal.
  const double value = static_cast<double>(m) / kExactPowersOfTen[f];
  *out = negative ? -value : value;
  *decimal = PackDecimal(m, f, negative);
  return true;
}

// ParseInt64 of 1 to 8 bytes with p[0, 9) readable (ParseInt64Padded's texts): the digits
// in one load, to the word's top as in ParseShortDecimalPadded. True with *out set, or false
// for a syntax error (8 bytes cannot overflow).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool ParseShortInt64Padded(const char* p, size_t n,
                                                               int64_t* out) {
  const bool negative = *p == '-';
  if (negative || *p == '+') {
    ++p;
    if (--n == 0) return false;
  }
  const uint64_t x = DigitValues(Load8(p)) << ((0 - 8 * n) & 63);
  if (NonDigitBytes(x) != 0) return false;
  const uint64_t value = DigitsValue(x, 8);
  *out = static_cast<int64_t>(negative ? uint64_t{0} - value : value);
  return true;
}

}  // namespace tsw::model::value_parse_internal

#endif  // TSW_ENGINE_MODEL_VALUE_PARSE_INLINE_H_
