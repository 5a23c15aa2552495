// Timestamp and integer columns round-trip exactly under every int64 codec, and the
// chosen codec keeps regular, constant and counter columns small.
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
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

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'700'000'000 * kSecond;  // Nov 2023, in nanoseconds.

// Checks `values` round-trips through the chooser (as timestamps and as integers) and
// through every int64 codec that accepts them.
void ExpectRoundTrip(const std::vector<int64_t>& values, const std::string& label) {
  SCOPED_TRACE(label);
  std::string column;
  ASSERT_TRUE(EncodeTimestamps(values, &column).ok());
  std::vector<int64_t> decoded;
  absl::Status status = DecodeTimestamps(column, &decoded);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(decoded, values);

  column.clear();
  ASSERT_TRUE(EncodeInt64s(values, &column).ok());
  status = DecodeInt64s(column, &decoded);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(decoded, values);

  for (const RegisteredCodec<int64_t>& r : RegisteredCodecs<int64_t>()) {
    SCOPED_TRACE(r.codec->name);
    column.clear();
    EncodeOptions options;
    options.codec = r.codec->id;
    status = EncodeInt64s(values, &column, options);
    if (!status.ok()) {
      // Only the constant codec may refuse, and only distinct values.
      EXPECT_EQ(r.codec->id, CodecId::kInt64Constant) << status;
      continue;
    }
    status = DecodeInt64s(column, &decoded);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(decoded, values);
    // Into caller memory holding other bytes: the same values.
    std::vector<int64_t> into(values.size(), int64_t{0x5a5a5a5a5a5a5a5a});
    status = DecodeInt64sInto(column, absl::MakeSpan(into));
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(into, values);
    // Ranges: empty, one value, the ends, the middle, the whole.
    const size_t n = values.size();
    for (const auto& [begin, end] : std::vector<std::pair<size_t, size_t>>{
             {0, 0}, {0, n}, {n / 3, n - n / 3}, {0, n / 2}, {n / 2, n}, {n - n / 4, n}}) {
      std::vector<int64_t> range = {42};
      status = DecodeInt64sRange(column, n, begin, end, &range);
      ASSERT_TRUE(status.ok()) << status;
      EXPECT_EQ(range, std::vector<int64_t>(values.begin() + begin, values.begin() + end))
          << "[" << begin << ", " << end << ")";
    }
  }
}

std::vector<int64_t> Shape(int shape, size_t n, std::mt19937_64& rng) {
  std::vector<int64_t> v(n);
  std::uniform_int_distribution<int64_t> any(kMin, kMax);
  std::uniform_int_distribution<int> small(-5, 5);
  std::uniform_int_distribution<int> percent(0, 99);
  const int64_t extremes[] = {kMin, kMax, 0, -1, 1, kMin + 1, kMax - 1};
  int64_t t = kStart;
  for (size_t i = 0; i < n; ++i) {
    switch (shape) {
      case 0:  // Random 64-bit values.
        v[i] = any(rng);
        break;
      case 1:  // Extremes in random order: every delta overflows naive subtraction.
        v[i] = extremes[rng() % 7];
        break;
      case 2:  // Regular timestamps, one per second.
        v[i] = kStart + static_cast<int64_t>(i) * kSecond;
        break;
      case 3:  // Jittered nanosecond timestamps.
        v[i] = kStart + static_cast<int64_t>(i) * kSecond + (any(rng) % 5'000'000);
        break;
      case 4:  // Millisecond timestamps with jitter and occasional gaps.
        t += kSecond + small(rng) * 1'000'000 + (percent(rng) == 0 ? 3600 * kSecond : 0);
        v[i] = t;
        break;
      case 5:  // A counter.
        t += rng() % 100;
        v[i] = t;
        break;
      case 6:  // A random walk around zero.
        v[i] = (i == 0 ? 0 : v[i - 1]) + small(rng);
        break;
      case 7:  // Constant.
        v[i] = 1;
        break;
      case 8:  // Mostly constant with rare outliers of any size.
        v[i] = percent(rng) == 0 ? any(rng) : 42;
        break;
      case 9:  // Descending, crossing zero.
        v[i] = 1000 - static_cast<int64_t>(i) * 7;
        break;
      case 10:  // Wide alternation: MIN, MAX, MIN, ... (deltas of +-(2^64 - 1)).
        v[i] = (i % 2 == 0) ? kMin : kMax;
        break;
      default:  // Multiples of a large divisor, with negative values.
        v[i] = (any(rng) % 1000) * 1'000'003;
        break;
    }
  }
  return v;
}

