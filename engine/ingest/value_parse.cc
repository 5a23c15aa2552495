#include "engine/ingest/value_parse.h"

#include <charconv>
#include <cstring>

namespace tsw::ingest {
namespace {

bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

// Reads 8 ASCII digits at `p` at once (SWAR); false if any byte is not a digit.
bool ParseEightDigits(const char* p, uint32_t* out) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // Little-endian: p[0] is the low byte, the most significant digit.
  if ((((v & 0xF0F0F0F0F0F0F0F0) | (((v + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) !=
       0x3333333333333333)) {
    return false;
  }
  v -= 0x3030303030303030;
  v = (v * 10) + (v >> 8);  // Pairs of digits.
  v = (((v & 0x000000FF000000FF) * (100 + (1000000ULL << 32))) +
       (((v >> 16) & 0x000000FF000000FF) * (1 + (10000ULL << 32)))) >>
      32;
  *out = static_cast<uint32_t>(v);
  return true;
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
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  if (p == end) return ParseError::kSyntax;
  uint64_t value = 0;
  if (end - p <= 18) {  // Fast path: 18 digits cannot overflow.
    for (; end - p >= 8; p += 8) {
      uint32_t eight;
      if (!ParseEightDigits(p, &eight)) return ParseError::kSyntax;
      value = value * 100000000 + eight;
    }
    for (; p != end; ++p) {
      const unsigned digit = static_cast<unsigned char>(*p - '0');
      if (digit > 9) return ParseError::kSyntax;
      value = value * 10 + digit;
    }
  } else {
    bool overflow = false;
    for (; p != end; ++p) {
      const unsigned digit = static_cast<unsigned char>(*p - '0');
      if (digit > 9) return ParseError::kSyntax;
      // Keep scanning after an overflow so "99...9x" is a syntax error, not a range one.
      overflow |= __builtin_mul_overflow(value, uint64_t{10}, &value);
      overflow |= __builtin_add_overflow(value, uint64_t{digit}, &value);
    }
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    if (overflow || value > limit) return ParseError::kOutOfRange;
  }
  *out = negative ? static_cast<int64_t>(uint64_t{0} - value) : static_cast<int64_t>(value);
  return ParseError::kOk;
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

ParseError IncrementalIntParser::Parse(absl::string_view text, int64_t* out) {
  const size_t n = text.size();
  if (n == previous_.size() && !previous_.empty()) {
    const size_t head = n - 8;
    uint32_t tail;
    if (std::memcmp(text.data(), previous_.data(), head) == 0 &&
        ParseEightDigits(text.data() + head, &tail)) {
      *out = previous_head_ * 100000000 + tail;
      previous_ = text;
      return ParseError::kOk;
    }
  }
  const ParseError error = ParseInt64(text, out);
  // Remember plain digit strings of 9 to 18 digits (no sign: ParseInt64 accepted the text,
  // so a first digit means all are digits).
  if (error == ParseError::kOk && n >= 9 && n <= 18 && text[0] >= '0' && text[0] <= '9') {
    previous_ = text;
    previous_head_ = *out / 100000000;
  } else {
    previous_ = absl::string_view();
  }
  return error;
}

ParseError ParseTimeNanos(IncrementalIntParser* parser, absl::string_view text, TimeUnit unit,
                          int64_t* out) {
  int64_t value;
  const ParseError error = parser->Parse(text, &value);
  if (error != ParseError::kOk) return error;
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

ParseError ParseFiniteDouble(absl::string_view text, double* out) {
  // Check the grammar (std::from_chars alone would accept "nan", "inf" and partial
  // input) and accumulate the decimal digits. When they fit in 53 bits and the
  // decimal exponent is within +-22, one IEEE multiplication or division by an exact power
  // of ten is correctly rounded (Clinger's fast path); anything else goes to from_chars.
  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* begin = text.data();
  const char* end = begin + text.size();
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
    for (; p != end && IsDigit(*p); ++p) {
      if (e < 100000) e = e * 10 + (*p - '0');
    }
    if (p == exp_digits) return ParseError::kSyntax;
    exponent += exp_negative ? -e : e;
  }
  if (p != end) return ParseError::kSyntax;
  if (!mantissa_overflow && mantissa <= (uint64_t{1} << 53) && exponent >= -22 && exponent <= 22) {
    double value = static_cast<double>(mantissa);
    value = exponent < 0 ? value / kPowersOfTen[-exponent] : value * kPowersOfTen[exponent];
    *out = negative ? -value : value;
    return ParseError::kOk;
  }
  double value;
  const std::from_chars_result result = std::from_chars(begin, end, value);
  if (result.ec == std::errc::result_out_of_range) return ParseError::kOutOfRange;
  if (result.ec != std::errc() || result.ptr != end) return ParseError::kSyntax;
  *out = value;
  return ParseError::kOk;
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

}  // namespace tsw::ingest
