// The exact parsers: integers with overflow checks, doubles correctly rounded whichever
// path parses them.
#include "engine/model/value_parse.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace tsw::model {
namespace {

// ---------------------------------------------------------------------------------------
// References: obviously correct, slow parsers that the fast ones must agree with.

std::string Quoted(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c >= 0x20 && c < 0x7F) {
      out += c;
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out + "\"";
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// ParseInt64's contract: a sign, then digits only (else kSyntax, whatever their number);
// then the value must fit (else kOutOfRange).
ParseError ReferenceParseInt64(absl::string_view text, int64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  if (i == text.size()) return ParseError::kSyntax;
  for (size_t j = i; j < text.size(); ++j) {
    if (!IsAsciiDigit(text[j])) return ParseError::kSyntax;
  }
  // Saturating at 2^64, past every limit, so that any number of digits fits.
  const unsigned __int128 saturated = static_cast<unsigned __int128>(1) << 64;
  unsigned __int128 value = 0;
  for (; i < text.size(); ++i) {
    value = std::min(value * 10 + static_cast<unsigned>(text[i] - '0'), saturated);
  }
  const unsigned __int128 limit = (static_cast<unsigned __int128>(1) << 63) - (negative ? 0 : 1);
  if (value > limit) return ParseError::kOutOfRange;
  *out = negative ? static_cast<int64_t>(0 - static_cast<uint64_t>(value))
                  : static_cast<int64_t>(static_cast<uint64_t>(value));
  return ParseError::kOk;
}

// ParseFiniteDouble's grammar: [+-]? (digits ['.' digits*] | '.' digits) ([eE] [+-]? digits)?
bool MatchesDecimalGrammar(absl::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t digits = 0;
  for (; i < text.size() && IsAsciiDigit(text[i]); ++i) ++digits;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && IsAsciiDigit(text[i]); ++i) ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exponent_digits = 0;
    for (; i < text.size() && IsAsciiDigit(text[i]); ++i) ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == text.size();
}

// The grammar, then std::from_chars (which rounds correctly and reports both overflow and
// a non-zero value underflowing to zero as out of range) for the value.
ParseError ReferenceParseFiniteDouble(absl::string_view text, double* out) {
  if (!MatchesDecimalGrammar(text)) return ParseError::kSyntax;
  if (text[0] == '+') text.remove_prefix(1);  // from_chars takes no '+'.
  const std::from_chars_result result =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  if (result.ec == std::errc::result_out_of_range) return ParseError::kOutOfRange;
  EXPECT_EQ(result.ec, std::errc()) << Quoted(text);
  EXPECT_EQ(result.ptr, text.data() + text.size()) << Quoted(text);
  return ParseError::kOk;
}

uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

// Checks ParseInt64 and ParseTimeNanos on `text` against the references.
void ExpectInt64AgreesWithReference(absl::string_view text) {
  int64_t expected = 0, got = 0;
  const ParseError expected_error = ReferenceParseInt64(text, &expected);
  ASSERT_EQ(ParseInt64(text, &got), expected_error) << Quoted(text);
  if (expected_error == ParseError::kOk) {
    ASSERT_EQ(got, expected) << Quoted(text);
  }
  // ParseInt64Padded: the same answers, whatever bytes follow the text.
  for (const char after : {'7', '-', '\0'}) {
    std::string padded(text);
    padded.append(16, after);
    int64_t padded_value = 0;
    ASSERT_EQ(ParseInt64Padded(absl::string_view(padded.data(), text.size()), &padded_value),
              expected_error)
        << Quoted(text) << " followed by " << after;
    if (expected_error == ParseError::kOk) {
      ASSERT_EQ(padded_value, expected) << Quoted(text);
    }
  }
  int64_t nanos = 0;
  const ParseError time_error = ParseTimeNanos(text, TimeUnit::kMicroseconds, &nanos);
  if (expected_error != ParseError::kOk) {
    ASSERT_EQ(time_error, expected_error) << Quoted(text);
  } else if (__builtin_mul_overflow(expected, int64_t{1000}, &expected)) {
    ASSERT_EQ(time_error, ParseError::kOutOfRange) << Quoted(text);
  } else {
    ASSERT_EQ(time_error, ParseError::kOk) << Quoted(text);
    ASSERT_EQ(nanos, expected) << Quoted(text);
  }
}

// Checks ParseFiniteDouble on `text` against the reference, bit for bit (so -0.0 too),
// and that the decimal code ParseFiniteDoubleBits gives, if any, stands for those bits and
// for the text's own digits.
void ExpectDoubleAgreesWithReference(absl::string_view text) {
  double expected = 0, got = 0;
  const ParseError expected_error = ReferenceParseFiniteDouble(text, &expected);
  ASSERT_EQ(ParseFiniteDouble(text, &got), expected_error) << Quoted(text);
  uint64_t bits = 0;
  uint32_t decimal = 0;
  ASSERT_EQ(ParseFiniteDoubleBits(text, &bits, &decimal), expected_error) << Quoted(text);
  // ParseFiniteDoubleBitsPadded: the same answers, whatever bytes follow the text (digits,
  // a '.', signs: bytes it reads and must leave out).
  for (const char after : {'7', '.', '-', '\0'}) {
    std::string padded(text);
    padded.append(16, after);
    uint64_t padded_bits = 0;
    uint32_t padded_decimal = 0;
    ASSERT_EQ(ParseFiniteDoubleBitsPadded(absl::string_view(padded.data(), text.size()),
                                          &padded_bits, &padded_decimal),
              expected_error)
        << Quoted(text) << " followed by " << Quoted(std::string(1, after));
    if (expected_error == ParseError::kOk) {
      ASSERT_EQ(padded_bits, bits) << Quoted(text) << " followed by " << after;
      ASSERT_EQ(padded_decimal, decimal) << Quoted(text) << " followed by " << after;
    }
  }
  if (expected_error == ParseError::kOk) {
    ASSERT_EQ(Bits(got), Bits(expected)) << Quoted(text) << " " << got << " vs " << expected;
    ASSERT_EQ(bits, Bits(expected)) << Quoted(text);
    if (decimal != kNoDecimal) {
      uint64_t decoded = 0;
      ASSERT_TRUE(DecimalCodeBits(decimal, &decoded)) << Quoted(text) << " " << decimal;
      ASSERT_EQ(decoded, bits) << Quoted(text) << " " << decimal;
      // The code is the text's value exactly (not only a decimal that rounds the same).
      const std::string exact =
          absl::StrCat((decimal & 1) != 0 ? "-" : "", decimal >> 5, "e-", (decimal >> 1) & 15);
      double reference = 0;
      ASSERT_EQ(ReferenceParseFiniteDouble(exact, &reference), ParseError::kOk) << exact;
      ASSERT_EQ(Bits(reference), bits) << Quoted(text) << " " << exact;
    }
  }
}

std::string RandomDigits(std::mt19937_64& rng, int count) {
  std::string digits;
  for (int i = 0; i < count; ++i) digits += static_cast<char>('0' + rng() % 10);
  return digits;
}

// A random text of exactly `length` bytes in ParseFiniteDouble's grammar: an optional
// sign, digits with or without a '.', leading zeros now and then, and an exponent now and
// then, in the proportions of the short inputs the fast paths take.
std::string RandomDecimal(std::mt19937_64& rng, int length) {
  std::string sign;
  if (length > 1 && rng() % 3 == 0) sign = rng() % 4 == 0 ? "+" : "-";
  std::string exponent;
  const int room = length - static_cast<int>(sign.size());
  if (room >= 4 && rng() % 4 == 0) {  // Room for a mantissa digit, e, sign, exponent digit.
    exponent = rng() % 2 ? "e" : "E";
    if (rng() % 2) exponent += rng() % 2 ? "-" : "+";
    const int max_digits = std::min(3, room - 1 - static_cast<int>(exponent.size()));
    exponent += RandomDigits(rng, 1 + static_cast<int>(rng() % max_digits));
  }
  const int mantissa = room - static_cast<int>(exponent.size());
  std::string digits = RandomDigits(rng, mantissa);
  if (rng() % 5 == 0) {  // Leading zeros.
    const int zeros = static_cast<int>(rng() % (mantissa + 1));
    for (int i = 0; i < zeros; ++i) digits[i] = '0';
  }
  if (mantissa >= 2 && rng() % 4 != 0) {  // A '.' anywhere, at either end included.
    digits[rng() % mantissa] = '.';
  }
  return sign + digits + exponent;
}

// Bytes that are, or resemble, parts of a number.
char RandomNumberishByte(std::mt19937_64& rng) {
  static constexpr char kBytes[] = "0123456789+-.eE /:xX\0\x7f\x80\xb0\xba\xff";
  if (rng() % 4 == 0) return static_cast<char>(rng() % 256);
  return kBytes[rng() % (sizeof(kBytes) - 1)];
}

// Runs `check` on `text` placed at the very end of a readable page followed by an
// unmapped one, and at the very start of a page after an unmapped one: a read outside the
// text crashes the test.
template <typename Check>
void AtPageEdges(absl::string_view text, Check check) {
  static char* const pages = [] {
    const long page = sysconf(_SC_PAGESIZE);
    void* p = mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) abort();
    char* base = static_cast<char*>(p);
    mprotect(base, page, PROT_NONE);
    mprotect(base + 2 * page, page, PROT_NONE);
    return base + page;  // One readable page between two unreadable ones.
  }();
  const long page = sysconf(_SC_PAGESIZE);
  char* at_end = pages + page - text.size();
  std::memcpy(at_end, text.data(), text.size());
  check(absl::string_view(at_end, text.size()));
  std::memcpy(pages, text.data(), text.size());
  check(absl::string_view(pages, text.size()));
}

