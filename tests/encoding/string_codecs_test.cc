// String columns round-trip exactly under both string codecs; low-cardinality columns
// pick the dictionary and high-cardinality ones fall back to plain.
#include <cstdint>
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

using testing::InterestingLengths;

void ExpectRoundTrip(const std::vector<std::string>& values, const std::string& label) {
  SCOPED_TRACE(label);
  std::string column;
  ASSERT_TRUE(EncodeStrings(values, &column).ok());
  std::vector<std::string> decoded;
  absl::Status status = DecodeStrings(column, &decoded);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(decoded, values);
  for (const RegisteredCodec<absl::string_view>& r : RegisteredCodecs<absl::string_view>()) {
    SCOPED_TRACE(r.codec->name);
    column.clear();
    EncodeOptions options;
    options.codec = r.codec->id;
    status = EncodeStrings(values, &column, options);
    ASSERT_TRUE(status.ok()) << status;
    status = DecodeStrings(column, &decoded);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(decoded, values);
  }
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<std::string> Shape(int shape, size_t n, std::mt19937_64& rng) {
  const std::vector<std::string> statuses = {"OK", "WARN", "ERROR", "OFFLINE", ""};
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) {
    switch (shape) {
      case 0:
        v.push_back(statuses[rng() % statuses.size()]);
        break;
      case 1:  // Unique ids.
        v.push_back(absl::StrCat("device-", rng()));
        break;
      case 2:  // Binary, including NUL bytes, of varied lengths.
        v.push_back(RandomBytes(rng, rng() % 40));
        break;
      case 3:  // Empty strings only.
        v.push_back("");
        break;
      case 4:  // A few long values (Timestream allows 2 KB).
        v.push_back(std::string(2048, static_cast<char>('a' + rng() % 3)));
        break;
      default:  // Constant.
        v.push_back("us-east-1");
        break;
    }
  }
  return v;
}

TEST(StringCodecs, RoundTripEveryShapeAndLengthExactly) {
  std::mt19937_64 rng(17);
  for (int shape = 0; shape <= 5; ++shape) {
    for (size_t n : InterestingLengths()) {
      if (shape == 4 && n > 1100) continue;  // Keep the test quick.
      ExpectRoundTrip(Shape(shape, n, rng), absl::StrCat("shape ", shape, " n ", n));
    }
  }
}

TEST(StringCodecs, RoundTripRandomMixturesOverManySeeds) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> values;
    for (size_t p = 0, pieces = 1 + rng() % 4; p < pieces; ++p) {
      std::vector<std::string> piece = Shape(static_cast<int>(rng() % 6), rng() % 600, rng);
      values.insert(values.end(), piece.begin(), piece.end());
    }
    ExpectRoundTrip(values, absl::StrCat("seed ", seed));
  }
}

TEST(StringCodecs, StringViewAndStringOverloadsAgree) {
  std::vector<std::string> values = {"a", "bb", "a", ""};
  std::vector<absl::string_view> views(values.begin(), values.end());
  std::string from_strings, from_views;
  ASSERT_TRUE(EncodeStrings(values, &from_strings).ok());
  ASSERT_TRUE(EncodeStrings(absl::MakeConstSpan(views), &from_views).ok());
  EXPECT_EQ(from_strings, from_views);
}

TEST(StringCodecs, StatusStringsUseTheDictionaryAtUnderAByte) {
  std::mt19937_64 rng(4);
  std::vector<std::string> values = Shape(0, 100'000, rng);
  std::string column;
  ASSERT_TRUE(EncodeStrings(values, &column).ok());
  EXPECT_EQ(ReadColumnHeader(column)->codec, CodecId::kStringDictionary);
  EXPECT_LT(static_cast<double>(column.size()) / values.size(), 0.5);
}

TEST(StringCodecs, UniqueIdsFallBackToPlain) {
  std::mt19937_64 rng(4);
  std::vector<std::string> values = Shape(1, 20'000, rng);
  std::string column;
  ASSERT_TRUE(EncodeStrings(values, &column).ok());
  EXPECT_EQ(ReadColumnHeader(column)->codec, CodecId::kStringPlain);
}

TEST(StringCodecs, ConstantColumnIsNearlyFree) {
  std::vector<std::string> values(1'000'000, "us-east-1");
  std::string column;
  ASSERT_TRUE(EncodeStrings(values, &column).ok());
  EXPECT_LT(static_cast<double>(column.size()) / values.size(), 0.02);
}

}  // namespace
}  // namespace tsw::encoding
