// WriteDoubleText: DOUBLE values as forwarded text parse back to the same bits, and the
// fast path for whole hundredths spells them as std::to_chars does.
#include "engine/forward/record_builder.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/common/decimal_code.h"
#include "gtest/gtest.h"
#include "tests/forward/reference_request.h"

namespace tsw::forward {
namespace {

std::string Text(double d) {
  char buf[32];
  return std::string(buf, WriteDoubleText(d, buf));
}

std::string ToChars(double d) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
}

// The text parses back to exactly `d`'s bits.
void ExpectRoundTrip(double d) {
  const std::string text = Text(d);
  double back = 0;
  const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), back);
  ASSERT_EQ(r.ptr, text.data() + text.size()) << text;
  ASSERT_EQ(std::memcmp(&back, &d, sizeof d), 0) << text << " for " << ToChars(d);
}

TEST(WriteDoubleTextTest, WholeHundredthsAreWrittenAsToCharsWritesThem) {
  for (const double d : {0.0, 1.0, -1.0, 0.5, 0.25, 0.1, 0.01, 0.05, 0.99, 12.3, 123.25, -42.07,
                         99999.99, 4096.0, 1.1, 2.2, 0.3}) {
    EXPECT_EQ(Text(d), ToChars(d)) << d;
    ExpectRoundTrip(d);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const int64_t k = static_cast<int64_t>(rng() % 20000000) - 10000000;  // |d| < 1e5.
    const double d = static_cast<double>(k) / 100;
    ASSERT_EQ(Text(d), ToChars(d)) << k;
  }
}

TEST(WriteDoubleTextTest, EveryValueParsesBackToTheSameBits) {
  for (const double d :
       {-0.0, 1e300, -1e-300, 5e-324, 0x1p40, 0x1p40 - 0.01, 1099511627775.99, 123456789.12,
        100000.0, 0.015, 1.0 / 3, -2.675, std::numeric_limits<double>::max(),
        std::numeric_limits<double>::min(), std::numeric_limits<double>::infinity()}) {
    if (std::isinf(d)) continue;  // Never logged: ingest refuses it.
    ExpectRoundTrip(d);
  }
  EXPECT_EQ(Text(-0.0), "-0");
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    ExpectRoundTrip(d);
    // And values near whole hundredths of every magnitude the fast path takes.
    const double near = std::ldexp(static_cast<double>(rng() % 1000000) / 100, rng() % 24);
    ExpectRoundTrip(near);
    ExpectRoundTrip(std::nextafter(near, 0.0));
    ExpectRoundTrip(-near);
  }
}

// WriteDecimalCodeText spells every code's double as WriteDoubleText does: codes of up
// to 14 fraction digits, with trailing zeros, zero and -0.0, both signs; and a value
// without a code (kNoDecimal) by its bits.
TEST(WriteDecimalCodeTextTest, EveryCodeIsWrittenAsWriteDoubleTextWritesItsDouble) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint64_t m = rng() % 4 == 0 ? rng() % 1000 : rng() % (uint64_t{1} << 27);
    for (uint64_t z = rng() % 4; z > 0 && m * 10 < (uint64_t{1} << 27); --z) m *= 10;
    const uint32_t code =
        PackDecimal(m, static_cast<uint32_t>(rng() % (kMaxDecimalFraction + 1)), rng() % 2 == 0);
    const uint64_t bits = DecimalBits(code);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    char buf[32];
    ASSERT_EQ(std::string(buf, WriteDecimalCodeText(code, bits, buf)), Text(d)) << code;
  }
  const double d = 1.0 / 3;
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof d);
  char buf[32];
  EXPECT_EQ(std::string(buf, WriteDecimalCodeText(kNoDecimal, bits, buf)), Text(d));
}

// Digits written from the code itself: every digit count's first and last value (1 to 9
// digits, up to the largest code digits, 2^27 - 1), as whole numbers and with one or two
// fraction digits, both signs.
TEST(WriteDecimalCodeTextTest, EveryDigitCountIsWrittenAsWriteDoubleTextWritesIt) {
  std::vector<uint64_t> digits = {1, (uint64_t{1} << 27) - 1};
  for (uint64_t p = 10; p <= 100000000; p *= 10) {
    digits.push_back(p - 1);
    digits.push_back(p);
    digits.push_back(p + 1);
  }
  for (uint64_t m : digits) {
    for (uint32_t f = 0; f <= 2; ++f) {
      for (bool negative : {false, true}) {
        const uint32_t code = PackDecimal(m, f, negative);
        const uint64_t bits = DecimalBits(code);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        char buf[32];
        ASSERT_EQ(std::string(buf, WriteDecimalCodeText(code, bits, buf)), Text(d))
            << m << " " << f << " " << negative;
      }
    }
  }
}

}  // namespace
}  // namespace tsw::forward
