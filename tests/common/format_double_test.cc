// FormatDouble (engine/common/json_writer.h), the one function tsw prints doubles with:
// parsing what it prints gives back the same bits, for every kind of finite double.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "engine/common/json_writer.h"
#include "gtest/gtest.h"

namespace tsw::json {
namespace {

uint64_t Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

double FromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

// Empty when `value` reads back exactly from its printed form (by std::from_chars and by
// strtod), else what went wrong.
std::string RoundTripProblem(double value) {
  const std::string text = FormatDouble(value);
  double parsed = 0;
  std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return "from_chars cannot read \"" + text + "\"";
  }
  if (Bits(parsed) != Bits(value)) return "from_chars reads \"" + text + "\" as another double";
  if (Bits(std::strtod(text.c_str(), nullptr)) != Bits(value)) {
    return "strtod reads \"" + text + "\" as another double";
  }
  return "";
}

TEST(FormatDoubleTest, RandomBitPatternsOfFiniteDoublesReadBackExactly) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    int checked = 0;
    while (checked < 50000) {
      const double value = FromBits(rng());
      if (!std::isfinite(value)) continue;
      ++checked;
      const std::string problem = RoundTripProblem(value);
      ASSERT_EQ(problem, "") << "seed " << seed << ", bits " << Bits(value);
    }
  }
}

// Values like sensors write: a few decimals, over many magnitudes. A third or so of these
// need more than six significant digits, which absl::StrCat's %g-style output loses.
TEST(FormatDoubleTest, RandomDecimalValuesReadBackExactly) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int i = 0; i < 200000; ++i) {
    const double value = unit(rng) * std::pow(10.0, static_cast<int>(rng() % 40) - 20);
    ASSERT_EQ(RoundTripProblem(value), "") << i;
  }
}

TEST(FormatDoubleTest, EdgeCasesReadBackExactly) {
  const double kEdges[] = {
      0.0,
      -0.0,
      5e-324,  // The smallest subnormal.
      -5e-324,
      2.2250738585072009e-308,             // The largest subnormal.
      std::numeric_limits<double>::min(),  // The smallest normal.
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::lowest(),
      std::numeric_limits<double>::epsilon(),
      1e21,
      1e22,
      1e23,                 // Not exactly representable.
      9007199254740993.0,   // 2^53 + 1: rounds to 2^53.
      9007199254740994.0,   // 2^53 + 2: an integer above 2^53.
      18014398509481988.0,  // 2^54 + 4.
      123456789012345680000.0,
      0.1,
      0.30000000000000004,
      1.0000000000000002,
      21.799999999999997,
      -1234.5678901234567,
  };
  for (double value : kEdges) EXPECT_EQ(RoundTripProblem(value), "") << value;
  // Exact forms for a few, so a change of style is a decision, not an accident.
  EXPECT_EQ(FormatDouble(-0.0), "-0");
  EXPECT_EQ(FormatDouble(5e-324), "5e-324");
  EXPECT_EQ(FormatDouble(1e21), "1e+21");
  EXPECT_EQ(FormatDouble(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(FormatDouble(21.5), "21.5");
  EXPECT_EQ(FormatDouble(9007199254740994.0), "9007199254740994");
}

TEST(FormatDoubleTest, JsonWriterWritesTheSameText) {
  for (double value : {0.30000000000000004, -0.0, 5e-324, 1e21, 21.5}) {
    JsonWriter w;
    w.Double(value);
    EXPECT_EQ(w.str(), FormatDouble(value));
  }
}

}  // namespace
}  // namespace tsw::json