// ---------------------------------------------------------------------------------------

TEST(ParseInt64Test, ReadsTheWholeRangeAndRejectsOverflowAndGarbage) {
  int64_t v;
  EXPECT_EQ(ParseInt64("9223372036854775807", &v), ParseError::kOk);
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808", &v), ParseError::kOk);
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_EQ(ParseInt64("+000000000000000000000042", &v), ParseError::kOk);
  EXPECT_EQ(v, 42);
  EXPECT_EQ(ParseInt64("9223372036854775808", &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseInt64("-9223372036854775809", &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseInt64("99999999999999999999", &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseInt64("1700000000123", &v), ParseError::kOk);  // 5 digits, then 8 at once.
  EXPECT_EQ(v, 1700000000123);
  EXPECT_EQ(ParseInt64("-123456789012345678", &v), ParseError::kOk);
  EXPECT_EQ(v, -123456789012345678);
  for (const char* bad : {"", "-", "+", "1.0", "1e3", " 1", "1 ", "0x1", "99999999999999999999x",
                          "1234567x", "12345678x", "1234567:90", "12345/789", "1234567 8901"}) {
    EXPECT_EQ(ParseInt64(bad, &v), ParseError::kSyntax) << bad;
  }
}

TEST(ParseInt64Test, AgreesWithAReferenceOnEveryLengthSignAndLeadingZeros) {
  std::mt19937_64 rng(17);
  for (int length = 1; length <= 25; ++length) {
    for (int i = 0; i < 3000; ++i) {
      std::string text = RandomDigits(rng, length);
      if (rng() % 5 == 0) {  // Leading zeros.
        const int zeros = static_cast<int>(rng() % (length + 1));
        for (int z = 0; z < zeros; ++z) text[z] = '0';
      }
      if (rng() % 3 == 0) text[0] = "+-"[rng() % 2];
      ExpectInt64AgreesWithReference(text);
      text[rng() % length] = RandomNumberishByte(rng);  // Often no longer an integer.
      ExpectInt64AgreesWithReference(text);
    }
  }
}

TEST(ParseInt64Test, AgreesWithAReferenceAtTheBoundaries) {
  for (const char* text : {"9223372036854775807",
                           "9223372036854775808",
                           "-9223372036854775808",
                           "-9223372036854775809",
                           "+9223372036854775807",
                           "09223372036854775807",
                           "-09223372036854775808",
                           "00000000000000000009223372036854775807",
                           "18446744073709551615",
                           "18446744073709551616",
                           "-18446744073709551616",
                           "999999999999999999",
                           "1000000000000000000",
                           "-999999999999999999",
                           "99999999999999999999",
                           "99999999999999999999x",
                           "-99999999999999999999/",
                           "0",
                           "-0",
                           "+0",
                           "00000000",
                           "99999999",
                           "-9999999",
                           "100000000",
                           "-12345678",
                           "+12345678",
                           "1234",
                           "-123",
                           "+1",
                           "9"}) {
    ExpectInt64AgreesWithReference(text);
  }
  int64_t v;
  EXPECT_EQ(ParseInt64("-99999999999999999999/", &v), ParseError::kSyntax);
  EXPECT_EQ(ParseInt64("-00000000000000000009223372036854775808", &v), ParseError::kOk);
  EXPECT_EQ(v, INT64_MIN);
}

TEST(ParseInt64Test, RejectsEachMalformedShapeAtEachLength) {
  int64_t v;
  for (const char* text : {"",
                           "-",
                           "+",
                           "--1",
                           "+-1",
                           "-+1",
                           "1-",
                           "1+",
                           " 1",
                           "1 ",
                           "0x1",
                           "1e3",
                           "1.0",
                           "1,000",
                           "12345678-",
                           "-1234567-",
                           "1234567\xb0",
                           "1234\x80",
                           "\xb9",
                           "12345678901234567:",
                           "123456789012345678/",
                           "9999999999999999999999999."}) {
    EXPECT_EQ(ParseInt64(text, &v), ParseError::kSyntax) << Quoted(text);
  }
  // A NUL byte inside the text is a non-digit like any other.
  for (size_t length = 1; length <= 20; ++length) {
    for (size_t at = 0; at < length; ++at) {
      std::string text(length, '7');
      text[at] = '\0';
      EXPECT_EQ(ParseInt64(text, &v), ParseError::kSyntax) << length << " at " << at;
    }
  }
}

// The text's bytes only: the bytes after it (here digits, which would change the value)
// and before it do not count, and reading past either end would crash.
TEST(ParseInt64Test, ReadsOnlyTheTextsBytes) {
  std::mt19937_64 rng(19);
  for (int length = 1; length <= 25; ++length) {
    for (int i = 0; i < 200; ++i) {
      std::string text = RandomDigits(rng, length);
      if (rng() % 3 == 0) text[0] = "+-"[rng() % 2];
      if (rng() % 4 == 0) text[rng() % length] = RandomNumberishByte(rng);
      int64_t expected = -1;
      const ParseError expected_error = ReferenceParseInt64(text, &expected);
      const std::string buffer = "99999999" + text + RandomDigits(rng, 24);
      int64_t got = -1;
      ASSERT_EQ(ParseInt64(absl::string_view(buffer).substr(8, length), &got), expected_error)
          << Quoted(text);
      if (expected_error == ParseError::kOk) {
        ASSERT_EQ(got, expected) << Quoted(text);
      }
      AtPageEdges(text, [&](absl::string_view at_edge) {
        int64_t v = -1;
        ASSERT_EQ(ParseInt64(at_edge, &v), expected_error) << Quoted(text);
        if (expected_error == ParseError::kOk) {
          ASSERT_EQ(v, expected) << Quoted(text);
        }
      });
    }
  }
}

TEST(IncrementalIntParserTest, AgreesWithParseInt64OnEverySequence) {
  std::mt19937_64 rng(11);
  IncrementalIntParser incremental;
  std::vector<std::string> texts;  // The parser keeps a view of the previous text.
  const char* tricky[] = {"1700000000123",      "1700000000124",      "1700000000x24",
                          "1700000000125",      "-700000000125",      "0000000000001",
                          "1700000000125",      "170000000012",       "9223372036854775807",
                          "999999999999999999", "999999999999999998", "1700000000126",
                          "17000000001:6",      "1700000000126"};
  for (const char* t : tricky) texts.emplace_back(t);
  int64_t value = 1700000000000;
  for (int i = 0; i < 40000; ++i) {
    // Runs of steps of 0 to 2 (the times of one series: only the last 2 digits change
    // until they carry) between jumps (more digits change).
    value = rng() % 4 == 0 ? 1700000000000LL + static_cast<int64_t>(rng() % 5000)
                           : value + static_cast<int64_t>(rng() % 3);
    std::string t = std::to_string(value);
    if (rng() % 50 == 0) t[rng() % t.size()] = "x-:0"[rng() % 4];
    if (rng() % 50 == 0) t[t.size() - 1 - rng() % 2] = "x/:0"[rng() % 4];
    if (rng() % 100 == 0) t = std::to_string(rng());
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    int64_t expected = -1, got = -1;
    const ParseError e1 = ParseInt64(t, &expected);
    const ParseError e2 = incremental.Parse(t, &got);
    ASSERT_EQ(e1, e2) << t;
    if (e1 == ParseError::kOk) {
      ASSERT_EQ(expected, got) << t;
    }
  }
}

// Times that are views into larger buffers: the digits after each do not count.
TEST(IncrementalIntParserTest, ReadsOnlyTheTextsBytes) {
  std::mt19937_64 rng(23);
  std::vector<std::pair<std::string, size_t>> buffers;  // Text + garbage, text length.
  for (int i = 0; i < 5000; ++i) {
    std::string text = std::to_string(1700000000000LL + static_cast<int64_t>(rng() % 5000));
    if (rng() % 20 == 0) text[rng() % text.size()] = RandomNumberishByte(rng);
    if (rng() % 50 == 0) text = std::to_string(rng() % 1000000000000000000);
    buffers.emplace_back(text + RandomDigits(rng, 16), text.size());
  }
  IncrementalIntParser parser;
  for (const auto& [buffer, length] : buffers) {
    const absl::string_view text(buffer.data(), length);
    int64_t expected = -1, got = -1;
    const ParseError expected_error = ReferenceParseInt64(text, &expected);
    ASSERT_EQ(parser.Parse(text, &got), expected_error) << Quoted(text);
    if (expected_error == ParseError::kOk) {
      ASSERT_EQ(got, expected) << Quoted(text);
    }
  }
}

TEST(ParseTimeNanosTest, ScalesEveryUnitExactlyAndRejectsOverflow) {
  int64_t v;
  EXPECT_EQ(ParseTimeNanos("1700000000", TimeUnit::kSeconds, &v), ParseError::kOk);
  EXPECT_EQ(v, 1700000000000000000);
  EXPECT_EQ(ParseTimeNanos("1700000000123456", TimeUnit::kMicroseconds, &v), ParseError::kOk);
  EXPECT_EQ(v, 1700000000123456000);
  EXPECT_EQ(ParseTimeNanos("9223372036854", TimeUnit::kMilliseconds, &v), ParseError::kOk);
  EXPECT_EQ(ParseTimeNanos("9223372036855", TimeUnit::kMilliseconds, &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseTimeNanos("-9223372037", TimeUnit::kSeconds, &v), ParseError::kOutOfRange);
}

// Both paths of ParseFiniteDouble (the exact fast path and from_chars) must agree with a
// correctly rounded reference on every input.
TEST(ParseFiniteDoubleTest, AgreesBitForBitWithCorrectRoundingOnRandomDecimals) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    if (rng() % 2) text += '-';
    const int int_digits = static_cast<int>(rng() % 20);
    for (int d = 0; d < int_digits; ++d) text += static_cast<char>('0' + rng() % 10);
    if (int_digits == 0 || rng() % 2) {
      text += '.';
      const int frac_digits = 1 + static_cast<int>(rng() % 20);
      for (int d = 0; d < frac_digits; ++d) text += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 4 == 0) absl::StrAppend(&text, "e", static_cast<int>(rng() % 60) - 30);
    double expected;
    std::from_chars_result ref = std::from_chars(text.data(), text.data() + text.size(), expected);
    ASSERT_EQ(ref.ptr, text.data() + text.size()) << text;
    double got;
    ASSERT_EQ(ParseFiniteDouble(text, &got), ParseError::kOk) << text;
    uint64_t a, b;
    std::memcpy(&a, &expected, 8);
    std::memcpy(&b, &got, 8);
    ASSERT_EQ(a, b) << text;
  }
}

TEST(ParseFiniteDoubleTest, RejectsNonFiniteAndUnrepresentableValues) {
  double v;
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "Infinity", "0x1p3", "1e", "e1", "", "-",
                          ".", "1.2.3", "1e+", "--1", "1_0"}) {
    EXPECT_EQ(ParseFiniteDouble(bad, &v), ParseError::kSyntax) << bad;
  }
  EXPECT_EQ(ParseFiniteDouble("1e400", &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseFiniteDouble("-1e400", &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseFiniteDouble("1e-400", &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseFiniteDouble("1.7976931348623157e308", &v), ParseError::kOk);
  EXPECT_EQ(ParseFiniteDouble("0e999999999", &v), ParseError::kOk);
  EXPECT_EQ(v, 0.0);
}

TEST(ParseFiniteDoubleTest, AgreesBitForBitWithAReferenceOnEveryLength) {
  std::mt19937_64 rng(29);
  for (int length = 1; length <= 25; ++length) {
    for (int i = 0; i < 4000; ++i) {
      std::string text = RandomDecimal(rng, length);
      ASSERT_EQ(text.size(), static_cast<size_t>(length));
      ExpectDoubleAgreesWithReference(text);
      text[rng() % length] = RandomNumberishByte(rng);  // Often no longer a number.
      ExpectDoubleAgreesWithReference(text);
    }
  }
}

// Every text of up to 5 bytes over digits, '.', signs, exponent letters and a stray byte,
// and every placement of a sign and a '.' among random digits at 6 to 8 bytes: the short
// path (inline in each caller since ParseFiniteDoubleBits is) and its hand-over to the
// general parser must agree with the reference on each, bit for bit, codes included.
TEST(ParseFiniteDoubleTest, AgreesBitForBitWithAReferenceOnEveryShortText) {
  static constexpr char kAlphabet[] = "0159.-+ex";
  constexpr size_t kSymbols = sizeof(kAlphabet) - 1;
  for (size_t length = 1; length <= 5; ++length) {
    size_t count = 1;
    for (size_t k = 0; k < length; ++k) count *= kSymbols;
    std::string text(length, '0');
    for (size_t code = 0; code < count; ++code) {
      size_t rest = code;
      for (size_t k = 0; k < length; ++k, rest /= kSymbols) text[k] = kAlphabet[rest % kSymbols];
      ExpectDoubleAgreesWithReference(text);
    }
  }
  std::mt19937_64 rng(41);
  for (size_t length = 6; length <= 8; ++length) {
    for (const char* sign : {"", "-", "+"}) {
      const size_t digits = length - std::strlen(sign);
      for (size_t dot = 0; dot <= digits; ++dot) {  // dot == digits: no '.'.
        for (int i = 0; i < 200; ++i) {
          std::string body = RandomDigits(rng, static_cast<int>(digits));
          if (dot < digits) body[dot] = '.';
          ExpectDoubleAgreesWithReference(sign + body);
        }
      }
    }
  }
}

// What absl::StrCat writes for doubles (6 significant digits, exponents past 1e6 and below
// 1e-4), over many magnitudes.
TEST(ParseFiniteDoubleTest, AgreesBitForBitOnStrCatOutput) {
  std::mt19937_64 rng(31);
  std::uniform_real_distribution<double> unit(-1, 1);
  for (int i = 0; i < 100000; ++i) {
    const double value = unit(rng) * std::pow(10.0, static_cast<int>(rng() % 24) - 10);
    ExpectDoubleAgreesWithReference(absl::StrCat(value));
  }
}

TEST(ParseFiniteDoubleTest, AgreesBitForBitAtTheBoundaries) {
  for (const char* text :
       {// 2^53 and its neighbours: the fast path's mantissa limit.
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740991",
        "9007199254740993.0", "-9007199254740993", "900719925474099.3", "9.007199254740993e15",
        // 10^22 (the largest exact power) and 10^23 (not exact).
        "1e22", "1e23", "1e-22", "1e-23", "10000000000000000000000", "1.5e22", "15e21",
        "0.0000000000000000000001", "99999999e15", "99999999e-22", "12345678e14",
        // The ends of the double range; denormals.
        "1.7976931348623157e308", "-1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "2.2250738585072014e-308", "2.2250738585072011e-308",
        "4.9406564584124654e-324", "5e-324", "3e-324", "2.4703282292062328e-324", "2e-324",
        "1e-400", "1e400", "-1e400", "1e-320", "-1e-320",
        // Zeros, signed: -0.0 keeps its sign bit.
        "0", "-0", "+0", "0.0", "-0.0", "-.0", "-0.", "0e0", "-0e5", "0e999999999", "-0e-999999",
        "00000000", "-0000000", "0.000000", ".0000000", "0000000000000000000000000",
        // The short path's edges: 8 bytes, with and without a sign, the '.' everywhere.
        "12345678", "99999999", "1234567.", ".1234567", "1.234567", "-1234567", "+1234567",
        "-.123456", "-123456.", "123456789", "-12345678", "1234567.8", ".12345678", "0.1", "0.2",
        "0.3", "0.7", "1.1", "2.675", "533.93", "177.977", "-12.5", "417",
        // Exponents of every shape.
        "1e5", "1E5", "1e+5", "1e-5", "1.e5", ".5e1", "1.5e+06", "1.23457e+06", "-1.23457e-05",
        "1e0000000000000000000000005", "1e-0", "123456789012345678901234567890e-30",
        // The StrCat exponent form's edges: mantissas of 1 to 9 bytes, scales to +-22.
        "1e+22", "1e+23", "1e-15", "1e-16", "12345678e+22", "12345678e+23", "12345678e-22",
        ".1234567e+22", "1234567.e-22", "-9.9999999e+22", "+1.2345678e+15", "-0e+00", "0.e+05",
        "1.e-05", ".5e-07", "-.5e+07", "1.23457e+06", "-2.5e-07", "9.99999e+99", "1e-99",
        "123456789e+05", "1.5E+06", "1.5e+6", "1.5e+060", "-1e+05", "+5e-05"}) {
    ExpectDoubleAgreesWithReference(text);
  }
  double v;
  EXPECT_EQ(ParseFiniteDouble("-0.0", &v), ParseError::kOk);
  EXPECT_TRUE(std::signbit(v));
  EXPECT_EQ(ParseFiniteDouble("9007199254740993", &v), ParseError::kOk);
  EXPECT_EQ(v, 9007199254740992.0);  // Ties to even.
  EXPECT_EQ(ParseFiniteDouble("1e23", &v), ParseError::kOk);
  EXPECT_EQ(v, 1e23);
  EXPECT_EQ(ParseFiniteDouble("4.9406564584124654e-324", &v), ParseError::kOk);
  EXPECT_EQ(v, std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(ParseFiniteDouble("1.7976931348623157e308", &v), ParseError::kOk);
  EXPECT_EQ(v, DBL_MAX);
  EXPECT_EQ(ParseFiniteDouble("1.7976931348623159e308", &v), ParseError::kOutOfRange);
  EXPECT_EQ(ParseFiniteDouble("2e-324", &v), ParseError::kOutOfRange);
}

TEST(ParseFiniteDoubleTest, GivesDecimalCodesToShortDecimalsOnly) {
  // (text, digits, fraction digits, negative): every path that makes codes.
  const struct {
    const char* text;
    uint32_t m, f;
    bool negative;
  } coded[] = {{"523.45", 52345, 2, false},
               {"174.483", 174483, 3, false},
               {"-0.5", 5, 1, true},
               {"0", 0, 0, false},
               {"-0", 0, 0, true},
               {"+7.", 7, 0, false},
               {".25", 25, 2, false},
               {"99999999", 99999999, 0, false},
               {"1.5e+03", 1500, 0, false},
               {"1.23457e+06", 1234570, 0, false},
               {"-2.5e-03", 25, 4, true},
               {"12345.678", 12345678, 3, false},
               {"0.00000000000001", 1, 14, false}};
  for (const auto& c : coded) {
    uint64_t bits;
    uint32_t decimal;
    ASSERT_EQ(ParseFiniteDoubleBits(c.text, &bits, &decimal), ParseError::kOk) << c.text;
    EXPECT_EQ(decimal, c.m << 5 | c.f << 1 | (c.negative ? 1u : 0u)) << c.text;
  }
  // Too many digits for 27 bits, too many fraction digits, too large, or from_chars's.
  for (const char* text : {"174.48333333333332", "134217728", "0.000000000000001", "1e9",
                           "1.7976931348623157e308", "123456789012345678901234"}) {
    uint64_t bits;
    uint32_t decimal = 0;
    ASSERT_EQ(ParseFiniteDoubleBits(text, &bits, &decimal), ParseError::kOk) << text;
    EXPECT_EQ(decimal, kNoDecimal) << text;
  }
  uint64_t bits;
  EXPECT_FALSE(DecimalCodeBits(kNoDecimal, &bits));
  EXPECT_FALSE(DecimalCodeBits(1 << 5 | 15 << 1, &bits));  // 15 fraction digits.
}

TEST(DecimalCodeTest, DecodesRunsOfCodesAsEachOnItsOwn) {
  std::mt19937_64 rng(5);
  for (size_t n = 0; n < 12; ++n) {
    std::vector<uint32_t> codes;
    for (size_t i = 0; i < n; ++i) {
      codes.push_back(PackDecimal(rng() % 3 == 0 ? 0 : rng() % (uint64_t{1} << 27),
                                  static_cast<uint32_t>(rng() % (kMaxDecimalFraction + 1)),
                                  rng() % 2 == 0));
    }
    std::vector<uint64_t> decoded(n + 1, 0x5a5a5a5a5a5a5a5a);
    DecodeDoubles(codes.data(), n, reinterpret_cast<char*>(decoded.data()));
    for (size_t i = 0; i < n; ++i) {
      uint64_t bits;
      ASSERT_TRUE(DecimalCodeBits(codes[i], &bits));
      ASSERT_EQ(decoded[i], bits) << "code " << codes[i] << " of " << n;
    }
    EXPECT_EQ(decoded[n], 0x5a5a5a5a5a5a5a5au);  // Nothing past the end.
  }
}

TEST(ParseFiniteDoubleTest, RejectsEachMalformedShape) {
  double v;
  for (const char* text : {"",           "-",
                           "+",          ".",
                           "-.",         "+.",
                           "..",         "1..2",
                           "1.2.3",      ".1.",
                           "--1",        "+-1",
                           "-+1",        "1-",
                           "1+",         "1 ",
                           " 1",         "1,5",
                           "1_0",        "0x10",
                           "0x1p3",      "nan",
                           "-nan",       "inf",
                           "-inf",       "Infinity",
                           "e5",         ".e5",
                           "-e5",        "1e",
                           "1e+",        "1e-",
                           "1e+-5",      "1e5.",
                           "1e5e5",      "1.5e",
                           "1.5e+",      "1234567e",
                           "1234567.e",  "12345678e",
                           "1.5f",       "1.5d",
                           "5%",         "1\xb0",
                           "\xb9",       "1\x80.5",
                           "12345.6x",   "-1234.5/",
                           "123456.:",   "1234567890.12345/",
                           "1e5x",       "1e\xb5",
                           "1.5e+0x",    "1..5e+06",
                           "-e+06",      ".e+06",
                           "-.e+06",     "1.5e++06",
                           "1.5e+06 ",   "1.5f+06",
                           "1 5e+06",    "12345.6.e+06",
                           "1.5e+0\xb6", "1.5\xe5+06",
                           "1.5e+06e+06"}) {
    EXPECT_EQ(ParseFiniteDouble(text, &v), ParseError::kSyntax) << Quoted(text);
    ExpectDoubleAgreesWithReference(text);
  }
  // A NUL byte inside the text is a non-digit like any other.
  for (size_t length = 1; length <= 20; ++length) {
    for (size_t at = 0; at < length; ++at) {
      std::string text(length, '7');
      if (length > 2) text[length / 2] = '.';
      text[at] = '\0';
      EXPECT_EQ(ParseFiniteDouble(text, &v), ParseError::kSyntax) << length << " at " << at;
    }
  }
  for (const char* text : {"1e309", "-1e309", "1e-400", "-1e-400", "99999999e999", "1e99999999999",
                           "0.00000001e-320", "1.8e308"}) {
    EXPECT_EQ(ParseFiniteDouble(text, &v), ParseError::kOutOfRange) << Quoted(text);
  }
}

// The text's bytes only: the bytes after it (digits, exponents, which would change the
// value) and before it do not count, and reading past either end would crash.
TEST(ParseFiniteDoubleTest, ReadsOnlyTheTextsBytes) {
  std::mt19937_64 rng(37);
  for (int length = 1; length <= 25; ++length) {
    for (int i = 0; i < 200; ++i) {
      std::string text = RandomDecimal(rng, length);
      if (rng() % 4 == 0) text[rng() % length] = RandomNumberishByte(rng);
      double expected = -1;
      const ParseError expected_error = ReferenceParseFiniteDouble(text, &expected);
      std::string after = RandomDigits(rng, 24);
      if (rng() % 2) after[rng() % 8] = "e.-E+"[rng() % 5];
      const std::string buffer = "12345678" + text + after;
      double got = -1;
      ASSERT_EQ(ParseFiniteDouble(absl::string_view(buffer).substr(8, length), &got),
                expected_error)
          << Quoted(text);
      if (expected_error == ParseError::kOk) {
        ASSERT_EQ(Bits(got), Bits(expected)) << Quoted(text);
      }
      AtPageEdges(text, [&](absl::string_view at_edge) {
        double v = -1;
        ASSERT_EQ(ParseFiniteDouble(at_edge, &v), expected_error) << Quoted(text);
        if (expected_error == ParseError::kOk) {
          ASSERT_EQ(Bits(v), Bits(expected)) << Quoted(text);
        }
      });
    }
  }
}

TEST(ParseBooleanTest, AcceptsTrueAndFalseInAnyCaseOnly) {
  bool v;
  EXPECT_EQ(ParseBoolean("TrUe", &v), ParseError::kOk);
  EXPECT_TRUE(v);
  EXPECT_EQ(ParseBoolean("FALSE", &v), ParseError::kOk);
  EXPECT_FALSE(v);
  for (const char* bad : {"1", "0", "yes", "t", "", "true "}) {
    EXPECT_EQ(ParseBoolean(bad, &v), ParseError::kSyntax) << bad;
  }
}

}  // namespace
}  // namespace tsw::model
