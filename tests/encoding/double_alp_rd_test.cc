// ALP_rd (codec 0x14): high-precision doubles round-trip bit for bit whatever their bits,
// cost less than Chimp128 and plain on coordinate-like values, and malformed payloads are
// rejected with InternalServerException.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/bit_packing.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

using testing::Bits;
using testing::FromBits;
using testing::InterestingLengths;
using testing::SpecialDoubles;

std::string EncodeAlpRd(const std::vector<double>& values) {
  std::string column;
  EncodeOptions options;
  options.codec = CodecId::kDoubleAlpRd;
  const absl::Status status = EncodeDoubles(values, &column, options);
  EXPECT_TRUE(status.ok()) << status;
  return column;
}

void ExpectAlpRdRoundTrip(const std::vector<double>& values, const std::string& label) {
  SCOPED_TRACE(label);
  const std::string column = EncodeAlpRd(values);
  EXPECT_EQ(ReadColumnHeader(column)->codec, CodecId::kDoubleAlpRd);
  std::vector<double> decoded;
  const absl::Status status = DecodeDoubles(column, &decoded);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Bits(decoded), Bits(values));
}

// Full-precision values in [-1, 1), like the latitudes in radians of POI-lat.
std::vector<double> Coordinates(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<double> d(-1.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

TEST(DoubleAlpRd, RoundTripsEverySpecialValueBitForBit) {
  ExpectAlpRdRoundTrip(SpecialDoubles(), "specials together");
  for (double v : SpecialDoubles()) {
    ExpectAlpRdRoundTrip({v}, absl::StrCat("alone: 0x", absl::Hex(std::bit_cast<uint64_t>(v))));
    ExpectAlpRdRoundTrip(std::vector<double>(1500, v), "repeated");
  }
}

TEST(DoubleAlpRd, RoundTripsSpecialsAmongCoordinatesAtEveryLength) {
  std::mt19937_64 rng(7);
  const std::vector<double> specials = SpecialDoubles();
  for (size_t n : InterestingLengths()) {
    std::vector<double> v = Coordinates(rng, n);
    for (size_t i = 0; i < n; i += 37) v[i] = specials[(i / 37) % specials.size()];
    ExpectAlpRdRoundTrip(v, absl::StrCat(n, " values"));
  }
}

TEST(DoubleAlpRd, RoundTripsTinyColumns) {
  std::mt19937_64 rng(8);
  for (size_t n = 0; n <= 9; ++n) {
    std::vector<double> v(n);
    for (double& x : v) x = FromBits(rng());
    ExpectAlpRdRoundTrip(v, absl::StrCat(n, " random bit patterns"));
  }
}

TEST(DoubleAlpRd, RoundTripsBlocksWhereEveryValueIsAnException) {
  // Every value has its own top 16 bits, so at most 8 per vector match the dictionary.
  std::mt19937_64 rng(9);
  std::vector<double> v(3000);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = FromBits((static_cast<uint64_t>(i * 21) << 48) | (rng() >> 16));
  }
  ExpectAlpRdRoundTrip(v, "distinct left parts");
  std::vector<double> random(5000);
  for (double& x : random) x = FromBits(rng());
  ExpectAlpRdRoundTrip(random, "random bit patterns (NaNs, denormals, both signs)");
}

TEST(DoubleAlpRd, RoundTripsOutliersStoredAsExceptions) {
  // Most values share a few front bit patterns; every tenth is a random bit pattern whose
  // front bits the dictionary cannot hold, so it becomes an exception.
  std::mt19937_64 rng(12);
  std::vector<double> v = Coordinates(rng, 5000);
  for (size_t i = 0; i < v.size(); i += 10) v[i] = FromBits(rng());
  ExpectAlpRdRoundTrip(v, "outliers every 10th value");
  for (size_t i = 0; i < v.size(); ++i) {
    if (i % 3 != 0) v[i] = FromBits(rng());
  }
  ExpectAlpRdRoundTrip(v, "two thirds random bit patterns");
}

TEST(DoubleAlpRd, CoordinatesCostLessThanChimp128AndPlain) {
  std::mt19937_64 rng(10);
  const std::vector<double> v = Coordinates(rng, 4096);
  const size_t alp_rd = EncodeAlpRd(v).size();
  std::string chimp;
  EncodeOptions options;
  options.codec = CodecId::kDoubleChimp128;
  ASSERT_TRUE(EncodeDoubles(v, &chimp, options).ok());
  SCOPED_TRACE(absl::StrCat("alp_rd ", alp_rd, " bytes, chimp128 ", chimp.size()));
  EXPECT_LT(alp_rd, chimp.size());
  EXPECT_LT(alp_rd, v.size() * 8 * 60 / 64);  // At least 4 bits per value saved.
}

// A hand-made column: 2 values, right width 60, dictionary {0, 1, 2} (codes of 2 bits),
// no exceptions, codes 0 and `code1`, right parts 0.
std::string HandMadeColumn(uint8_t right_width, uint8_t k, uint8_t code1) {
  std::string c;
  c.push_back(static_cast<char>(CodecId::kDoubleAlpRd));
  c.push_back(2);  // Count.
  c.push_back(static_cast<char>(right_width));
  c.push_back(static_cast<char>(k));
  for (uint8_t i = 0; i < k; ++i) c.append({static_cast<char>(i), 0});
  c.push_back(0);                                                  // No exceptions.
  c.push_back(static_cast<char>(code1 << 2));                      // Codes: bit-packed(2, 2).
  c.append((2 * static_cast<size_t>(right_width) + 7) / 8, '\0');  // Right parts.
  return c;
}

void ExpectCorrupt(const std::string& column, const std::string& what) {
  std::vector<double> out;
  const absl::Status status = DecodeDoubles(column, &out);
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << what << ": " << status;
  EXPECT_TRUE(out.empty()) << what;
}

TEST(DoubleAlpRd, DecodesAHandMadeColumn) {
  std::vector<double> out;
  ASSERT_TRUE(DecodeDoubles(HandMadeColumn(60, 3, 2), &out).ok());
  EXPECT_EQ(Bits(out), (std::vector<uint64_t>{0, uint64_t{2} << 60}));
}

TEST(DoubleAlpRd, RejectsMalformedPayloads) {
  ExpectCorrupt(HandMadeColumn(60, 3, 3), "a code beyond the dictionary");
  ExpectCorrupt(HandMadeColumn(47, 3, 0), "a right width below 48");
  ExpectCorrupt(HandMadeColumn(64, 3, 0), "a right width of 64");
  ExpectCorrupt(HandMadeColumn(60, 9, 0), "a dictionary of 9");
  std::string wide = HandMadeColumn(60, 3, 0);
  wide[5] = 0x10;  // Dictionary entry 0 = 16, wider than the 4 left bits.
  ExpectCorrupt(wide, "a dictionary entry wider than the left part");
  std::string trailing = HandMadeColumn(60, 3, 0) + "x";
  ExpectCorrupt(trailing, "a trailing byte");
  std::string zero_k = HandMadeColumn(60, 0, 0);
  ExpectCorrupt(zero_k, "an empty dictionary");

  // Exceptions: positions must be increasing and inside the vector, left parts narrow.
  std::string base = HandMadeColumn(60, 3, 0);
  const size_t exceptions_at = 4 + 2 * 3;
  auto with_exceptions = [&](std::string positions, std::string lefts) {
    std::string c = base.substr(0, exceptions_at);
    c.push_back(static_cast<char>(positions.size() / 2));
    c += positions + lefts + base.substr(exceptions_at + 1);
    return c;
  };
  std::vector<double> out;
  ASSERT_TRUE(
      DecodeDoubles(with_exceptions(std::string("\x01\x00", 2), std::string("\x05\x00", 2)), &out)
          .ok());
  EXPECT_EQ(Bits(out)[1], uint64_t{5} << 60);
  ASSERT_TRUE(DecodeDoubles(with_exceptions(std::string("\x00\x00\x01\x00", 4),
                                            std::string("\x07\x00\x0f\x00", 4)),
                            &out)
                  .ok());
  EXPECT_EQ(Bits(out), (std::vector<uint64_t>{uint64_t{7} << 60, uint64_t{15} << 60}))
      << "a vector where every value is an exception";
  ExpectCorrupt(with_exceptions(std::string("\x02\x00", 2), std::string("\x05\x00", 2)),
                "an exception past the vector");
  ExpectCorrupt(
      with_exceptions(std::string("\x01\x00\x00\x00", 4), std::string("\x05\x00\x05\x00", 4)),
      "exceptions out of order");
  ExpectCorrupt(with_exceptions(std::string("\x01\x00", 2), std::string("\x10\x00", 2)),
                "an exception wider than the left part");
  ExpectCorrupt(std::string(1, static_cast<char>(CodecId::kDoubleAlpRd)) + "\x80\x08" + "\x30\x01",
                "a count no payload this small can hold");
}

// A payload built field by field (FORMAT.md "alp_rd"), for cuts and dictionary sizes the
// encoder does not choose on any data at hand, and the values it must decode to.
struct BuiltColumn {
  std::string column;
  std::vector<uint64_t> bits;
};

// `n` values with right width r and a dictionary of k entries; each value takes a random
// code (or `bad_code` at `bad_at`), random right bits, and now and then an exception.
BuiltColumn BuildColumn(std::mt19937_64& rng, size_t n, int r, size_t k, size_t bad_at = SIZE_MAX,
                        uint64_t bad_code = 0) {
  BuiltColumn b;
  std::string& c = b.column;
  c.push_back(static_cast<char>(CodecId::kDoubleAlpRd));
  PutVarint64(&c, n);
  c.push_back(static_cast<char>(r));
  c.push_back(static_cast<char>(k));
  const uint64_t left_mask = (uint64_t{1} << (64 - r)) - 1;
  std::vector<uint16_t> dict(k);
  for (uint16_t& d : dict) {
    d = static_cast<uint16_t>(rng() & left_mask);
    c.append({static_cast<char>(d & 0xff), static_cast<char>(d >> 8)});
  }
  const int code_width = k <= 1 ? 0 : k <= 2 ? 1 : k <= 4 ? 2 : 3;
  for (size_t start = 0; start < n; start += 1024) {
    const size_t m = std::min<size_t>(1024, n - start);
    std::vector<uint64_t> codes(m), rights(m);
    std::string positions, lefts;
    for (size_t i = 0; i < m; ++i) {
      codes[i] = start + i == bad_at ? bad_code : rng() % k;
      rights[i] = rng() & ((uint64_t{1} << r) - 1);
      uint64_t left = dict[codes[i] % k];
      if (rng() % 16 == 0) {  // An exception: its own left part, code 0 (any code would do).
        left = rng() & left_mask;
        if (start + i != bad_at) codes[i] = 0;
        positions.append({static_cast<char>(i & 0xff), static_cast<char>(i >> 8)});
        lefts.append({static_cast<char>(left & 0xff), static_cast<char>(left >> 8)});
      }
      b.bits.push_back((left << r) | rights[i]);
    }
    PutVarint64(&c, positions.size() / 2);
    c += positions + lefts;
    PackBits(codes.data(), m, code_width, &c);
    PackBits(rights.data(), m, r, &c);
  }
  return b;
}

// DecodeDoubles from a heap copy of exactly the column's bytes (so ASan sees a read past it).
absl::Status DecodeExactCopy(const std::string& column, std::vector<double>* out) {
  std::unique_ptr<char[]> copy(new char[column.size()]);
  std::memcpy(copy.get(), column.data(), column.size());
  return DecodeDoubles(absl::string_view(copy.get(), column.size()), out);
}

// Every cut (right widths 48-63) with every dictionary size (codes of 0-3 bits), at lengths
// around the 8-value groups and 1,024-value vectors the unpacking works in.
TEST(DoubleAlpRd, DecodesEveryCutAndDictionarySizeAtEveryLength) {
  std::mt19937_64 rng(33);
  for (int r = 48; r <= 63; ++r) {
    for (size_t k = 1; k <= 8; ++k) {
      for (size_t n : {1, 2, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 200, 1023, 1024, 1025, 2100}) {
        SCOPED_TRACE(absl::StrCat("r ", r, ", k ", k, ", ", n, " values"));
        const BuiltColumn b = BuildColumn(rng, n, r, k);
        std::vector<double> out;
        const absl::Status status = DecodeExactCopy(b.column, &out);
        ASSERT_TRUE(status.ok()) << status;
        ASSERT_EQ(Bits(out), b.bits);
      }
    }
  }
}

// A code past the dictionary is rejected wherever it is: in a group of 8, in the values
// after the last group, in the second vector. (A dictionary of 3, 5 or 6 entries leaves
// codes that fit their width but name no entry.)
TEST(DoubleAlpRd, RejectsACodeBeyondTheDictionaryAtEveryPosition) {
  std::mt19937_64 rng(34);
  for (const auto& [r, k] : std::vector<std::pair<int, size_t>>{{52, 3}, {63, 5}, {48, 6}}) {
    for (size_t n : {size_t{20}, size_t{1030}}) {
      for (size_t at = 0; at < n; at += (at < 24 ? 1 : 97)) {
        SCOPED_TRACE(absl::StrCat("r ", r, ", k ", k, ", ", n, " values, bad code at ", at));
        std::vector<double> out;
        const absl::Status status = DecodeExactCopy(BuildColumn(rng, n, r, k, at, k).column, &out);
        EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << status;
        EXPECT_TRUE(out.empty());
      }
    }
  }
}

// Row subsets a filtered segment read asks for: none, single rows at vector edges, runs
// across vector boundaries, every k-th row (some vectors unpacked whole, some value by
// value), and all of them.
std::vector<std::vector<uint32_t>> RowSets(std::mt19937_64& rng, size_t n) {
  std::vector<std::vector<uint32_t>> sets = {{}};
  for (size_t row : {size_t{0}, size_t{1}, size_t{1023}, size_t{1024}, size_t{1025}, n - 1}) {
    if (row < n) sets.push_back({static_cast<uint32_t>(row)});
  }
  for (size_t step : {size_t{1}, size_t{2}, size_t{7}, size_t{40}, size_t{500}}) {
    std::vector<uint32_t> rows;
    for (size_t i = step / 2; i < n; i += step) rows.push_back(static_cast<uint32_t>(i));
    sets.push_back(rows);
  }
  // Ranges (a filter's column over a time range): inside a vector, across vector edges,
  // whole vectors, to the end.
  for (const auto& [first, end] : std::vector<std::pair<size_t, size_t>>{
           {3, 9}, {500, 2100}, {1024, 2048}, {1020, 1030}, {n / 2, n}, {1, n}}) {
    if (first >= std::min(end, n)) continue;
    std::vector<uint32_t> rows;
    for (size_t i = first; i < std::min(end, n); ++i) rows.push_back(static_cast<uint32_t>(i));
    sets.push_back(rows);
  }
  std::vector<uint32_t> runs;  // Runs of 1-30 rows with gaps of 1-300, like a WHERE's.
  for (size_t i = rng() % 50; i < n; i += 1 + rng() % 300) {
    for (size_t end = std::min(n, i + 1 + rng() % 30); i < end; ++i) {
      runs.push_back(static_cast<uint32_t>(i));
    }
  }
  sets.push_back(runs);
  return sets;
}

// DecodeDoublesAt gives exactly the whole decode's values at the rows asked for, for
// ALP-RD (vectors stepped over, unpacked whole, or value by value, exceptions among them)
// and the codecs that decode a prefix or the whole column.
TEST(DoubleAlpRd, DecodingAtRowsGivesTheWholeDecodeAtThoseRows) {
  std::mt19937_64 rng(21);
  for (size_t n : {size_t{1}, size_t{9}, size_t{1024}, size_t{1025}, size_t{3000}, size_t{4096}}) {
    std::vector<double> values = Coordinates(rng, n);
    for (size_t i = 3; i < n; i += 11) values[i] = FromBits(rng());  // Exceptions.
    for (CodecId codec : {CodecId::kDoubleAlpRd, CodecId::kDoubleChimp128, CodecId::kDoubleGorilla,
                          CodecId::kDoublePlain}) {
      std::string column;
      EncodeOptions options;
      options.codec = codec;
      ASSERT_TRUE(EncodeDoubles(values, &column, options).ok());
      ASSERT_EQ(ReadColumnHeader(column)->codec, codec);
      for (const std::vector<uint32_t>& rows : RowSets(rng, n)) {
        SCOPED_TRACE(absl::StrCat(n, " values, codec ", static_cast<int>(codec), ", ", rows.size(),
                                  " rows from ", rows.empty() ? 0 : rows[0]));
        std::vector<double> got = {1.0};
        const absl::Status status = DecodeDoublesAt(column, nullptr, rows, &got);
        ASSERT_TRUE(status.ok()) << status;
        std::vector<double> want;
        for (uint32_t row : rows) want.push_back(values[row]);
        EXPECT_EQ(Bits(got), Bits(want));
      }
      std::vector<double> got = {1.0};
      const std::vector<uint32_t> past = {0, static_cast<uint32_t>(n)};
      EXPECT_EQ(KindOf(DecodeDoublesAt(column, nullptr, past, &got)), ErrorKind::kInternalServer);
      EXPECT_TRUE(got.empty());
    }
  }
}

// What a decode at rows reads gets a whole decode's checks: the header, the visited
// vector's exceptions and the codes of the values it returns.
TEST(DoubleAlpRd, DecodingAtRowsRejectsDamageInWhatItReads) {
  auto at = [](const std::string& column, std::vector<uint32_t> rows) {
    std::vector<double> out = {1.0};
    const absl::Status status = DecodeDoublesAt(column, nullptr, rows, &out);
    if (!status.ok()) {
      EXPECT_TRUE(out.empty());
    }
    return status;
  };
  EXPECT_EQ(KindOf(at(HandMadeColumn(60, 3, 3), {1})), ErrorKind::kInternalServer)
      << "a code beyond the dictionary at the row read";
  EXPECT_TRUE(at(HandMadeColumn(60, 3, 2), {1}).ok());
  EXPECT_EQ(KindOf(at(HandMadeColumn(47, 3, 0), {0})), ErrorKind::kInternalServer);
  EXPECT_EQ(KindOf(at(HandMadeColumn(60, 0, 0), {0})), ErrorKind::kInternalServer);
  std::string wide = HandMadeColumn(60, 3, 0);
  wide[5] = 0x10;
  EXPECT_EQ(KindOf(at(wide, {1})), ErrorKind::kInternalServer) << "a dictionary entry too wide";
  const std::string column = HandMadeColumn(60, 3, 0);
  EXPECT_EQ(KindOf(at(column.substr(0, column.size() - 1), {0})), ErrorKind::kInternalServer)
      << "a truncated vector";
  // Exceptions out of order fail though the row read is not one of them.
  const size_t exceptions_at = 4 + 2 * 3;
  std::string disordered = column.substr(0, exceptions_at);
  disordered.push_back(2);
  disordered += std::string("\x01\x00\x00\x00\x05\x00\x05\x00", 8);
  disordered += column.substr(exceptions_at + 1);
  EXPECT_EQ(KindOf(at(disordered, {0})), ErrorKind::kInternalServer);
  // An exception at the row read gives its own left part.
  std::string excepted = column.substr(0, exceptions_at);
  excepted.push_back(1);
  excepted += std::string("\x01\x00\x05\x00", 4);
  excepted += column.substr(exceptions_at + 1);
  std::vector<double> out;
  ASSERT_TRUE(DecodeDoublesAt(excepted, nullptr, std::vector<uint32_t>{1}, &out).ok());
  EXPECT_EQ(Bits(out), (std::vector<uint64_t>{uint64_t{5} << 60}));
}

}  // namespace
}  // namespace tsw::encoding
