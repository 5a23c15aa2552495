// Generators and comparison helpers shared by the codec tests. All randomness is seeded.
#ifndef TSW_TESTS_ENCODING_CODEC_TEST_UTIL_H_
#define TSW_TESTS_ENCODING_CODEC_TEST_UTIL_H_

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tsw::encoding::testing {

// Column lengths around every boundary the codecs have (packed blocks of 128, ALP vectors
// of 1024, bitmap bytes of 8, the analysis sample of 8192).
inline std::vector<size_t> InterestingLengths() {
  return {0, 1, 2, 3, 7, 8, 9, 127, 128, 129, 255, 256, 1023, 1024, 1025, 2049, 8192, 9001};
}

// The bits of each double, so comparisons are exact for NaN payloads and -0.0.
inline std::vector<uint64_t> Bits(const std::vector<double>& values) {
  std::vector<uint64_t> bits;
  bits.reserve(values.size());
  for (double v : values) bits.push_back(std::bit_cast<uint64_t>(v));
  return bits;
}

inline double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

// The double special values, with NaNs carrying distinct payloads and signs.
inline std::vector<double> SpecialDoubles() {
  return {0.0,
          -0.0,
          std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(),
          FromBits(0x7ff8000000000000ull),  // Quiet NaN.
          FromBits(0xfff8000000000000ull),  // Negative quiet NaN.
          FromBits(0x7ff0000000000001ull),  // Signalling NaN, payload 1.
          FromBits(0x7ff4000000dead01ull),  // Signalling NaN with a payload.
          FromBits(0xfffffffffffffffful),   // All ones NaN.
          std::numeric_limits<double>::denorm_min(),
          -std::numeric_limits<double>::denorm_min(),
          FromBits(0x000fffffffffffffull),  // Largest denormal.
          std::numeric_limits<double>::min(),
          std::numeric_limits<double>::max(),
          std::numeric_limits<double>::lowest(),
          std::numeric_limits<double>::epsilon(),
          1.0,
          -1.0,
          0.1,
          9007199254740993.0,  // 2^53 + 1 (rounds to 2^53).
          2251799813685248.0,  // 2^51, the ALP integer limit.
          -2251799813685247.5,
          1e300,
          1e-300};
}

// A random walk with `decimals` decimal places, like a sensor reading.
inline std::vector<double> DecimalWalk(std::mt19937_64& rng, size_t n, int decimals,
                                       double start = 20.0) {
  const double scale = std::pow(10.0, decimals);
  std::uniform_int_distribution<int> step(-3, 3);
  std::vector<double> out;
  int64_t units = static_cast<int64_t>(std::llround(start * scale));
  for (size_t i = 0; i < n; ++i) {
    units += step(rng);
    out.push_back(static_cast<double>(units) / scale);
  }
  return out;
}

}  // namespace tsw::encoding::testing

#endif  // TSW_TESTS_ENCODING_CODEC_TEST_UTIL_H_
