// The Zstd column frame round-trips at every level, stores incompressible bytes raw when
// asked to, and rejects malformed frames.
#include "engine/encoding/zstd_column.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/column_codec.h"
#include "gtest/gtest.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

std::string Compressible(size_t n) {
  std::string s;
  while (s.size() < n) s += "temperature=21.5;status=OK;";
  s.resize(n);
  return s;
}

std::string Random(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

ZstdFrameKind KindOfFrame(const std::string& framed) {
  ZstdFrameKind kind = ZstdFrameKind::kRaw;
  EXPECT_TRUE(ZstdFrameKindOf(framed, &kind).ok());
  return kind;
}

TEST(ZstdColumn, RoundTripsAtEveryLevelAndSize) {
  for (int level : {-5, -1, 1, 3, 9, 19}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{70'000}}) {
      SCOPED_TRACE(absl::StrCat("level ", level, " size ", n));
      const std::string input = Compressible(n);
      std::string framed;
      ZstdColumnOptions options;
      options.level = level;
      ASSERT_TRUE(EncodeColumnZstd(input, options, &framed).ok());
      std::string decoded = "stale";
      absl::Status status = DecodeColumnZstd(framed, &decoded);
      ASSERT_TRUE(status.ok()) << status;
      EXPECT_EQ(decoded, input);
    }
  }
}

TEST(ZstdColumn, CompressibleColumnsShrink) {
  const std::string input = Compressible(100'000);
  std::string framed;
  ASSERT_TRUE(EncodeColumnZstd(input, ZstdColumnOptions(), &framed).ok());
  EXPECT_EQ(KindOfFrame(framed), ZstdFrameKind::kZstd);
  EXPECT_LT(framed.size(), input.size() / 20);
}

TEST(ZstdColumn, IncompressibleColumnsAreStoredRaw) {
  const std::string input = Random(10'000, 1);
  std::string framed;
  ASSERT_TRUE(EncodeColumnZstd(input, ZstdColumnOptions(), &framed).ok());
  EXPECT_EQ(KindOfFrame(framed), ZstdFrameKind::kRaw);
  EXPECT_LE(framed.size(), input.size() + 4);
  std::string decoded;
  ASSERT_TRUE(DecodeColumnZstd(framed, &decoded).ok());
  EXPECT_EQ(decoded, input);
}

TEST(ZstdColumn, IncompressibleColumnsStayZstdWhenRawIsNotAllowed) {
  const std::string input = Random(10'000, 2);
  std::string framed;
  ZstdColumnOptions options;
  options.store_raw_if_not_smaller = false;
  ASSERT_TRUE(EncodeColumnZstd(input, options, &framed).ok());
  EXPECT_EQ(KindOfFrame(framed), ZstdFrameKind::kZstd);
  std::string decoded;
  ASSERT_TRUE(DecodeColumnZstd(framed, &decoded).ok());
  EXPECT_EQ(decoded, input);
}

TEST(ZstdColumn, LevelZeroStoresRaw) {
  const std::string input = Compressible(5000);
  std::string framed;
  ZstdColumnOptions options;
  options.level = 0;
  ASSERT_TRUE(EncodeColumnZstd(input, options, &framed).ok());
  EXPECT_EQ(KindOfFrame(framed), ZstdFrameKind::kRaw);
  std::string decoded;
  ASSERT_TRUE(DecodeColumnZstd(framed, &decoded).ok());
  EXPECT_EQ(decoded, input);
}

TEST(ZstdColumn, CarriesAnEncodedColumnEndToEnd) {
  std::vector<int64_t> ts(10'000);
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = 1'000'000'000LL * static_cast<int64_t>(i);
  std::string column, framed, unframed;
  ASSERT_TRUE(EncodeTimestamps(ts, &column).ok());
  ASSERT_TRUE(EncodeColumnZstd(column, ZstdColumnOptions(), &framed).ok());
  ASSERT_TRUE(DecodeColumnZstd(framed, &unframed).ok());
  std::vector<int64_t> decoded;
  ASSERT_TRUE(DecodeTimestamps(unframed, &decoded).ok());
  EXPECT_EQ(decoded, ts);
}

TEST(ZstdColumn, OneScratchDecodesColumnsOfAlternatingSizesExactly) {
  // A view into a scratch buffer reused across columns (it only grows): each view is its
  // own column's bytes, whatever a longer column left behind it.
  const std::vector<std::string> inputs = {
      Compressible(30'000), Compressible(700), Compressible(12'000) + Random(500, 4), "",
      Compressible(29'999), Compressible(1)};
  std::string scratch;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::string framed;
      ASSERT_TRUE(EncodeColumnZstd(inputs[i], ZstdColumnOptions(), &framed).ok());
      absl::StatusOr<absl::string_view> view = DecodeColumnZstdView(framed, &scratch);
      ASSERT_TRUE(view.ok()) << view.status();
      EXPECT_EQ(*view, inputs[i]) << "column " << i;
      // The owning form into a longer string: exactly the column.
      std::string out(40'000, 'x');
      ASSERT_TRUE(DecodeColumnZstd(framed, &out).ok());
      EXPECT_EQ(out, inputs[i]) << "column " << i;
    }
  }
}

TEST(ZstdColumn, MalformedFramesAreRejected) {
  const std::string input = Compressible(20'000);
  std::string zstd, raw;
  ASSERT_TRUE(EncodeColumnZstd(input, ZstdColumnOptions(), &zstd).ok());
  ZstdColumnOptions raw_options;
  raw_options.level = 0;
  ASSERT_TRUE(EncodeColumnZstd(input, raw_options, &raw).ok());

  std::vector<std::string> bad = {"", std::string("\x02\x00", 2), std::string("\x01", 1),
                                  zstd + "x", raw + "x"};
  for (size_t len = 0; len < zstd.size(); ++len) bad.push_back(zstd.substr(0, len));
  for (size_t len = 0; len < raw.size(); len += 97) bad.push_back(raw.substr(0, len));
  {
    std::string wrong_length = zstd;  // Claims one byte more than the frame holds.
    std::string rebuilt;
    rebuilt.push_back(wrong_length[0]);
    PutVarint64(&rebuilt, input.size() + 1);
    ByteReader in(absl::string_view(wrong_length).substr(1));
    uint64_t size;
    ASSERT_TRUE(in.ReadVarint64(&size));
    rebuilt.append(in.rest().data(), in.rest().size());
    bad.push_back(rebuilt);
  }
  {
    std::string huge;
    huge.push_back(static_cast<char>(ZstdFrameKind::kZstd));
    PutVarint64(&huge, kMaxZstdColumnBytes + 1);
    huge += zstd.substr(4);
    bad.push_back(huge);
  }
  for (size_t i = 0; i < bad.size(); ++i) {
    std::string out = "stale";
    absl::Status status = DecodeColumnZstd(bad[i], &out);
    EXPECT_FALSE(status.ok()) << "case " << i;
    EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << "case " << i;
    EXPECT_TRUE(out.empty()) << "case " << i;
  }
}

TEST(ZstdColumn, FlippedBitsInACompressedColumnAreDetected) {
  const std::string input = Compressible(20'000) + Random(3000, 9);
  std::string framed;
  ASSERT_TRUE(EncodeColumnZstd(input, ZstdColumnOptions(), &framed).ok());
  std::mt19937_64 rng(3);
  int rejected = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string bad = framed;
    bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
    std::string out;
    absl::Status status = DecodeColumnZstd(bad, &out);
    if (!status.ok()) {
      ++rejected;
      EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
    } else {
      EXPECT_EQ(out, input) << "round " << round;
    }
  }
  // Zstd's checksum catches what its structure does not; a flip that passes both (an
  // unused header bit) must leave the output identical, as checked above.
  EXPECT_GT(rejected, 1900);
}

// A Zstd frame whose content checksum (its last 4 bytes) is damaged.
std::string WithBadContentChecksum(const std::string& framed) {
  std::string bad = framed;
  bad.back() ^= 0x01;
  return bad;
}

TEST(ZstdColumn, ACallerThatCheckedTheBytesSkipsOnlyTheContentChecksum) {
  const std::string input = Compressible(20'000) + Random(3000, 5);
  std::string framed;
  ASSERT_TRUE(EncodeColumnZstd(input, ZstdColumnOptions(), &framed).ok());
  ASSERT_EQ(KindOfFrame(framed), ZstdFrameKind::kZstd);
  const std::string bad = WithBadContentChecksum(framed);
  std::string scratch;
  // Verified by default: the damaged checksum is an error.
  absl::StatusOr<absl::string_view> verified = DecodeColumnZstdView(bad, &scratch);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(KindOf(verified.status()), ErrorKind::kInternalServer);
  // Left to the caller: the same bytes decode, to the column.
  absl::StatusOr<absl::string_view> skipped =
      DecodeColumnZstdView(bad, &scratch, ZstdContentChecksum::kCheckedByCaller);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(*skipped, input);
}

TEST(ZstdColumn, AFrameDecodedWithoutTheChecksumLeavesTheNextOneVerified) {
  // The thread's one decompression context carries the choice; each call makes its own.
  const std::string input = Compressible(9'000) + Random(900, 6);
  std::string framed;
  ASSERT_TRUE(EncodeColumnZstd(input, ZstdColumnOptions(), &framed).ok());
  const std::string bad = WithBadContentChecksum(framed);
  std::string scratch;
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(DecodeColumnZstdView(framed, &scratch, ZstdContentChecksum::kCheckedByCaller).ok());
    EXPECT_FALSE(DecodeColumnZstdView(bad, &scratch).ok()) << "round " << round;
    std::string out;
    EXPECT_FALSE(DecodeColumnZstd(bad, &out).ok()) << "round " << round;
    EXPECT_TRUE(out.empty());
  }
}

TEST(ZstdColumn, MalformedFramesAreRejectedWithoutTheContentChecksumToo) {
  const std::string input = Compressible(20'000) + Random(2000, 7);
  std::string zstd;
  ASSERT_TRUE(EncodeColumnZstd(input, ZstdColumnOptions(), &zstd).ok());
  ASSERT_EQ(KindOfFrame(zstd), ZstdFrameKind::kZstd);
  std::string scratch;
  // Every truncation (the Zstd frame cut short, or its length prefix), then trailing bytes.
  for (size_t len = 0; len < zstd.size(); ++len) {
    absl::StatusOr<absl::string_view> view = DecodeColumnZstdView(
        absl::string_view(zstd).substr(0, len), &scratch, ZstdContentChecksum::kCheckedByCaller);
    ASSERT_FALSE(view.ok()) << "length " << len;
    EXPECT_EQ(KindOf(view.status()), ErrorKind::kInternalServer);
  }
  EXPECT_FALSE(
      DecodeColumnZstdView(zstd + "x", &scratch, ZstdContentChecksum::kCheckedByCaller).ok());
  // After all those errors the thread's context still decodes a good frame, both ways.
  absl::StatusOr<absl::string_view> good =
      DecodeColumnZstdView(zstd, &scratch, ZstdContentChecksum::kCheckedByCaller);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(*good, input);
  good = DecodeColumnZstdView(zstd, &scratch);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(*good, input);
}

}  // namespace
}  // namespace tsw::encoding
