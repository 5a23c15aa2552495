// Double codes (codec 0x16): codes into a dictionary the caller holds round-trip to its
// entries; without a dictionary, with a code beyond it, or with a negative code, encoding
// or decoding fails with InternalServerException; and the chooser never picks the codec.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

using testing::Bits;

TEST(DoubleCodes, DecodeToTheEntriesTheyName) {
  const std::vector<double> dictionary = {-1.5, -0.0, 0.0, 2.25};
  const std::vector<int64_t> codes = {3, 0, 0, 1, 2, 3, 3, 1};
  std::string column;
  ASSERT_TRUE(EncodeDoubleCodes(codes, &column).ok());
  EXPECT_EQ(ReadColumnHeader(column)->codec, CodecId::kDoubleCodes);
  EXPECT_EQ(CodecName(CodecId::kDoubleCodes), "double_codes");
  std::vector<double> back;
  ASSERT_TRUE(DecodeDoubles(column, &dictionary, &back).ok());
  std::vector<double> expected;
  for (int64_t c : codes) expected.push_back(dictionary[c]);
  EXPECT_EQ(Bits(back), Bits(expected));
}

TEST(DoubleCodes, OtherColumnsDecodeAsAlwaysWithOrWithoutADictionary) {
  const std::vector<double> values = {1.5, 2.5, 1.5};
  std::string column;
  ASSERT_TRUE(EncodeDoubles(values, &column).ok());
  const std::vector<double> dictionary = {7.0};
  std::vector<double> back;
  ASSERT_TRUE(DecodeDoubles(column, &dictionary, &back).ok());
  EXPECT_EQ(Bits(back), Bits(values));
  ASSERT_TRUE(DecodeDoubles(column, nullptr, &back).ok());
  EXPECT_EQ(Bits(back), Bits(values));
}

TEST(DoubleCodes, FailWithoutTheirDictionaryOrBeyondIt) {
  std::string column;
  ASSERT_TRUE(EncodeDoubleCodes({0, 1, 2}, &column).ok());
  std::vector<double> back;
  absl::Status alone = DecodeDoubles(column, &back);
  EXPECT_EQ(KindOf(alone), ErrorKind::kInternalServer) << alone;
  absl::Status none = DecodeDoubles(column, nullptr, &back);
  EXPECT_EQ(KindOf(none), ErrorKind::kInternalServer) << none;
  const std::vector<double> small = {1.0, 2.0};
  absl::Status beyond = DecodeDoubles(column, &small, &back);
  EXPECT_EQ(KindOf(beyond), ErrorKind::kInternalServer) << beyond;
  EXPECT_TRUE(back.empty());
  std::string truncated = column.substr(0, column.size() - 1);
  const std::vector<double> enough = {1.0, 2.0, 3.0};
  EXPECT_FALSE(DecodeDoubles(truncated, &enough, &back).ok());
  EXPECT_FALSE(EncodeDoubleCodes({0, -1}, &column).ok());
}

TEST(DoubleCodes, AreNeverChosen) {
  std::vector<double> values(5000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 3);
  for (int level : {0, 3}) {
    std::string column;
    EncodeOptions options;
    options.zstd_level = level;
    ASSERT_TRUE(EncodeDoubles(values, &column, options).ok());
    EXPECT_NE(ReadColumnHeader(column)->codec, CodecId::kDoubleCodes);
  }
}

}  // namespace
}  // namespace tsw::encoding