TEST(Int64Codecs, RoundTripEveryShapeAndLengthExactly) {
  std::mt19937_64 rng(20240601);
  for (int shape = 0; shape <= 11; ++shape) {
    for (size_t n : InterestingLengths()) {
      ExpectRoundTrip(Shape(shape, n, rng), absl::StrCat("shape ", shape, " n ", n));
    }
  }
}

TEST(Int64Codecs, RoundTripRandomMixturesOverManySeeds) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<int64_t> values;
    const size_t pieces = 1 + rng() % 6;
    for (size_t p = 0; p < pieces; ++p) {
      std::vector<int64_t> piece = Shape(static_cast<int>(rng() % 12), rng() % 700, rng);
      values.insert(values.end(), piece.begin(), piece.end());
    }
    ExpectRoundTrip(values, absl::StrCat("seed ", seed));
  }
}

TEST(Int64Codecs, RoundTripEveryBitWidth) {
  // Values whose offsets need exactly w bits, for every w, in blocks of their own.
  std::mt19937_64 rng(7);
  std::vector<int64_t> values;
  for (int w = 0; w <= 64; ++w) {
    for (size_t i = 0; i < 128; ++i) {
      uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
      values.push_back(static_cast<int64_t>(rng() & mask));
    }
  }
  ExpectRoundTrip(values, "every width");
}

TEST(Int64Codecs, RoundTripEmptyAndSingleValues) {
  ExpectRoundTrip({}, "empty");
  for (int64_t v : {kMin, kMax, int64_t{0}, int64_t{-1}, kStart}) {
    ExpectRoundTrip({v}, absl::StrCat("single ", v));
  }
}

TEST(Int64Codecs, RoundTripLongRuns) {
  std::vector<int64_t> values;
  for (int64_t run = 0; run < 20; ++run) {
    values.insert(values.end(), static_cast<size_t>(5000 + run * 17), kMax / 20 * run);
  }
  ExpectRoundTrip(values, "long runs");
}

TEST(Int64Codecs, DecodingIntoCallerMemoryRejectsAWrongCountAndDamage) {
  std::vector<int64_t> values;
  for (int64_t i = 0; i < 3000; ++i) values.push_back(kStart + i * 10 * kSecond + (i % 7));
  for (const RegisteredCodec<int64_t>& r : RegisteredCodecs<int64_t>()) {
    SCOPED_TRACE(r.codec->name);
    const std::vector<int64_t>& column_values =
        r.codec->id == CodecId::kInt64Constant ? std::vector<int64_t>(3000, kMin) : values;
    std::string column;
    EncodeOptions options;
    options.codec = r.codec->id;
    ASSERT_TRUE(EncodeInt64s(column_values, &column, options).ok());
    for (size_t n : {size_t{0}, column_values.size() - 1, column_values.size() + 1}) {
      std::vector<int64_t> into(n);
      const absl::Status status = DecodeInt64sInto(column, absl::MakeSpan(into));
      EXPECT_FALSE(status.ok()) << n;
      EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << n;
    }
    std::vector<int64_t> range;
    const size_t n = column_values.size();
    for (const auto& [count, begin, end] : std::vector<std::tuple<size_t, size_t, size_t>>{
             {n - 1, 0, 1}, {n + 1, 0, 1}, {n, 2, 1}, {n, 0, n + 1}, {n, n, n + 1}}) {
      const absl::Status status = DecodeInt64sRange(column, count, begin, end, &range);
      EXPECT_FALSE(status.ok()) << count << " " << begin << " " << end;
      EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
      EXPECT_TRUE(range.empty());
    }
    // Cut short or lengthened, as DecodeInt64s rejects it.
    for (const std::string& bad : {column.substr(0, column.size() - 1), column + "x"}) {
      std::vector<int64_t> into(column_values.size());
      std::vector<int64_t> whole;
      const absl::Status status = DecodeInt64sInto(bad, absl::MakeSpan(into));
      EXPECT_EQ(status.ok(), DecodeInt64s(bad, &whole).ok());
      if (!status.ok()) {
        EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
      }
    }
  }
}

TEST(TimestampCodecs, RegularTimestampsCostUnderATenthOfAByte) {
  std::vector<int64_t> ts(1'000'000);
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = kStart + static_cast<int64_t>(i) * kSecond;
  std::string column;
  ASSERT_TRUE(EncodeTimestamps(ts, &column).ok());
  EXPECT_LT(static_cast<double>(column.size()) / ts.size(), 0.1) << column.size();
  std::vector<int64_t> decoded;
  ASSERT_TRUE(DecodeTimestamps(column, &decoded).ok());
  EXPECT_EQ(decoded, ts);
}

