// Every decoder rejects truncated, extended and mutated columns with an
// InternalServerException and never crashes or reads outside its input. (Run it under
// ASan for the strongest check: bazel test --copt=-fsanitize=address
// --linkopt=-fsanitize=address //tests/encoding:corrupt_input_test.)
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/byte_io.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"
#include "tsw/status.h"

namespace tsw::encoding {
namespace {

using testing::DecimalWalk;
using testing::FromBits;
using testing::SpecialDoubles;

// One encoded column and the decoder for its type. decode returns the status and the
// number of values produced.
struct Sample {
  std::string label;
  std::string column;
  std::function<absl::Status(absl::string_view, size_t*)> decode;
};

template <typename T, typename Out>
std::function<absl::Status(absl::string_view, size_t*)> Decoder(
    absl::Status (*decode)(absl::string_view, std::vector<Out>*)) {
  return [decode](absl::string_view in, size_t* count) {
    std::vector<Out> out;
    absl::Status status = decode(in, &out);
    *count = out.size();
    return status;
  };
}

std::vector<Sample> AllSamples() {
  std::vector<Sample> samples;
  std::mt19937_64 rng(1234);

  std::vector<std::vector<int64_t>> ints;
  ints.push_back({});
  ints.push_back({42});
  ints.push_back(std::vector<int64_t>(300, 7));
  {
    std::vector<int64_t> ts;
    for (int i = 0; i < 700; ++i)
      ts.push_back(1'700'000'000'000'000'000 + i * 1'000'000'000LL + (rng() % 3) * 1'000'000);
    ints.push_back(ts);
    std::vector<int64_t> wild;
    for (int i = 0; i < 400; ++i) wild.push_back(static_cast<int64_t>(rng()) >> (rng() % 64));
    wild.push_back(INT64_MIN);
    wild.push_back(INT64_MAX);
    ints.push_back(wild);
  }
  for (const RegisteredCodec<int64_t>& r : RegisteredCodecs<int64_t>()) {
    for (size_t k = 0; k < ints.size(); ++k) {
      EncodeOptions options;
      options.codec = r.codec->id;
      Sample s{absl::StrCat(r.codec->name, " #", k), "", Decoder<int64_t>(&DecodeInt64s)};
      if (EncodeInt64s(ints[k], &s.column, options).ok()) samples.push_back(std::move(s));
    }
  }

  std::vector<std::vector<double>> doubles;
  doubles.push_back({});
  doubles.push_back({-0.0});
  doubles.push_back(DecimalWalk(rng, 2100, 2));
  doubles.push_back(SpecialDoubles());
  {
    std::vector<double> mixed = DecimalWalk(rng, 1500, 1);
    for (size_t i = 0; i < mixed.size(); i += 7) mixed[i] = FromBits(rng());
    doubles.push_back(mixed);
  }
  for (const RegisteredCodec<double>& r : RegisteredCodecs<double>()) {
    for (size_t k = 0; k < doubles.size(); ++k) {
      EncodeOptions options;
      options.codec = r.codec->id;
      Sample s{absl::StrCat(r.codec->name, " #", k), "", Decoder<double>(&DecodeDoubles)};
      if (EncodeDoubles(doubles[k], &s.column, options).ok()) samples.push_back(std::move(s));
    }
  }

  std::vector<std::vector<std::string>> strings;
  strings.push_back({});
  strings.push_back({""});
  strings.push_back({"OK", "WARN", "OK", "OK", "ERROR", "", "OK"});
  {
    std::vector<std::string> ids;
    for (int i = 0; i < 300; ++i) ids.push_back(absl::StrCat("id-", rng() % 50, "-", i % 3));
    strings.push_back(ids);
  }
  for (const RegisteredCodec<absl::string_view>& r : RegisteredCodecs<absl::string_view>()) {
    for (size_t k = 0; k < strings.size(); ++k) {
      EncodeOptions options;
      options.codec = r.codec->id;
      Sample s{absl::StrCat(r.codec->name, " #", k), "", Decoder<std::string>(&DecodeStrings)};
      if (EncodeStrings(strings[k], &s.column, options).ok()) samples.push_back(std::move(s));
    }
  }

  std::vector<std::vector<uint8_t>> bools;
  bools.push_back({});
  bools.push_back({1});
  bools.push_back(std::vector<uint8_t>(1000, 1));
  {
    std::vector<uint8_t> random(333);
    for (auto& b : random) b = rng() & 1;
    bools.push_back(random);
  }
  for (const RegisteredCodec<uint8_t>& r : RegisteredCodecs<uint8_t>()) {
    for (size_t k = 0; k < bools.size(); ++k) {
      EncodeOptions options;
      options.codec = r.codec->id;
      Sample s{absl::StrCat(r.codec->name, " #", k), "", Decoder<uint8_t>(&DecodeBools)};
      if (EncodeBools(bools[k], &s.column, options).ok()) samples.push_back(std::move(s));
    }
  }
  return samples;
}

void ExpectCorrupt(const absl::Status& status, size_t count, const std::string& what) {
  EXPECT_FALSE(status.ok()) << what;
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << what << ": " << status;
  EXPECT_EQ(count, 0u) << what;
}

TEST(CorruptInput, SamplesCoverEveryRegisteredCodec) {
  std::vector<Sample> samples = AllSamples();
  auto covered = [&](CodecId id) {
    for (const Sample& s : samples) {
      if (ReadColumnHeader(s.column)->codec == id) return true;
    }
    return false;
  };
  for (const auto& r : RegisteredCodecs<int64_t>())
    EXPECT_TRUE(covered(r.codec->id)) << r.codec->name;
  for (const auto& r : RegisteredCodecs<double>())
    EXPECT_TRUE(covered(r.codec->id)) << r.codec->name;
  for (const auto& r : RegisteredCodecs<absl::string_view>()) {
    EXPECT_TRUE(covered(r.codec->id)) << r.codec->name;
  }
  for (const auto& r : RegisteredCodecs<uint8_t>())
    EXPECT_TRUE(covered(r.codec->id)) << r.codec->name;
}

TEST(CorruptInput, EveryTruncationIsRejected) {
  for (const Sample& s : AllSamples()) {
    size_t count;
    ASSERT_TRUE(s.decode(s.column, &count).ok()) << s.label;
    for (size_t len = 0; len < s.column.size(); ++len) {
      // Every prefix of short columns; a spread of them, and the last 64, of long ones.
      if (s.column.size() > 600 && len % 13 != 0 && len + 64 < s.column.size()) continue;
      absl::Status status = s.decode(absl::string_view(s.column).substr(0, len), &count);
      ExpectCorrupt(status, count, absl::StrCat(s.label, " cut to ", len, " of ", s.column.size()));
    }
  }
}

TEST(CorruptInput, TrailingBytesAreRejected) {
  for (const Sample& s : AllSamples()) {
    for (char extra : {'\0', '\x01', '\xff'}) {
      size_t count;
      absl::Status status = s.decode(s.column + extra, &count);
      ExpectCorrupt(status, count, absl::StrCat(s.label, " + byte ", static_cast<int>(extra)));
    }
  }
}

TEST(CorruptInput, MutatedColumnsNeverCrashAndKeepTheirCount) {
  std::mt19937_64 rng(77);
  size_t rejected = 0, total = 0;
  for (const Sample& s : AllSamples()) {
    for (int round = 0; round < 2000; ++round) {
      std::string bad = s.column;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const size_t at = bad.empty() ? 0 : rng() % bad.size();
        switch (rng() % 4) {
          case 0:
            if (!bad.empty()) bad[at] ^= static_cast<char>(1 << (rng() % 8));
            break;
          case 1:
            if (!bad.empty()) bad[at] = static_cast<char>(rng());
            break;
          case 2:
            bad.insert(bad.begin() + at, static_cast<char>(rng()));
            break;
          default:
            if (!bad.empty()) bad.erase(bad.begin() + at);
            break;
        }
      }
      size_t count = 0;
      absl::Status status = s.decode(bad, &count);
      ++total;
      if (status.ok()) {
        absl::StatusOr<ColumnHeader> header = ReadColumnHeader(bad);
        ASSERT_TRUE(header.ok());
        EXPECT_EQ(count, header->count) << s.label;
      } else {
        ++rejected;
        EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << s.label << ": " << status;
        EXPECT_EQ(count, 0u);
      }
    }
  }
  // Most mutations are caught by the structure alone (checksums catch the rest upstream).
  EXPECT_GT(rejected, total / 3) << rejected << " of " << total;
}

TEST(CorruptInput, RandomPayloadsUnderEveryCodecIdNeverCrash) {
  std::mt19937_64 rng(5150);
  for (int id = 0; id < 256; ++id) {
    for (int round = 0; round < 300; ++round) {
      std::string bad;
      bad.push_back(static_cast<char>(id));
      PutVarint64(&bad, rng() % 3000);
      const size_t len = rng() % 200;
      for (size_t i = 0; i < len; ++i) bad.push_back(static_cast<char>(rng()));
      std::vector<int64_t> ints;
      std::vector<double> doubles;
      std::vector<std::string> strings;
      std::vector<uint8_t> bools;
      absl::Status statuses[] = {DecodeInt64s(bad, &ints), DecodeDoubles(bad, &doubles),
                                 DecodeStrings(bad, &strings), DecodeBools(bad, &bools)};
      for (const absl::Status& status : statuses) {
        if (!status.ok()) {
          EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer) << status;
        }
      }
    }
  }
}

TEST(CorruptInput, CountsAboveTheLimitAreRejectedBeforeDecoding) {
  std::string bad;
  bad.push_back(static_cast<char>(CodecId::kInt64Constant));
  PutVarint64(&bad, kMaxColumnValues + 1);
  PutVarint64(&bad, 2);
  std::vector<int64_t> out;
  absl::Status status = DecodeInt64s(bad, &out);
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
  EXPECT_NE(status.message().find("limit"), absl::string_view::npos) << status;
}

TEST(CorruptInput, HugeClaimedCountsWithTinyPayloadsAreRejected) {
  // Codecs whose payload grows with the count must refuse before allocating.
  const CodecId ids[] = {CodecId::kInt64FrameOfReference,
                         CodecId::kInt64Delta,
                         CodecId::kInt64DeltaOfDelta,
                         CodecId::kDoublePlain,
                         CodecId::kDoubleGorilla,
                         CodecId::kDoubleChimp128,
                         CodecId::kDoubleAlp,
                         CodecId::kStringPlain,
                         CodecId::kStringDictionary,
                         CodecId::kBoolBitmap,
                         CodecId::kBoolRuns};
  for (CodecId id : ids) {
    std::string bad;
    bad.push_back(static_cast<char>(id));
    PutVarint64(&bad, kMaxColumnValues);
    bad.append(16, '\x01');
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<std::string> strings;
    std::vector<uint8_t> bools;
    EXPECT_FALSE(DecodeInt64s(bad, &ints).ok()) << CodecName(id);
    EXPECT_FALSE(DecodeDoubles(bad, &doubles).ok()) << CodecName(id);
    EXPECT_FALSE(DecodeStrings(bad, &strings).ok()) << CodecName(id);
    EXPECT_FALSE(DecodeBools(bad, &bools).ok()) << CodecName(id);
    EXPECT_TRUE(ints.empty() && doubles.empty() && strings.empty() && bools.empty());
  }
}

TEST(CorruptInput, DictionaryExpandingPastTheByteLimitIsRejected) {
  // One 2 KB entry repeated 2^20 times (2 GiB of strings) from a few hundred bytes.
  std::vector<std::string> small(1 << 12, std::string(2048, 'x'));
  std::string column;
  EncodeOptions options;
  options.codec = CodecId::kStringDictionary;
  ASSERT_TRUE(EncodeStrings(small, &column, options).ok());
  // Rewrite the count and extend the codes: every extra block of 128 zeros is 2 bytes.
  absl::StatusOr<ColumnHeader> header = ReadColumnHeader(column);
  ASSERT_TRUE(header.ok());
  std::string payload = column.substr(header->header_bytes);
  const size_t count = size_t{1} << 20;
  std::string bad;
  bad.push_back(static_cast<char>(CodecId::kStringDictionary));
  PutVarint64(&bad, count);
  bad += payload;
  for (size_t extra = small.size(); extra < count; extra += 128) bad.append("\x00\x00", 2);
  std::vector<std::string> out;
  absl::Status status = DecodeStrings(bad, &out);
  EXPECT_EQ(KindOf(status), ErrorKind::kInternalServer);
  EXPECT_NE(status.message().find("bytes, above"), absl::string_view::npos) << status;
}

}  // namespace
}  // namespace tsw::encoding
