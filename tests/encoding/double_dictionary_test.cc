// Double dictionary (codec 0x15): repeated values round-trip bit for bit (NaN payloads and
// -0.0 stay distinct entries), cost about their code width, and malformed payloads, a
// nested dictionary among them, are rejected with InternalServerException.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/packed_ints.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

using testing::Bits;
using testing::FromBits;
using testing::SpecialDoubles;

std::string EncodeWith(const std::vector<double>& values, CodecId id) {
  std::string column;
  EncodeOptions options;
  options.codec = id;
  EXPECT_TRUE(EncodeDoubles(values, &column, options).ok());
  return column;
}

TEST(DoubleDictionary, RoundTripsRepeatedSpecialsBitForBit) {
  std::mt19937_64 rng(21);
  const std::vector<double> specials = SpecialDoubles();
  std::vector<double> v(5000);
  for (double& x : v) x = specials[rng() % specials.size()];
  std::vector<double> back;
  ASSERT_TRUE(DecodeDoubles(EncodeWith(v, CodecId::kDoubleDictionary), &back).ok());
  EXPECT_EQ(Bits(back), Bits(v));
}

TEST(DoubleDictionary, RepeatedHighPrecisionReadingsCostAboutTheirCodeWidth) {
  // 200 distinct float-precision readings: ALP needs their many digits, codes need 8 bits.
  std::mt19937_64 rng(22);
  std::uniform_real_distribution<float> d(0.0f, 40.0f);
  std::vector<double> levels(200);
  for (double& x : levels) x = static_cast<double>(d(rng));
  std::vector<double> v(4096);
  for (double& x : v) x = levels[rng() % levels.size()];
  std::string chosen;
  ASSERT_TRUE(EncodeDoubles(v, &chosen).ok());
  EXPECT_EQ(ReadColumnHeader(chosen)->codec, CodecId::kDoubleDictionary);
  EXPECT_LT(chosen.size() * 8.0 / v.size(), 12.0);
  EXPECT_LT(chosen.size() * 2, EncodeWith(v, CodecId::kDoubleAlp).size());
}

// A dictionary column of `count` values whose entries column is `entries` and whose codes
// are all `code` (one PackedInts block of width 0: min as svarint, then a zero width byte).
std::string HandMade(uint64_t count, const std::string& entries, int64_t code) {
  std::string c(1, static_cast<char>(CodecId::kDoubleDictionary));
  PutVarint64(&c, count);
  PutVarint64(&c, entries.size());
  c += entries;
  std::vector<int64_t> codes(count, code);
  EncodePackedInts(codes, &c);
  return c;
}

void ExpectCorrupt(const std::string& column, const std::string& what) {
  std::vector<double> out;
  const absl::Status status = DecodeDoubles(column, &out);
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << what << ": " << status;
  EXPECT_TRUE(out.empty()) << what;
}

TEST(DoubleDictionary, RejectsMalformedPayloads) {
  const std::string entries = EncodeWith({1.5, 2.5}, CodecId::kDoublePlain);
  std::vector<double> out;
  ASSERT_TRUE(DecodeDoubles(HandMade(3, entries, 1), &out).ok());
  EXPECT_EQ(out, (std::vector<double>{2.5, 2.5, 2.5}));
  ExpectCorrupt(HandMade(3, entries, 2), "a code beyond the entries");
  ExpectCorrupt(HandMade(3, entries, -1), "a negative code");
  ExpectCorrupt(HandMade(1, entries, 0), "more entries than values");
  ExpectCorrupt(HandMade(3, EncodeWith({1.5, 2.5}, CodecId::kDoubleDictionary), 0),
                "a dictionary nested in a dictionary");
  ExpectCorrupt(HandMade(3, EncodeWith({1.5, 2.5}, CodecId::kDoubleGorilla), 0),
                "entries in a codec the format does not allow");
  ExpectCorrupt(HandMade(3, entries.substr(0, entries.size() - 1), 0), "truncated entries");
  ExpectCorrupt(HandMade(3, entries, 0) + "x", "a trailing byte");
}

}  // namespace
}  // namespace tsw::encoding