TEST(TimestampCodecs, DeltaOfDeltaKeepsRegularTimestampsUnderATenthOfAByte) {
  std::vector<int64_t> ts(100'000);
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = kStart + static_cast<int64_t>(i) * 10'000'000;
  std::string column;
  EncodeOptions options;
  options.codec = CodecId::kInt64DeltaOfDelta;
  ASSERT_TRUE(EncodeTimestamps(ts, &column, options).ok());
  EXPECT_LT(static_cast<double>(column.size()) / ts.size(), 0.1) << column.size();
}

TEST(TimestampCodecs, MillisecondJitterCostsMillisecondsNotNanoseconds) {
  // +-10 ms of jitter on a 1 s interval, at millisecond precision: about 6 bits each.
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> jitter(-10, 10);
  std::vector<int64_t> ts(100'000);
  for (size_t i = 0; i < ts.size(); ++i) {
    ts[i] = kStart + static_cast<int64_t>(i) * kSecond + jitter(rng) * 1'000'000;
  }
  std::string column;
  ASSERT_TRUE(EncodeTimestamps(ts, &column).ok());
  EXPECT_LT(static_cast<double>(column.size()) / ts.size(), 1.0) << column.size();
}

TEST(TimestampCodecs, GapsDoNotWidenWholeBlocks) {
  // Regular timestamps with an hour-long gap every 1000 points.
  std::vector<int64_t> ts;
  int64_t t = kStart;
  for (int i = 0; i < 100'000; ++i) {
    t += (i % 1000 == 999) ? 3600 * kSecond : kSecond;
    ts.push_back(t);
  }
  std::string column;
  EncodeOptions options;
  options.codec = CodecId::kInt64DeltaOfDelta;
  ASSERT_TRUE(EncodeTimestamps(ts, &column, options).ok());
  EXPECT_LT(static_cast<double>(column.size()) / ts.size(), 0.1) << column.size();
}

TEST(Int64Codecs, ConstantColumnIsNearlyFree) {
  std::vector<int64_t> versions(1'000'000, 1);
  std::string column;
  ASSERT_TRUE(EncodeInt64s(versions, &column).ok());
  EXPECT_LE(column.size(), 8u);
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->codec, CodecId::kInt64Constant);
  EXPECT_EQ(header->count, versions.size());
}

TEST(Int64Codecs, FixedStepCounterIsNearlyFree) {
  std::vector<int64_t> counter(100'000);
  for (size_t i = 0; i < counter.size(); ++i) counter[i] = 1000 + 5 * static_cast<int64_t>(i);
  std::string column;
  ASSERT_TRUE(EncodeInt64s(counter, &column).ok());
  EXPECT_LT(static_cast<double>(column.size()) / counter.size(), 0.05) << column.size();
}

TEST(Int64Codecs, SmallRandomCounterIncrementsCostTheirBits) {
  std::mt19937_64 rng(11);
  std::vector<int64_t> counter(100'000);
  int64_t c = 0;
  for (auto& v : counter) v = (c += rng() % 16);  // 4 bits of increment.
  std::string column;
  ASSERT_TRUE(EncodeInt64s(counter, &column).ok());
  EXPECT_LT(static_cast<double>(column.size()) / counter.size(), 0.6) << column.size();
}

TEST(Int64Codecs, PinnedConstantCodecRefusesDistinctValues) {
  std::string column = "prefix";
  EncodeOptions options;
  options.codec = CodecId::kInt64Constant;
  absl::Status status = EncodeInt64s({1, 2}, &column, options);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
  EXPECT_EQ(column, "prefix");  // Nothing half-written.
}

TEST(Int64Codecs, PinnedCodecOfAnotherTypeIsRefused) {
  std::string column;
  EncodeOptions options;
  options.codec = CodecId::kDoubleAlp;
  absl::Status status = EncodeInt64s({1, 2}, &column, options);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("alp"), absl::string_view::npos) << status;
}

TEST(Int64Codecs, EncodeAppendsAfterExistingBytes) {
  std::string out = "abc";
  ASSERT_TRUE(EncodeInt64s({5, 6, 7}, &out).ok());
  ASSERT_EQ(out.substr(0, 3), "abc");
  std::vector<int64_t> decoded;
  ASSERT_TRUE(DecodeInt64s(absl::string_view(out).substr(3), &decoded).ok());
  EXPECT_EQ(decoded, (std::vector<int64_t>{5, 6, 7}));
}

TEST(Int64Codecs, DoubleColumnIsNotReadAsIntegers) {
  std::string column;
  ASSERT_TRUE(EncodeDoubles({1.5, 2.5}, &column).ok());
  std::vector<int64_t> decoded = {99};
  absl::Status status = DecodeInt64s(column, &decoded);
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
  EXPECT_TRUE(decoded.empty());
}

}  // namespace
}  // namespace tsw::encoding
