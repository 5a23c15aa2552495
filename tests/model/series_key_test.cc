// The series hash: a key's hash (HashSeriesKey) equals the one a parser builds from the
// key's dimensions where they are (SeriesHashName, SeriesHashDimension, SeriesHashFinish),
// and it tells apart the dimension sets a sum of per-dimension hashes could confuse.
#include "engine/model/series_key.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/coding.h"
#include "gtest/gtest.h"
#include "xxhash.h"

namespace tsw::model {
namespace {

std::string KeyOf(const std::vector<std::pair<std::string, std::string>>& dims) {
  std::string key;
  for (const auto& [name, value] : dims) {
    PutLengthPrefixed(&key, name);
    PutLengthPrefixed(&key, value);
  }
  return key;
}

TEST(SeriesKeyTest, HashesAKeyAsTheSumOfItsDimensionsHashes) {
  std::mt19937_64 rng(14);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::pair<std::string, std::string>> dims;
    const int n = 1 + static_cast<int>(rng() % 6);
    uint64_t sum = 0;
    for (int i = 0; i < n; ++i) {
      std::string name = absl::StrCat("d", i), value(rng() % 40, 'x');
      for (char& c : value) c = static_cast<char>('a' + rng() % 26);
      sum += SeriesHashDimension(SeriesHashName(name), value);
      dims.emplace_back(std::move(name), std::move(value));
    }
    const std::string key = KeyOf(dims);
    EXPECT_EQ(HashSeriesKey(key), SeriesHashFinish(sum)) << round;
    std::vector<Dimension> decoded;
    ASSERT_TRUE(DecodeSeriesKey(key, &decoded));
    EXPECT_EQ(decoded.size(), dims.size());
  }
}

// series_key.cc hashes with xxHash's code inline; its hashes must be the shared
// library's XXH3 (this file calls the library) for every length of each of XXH3's
// short-input paths (0, 1-3, 4-8, 9-16, 17-128, 129-240 bytes) and past them, and any seed.
TEST(SeriesKeyTest, HashesAsTheXxhashLibraryDoes) {
  std::mt19937_64 rng(1414);
  for (size_t n = 0; n <= 300; ++n) {
    std::string text(n, ' ');
    for (char& c : text) c = static_cast<char>(rng());
    EXPECT_EQ(SeriesHashName(text), XXH3_64bits(text.data(), n)) << n;
    for (const uint64_t seed : {uint64_t{0}, uint64_t{1}, uint64_t{rng()}, ~uint64_t{0}}) {
      EXPECT_EQ(SeriesHashDimension(seed, text), XXH3_64bits_withSeed(text.data(), n, seed))
          << n << " " << seed;
    }
  }
}

TEST(SeriesKeyTest, TellsApartValuesSwappedBetweenNamesAndSplitDifferently) {
  // Swapped values, a value moved into the name, an added empty dimension.
  const std::vector<std::string> keys = {
      KeyOf({{"a", "x"}, {"b", "y"}}),
      KeyOf({{"a", "y"}, {"b", "x"}}),
      KeyOf({{"ax", ""}, {"b", "y"}}),
      KeyOf({{"a", "x"}, {"b", "y"}, {"c", ""}}),
      KeyOf({{"a", "x"}}),
      KeyOf({{"b", "y"}}),
      KeyOf({{"a", "xy"}}),
      KeyOf({{"a", ""}}),
      std::string(),
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t j = i + 1; j < keys.size(); ++j) {
      EXPECT_NE(HashSeriesKey(keys[i]), HashSeriesKey(keys[j])) << i << " " << j;
    }
  }
}

}  // namespace
}  // namespace tsw::model
