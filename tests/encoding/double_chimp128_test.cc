// Chimp128's decoder reads most of a column with unchecked 64-bit loads and its last bytes
// through the bounds-checked BitReader. Both must decode exactly what the plain BitReader
// loop decodes (the reference below, the codec's format spelled field by field) and reject
// exactly what it rejects, wherever a column is damaged.
#include "engine/encoding/double_chimp128.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_stream.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"

namespace tsw::encoding {
namespace {

// The format (FORMAT.md, "0x12 Double Chimp128"), read one field at a time: true and the
// values when the payload holds exactly `count` values, false otherwise.
bool ReferenceDecode(absl::string_view payload, size_t count, std::vector<double>* out) {
  constexpr int kLeadSteps[8] = {0, 8, 12, 16, 18, 20, 22, 24};
  out->clear();
  if (count == 0) return payload.empty();
  if (payload.size() < 8 || count - 1 > (payload.size() - 8) * 4) return false;
  uint64_t ring[128];
  BitReader r(payload);
  ring[0] = r.Read(64);
  out->push_back(std::bit_cast<double>(ring[0]));
  int stored_lead = -1;
  for (uint64_t i = 1; i < count; ++i) {
    const uint64_t control = r.Read(2);
    uint64_t v;
    if (control <= 1) {
      const uint64_t slot = r.Read(7);
      if (i <= slot) return false;
      v = ring[slot];
      if (control == 1) {
        const int lead = kLeadSteps[r.Read(3)];
        const int significant = static_cast<int>(r.Read(6));
        if (significant == 0 || lead + significant > 64) return false;
        v ^= r.Read(significant) << (64 - lead - significant);
      }
      stored_lead = -1;
    } else {
      if (control == 3) {
        stored_lead = kLeadSteps[r.Read(3)];
      } else if (stored_lead < 0) {
        return false;
      }
      v = ring[(i - 1) % 128] ^ r.Read(64 - stored_lead);
    }
    if (r.overrun()) return false;
    ring[i % 128] = v;
    out->push_back(std::bit_cast<double>(v));
  }
  return r.AtPaddedEnd();
}

// A Chimp128 column of `values` and the offset of its payload.
std::string Encode(const std::vector<double>& values, size_t* payload_offset) {
  std::string column;
  EncodeOptions options;
  options.codec = CodecId::kDoubleChimp128;
  EXPECT_TRUE(EncodeDoubles(values, &column, options).ok());
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  EXPECT_TRUE(header.ok());
  *payload_offset = header->header_bytes;
  return column;
}

// Decodes `column` with the codec and with the reference; both must agree.
void ExpectSameAsReference(const std::string& column, size_t payload_offset, size_t count,
                           const std::string& label) {
  std::vector<double> mine, reference;
  const absl::Status status = DecodeDoubles(column, &mine);
  const bool ok =
      ReferenceDecode(absl::string_view(column).substr(payload_offset), count, &reference);
  ASSERT_EQ(status.ok(), ok) << label << ": " << status;
  if (ok) {
    EXPECT_EQ(testing::Bits(mine), testing::Bits(reference)) << label;
  }
}

// Random walks with the step sizes of the query benchmark's fields: every control code
// (repeats, indexed references, reused and new leads) and long columns.
std::vector<double> Walk(std::mt19937_64& rng, size_t n) {
  std::normal_distribution<double> step(0, 1);
  std::vector<double> v;
  double x = 50;
  for (size_t i = 0; i < n; ++i) {
    if (rng() % 7 == 0 && !v.empty()) {
      v.push_back(v[rng() % v.size()]);  // A repeat of some earlier value.
      continue;
    }
    x = std::clamp(x + step(rng), 0.0, 100.0);
    v.push_back(rng() % 5 == 0 ? std::round(x) : x);
  }
  return v;
}

TEST(DoubleChimp128, DecodesEveryLengthLikeTheReference) {
  std::mt19937_64 rng(5);
  for (size_t n : testing::InterestingLengths()) {
    const std::vector<double> values = Walk(rng, n);
    size_t offset = 0;
    const std::string column = Encode(values, &offset);
    std::vector<double> decoded;
    ASSERT_TRUE(DecodeDoubles(column, &decoded).ok()) << n;
    EXPECT_EQ(testing::Bits(decoded), testing::Bits(values)) << n;
    ExpectSameAsReference(column, offset, n, absl::StrCat("n ", n));
  }
}

TEST(DoubleChimp128, EveryFlippedBitDecodesOrFailsLikeTheReference) {
  std::mt19937_64 rng(6);
  const std::vector<double> values = Walk(rng, 300);
  size_t offset = 0;
  const std::string column = Encode(values, &offset);
  for (size_t bit = offset * 8; bit < column.size() * 8; ++bit) {
    std::string damaged = column;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    ExpectSameAsReference(damaged, offset, values.size(), absl::StrCat("bit ", bit));
    if (HasFailure()) return;
  }
}

TEST(DoubleChimp128, EveryTruncationFailsLikeTheReference) {
  std::mt19937_64 rng(7);
  const std::vector<double> values = Walk(rng, 200);
  size_t offset = 0;
  const std::string column = Encode(values, &offset);
  for (size_t size = offset; size < column.size(); ++size) {
    ExpectSameAsReference(column.substr(0, size), offset, values.size(),
                          absl::StrCat("size ", size));
    if (HasFailure()) return;
  }
}

// A prefix decode (a filtered segment read that needs rows up to its last kept row only)
// gives exactly the first values of a whole decode, whatever the codec; Chimp128 through
// its own decoder, which stops there.
TEST(DoubleChimp128, EveryPrefixIsTheStartOfTheWholeColumn) {
  std::mt19937_64 rng(11);
  for (size_t n : {size_t{1}, size_t{2}, size_t{17}, size_t{130}, size_t{1000}}) {
    const std::vector<double> values = Walk(rng, n);
    for (CodecId codec : {CodecId::kDoubleChimp128, CodecId::kDoubleGorilla, CodecId::kDoubleAlpRd,
                          CodecId::kDoublePlain}) {
      std::string column;
      EncodeOptions options;
      options.codec = codec;
      ASSERT_TRUE(EncodeDoubles(values, &column, options).ok());
      absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
      ASSERT_TRUE(header.ok());
      for (size_t prefix = 0; prefix <= n; prefix += (prefix < 140 ? 1 : 97)) {
        std::vector<double> got;
        ASSERT_TRUE(DecodeDoublesPrefix(column, nullptr, prefix, &got).ok()) << n << " " << prefix;
        const std::vector<double> want(values.begin(), values.begin() + prefix);
        EXPECT_EQ(testing::Bits(got), testing::Bits(want)) << n << " " << prefix;
        if (codec != CodecId::kDoubleChimp128) continue;
        std::vector<double> direct;
        ASSERT_TRUE(DecodeChimp128Prefix(absl::string_view(column).substr(header->header_bytes), n,
                                         prefix, &direct)
                        .ok());
        EXPECT_EQ(testing::Bits(direct), testing::Bits(want)) << n << " " << prefix;
      }
      std::vector<double> got = {1.0};
      EXPECT_FALSE(DecodeDoublesPrefix(column, nullptr, n + 1, &got).ok()) << n;
      EXPECT_TRUE(got.empty());
    }
  }
}

// A prefix decode checks the values it decodes as a whole decode does: a column damaged
// inside the prefix fails, and the whole decode still rejects damage after it.
TEST(DoubleChimp128, APrefixDecodeRejectsDamageInsideThePrefix) {
  std::mt19937_64 rng(13);
  const std::vector<double> values = Walk(rng, 600);
  size_t offset = 0;
  const std::string column = Encode(values, &offset);
  const absl::string_view payload = absl::string_view(column).substr(offset);
  // The payload cut to a sixth (about 100 values' bits, still enough bytes for 600 values
  // by the size check): decoding 500 values runs into the cut and fails; 10 decode.
  const std::string cut(payload.substr(0, payload.size() / 6));
  std::vector<double> out;
  EXPECT_FALSE(DecodeChimp128Prefix(cut, 600, 500, &out).ok());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(DecodeChimp128Prefix(cut, 600, 10, &out).ok());
  EXPECT_EQ(testing::Bits(out),
            testing::Bits(std::vector<double>(values.begin(), values.begin() + 10)));
  // Too few bytes for the column's count fails whatever the prefix.
  EXPECT_FALSE(DecodeChimp128Prefix(payload.substr(0, 8), 600, 1, &out).ok());
  std::vector<double> whole;
  EXPECT_TRUE(DecodeChimp128Prefix(payload, 600, 600, &whole).ok());
  EXPECT_EQ(testing::Bits(whole), testing::Bits(values));
  const std::string padded = std::string(payload) + std::string(1, '\xff');
  EXPECT_FALSE(DecodeChimp128Prefix(padded, 600, 600, &whole).ok()) << "trailing bytes";
  EXPECT_TRUE(DecodeChimp128Prefix(padded, 600, 599, &whole).ok()) << "not read by a prefix";
}

}  // namespace
}  // namespace tsw::encoding
