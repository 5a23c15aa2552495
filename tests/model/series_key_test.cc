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
