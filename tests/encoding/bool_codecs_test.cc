// Boolean columns and presence masks round-trip exactly under both bit codecs; an
// all-present mask costs a few bytes.
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

void ExpectRoundTrip(const std::vector<uint8_t>& values, const std::string& label) {
  SCOPED_TRACE(label);
  std::string column;
  ASSERT_TRUE(EncodeBools(values, &column).ok());
  std::vector<uint8_t> decoded;
  absl::Status status = DecodeBools(column, &decoded);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(decoded, values);
  column.clear();
  ASSERT_TRUE(EncodePresenceMask(values, &column).ok());
  status = DecodePresenceMask(column, &decoded);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(decoded, values);
  for (const RegisteredCodec<uint8_t>& r : RegisteredCodecs<uint8_t>()) {
    SCOPED_TRACE(r.codec->name);
    column.clear();
    EncodeOptions options;
    options.codec = r.codec->id;
    ASSERT_TRUE(EncodeBools(values, &column, options).ok());
    status = DecodeBools(column, &decoded);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(decoded, values);
  }
}

TEST(BoolCodecs, RoundTripEveryShapeAndLengthExactly) {
  std::mt19937_64 rng(8);
  for (size_t n : InterestingLengths()) {
    std::vector<uint8_t> random(n), runs(n), ones(n, 1), zeros(n, 0), alternating(n);
    uint8_t state = 0;
    for (size_t i = 0; i < n; ++i) {
      random[i] = rng() & 1;
      if (rng() % 50 == 0) state ^= 1;
      runs[i] = state;
      alternating[i] = i & 1;
    }
    ExpectRoundTrip(random, absl::StrCat("random ", n));
    ExpectRoundTrip(runs, absl::StrCat("runs ", n));
    ExpectRoundTrip(ones, absl::StrCat("ones ", n));
    ExpectRoundTrip(zeros, absl::StrCat("zeros ", n));
    ExpectRoundTrip(alternating, absl::StrCat("alternating ", n));
  }
}

TEST(BoolCodecs, AllPresentMaskCostsAFewBytes) {
  std::vector<uint8_t> present(1'000'000, 1);
  std::string column;
  ASSERT_TRUE(EncodePresenceMask(present, &column).ok());
  EXPECT_LE(column.size(), 8u);
  EXPECT_EQ(ReadColumnHeader(column)->codec, CodecId::kBoolRuns);
}

TEST(BoolCodecs, RandomBitsCostOneBitEach) {
  std::mt19937_64 rng(9);
  std::vector<uint8_t> values(80'000);
  for (auto& v : values) v = rng() & 1;
  std::string column;
  ASSERT_TRUE(EncodeBools(values, &column).ok());
  EXPECT_EQ(ReadColumnHeader(column)->codec, CodecId::kBoolBitmap);
  EXPECT_LE(column.size(), values.size() / 8 + 5);
}

TEST(BoolCodecs, ValuesOtherThanZeroOrOneAreRejected) {
  std::string column;
  absl::Status status = EncodeBools({0, 1, 2}, &column);
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
  EXPECT_NE(status.message().find("value 2 is 2"), absl::string_view::npos) << status;
  EXPECT_TRUE(column.empty());
}

}  // namespace
}  // namespace tsw::encoding
