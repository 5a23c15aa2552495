// The exact parsers: integers with overflow checks, doubles correctly rounded whichever
// path parses them.
#include "engine/ingest/value_parse.h"

#include <charconv>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/ingest/coding.h"
#include "gtest/gtest.h"

namespace tsw::ingest {
namespace {

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
  EXPECT_EQ(ParseInt64("1700000000123", &v), ParseError::kOk);  // 8 digits at once, then 5.
  EXPECT_EQ(v, 1700000000123);
  EXPECT_EQ(ParseInt64("-123456789012345678", &v), ParseError::kOk);
  EXPECT_EQ(v, -123456789012345678);
  for (const char* bad : {"", "-", "+", "1.0", "1e3", " 1", "1 ", "0x1", "99999999999999999999x",
                          "1234567x", "12345678x", "1234567:90", "12345/789", "1234567 8901"}) {
    EXPECT_EQ(ParseInt64(bad, &v), ParseError::kSyntax) << bad;
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
  for (int i = 0; i < 20000; ++i) {
    std::string t = std::to_string(1700000000000LL + static_cast<int64_t>(rng() % 5000));
    if (rng() % 50 == 0) t[rng() % t.size()] = "x-:0"[rng() % 4];
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

TEST(SameBytesTest, FindsADifferenceAtEveryPositionOfEveryLength) {
  for (size_t n = 0; n <= 40; ++n) {
    const std::string a(n, 'x');
    std::string b = a;
    EXPECT_TRUE(SameBytes(a, b)) << n;
    for (size_t i = 0; i < n; ++i) {
      b[i] = 'y';
      EXPECT_FALSE(SameBytes(a, b)) << n << " at " << i;
      b[i] = 'x';
    }
    EXPECT_FALSE(SameBytes(a, a + "x")) << n;
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
}  // namespace tsw::ingest
