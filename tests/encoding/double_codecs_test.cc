// Double columns round-trip bit for bit under every double codec (NaN payloads, -0.0,
// infinities, denormals, extremes), and few-decimal readings stay small.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

using testing::Bits;
using testing::DecimalWalk;
using testing::FromBits;
using testing::InterestingLengths;
using testing::SpecialDoubles;

void ExpectRoundTrip(const std::vector<double>& values, const std::string& label) {
  SCOPED_TRACE(label);
  std::string column;
  ASSERT_TRUE(EncodeDoubles(values, &column).ok());
  std::vector<double> decoded;
  absl::Status status = DecodeDoubles(column, &decoded);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Bits(decoded), Bits(values));
  for (const RegisteredCodec<double>& r : RegisteredCodecs<double>()) {
    SCOPED_TRACE(r.codec->name);
    column.clear();
    EncodeOptions options;
    options.codec = r.codec->id;
    status = EncodeDoubles(values, &column, options);
    ASSERT_TRUE(status.ok()) << status;
    status = DecodeDoubles(column, &decoded);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(Bits(decoded), Bits(values));
  }
}

std::vector<double> Shape(int shape, size_t n, std::mt19937_64& rng) {
  const std::vector<double> specials = SpecialDoubles();
  std::vector<double> v;
  switch (shape) {
    case 0:  // Random bit patterns: every NaN payload, denormal and sign.
      for (size_t i = 0; i < n; ++i) v.push_back(FromBits(rng()));
      return v;
    case 1:
      return DecimalWalk(rng, n, 1);
    case 2:
      return DecimalWalk(rng, n, 2, 1013.25);
    case 3:
      return DecimalWalk(rng, n, 3, -40.0);
    case 4:  // Special values only.
      for (size_t i = 0; i < n; ++i) v.push_back(specials[rng() % specials.size()]);
      return v;
    case 5: {  // Decimals sprinkled with special values (exceptions for ALP).
      v = DecimalWalk(rng, n, 2);
      for (size_t i = 0; i < n; ++i) {
        if (rng() % 10 == 0) v[i] = specials[rng() % specials.size()];
      }
      return v;
    }
    case 6:  // Full-precision smooth signal.
      for (size_t i = 0; i < n; ++i) v.push_back(std::sin(i * 0.01) * 1e3 + std::cos(i * 0.37));
      return v;
    case 7:  // A few repeating values.
      for (size_t i = 0; i < n; ++i) v.push_back(static_cast<double>(rng() % 3) * 0.5);
      return v;
    case 8:  // Large and tiny magnitudes with few digits.
      for (size_t i = 0; i < n; ++i) {
        v.push_back((rng() % 1000) * (i % 2 ? 1e20 : 1e-20));
      }
      return v;
    case 9:  // Integers held as doubles, near the ALP limit of 2^51 and past it.
      for (size_t i = 0; i < n; ++i) {
        v.push_back(
            static_cast<double>((int64_t{1} << 51) - 500 + static_cast<int64_t>(rng() % 1000)));
      }
      return v;
    case 10:  // Constant.
      return std::vector<double>(n, 21.5);
    default:  // Negative zeros among zeros (ALP must not merge them).
      for (size_t i = 0; i < n; ++i) v.push_back(rng() % 2 ? 0.0 : -0.0);
      return v;
  }
}

TEST(DoubleCodecs, RoundTripEveryShapeAndLengthBitForBit) {
  std::mt19937_64 rng(99);
  for (int shape = 0; shape <= 11; ++shape) {
    for (size_t n : InterestingLengths()) {
      ExpectRoundTrip(Shape(shape, n, rng), absl::StrCat("shape ", shape, " n ", n));
    }
  }
}

TEST(DoubleCodecs, RoundTripRandomMixturesOverManySeeds) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<double> values;
    const size_t pieces = 1 + rng() % 5;
    for (size_t p = 0; p < pieces; ++p) {
      std::vector<double> piece = Shape(static_cast<int>(rng() % 12), rng() % 1500, rng);
      values.insert(values.end(), piece.begin(), piece.end());
    }
    ExpectRoundTrip(values, absl::StrCat("seed ", seed));
  }
}

TEST(DoubleCodecs, RoundTripEverySpecialValueAlone) {
  for (double v : SpecialDoubles()) {
    ExpectRoundTrip({v}, absl::StrCat("special ", std::bit_cast<uint64_t>(v)));
    ExpectRoundTrip(std::vector<double>(300, v), absl::StrCat("run of ", v));
  }
  ExpectRoundTrip({}, "empty");
}

TEST(DoubleCodecs, RoundTripDecimalsWithManyDigits) {
  // Up to 18 decimals, where ALP's exponents run out and exceptions take over.
  std::mt19937_64 rng(5);
  for (int decimals = 0; decimals <= 18; ++decimals) {
    ExpectRoundTrip(DecimalWalk(rng, 3000, decimals, 0.5), absl::StrCat(decimals, " decimals"));
  }
}

double BytesPerValue(const std::vector<double>& values, CodecId* chosen) {
  std::string column;
  EXPECT_TRUE(EncodeDoubles(values, &column).ok());
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  EXPECT_TRUE(header.ok());
  *chosen = header->codec;
  return static_cast<double>(column.size()) / values.size();
}

TEST(DoubleCodecs, FewDecimalReadingsCostWellUnderGorilla) {
  std::mt19937_64 rng(1);
  for (int decimals = 1; decimals <= 3; ++decimals) {
    std::vector<double> values = DecimalWalk(rng, 100'000, decimals);
    CodecId chosen;
    double chosen_bytes = BytesPerValue(values, &chosen);
    std::string gorilla;
    EncodeOptions options;
    options.codec = CodecId::kDoubleGorilla;
    ASSERT_TRUE(EncodeDoubles(values, &gorilla, options).ok());
    SCOPED_TRACE(absl::StrCat(decimals, " decimals: ", chosen_bytes, " bytes/value with ",
                              CodecName(chosen), ", gorilla ", gorilla.size() / 1e5));
    EXPECT_EQ(chosen, CodecId::kDoubleAlp);
    EXPECT_LT(chosen_bytes, 1.0);
    EXPECT_LT(chosen_bytes * 3, static_cast<double>(gorilla.size()) / values.size());
  }
}

TEST(DoubleCodecs, RandomBitsFallBackToPlain) {
  std::mt19937_64 rng(2);
  std::vector<double> values(20'000);
  for (double& v : values) v = FromBits(rng());
  CodecId chosen;
  double bytes = BytesPerValue(values, &chosen);
  EXPECT_EQ(chosen, CodecId::kDoublePlain);
  EXPECT_LT(bytes, 8.01);
}

TEST(DoubleCodecs, RepeatingValuesCostAFewBits) {
  std::mt19937_64 rng(3);
  std::vector<double> values(50'000);
  for (double& v : values) v = (rng() % 4) * 0.25;
  CodecId chosen;
  EXPECT_LT(BytesPerValue(values, &chosen), 0.5);
}

TEST(DoubleCodecs, FullPrecisionSignalsStayUnderPlainSize) {
  std::vector<double> values(50'000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(i * 0.001) * 100.0;
  CodecId chosen;
  EXPECT_LT(BytesPerValue(values, &chosen), 8.0);
}

}  // namespace
}  // namespace tsw::encoding
