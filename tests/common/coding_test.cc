#include "engine/common/coding.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace tsw {
namespace {

// The byte layouts are the files' contract (every FORMAT.md); these pin them.
TEST(CodingTest, WritesFixedWidthIntegersLeastSignificantByteFirst) {
  std::string out;
  PutFixed32(&out, 0x04030201u);
  PutFixed64(&out, 0x0807060504030201ull);
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  absl::string_view in(out);
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed64(&in, &b));
  EXPECT_EQ(a, 0x04030201u);
  EXPECT_EQ(b, 0x0807060504030201ull);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(GetFixed32(&in, &a));
}

TEST(CodingTest, RefusesFixedWidthReadsPastTheEndAndLeavesTheInput) {
  const std::string bytes("\x01\x02\x03", 3);
  absl::string_view in(bytes);
  uint32_t a;
  uint64_t b;
  EXPECT_FALSE(GetFixed32(&in, &a));
  EXPECT_FALSE(GetFixed64(&in, &b));
  EXPECT_EQ(in.size(), 3u);
}

TEST(CodingTest, WritesVarintsAsLeb128InTheShortestForm) {
  std::string out;
  PutVarint64(&out, 0);
  PutVarint64(&out, 127);
  PutVarint64(&out, 128);
  PutVarint64(&out, 300);
  EXPECT_EQ(out, std::string("\x00\x7f\x80\x01\xac\x02", 6));
  std::string max;
  PutVarint64(&max, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(max, std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10));
}

TEST(CodingTest, VarintLengthMatchesTheBytesWrittenAtEveryBitWidth) {
  for (int bits = 0; bits <= 64; ++bits) {
    for (uint64_t v : {bits == 0 ? uint64_t{0} : uint64_t{1} << (bits - 1),
                       bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1}) {
      std::string out;
      PutVarint64(&out, v);
      EXPECT_EQ(VarintLength(v), out.size()) << v;
      char buf[kMaxVarint64Length];
      EXPECT_EQ(static_cast<size_t>(EncodeVarint64(buf, v) - buf), out.size()) << v;
      absl::string_view in(out);
      uint64_t back = 0;
      ASSERT_TRUE(GetVarint64(&in, &back)) << v;
      EXPECT_EQ(back, v);
      EXPECT_TRUE(in.empty());
    }
  }
}

TEST(CodingTest, RejectsTruncatedOverlongOverflowingAndNonShortestVarints) {
  uint64_t v = 7;
  for (const std::string& bad :
       {std::string(), std::string("\x80", 1),
        std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10),
        std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00", 11), std::string(11, '\x80'),
        // Longer than the shortest form: 0 in 2 and in 10 bytes, 73 in 2 and in 4.
        std::string("\x80\x00", 2), std::string("\xc9\x00", 2),
        std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 10),
        std::string("\xc9\x80\x80\x00", 4)}) {
    absl::string_view in(bad);
    EXPECT_FALSE(GetVarint64(&in, &v)) << bad.size();
    EXPECT_EQ(in.size(), bad.size());
    EXPECT_EQ(v, 7u);
  }
}

TEST(CodingTest, ZigZagKeepsSmallMagnitudesSmallAndRoundTripsTheExtremes) {
  EXPECT_EQ(ZigZagEncode(0), 0u);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
  EXPECT_EQ(ZigZagEncode(-2), 3u);
  EXPECT_EQ(ZigZagEncode(std::numeric_limits<int64_t>::min()),
            std::numeric_limits<uint64_t>::max());
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{12345}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
  }
}

TEST(CodingTest, LengthPrefixedStringsRoundTripAndRejectShortInput) {
  std::string out;
  PutLengthPrefixed(&out, "abc");
  PutLengthPrefixed(&out, "");
  EXPECT_EQ(out, std::string("\x03"
                             "abc\x00",
                             5));
  std::string direct(LengthPrefixedSize("abc"), '\0');
  EXPECT_EQ(EncodeLengthPrefixed(direct.data(), "abc"), direct.data() + direct.size());
  EXPECT_EQ(direct, out.substr(0, 4));

  absl::string_view in(out);
  absl::string_view a, b;
  ASSERT_TRUE(GetLengthPrefixed(&in, &a));
  ASSERT_TRUE(GetLengthPrefixed(&in, &b));
  EXPECT_EQ(a, "abc");
  EXPECT_EQ(b, "");
  EXPECT_TRUE(in.empty());

  const std::string short_input(
      "\x04"
      "abc",
      4);
  absl::string_view rest(short_input);
  EXPECT_FALSE(GetLengthPrefixed(&rest, &a));
  EXPECT_EQ(rest.size(), 4u);
}

TEST(ByteReaderTest, ReadsEachFieldKindInOrderAndStopsAtTheEnd) {
  std::string bytes;
  bytes.push_back('\x09');
  PutFixed32(&bytes, 32);
  PutFixed64(&bytes, 64);
  PutVarint64(&bytes, 1000);
  PutSignedVarint64(&bytes, -5);
  PutLengthPrefixed(&bytes, "xy");
  bytes.append("zz");
  ByteReader in(bytes);
  uint8_t byte;
  uint32_t f32;
  uint64_t f64, count;
  int64_t s;
  absl::string_view str, raw;
  ASSERT_TRUE(in.ReadByte(&byte));
  ASSERT_TRUE(in.ReadFixed32(&f32));
  ASSERT_TRUE(in.ReadFixed64(&f64));
  EXPECT_FALSE(ByteReader(in).ReadCount(999, &count));
  ASSERT_TRUE(in.ReadCount(1000, &count));
  ASSERT_TRUE(in.ReadSignedVarint64(&s));
  ASSERT_TRUE(in.ReadLengthPrefixed(&str));
  EXPECT_EQ(in.offset_in(bytes), bytes.size() - 2);
  EXPECT_FALSE(ByteReader(in).ReadBytes(3, &raw));
  ASSERT_TRUE(in.ReadBytes(2, &raw));
  EXPECT_EQ(byte, 9);
  EXPECT_EQ(f32, 32u);
  EXPECT_EQ(f64, 64u);
  EXPECT_EQ(count, 1000u);
  EXPECT_EQ(s, -5);
  EXPECT_EQ(str, "xy");
  EXPECT_EQ(raw, "zz");
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(in.ReadByte(&byte));
  EXPECT_FALSE(in.Skip(1));
}

}  // namespace
}  // namespace tsw
