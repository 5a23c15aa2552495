// The chooser never stores a column larger than a candidate it estimated: on columns the
// analysis sees whole (up to kAnalyzeSampleValues values) the estimates are exact, so the
// chosen column is the smallest of every codec pinned, and with EncodeOptions::zstd_level
// the smallest after the Zstd pass, which is never above Zstd over the raw doubles (plus
// the column and frame headers).
#include <zstd.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/encoding/codec.h"
#include "engine/encoding/column_codec.h"
#include "engine/encoding/zstd_column.h"
#include "gtest/gtest.h"
#include "tests/encoding/codec_test_util.h"

namespace tsw::encoding {
namespace {

using testing::DecimalWalk;
using testing::FromBits;
using testing::SpecialDoubles;

// Double columns of the shapes the codecs specialise in, and ones none does.
std::vector<std::pair<std::string, std::vector<double>>> Columns() {
  std::mt19937_64 rng(11);
  std::vector<std::pair<std::string, std::vector<double>>> columns;
  columns.emplace_back("1 decimal walk", DecimalWalk(rng, 4096, 1));
  columns.emplace_back("3 decimal walk", DecimalWalk(rng, 4096, 3, -40.0));
  {
    std::uniform_real_distribution<double> d(-1.0, 1.0);
    std::vector<double> v(4096);
    for (double& x : v) x = d(rng);
    columns.emplace_back("full precision coordinates", v);
  }
  {
    // Float readings widened to double, from a small set: Zstd's repetition case.
    std::vector<double> levels(300);
    std::uniform_real_distribution<float> d(0.0f, 40.0f);
    for (double& x : levels) x = static_cast<double>(d(rng));
    std::vector<double> v(4096);
    for (double& x : v) x = levels[rng() % levels.size()];
    columns.emplace_back("repeated float readings", v);
  }
  {
    std::vector<double> v(3000);
    for (double& x : v) x = FromBits(rng());
    columns.emplace_back("random bits", v);
  }
  {
    std::vector<double> v(2048);
    for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(i * 0.01) * 100;
    columns.emplace_back("computed sine", v);
  }
  columns.emplace_back("specials", SpecialDoubles());
  columns.emplace_back("one value", std::vector<double>{42.5});
  return columns;
}

size_t Framed(const std::string& column, int level) {
  std::string framed;
  ZstdColumnOptions options;
  options.level = level;
  EXPECT_TRUE(EncodeColumnZstd(column, options, &framed).ok());
  return framed.size();
}

TEST(CodecChooser, PicksTheSmallestOfEveryCodecItEstimated) {
  for (const auto& [name, values] : Columns()) {
    SCOPED_TRACE(name);
    std::string chosen;
    ASSERT_TRUE(EncodeDoubles(values, &chosen).ok());
    for (const RegisteredCodec<double>& r : RegisteredCodecs<double>()) {
      std::string pinned;
      EncodeOptions options;
      options.codec = r.codec->id;
      ASSERT_TRUE(EncodeDoubles(values, &pinned, options).ok());
      EXPECT_LE(chosen.size(), pinned.size()) << r.codec->name;
    }
  }
}

TEST(CodecChooser, WithAZstdPassPicksTheSmallestAfterItAndNeverLosesToZstdAlone) {
  for (int level : {1, 3}) {
    for (const auto& [name, values] : Columns()) {
      SCOPED_TRACE(absl::StrCat(name, ", zstd level ", level));
      std::string chosen;
      EncodeOptions told;
      told.zstd_level = level;
      ASSERT_TRUE(EncodeDoubles(values, &chosen, told).ok());
      std::vector<double> back;
      ASSERT_TRUE(DecodeDoubles(chosen, &back).ok());
      EXPECT_EQ(testing::Bits(back), testing::Bits(values));
      const size_t chosen_framed = Framed(chosen, level);
      for (const RegisteredCodec<double>& r : RegisteredCodecs<double>()) {
        std::string pinned;
        EncodeOptions options;
        options.codec = r.codec->id;
        ASSERT_TRUE(EncodeDoubles(values, &pinned, options).ok());
        EXPECT_LE(chosen_framed, Framed(pinned, level)) << r.codec->name;
      }
      std::string raw(ZSTD_compressBound(values.size() * 8), '\0');
      const size_t zstd_raw =
          ZSTD_compress(raw.data(), raw.size(), values.data(), values.size() * 8, level);
      ASSERT_FALSE(ZSTD_isError(zstd_raw));
      // Zstd alone on the plain column is a candidate; the headers cost a few bytes.
      EXPECT_LE(chosen_framed, zstd_raw + 16) << "zstd over raw: " << zstd_raw;
    }
  }
}

}  // namespace
}  // namespace tsw::encoding
